/* routes_depots: option quotes and purchases from the depots (SPEC 5, 9), and the buyer's
 * views of its positions and trades. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "depot_service.h"
#include "idempotency.h"
#include "instrument.h"
#include "json_text.h"
#include "log.h"
#include "params.h"
#include "roles.h"
#include "routes.h"

static json_t *amt(money_u128 v, unsigned decimals) {
  char buf[MONEY_FMT_MAX];
  if (money_format(v, decimals, buf, sizeof buf) < 0) buf[0] = 0;
  return json_string(buf);
}

static json_t *refusal_details(const struct depot_ctx *c, const struct depot_refusal *r) {
  unsigned d = c->params.asset_decimals;
  switch (r->code) {
  case DEPOT_EOPTION_TYPE_MISMATCH:
    return json_pack("{s:s,s:s}", "depot_type", r->want_type == PRICING_PUT ? "P" : "C", "type",
                     r->got_type == PRICING_PUT ? "P" : "C");
  case DEPOT_EOPTION_EXPIRED:
    return json_pack("{s:I,s:I}", "expiry_ms", (json_int_t)r->expiry_ms, "now_ms", (json_int_t)r->now_ms);
  case DEPOT_EINSUFFICIENT_FUNDS:
    return json_pack("{s:o,s:o}", "collateral", amt(r->collateral, d), "available", amt(r->available, d));
  case DEPOT_EOUT_OF_DTE_BOUNDS:
    return json_pack("{s:f,s:f,s:f}", "dte", (double)r->dte_ms / 86400000.0, "min_dte",
                     (double)r->min_dte_ms / 86400000.0, "max_dte", (double)r->max_dte_ms / 86400000.0);
  case DEPOT_EOUT_OF_DELTA_BOUNDS:
    return json_pack("{s:f,s:f,s:f}", "delta", r->delta, "min_delta", r->min_delta, "max_delta",
                     r->max_delta);
  case DEPOT_EINVALID_STRIKE_GRID:
    return json_pack("{s:o,s:o}", "strike", amt(r->strike, 6), "interval", amt(r->strike_interval, 6));
  case DEPOT_EINVALID_MATURITY:
    return json_pack("{s:s}", "reason", pricing_maturity_reason_str(r->maturity_reason));
  case DEPOT_EABOVE_MAX_PREMIUM:
    return json_pack("{s:o,s:o}", "total", amt(r->total, d), "max_premium", amt(r->max_premium, d));
  default:
    return json_object();
  }
}

/* Answers a failed depot status. */
static void depot_error(struct rest_ctx *ctx, struct depot_ctx *c, int st,
                        const struct depot_refusal *refusal, const struct oracle_problem *p) {
  if (depot_is_refusal(st)) {
    rest_error(ctx, 422, depot_strerror(st), "the depot refuses this option", refusal_details(c, refusal));
  } else if (st == DSVC_EORACLE) {
    rest_oracle_error(ctx, ORACLE_ESTALE, c->underlying, p);
  } else if (st == DSVC_EPENDING) {
    rest_error(ctx, 409, "settlement_pending", "an expired maturity awaits its settlement price", NULL);
  } else if (st == DSVC_ENOTDEPOT) {
    rest_error(ctx, 404, "depot_not_found", "no such depot", NULL);
  } else if (st == DEPOT_ECAPACITY) {
    rest_error(ctx, 409, "depot_book_full",
               "the depot's book holds its maximum of open positions or maturities",
               json_pack("{s:i,s:i}", "max_positions", DEPOT_MAX_POSITIONS, "max_maturities",
                         DEPOT_MAX_MATURITIES));
  } else if (st == DSVC_EFUNDS) {
    rest_error(ctx, 422, "insufficient_balance", "the buyer's balance does not cover the total", NULL);
  } else {
    rest_error(ctx, 500, "internal_error", depot_strerror(st), NULL);
  }
}

