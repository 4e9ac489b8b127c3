/* Fuzz harness of the JSON-RPC dispatcher: inputs are WebSocket messages to a fresh session
 * of one long-lived engine on an in-memory transport; every outbound message is checked.
 *
 * Input framing (so seeds stay readable):
 *   byte 0   mode: bit 0 = the session starts logged in as "fuzzer" (maker), set through
 *            engine_internal.h as public/login would; bit 1 = the rest is several messages
 *            separated by NUL bytes (at most 16), else it is one message, NULs included.
 *   rest     the message text. "@TS@" is replaced by the real clock in ms, "@SIG@" by the
 *            login signature of key "odk_fuzz" (account fuzzer) for that timestamp and
 *            "@SIGX@" by that of "odk_other" (account other, buyer), so public/login can
 *            succeed: {"api_key":"odk_fuzz","timestamp":"@TS@","signature":"@SIG@"}.
 *
 * Invariants (abort on a break): every outbound message is a JSON object with "jsonrpc":
 * "2.0"; a notification is a well-formed "subscription"; a reply has an id and exactly one
 * of result / error{code,message}; text that is not JSON gets exactly one -32700 reply; a
 * request object with an integer or string id gets exactly one reply, carrying that id; any
 * other message gets at most one reply. No session is ever cut (the rate limit is huge).
 *
 * Speed (the dispatcher's own JSON work under ASan is the floor; the harness adds little):
 * - the oracle's parses (of each inbound message and of every outbound one) are jansson's, as
 *   ever, but into a scratch arena rather than the sanitizer's malloc, which made them cost
 *   as much as the dispatcher itself. jansson's allocator is scratch_malloc/scratch_free:
 *   plain malloc/free except inside the harness's own parses, so ASan watches the api's JSON
 *   values as before. Nothing in the arena outlives a parse: the facts the checks need (kind,
 *   id, error code) are copied out, then the arena is reset and poisoned;
 * - a verdict is a pure function of the text, so it is remembered per exact text (see memo_*
 *   below): a repeated message (most of them) is not parsed again;
 * - the clock is read and HMACs computed only for a placeholder.
 * Each message is fed as an exact-size malloc'ed copy, so a read past its end is caught. */
#include <jansson.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "engine.h"
#include "engine_internal.h"
#include "hmac.h"
#include "keyring.h"
#include "log.h"
#include "roles.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL_IF(cond, ...)                                                                     \
  do {                                                                                         \
    if (cond) {                                                                                \
      fprintf(stderr, "fuzz_jsonrpc: %s:%d: ", __FILE__, __LINE__);                             \
      fprintf(stderr, __VA_ARGS__);                                                            \
      fputc('\n', stderr);                                                                     \
      abort();                                                                                 \
    }                                                                                          \
  } while (0)

#define MAX_MESSAGES 16
#define FUZZ_SECRET "fuzz-secret-0123456789"
#define OTHER_SECRET "other-secret-9876543210"

static struct app_config cfg;
static struct app app;
static struct engine *engine;

/* ---- scratch arena for the harness's own parses ---- */

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCRATCH_ASAN 1
#endif
#endif
#if !defined(SCRATCH_ASAN) && defined(__SANITIZE_ADDRESS__)
#define SCRATCH_ASAN 1
#endif
#ifdef SCRATCH_ASAN
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#define SCRATCH_POISON(p, n) __asan_poison_memory_region((p), (n))
#define SCRATCH_UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define SCRATCH_POISON(p, n) ((void)(p), (void)(n))
#define SCRATCH_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define SCRATCH_SIZE (1u << 20) /* a parse that needs more falls back to malloc */
#define SCRATCH_REDZONE 16      /* poisoned bytes after each block */

static alignas(16) unsigned char scratch[SCRATCH_SIZE];
static size_t scratch_used;
/* set only by the fuzzing thread: another thread (a desk writer) always gets malloc */
static _Thread_local int scratch_on;

static int in_scratch(const void *p) {
  return (const unsigned char *)p >= scratch && (const unsigned char *)p < scratch + SCRATCH_SIZE;
}

