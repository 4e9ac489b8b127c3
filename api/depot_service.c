/* depot_service: depot books in transactions: settle, value, quote, trade. */
#include "depot_service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asset.h"
#include "db.h"
#include "depot_nav.h"
#include "depot_settle.h"
#include "depot_store.h"
#include "instrument.h"
#include "ledger_store.h"
#include "log.h"
#include "params.h"
#include "strike_grid.h"

#define TREASURY "treasury"

/* The depot's parameters: SPEC 5.1's production defaults, then its config settings. */
static int depot_config(struct app *app, const char *id, struct depot_ctx *c) {
  size_t i;
  json_t *d;
  json_array_foreach(app->config->depots, i, d) {
    if (strcmp(json_string_value(json_object_get(d, "id")), id) != 0) continue;
    const char *type = json_string_value(json_object_get(d, "type"));
    const char *u = json_string_value(json_object_get(d, "underlying"));
    int put = strcmp(type, "P") == 0;
    const struct asset *a = asset_find(put ? "USDC" : u);
    if (!a) return DSVC_ENOTDEPOT;
    snprintf(c->underlying, sizeof c->underlying, "%s", u);
    struct depot_params *p = &c->params;
    if (depot_params_production(put ? PRICING_PUT : PRICING_CALL, a->decimals, p)) return DEPOT_EINVALID;
    json_t *s = json_object_get(d, "settings");
    p->alpha = param_cfg_real(s, "alpha", p->alpha);
    p->hourly_decay = param_cfg_real(s, "hourly_decay", p->hourly_decay);
    p->c_min = param_cfg_real(s, "min_clevel", p->c_min);
    p->c_max = param_cfg_real(s, "max_clevel", p->c_max);
    p->min_dte_ms = (int64_t)(param_cfg_real(s, "min_dte", (double)p->min_dte_ms / 86400000.0) * 86400000.0);
    p->max_dte_ms = (int64_t)(param_cfg_real(s, "max_dte", (double)p->max_dte_ms / 86400000.0) * 86400000.0);
    p->min_delta = param_cfg_real(s, "min_delta", p->min_delta);
    p->max_delta = param_cfg_real(s, "max_delta", p->max_delta);
    p->perf_fee_rate = param_cfg_decimal(s, "performance_fee", 18, p->perf_fee_rate);
    p->mgmt_fee_rate = param_cfg_decimal(s, "management_fee", 18, p->mgmt_fee_rate);
    return depot_params_check(p) ? DEPOT_EINVALID : 0;
  }
  return DSVC_ENOTDEPOT;
}

int depot_ctx_load(struct app *app, struct db *db, const char *id, int for_update,
                   struct depot_ctx *c) {
  memset(c, 0, sizeof *c);
  int st = depot_config(app, id, c);
  if (st) return st;
  st = store_vault_get(db, id, for_update, &c->sv);
  if (st == STORE_ENOTFOUND) return DSVC_ENOTDEPOT;
  if (st) return LSVC_ESTORE;
  c->book = malloc(sizeof *c->book);
  if (!c->book) return LSVC_ESTORE;
  /* the book row is created with the depot (ledger_register_vaults) */
  st = store_depot_book_load(db, id, c->sv.total_assets, c->sv.locked_assets, c->book);
  return st ? LSVC_ESTORE : 0;
}

void depot_ctx_cleanup(struct depot_ctx *c) {
  free(c->book);
  c->book = NULL;
}

/* Settles one maturity on the in-memory book; with persist, writes it. */
static int settle_one(struct app *app, struct db *db, struct depot_ctx *c, int64_t maturity,
                      money_u128 price, int64_t now, int persist) {
  (void)app;
  struct depot_book *next = malloc(sizeof *next);
  struct depot_payout *pays = calloc(DEPOT_MAX_POSITIONS, sizeof *pays);
  struct depot_settlement sum;
  int st = next && pays ? depot_settle(&c->params, c->book, maturity, price, next, pays,
                                       DEPOT_MAX_POSITIONS, &sum)
                        : LSVC_ESTORE;
  if (st == 0 && persist) {
    for (size_t k = 0; k < sum.n_positions && st == 0; k++) {
      char buyer[65];
      if (store_depot_position_settle(db, c->sv.id, pays[k].position_id, price, pays[k].payoff, now,
                                      buyer) ||
          store_balance_add(db, buyer, c->sv.asset, (money_i128)pays[k].payoff, "payout", c->sv.id,
                            NULL, now))
        st = LSVC_ESTORE;
    }
    c->sv.total_assets = next->total_assets;
    c->sv.locked_assets = next->locked;
    if (st == 0 && store_vault_save(db, &c->sv)) st = LSVC_ESTORE;
    if (st == 0)
      log_event(LOG_INFO, "depot_settled", "depot=%s maturity_ms=%lld positions=%zu", c->sv.id,
                (long long)maturity, sum.n_positions);
  }
  if (st == 0) {
    memcpy(c->book, next, sizeof *next);
    if (!persist) {
      c->sv.total_assets = next->total_assets;
      c->sv.locked_assets = next->locked;
    }
  }
  free(next);
  free(pays);
  return st;
}

