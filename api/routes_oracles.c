/* routes_oracles: oracle values in and out (SPEC 3, 9): spot, surface slices, settlement
 * prices. Values take effect at the business clock's now. */
#include <string.h>

#include "calendar.h"
#include "db.h"
#include "depot_service.h"
#include "instrument.h"
#include "log.h"
#include "oracles.h"
#include "params.h"
#include "routes.h"
#include "settlement_store.h"

static json_t *price_json(money_u128 v) {
  char buf[MONEY_FMT_MAX];
  if (money_format(v, ORACLE_PRICE_DECIMALS, buf, sizeof buf) < 0) buf[0] = 0;
  return json_string(buf);
}

void rest_oracle_error(struct rest_ctx *ctx, int st, const char *underlying,
                       const struct oracle_problem *p) {
  if (st == ORACLE_EMISSING || st == ORACLE_ESTALE) {
    json_t *d = json_pack("{s:s,s:s,s:I}", "underlying", underlying, "what",
                          p ? p->what : "spot", "max_age_ms",
                          (json_int_t)(p ? p->max_age_ms : 0));
    json_object_set_new(d, "age_ms", p && p->age_ms >= 0 ? json_integer(p->age_ms) : json_null());
    rest_error(ctx, 409, "oracle_stale",
               st == ORACLE_EMISSING ? "no oracle value has been published"
                                     : "the oracle value is older than its max age",
               d);
  } else if (st == ORACLE_EUNKNOWN) {
    rest_error(ctx, 400, "invalid_param", "unknown underlying",
               json_pack("{s:s}", "param", "underlying"));
  } else if (st == ORACLE_EEXPIRED) {
    rest_error(ctx, 409, "option_expired", "the expiry is not in the future", NULL);
  } else {
    rest_error(ctx, 500, "internal_error", "oracle store failure", NULL);
  }
}

void route_oracle_spot_post(struct rest_ctx *ctx) {
  json_t *body = rest_body_object(ctx);
  if (!body) return;
  const char *u;
  money_u128 price;
  if (param_underlying(ctx, body, "underlying", &u) == 0 &&
      param_amount(ctx, body, "price", ORACLE_PRICE_DECIMALS, 1, &price) == 0) {
    int64_t now = clock_now_ms(&ctx->app->clock);
    int st = oracles_set_spot(ctx->app->oracles, u, price, now);
    if (st) rest_oracle_error(ctx, st, u, NULL);
    else
      rest_json(ctx, 200, json_pack("{s:s,s:o,s:I}", "underlying", u, "price", price_json(price),
                                    "timestamp", (json_int_t)now));
  }
  json_decref(body);
}

void route_oracle_surface_post(struct rest_ctx *ctx) {
  json_t *body = rest_body_object(ctx);
  if (!body) return;
  const char *u;
  struct oracle_slice_in in;
  memset(&in, 0, sizeof in);
  json_t *ssvi = json_object_get(body, "ssvi");
  int ok = param_underlying(ctx, body, "underlying", &u) == 0 &&
           param_expiry(ctx, body, "expiry", &in.expiry_ms) == 0 &&
           param_real(ctx, body, "rate", &in.rate) == 0;
  if (ok && ssvi && json_object_get(body, "iv")) {
    rest_error(ctx, 400, "invalid_param", "give either iv or ssvi, not both",
               json_pack("{s:s}", "param", "ssvi"));
    ok = 0;
  } else if (ok && ssvi) {
    ok = json_is_object(ssvi) && param_real(ctx, ssvi, "theta", &in.theta) == 0 &&
         param_real(ctx, ssvi, "psi", &in.psi) == 0 && param_real(ctx, ssvi, "rho", &in.rho) == 0;
    if (!json_is_object(ssvi))
      rest_error(ctx, 400, "invalid_param", "ssvi must be {theta, psi, rho}",
                 json_pack("{s:s}", "param", "ssvi"));
  } else if (ok) {
    in.flat = 1;
    ok = param_real(ctx, body, "iv", &in.iv) == 0;
  }
  if (ok) {
    int64_t now = clock_now_ms(&ctx->app->clock);
    const char *reason = NULL;
    int st = oracles_set_slice(ctx->app->oracles, u, &in, now, &reason);
    if (st == ORACLE_EINVALID) {
      rest_error(ctx, 422, "invalid_surface", "the surface update violates SSVI's conditions",
                 json_pack("{s:s}", "reason", reason ? reason : "invalid"));
    } else if (st) {
      rest_oracle_error(ctx, st, u, NULL);
    } else {
      json_t *out = json_pack("{s:s,s:O,s:O,s:I}", "underlying", u, "expiry",
                              json_object_get(body, "expiry"), "rate", json_object_get(body, "rate"),
                              "timestamp", (json_int_t)now);
      if (in.flat) json_object_set(out, "iv", json_object_get(body, "iv"));
      else json_object_set(out, "ssvi", ssvi);
      rest_json(ctx, 200, out);
    }
  }
  json_decref(body);
}

