/* Unit tests of the application layer without sockets or a database: config, clock,
 * signatures, the string map, and the JSON-RPC dispatcher and channels on an in-memory
 * transport. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "channels.h"
#include "clock.h"
#include "config.h"
#include "engine.h"
#include "hmac.h"
#include "keyring.h"
#include "roles.h"
#include "strmap.h"
#include "testlib.h"

static const char *no_env(const char *name) {
  (void)name;
  return NULL;
}

static const char *test_env(const char *name) {
  if (!strcmp(name, "OPTDESK_HTTP_ADDR")) return "127.0.0.1:9000";
  if (!strcmp(name, "OPTDESK_CLOCK")) return "manual";
  if (!strcmp(name, "OPTDESK_CLOCK_START")) return "1677225600000";
  if (!strcmp(name, "DATABASE_URL")) return "host=/tmp dbname=x";
  return NULL;
}

TEST(config_default_loads) {
  struct app_config c;
  char err[256];
  REQUIRE(config_load(&c, NULL, no_env, err, sizeof err) == 0);
  CHECK_STR_EQ(c.http.host, "127.0.0.1");
  CHECK_INT_EQ(c.http.port, 8080);
  CHECK_INT_EQ(c.ws.port, 8081);
  CHECK_STR_EQ(c.data_dir, "./var");
  CHECK_STR_EQ(c.database_url, "");
  CHECK_INT_EQ(json_array_size(c.vaults), 1);
  CHECK_INT_EQ(json_array_size(c.depots), 2);
  CHECK(json_is_true(json_object_get(c.oracle, "simulated")));
  config_cleanup(&c);
}

TEST(config_env_overrides) {
  struct app_config c;
  char err[256];
  REQUIRE(config_load_text(&c, "{}", test_env, err, sizeof err) == 0);
  CHECK_INT_EQ(c.http.port, 9000);
  CHECK_STR_EQ(c.clock, "manual");
  CHECK_INT_EQ(c.clock_start_ms, 1677225600000LL);
  CHECK_STR_EQ(c.database_url, "host=/tmp dbname=x");
  config_cleanup(&c);
}

static void expect_config_error(const char *text, const char *needle) {
  struct app_config c;
  char err[256] = "";
  int rc = config_load_text(&c, text, no_env, err, sizeof err);
  CHECK_INT_EQ(rc, -1);
  if (!strstr(err, needle)) testlib_fail(__FILE__, __LINE__, "error \"%s\" lacks \"%s\"", err, needle);
}

TEST(config_errors_name_the_key) {
  expect_config_error("{\"bogus\":1}", "unknown key bogus");
  expect_config_error("{\"http\":{\"threads\":0}}", "http.threads");
  expect_config_error("{\"http\":{\"addr\":\"1.2.3.4\"}}", "http.addr");
  expect_config_error("{\"http\":{\"tls\":{\"cert_file\":\"a\"}}}", "http.tls");
  expect_config_error("{\"ws\":{\"burst\":-1}}", "ws.burst");
  expect_config_error("{\"log_level\":\"loud\"}", "log_level");
  expect_config_error("{\"vaults\":[{\"id\":\"A\"}]}", "vaults[0].id");
  expect_config_error("{\"vaults\":[{\"id\":\"a\",\"kind\":\"x\"}]}", "vaults[0].kind");
  expect_config_error("{\"vaults\":[{\"id\":\"a\",\"kind\":\"covered_put_spread\",\"collateral\":"
                      "\"LBTC\",\"underlying\":\"BTC\",\"lot_size\":\"1.2.3\"}]}",
                      "vaults[0].lot_size");
  expect_config_error("{\"depots\":[{\"id\":\"d\",\"underlying\":\"ETH\",\"type\":\"X\"}]}",
                      "depots[0].type");
  expect_config_error("{\"depots\":[{\"id\":\"d\",\"underlying\":\"ETH\",\"type\":\"P\"},"
                      "{\"id\":\"d\",\"underlying\":\"ETH\",\"type\":\"C\"}]}", "used twice");
  expect_config_error("{\"oracle\":{\"seed\":\"x\"}}", "oracle.seed");
  expect_config_error("{\"a\":1,\"a\":2}", "invalid JSON");
  expect_config_error("[]", "top level");
}

TEST(clock_bounds_refuse_overflow) {
  struct app_clock c;
  char err[128];
  CHECK_INT_EQ(clock_init(&c, "accelerated:1000000", INT64_MAX, err, sizeof err), -1);
  CHECK_INT_EQ(clock_init(&c, "manual", CLOCK_MAX_MS + 1, err, sizeof err), -1);
  REQUIRE(clock_init(&c, "accelerated:1000000", CLOCK_MAX_MS, err, sizeof err) == 0);
  CHECK(clock_now_ms(&c) <= CLOCK_MAX_MS);
  REQUIRE(clock_init(&c, "manual", 0, err, sizeof err) == 0);
  CHECK_INT_EQ(clock_set(&c, CLOCK_MAX_MS + 1), -3);
  CHECK_INT_EQ(clock_set(&c, -1), -3);
  CHECK_INT_EQ(clock_set(&c, CLOCK_MAX_MS), 0);
  expect_config_error("{\"clock_start_ms\":9223372036854775807}", "clock_start_ms");
}

TEST(addr_parse) {
  char host[64];
  int port = 0;
  CHECK_INT_EQ(config_parse_addr("127.0.0.1:8080", host, sizeof host, &port), 0);
  CHECK_STR_EQ(host, "127.0.0.1");
  CHECK_INT_EQ(port, 8080);
  CHECK_INT_EQ(config_parse_addr("localhost:1", host, sizeof host, &port), 0);
  CHECK_STR_EQ(host, "127.0.0.1");
  CHECK_INT_EQ(config_parse_addr("127.0.0.1:0", host, sizeof host, &port), -1);
  CHECK_INT_EQ(config_parse_addr("127.0.0.1:65536", host, sizeof host, &port), -1);
  CHECK_INT_EQ(config_parse_addr("example.com:80", host, sizeof host, &port), -1);
  CHECK_INT_EQ(config_parse_addr(":80", host, sizeof host, &port), -1);
  CHECK_INT_EQ(config_parse_addr("127.0.0.1:8x", host, sizeof host, &port), -1);
}

TEST(clock_modes) {
  struct app_clock c;
  char err[128];
  REQUIRE(clock_init(&c, "manual", 1000, err, sizeof err) == 0);
  CHECK_INT_EQ(clock_now_ms(&c), 1000);
  CHECK_INT_EQ(clock_set(&c, 5000), 0);
  CHECK_INT_EQ(clock_now_ms(&c), 5000);
  CHECK_INT_EQ(clock_set(&c, 4999), -2);
  CHECK_INT_EQ(clock_now_ms(&c), 5000);
  REQUIRE(clock_init(&c, "accelerated:1000", 0, err, sizeof err) == 0);
  CHECK(clock_now_ms(&c) >= 0);
  CHECK_INT_EQ(clock_set(&c, 1), -1);
  REQUIRE(clock_init(&c, "real", -1, err, sizeof err) == 0);
  int64_t d = clock_now_ms(&c) - clock_real_ms();
  CHECK(d <= 5 && d >= -5);
  CHECK_INT_EQ(clock_init(&c, "accelerated:x", 0, err, sizeof err), -1);
  CHECK_INT_EQ(clock_init(&c, "fast", 0, err, sizeof err), -1);
}

static void signature(const char *secret, const char *ts, const char *method, const char *path,
                      const char *body, char out[65]) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s%s%s%s", ts, method, path, body);
  REQUIRE(crypto_hmac_sha256_hex(secret, strlen(secret), msg, strlen(msg), out) == 0);
}

TEST(auth_verify_rules) {
  struct keyring *k = keyring_new();
  struct keyring_entry e = {"alice", ROLE_MAKER, "s3cr3t"};
  REQUIRE(keyring_put(k, "odk_a", &e) == 0);
  struct auth_identity who;
  char sig[65];
  const char *body = "{\"x\":1}";
  signature("s3cr3t", "1700000000000", "POST", "/v1/rpc?a=1", body, sig);
  CHECK_INT_EQ(auth_verify(k, "odk_a", "1700000000000", sig, "POST", "/v1/rpc?a=1", body,
                           strlen(body), 1700000010000LL, &who), AUTH_OK);
  CHECK_STR_EQ(who.account, "alice");
  CHECK_INT_EQ(who.roles, ROLE_MAKER);
  /* every part of the message counts */
  CHECK_INT_EQ(auth_verify(k, "odk_a", "1700000000000", sig, "GET", "/v1/rpc?a=1", body,
                           strlen(body), 1700000000000LL, &who), AUTH_BAD_SIGNATURE);
  CHECK_INT_EQ(auth_verify(k, "odk_a", "1700000000000", sig, "POST", "/v1/rpc?a=2", body,
                           strlen(body), 1700000000000LL, &who), AUTH_BAD_SIGNATURE);
  CHECK_INT_EQ(auth_verify(k, "odk_a", "1700000000000", sig, "POST", "/v1/rpc?a=1", "{}", 2,
                           1700000000000LL, &who), AUTH_BAD_SIGNATURE);
  /* 30 s either way, inclusive */
  CHECK_INT_EQ(auth_verify(k, "odk_a", "1700000000000", sig, "POST", "/v1/rpc?a=1", body,
                           strlen(body), 1700000030000LL, &who), AUTH_OK);
  CHECK_INT_EQ(auth_verify(k, "odk_a", "1700000000000", sig, "POST", "/v1/rpc?a=1", body,
                           strlen(body), 1700000030001LL, &who), AUTH_STALE);
  CHECK_INT_EQ(auth_verify(k, "odk_a", "1700000000000", sig, "POST", "/v1/rpc?a=1", body,
                           strlen(body), 1699999969999LL, &who), AUTH_STALE);
  CHECK_INT_EQ(auth_verify(k, "odk_b", "1700000000000", sig, "POST", "/v1/rpc?a=1", body,
                           strlen(body), 1700000000000LL, &who), AUTH_UNKNOWN_KEY);
  CHECK_INT_EQ(auth_verify(k, "odk_a", "17e11", sig, "POST", "/", "", 0, 1700000000000LL, &who),
               AUTH_BAD_TIMESTAMP);
  CHECK_INT_EQ(auth_verify(k, NULL, "1", sig, "POST", "/", "", 0, 1, &who), AUTH_MISSING);
  CHECK_INT_EQ(auth_verify(k, "odk_a", "1700000000000", "", "POST", "/", "", 0, 1, &who),
               AUTH_MISSING);
  keyring_free(k);
}