int depot_settle_due(struct app *app, struct db *db, struct depot_ctx *c, int64_t now, int persist,
                     int *pending) {
  int64_t due[DEPOT_MAX_MATURITIES];
  size_t n = 0;
  *pending = 0;
  if (depot_expired_maturities(c->book, now, due, DEPOT_MAX_MATURITIES, &n)) return LSVC_ESTORE;
  for (size_t k = 0; k < n; k++) {
    money_u128 price;
    if (oracles_settlement(app->oracles, c->underlying, due[k], &price) != ORACLE_OK) {
      *pending = 1;
      continue;
    }
    int st = settle_one(app, db, c, due[k], price, now, persist);
    if (st) return st;
  }
  return 0;
}

struct vol_ctx {
  const struct oracle_market *m;
};

static int vol_at(void *p, money_u128 strike, int64_t maturity_ms, double tau, double *sigma) {
  (void)tau;
  struct vol_ctx *v = p;
  return oracles_iv(v->m, strike, maturity_ms, sigma) == ORACLE_OK ? 0 : -1;
}

int depot_value(struct app *app, struct depot_ctx *c, int64_t now, money_u128 *nav,
                money_u128 *free, struct oracle_problem *problem) {
  money_u128 shorts = 0;
  if (c->book->n_positions > 0) {
    struct oracle_market m;
    if (oracles_market(app->oracles, c->underlying, now, &m, problem) != ORACLE_OK) return DSVC_EORACLE;
    struct vol_ctx v = {&m};
    if (depot_shorts_value(&c->params, c->book, m.spot, m.rate, now, vol_at, &v, &shorts))
      return DSVC_EORACLE;
  }
  if (depot_nav(c->book, now, shorts, nav)) return LEDGER_EOVERFLOW;
  if (depot_available(c->book, now, free)) return LEDGER_EOVERFLOW;
  return 0;
}

/* Requests failing the filters that need no market are refused before any oracle check. */
static int refuse_without_market(const struct depot_ctx *c, const struct depot_request *req,
                                 int64_t now, struct depot_quote *q, struct depot_refusal *refusal) {
  struct depot_market dummy = {req->strike ? req->strike : 1, 0.5, 0, now};
  int st = depot_quote(&c->params, c->book, &dummy, req, q, refusal);
  if (st == DEPOT_EOPTION_TYPE_MISMATCH || st == DEPOT_EZERO_SIZE || st == DEPOT_EINVALID_STRIKE ||
      st == DEPOT_EOPTION_EXPIRED)
    return st;
  return 0;
}

int depot_quote_now(struct app *app, struct depot_ctx *c, const struct depot_request *req,
                    int64_t now, struct depot_quote *q, struct depot_refusal *refusal,
                    struct oracle_problem *problem) {
  int st = refuse_without_market(c, req, now, q, refusal);
  if (st) return st;
  struct oracle_market m;
  if (oracles_market(app->oracles, c->underlying, now, &m, problem) != ORACLE_OK) return DSVC_EORACLE;
  double sigma = 0;
  if (oracles_iv(&m, req->strike, req->expiry_ms, &sigma) != ORACLE_OK) {
    problem->what = "surface";
    problem->age_ms = -1;
    problem->max_age_ms = oracles_surface_max_age(app->oracles);
    return DSVC_EORACLE;
  }
  struct depot_market market = {m.spot, sigma, m.rate, now};
  return depot_quote(&c->params, c->book, &market, req, q, refusal);
}

