/* mandate_spread: the spread fill's check, rules 2-6 after the structure (SPEC 4). */
#include "mandate_spread.h"

#include "mandate_util.h"

/* [2] Time to expiry within [min_tte_ms, max_tte_ms], inclusive. */
static int check_tte(const struct mandate_params *p, int64_t expiry_ms, int64_t now_ms,
                     struct mandate_refusal *r) {
  int64_t tte;
  if (__builtin_sub_overflow(expiry_ms, now_ms, &tte)) return MANDATE_EINVALID;
  if (tte < p->min_tte_ms || tte > p->max_tte_ms)
    return mandate_refuse(r, MANDATE_ETTE_OUT_OF_BOUNDS, -1, "tte_ms", MANDATE_UNIT_DURATION_MS,
                          tte, tte < p->min_tte_ms ? p->min_tte_ms : p->max_tte_ms);
  return MANDATE_OK;
}

/* [3] spread_mark / strike_diff within the band. Both bounds are integers in ppm, so
 * floor(ratio) >= min and ceil(ratio) <= max are exact. */
static int check_moneyness(const struct mandate_params *p, money_u128 spread_mark,
                           struct mandate_refusal *r) {
  money_u128 low, high;
  int st = mandate_from_money(money_muldiv_down(spread_mark, MANDATE_PPM, p->strike_diff, &low));
  if (st != MANDATE_OK) return st;
  if (low < p->min_moneyness_ppm)
    return mandate_refuse(r, MANDATE_EMONEYNESS_OUT_OF_BAND, -1, "moneyness", MANDATE_UNIT_PPM,
                          mandate_shown(low), (money_i128)p->min_moneyness_ppm);
  st = mandate_from_money(money_muldiv_up(spread_mark, MANDATE_PPM, p->strike_diff, &high));
  if (st != MANDATE_OK) return st;
  if (high > p->max_moneyness_ppm)
    return mandate_refuse(r, MANDATE_EMONEYNESS_OUT_OF_BAND, -1, "moneyness", MANDATE_UNIT_PPM,
                          mandate_shown(high), (money_i128)p->max_moneyness_ppm);
  return MANDATE_OK;
}

/* [4] The credit against the mark credit: the hard backstop and the fat-finger bound. */
static int check_price(const struct mandate_params *p, money_i128 credit, money_u128 mark,
                       struct mandate_refusal *r) {
  money_u128 min, max;
  int st = mandate_ratio_up(mark, p->min_price_ratio_ppm, &min);
  if (st != MANDATE_OK) return st;
  if (credit < 0 || (money_u128)credit < min)
    return mandate_refuse(r, MANDATE_EPRICE_BELOW_ORACLE_BOUND, -1, "credit", MANDATE_UNIT_USD,
                          credit, mandate_shown(min));
  if ((st = mandate_ratio_down(mark, p->max_price_ratio_ppm, &max)) != MANDATE_OK) return st;
  if ((money_u128)credit > max)
    return mandate_refuse(r, MANDATE_EPRICE_ABOVE_FAT_FINGER, -1, "credit", MANDATE_UNIT_USD,
                          credit, mandate_shown(max));
  return MANDATE_OK;
}

