/* config: the service configuration: one JSON file (OPTDESK_CONFIG, else the shipped
 * default compiled into the binary from config/optdesk.json) plus environment overrides
 * (SPEC 8). Every key is checked; an unknown or malformed one is an error naming it. */
#ifndef OPTDESK_CONFIG_H
#define OPTDESK_CONFIG_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

struct listener_config {
  char host[64];
  int port;
  char tls_cert[PATH_MAX]; /* both empty: plain; both set: TLS */
  char tls_key[PATH_MAX];
};

struct app_config {
  struct listener_config http, ws;
  int http_threads;
  int desk_writers; /* desk.writers: the desk's database writer threads (vaults sharded over them) */
  size_t max_body_bytes;
  size_t ws_max_message_bytes;
  size_t ws_max_outbound_bytes;
  int ws_rate_per_sec;
  int ws_burst;
  int ws_idle_timeout_s;
  int ws_max_connections_per_account;
  char data_dir[PATH_MAX];
  char database_url[1024]; /* empty: the embedded PostgreSQL */
  char clock[64];
  int64_t clock_start_ms;  /* -1: now */
  enum log_level log_level;
  char master_key_env[80]; /* OPTDESK_MASTER_KEY, when set (never logged) */
  json_t *oracle;          /* validated sections, owned; read by the modules they configure */
  json_t *vaults;
  json_t *depots;
};

/* The shipped default configuration text. */
extern const char config_default_json[];

/* Loads the file (or the default when path is NULL/empty), then applies `getenv`-style
 * overrides through env(name) (pass getenv; tests pass their own). 0, or -1 with err. */
int config_load(struct app_config *c, const char *path, const char *(*env)(const char *),
                char *err, size_t errcap);
/* Same, from JSON text (the file's contents). */
int config_load_text(struct app_config *c, const char *text, const char *(*env)(const char *),
                     char *err, size_t errcap);
void config_cleanup(struct app_config *c);

/* "host:port" -> host, port (IPv4 literal or "localhost"). 0, or -1. */
int config_parse_addr(const char *s, char *host, size_t hostcap, int *port);

#endif