static void *scratch_malloc(size_t n) {
  if (scratch_on) {
    size_t step = ((n + 15) & ~(size_t)15) + SCRATCH_REDZONE;
    if (n && n <= SCRATCH_SIZE && step <= SCRATCH_SIZE - scratch_used) {
      void *p = scratch + scratch_used;
      scratch_used += step;
      SCRATCH_UNPOISON(p, n);
      return p;
    }
  }
  return malloc(n);
}

static void scratch_free(void *p) {
  if (!in_scratch(p)) free(p); /* arena blocks go with the reset */
}

/* Parses text into the arena (scratch_end releases everything it made). */
static json_t *scratch_parse(const char *text, size_t len, size_t flags, json_error_t *je) {
  scratch_on = 1;
  json_t *v = json_loadb(text, len, flags, je);
  scratch_on = 0;
  return v;
}

static void scratch_end(json_t *v) {
  json_decref(v); /* frees what overflowed to malloc; arena blocks are no-ops */
  SCRATCH_POISON(scratch, scratch_used);
  scratch_used = 0;
}

/* ---- verdicts: what the checks concluded about one text ----
 * Both checks are pure functions of the text (the parse flags are fixed), and fuzzing sends
 * the same texts again and again (over 90% of outbound messages and about 80% of inbound
 * ones repeat a recent one), so a verdict is remembered per exact text (all bytes compared,
 * not just a hash) and reused; only texts that passed every check are remembered. What
 * depends on the message being fed (reply count, id match, -32700) is still decided per
 * message from the verdict. The tables are static (no malloc), so they never trip
 * libFuzzer's leak detection. */

#define MEMO_SLOTS 8192   /* per table, direct-mapped */
#define MEMO_TEXT_MAX 480 /* longer texts are checked every time */

/* An id (string or integer) held outside any JSON value. */
struct id_copy {
  int kind; /* 0 none, 1 integer, 2 string */
  json_int_t i;
  const char *s; /* the string's bytes (the parser refuses \u0000, so no NUL inside) */
  size_t len;
};

struct verdict {
  int kind;          /* inbound: -1 not JSON, 1 request with a string/integer id, 0 other;
                        outbound: 0 notification, 1 reply */
  struct id_copy id; /* inbound: the request's id; outbound: the reply's id */
  json_int_t code;   /* outbound: the reply's error code, 0 for a result */
};

struct memo_slot {
  uint64_t hash; /* 0: empty */
  size_t len;
  struct verdict v; /* v.id.s points into id */
  char text[MEMO_TEXT_MAX];
  char id[MEMO_TEXT_MAX]; /* an id string is never longer than the text it came from */
};

static struct memo_slot memo_in[MEMO_SLOTS], memo_out[MEMO_SLOTS];

/* Not coverage-instrumented: hits and misses depend on earlier inputs, not on this one. */
#if defined(__clang__)
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define NO_COVERAGE
#endif
NO_COVERAGE static uint64_t memo_hash(const char *t, size_t n) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)t[i]) * 1099511628211ULL;
  return h ? h : 1;
}

NO_COVERAGE static const struct verdict *memo_find(struct memo_slot *table, const char *text,
                                                   size_t len, uint64_t h) {
  struct memo_slot *m = &table[h % MEMO_SLOTS];
  if (m->hash == h && m->len == len && memcmp(m->text, text, len) == 0) return &m->v;
  return NULL;
}

/* Remembers a verdict that passed (a short text only); returns the stored copy, whose id
 * stays valid until that slot is reused. */
NO_COVERAGE static const struct verdict *memo_put(struct memo_slot *table, const char *text,
                                                  size_t len, uint64_t h, const struct verdict *v) {
  if (len > MEMO_TEXT_MAX || (v->id.kind == 2 && v->id.len > MEMO_TEXT_MAX)) return NULL;
  struct memo_slot *m = &table[h % MEMO_SLOTS];
  m->hash = h;
  m->len = len;
  memcpy(m->text, text, len);
  m->v = *v;
  if (v->id.kind == 2) {
    memcpy(m->id, v->id.s, v->id.len);
    m->v.id.s = m->id;
  }
  return &m->v;
}