/* expiry, strike, type, size (+ max_premium for a trade) from a JSON object. */
static int read_request(struct rest_ctx *ctx, json_t *obj, const struct depot_ctx *c,
                        struct depot_request *req, int trade) {
  memset(req, 0, sizeof *req);
  const char *type = json_string_value(json_object_get(obj, "type"));
  if (!type || (strcmp(type, "C") && strcmp(type, "P"))) {
    rest_error(ctx, 400, "invalid_param", "type must be \"C\" or \"P\"", json_pack("{s:s}", "param", "type"));
    return -1;
  }
  req->type = type[0] == 'P' ? PRICING_PUT : PRICING_CALL;
  if (param_expiry(ctx, obj, "expiry", &req->expiry_ms) ||
      param_amount(ctx, obj, "strike", 6, 0, &req->strike) ||
      param_amount(ctx, obj, "size", DEPOT_CONTRACT_DECIMALS, 0, &req->size))
    return -1;
  if (trade) {
    if (param_amount(ctx, obj, "max_premium", c->params.asset_decimals, 0, &req->max_premium))
      return -1;
    req->has_max_premium = true;
  }
  return 0;
}

static json_t *quote_json(const struct depot_ctx *c, const struct depot_quote *q) {
  unsigned d = c->params.asset_decimals;
  char e[16];
  if (pricing_expiry_format(q->maturity_ms, e, sizeof e) < 0) e[0] = 0;
  return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:f,s:f,s:f,s:f,s:f,s:f,s:s}", "depot",
                   c->sv.id, "asset", c->sv.asset, "expiry", e, "strike", amt(q->strike, 6), "size",
                   amt(q->size, DEPOT_CONTRACT_DECIMALS), "premium", amt(q->premium, d), "spread",
                   amt(q->spread, d), "mintingFee", amt(q->mint_fee, d), "total", amt(q->total, d),
                   "collateral", amt(q->collateral, d), "cLevel", q->clevel, "delta", q->delta, "iv",
                   q->iv, "tau", q->tau, "utilizationBefore", q->u_before, "utilizationAfter",
                   q->u_after, "type", q->type == PRICING_PUT ? "P" : "C");
}

/* The quote's body written directly (the hot path: jansson's DOM, hashing and dump cost
 * more than the pricing), byte for byte what rest_json(quote_json) gives; NULL when the body
 * needs jansson (json_text.h) or memory is short. */
static char *quote_text(const struct depot_ctx *c, const struct depot_quote *q, size_t *len) {
  enum { CAP = 1024 };
  unsigned d = c->params.asset_decimals;
  char e[16];
  if (pricing_expiry_format(q->maturity_ms, e, sizeof e) < 0) e[0] = 0;
  char *buf = malloc(CAP);
  if (!buf) return NULL;
  struct json_text t;
  json_text_init(&t, buf, CAP);
  json_text_str(&t, "{\"depot\":", c->sv.id);
  json_text_str(&t, ",\"asset\":", c->sv.asset);
  json_text_str(&t, ",\"expiry\":", e);
  json_text_amount(&t, ",\"strike\":", q->strike, 6);
  json_text_amount(&t, ",\"size\":", q->size, DEPOT_CONTRACT_DECIMALS);
  json_text_amount(&t, ",\"premium\":", q->premium, d);
  json_text_amount(&t, ",\"spread\":", q->spread, d);
  json_text_amount(&t, ",\"mintingFee\":", q->mint_fee, d);
  json_text_amount(&t, ",\"total\":", q->total, d);
  json_text_amount(&t, ",\"collateral\":", q->collateral, d);
  json_text_real(&t, ",\"cLevel\":", q->clevel);
  json_text_real(&t, ",\"delta\":", q->delta);
  json_text_real(&t, ",\"iv\":", q->iv);
  json_text_real(&t, ",\"tau\":", q->tau);
  json_text_real(&t, ",\"utilizationBefore\":", q->u_before);
  json_text_real(&t, ",\"utilizationAfter\":", q->u_after);
  json_text_str(&t, ",\"type\":", q->type == PRICING_PUT ? "P" : "C");
  json_text_raw(&t, "}");
  long n = json_text_finish(&t, buf);
  if (n < 0) {
    free(buf);
    return NULL;
  }
  *len = (size_t)n;
  return buf;
}

