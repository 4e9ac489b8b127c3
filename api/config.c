/* config: JSON configuration, strict key checks, environment overrides. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asset.h"
#include "clock.h"
#include "money.h"

static void fail(char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errcap, const char *fmt, ...) {
  va_list ap;
  int n = snprintf(err, errcap, "config: ");
  va_start(ap, fmt);
  if (n > 0 && (size_t)n < errcap) vsnprintf(err + n, errcap - (size_t)n, fmt, ap);
  va_end(ap);
}

/* Refuses any key of obj not in the NULL-terminated list; `where` prefixes the name. */
static int only_keys(json_t *obj, const char *where, const char *const *allowed, char *err,
                     size_t errcap) {
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    int ok = 0;
    for (const char *const *a = allowed; *a; a++)
      if (strcmp(*a, key) == 0) ok = 1;
    if (!ok) {
      fail(err, errcap, "unknown key %s%s", where, key);
      return -1;
    }
  }
  return 0;
}

int config_parse_addr(const char *s, char *host, size_t hostcap, int *port) {
  const char *colon = strrchr(s, ':');
  if (!colon || colon == s || (size_t)(colon - s) >= hostcap) return -1;
  char h[64];
  if ((size_t)(colon - s) >= sizeof h) return -1;
  memcpy(h, s, (size_t)(colon - s));
  h[colon - s] = 0;
  if (strcmp(h, "localhost") == 0) snprintf(h, sizeof h, "127.0.0.1");
  struct in_addr a;
  if (inet_pton(AF_INET, h, &a) != 1) return -1;
  char *end;
  long p = strtol(colon + 1, &end, 10);
  if (*end || end == colon + 1 || p < 1 || p > 65535) return -1;
  snprintf(host, hostcap, "%s", h);
  *port = (int)p;
  return 0;
}

static int get_int(json_t *obj, const char *key, const char *where, long min, long max,
                   long *out, char *err, size_t errcap) {
  json_t *v = json_object_get(obj, key);
  if (!v) return 0;
  if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
    fail(err, errcap, "%s%s must be an integer in [%ld, %ld]", where, key, min, max);
    return -1;
  }
  *out = (long)json_integer_value(v);
  return 0;
}

static int get_str(json_t *obj, const char *key, const char *where, char *out, size_t cap,
                   char *err, size_t errcap) {
  json_t *v = json_object_get(obj, key);
  if (!v || json_is_null(v)) return 0;
  if (!json_is_string(v) || json_string_length(v) >= cap) {
    fail(err, errcap, "%s%s must be a string (at most %zu characters)", where, key, cap - 1);
    return -1;
  }
  snprintf(out, cap, "%s", json_string_value(v));
  return 0;
}

static int parse_listener(json_t *obj, const char *name, struct listener_config *l,
                          char *err, size_t errcap) {
  static const char *const tls_keys[] = {"cert_file", "key_file", NULL};
  char where[32], addr[128] = "";
  snprintf(where, sizeof where, "%s.", name);
  if (get_str(obj, "addr", where, addr, sizeof addr, err, errcap)) return -1;
  if (*addr && config_parse_addr(addr, l->host, sizeof l->host, &l->port)) {
    fail(err, errcap, "%saddr must be IPv4-host:port, got \"%s\"", where, addr);
    return -1;
  }
  json_t *tls = json_object_get(obj, "tls");
  if (tls && !json_is_null(tls)) {
    char twhere[40];
    snprintf(twhere, sizeof twhere, "%stls.", name);
    if (!json_is_object(tls)) {
      fail(err, errcap, "%stls must be an object or null", where);
      return -1;
    }
    if (only_keys(tls, twhere, tls_keys, err, errcap) ||
        get_str(tls, "cert_file", twhere, l->tls_cert, sizeof l->tls_cert, err, errcap) ||
        get_str(tls, "key_file", twhere, l->tls_key, sizeof l->tls_key, err, errcap))
      return -1;
    if (!*l->tls_cert || !*l->tls_key) {
      fail(err, errcap, "%stls needs both cert_file and key_file", where);
      return -1;
    }
  }
  return 0;
}

