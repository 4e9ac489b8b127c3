/* instrument: option names "BTC-20261127-56000-P" and spot pair names "LBTC-USDC" (SPEC 2).
 *
 * Option: UNDERLYING-YYYYMMDD-STRIKE-C|P
 *   UNDERLYING  1..10 characters of [A-Z0-9] (uppercase only)
 *   YYYYMMDD    8 digits, a real calendar date, year 1970..9999; expiry = that date at
 *               08:00 UTC in ms
 *   STRIKE      a positive decimal in canonical form (what money_format writes: no leading
 *               zeros, no trailing fractional zeros, at most 6 decimals: "56000", "0.5");
 *               stored in USDC base units (6 decimals)
 *   C|P         exactly one uppercase letter
 * Spot pair: BASE-QUOTE, each 1..10 of [A-Z0-9], different from each other.
 * Parsing is strict: anything else is PRICING_ESYNTAX and the output is untouched.
 * Formatting writes the canonical name (parse(format(x)) == x and format(parse(s)) == s),
 * NUL-terminated; it returns the length or PRICING_ECAPACITY / PRICING_EDOMAIN (a field
 * that could not have come from a parse). */
#ifndef OPTDESK_PRICING_INSTRUMENT_H
#define OPTDESK_PRICING_INSTRUMENT_H

#include "common.h"
#include "money.h"

#include <stddef.h>
#include <stdint.h>

#define PRICING_SYMBOL_MAX 10
/* Longest name + NUL: 10 + '-' + 8 + '-' + strike (<= MONEY_FMT_MAX - 1) + "-P". */
#define PRICING_INSTRUMENT_NAME_MAX (PRICING_SYMBOL_MAX + 1 + 8 + 1 + MONEY_FMT_MAX + 2)
#define PRICING_PAIR_NAME_MAX (2 * PRICING_SYMBOL_MAX + 2)

struct pricing_instrument {
  char underlying[PRICING_SYMBOL_MAX + 1];
  int64_t expiry_ms; /* the expiry date at 08:00 UTC */
  money_u128 strike; /* USDC base units, > 0 */
  enum pricing_option_type type;
};

struct pricing_spot_pair {
  char base[PRICING_SYMBOL_MAX + 1];
  char quote[PRICING_SYMBOL_MAX + 1];
};

/* 1 if s[0..len) is a valid symbol (1..10 of [A-Z0-9]). */
int pricing_symbol_valid(const char *s, size_t len);

PRICING_WUR int pricing_instrument_parse(const char *s, size_t len, struct pricing_instrument *out);
PRICING_WUR int pricing_instrument_format(const struct pricing_instrument *in, char *buf,
                                          size_t cap);
PRICING_WUR int pricing_spot_pair_parse(const char *s, size_t len, struct pricing_spot_pair *out);
PRICING_WUR int pricing_spot_pair_format(const struct pricing_spot_pair *in, char *buf, size_t cap);

/* "YYYYMMDD" (exactly 8 characters) -> that date at 08:00 UTC, and back (buf >= 9 bytes:
 * returns 8, or PRICING_EDOMAIN if ms is not 08:00 of a day in years 1970..9999). */
PRICING_WUR int pricing_expiry_parse(const char *s, size_t len, int64_t *expiry_ms);
PRICING_WUR int pricing_expiry_format(int64_t expiry_ms, char *buf, size_t cap);

#endif
