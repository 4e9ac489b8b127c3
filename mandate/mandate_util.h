/* mandate_util: helpers shared by the mandate's rule files (internal: not part of the API).
 * Every helper maps money's errors onto the mandate's: overflow -> MANDATE_EOVERFLOW,
 * anything else (a zero divisor, a domain error) -> MANDATE_EINVALID. */
#ifndef OPTDESK_MANDATE_UTIL_H
#define OPTDESK_MANDATE_UTIL_H

#include "mandate.h"

/* A u128 figure as a refusal shows it (clamped to MONEY_I128_MAX). */
static inline money_i128 mandate_shown(money_u128 v) {
  return v > (money_u128)MONEY_I128_MAX ? MONEY_I128_MAX : (money_i128)v;
}

/* Fills *r and returns code (a refusal status). */
int mandate_refuse(struct mandate_refusal *r, int code, int leg, const char *what,
                   enum mandate_unit unit, money_i128 value, money_i128 bound);

/* A money status as a mandate status. */
int mandate_from_money(int money_status);

/* floor / ceil of x·ppm / 10^6. */
MANDATE_WUR int mandate_ratio_down(money_u128 x, uint64_t ppm, money_u128 *out);
MANDATE_WUR int mandate_ratio_up(money_u128 x, uint64_t ppm, money_u128 *out);

/* 10^decimals for decimals <= 32 (larger: MANDATE_EINVALID). */
MANDATE_WUR int mandate_unit_of(unsigned decimals, money_u128 *out);

/* MANDATE_EINVALID unless the vault state is usable (decimals <= 32, spot > 0). */
MANDATE_WUR int mandate_vault_check(const struct mandate_vault_state *v);

/* Rule 4's staleness: MANDATE_OK when now - at <= max_age_ms (a timestamp ahead of now is
 * fresh, as in api/oracles.c), else MANDATE_EORACLE_STALE with *r (value: the age).
 * MANDATE_EINVALID when now - at does not fit 64 bits. */
MANDATE_WUR int mandate_oracle_fresh(const char *what, int64_t now_ms, int64_t at_ms,
                                     int64_t max_age_ms, struct mandate_refusal *r);

#endif