/* A non-negative decimal string, when present. */
static int check_decimal(json_t *obj, const char *key, const char *where, char *err,
                         size_t errcap) {
  json_t *v = json_object_get(obj, key);
  if (!v) return 0;
  money_u128 out;
  if (!json_is_string(v) ||
      money_parse(json_string_value(v), json_string_length(v), 18, &out) != MONEY_OK) {
    fail(err, errcap, "%s%s must be a decimal string such as \"0.05\"", where, key);
    return -1;
  }
  return 0;
}

static int check_id(json_t *obj, const char *where, char *err, size_t errcap) {
  json_t *id = json_object_get(obj, "id");
  const char *s = json_string_value(id);
  size_t n = s ? strlen(s) : 0;
  int ok = n >= 1 && n <= 64;
  for (size_t i = 0; ok && i < n; i++)
    ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
         s[i] == '_';
  if (!ok) {
    fail(err, errcap, "%sid must be 1-64 characters of a-z, 0-9, '-', '_'", where);
    return -1;
  }
  return 0;
}

static int check_asset(json_t *obj, const char *key, const char *where, char *err,
                       size_t errcap) {
  const char *s = json_string_value(json_object_get(obj, key));
  if (!s || !asset_find(s)) {
    fail(err, errcap, "%s%s must name a known asset (USDC, LBTC, WBTC, BTC, ETH, WETH)", where,
         key);
    return -1;
  }
  return 0;
}

static const char *const vault_mandate_keys[] = {
    "max_loss_pct_tvl", "min_price_ratio",  "max_price_ratio", "min_tte_hours",
    "max_tte_days",     "min_moneyness",    "max_moneyness",   "loss_bound_bp",
    "spot_buy_max_ratio", "spot_sell_min_ratio", "spot_notional_max_ratio", NULL};
static const char *const vault_decimal_keys[] = {
    "strike_diff", "lot_size", "lot_rounding", "min_credit", "max_credit", "target_ratio",
    "min_ratio", "max_ratio", "performance_fee", "dust_usdc", "spot_step", "reprice_usdc",
    "spot_slippage", NULL};
static const char *const vault_int_keys[] = {
    "rfq_life_s", "rfq_grace_s", "hard_stop_s", "auction_start_delay_min",
    "expiry_min_hours", "expiry_max_hours", "collateral_auction_delay_min",
    "collateral_auction_s", NULL};

static int check_vault(json_t *v, int i, char *err, size_t errcap) {
  char where[48];
  snprintf(where, sizeof where, "vaults[%d].", i);
  if (!json_is_object(v)) {
    fail(err, errcap, "vaults[%d] must be an object", i);
    return -1;
  }
  const char *allowed[64];
  int n = 0;
  allowed[n++] = "id";
  allowed[n++] = "kind";
  allowed[n++] = "collateral";
  allowed[n++] = "underlying";
  allowed[n++] = "mandate";
  allowed[n++] = "paused";
  allowed[n++] = "cycle";
  for (const char *const *k = vault_decimal_keys; *k; k++) allowed[n++] = *k;
  for (const char *const *k = vault_int_keys; *k; k++) allowed[n++] = *k;
  allowed[n] = NULL;
  if (only_keys(v, where, allowed, err, errcap) || check_id(v, where, err, errcap)) return -1;
  const char *kind = json_string_value(json_object_get(v, "kind"));
  if (!kind || strcmp(kind, "covered_put_spread") != 0) {
    fail(err, errcap, "%skind must be \"covered_put_spread\"", where);
    return -1;
  }
  if (check_asset(v, "collateral", where, err, errcap) ||
      check_asset(v, "underlying", where, err, errcap))
    return -1;
  for (const char *const *k = vault_decimal_keys; *k; k++)
    if (check_decimal(v, *k, where, err, errcap)) return -1;
  json_t *cycle = json_object_get(v, "cycle");
  if (cycle && !json_is_boolean(cycle)) {
    fail(err, errcap, "%scycle must be true or false", where);
    return -1;
  }
  for (const char *const *k = vault_int_keys; *k; k++) {
    long dummy;
    if (get_int(v, *k, where, 0, 100000000, &dummy, err, errcap)) return -1;
  }
  json_t *m = json_object_get(v, "mandate");
  if (m) {
    char mwhere[64];
    snprintf(mwhere, sizeof mwhere, "%smandate.", where);
    if (!json_is_object(m)) {
      fail(err, errcap, "%smandate must be an object", where);
      return -1;
    }
    if (only_keys(m, mwhere, vault_mandate_keys, err, errcap)) return -1;
    for (const char *const *k = vault_mandate_keys; *k; k++)
      if (check_decimal(m, *k, mwhere, err, errcap)) return -1;
  }
  return 0;
}

