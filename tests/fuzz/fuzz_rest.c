/* Fuzz harness of the REST surface: rest_handle on an app with a configuration, a manual
 * clock, a keyring and an engine, but no database (routes that reach app_db are not run).
 * POST /v1/rpc runs on this same thread: the engine's wake callback drains it at once, so
 * engine_call_rpc finds its reply ready before it waits.
 *
 * Input framing (text, lines end with "\n" or "\r\n"):
 *   METHOD
 *   TARGET                   path with query, exactly as sent (the signature covers it)
 *   Name: value              headers, up to an empty line (at most 16)
 *
 *   body                     the rest, verbatim (over http.max_body_bytes: "too large")
 * A header value "@TS@" becomes the real clock in ms and "@SIG@" the request's signature
 * with the secret of its X-Api-Key (keys: odk_admin = root/admin, odk_fuzz = fuzzer/maker),
 * so signed routes can be reached. Only paths runnable() admits are run: the routes that
 * need no database nor oracle or vault state, and paths outside /v1/ (404 and 405).
 *
 * Invariants (abort on a break): status in 100..599 and never 5xx (no infrastructure here
 * can fail); a body is always present and body_len is its length; an application/json body
 * (but for 204) is JSON; an error status carries {"error":{"code","message","details"}};
 * a 200 from /v1/rpc is a JSON-RPC 2.0 reply. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "config.h"
#include "engine.h"
#include "hmac.h"
#include "keyring.h"
#include "log.h"
#include "metrics.h"
#include "rest.h"
#include "roles.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL_IF(cond, ...)                                                                     \
  do {                                                                                         \
    if (cond) {                                                                                \
      fprintf(stderr, "fuzz_rest: %s:%d: ", __FILE__, __LINE__);                                \
      fprintf(stderr, __VA_ARGS__);                                                            \
      fputc('\n', stderr);                                                                     \
      abort();                                                                                 \
    }                                                                                          \
  } while (0)

#define MAX_HEADERS 16
#define CLOCK_START_MS 1700000000000LL

static struct app_config cfg;
static struct app app;
static struct engine *engine;

static int send_ignore(void *conn, const char *text, size_t len) {
  (void)conn;
  (void)text;
  (void)len;
  return 0;
}

/* Called by engine_call_rpc after it queued the call and before it waits. */
static void wake_drain(void *arg) { engine_drain(*(struct engine **)arg); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  char err[256];
  log_set_level(LOG_ERROR); /* refused signatures would flood stderr */
  if (config_load(&cfg, NULL, NULL, err, sizeof err) != 0) {
    fprintf(stderr, "fuzz_rest: %s\n", err);
    abort();
  }
  cfg.max_body_bytes = 1024; /* the smallest the config allows: 413 stays reachable */
  cfg.ws_rate_per_sec = 1000000;
  cfg.ws_burst = 1000000;
  app.config = &cfg;
  if (clock_init(&app.clock, "manual", CLOCK_START_MS, err, sizeof err) != 0) abort();
  app.keyring = keyring_new();
  struct keyring_entry admin = {"root", ROLE_ADMIN, "admin-secret-0123456789"};
  struct keyring_entry maker = {"fuzzer", ROLE_MAKER, "fuzz-secret-0123456789"};
  if (!app.keyring || keyring_put(app.keyring, "odk_admin", &admin) != 0 ||
      keyring_put(app.keyring, "odk_fuzz", &maker) != 0)
    abort();
  app.started_real_ms = clock_real_ms();
  struct engine_transport t = {send_ignore, wake_drain, &engine};
  engine = engine_new(&app, &t);
  if (!engine) abort();
  app.engine = engine;
  rest_init();
  return 0;
}

struct header {
  char *name, *value;
};

struct parsed {
  char *method, *target, *path, *body;
  size_t body_len;
  struct header h[MAX_HEADERS];
  int nh;
};

static const char *lookup(void *ctx, const char *name) {
  const struct parsed *p = ctx;
  for (int i = 0; i < p->nh; i++)
    if (strcasecmp(p->h[i].name, name) == 0) return p->h[i].value;
  return NULL;
}

static char *dup_n(const uint8_t *p, size_t n) {
  char *s = malloc(n + 1);
  if (!s) abort();
  memcpy(s, p, n);
  s[n] = 0;
  return s;
}

/* Takes the next line (without its "\n" / "\r\n") off *data; NULL when there is no "\n". */
static char *take_line(const uint8_t **data, size_t *size) {
  const uint8_t *nl = memchr(*data, '\n', *size);
  if (!nl) return NULL;
  size_t n = (size_t)(nl - *data);
  char *line = dup_n(*data, n > 0 && (*data)[n - 1] == '\r' ? n - 1 : n);
  *data += n + 1;
  *size -= n + 1;
  return line;
}

static void parsed_free(struct parsed *p) {
  free(p->method);
  free(p->target);
  free(p->path);
  free(p->body);
  for (int i = 0; i < p->nh; i++) {
    free(p->h[i].name);
    free(p->h[i].value);
  }
}

/* 0 and *p filled, or -1 when the input does not frame a request. */
static int parse(const uint8_t *data, size_t size, struct parsed *p) {
  memset(p, 0, sizeof *p);
  if (!(p->method = take_line(&data, &size)) || !(p->target = take_line(&data, &size)))
    return -1;
  char *line;
  while ((line = take_line(&data, &size)) != NULL) {
    if (!*line) {
      free(line);
      break;
    }
    char *colon = strchr(line, ':');
    if (!colon || p->nh == MAX_HEADERS) {
      free(line);
      continue;
    }
    *colon = 0;
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t') v++;
    p->h[p->nh].value = strdup(v);
    p->h[p->nh].name = line;
    if (!p->h[p->nh].value) abort();
    p->nh++;
  }
  p->body = dup_n(data, size);
  p->body_len = size;
  size_t plen = strcspn(p->target, "?");
  p->path = dup_n((const uint8_t *)p->target, plen);
  return 0;
}