struct settle_arg {
  struct store_settlement s;
  const char *by;
  char existing[48];
};

static int settle_tx(struct db *db, void *p) {
  struct settle_arg *a = p;
  return store_settlement_put(db, &a->s, a->by, a->existing) ? -1 : 0;
}

/* Persists a settlement price, then records it in the live store. Shared with the
 * simulated feed. Returns a store status; *conflict set when another price stands. */
int oracle_publish_settlement(struct app *app, struct db *db, const char *underlying,
                              int64_t expiry_ms, money_u128 price, const char *by,
                              int64_t now, money_u128 *standing, int *conflict) {
  struct settle_arg a;
  memset(&a, 0, sizeof a);
  snprintf(a.s.underlying, sizeof a.s.underlying, "%s", underlying);
  if (pricing_expiry_format(expiry_ms, a.s.expiry, sizeof a.s.expiry) < 0) return STORE_EINTERNAL;
  a.s.expiry_ms = expiry_ms;
  if (money_format(price, 0, a.s.price, sizeof a.s.price) < 0) return STORE_EINTERNAL;
  a.s.published_at_ms = now;
  a.by = by;
  int body = 0;
  int st = db ? db_tx(db, DB_READ_COMMITTED, settle_tx, &a, &body) : STORE_EUNAVAILABLE;
  if (st) return st;
  money_u128 stored;
  if (money_parse(a.existing, strlen(a.existing), 0, &stored) != MONEY_OK) return STORE_EINTERNAL;
  *standing = stored;
  *conflict = stored != price;
  oracles_settlement_add(app->oracles, underlying, expiry_ms, stored);
  /* the depots settle that maturity at once (they also do before any trade or ledger op) */
  depot_settle_published(app, db, underlying, expiry_ms);
  return STORE_OK;
}

void route_oracle_settlement_post(struct rest_ctx *ctx) {
  json_t *body = rest_body_object(ctx);
  if (!body) return;
  const char *u;
  int64_t expiry;
  money_u128 price;
  if (param_underlying(ctx, body, "underlying", &u) == 0 &&
      param_expiry(ctx, body, "expiry", &expiry) == 0 &&
      param_amount(ctx, body, "price", ORACLE_PRICE_DECIMALS, 1, &price) == 0) {
    int64_t now = clock_now_ms(&ctx->app->clock);
    money_u128 standing = 0;
    int conflict = 0;
    if (expiry > now) {
      rest_error(ctx, 409, "expiry_not_reached", "a settlement price comes after its expiry",
                 json_pack("{s:I,s:I}", "expiry_ms", (json_int_t)expiry, "now_ms", (json_int_t)now));
    } else {
      int st = oracle_publish_settlement(ctx->app, app_db(ctx->app), u, expiry, price,
                                         ctx->who.account, now, &standing, &conflict);
      if (st) {
        rest_store_error(ctx, st);
      } else if (conflict) {
        char a[MONEY_FMT_MAX], b[MONEY_FMT_MAX];
        if (money_format(standing, ORACLE_PRICE_DECIMALS, a, sizeof a) < 0) a[0] = 0;
        if (money_format(price, ORACLE_PRICE_DECIMALS, b, sizeof b) < 0) b[0] = 0;
        log_event(LOG_WARN, "settlement_refused", "underlying=%s expiry=%s published=%s offered=%s by=%s",
                  u, json_string_value(json_object_get(body, "expiry")), a, b, ctx->who.account);
        rest_error(ctx, 409, "settlement_immutable",
                   "a different settlement price was already published for this expiry",
                   json_pack("{s:s,s:s}", "published", a, "offered", b));
      } else {
        log_event(LOG_INFO, "settlement_published", "underlying=%s expiry=%s by=%s", u,
                  json_string_value(json_object_get(body, "expiry")), ctx->who.account);
        rest_json(ctx, 200, json_pack("{s:s,s:O,s:o,s:I}", "underlying", u, "expiry",
                                      json_object_get(body, "expiry"), "price", price_json(price),
                                      "expiry_ms", (json_int_t)expiry));
      }
    }
  }
  json_decref(body);
}

