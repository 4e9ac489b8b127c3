/* rest: route table, authentication, role checks and response helpers. */
#include "rest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "metrics.h"
#include "roles.h"
#include "routes.h"

/* auth: ROLE_NONE (public), ROLE_ANY (any signed request) or a set of roles.
 * optional_auth: public, but signed requests are verified and identified (POST /v1/rpc). */
struct route {
  const char *method;
  const char *pattern;
  int roles;
  int optional_auth;
  rest_handler fn;
  int metric;
};

static struct route routes[] = {
    {"GET", "/", ROLE_NONE, 0, route_dashboard, -1},
    {"GET", "/healthz", ROLE_NONE, 0, route_healthz, -1},
    {"GET", "/readyz", ROLE_NONE, 0, route_readyz, -1},
    {"GET", "/metrics", ROLE_NONE, 0, route_metrics, -1},
    {"GET", "/v1/time", ROLE_NONE, 0, route_time, -1},
    {"POST", "/v1/admin/accounts", ROLE_ADMIN, 0, route_admin_accounts_create, -1},
    {"POST", "/v1/admin/clock", ROLE_ADMIN, 0, route_admin_clock_set, -1},
    {"POST", "/v1/rpc", ROLE_NONE, 1, route_rpc, -1},
    {"POST", "/v1/oracles/spot", ROLE_ORACLE, 0, route_oracle_spot_post, -1},
    {"POST", "/v1/oracles/surface", ROLE_ORACLE, 0, route_oracle_surface_post, -1},
    {"POST", "/v1/oracles/settlement", ROLE_ORACLE, 0, route_oracle_settlement_post, -1},
    {"GET", "/v1/oracles/spot", ROLE_ANY, 0, route_oracle_spot_get, -1},
    {"GET", "/v1/oracles/iv", ROLE_ANY, 0, route_oracle_iv_get, -1},
    {"GET", "/v1/oracles/settlement", ROLE_ANY, 0, route_oracle_settlement_get, -1},
    {"GET", "/v1/instruments", ROLE_ANY, 0, route_instruments, -1},
    {"GET", "/v1/pools/maturities", ROLE_ANY, 0, route_pools_maturities, -1},
    {"GET", "/v1/pools/strikes", ROLE_ANY, 0, route_pools_strikes, -1},
    {"GET", "/v1/vaults", ROLE_ANY, 0, route_vaults_list, -1},
    {"GET", "/v1/vaults/{id}", ROLE_ANY, 0, route_vault_get, -1},
    {"GET", "/v1/vaults/{id}/convert/{dir}", ROLE_ANY, 0, route_vault_convert, -1},
    {"GET", "/v1/vaults/{id}/preview/{op}", ROLE_ANY, 0, route_vault_preview, -1},
    {"GET", "/v1/vaults/{id}/max/{op}", ROLE_ANY, 0, route_vault_max, -1},
    {"GET", "/v1/vaults/{id}/accounts/{account}", ROLE_ANY, 0, route_vault_account, -1},
    {"GET", "/v1/vaults/{id}/cycle", ROLE_ANY, 0, route_vault_cycle, -1},
    {"POST", "/v1/vaults/{id}/allowances", ROLE_DEPOSITOR, 0, route_vault_allowance, -1},
    {"POST", "/v1/vaults/{id}/{op}", ROLE_DEPOSITOR, 0, route_vault_op, -1},
    {"GET", "/v1/accounts/{account}/balances", ROLE_ANY, 0, route_account_balances, -1},
    {"GET", "/v1/accounts/{account}/positions", ROLE_ANY, 0, route_account_positions, -1},
    {"GET", "/v1/accounts/{account}/trades", ROLE_ANY, 0, route_account_trades, -1},
    {"GET", "/v1/reports/{report}", ROLE_REPORTER | ROLE_ADMIN, 0, route_reports, -1},
    {"GET", "/v1/depots/{id}/quote", ROLE_BUYER, 0, route_depot_quote, -1},
    {"POST", "/v1/depots/{id}/trade", ROLE_BUYER, 0, route_depot_trade, -1},
    {"POST", "/v1/admin/accounts/{account}/credit", ROLE_ADMIN, 0, route_admin_credit, -1},
    {"PATCH", "/v1/admin/vaults/{id}", ROLE_ADMIN | ROLE_OPERATOR, 0, route_admin_vault_patch, -1},
    {"POST", "/v1/admin/vaults/{id}/auctions", ROLE_ADMIN | ROLE_OPERATOR, 0, route_admin_auction_start,
     -1},
};
#define NROUTES (sizeof routes / sizeof routes[0])
static int unmatched_metric = -1;

