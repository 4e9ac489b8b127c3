/* mandate_spot: the stage-4 spot fill's check: side, price band, notional, loss (SPEC 4). */
#include "mandate_spot.h"

#include "mandate_util.h"

/* Buy only to spend a positive balance, sell only to repay a debt. */
static int check_side(const struct mandate_spot_trade *t, money_i128 usdc,
                      struct mandate_refusal *r) {
  if (t->side == MANDATE_BUY && usdc <= 0)
    return mandate_refuse(r, MANDATE_ESPOT_SIDE, -1, "usdc", MANDATE_UNIT_USD, usdc, 1);
  if (t->side == MANDATE_SELL && usdc >= 0)
    return mandate_refuse(r, MANDATE_ESPOT_SIDE, -1, "usdc", MANDATE_UNIT_USD, usdc, -1);
  return MANDATE_OK;
}

/* Buy at most spot·buy_max, sell at least spot·sell_min. */
static int check_price(const struct mandate_params *p, const struct mandate_spot_trade *t,
                       money_u128 spot, struct mandate_refusal *r) {
  money_u128 bound;
  int st;
  if (t->side == MANDATE_BUY) {
    if ((st = mandate_ratio_down(spot, p->spot_buy_max_ratio_ppm, &bound)) != MANDATE_OK) return st;
    if (t->price > bound)
      return mandate_refuse(r, MANDATE_ESPOT_PRICE_BOUND, -1, "price", MANDATE_UNIT_USD,
                            mandate_shown(t->price), mandate_shown(bound));
  } else {
    if ((st = mandate_ratio_up(spot, p->spot_sell_min_ratio_ppm, &bound)) != MANDATE_OK) return st;
    if (t->price < bound)
      return mandate_refuse(r, MANDATE_ESPOT_PRICE_BOUND, -1, "price", MANDATE_UNIT_USD,
                            mandate_shown(t->price), mandate_shown(bound));
  }
  return MANDATE_OK;
}

/* The fill's USD notional against the balance it clears. */
static int check_notional(const struct mandate_params *p, const struct mandate_spot_trade *t,
                          const struct mandate_vault_state *v, struct mandate_refusal *r) {
  money_u128 unit, notional, bound;
  money_u128 usdc_abs = v->usdc < 0 ? (money_u128)0 - (money_u128)v->usdc : (money_u128)v->usdc;
  int st = mandate_unit_of(v->collateral_decimals, &unit);
  if (st != MANDATE_OK) return st;
  if ((st = mandate_from_money(money_muldiv_up(t->price, t->amount, unit, &notional))) !=
      MANDATE_OK)
    return st;
  if ((st = mandate_ratio_down(usdc_abs, p->spot_notional_max_ratio_ppm, &bound)) != MANDATE_OK)
    return st;
  if (notional > bound)
    return mandate_refuse(r, MANDATE_ESPOT_NOTIONAL, -1, "notional", MANDATE_UNIT_USD,
                          mandate_shown(notional), mandate_shown(bound));
  return MANDATE_OK;
}

/* The rules in order on checked arguments; fills *r on a refusal. */
static int check_rules(const struct mandate_params *p, const struct mandate_spot_trade *t,
                       const struct mandate_vault_state *v, const struct mandate_loss_state *s,
                       int64_t now_ms, struct mandate_refusal *r) {
  if (t->amount == 0)
    return mandate_refuse(r, MANDATE_EZERO_AMOUNT, -1, "amount", MANDATE_UNIT_COLLATERAL, 0, 1);
  int st = mandate_oracle_fresh("spot_age_ms", now_ms, t->spot_ms, p->spot_max_age_ms, r);
  if (st != MANDATE_OK) return st;
  if ((st = check_side(t, v->usdc, r)) != MANDATE_OK) return st;
  if ((st = check_price(p, t, v->spot, r)) != MANDATE_OK) return st;
  if ((st = check_notional(p, t, v, r)) != MANDATE_OK) return st;
  money_i128 loss;
  if ((st = mandate_spot_loss(t, v, &loss)) != MANDATE_OK) return st;
  return mandate_loss_check(p, s, v->tvl_usd, now_ms, loss, r);
}

int mandate_check_spot(const struct mandate_params *p, const struct mandate_spot_trade *t,
                       const struct mandate_vault_state *v, const struct mandate_loss_state *loss,
                       int64_t now_ms, struct mandate_refusal *why) {
  if (t == NULL || loss == NULL || why == NULL) return MANDATE_EINVALID;
  if (t->side != MANDATE_BUY && t->side != MANDATE_SELL) return MANDATE_EINVALID;
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

int mandate_spot_loss(const struct mandate_spot_trade *t, const struct mandate_vault_state *v,
                      money_i128 *out) {
  if (t == NULL || out == NULL || mandate_vault_check(v) != MANDATE_OK) return MANDATE_EINVALID;
  money_u128 unit;
  money_i128 price, spot;
  int st = mandate_unit_of(v->collateral_decimals, &unit);
  if (st != MANDATE_OK) return st;
  if (money_to_signed(t->price, &price) != MONEY_OK || money_to_signed(v->spot, &spot) != MONEY_OK)
    return MANDATE_EOVERFLOW;
  return mandate_mark_loss(t->side, price, spot, t->amount, unit, out);
}