static void id_copy_of(struct id_copy *c, json_t *v) {
  memset(c, 0, sizeof *c);
  if (json_is_integer(v)) {
    c->kind = 1;
    c->i = json_integer_value(v);
  } else if (json_is_string(v)) {
    c->kind = 2;
    c->s = json_string_value(v);
    c->len = json_string_length(v);
  }
}

/* json_equal for two ids that are each an integer or a string. */
static int id_equal(const struct id_copy *a, const struct id_copy *b) {
  if (!a->kind || a->kind != b->kind) return 0;
  if (a->kind == 1) return a->i == b->i;
  return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* What the transport saw for the message being fed. */
struct capture {
  int replies;          /* non-notification messages */
  int id_matches;       /* replies whose id equals want */
  struct id_copy want;  /* the request's string or integer id, if any */
  char *want_owned;     /* want.s when it is not held by a memo slot */
  json_int_t last_code; /* the last reply's error code, 0 when it was a result */
};

static void check_notification(json_t *msg, const char *text) {
  json_t *p = json_object_get(msg, "params");
  FAIL_IF(!json_is_object(p), "notification without params object: %s", text);
  FAIL_IF(!json_is_string(json_object_get(p, "channel")), "notification without channel: %s",
          text);
  json_t *seq = json_object_get(p, "seq");
  FAIL_IF(!json_is_integer(seq) || json_integer_value(seq) < 0, "bad seq: %s", text);
  FAIL_IF(!json_is_array(json_object_get(p, "data")), "notification data not an array: %s", text);
  FAIL_IF(json_object_get(msg, "id") != NULL, "notification with an id: %s", text);
}

static void check_reply(json_t *msg, const char *text) {
  json_t *id = json_object_get(msg, "id");
  FAIL_IF(!id || !(json_is_null(id) || json_is_string(id) || json_is_integer(id)),
          "reply without a valid id: %s", text);
  json_t *result = json_object_get(msg, "result"), *error = json_object_get(msg, "error");
  FAIL_IF(!result == !error, "reply needs exactly one of result and error: %s", text);
  if (error) {
    FAIL_IF(!json_is_object(error), "error is not an object: %s", text);
    FAIL_IF(!json_is_integer(json_object_get(error, "code")), "error code not an integer: %s",
            text);
    FAIL_IF(!json_is_string(json_object_get(error, "message")), "error message not a string: %s",
            text);
    FAIL_IF(json_integer_value(json_object_get(error, "code")) == -32000,
            "rate limited although the limit is huge: %s", text);
  }
}

/* Checks one outbound message in full (aborting on a break) into *out, and remembers the
 * verdict when the text is short; otherwise a string id is copied into *owned (malloc'ed,
 * the caller frees it). */
static void check_outbound(const char *text, size_t len, uint64_t h, struct verdict *out,
                           char **owned) {
  json_error_t je;
  json_t *msg = scratch_parse(text, len, JSON_REJECT_DUPLICATES, &je);
  FAIL_IF(!msg, "outbound message is not JSON (%s): %.*s", je.text, (int)len, text);
  FAIL_IF(!json_is_object(msg), "outbound message is not an object: %s", text);
  const char *v = json_string_value(json_object_get(msg, "jsonrpc"));
  FAIL_IF(!v || strcmp(v, "2.0") != 0, "outbound message lacks \"jsonrpc\":\"2.0\": %s", text);
  const char *method = json_string_value(json_object_get(msg, "method"));
  memset(out, 0, sizeof *out);
  if (method) {
    FAIL_IF(strcmp(method, "subscription") != 0, "unexpected notification method: %s", text);
    check_notification(msg, text);
  } else {
    check_reply(msg, text);
    out->kind = 1;
    id_copy_of(&out->id, json_object_get(msg, "id"));
    out->code = json_integer_value(json_object_get(json_object_get(msg, "error"), "code"));
  }
  const struct verdict *kept = memo_put(memo_out, text, len, h, out);
  if (kept) {
    *out = *kept;
  } else if (out->id.kind == 2) { /* too long to remember: a private copy of the id */
    *owned = malloc(out->id.len + 1);
    if (!*owned) abort();
    memcpy(*owned, out->id.s, out->id.len);
    out->id.s = *owned;
  }
  scratch_end(msg);
}

static int capture_send(void *conn, const char *text, size_t len) {
  struct capture *c = conn;
  FAIL_IF(strlen(text) != len, "send length %zu differs from the text's %zu", len, strlen(text));
  uint64_t h = memo_hash(text, len);
  struct verdict v;
  char *owned = NULL;
  const struct verdict *known = memo_find(memo_out, text, len, h);
  if (known)
    v = *known;
  else
    check_outbound(text, len, h, &v, &owned);
  if (v.kind == 1) {
    c->replies++;
    if (id_equal(&c->want, &v.id)) c->id_matches++;
    c->last_code = v.code;
  }
  free(owned);
  return 0;
}

static void wake_unused(void *arg) { (void)arg; }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  char err[256];
  /* before any JSON value exists (one made earlier would still be freed right) */
  json_set_alloc_funcs(scratch_malloc, scratch_free);
  SCRATCH_POISON(scratch, SCRATCH_SIZE);
  log_set_level(LOG_ERROR); /* refused logins would flood stderr */
  if (config_load(&cfg, NULL, NULL, err, sizeof err) != 0) {
    fprintf(stderr, "fuzz_jsonrpc: %s\n", err);
    abort();
  }
  cfg.ws_rate_per_sec = 1000000;
  cfg.ws_burst = 1000000;
  app.config = &cfg;
  if (clock_init(&app.clock, "manual", 1700000000000LL, err, sizeof err) != 0) abort();
  app.keyring = keyring_new();
  struct keyring_entry fz = {"fuzzer", ROLE_MAKER, FUZZ_SECRET};
  struct keyring_entry other = {"other", ROLE_BUYER, OTHER_SECRET};
  if (!app.keyring || keyring_put(app.keyring, "odk_fuzz", &fz) != 0 ||
      keyring_put(app.keyring, "odk_other", &other) != 0)
    abort();
  struct engine_transport t = {capture_send, wake_unused, NULL};
  engine = engine_new(&app, &t);
  if (!engine) abort();
  return 0;
}

