/* strike_grid: two-significant-figure strike grid and its listing around spot. */
#include "strike_grid.h"

/* 10^(digits(K) - 2), at least 1. */
static money_u128 interval_of(money_u128 K) {
  money_u128 iv = 1;
  while (K >= 100) {
    K /= 10;
    iv *= 10;
  }
  return iv;
}

int pricing_strike_interval(money_u128 K, money_u128 *interval) {
  if (K == 0) return PRICING_EDOMAIN;
  *interval = interval_of(K);
  return PRICING_OK;
}

int pricing_strike_on_grid(money_u128 K) { return K != 0 && K % interval_of(K) == 0; }

int pricing_strike_grid(money_u128 spot, money_u128 *out, size_t cap, size_t *n) {
  if (spot == 0) return PRICING_EDOMAIN;
  if (spot > MONEY_U128_MAX / 2) return PRICING_EOVERFLOW;
  money_u128 hi = 2 * spot;
  money_u128 lo = spot / 2 + spot % 2; /* ceil(spot/2) */
  money_u128 iv = interval_of(lo);
  money_u128 K = (lo + iv - 1) / iv * iv; /* round up onto the grid at lo */
  money_u128 tmp[PRICING_STRIKE_GRID_MAX];
  size_t count = 0;
  while (K <= hi) {
    if (count == PRICING_STRIKE_GRID_MAX) return PRICING_ECAPACITY; /* unreachable */
    tmp[count++] = K;
    money_u128 step = interval_of(K);
    if (K > MONEY_U128_MAX - step) break;
    K += step;
  }
  if (count > cap) return PRICING_ECAPACITY;
  for (size_t i = 0; i < count; i++) out[i] = tmp[i];
  *n = count;
  return PRICING_OK;
}