static const char *const depot_setting_keys[] = {
    "alpha", "hourly_decay", "min_clevel", "max_clevel", "min_dte", "max_dte",
    "min_delta", "max_delta", "performance_fee", "management_fee", NULL};

static int check_depot(json_t *d, int i, char *err, size_t errcap) {
  static const char *const keys[] = {"id", "underlying", "type", "settings", "paused", NULL};
  char where[48];
  snprintf(where, sizeof where, "depots[%d].", i);
  if (!json_is_object(d)) {
    fail(err, errcap, "depots[%d] must be an object", i);
    return -1;
  }
  if (only_keys(d, where, keys, err, errcap) || check_id(d, where, err, errcap) ||
      check_asset(d, "underlying", where, err, errcap))
    return -1;
  const char *type = json_string_value(json_object_get(d, "type"));
  if (!type || (strcmp(type, "P") != 0 && strcmp(type, "C") != 0)) {
    fail(err, errcap, "%stype must be \"P\" or \"C\"", where);
    return -1;
  }
  json_t *s = json_object_get(d, "settings");
  if (s) {
    char swhere[64];
    snprintf(swhere, sizeof swhere, "%ssettings.", where);
    if (!json_is_object(s) || only_keys(s, swhere, depot_setting_keys, err, errcap)) {
      if (!json_is_object(s)) fail(err, errcap, "%ssettings must be an object", where);
      return -1;
    }
    for (const char *const *k = depot_setting_keys; *k; k++)
      if (check_decimal(s, *k, swhere, err, errcap)) return -1;
  }
  return 0;
}

static int check_unique_ids(json_t *vaults, json_t *depots, char *err, size_t errcap) {
  json_t *all[2] = {vaults, depots};
  const char *seen[256];
  int n = 0;
  for (int a = 0; a < 2; a++) {
    size_t i;
    json_t *v;
    json_array_foreach(all[a], i, v) {
      const char *id = json_string_value(json_object_get(v, "id"));
      for (int k = 0; k < n; k++)
        if (strcmp(seen[k], id) == 0) {
          fail(err, errcap, "vault id \"%s\" is used twice (vaults and depots share ids)", id);
          return -1;
        }
      if (n < 256) seen[n++] = id;
    }
  }
  return 0;
}

