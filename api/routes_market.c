/* routes_market: what can be traded now: valid maturities (the calendar), strikes (the
 * grid around the oracle spot) and the option instruments they make (SPEC 5.1, 9). */
#include <string.h>

#include "calendar.h"
#include "instrument.h"
#include "oracles.h"
#include "params.h"
#include "routes.h"
#include "strike_grid.h"

static json_t *maturity_json(int64_t now, int64_t m) {
  char e[16];
  if (pricing_expiry_format(m, e, sizeof e) < 0) e[0] = 0;
  return json_pack("{s:s,s:I,s:f}", "expiry", e, "expiry_ms", (json_int_t)m, "dte",
                   pricing_dte_days(now, m));
}

/* The grid around the latest spot; answers the error itself and returns -1 on failure. */
static int strikes_for(struct rest_ctx *ctx, const char *u, int64_t now, money_u128 *out,
                       size_t *n) {
  money_u128 spot;
  int64_t ts;
  int stale;
  int st = oracles_spot(ctx->app->oracles, u, now, &spot, &ts, &stale);
  if (st == ORACLE_OK && stale) st = ORACLE_ESTALE;
  if (st) {
    struct oracle_problem p = {"spot", st == ORACLE_ESTALE ? now - ts : -1,
                               oracles_spot_max_age(ctx->app->oracles)};
    rest_oracle_error(ctx, st, u, &p);
    return -1;
  }
  if (pricing_strike_grid(spot, out, PRICING_STRIKE_GRID_MAX, n)) {
    rest_error(ctx, 500, "internal_error", "strike grid failed", NULL);
    return -1;
  }
  return 0;
}

void route_pools_maturities(struct rest_ctx *ctx) {
  char u[16];
  if (query_underlying(ctx, "underlying", u, sizeof u)) return;
  int64_t now = clock_now_ms(&ctx->app->clock), ms[PRICING_MATURITIES_MAX];
  size_t n = 0;
  if (pricing_maturities(now, ms, PRICING_MATURITIES_MAX, &n)) n = 0;
  json_t *list = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(list, maturity_json(now, ms[i]));
  rest_json(ctx, 200, json_pack("{s:s,s:I,s:o}", "underlying", u, "now_ms", (json_int_t)now,
                                "maturities", list));
}

void route_pools_strikes(struct rest_ctx *ctx) {
  char u[16];
  if (query_underlying(ctx, "underlying", u, sizeof u)) return;
  int64_t now = clock_now_ms(&ctx->app->clock);
  money_u128 k[PRICING_STRIKE_GRID_MAX];
  size_t n = 0;
  if (strikes_for(ctx, u, now, k, &n)) return;
  json_t *list = json_array();
  for (size_t i = 0; i < n; i++) {
    char buf[MONEY_FMT_MAX];
    if (money_format(k[i], ORACLE_PRICE_DECIMALS, buf, sizeof buf) >= 0)
      json_array_append_new(list, json_string(buf));
  }
  rest_json(ctx, 200, json_pack("{s:s,s:o}", "underlying", u, "strikes", list));
}

void route_instruments(struct rest_ctx *ctx) {
  char u[16];
  int64_t only = 0;
  if (query_underlying(ctx, "underlying", u, sizeof u)) return;
  int has_expiry = query_expiry(ctx, "expiry", 0, &only);
  if (has_expiry < 0) return;
  int64_t now = clock_now_ms(&ctx->app->clock), ms[PRICING_MATURITIES_MAX];
  size_t nm = 0, nk = 0;
  money_u128 k[PRICING_STRIKE_GRID_MAX];
  if (strikes_for(ctx, u, now, k, &nk)) return;
  if (pricing_maturities(now, ms, PRICING_MATURITIES_MAX, &nm)) nm = 0;
  json_t *list = json_array();
  for (size_t i = 0; i < nm; i++) {
    if (has_expiry == 0 && ms[i] != only) continue;
    char e[16];
    if (pricing_expiry_format(ms[i], e, sizeof e) < 0) continue;
    for (size_t j = 0; j < nk; j++)
      for (int t = 0; t < 2; t++) {
        struct pricing_instrument ins;
        memset(&ins, 0, sizeof ins);
        snprintf(ins.underlying, sizeof ins.underlying, "%.10s", u);
        ins.expiry_ms = ms[i];
        ins.strike = k[j];
        ins.type = t ? PRICING_PUT : PRICING_CALL;
        char name[PRICING_INSTRUMENT_NAME_MAX], strike[MONEY_FMT_MAX];
        if (pricing_instrument_format(&ins, name, sizeof name) < 0 ||
            money_format(k[j], ORACLE_PRICE_DECIMALS, strike, sizeof strike) < 0)
          continue;
        json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "instrument_name",
                                              name, "underlying", u, "strike", strike, "type",
                                              t ? "P" : "C", "expiry", e, "expiry_ms",
                                              (json_int_t)ms[i]));
      }
  }
  rest_json(ctx, 200, json_pack("{s:s,s:o}", "underlying", u, "instruments", list));
}
