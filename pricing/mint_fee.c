/* mint_fee: 0.3 % minting fee in base units, rounded up (vault's favour). */
#include "mint_fee.h"

static int from_money(int rc) {
  if (rc == MONEY_OK) return PRICING_OK;
  return rc == MONEY_ERANGE ? PRICING_EDOMAIN : PRICING_EOVERFLOW;
}

/* ceil(size * NUM * mult / (DEN * 10^8)) */
static int fee(money_u128 size, money_u128 mult, money_u128 *out) {
  money_u128 num, den, r;
  int rc = money_mul(mult, PRICING_MINT_FEE_NUM, &num);
  if (rc != MONEY_OK) return from_money(rc);
  rc = money_pow10(PRICING_CONTRACT_DECIMALS, &den);
  if (rc != MONEY_OK) return from_money(rc);
  den *= PRICING_MINT_FEE_DEN; /* 10^11: cannot overflow */
  rc = money_muldiv_up(size, num, den, &r);
  if (rc != MONEY_OK) return from_money(rc);
  *out = r;
  return PRICING_OK;
}

int pricing_mint_fee_call(money_u128 size, unsigned asset_decimals, money_u128 *out) {
  money_u128 unit;
  int rc = money_pow10(asset_decimals, &unit);
  if (rc != MONEY_OK) return from_money(rc);
  return fee(size, unit, out);
}

int pricing_mint_fee_put(money_u128 size, money_u128 strike_usdc, money_u128 *out) {
  return fee(size, strike_usdc, out);
}
