/* strike_grid: the depot's valid strikes, two significant figures (SPEC 5.1).
 *
 * Strikes are money_u128 in USDC base units (6 decimals: 1100 USD = 1100000000). The grid
 * interval is 10^(floor(log10 K) - 1) USD, i.e. 10^(digits(K) - 2) base units where
 * digits(K) is the number of decimal digits of K in base units; below 10 base units the
 * interval is 1 unit (every such integer has at most two significant figures). So K is on
 * the grid iff K > 0 and K is a multiple of its own interval: 1000, 1100, ..., 9900, 10000,
 * 11000 USD, and 0.5, 0.51, ..., 0.99, 1, 1.1 USD.
 * The listing for a spot is every grid strike K with spot/2 <= K <= 2*spot (both bounds
 * inclusive, compared exactly: 2K >= spot and K <= 2 spot), ascending. There are never more
 * than PRICING_STRIKE_GRID_MAX of them. */
#ifndef OPTDESK_PRICING_STRIKE_GRID_H
#define OPTDESK_PRICING_STRIKE_GRID_H

#include "common.h"
#include "money.h"

#include <stddef.h>

#define PRICING_STRIKE_GRID_MAX 80

/* Interval of the grid at K (K > 0, else PRICING_EDOMAIN). */
PRICING_WUR int pricing_strike_interval(money_u128 K, money_u128 *interval);
/* 1 if K is on the grid, 0 if not (K == 0 is not). */
int pricing_strike_on_grid(money_u128 K);
/* The grid strikes in [spot/2, 2*spot] into out[0..cap), count in *n. PRICING_EDOMAIN for
 * spot == 0, PRICING_EOVERFLOW if 2*spot does not fit, PRICING_ECAPACITY if cap is too small
 * (out and *n are then untouched). */
PRICING_WUR int pricing_strike_grid(money_u128 spot, money_u128 *out, size_t cap, size_t *n);

#endif