void rest_init(void) {
  for (size_t i = 0; i < NROUTES; i++)
    routes[i].metric = metrics_route(routes[i].method, routes[i].pattern);
  unmatched_metric = metrics_route("ANY", "unmatched");
}

/* Matches path against a pattern with {name} segments; collects the segments' values. */
static int match(const char *pattern, const char *path, struct rest_ctx *ctx) {
  size_t used = 0;
  int np = 0;
  while (*pattern && *path) {
    if (*pattern == '{') {
      const char *pend = strchr(pattern, '}');
      const char *seg_end = strchr(path, '/');
      size_t n = seg_end ? (size_t)(seg_end - path) : strlen(path);
      if (!pend || n == 0 || np == REST_MAX_PARAMS || used + n + 1 > sizeof ctx->param_buf)
        return 0;
      memcpy(ctx->param_buf + used, path, n);
      ctx->param_buf[used + n] = 0;
      ctx->params[np++] = ctx->param_buf + used;
      used += n + 1;
      pattern = pend + 1;
      path += n;
      continue;
    }
    if (*pattern != *path) return 0;
    pattern++;
    path++;
  }
  return *pattern == 0 && *path == 0;
}

static char *dump(json_t *j, size_t *len) {
  char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
  if (!s) s = strdup("{}");
  *len = s ? strlen(s) : 0;
  return s;
}

void rest_json(struct rest_ctx *ctx, int status, json_t *body) {
  free(ctx->resp->body);
  ctx->resp->status = status;
  ctx->resp->content_type = "application/json";
  ctx->resp->body = dump(body, &ctx->resp->body_len);
  json_decref(body);
}

void rest_text(struct rest_ctx *ctx, int status, const char *content_type, char *body,
               size_t len) {
  free(ctx->resp->body);
  ctx->resp->status = status;
  ctx->resp->content_type = content_type;
  ctx->resp->body = body;
  ctx->resp->body_len = len;
}

void rest_stream(struct rest_ctx *ctx, int status, const char *content_type,
                 rest_stream_read read, void (*free_fn)(void *cls), void *cls) {
  free(ctx->resp->body);
  ctx->resp->body = NULL;
  ctx->resp->body_len = 0;
  ctx->resp->status = status;
  ctx->resp->content_type = content_type;
  ctx->resp->stream_read = read;
  ctx->resp->stream_free = free_fn;
  ctx->resp->stream_cls = cls;
}

void rest_error(struct rest_ctx *ctx, int status, const char *code, const char *message,
                json_t *details) {
  json_t *err = json_pack("{s:s,s:s,s:o}", "code", code, "message", message, "details",
                          details ? details : json_object());
  rest_json(ctx, status, json_pack("{s:o}", "error", err));
}

void rest_store_error(struct rest_ctx *ctx, int store_status) {
  if (store_status == STORE_EUNAVAILABLE || store_status == STORE_ERETRY) {
    const char *code = store_status == STORE_ERETRY ? "db_busy" : "db_unavailable";
    log_event(LOG_ERROR, "db_error", "path=%s code=%s", ctx->req->path, code);
    rest_error(ctx, 503, code, "the database is unavailable; retry with the same Idempotency-Key",
               json_pack("{s:b}", "retryable", 1));
    ctx->resp->retry_after_s = 1;
  } else {
    log_event(LOG_ERROR, "db_error", "path=%s status=%d", ctx->req->path, store_status);
    rest_error(ctx, 500, "internal_error", "unexpected database error", NULL);
  }
}

