/* Fuzz harness of the configuration parser: the input, as NUL-terminated text, goes to
 * config_load_text with an environment that sets nothing. A success must leave a
 * configuration inside the documented bounds (and its clock spec is fed to clock_init, as
 * the service does); a failure must explain itself with a "config: " message and own
 * nothing. LeakSanitizer checks that neither path leaks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL_IF(cond, ...)                                                                     \
  do {                                                                                         \
    if (cond) {                                                                                \
      fprintf(stderr, "fuzz_config: %s:%d: ", __FILE__, __LINE__);                              \
      fprintf(stderr, __VA_ARGS__);                                                            \
      fputc('\n', stderr);                                                                     \
      abort();                                                                                 \
    }                                                                                          \
  } while (0)

static const char *no_env(const char *name) {
  (void)name;
  return NULL;
}

static void check_listener(const struct listener_config *l, const char *name) {
  FAIL_IF(memchr(l->host, 0, sizeof l->host) == NULL, "%s.host not terminated", name);
  FAIL_IF(l->port < 1 || l->port > 65535, "%s.port %d", name, l->port);
  FAIL_IF(!*l->tls_cert != !*l->tls_key, "%s: one of cert_file/key_file without the other", name);
}

static void check_loaded(const struct app_config *c) {
  check_listener(&c->http, "http");
  check_listener(&c->ws, "ws");
  FAIL_IF(c->http_threads < 1 || c->http_threads > 64, "http_threads %d", c->http_threads);
  FAIL_IF(c->max_body_bytes < 1024 || c->max_body_bytes > (16u << 20), "max_body_bytes %zu",
          c->max_body_bytes);
  FAIL_IF(c->ws_max_message_bytes < 1024 || c->ws_max_message_bytes > (16u << 20),
          "ws_max_message_bytes %zu", c->ws_max_message_bytes);
  FAIL_IF(c->ws_rate_per_sec < 1 || c->ws_burst < 1, "ws rate %d burst %d", c->ws_rate_per_sec,
          c->ws_burst);
  FAIL_IF(c->ws_idle_timeout_s < 5 || c->ws_idle_timeout_s > 3600, "ws_idle_timeout_s %d",
          c->ws_idle_timeout_s);
  FAIL_IF(c->clock_start_ms < -1, "clock_start_ms %lld", (long long)c->clock_start_ms);
  FAIL_IF(c->log_level < LOG_DEBUG || c->log_level > LOG_ERROR, "log_level %d",
          (int)c->log_level);
  FAIL_IF(!json_is_object(c->oracle), "oracle is not an object");
  FAIL_IF(!json_is_array(c->vaults) || !json_is_array(c->depots), "vaults/depots not arrays");
  /* what later modules rely on without checking again (e.g. channels.c's vault_exists) */
  size_t i;
  json_t *v;
  json_array_foreach(c->vaults, i, v)
    FAIL_IF(!json_is_string(json_object_get(v, "id")), "vaults[%zu] without a string id", i);
  json_array_foreach(c->depots, i, v)
    FAIL_IF(!json_is_string(json_object_get(v, "id")), "depots[%zu] without a string id", i);
  /* the clock spec is checked only when the service starts its clock: it must not crash */
  struct app_clock clk;
  char err[128];
  if (clock_init(&clk, c->clock, c->clock_start_ms, err, sizeof err) == 0)
    FAIL_IF(clock_now_ms(&clk) < 0 && c->clock_start_ms >= 0, "negative business time");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = 0;
  struct app_config c;
  char err[256];
  memset(err, 'x', sizeof err);
  err[sizeof err - 1] = 0;
  if (config_load_text(&c, text, no_env, err, sizeof err) == 0) {
    check_loaded(&c);
    config_cleanup(&c);
  } else {
    FAIL_IF(strncmp(err, "config: ", 8) != 0, "failure without a message: \"%.40s\"", err);
    FAIL_IF(c.oracle || c.vaults || c.depots, "a failed load still owns JSON");
  }
  free(text);
  return 0;
}