TEST(roles_csv) {
  CHECK_INT_EQ(roles_parse_csv("admin,reporter"), ROLE_ADMIN | ROLE_REPORTER);
  CHECK_INT_EQ(roles_parse_csv("admin,wizard"), -1);
  char buf[128];
  roles_to_csv(ROLE_MAKER | ROLE_ORACLE, buf, sizeof buf);
  CHECK_STR_EQ(buf, "oracle,maker");
}

TEST(strmap_put_get_del_grow) {
  struct strmap *m = strmap_new();
  char key[32];
  static int values[5000];
  for (int i = 0; i < 5000; i++) {
    snprintf(key, sizeof key, "k%d", i);
    REQUIRE(strmap_put(m, key, &values[i]) == 0);
  }
  CHECK_INT_EQ(strmap_count(m), 5000);
  for (int i = 0; i < 5000; i += 2) {
    snprintf(key, sizeof key, "k%d", i);
    CHECK(strmap_del(m, key) == &values[i]);
  }
  for (int i = 0; i < 5000; i++) {
    snprintf(key, sizeof key, "k%d", i);
    CHECK(strmap_get(m, key) == (i % 2 ? &values[i] : NULL));
  }
  CHECK_INT_EQ(strmap_count(m), 2500);
  CHECK(strmap_del(m, "absent") == NULL);
  strmap_free(m);
}

