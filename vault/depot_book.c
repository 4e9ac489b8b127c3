/* depot_book: depot parameters, the book's invariants, spread release, free assets. */
#include "depot.h"

#include <assert.h>
#include <math.h>

#include "black_scholes.h"
#include "calendar.h"
#include "clevel.h"
#include "ledger.h"

const char *depot_strerror(int status) {
  switch (status) {
  case DEPOT_OK:
    return "ok";
  case DEPOT_EINVALID:
    return "invalid";
  case DEPOT_EMARKET:
    return "market_unusable";
  case DEPOT_EOVERFLOW:
    return "overflow";
  case DEPOT_ECAPACITY:
    return "capacity";
  case DEPOT_ENOTFOUND:
    return "not_found";
  case DEPOT_EBOOK:
    return "book_inconsistent";
  case DEPOT_EUNSETTLED:
    return "unsettled_maturity";
  case DEPOT_ESTALE:
    return "stale_quote";
  case DEPOT_ECLOCK:
    return "clock_before_last_trade";
  case DEPOT_EOPTION_TYPE_MISMATCH:
    return "option_type_mismatch";
  case DEPOT_EZERO_SIZE:
    return "zero_size";
  case DEPOT_EINVALID_STRIKE:
    return "invalid_strike";
  case DEPOT_EOPTION_EXPIRED:
    return "option_expired";
  case DEPOT_EINSUFFICIENT_FUNDS:
    return "insufficient_funds";
  case DEPOT_EOUT_OF_DTE_BOUNDS:
    return "out_of_dte_bounds";
  case DEPOT_EOUT_OF_DELTA_BOUNDS:
    return "out_of_delta_bounds";
  case DEPOT_EINVALID_STRIKE_GRID:
    return "invalid_strike_grid";
  case DEPOT_EINVALID_MATURITY:
    return "invalid_maturity";
  case DEPOT_EABOVE_MAX_PREMIUM:
    return "above_max_premium";
  default:
    return "unknown";
  }
}

int depot_is_refusal(int status) {
  return status <= DEPOT_EOPTION_TYPE_MISMATCH && status >= DEPOT_EABOVE_MAX_PREMIUM;
}

/* ---- parameters ---------------------------------------------------------------------- */

static int params_common(enum pricing_option_type type, unsigned asset_decimals,
                         struct depot_params *p) {
  *p = (struct depot_params){0};
  p->type = type;
  p->asset_decimals = asset_decimals;
  p->alpha = 3;
  p->hourly_decay = 0.005;
  p->mgmt_fee_rate = LEDGER_WAD / 50; /* 2 %/yr */
  return DEPOT_OK;
}

int depot_params_production(enum pricing_option_type type, unsigned asset_decimals,
                            struct depot_params *out) {
  struct depot_params p;
  int rc = params_common(type, asset_decimals, &p);
  p.c_min = 1.0;
  p.c_max = 1.35;
  p.min_dte_ms = 3 * PRICING_MS_PER_DAY;
  p.max_dte_ms = 35 * PRICING_MS_PER_DAY;
  p.min_delta = 0.2;
  p.max_delta = 0.7;
  p.perf_fee_rate = LEDGER_WAD / 5; /* 20 % */
  if (rc == DEPOT_OK) rc = depot_params_check(&p);
  if (rc != DEPOT_OK) return rc;
  *out = p;
  return DEPOT_OK;
}

int depot_params_fixture(enum pricing_option_type type, unsigned asset_decimals,
                         struct depot_params *out) {
  struct depot_params p;
  int rc = params_common(type, asset_decimals, &p);
  p.c_min = 1.05;
  p.c_max = 1.2;
  p.min_dte_ms = 3 * PRICING_MS_PER_DAY;
  p.max_dte_ms = 30 * PRICING_MS_PER_DAY;
  p.min_delta = 0.1;
  p.max_delta = 0.7;
  p.perf_fee_rate = LEDGER_WAD / 20; /* 5 % */
  if (rc == DEPOT_OK) rc = depot_params_check(&p);
  if (rc != DEPOT_OK) return rc;
  *out = p;
  return DEPOT_OK;
}

