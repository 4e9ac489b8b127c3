/* depot_service: depot books in transactions: settle, value, quote, trade. */
#include "depot_service.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* depot_ctx_load's third mode, for the quote cache (inside snap_tx): the vault row FOR SHARE
 * first, so no writer commits while the row and the book are read. */
#define LOAD_SNAPSHOT 2

int depot_ctx_load(struct app *app, struct db *db, const char *id, int for_update,
                   struct depot_ctx *c) {
  memset(c, 0, sizeof *c);
  int st = depot_config(app, id, c);
  if (st) return st;
  if (for_update == LOAD_SNAPSHOT && store_depot_vault_barrier(db, id)) return LSVC_ESTORE;
  st = store_vault_get(db, id, for_update == 1, &c->sv);
  if (st == STORE_ENOTFOUND) return DSVC_ENOTDEPOT;
  if (st) return LSVC_ESTORE;
  /* every writer of the depot comes here for update: the row is ours until our commit, so
   * a quote snapshot loaded from now on waits for that commit (see depot_view_get) */
  if (for_update == 1) depot_cache_invalidate(app, id);
  c->book = malloc(sizeof *c->book);
  if (!c->book) return LSVC_ESTORE;
  /* the book row is created with the depot (ledger_register_vaults) */
  st = store_depot_book_load(db, id, c->sv.total_assets, c->sv.locked_assets, c->book);
  if (st) { /* a failed load leaves nothing for the caller to free */
    depot_ctx_cleanup(c);
    return LSVC_ESTORE;
  }
  return 0;
}

void depot_ctx_cleanup(struct depot_ctx *c) {
  free(c->book);
  c->book = NULL;
}

/* ---- the quote path's snapshots (depot_service.h, depot_view_get) ---- */
#define DEPOT_CACHE_SLOTS 64

struct depot_snapshot {
  atomic_uint refs; /* the cache's slot and each view holding it */
  uint64_t gen;     /* its slot's generation when its load began */
  int64_t born_ms;  /* monotonic, when its load began */
  struct depot_ctx c;
};

struct cache_slot {
  const struct app *app;
  char id[sizeof ((struct store_vault *)0)->id];
  uint64_t gen; /* bumped by every writer, under the depot's row lock */
  struct depot_snapshot *snap;
};

/* Held for a few loads and stores only: never across I/O or a free. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cache_slot cache_slots[DEPOT_CACHE_SLOTS];
static size_t cache_n;

static int64_t mono_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void snap_unref(struct depot_snapshot *s) {
  if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
    depot_ctx_cleanup(&s->c);
    free(s);
  }
}

/* Under cache_lock. NULL when absent (and not created, or the table is full). */
static struct cache_slot *slot_find(const struct app *app, const char *id, int create) {
  for (size_t k = 0; k < cache_n; k++)
    if (cache_slots[k].app == app && strcmp(cache_slots[k].id, id) == 0) return &cache_slots[k];
  if (!create || cache_n == DEPOT_CACHE_SLOTS || strlen(id) >= sizeof cache_slots[0].id) return NULL;
  struct cache_slot *s = &cache_slots[cache_n++];
  s->app = app;
  snprintf(s->id, sizeof s->id, "%s", id);
  s->gen = 0;
  s->snap = NULL;
  return s;
}

void depot_cache_invalidate(struct app *app, const char *id) {
  struct depot_snapshot *old = NULL;
  pthread_mutex_lock(&cache_lock);
  struct cache_slot *s = slot_find(app, id, 0);
  if (s) {
    s->gen++;
    old = s->snap;
    s->snap = NULL;
  }
  pthread_mutex_unlock(&cache_lock);
  snap_unref(old);
}

/* A fresh snapshot of the depot, with a reference for the caller; NULL when there is none. */
static struct depot_snapshot *snap_get(struct app *app, const char *id, int64_t now_ms) {
  struct depot_snapshot *got = NULL;
  pthread_mutex_lock(&cache_lock);
  struct cache_slot *s = slot_find(app, id, 0);
  if (s && s->snap && s->snap->gen == s->gen && now_ms - s->snap->born_ms < DEPOT_SNAPSHOT_MAX_AGE_MS) {
    got = s->snap;
    atomic_fetch_add_explicit(&got->refs, 1, memory_order_relaxed);
  }
  pthread_mutex_unlock(&cache_lock);
  return got;
}

