/* depot_settle: pay one maturity's payoffs, unlock its collateral, remove it from the book. */
#include "depot_settle.h"

#include <assert.h>
#include <string.h>

int depot_payoff(const struct depot_params *p, money_u128 strike, money_u128 size,
                 money_u128 settlement_price, money_u128 *payoff) {
  money_u128 contract, unit, num, den, r = 0;
  int rc = depot_params_check(p);
  if (rc != DEPOT_OK) return rc;
  rc = money_pow10(DEPOT_CONTRACT_DECIMALS, &contract);
  assert(rc == MONEY_OK);
  if (p->type == PRICING_PUT) {
    if (strike > settlement_price &&
        money_muldiv_down(size, strike - settlement_price, contract, &r) != MONEY_OK)
      return DEPOT_EOVERFLOW;
  } else if (settlement_price > strike) {
    rc = money_pow10(p->asset_decimals, &unit);
    assert(rc == MONEY_OK); /* decimals <= 30 */
    /* floor(size * 10^dec * (S - K) / (10^8 * S)), one rounding. */
    if (money_mul(size, unit, &num) != MONEY_OK ||
        money_mul(contract, settlement_price, &den) != MONEY_OK ||
        money_muldiv_down(num, settlement_price - strike, den, &r) != MONEY_OK)
      return DEPOT_EOVERFLOW;
  }
  *payoff = r;
  return DEPOT_OK;
}

int depot_settle(const struct depot_params *p, const struct depot_book *b, int64_t maturity_ms,
                 money_u128 settlement_price, struct depot_book *out, struct depot_payout *payouts,
                 size_t cap, struct depot_settlement *summary) {
  struct depot_settlement s = {.maturity_ms = maturity_ms, .settlement_price = settlement_price};
  int rc;
  if ((rc = depot_params_check(p)) != DEPOT_OK) return rc;
  if ((rc = depot_book_check(b)) != DEPOT_OK) return rc;

  /* The maturity's positions are b->positions[lo, hi). */
  size_t lo = 0, hi;
  while (lo < b->n_positions && b->positions[lo].maturity_ms < maturity_ms)
    lo++;
  for (hi = lo; hi < b->n_positions && b->positions[hi].maturity_ms == maturity_ms; hi++) {
  }
  if (hi == lo) return DEPOT_ENOTFOUND;
  s.n_positions = hi - lo;
  if (s.n_positions > cap) return DEPOT_ECAPACITY;

  /* First pass: every figure, checked, nothing written. */
  for (size_t i = lo; i < hi; i++) {
    const struct depot_position *q = &b->positions[i];
    money_u128 payoff;
    if ((rc = depot_payoff(p, q->strike, q->size, settlement_price, &payoff)) != DEPOT_OK)
      return rc;
    if (payoff > q->collateral) return DEPOT_EBOOK; /* collateral below its contract */
    /* Sums bounded by book_check: collateral sums to locked, spreads fit. */
    s.total_payoff += payoff;
    s.collateral_unlocked += q->collateral;
    s.spread_removed += q->spread_locked;
  }
  assert(s.collateral_unlocked <= b->locked && s.total_payoff <= s.collateral_unlocked);

  /* Second pass: the payouts, then the new book. */
  for (size_t i = lo; i < hi; i++) {
    const struct depot_position *q = &b->positions[i];
    struct depot_payout *o = &payouts[i - lo];
    rc = depot_payoff(p, q->strike, q->size, settlement_price, &o->payoff);
    assert(rc == DEPOT_OK); /* same inputs as the first pass */
    o->position_id = q->id;
    o->strike = q->strike;
    o->size = q->size;
    o->collateral = q->collateral;
  }
  money_u128 total = b->total_assets - s.total_payoff; /* payoff <= collateral <= locked <= total */
  money_u128 locked = b->locked - s.collateral_unlocked;
  if (out != b) *out = *b;
  memmove(&out->positions[lo], &out->positions[hi],
          (out->n_positions - hi) * sizeof out->positions[0]);
  out->n_positions -= s.n_positions;
  out->total_assets = total;
  out->locked = locked;
  *summary = s;
  return DEPOT_OK;
}