json_t *rest_body_object(struct rest_ctx *ctx) {
  json_error_t je;
  json_t *j = json_loadb(ctx->req->body, ctx->req->body_len, JSON_REJECT_DUPLICATES, &je);
  if (!j || !json_is_object(j)) {
    rest_error(ctx, 400, "invalid_json",
               j ? "the body must be a JSON object" : "the body is not valid JSON (UTF-8)",
               j ? NULL : json_pack("{s:s,s:i}", "reason", je.text, "position", je.position));
    json_decref(j);
    return NULL;
  }
  return j;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int rest_query(const struct rest_ctx *ctx, const char *name, char *buf, size_t cap) {
  const char *q = strchr(ctx->req->path_query, '?');
  size_t nlen = strlen(name);
  while (q && *q) {
    q++;
    const char *end = strchr(q, '&');
    size_t seg = end ? (size_t)(end - q) : strlen(q);
    if (seg > nlen && strncmp(q, name, nlen) == 0 && q[nlen] == '=') {
      size_t o = 0;
      for (size_t i = nlen + 1; i < seg; i++) {
        char c = q[i];
        if (c == '+') c = ' ';
        else if (c == '%') {
          if (i + 2 >= seg) return -1;
          int h = hexval(q[i + 1]), l = hexval(q[i + 2]);
          if (h < 0 || l < 0) return -1;
          c = (char)(h * 16 + l);
          i += 2;
        }
        if (o + 1 >= cap || c == 0) return -1;
        buf[o++] = c;
      }
      buf[o] = 0;
      return 1;
    }
    q = end;
  }
  return 0;
}

static int authenticate(struct rest_ctx *ctx, int required) {
  const struct rest_request *req = ctx->req;
  const char *key = req->header(req->header_ctx, "X-Api-Key");
  const char *ts = req->header(req->header_ctx, "X-Timestamp");
  const char *sig = req->header(req->header_ctx, "X-Signature");
  if (!required && !key && !ts && !sig) return 0; /* anonymous on an optional-auth route */
  int rc = auth_verify(ctx->app->keyring, key, ts, sig, req->method, req->path_query, req->body,
                       req->body_len, clock_real_ms(), &ctx->who);
  if (rc != AUTH_OK) {
    log_event(LOG_WARN, "auth_refused", "path=%s code=%s", req->path, auth_error_code(rc));
    rest_error(ctx, 401, auth_error_code(rc), auth_error_message(rc), NULL);
    return -1;
  }
  return 0;
}

void rest_handle(struct app *app, const struct rest_request *req, struct rest_response *resp) {
  struct rest_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.app = app;
  ctx.req = req;
  ctx.resp = resp;
  resp->route = unmatched_metric;

  const struct route *found = NULL;
  int path_known = 0;
  for (size_t i = 0; i < NROUTES && !found; i++) {
    if (!match(routes[i].pattern, req->path, &ctx)) continue;
    path_known = 1;
    if (strcmp(routes[i].method, req->method) == 0) found = &routes[i];
  }
  if (!found) {
    if (path_known)
      rest_error(&ctx, 405, "method_not_allowed", "this path does not take that method", NULL);
    else
      rest_error(&ctx, 404, "not_found", "no such route",
                 json_pack("{s:s}", "path", req->path));
    return;
  }
  resp->route = found->metric;
  if (req->body_too_large) {
    rest_error(&ctx, 413, "body_too_large", "the request body exceeds the configured limit",
               json_pack("{s:I}", "max_body_bytes", (json_int_t)app->config->max_body_bytes));
    return;
  }
  if (found->roles != ROLE_NONE || found->optional_auth) {
    if (authenticate(&ctx, found->roles != ROLE_NONE) != 0) return;
    if (found->roles != ROLE_NONE && found->roles != ROLE_ANY && !(ctx.who.roles & found->roles)) {
      char need[128];
      roles_to_csv(found->roles, need, sizeof need);
      rest_error(&ctx, 403, "forbidden", "this account's roles do not allow this route",
                 json_pack("{s:s}", "required_roles", need));
      return;
    }
  }
  found->fn(&ctx);
  if (!resp->body && !resp->stream_read)
    rest_error(&ctx, 500, "internal_error", "handler gave no response", NULL);
}