static int check_oracle(json_t *o, char *err, size_t errcap) {
  static const char *const keys[] = {"simulated", "seed", "spot_max_age_s",
                                     "surface_max_age_s", "underlyings", NULL};
  static const char *const u_keys[] = {"spot", "vol", "iv", "rate", NULL};
  if (!json_is_object(o)) {
    fail(err, errcap, "oracle must be an object");
    return -1;
  }
  if (only_keys(o, "oracle.", keys, err, errcap)) return -1;
  json_t *sim = json_object_get(o, "simulated");
  if (sim && !json_is_boolean(sim)) {
    fail(err, errcap, "oracle.simulated must be true or false");
    return -1;
  }
  long dummy;
  if (get_int(o, "seed", "oracle.", 0, 0x7fffffffL, &dummy, err, errcap) ||
      get_int(o, "spot_max_age_s", "oracle.", 1, 86400, &dummy, err, errcap) ||
      get_int(o, "surface_max_age_s", "oracle.", 1, 86400 * 7, &dummy, err, errcap))
    return -1;
  json_t *us = json_object_get(o, "underlyings");
  if (us) {
    const char *name;
    json_t *u;
    if (!json_is_object(us)) {
      fail(err, errcap, "oracle.underlyings must be an object");
      return -1;
    }
    json_object_foreach(us, name, u) {
      char where[64];
      snprintf(where, sizeof where, "oracle.underlyings.%.20s.", name);
      if (!asset_find(name)) {
        fail(err, errcap, "oracle.underlyings.%s: unknown asset", name);
        return -1;
      }
      if (!json_is_object(u) || only_keys(u, where, u_keys, err, errcap)) {
        if (!json_is_object(u)) fail(err, errcap, "oracle.underlyings.%s must be an object", name);
        return -1;
      }
      for (const char *const *k = u_keys; *k; k++)
        if (check_decimal(u, *k, where, err, errcap)) return -1;
    }
  }
  return 0;
}