static json_t *query_object(struct rest_ctx *ctx) {
  static const char *const keys[] = {"expiry", "strike", "type", "size"};
  json_t *o = json_object();
  for (int k = 0; k < 4; k++) {
    char buf[128];
    if (rest_query(ctx, keys[k], buf, sizeof buf) == 1) json_object_set_new(o, keys[k], json_string(buf));
  }
  return o;
}

/* GET /v1/depots/{id}/quote: from the depot's in-memory snapshot (no database round trip
 * in the common case; depot_view_get). A quote is advisory: the trade re-prices on the
 * locked book. */
void route_depot_quote(struct rest_ctx *ctx) {
  int64_t now = clock_now_ms(&ctx->app->clock);
  struct depot_view v;
  int st = depot_view_get(ctx->app, ctx->params[0], &v);
  if (st == LSVC_ESTORE) {
    rest_store_error(ctx, STORE_EUNAVAILABLE);
    return;
  }
  if (st) {
    depot_error(ctx, &v.c, st, NULL, NULL);
    return;
  }
  json_t *q = query_object(ctx);
  struct depot_request req;
  struct depot_quote quote;
  struct depot_refusal refusal;
  struct oracle_problem problem = {"spot", -1, 0};
  int pending = 0;
  if (read_request(ctx, q, &v.c, &req, 0) == 0) {
    st = depot_view_settle_due(ctx->app, &v, now, &pending);
    if (st == 0 && pending) st = DSVC_EPENDING;
    if (st == 0) st = depot_quote_now(ctx->app, &v.c, &req, now, &quote, &refusal, &problem);
    if (st) depot_error(ctx, &v.c, st, &refusal, &problem);
    else {
      size_t len = 0;
      char *text = quote_text(&v.c, &quote, &len);
      if (text) rest_text(ctx, 200, "application/json", text, len);
      else rest_json(ctx, 200, quote_json(&v.c, &quote));
    }
  }
  json_decref(q);
  depot_view_release(&v);
}

struct trade_arg {
  struct depot_request req;
  struct depot_trade_out out;
};

static int trade_tx(struct db *db, struct rest_ctx *ctx, void *p) {
  struct trade_arg *a = p;
  struct depot_ctx c;
  struct depot_refusal refusal;
  struct oracle_problem problem = {"spot", -1, 0};
  int st = depot_ctx_load(ctx->app, db, ctx->params[0], 1, &c);
  if (st == 0)
    st = depot_trade_tx(ctx->app, db, &c, ctx->who.account, &a->req, clock_now_ms(&ctx->app->clock),
                        &a->out, &refusal, &problem);
  int rc = 0;
  if (st == LSVC_ESTORE) {
    rc = -1;
  } else if (st) {
    depot_error(ctx, &c, st, &refusal, &problem);
    rc = 1;
  } else {
    unsigned d = c.params.asset_decimals;
    const struct depot_trade_result *r = &a->out.result;
    json_t *body = quote_json(&c, &a->out.quote);
    json_object_set_new(body, "instrument_name", json_string(a->out.instrument));
    json_object_set_new(body, "position_id", json_integer((json_int_t)r->position_id));
    json_object_set_new(body, "buyer", json_string(ctx->who.account));
    json_object_set_new(body, "paid", amt(r->buyer_pays, d));
    json_object_set_new(body, "performanceFee", amt(r->perf_fee, d));
    json_object_set_new(body, "spreadLocked", amt(r->spread_locked, d));
    json_object_set_new(body, "status", json_string("filled"));
    rest_json(ctx, 201, body);
  }
  depot_ctx_cleanup(&c);
  return rc;
}

