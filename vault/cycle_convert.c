/* cycle_convert: stage 4's side, limit price, amount, re-pricing and end (cycle_convert.h). */
#include "cycle_convert.h"

struct cycle_convert_params cycle_convert_params_default(unsigned collateral_decimals,
                                                         money_u128 step) {
  struct cycle_convert_params p = {
      .collateral_decimals = collateral_decimals,
      .step = step,
      .slippage_ppm = 15000,
      .reprice_usdc = 2000000,
      .dust_usdc = 1000000,
      .duration_ms = 2700 * INT64_C(1000),
  };
  return p;
}

int cycle_convert_params_check(const struct cycle_convert_params *p) {
  if (!p || p->collateral_decimals > MONEY_MAX_DECIMALS || p->step == 0) return CYCLE_EINVALID;
  if (p->slippage_ppm >= CYCLE_PPM || p->duration_ms < 0) return CYCLE_EINVALID;
  return CYCLE_OK;
}

enum cycle_side cycle_convert_side(money_i128 usdc) {
  return usdc > 0 ? CYCLE_SIDE_BUY : usdc < 0 ? CYCLE_SIDE_SELL : CYCLE_SIDE_NONE;
}

int cycle_convert_limit(const struct cycle_convert_params *p, enum cycle_side side, money_u128 mark,
                        money_u128 *limit) {
  if (cycle_convert_params_check(p) != CYCLE_OK || !limit || mark == 0) return CYCLE_EINVALID;
  money_u128 v = 0;
  int st;
  if (side == CYCLE_SIDE_BUY)
    st = money_muldiv_down(mark, CYCLE_PPM + p->slippage_ppm, CYCLE_PPM, &v);
  else if (side == CYCLE_SIDE_SELL)
    st = money_muldiv_up(mark, CYCLE_PPM - p->slippage_ppm, CYCLE_PPM, &v);
  else
    return CYCLE_EINVALID;
  if (st != MONEY_OK) return cycle_from_money(st);
  if (v == 0) return CYCLE_EINVALID; /* a mark too small to quote (sell side only) */
  *limit = v;
  return CYCLE_OK;
}

int cycle_convert_amount(const struct cycle_convert_params *p, money_u128 usdc_abs,
                         money_u128 price, money_u128 *amount) {
  if (cycle_convert_params_check(p) != CYCLE_OK || !amount || price == 0) return CYCLE_EINVALID;
  money_u128 unit = 0, raw = 0;
  int st = money_pow10(p->collateral_decimals, &unit);
  if (st == MONEY_OK) st = money_muldiv_down(usdc_abs, unit, price, &raw);
  if (st != MONEY_OK) return cycle_from_money(st);
  *amount = raw - raw % p->step;
  return CYCLE_OK;
}

int cycle_convert_order(const struct cycle_convert_params *p, money_i128 usdc, money_u128 mark,
                        struct cycle_order *out) {
  if (cycle_convert_params_check(p) != CYCLE_OK || !out || mark == 0) return CYCLE_EINVALID;
  money_u128 usdc_abs = cycle_abs_i128(usdc);
  if (usdc_abs < p->dust_usdc || usdc == 0) return CYCLE_EDUST;
  struct cycle_order o = {.side = cycle_convert_side(usdc)};
  int st = cycle_convert_limit(p, o.side, mark, &o.limit);
  if (st == CYCLE_OK) st = cycle_convert_amount(p, usdc_abs, o.limit, &o.amount);
  if (st != CYCLE_OK) return st;
  if (o.amount == 0) return CYCLE_EBELOW_STEP;
  money_u128 unit = 0;
  int m = money_pow10(p->collateral_decimals, &unit);
  if (m == MONEY_OK)
    m = o.side == CYCLE_SIDE_BUY ? money_muldiv_up(o.amount, o.limit, unit, &o.notional)
                                 : money_muldiv_down(o.amount, o.limit, unit, &o.notional);
  if (m != MONEY_OK) return cycle_from_money(m);
  *out = o;
  return CYCLE_OK;
}

bool cycle_convert_should_reprice(const struct cycle_convert_params *p, money_u128 last_price,
                                  money_u128 desired_price) {
  money_u128 moved =
      desired_price >= last_price ? desired_price - last_price : last_price - desired_price;
  return moved > p->reprice_usdc;
}

enum cycle_convert_state cycle_convert_state(const struct cycle_convert_params *p, money_i128 usdc,
                                             int64_t start_ms, int64_t now_ms) {
  if (usdc == 0 || cycle_abs_i128(usdc) < p->dust_usdc) return CYCLE_CONVERT_DONE_DUST;
  /* elapsed >= duration, without overflow: now >= start + duration */
  bool timed_out =
      now_ms >= start_ms && (uint64_t)now_ms - (uint64_t)start_ms >= (uint64_t)p->duration_ms;
  if (timed_out && usdc > 0) return CYCLE_CONVERT_DONE_TIME;
  return CYCLE_CONVERT_RUNNING;
}