/* The login signature of ts with secret: hex HMAC-SHA256(secret, ts + "GET/ws"). */
static void sign(const char *secret, const char *ts, char out[CRYPTO_SHA256_HEX_SIZE]) {
  struct crypto_span parts[] = {{ts, strlen(ts)}, {"GET/ws", 6}};
  if (crypto_hmac_sha256_hex_parts(secret, strlen(secret), parts, 2, out) != 0) abort();
}

/* The message with its placeholders replaced, as an exact-size malloc'ed copy (NUL-
 * terminated, length in *out_len), so the sanitizer catches any read past its end. The
 * clock is read and signatures are computed only when a placeholder asks for them. */
static char *expand(const uint8_t *data, size_t size, size_t *out_len) {
  static char *buf;
  static size_t cap;
  /* a placeholder (4 bytes or more) becomes at most CRYPTO_SHA256_HEX_SIZE - 1 */
  size_t need = size / 4 * CRYPTO_SHA256_HEX_SIZE + size % 4 + 1;
  if (need > cap) {
    char *nb = realloc(buf, need);
    if (!nb) abort();
    buf = nb;
    cap = need;
  }
  char ts[24] = "", sig[CRYPTO_SHA256_HEX_SIZE] = "", sigx[CRYPTO_SHA256_HEX_SIZE] = "";
  size_t len = 0;
  for (size_t i = 0; i < size;) {
    const uint8_t *at = memchr(data + i, '@', size - i);
    size_t plain = at ? (size_t)(at - (data + i)) : size - i;
    memcpy(buf + len, data + i, plain);
    len += plain;
    i += plain;
    if (i == size) break;
    const char *rest = (const char *)data + i;
    size_t left = size - i;
    const char *sub = "@";
    size_t used = 1;
    if (left >= 4 && memcmp(rest, "@TS@", 4) == 0)
      sub = ts, used = 4;
    else if (left >= 5 && memcmp(rest, "@SIG@", 5) == 0)
      sub = sig, used = 5;
    else if (left >= 6 && memcmp(rest, "@SIGX@", 6) == 0)
      sub = sigx, used = 6;
    if (used > 1 && !*ts) snprintf(ts, sizeof ts, "%lld", (long long)clock_real_ms());
    if (sub == sig && !*sig) sign(FUZZ_SECRET, ts, sig);
    if (sub == sigx && !*sigx) sign(OTHER_SECRET, ts, sigx);
    size_t n = strlen(sub);
    memcpy(buf + len, sub, n);
    len += n;
    i += used;
  }
  char *out = malloc(len + 1);
  if (!out) abort();
  memcpy(out, buf, len);
  out[len] = 0;
  *out_len = len;
  return out;
}