int depot_trade_tx(struct app *app, struct db *db, struct depot_ctx *c, const char *buyer,
                   const struct depot_request *req, int64_t now, struct depot_trade_out *out,
                   struct depot_refusal *refusal, struct oracle_problem *problem) {
  int pending = 0;
  int st = depot_settle_due(app, db, c, now, 1, &pending);
  if (st) return st;
  if (pending) return DSVC_EPENDING;
  st = depot_quote_now(app, c, req, now, &out->quote, refusal, problem);
  if (st) return st;
  struct depot_book *next = malloc(sizeof *next);
  if (!next) return LSVC_ESTORE;
  st = depot_book_trade(&c->params, c->book, &out->quote, now, next, &out->result);
  if (st) {
    free(next);
    return st;
  }
  struct pricing_instrument ins;
  memset(&ins, 0, sizeof ins);
  snprintf(ins.underlying, sizeof ins.underlying, "%.10s", c->underlying);
  ins.expiry_ms = req->expiry_ms;
  ins.strike = req->strike;
  ins.type = req->type;
  if (pricing_instrument_format(&ins, out->instrument, sizeof out->instrument) < 0)
    snprintf(out->instrument, sizeof out->instrument, "?");
  const struct depot_trade_result *r = &out->result;
  money_u128 bal = 0;
  const struct depot_position *pos = NULL;
  for (size_t k = 0; k < next->n_positions; k++)
    if (next->positions[k].id == r->position_id) pos = &next->positions[k];
  if (!pos || store_balance_get(db, buyer, c->sv.asset, 1, &bal)) {
    free(next);
    return LSVC_ESTORE;
  }
  if (bal < r->buyer_pays) {
    free(next);
    return DSVC_EFUNDS;
  }
  struct store_depot_position row = {c->sv.id, buyer, out->instrument,
                                     req->type == PRICING_PUT ? 'P' : 'C', pos, r->spread,
                                     r->perf_fee, r->mint_fee, r->buyer_pays};
  c->sv.total_assets = next->total_assets;
  c->sv.locked_assets = next->locked;
  if (store_balance_add(db, buyer, c->sv.asset, -(money_i128)r->buyer_pays, "premium", c->sv.id,
                        out->instrument, now) ||
      store_balance_add(db, TREASURY, c->sv.asset, (money_i128)(r->perf_fee + r->mint_fee),
                        "premium", c->sv.id, "fees", now) ||
      store_depot_position_insert(db, &row) ||
      store_depot_book_clock(db, c->sv.id, next->last_trade_ms, next->next_id) ||
      store_vault_save(db, &c->sv))
    st = LSVC_ESTORE;
  if (st == 0) memcpy(c->book, next, sizeof *next);
  free(next);
  return st;
}

struct settle_arg {
  struct app *app;
  const char *depot;
  int64_t maturity;
  money_u128 price;
  int settled;
};

static int settle_tx(struct db *db, void *p) {
  struct settle_arg *a = p;
  struct depot_ctx c;
  int st = depot_ctx_load(a->app, db, a->depot, 1, &c);
  if (st == 0) {
    size_t before = c.book->n_positions;
    int open = 0;
    for (size_t k = 0; k < c.book->n_positions; k++)
      if (c.book->positions[k].maturity_ms == a->maturity) open = 1;
    if (open) st = settle_one(a->app, db, &c, a->maturity, a->price,
                              clock_now_ms(&a->app->clock), 1);
    if (st == 0) a->settled = (int)(before - c.book->n_positions);
  }
  depot_ctx_cleanup(&c);
  return st ? -1 : 0;
}

int depot_settle_published(struct app *app, struct db *db, const char *underlying,
                           int64_t maturity_ms) {
  money_u128 price;
  if (!db || oracles_settlement(app->oracles, underlying, maturity_ms, &price) != ORACLE_OK) return 0;
  int total = 0;
  size_t i;
  json_t *d;
  json_array_foreach(app->config->depots, i, d) {
    if (strcmp(json_string_value(json_object_get(d, "underlying")), underlying) != 0) continue;
    struct settle_arg a = {app, json_string_value(json_object_get(d, "id")), maturity_ms, price, 0};
    int body = 0;
    int st = db_tx(db, DB_READ_COMMITTED, settle_tx, &a, &body);
    if (st)
      log_event(LOG_ERROR, "depot_settle_failed", "depot=%s maturity_ms=%lld status=%d", a.depot,
                (long long)maturity_ms, st);
    else
      total += a.settled;
  }
  return total;
}

int depot_ledger_value(struct db *db, struct store_vault *sv, int64_t now, void *arg,
                       struct ledger_valuation *out) {
  struct app *app = arg;
  struct depot_ctx c;
  int st = depot_ctx_load(app, db, sv->id, 1, &c);
  int pending = 0;
  if (st == 0) st = depot_settle_due(app, db, &c, now, 1, &pending);
  if (st == 0 && pending) st = LSVC_EPENDING;
  struct oracle_problem problem;
  if (st == 0) {
    st = depot_value(app, &c, now, &out->nav, &out->free, &problem);
    if (st == DSVC_EORACLE) st = LSVC_EORACLE;
  }
  if (st == 0) *sv = c.sv; /* settlement may have moved the totals */
  depot_ctx_cleanup(&c);
  return st == DSVC_ENOTDEPOT ? LSVC_ENOVAULT : st;
}
