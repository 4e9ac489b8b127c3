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
 * other message gets at most one reply. No session is ever cut (the rate limit is huge). */
#include <jansson.h>
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

/* What the transport saw for the message being fed. */
struct capture {
  int replies;      /* non-notification messages */
  int id_matches;   /* replies whose id equals want_id */
  json_t *want_id;  /* the request's string or integer id, or NULL */
  json_t *last;     /* the last reply (owned) */
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

static int capture_send(void *conn, const char *text, size_t len) {
  struct capture *c = conn;
  FAIL_IF(strlen(text) != len, "send length %zu differs from the text's %zu", len, strlen(text));
  json_error_t je;
  json_t *msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  FAIL_IF(!msg, "outbound message is not JSON (%s): %.*s", je.text, (int)len, text);
  FAIL_IF(!json_is_object(msg), "outbound message is not an object: %s", text);
  const char *v = json_string_value(json_object_get(msg, "jsonrpc"));
  FAIL_IF(!v || strcmp(v, "2.0") != 0, "outbound message lacks \"jsonrpc\":\"2.0\": %s", text);
  const char *method = json_string_value(json_object_get(msg, "method"));
  if (method) {
    FAIL_IF(strcmp(method, "subscription") != 0, "unexpected notification method: %s", text);
    check_notification(msg, text);
    json_decref(msg);
    return 0;
  }
  check_reply(msg, text);
  c->replies++;
  if (c->want_id && json_equal(c->want_id, json_object_get(msg, "id"))) c->id_matches++;
  json_decref(c->last);
  c->last = msg;
  return 0;
}

static void wake_unused(void *arg) { (void)arg; }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  char err[256];
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

/* Appends n bytes to a growing buffer; aborts when out of memory. */
static void put(char **buf, size_t *len, size_t *cap, const void *p, size_t n) {
  if (*len + n + 1 > *cap) {
    size_t ncap = (*cap ? *cap : 256) * 2 + n;
    char *nb = realloc(*buf, ncap);
    if (!nb) abort();
    *buf = nb;
    *cap = ncap;
  }
  memcpy(*buf + *len, p, n);
  *len += n;
  (*buf)[*len] = 0;
}

/* The message with its placeholders replaced (malloc'ed, NUL-terminated, length in *out_len).
 * Signatures are computed only when asked for: an HMAC costs more than a whole message. */
static char *expand(const uint8_t *data, size_t size, size_t *out_len) {
  char ts[24], sig[CRYPTO_SHA256_HEX_SIZE] = "", sigx[CRYPTO_SHA256_HEX_SIZE] = "";
  snprintf(ts, sizeof ts, "%lld", (long long)clock_real_ms());
  char *out = NULL;
  size_t len = 0, cap = 0;
  put(&out, &len, &cap, "", 0);
  for (size_t i = 0; i < size;) {
    const uint8_t *at = memchr(data + i, '@', size - i);
    size_t plain = at ? (size_t)(at - (data + i)) : size - i;
    put(&out, &len, &cap, data + i, plain);
    i += plain;
    if (i == size) break;
    const char *rest = (const char *)data + i;
    size_t left = size - i;
    if (left >= 4 && memcmp(rest, "@TS@", 4) == 0) {
      put(&out, &len, &cap, ts, strlen(ts));
      i += 4;
    } else if (left >= 5 && memcmp(rest, "@SIG@", 5) == 0) {
      if (!*sig) sign(FUZZ_SECRET, ts, sig);
      put(&out, &len, &cap, sig, strlen(sig));
      i += 5;
    } else if (left >= 6 && memcmp(rest, "@SIGX@", 6) == 0) {
      if (!*sigx) sign(OTHER_SECRET, ts, sigx);
      put(&out, &len, &cap, sigx, strlen(sigx));
      i += 6;
    } else {
      put(&out, &len, &cap, "@", 1);
      i++;
    }
  }
  *out_len = len;
  return out;
}

/* What the dispatcher must answer to text: -1 not JSON (one parse error), 1 a request with a
 * string or integer id (one reply with that id, stored in *id), 0 anything else (<= 1). */
static int expectation(const char *text, size_t len, json_t **id) {
  json_error_t je;
  json_t *req = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
  *id = NULL;
  if (!req) return -1;
  json_t *v = json_object_get(req, "id");
  if (json_is_object(req) && (json_is_string(v) || json_is_integer(v))) *id = json_incref(v);
  json_decref(req);
  return *id ? 1 : 0;
}

static void feed(struct engine_session *s, struct capture *c, const uint8_t *p, size_t n) {
  size_t len;
  char *text = expand(p, n, &len);
  int expect = expectation(text, len, &c->want_id);
  c->replies = c->id_matches = 0;
  int rc = engine_session_message(engine, s, text, len);
  FAIL_IF(rc != 0, "session cut (rc %d) for: %.*s", rc, (int)len, text);
  if (expect < 0) {
    FAIL_IF(c->replies != 1, "%d replies to text that is not JSON: %.*s", c->replies, (int)len,
            text);
    json_t *err = json_object_get(c->last, "error");
    FAIL_IF(json_integer_value(json_object_get(err, "code")) != -32700,
            "not JSON but no -32700: %.*s", (int)len, text);
  } else if (expect > 0) {
    FAIL_IF(c->replies != 1 || c->id_matches != 1, "%d replies (%d with the id) to: %.*s",
            c->replies, c->id_matches, (int)len, text);
  } else {
    FAIL_IF(c->replies > 1, "%d replies to: %.*s", c->replies, (int)len, text);
  }
  /* the session's subscriptions stay consistent with the limit */
  FAIL_IF(s->nsubs < 0 || s->nsubs > SESSION_MAX_CHANNELS, "nsubs %d", s->nsubs);
  json_decref(c->want_id);
  c->want_id = NULL;
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
  json_decref(c.last);
  return 0;
}