/* An in-memory transport: collects what the engine sends. */
struct sink {
  char *msgs[64];
  int n;
};

static int sink_send(void *conn, const char *text, size_t len) {
  struct sink *s = conn;
  if (s->n == 64) return -1;
  s->msgs[s->n] = strndup(text, len);
  s->n++;
  return 0;
}

static void sink_wake(void *arg) { (void)arg; }

static void sink_clear(struct sink *s) {
  for (int i = 0; i < s->n; i++) free(s->msgs[i]);
  s->n = 0;
}

static json_t *sink_json(struct sink *s, int i) {
  return i < s->n ? json_loads(s->msgs[i], 0, NULL) : NULL;
}

struct fixture {
  struct app_config cfg;
  struct app app;
  struct engine *e;
  struct sink sink;
};

static int fixture_init(struct fixture *f) {
  char err[256];
  memset(f, 0, sizeof *f);
  if (config_load(&f->cfg, NULL, no_env, err, sizeof err)) return -1;
  f->cfg.ws_rate_per_sec = 10;
  f->cfg.ws_burst = 5;
  f->app.config = &f->cfg;
  clock_init(&f->app.clock, "manual", 42, err, sizeof err);
  f->app.keyring = keyring_new();
  struct engine_transport t = {sink_send, sink_wake, NULL};
  f->e = engine_new(&f->app, &t);
  return f->e ? 0 : -1;
}

static void fixture_cleanup(struct fixture *f) {
  engine_free(f->e);
  keyring_free(f->app.keyring);
  sink_clear(&f->sink);
  config_cleanup(&f->cfg);
}

