/* cycle_settle: the put spread's settlement payoffs and the vault's USDC after (cycle_settle.h). */
#include "cycle_settle.h"

int cycle_put_payoff(money_u128 strike, money_u128 amount, money_u128 settle_price, int up,
                     money_u128 *out) {
  if (!out) return CYCLE_EINVALID;
  if (strike <= settle_price) {
    *out = 0;
    return CYCLE_OK;
  }
  money_u128 v = 0;
  money_u128 intrinsic = strike - settle_price;
  int st = up ? money_muldiv_up(amount, intrinsic, CYCLE_CONTRACT_UNIT, &v)
              : money_muldiv_down(amount, intrinsic, CYCLE_CONTRACT_UNIT, &v);
  if (st != MONEY_OK) return cycle_from_money(st);
  *out = v;
  return CYCLE_OK;
}

int cycle_settle(const struct cycle_position *pos, money_u128 settle_price,
                 struct cycle_settlement *out) {
  if (!pos || !out || pos->k2 >= pos->k1) return CYCLE_EINVALID;
  struct cycle_settlement r = {0};
  money_i128 pay = 0, receive = 0;
  int st = cycle_put_payoff(pos->k1, pos->short_amount, settle_price, 0, &r.short_payout);
  if (st == CYCLE_OK)
    st = cycle_put_payoff(pos->k2, pos->long_amount, settle_price, 1, &r.long_payout);
  if (st != CYCLE_OK) return st;
  int m = money_to_signed(r.short_payout, &pay);
  if (m == MONEY_OK) m = money_to_signed(r.long_payout, &receive);
  if (m == MONEY_OK) m = money_isub(pay, receive, &r.net_loss);
  if (m == MONEY_OK) m = money_isub(pos->premium, r.net_loss, &r.usdc);
  if (m != MONEY_OK) return cycle_from_money(m);
  *out = r;
  return CYCLE_OK;
}