int depot_params_check(const struct depot_params *p) {
  if (p->type != PRICING_CALL && p->type != PRICING_PUT) return DEPOT_EINVALID;
  if (p->type == PRICING_PUT && p->asset_decimals != DEPOT_USDC_DECIMALS) return DEPOT_EINVALID;
  if (p->asset_decimals > 30) return DEPOT_EINVALID;
  struct pricing_clevel_params cp = {p->alpha, p->c_min, p->c_max, p->hourly_decay};
  if (pricing_clevel_check(&cp) != PRICING_OK) return DEPOT_EINVALID;
  if (p->min_dte_ms < 0 || p->max_dte_ms < p->min_dte_ms) return DEPOT_EINVALID;
  if (!(isfinite(p->min_delta) && isfinite(p->max_delta) && p->min_delta >= 0 &&
        p->min_delta <= p->max_delta && p->max_delta <= 1))
    return DEPOT_EINVALID;
  if (p->perf_fee_rate > LEDGER_WAD || p->mgmt_fee_rate > LEDGER_WAD) return DEPOT_EINVALID;
  return DEPOT_OK;
}

int depot_collateral(const struct depot_params *p, money_u128 strike, money_u128 size,
                     money_u128 *out) {
  money_u128 contract, unit, r;
  int rc = depot_params_check(p);
  if (rc != DEPOT_OK) return rc;
  rc = money_pow10(DEPOT_CONTRACT_DECIMALS, &contract);
  assert(rc == MONEY_OK);
  if (p->type == PRICING_PUT) {
    rc = money_muldiv_up(strike, size, contract, &r);
  } else {
    rc = money_pow10(p->asset_decimals, &unit);
    assert(rc == MONEY_OK); /* decimals <= 30 */
    rc = money_muldiv_up(size, unit, contract, &r);
  }
  if (rc != MONEY_OK) return DEPOT_EOVERFLOW;
  *out = r;
  return DEPOT_OK;
}

int depot_fair_value(const struct depot_params *p, money_u128 spot, money_u128 strike, double tau,
                     double sigma, double rate, double *fair, double *delta) {
  if (depot_params_check(p) != DEPOT_OK) return DEPOT_EINVALID;
  if (spot == 0 || strike == 0 || !(isfinite(sigma) && sigma > 0) || !isfinite(rate) ||
      !(isfinite(tau) && tau >= 0))
    return DEPOT_EMARKET;
  double S = (double)spot / 1e6, K = (double)strike / 1e6, price, d;
  if (pricing_bs_price_delta(p->type, S, K, tau, sigma, rate, &price, &d) != PRICING_OK)
    return DEPOT_EMARKET;
  *fair = p->type == PRICING_CALL ? price / S : price;
  *delta = d;
  return DEPOT_OK;
}

/* ---- the book ------------------------------------------------------------------------ */

static int time_ok(int64_t t) {
  return t >= 0 && t <= DEPOT_TIME_MAX;
}

int depot_book_init(struct depot_book *book, int64_t created_ms) {
  if (!time_ok(created_ms)) return DEPOT_EINVALID;
  book->total_assets = 0;
  book->locked = 0;
  book->created_ms = created_ms;
  book->last_trade_ms = created_ms;
  book->next_id = 1;
  book->n_positions = 0;
  return DEPOT_OK;
}

/* Still-locked spread of one position at t: s - floor(s * (t - trade) / (m - trade)). */
static money_u128 position_locked_spread(const struct depot_position *q, int64_t t) {
  if (t <= q->trade_ms) return q->spread_locked;
  if (t >= q->maturity_ms) return 0;
  money_u128 released;
  int rc = money_muldiv_down(q->spread_locked, (money_u128)(t - q->trade_ms),
                             (money_u128)(q->maturity_ms - q->trade_ms), &released);
  assert(rc == MONEY_OK); /* t - trade < m - trade: released < spread */
  (void)rc;
  return q->spread_locked - released;
}