/* [5] The size bound against the collateral's value, then one spread per collateral unit. */
static int check_size(const struct mandate_params *p, const struct mandate_vault_state *v,
                      money_u128 new_spreads, struct mandate_refusal *r) {
  money_u128 spreads, need, value_ppm, scale, unit, cap, max_spreads;
  int st;
  if (money_add(v->open_spreads, new_spreads, &spreads) != MONEY_OK) return MANDATE_EOVERFLOW;
  if ((st = mandate_unit_of(v->collateral_decimals, &unit)) != MANDATE_OK) return st;
  /* need = ceil(spreads·strike_diff / 10^8); cap = floor(collateral·(spot·ppm) /
   * (10^dec·10^6)): 10^dec·10^6 <= 10^38 fits, spot·ppm overflowing is an error. */
  st = money_muldiv_up(spreads, p->strike_diff, MANDATE_SPREAD_UNIT, &need);
  if (st == MONEY_OK) st = money_mul(v->spot, p->max_loss_pct_tvl_ppm, &value_ppm);
  if (st == MONEY_OK) st = money_mul(unit, MANDATE_PPM, &scale);
  if (st == MONEY_OK) st = money_muldiv_down(v->collateral, value_ppm, scale, &cap);
  if (st != MONEY_OK) return mandate_from_money(st);
  if (need > cap)
    return mandate_refuse(r, MANDATE_ESIZE_ABOVE_TVL_BOUND, -1, "max_loss_usd", MANDATE_UNIT_USD,
                          mandate_shown(need), mandate_shown(cap));
  st = money_muldiv_down(v->collateral, MANDATE_SPREAD_UNIT, unit, &max_spreads);
  if (st != MONEY_OK) return mandate_from_money(st);
  if (spreads > max_spreads)
    return mandate_refuse(r, MANDATE_EMORE_SPREADS_THAN_COLLATERAL, -1, "spreads",
                          MANDATE_UNIT_CONTRACTS, mandate_shown(spreads),
                          mandate_shown(max_spreads));
  return MANDATE_OK;
}

/* Rules [1]-[6] in order on checked arguments; fills *r on a refusal. */
static int check_rules(const struct mandate_params *p, const struct mandate_spread_trade *t,
                       const struct mandate_vault_state *v, const struct mandate_loss_state *s,
                       int64_t now_ms, struct mandate_refusal *r) {
  int st = mandate_check_structure(p, t->legs, t->n_legs, r);
  if (st != MANDATE_OK) return st;
  if ((st = check_tte(p, t->legs[0].expiry_ms, now_ms, r)) != MANDATE_OK) return st;
  st = mandate_oracle_fresh("spot_age_ms", now_ms, t->oracle.spot_ms, p->spot_max_age_ms, r);
  if (st != MANDATE_OK) return st;
  st = mandate_oracle_fresh("surface_age_ms", now_ms, t->oracle.surface_ms, p->surface_max_age_ms,
                            r);
  if (st != MANDATE_OK) return st;
  if ((st = check_moneyness(p, t->spread_mark, r)) != MANDATE_OK) return st;
  if ((st = check_price(p, t->credit, t->mark_credit, r)) != MANDATE_OK) return st;
  if ((st = check_size(p, v, t->legs[0].amount, r)) != MANDATE_OK) return st;
  money_i128 loss;
  if ((st = mandate_spread_loss(t, &loss)) != MANDATE_OK) return st;
  return mandate_loss_check(p, s, v->tvl_usd, now_ms, loss, r);
}

int mandate_check_spread(const struct mandate_params *p, const struct mandate_spread_trade *t,
                         const struct mandate_vault_state *v, const struct mandate_loss_state *loss,
                         int64_t now_ms, struct mandate_refusal *why) {
  if (t == NULL || loss == NULL || why == NULL) return MANDATE_EINVALID;
  if (t->legs == NULL && t->n_legs > 0) return MANDATE_EINVALID;
  int st = mandate_params_check(p);
  if (st == MANDATE_OK) st = mandate_vault_check(v);
  if (st != MANDATE_OK) return st;
  if (loss->retention_ms < p->loss_window_ms || loss->count > MANDATE_LOSS_CAP)
    return MANDATE_EINVALID;
  struct mandate_refusal r;
  st = check_rules(p, t, v, loss, now_ms, &r);
  if (mandate_is_refusal(st)) *why = r;
  return st;
}

int mandate_spread_loss(const struct mandate_spread_trade *t, money_i128 *out) {
  if (t == NULL || out == NULL || t->legs == NULL || t->n_legs == 0) return MANDATE_EINVALID;
  money_i128 mark;
  if (money_to_signed(t->mark_credit, &mark) != MONEY_OK) return MANDATE_EOVERFLOW;
  return mandate_mark_loss(MANDATE_SELL, t->credit, mark, t->legs[0].amount, MANDATE_SPREAD_UNIT,
                           out);
}