/* What the dispatcher must answer to text: -1 not JSON (one parse error), 1 a request with a
 * string or integer id (one reply with that id, copied into c->want), 0 anything else
 * (<= 1). */
static int expectation(const char *text, size_t len, struct capture *c) {
  uint64_t h = memo_hash(text, len);
  const struct verdict *v = memo_find(memo_in, text, len, h);
  memset(&c->want, 0, sizeof c->want);
  c->want_owned = NULL;
  if (!v) {
    json_error_t je;
    json_t *req = scratch_parse(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    struct verdict out;
    memset(&out, 0, sizeof out);
    out.kind = -1;
    if (req) {
      json_t *id = json_object_get(req, "id");
      if (json_is_object(req) && (json_is_string(id) || json_is_integer(id))) {
        id_copy_of(&out.id, id);
        out.kind = 1;
      } else {
        out.kind = 0;
      }
    }
    /* memo_in is only written here, so the slot holds until the next message */
    v = memo_put(memo_in, text, len, h, &out);
    if (!v) {
      c->want = out.id;
      if (out.id.kind == 2) {
        c->want_owned = malloc(out.id.len + 1);
        if (!c->want_owned) abort();
        memcpy(c->want_owned, out.id.s, out.id.len);
        c->want.s = c->want_owned;
      }
      scratch_end(req);
      return out.kind;
    }
    scratch_end(req);
  }
  c->want = v->id;
  return v->kind;
}

static void feed(struct engine_session *s, struct capture *c, const uint8_t *p, size_t n) {
  size_t len;
  char *text = expand(p, n, &len);
  int expect = expectation(text, len, c);
  c->replies = c->id_matches = 0;
  c->last_code = 0;
  int rc = engine_session_message(engine, s, text, len);
  FAIL_IF(rc != 0, "session cut (rc %d) for: %.*s", rc, (int)len, text);
  if (expect < 0) {
    FAIL_IF(c->replies != 1, "%d replies to text that is not JSON: %.*s", c->replies, (int)len,
            text);
    FAIL_IF(c->last_code != -32700, "not JSON but no -32700: %.*s", (int)len, text);
  } else if (expect > 0) {
    FAIL_IF(c->replies != 1 || c->id_matches != 1, "%d replies (%d with the id) to: %.*s",
            c->replies, c->id_matches, (int)len, text);
  } else {
    FAIL_IF(c->replies > 1, "%d replies to: %.*s", c->replies, (int)len, text);
  }
  /* the session's subscriptions stay consistent with the limit */
  FAIL_IF(s->nsubs < 0 || s->nsubs > SESSION_MAX_CHANNELS, "nsubs %d", s->nsubs);
  free(c->want_owned);
  c->want_owned = NULL;
  free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!engine) LLVMFuzzerInitialize(NULL, NULL);
  if (size < 1) return 0;
  uint8_t mode = data[0];
  data++, size--;
  struct capture c;
  memset(&c, 0, sizeof c);
  struct engine_session *s = engine_session_open(engine, &c);
  if (!s) abort();
  if (mode & 1) { /* as after a successful public/login with odk_fuzz */
    snprintf(s->who.account, sizeof s->who.account, "fuzzer");
    s->who.roles = ROLE_MAKER;
    s->logged_in = 1;
  }
  if (mode & 2) {
    int n = 0;
    while (n < MAX_MESSAGES) {
      const uint8_t *nul = memchr(data, 0, size);
      size_t part = nul ? (size_t)(nul - data) : size;
      feed(s, &c, data, part);
      n++;
      if (!nul) break;
      data += part + 1;
      size -= part + 1;
    }
  } else {
    feed(s, &c, data, size);
  }
  engine_session_close(engine, s);
  return 0;
}
