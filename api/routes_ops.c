/* routes_ops: liveness, readiness, metrics and server time (SPEC 8, 9). */
#include <stdlib.h>

#include "db.h"
#include "metrics.h"
#include "routes.h"

void route_healthz(struct rest_ctx *ctx) {
  rest_json(ctx, 200, json_pack("{s:s}", "status", "ok"));
}

void route_readyz(struct rest_ctx *ctx) {
  struct db *db = app_db(ctx->app);
  int db_ok = db && db_ping(db) == STORE_OK;
  json_t *checks = json_pack("{s:s}", "database", db_ok ? "ok" : "unavailable");
  rest_json(ctx, db_ok ? 200 : 503,
            json_pack("{s:s,s:o}", "status", db_ok ? "ready" : "not_ready", "checks", checks));
  if (!db_ok) ctx->resp->retry_after_s = 1;
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