/* Replaces "@TS@" and "@SIG@" header values (the signature after the timestamp). */
static void fill_placeholders(struct parsed *p) {
  char ts[24];
  snprintf(ts, sizeof ts, "%lld", (long long)clock_real_ms());
  for (int i = 0; i < p->nh; i++)
    if (strcmp(p->h[i].value, "@TS@") == 0) {
      free(p->h[i].value);
      if (!(p->h[i].value = strdup(ts))) abort();
    }
  for (int i = 0; i < p->nh; i++) {
    if (strcmp(p->h[i].value, "@SIG@") != 0) continue;
    const char *key = lookup(p, "X-Api-Key"), *t = lookup(p, "X-Timestamp");
    struct keyring_entry e;
    if (!key || keyring_get(app.keyring, key, &e) != 0) snprintf(e.secret, sizeof e.secret, "x");
    if (!t) t = "";
    struct crypto_span parts[] = {{t, strlen(t)},
                                  {p->method, strlen(p->method)},
                                  {p->target, strlen(p->target)},
                                  {p->body, p->body_len}};
    char sig[CRYPTO_SHA256_HEX_SIZE];
    if (crypto_hmac_sha256_hex_parts(e.secret, strlen(e.secret), parts, 4, sig) != 0) abort();
    free(p->h[i].value);
    if (!(p->h[i].value = strdup(sig))) abort();
  }
}

static void check_response(const struct parsed *p, const struct rest_response *r) {
  const char *where = p->path;
  FAIL_IF(r->status < 100 || r->status > 599, "status %d for %s", r->status, where);
  /* the harness has no database: a durable route (the manual clock's setting is persisted)
   * may answer 503 db_unavailable; nothing else may fail on the server's side */
  int durable = strcmp(where, "/v1/admin/clock") == 0 && r->status == 503 && r->body &&
                strstr(r->body, "\"db_unavailable\"");
  FAIL_IF(r->status >= 500 && !durable,
          "status %d (no infrastructure can fail here) for %s: %.300s", r->status, where,
          r->body ? r->body : "(null)");
  FAIL_IF(!r->body, "no body for %s (status %d)", where, r->status);
  FAIL_IF(strlen(r->body) != r->body_len, "body_len %zu but the body has %zu bytes (%s)",
          r->body_len, strlen(r->body), where);
  const char *ct = r->content_type ? r->content_type : "application/json";
  if (strcmp(ct, "application/json") != 0 || r->status == 204) {
    FAIL_IF(r->status == 204 && r->body_len != 0, "204 with a body for %s", where);
    return;
  }
  json_error_t je;
  json_t *j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
  FAIL_IF(!j, "status %d for %s: body is not JSON (%s): %.300s", r->status, where, je.text,
          r->body);
  if (r->status >= 400) {
    json_t *e = json_object_get(j, "error");
    FAIL_IF(!json_is_object(e) || !json_is_string(json_object_get(e, "code")) ||
                !json_is_string(json_object_get(e, "message")) ||
                !json_is_object(json_object_get(e, "details")),
            "status %d for %s without {\"error\":{code,message,details}}: %.300s", r->status,
            where, r->body);
  } else if (strcmp(p->path, "/v1/rpc") == 0) {
    const char *v = json_string_value(json_object_get(j, "jsonrpc"));
    FAIL_IF(!v || strcmp(v, "2.0") != 0 || !json_object_get(j, "id"),
            "/v1/rpc reply is not JSON-RPC 2.0: %.300s", r->body);
  }
  json_decref(j);
}

/* Whether the harness may run a request for path. Only the routes that need neither the
 * database (app_db would try to connect) nor the oracles or vault state (this app has
 * none) run, plus paths outside /v1/ and /readyz, which exercise 404 and 405. An
 * allowlist, so routes added later under /v1/ stay out until the harness learns them. */
static int runnable(const char *path) {
  static const char *const allowed[] = {"/healthz", "/metrics", "/v1/time", "/v1/admin/clock",
                                        "/v1/rpc"};
  for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
    if (strcmp(path, allowed[i]) == 0) return 1;
  return strncmp(path, "/v1/", 4) != 0 && strncmp(path, "/readyz", 7) != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!engine) LLVMFuzzerInitialize(NULL, NULL);
  struct parsed p;
  if (parse(data, size, &p) != 0) goto done;
  if (!runnable(p.path)) goto done;
  fill_placeholders(&p);
  char err[128];
  /* every input starts from the same business time, so a crash replays alike */
  if (clock_init(&app.clock, "manual", CLOCK_START_MS, err, sizeof err) != 0) abort();
  struct rest_request req = {
      .method = p.method,
      .path = p.path,
      .path_query = p.target,
      .body = p.body,
      .body_len = p.body_len,
      .body_too_large = p.body_len > cfg.max_body_bytes,
      .header = lookup,
      .header_ctx = &p,
  };
  if (req.body_too_large) { /* the server stops keeping the body past the limit */
    req.body = "";
    req.body_len = 0;
  }
  struct rest_response resp;
  memset(&resp, 0, sizeof resp);
  resp.route = -1;
  rest_handle(&app, &req, &resp);
  metrics_http_observe(resp.route, resp.status, 1);
  check_response(&p, &resp);
  free(resp.body);
done:
  parsed_free(&p);
  return 0;
}
