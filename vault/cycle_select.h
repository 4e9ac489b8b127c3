/* cycle_select: stage 2's choice of the put spread to sell, and the desired amount (SPEC 4).
 *
 * Expiry: the first valid maturity m (pricing_maturities: Fridays 08:00 UTC at this range)
 * with expiry_min_ms <= m - now <= expiry_max_ms, both ends inclusive (default 144 h and
 * 168 h, so at most one Friday fits). None: CYCLE_ENO_EXPIRY.
 *
 * Candidates: every K1 that is a multiple of strike_diff with K1 < spot (out of the money)
 * and K2 = K1 - strike_diff >= spot / 2 (compared exactly: 2·K2 >= spot; the lower bound
 * of the strike listing, strike_grid.h). The two-significant-figure grid is the depot's
 * rule (SPEC 5.1) and is not applied here: above 100 000 USD it would refuse K1 = 108 000
 * for BTC. More than CYCLE_SELECT_MAX_CANDIDATES candidates (a strike_diff far too fine
 * for the spot) is CYCLE_EINVALID; none (spot too low for one width) is CYCLE_ENO_SPREAD.
 *
 * Mark: for each strike the caller's surface callback gives sigma and rate at (strike,
 * expiry) (an oracle-backed function; called once per distinct strike, ascending); a put
 * is priced with pricing_bs_price on the spot (as the desk marks its spread, api/desk.c),
 * tau = pricing_tau_years(now, expiry), each leg with its own sigma and rate. The spread's
 * credit P(K1) - P(K2) (USD per spread, double) becomes money once:
 *   mark = pricing_to_money_down(credit, 6)        rounded DOWN, as the desk's mark credit
 * so the selected mark is the mark the auction floor starts from. A negative model credit
 * (an arbitrage surface) makes that K1 no candidate. Every comparison after that is exact
 * integer arithmetic:
 *   in band     min_ppm·width <= mark·10^6 <= max_ppm·width
 *   distance    |mark·10^6 - target_ppm·width|     (width is the same for every candidate,
 *               so this orders mark / width by closeness to the target)
 *   choice      the in-band candidate of least distance; ties go to the LOWER K1 (further
 *               out of the money: less likely to pay, the conservative side)
 *   ratio_ppm   floor(mark·10^6 / width)           (reporting)
 * No candidate in band: CYCLE_ENO_SPREAD, retry after CYCLE_SELECT_RETRY_MS.
 * Callback failure: CYCLE_EORACLE; the model refusing its inputs (sigma <= 0, NaN, ...):
 * CYCLE_EPRICING. Doubles live only inside cycle_select_spread. */
#ifndef OPTDESK_CYCLE_SELECT_H
#define OPTDESK_CYCLE_SELECT_H

#include "cycle_status.h"

#include <stddef.h>
#include <stdint.h>

#define CYCLE_SELECT_RETRY_MS INT64_C(60000)
#define CYCLE_SELECT_MAX_CANDIDATES 1000

struct cycle_select_params {
  money_u128 strike_diff;               /* the width, USD base units (BTC 2000, ETH 100) */
  int64_t expiry_min_ms, expiry_max_ms; /* time to expiry window, inclusive: 144 h, 168 h */
  uint32_t target_ppm;                  /* mark / width aimed at: 70000 (0.07) */
  uint32_t min_ppm, max_ppm;            /* accepted band, inclusive: 20000, 120000 */
};

/* The SPEC 4 defaults with the given width (USD base units; BTC 2000000000). */
struct cycle_select_params cycle_select_params_default(money_u128 strike_diff);
/* CYCLE_OK when usable: strike_diff > 0; 0 <= expiry_min_ms <= expiry_max_ms;
 * min_ppm <= target_ppm <= max_ppm. Else CYCLE_EINVALID. */
CYCLE_WUR int cycle_select_params_check(const struct cycle_select_params *p);

/* The caller's volatility surface: sigma and rate (per year, continuous) at (strike in USD
 * base units, expiry). Returns 0 and writes both, or nonzero (stale, missing) to refuse. */
typedef int (*cycle_surface_fn)(void *ctx, money_u128 strike, int64_t expiry_ms, double *sigma,
                                double *rate);

/* A priced candidate: its short strike and its mark (USD base units per spread). */
struct cycle_candidate {
  money_u128 k1;
  money_u128 mark;
};

/* The chosen spread: sell K1 puts, buy K2 = K1 - width puts, both expiring at expiry_ms. */
struct cycle_spread {
  int64_t expiry_ms;
  money_u128 k1, k2, width; /* USD base units */
  money_u128 mark;          /* USD base units per spread, rounded down */
  money_u128 ratio_ppm;     /* floor(mark·10^6 / width) */
};

/* The expiry in the window at now (see above): CYCLE_OK, CYCLE_ENO_EXPIRY, or
 * CYCLE_EINVALID (params, or a now the calendar refuses). */
CYCLE_WUR int cycle_select_expiry(const struct cycle_select_params *p, int64_t now_ms,
                                  int64_t *expiry_ms);

/* The rule applied to n priced candidates in any order: *best = index of the in-band
 * candidate closest to the target (ties: lower k1). CYCLE_ENO_SPREAD when none is in band;
 * CYCLE_EOVERFLOW when mark·10^6 or ppm·width does not fit. */
CYCLE_WUR int cycle_select_pick(const struct cycle_select_params *p,
                                const struct cycle_candidate *c, size_t n, size_t *best);

/* Stage 2's selection at now for the spot (USD base units), pricing with surface(ctx, ...). */
CYCLE_WUR int cycle_select_spread(const struct cycle_select_params *p, int64_t now_ms,
                                  money_u128 spot, cycle_surface_fn surface, void *ctx,
                                  struct cycle_spread *out);

/* Desired amount of spreads (8 decimals) = collateral in contracts - open spreads, never
 * negative. Collateral converts 1:1 by decimals: contracts = collateral·10^8 /
 * 10^collateral_decimals, rounded DOWN (never more spreads than collateral covers).
 * CYCLE_EINVALID for decimals > 38, CYCLE_EOVERFLOW when the conversion does not fit. */
CYCLE_WUR int cycle_desired_spreads(money_u128 collateral, unsigned collateral_decimals,
                                    money_u128 open_spreads, money_u128 *out);

#endif