int depot_book_check(const struct depot_book *b) {
  if (b->n_positions > DEPOT_MAX_POSITIONS || !time_ok(b->created_ms) ||
      !time_ok(b->last_trade_ms) || b->last_trade_ms < b->created_ms || b->next_id == 0)
    return DEPOT_EBOOK;
  money_u128 locked = 0, spread = 0;
  size_t maturities = 0;
  for (size_t i = 0; i < b->n_positions; i++) {
    const struct depot_position *q = &b->positions[i];
    if (q->size == 0 || q->collateral == 0 || q->id >= b->next_id || q->trade_ms < b->created_ms ||
        q->trade_ms > b->last_trade_ms || q->trade_ms >= q->maturity_ms || !time_ok(q->maturity_ms))
      return DEPOT_EBOOK;
    if (i > 0) {
      const struct depot_position *prev = &b->positions[i - 1];
      if (prev->maturity_ms > q->maturity_ms ||
          (prev->maturity_ms == q->maturity_ms && prev->id >= q->id))
        return DEPOT_EBOOK;
    }
    if (i == 0 || b->positions[i - 1].maturity_ms != q->maturity_ms) maturities++;
    if (money_add(locked, q->collateral, &locked) != MONEY_OK ||
        money_add(spread, q->spread_locked, &spread) != MONEY_OK)
      return DEPOT_EBOOK;
  }
  if (maturities > DEPOT_MAX_MATURITIES || locked != b->locked || locked > b->total_assets)
    return DEPOT_EBOOK;
  return DEPOT_OK;
}

int depot_locked_spread(const struct depot_book *book, int64_t now_ms, money_u128 *out) {
  int rc = depot_book_check(book);
  if (rc != DEPOT_OK) return rc;
  money_u128 sum = 0;
  for (size_t i = 0; i < book->n_positions; i++)
    sum += position_locked_spread(&book->positions[i], now_ms); /* sum of spreads fits */
  *out = sum;
  return DEPOT_OK;
}

int depot_available(const struct depot_book *book, int64_t now_ms, money_u128 *out) {
  money_u128 spread;
  int rc = depot_locked_spread(book, now_ms, &spread);
  if (rc != DEPOT_OK) return rc;
  /* book_check: locked <= total. */
  if (spread > book->total_assets - book->locked) return DEPOT_EBOOK;
  *out = book->total_assets - book->locked - spread;
  return DEPOT_OK;
}

int depot_expired_maturities(const struct depot_book *book, int64_t now_ms, int64_t *out,
                             size_t cap, size_t *n) {
  int rc = depot_book_check(book);
  if (rc != DEPOT_OK) return rc;
  size_t count = 0;
  for (size_t i = 0; i < book->n_positions; i++) {
    int64_t m = book->positions[i].maturity_ms;
    if (m > now_ms) break; /* sorted */
    if (i == 0 || book->positions[i - 1].maturity_ms != m) count++;
  }
  if (count > cap) return DEPOT_ECAPACITY;
  size_t k = 0;
  for (size_t i = 0; i < book->n_positions && k < count; i++) {
    int64_t m = book->positions[i].maturity_ms;
    if (i == 0 || book->positions[i - 1].maturity_ms != m) out[k++] = m;
  }
  *n = count;
  return DEPOT_OK;
}

int depot_book_deposit(const struct depot_book *book, money_u128 amount, struct depot_book *out) {
  money_u128 total;
  int rc = depot_book_check(book);
  if (rc != DEPOT_OK) return rc;
  if (money_add(book->total_assets, amount, &total) != MONEY_OK) return DEPOT_EOVERFLOW;
  if (out != book) *out = *book;
  out->total_assets = total;
  return DEPOT_OK;
}

int depot_book_withdraw(const struct depot_book *book, int64_t now_ms, money_u128 amount,
                        struct depot_book *out) {
  money_u128 avail;
  int rc = depot_available(book, now_ms, &avail);
  if (rc != DEPOT_OK) return rc;
  if (amount > avail) return DEPOT_EINSUFFICIENT_FUNDS;
  if (out != book) *out = *book;
  out->total_assets = book->total_assets - amount;
  return DEPOT_OK;
}