struct snap_tx_arg {
  struct app *app;
  const char *id;
  struct depot_ctx *c;
  int status;
};

/* One transaction holding the vault row FOR SHARE from its first statement: no writer (they
 * all lock the row for update first) commits between the reads, so row and book agree. */
static int snap_tx(struct db *db, void *p) {
  struct snap_tx_arg *a = p;
  depot_ctx_cleanup(a->c); /* a retry starts over */
  a->status = depot_ctx_load(a->app, db, a->id, LOAD_SNAPSHOT, a->c);
  if (a->status == LSVC_ESTORE) return -1;
  return a->status ? 1 : 0;
}

/* Loads a snapshot; caches it unless a writer came by meanwhile (then it serves this request
 * only: what it read is what a read without the cache would have read). */
static int snap_load(struct app *app, const char *id, int64_t now_ms, struct depot_snapshot **out) {
  struct depot_snapshot *n = calloc(1, sizeof *n);
  if (!n) return LSVC_ESTORE;
  int st = depot_config(app, id, &n->c); /* a slot only for a configured depot */
  if (st) {
    free(n);
    return st;
  }
  pthread_mutex_lock(&cache_lock);
  struct cache_slot *s = slot_find(app, id, 1);
  n->gen = s ? s->gen : 0;
  pthread_mutex_unlock(&cache_lock);
  n->born_ms = now_ms;
  atomic_init(&n->refs, 1);
  struct db *db = app_db(app);
  struct snap_tx_arg a = {app, id, &n->c, 0};
  int body = 0;
  st = db && db_ensure(db, NULL, 0) == STORE_OK ? db_tx(db, DB_READ_COMMITTED, snap_tx, &a, &body)
                                                : STORE_EUNAVAILABLE;
  if (st == STORE_EABORT) st = a.status ? a.status : LSVC_ESTORE;
  else if (st) st = LSVC_ESTORE;
  if (st) {
    depot_ctx_cleanup(&n->c);
    free(n);
    return st;
  }
  struct depot_snapshot *old = NULL;
  pthread_mutex_lock(&cache_lock);
  s = slot_find(app, id, 0);
  if (s && s->gen == n->gen) {
    old = s->snap;
    s->snap = n;
    atomic_fetch_add_explicit(&n->refs, 1, memory_order_relaxed);
  }
  pthread_mutex_unlock(&cache_lock);
  snap_unref(old);
  *out = n;
  return 0;
}

int depot_view_get(struct app *app, const char *id, struct depot_view *v) {
  memset(v, 0, sizeof *v);
  int64_t now_ms = mono_ms();
  struct depot_snapshot *s = snap_get(app, id, now_ms);
  int st = s ? 0 : snap_load(app, id, now_ms, &s);
  if (st) return st;
  v->snap = s;
  v->c = s->c; /* shares s's book */
  return 0;
}

int depot_view_settle_due(struct app *app, struct depot_view *v, int64_t now, int *pending) {
  int64_t due[DEPOT_MAX_MATURITIES];
  size_t n = 0;
  *pending = 0;
  if (depot_expired_maturities(v->c.book, now, due, DEPOT_MAX_MATURITIES, &n)) return LSVC_ESTORE;
  if (n == 0) return 0;
  if (v->snap) { /* settling moves the book: on a copy of our own */
    struct depot_book *own = malloc(sizeof *own);
    if (!own) return LSVC_ESTORE;
    memcpy(own, v->c.book, sizeof *own);
    v->c.book = own;
    snap_unref(v->snap);
    v->snap = NULL;
  }
  return depot_settle_due(app, NULL, &v->c, now, 0, pending);
}

void depot_view_release(struct depot_view *v) {
  if (v->snap) snap_unref(v->snap);
  else depot_ctx_cleanup(&v->c);
  v->snap = NULL;
  v->c.book = NULL;
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