static int apply_json(struct app_config *c, json_t *root, char *err, size_t errcap) {
  static const char *const top[] = {"http", "ws", "data_dir", "database_url", "clock",
                                    "clock_start_ms", "log_level", "oracle", "vaults",
                                    "depots", "desk", NULL};
  static const char *const desk_keys[] = {"writers", NULL};
  static const char *const http_keys[] = {"addr", "threads", "max_body_bytes", "tls", NULL};
  static const char *const ws_keys[] = {"addr", "max_message_bytes", "rate_per_sec", "burst",
                                        "idle_timeout_s", "max_outbound_bytes", "tls",
                                        "max_connections_per_account", NULL};
  if (!json_is_object(root)) {
    fail(err, errcap, "the top level must be a JSON object");
    return -1;
  }
  if (only_keys(root, "", top, err, errcap)) return -1;
  json_t *http = json_object_get(root, "http"), *ws = json_object_get(root, "ws");
  long v;
  if (http) {
    if (!json_is_object(http) || only_keys(http, "http.", http_keys, err, errcap)) {
      if (!json_is_object(http)) fail(err, errcap, "http must be an object");
      return -1;
    }
    if (parse_listener(http, "http", &c->http, err, errcap)) return -1;
    v = c->http_threads;
    if (get_int(http, "threads", "http.", 1, 64, &v, err, errcap)) return -1;
    c->http_threads = (int)v;
    v = (long)c->max_body_bytes;
    if (get_int(http, "max_body_bytes", "http.", 1024, 16 << 20, &v, err, errcap)) return -1;
    c->max_body_bytes = (size_t)v;
  }
  json_t *desk = json_object_get(root, "desk");
  if (desk) {
    if (!json_is_object(desk) || only_keys(desk, "desk.", desk_keys, err, errcap)) {
      if (!json_is_object(desk)) fail(err, errcap, "desk must be an object");
      return -1;
    }
    v = c->desk_writers;
    if (get_int(desk, "writers", "desk.", 1, 8, &v, err, errcap)) return -1;
    c->desk_writers = (int)v;
  }
  if (ws) {
    if (!json_is_object(ws) || only_keys(ws, "ws.", ws_keys, err, errcap)) {
      if (!json_is_object(ws)) fail(err, errcap, "ws must be an object");
      return -1;
    }
    if (parse_listener(ws, "ws", &c->ws, err, errcap)) return -1;
    v = (long)c->ws_max_message_bytes;
    if (get_int(ws, "max_message_bytes", "ws.", 1024, 16 << 20, &v, err, errcap)) return -1;
    c->ws_max_message_bytes = (size_t)v;
    v = (long)c->ws_max_outbound_bytes;
    if (get_int(ws, "max_outbound_bytes", "ws.", 65536, 1 << 30, &v, err, errcap)) return -1;
    c->ws_max_outbound_bytes = (size_t)v;
    v = c->ws_rate_per_sec;
    if (get_int(ws, "rate_per_sec", "ws.", 1, 1000000, &v, err, errcap)) return -1;
    c->ws_rate_per_sec = (int)v;
    v = c->ws_burst;
    if (get_int(ws, "burst", "ws.", 1, 1000000, &v, err, errcap)) return -1;
    c->ws_burst = (int)v;
    v = c->ws_idle_timeout_s;
    if (get_int(ws, "idle_timeout_s", "ws.", 5, 3600, &v, err, errcap)) return -1;
    c->ws_idle_timeout_s = (int)v;
    v = c->ws_max_connections_per_account;
    if (get_int(ws, "max_connections_per_account", "ws.", 1, 100000, &v, err, errcap)) return -1;
    c->ws_max_connections_per_account = (int)v;
  }
  if (get_str(root, "data_dir", "", c->data_dir, sizeof c->data_dir, err, errcap) ||
      get_str(root, "database_url", "", c->database_url, sizeof c->database_url, err, errcap) ||
      get_str(root, "clock", "", c->clock, sizeof c->clock, err, errcap))
    return -1;
  json_t *start = json_object_get(root, "clock_start_ms");
  if (start && !json_is_null(start)) {
    if (!json_is_integer(start) || json_integer_value(start) < 0 ||
        json_integer_value(start) > CLOCK_MAX_MS) {
      fail(err, errcap, "clock_start_ms must be an integer of ms since the epoch, at most year 9999");
      return -1;
    }
    c->clock_start_ms = json_integer_value(start);
  }
  char level[16] = "";
  if (get_str(root, "log_level", "", level, sizeof level, err, errcap)) return -1;
  if (*level && log_parse_level(level, &c->log_level)) {
    fail(err, errcap, "log_level must be debug, info, warn or error");
    return -1;
  }
  json_t *o = json_object_get(root, "oracle");
  if (o && check_oracle(o, err, errcap)) return -1;
  json_t *vaults = json_object_get(root, "vaults"), *depots = json_object_get(root, "depots");
  if (vaults && !json_is_array(vaults)) {
    fail(err, errcap, "vaults must be an array");
    return -1;
  }
  if (depots && !json_is_array(depots)) {
    fail(err, errcap, "depots must be an array");
    return -1;
  }
  size_t i;
  json_t *item;
  json_array_foreach(vaults, i, item) if (check_vault(item, (int)i, err, errcap)) return -1;
  json_array_foreach(depots, i, item) if (check_depot(item, (int)i, err, errcap)) return -1;
  json_t *none = json_array();
  int dup = check_unique_ids(vaults ? vaults : none, depots ? depots : none, err, errcap);
  json_decref(none);
  if (dup) return -1;
  c->oracle = o ? json_incref(o) : json_object();
  c->vaults = vaults ? json_incref(vaults) : json_array();
  c->depots = depots ? json_incref(depots) : json_array();
  return 0;
}