TEST(engine_dispatch_time_and_errors) {
  struct fixture f;
  REQUIRE(fixture_init(&f) == 0);
  struct engine_session *s = engine_session_open(f.e, &f.sink);
  const char *req = "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"public/get_time\"}";
  CHECK_INT_EQ(engine_session_message(f.e, s, req, strlen(req)), 0);
  json_t *r = sink_json(&f.sink, 0);
  CHECK_INT_EQ(json_integer_value(json_object_get(r, "result")), 42);
  CHECK_STR_EQ(json_string_value(json_object_get(r, "id")), "a");
  json_decref(r);
  const char *bad = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"private/no_such\"}";
  CHECK_INT_EQ(engine_session_message(f.e, s, bad, strlen(bad)), 0);
  r = sink_json(&f.sink, 1);
  CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(r, "error"), "code")), -32601);
  json_decref(r);
  const char *early = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"private/send_quote\"}";
  CHECK_INT_EQ(engine_session_message(f.e, s, early, strlen(early)), 0);
  r = sink_json(&f.sink, 2);
  CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(r, "error"), "code")), 14015);
  json_decref(r);
  engine_session_close(f.e, s);
  fixture_cleanup(&f);
}

TEST(engine_rate_limit_then_cut) {
  struct fixture f;
  REQUIRE(fixture_init(&f) == 0);
  struct engine_session *s = engine_session_open(f.e, &f.sink);
  const char *req = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"public/get_time\"}";
  int closed_at = -1;
  for (int i = 0; i < 40 && closed_at < 0; i++)
    if (engine_session_message(f.e, s, req, strlen(req)) != 0) closed_at = i;
  /* burst 5 allowed, then 5 refusals (-32000), then the session is cut */
  CHECK(closed_at >= 10 && closed_at <= 12);
  json_t *r = sink_json(&f.sink, 5);
  json_t *err = json_object_get(r, "error");
  CHECK_INT_EQ(json_integer_value(json_object_get(err, "code")), -32000);
  CHECK(strstr(json_string_value(json_object_get(err, "message")), "retry after") != NULL);
  json_decref(r);
  engine_session_close(f.e, s);
  fixture_cleanup(&f);
}

TEST(channels_snapshot_seq_and_publish) {
  struct fixture f;
  REQUIRE(fixture_init(&f) == 0);
  struct engine_session *s = engine_session_open(f.e, &f.sink);
  const char *sub = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscribe\",\"params\":"
                    "{\"channels\":[\"auction.lbtc-maxi\",\"bob.rfqs\"]}}";
  REQUIRE(engine_session_message(f.e, s, sub, strlen(sub)) == 0);
  /* snapshot first, then the reply */
  REQUIRE(f.sink.n == 2);
  json_t *snap = sink_json(&f.sink, 0);
  json_t *p = json_object_get(snap, "params");
  CHECK_STR_EQ(json_string_value(json_object_get(snap, "method")), "subscription");
  CHECK_STR_EQ(json_string_value(json_object_get(p, "channel")), "auction.lbtc-maxi");
  CHECK(json_is_true(json_object_get(p, "snapshot")));
  CHECK_INT_EQ(json_integer_value(json_object_get(p, "seq")), 0);
  json_decref(snap);
  json_t *reply = sink_json(&f.sink, 1);
  json_t *st = json_object_get(json_object_get(reply, "result"), "status");
  CHECK_STR_EQ(json_string_value(json_object_get(st, "bob.rfqs")), "not_logged_in");
  json_decref(reply);
  sink_clear(&f.sink);
  /* publishing numbers the notifications per channel */
  CHECK_INT_EQ(channels_publish(f.e, "auction.lbtc-maxi", json_pack("[{s:i}]", "x", 1)), 1);
  CHECK_INT_EQ(channels_publish(f.e, "auction.lbtc-maxi", json_pack("[{s:i}]", "x", 2)), 1);
  REQUIRE(f.sink.n == 2);
  json_t *n2 = sink_json(&f.sink, 1);
  CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(n2, "params"), "seq")), 2);
  CHECK(json_object_get(json_object_get(n2, "params"), "snapshot") == NULL);
  json_decref(n2);
  sink_clear(&f.sink);
  /* a closed session receives nothing more */
  engine_session_close(f.e, s);
  CHECK_INT_EQ(channels_publish(f.e, "auction.lbtc-maxi", json_pack("[]")), 0);
  CHECK_INT_EQ(f.sink.n, 0);
  fixture_cleanup(&f);
}
