/* to_money: double <-> base-unit conversions with the rounding direction in the name. */
#include "to_money.h"

#include <math.h>

static const double pow10_tab[MONEY_MAX_DECIMALS + 1] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11, 1e12,
    1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25,
    1e26, 1e27, 1e28, 1e29, 1e30, 1e31, 1e32, 1e33, 1e34, 1e35, 1e36, 1e37, 1e38};

#define TWO_128 0x1p128

static int convert(double value, unsigned decimals, int up, money_u128 *out) {
  if (decimals > MONEY_MAX_DECIMALS || isnan(value) || value < 0) return PRICING_EDOMAIN;
  double scaled = value * pow10_tab[decimals];
  if (!(scaled < TWO_128)) return PRICING_EOVERFLOW; /* +inf too */
  scaled = up ? ceil(scaled) : floor(scaled);
  if (!(scaled < TWO_128)) return PRICING_EOVERFLOW; /* ceil reached 2^128 */
  *out = (money_u128)scaled;
  return PRICING_OK;
}

int pricing_to_money_down(double value, unsigned decimals, money_u128 *out) {
  return convert(value, decimals, 0, out);
}

int pricing_to_money_up(double value, unsigned decimals, money_u128 *out) {
  return convert(value, decimals, 1, out);
}

double pricing_from_money(money_u128 v, unsigned decimals) {
  if (decimals > MONEY_MAX_DECIMALS) return NAN;
  return (double)v / pow10_tab[decimals];
}

double pricing_from_money_signed(money_i128 v, unsigned decimals) {
  if (decimals > MONEY_MAX_DECIMALS) return NAN;
  return (double)v / pow10_tab[decimals];
}