void route_depot_trade(struct rest_ctx *ctx) {
  json_t *body = rest_body_object(ctx);
  if (!body) return;
  struct trade_arg a;
  memset(&a, 0, sizeof a);
  struct db *db = app_db(ctx->app);
  struct depot_ctx c;
  memset(&c, 0, sizeof c);
  int replayed = 0;
  /* the request is validated against the depot's params before the transaction */
  int st = db ? db_ensure(db, NULL, 0) : STORE_EUNAVAILABLE;
  if (st) rest_store_error(ctx, st);
  else if ((st = depot_ctx_load(ctx->app, db, ctx->params[0], 0, &c))) {
    if (st == LSVC_ESTORE) rest_store_error(ctx, STORE_EUNAVAILABLE);
    else depot_error(ctx, &c, st, NULL, NULL);
  } else if (read_request(ctx, body, &c, &a.req, 1) == 0 &&
             idem_run(ctx, trade_tx, &a, &replayed) == 0 && !replayed) {
    log_event(LOG_INFO, "depot_trade", "depot=%s buyer=%s instrument=%s position=%llu", ctx->params[0],
              ctx->who.account, a.out.instrument, (unsigned long long)a.out.result.position_id);
  }
  depot_ctx_cleanup(&c);
  json_decref(body);
}

/* GET /v1/accounts/{account}/positions and /trades: the buyer's depot positions. */
#define BUYER_ROWS_SQL                                                                          \
  "SELECT p.depot_id, p.position_id, p.instrument, p.size::TEXT, p.premium::TEXT,"             \
  " p.spread::TEXT, p.mint_fee::TEXT, p.total_paid::TEXT, p.trade_ms, v.asset_decimals,"        \
  " p.status, COALESCE(p.payoff::TEXT, '') FROM depot_positions p"                             \
  " JOIN vaults v ON v.id = p.depot_id WHERE p.buyer_id = $1"

static void buyer_rows(struct rest_ctx *ctx, int trades) {
  const char *account = ctx->params[0];
  if (strcmp(ctx->who.account, account) != 0 && !(ctx->who.roles & (ROLE_REPORTER | ROLE_ADMIN))) {
    rest_error(ctx, 403, "forbidden", "only the account itself or a reporter may read this", NULL);
    return;
  }
  struct db *db = app_db(ctx->app);
  struct pg_result *r = NULL;
  const char *p[] = {account};
  int st = db ? db_ensure(db, NULL, 0) : STORE_EUNAVAILABLE;
  if (st == STORE_OK)
    st = db_exec(db,
                 trades ? BUYER_ROWS_SQL " ORDER BY p.trade_ms, p.position_id"
                        : BUYER_ROWS_SQL " ORDER BY p.status, p.maturity_ms, p.position_id",
                 1, p, &r);
  if (st) {
    rest_store_error(ctx, st);
    return;
  }
  json_t *list = json_array();
  for (int k = 0; k < db_rows(r); k++) {
    unsigned d = (unsigned)atoi(db_value(r, k, 9));
    money_u128 v[5];
    int bad = 0;
    for (int f = 0; f < 5; f++) {
      const char *s = db_value(r, k, f == 0 ? 3 : f + 3);
      bad |= money_parse(s, strlen(s), 0, &v[f]) != MONEY_OK;
    }
    if (bad) continue;
    json_t *row = json_pack("{s:s,s:I,s:s,s:o,s:s}", "depot", db_value(r, k, 0), "position_id",
                            (json_int_t)strtoll(db_value(r, k, 1), NULL, 10), "instrument_name",
                            db_value(r, k, 2), "size", amt(v[0], DEPOT_CONTRACT_DECIMALS), "status",
                            db_value(r, k, 10));
    json_object_set_new(row, "premium", amt(v[1], d));
    json_object_set_new(row, "spread", amt(v[2], d));
    json_object_set_new(row, "mintingFee", amt(v[3], d));
    json_object_set_new(row, "total", amt(v[4], d));
    json_object_set_new(row, "time", json_integer(strtoll(db_value(r, k, 8), NULL, 10)));
    const char *payoff = db_value(r, k, 11);
    money_u128 po;
    if (*payoff && money_parse(payoff, strlen(payoff), 0, &po) == MONEY_OK)
      json_object_set_new(row, "payoff", amt(po, d));
    json_array_append_new(list, row);
  }
  db_result_free(r);
  rest_json(ctx, 200, json_pack("{s:s,s:o}", "account", account, trades ? "trades" : "positions", list));
}

void route_account_positions(struct rest_ctx *ctx) { buyer_rows(ctx, 0); }
void route_account_trades(struct rest_ctx *ctx) { buyer_rows(ctx, 1); }