void route_oracle_spot_get(struct rest_ctx *ctx) {
  char u[16];
  if (query_underlying(ctx, "underlying", u, sizeof u)) return;
  int64_t now = clock_now_ms(&ctx->app->clock), ts = 0;
  money_u128 price;
  int stale = 0;
  int st = oracles_spot(ctx->app->oracles, u, now, &price, &ts, &stale);
  if (st == ORACLE_EMISSING) {
    struct oracle_problem p = {"spot", -1, oracles_spot_max_age(ctx->app->oracles)};
    rest_oracle_error(ctx, st, u, &p);
    return;
  }
  if (st) {
    rest_oracle_error(ctx, st, u, NULL);
    return;
  }
  rest_json(ctx, 200,
            json_pack("{s:s,s:o,s:I,s:I,s:I,s:b}", "underlying", u, "price", price_json(price),
                      "timestamp", (json_int_t)ts, "age_ms", (json_int_t)(now - ts), "max_age_ms",
                      (json_int_t)oracles_spot_max_age(ctx->app->oracles), "stale", stale));
}

void route_oracle_iv_get(struct rest_ctx *ctx) {
  char u[16];
  int64_t expiry;
  money_u128 strike;
  if (query_underlying(ctx, "underlying", u, sizeof u) ||
      query_expiry(ctx, "expiry", 1, &expiry) ||
      query_amount(ctx, "strike", ORACLE_PRICE_DECIMALS, &strike))
    return;
  struct oracle_market m;
  struct oracle_problem p;
  int64_t now = clock_now_ms(&ctx->app->clock);
  int st = oracles_market(ctx->app->oracles, u, now, &m, &p);
  double iv = 0;
  if (st == ORACLE_OK) st = oracles_iv(&m, strike, expiry, &iv);
  if (st) {
    rest_oracle_error(ctx, st, u, &p);
    return;
  }
  char k[MONEY_FMT_MAX], e[16];
  if (money_format(strike, ORACLE_PRICE_DECIMALS, k, sizeof k) < 0) k[0] = 0;
  if (pricing_expiry_format(expiry, e, sizeof e) < 0) e[0] = 0;
  rest_json(ctx, 200,
            json_pack("{s:s,s:s,s:s,s:f,s:f,s:f,s:I,s:I}", "underlying", u, "expiry", e, "strike",
                      k, "iv", iv, "tau", pricing_tau_years(now, expiry), "rate", m.rate,
                      "spot_timestamp", (json_int_t)m.spot_ts, "surface_timestamp",
                      (json_int_t)m.surface_ts));
}

void route_oracle_settlement_get(struct rest_ctx *ctx) {
  char u[16];
  int64_t expiry;
  if (query_underlying(ctx, "underlying", u, sizeof u) || query_expiry(ctx, "expiry", 1, &expiry))
    return;
  money_u128 price;
  if (oracles_settlement(ctx->app->oracles, u, expiry, &price) != ORACLE_OK) {
    rest_error(ctx, 404, "settlement_not_published", "no settlement price for this expiry", NULL);
    return;
  }
  char e[16];
  if (pricing_expiry_format(expiry, e, sizeof e) < 0) e[0] = 0;
  rest_json(ctx, 200, json_pack("{s:s,s:s,s:o,s:I}", "underlying", u, "expiry", e, "price",
                                price_json(price), "expiry_ms", (json_int_t)expiry));
}

static int load_one(const struct store_settlement *s, void *arg) {
  struct app *app = arg;
  money_u128 price;
  if (money_parse(s->price, strlen(s->price), 0, &price) == MONEY_OK)
    oracles_settlement_add(app->oracles, s->underlying, s->expiry_ms, price);
  return 0;
}

int oracle_load_settlements(struct app *app, struct db *db) {
  return store_settlement_each(db, load_one, app);
}
