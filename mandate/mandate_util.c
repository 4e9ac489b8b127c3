/* mandate_util: the shared helpers of the mandate's rule files (refusals, ratios, units). */
#include "mandate_util.h"

#include <stddef.h>

int mandate_refuse(struct mandate_refusal *r, int code, int leg, const char *what,
                   enum mandate_unit unit, money_i128 value, money_i128 bound) {
  r->code = code;
  r->leg = leg;
  r->what = what;
  r->unit = unit;
  r->value = value;
  r->bound = bound;
  return code;
}

int mandate_from_money(int money_status) {
  if (money_status == MONEY_OK) return MANDATE_OK;
  return money_status == MONEY_EOVERFLOW ? MANDATE_EOVERFLOW : MANDATE_EINVALID;
}

int mandate_ratio_down(money_u128 x, uint64_t ppm, money_u128 *out) {
  return mandate_from_money(money_muldiv_down(x, ppm, MANDATE_PPM, out));
}

int mandate_ratio_up(money_u128 x, uint64_t ppm, money_u128 *out) {
  return mandate_from_money(money_muldiv_up(x, ppm, MANDATE_PPM, out));
}

int mandate_unit_of(unsigned decimals, money_u128 *out) {
  if (decimals > 32) return MANDATE_EINVALID;
  return mandate_from_money(money_pow10(decimals, out));
}

int mandate_vault_check(const struct mandate_vault_state *v) {
  if (v == NULL || v->collateral_decimals > 32 || v->spot == 0) return MANDATE_EINVALID;
  return MANDATE_OK;
}

int mandate_oracle_fresh(const char *what, int64_t now_ms, int64_t at_ms, int64_t max_age_ms,
                         struct mandate_refusal *r) {
  int64_t age;
  if (__builtin_sub_overflow(now_ms, at_ms, &age)) return MANDATE_EINVALID;
  if (age > max_age_ms)
    return mandate_refuse(r, MANDATE_EORACLE_STALE, -1, what, MANDATE_UNIT_DURATION_MS, age,
                          max_age_ms);
  return MANDATE_OK;
}
