/* routes_ops: liveness, readiness, metrics and server time (SPEC 8, 9). */
#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "metrics.h"
#include "oracles.h"
#include "routes.h"

void route_healthz(struct rest_ctx *ctx) {
  rest_json(ctx, 200, json_pack("{s:s}", "status", "ok"));
}

/* Adds the oracle check of one underlying (once) to checks; returns 1 when fresh. */
static int check_oracle(struct rest_ctx *ctx, json_t *checks, const char *u, int64_t now) {
  char key[48];
  snprintf(key, sizeof key, "oracle_%s", u);
  if (json_object_get(checks, key)) return 1;
  struct oracle_problem p;
  int st = oracles_check_fresh(ctx->app->oracles, u, now, &p);
  if (st == ORACLE_OK) {
    json_object_set_new(checks, key, json_string("ok"));
    return 1;
  }
  char v[96];
  snprintf(v, sizeof v, "%s_%s", p.what, st == ORACLE_ESTALE ? "stale" : "missing");
  json_object_set_new(checks, key, json_string(v));
  return 0;
}

/* Ready when the database answers and every oracle the vaults and depots price from is
 * fresh (SPEC 8). */
void route_readyz(struct rest_ctx *ctx) {
  struct db *db = app_db(ctx->app);
  int ok = db && db_ping(db) == STORE_OK;
  json_t *checks = json_pack("{s:s}", "database", ok ? "ok" : "unavailable");
  int64_t now = clock_now_ms(&ctx->app->clock);
  json_t *lists[2] = {ctx->app->config->vaults, ctx->app->config->depots};
  for (int l = 0; l < 2; l++) {
    size_t i;
    json_t *v;
    json_array_foreach(lists[l], i, v) {
      const char *u = json_string_value(json_object_get(v, "underlying"));
      if (u && !check_oracle(ctx, checks, u, now)) ok = 0;
    }
  }
  rest_json(ctx, ok ? 200 : 503,
            json_pack("{s:s,s:o}", "status", ok ? "ready" : "not_ready", "checks", checks));
  if (!ok) ctx->resp->retry_after_s = 1;
}

void route_metrics(struct rest_ctx *ctx) {
  size_t len = 0;
  char *text = metrics_render(&len);
  if (!text) {
    rest_error(ctx, 500, "internal_error", "out of memory", NULL);
    return;
  }
  rest_text(ctx, 200, "text/plain; version=0.0.4", text, len);
}

void route_time(struct rest_ctx *ctx) {
  rest_json(ctx, 200,
            json_pack("{s:I,s:s}", "time", (json_int_t)clock_now_ms(&ctx->app->clock), "clock",
                      clock_mode_name(&ctx->app->clock)));
}