static int apply_env(struct app_config *c, const char *(*env)(const char *), char *err,
                     size_t errcap) {
  const char *s;
  if ((s = env("OPTDESK_HTTP_ADDR")) && *s &&
      config_parse_addr(s, c->http.host, sizeof c->http.host, &c->http.port)) {
    fail(err, errcap, "OPTDESK_HTTP_ADDR must be IPv4-host:port, got \"%s\"", s);
    return -1;
  }
  if ((s = env("OPTDESK_WS_ADDR")) && *s &&
      config_parse_addr(s, c->ws.host, sizeof c->ws.host, &c->ws.port)) {
    fail(err, errcap, "OPTDESK_WS_ADDR must be IPv4-host:port, got \"%s\"", s);
    return -1;
  }
  if ((s = env("OPTDESK_DATA_DIR")) && *s) snprintf(c->data_dir, sizeof c->data_dir, "%s", s);
  if ((s = env("DATABASE_URL")) && *s)
    snprintf(c->database_url, sizeof c->database_url, "%s", s);
  if ((s = env("OPTDESK_CLOCK")) && *s) snprintf(c->clock, sizeof c->clock, "%s", s);
  if ((s = env("OPTDESK_CLOCK_START")) && *s) {
    char *end;
    errno = 0;
    long long ms = strtoll(s, &end, 10);
    if (*end || end == s || errno || ms < 0 || ms > CLOCK_MAX_MS) {
      fail(err, errcap, "OPTDESK_CLOCK_START must be integer ms since the epoch");
      return -1;
    }
    c->clock_start_ms = ms;
  }
  if ((s = env("OPTDESK_LOG_LEVEL")) && *s && log_parse_level(s, &c->log_level)) {
    fail(err, errcap, "OPTDESK_LOG_LEVEL must be debug, info, warn or error");
    return -1;
  }
  if ((s = env("OPTDESK_MASTER_KEY")) && *s)
    snprintf(c->master_key_env, sizeof c->master_key_env, "%s", s);
  return 0;
}

static void defaults(struct app_config *c) {
  memset(c, 0, sizeof *c);
  snprintf(c->http.host, sizeof c->http.host, "127.0.0.1");
  c->http.port = 8080;
  snprintf(c->ws.host, sizeof c->ws.host, "127.0.0.1");
  c->ws.port = 8081;
  c->http_threads = 2;
  c->desk_writers = 2;
  c->max_body_bytes = 65536;
  c->ws_max_message_bytes = 65536;
  c->ws_max_outbound_bytes = 4u << 20;
  c->ws_rate_per_sec = 200;
  c->ws_burst = 400;
  c->ws_idle_timeout_s = 30;
  c->ws_max_connections_per_account = 16;
  snprintf(c->data_dir, sizeof c->data_dir, "./var");
  snprintf(c->clock, sizeof c->clock, "real");
  c->clock_start_ms = -1;
  c->log_level = LOG_INFO;
}

int config_load_text(struct app_config *c, const char *text, const char *(*env)(const char *),
                     char *err, size_t errcap) {
  defaults(c);
  json_error_t je;
  json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
  if (!root) {
    fail(err, errcap, "invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
    return -1;
  }
  int rc = apply_json(c, root, err, errcap);
  json_decref(root);
  if (rc == 0 && env) rc = apply_env(c, env, err, errcap);
  if (rc) config_cleanup(c);
  return rc;
}

int config_load(struct app_config *c, const char *path, const char *(*env)(const char *),
                char *err, size_t errcap) {
  if (!path || !*path) return config_load_text(c, config_default_json, env, err, errcap);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fail(err, errcap, "cannot read %s", path);
    return -1;
  }
  char *text = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len + 4096 + 1 > cap) {
      cap = cap ? cap * 2 : 8192;
      if (cap > (4u << 20)) {
        free(text);
        fclose(f);
        fail(err, errcap, "%s is larger than 4 MiB", path);
        return -1;
      }
      char *nt = realloc(text, cap);
      if (!nt) {
        free(text);
        fclose(f);
        fail(err, errcap, "out of memory");
        return -1;
      }
      text = nt;
    }
    size_t n = fread(text + len, 1, 4096, f);
    len += n;
    if (n < 4096) break;
  }
  fclose(f);
  text[len] = 0;
  int rc = config_load_text(c, text, env, err, errcap);
  free(text);
  return rc;
}

void config_cleanup(struct app_config *c) {
  json_decref(c->oracle);
  json_decref(c->vaults);
  json_decref(c->depots);
  c->oracle = c->vaults = c->depots = NULL;
}
