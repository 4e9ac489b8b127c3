/* mandate_spread: the whole mandate check of a put spread fill (SPEC 4 rules 1-6).
 *
 * Errors first (MANDATE_EINVALID, nothing written): a NULL argument, params that fail
 * mandate_params_check, legs NULL with n_legs > 0, a vault state with collateral_decimals
 * > 32 or spot 0, a loss state that is not initialised or keeps less than the params'
 * loss window. MANDATE_EOVERFLOW when a figure does not fit 128 bits.
 * Then the rules, in this order (SPEC 4's rule number in brackets); the first that fails is
 * the status and fills *why (what, unit: value, bound):
 *   [1] structure: mandate_structure.h
 *   [2] MANDATE_ETTE_OUT_OF_BOUNDS  tte = expiry - now outside [min_tte_ms, max_tte_ms],
 *       both bounds inclusive, exact in ms        (tte_ms, duration_ms: tte, the bound broken)
 *   [4] MANDATE_EORACLE_STALE  now - oracle.spot_ms > spot_max_age_ms (spot_age_ms), then
 *       now - oracle.surface_ms > surface_max_age_ms (surface_age_ms); a timestamp ahead
 *       of now is fresh                               (duration_ms: the age, the max age)
 *   [3] MANDATE_EMONEYNESS_OUT_OF_BAND  spread_mark / strike_diff outside
 *       [min_moneyness, max_moneyness], exact: the ratio is shown in ppm rounded down when
 *       below the band, rounded up when above         (moneyness, ppm: the ratio, the bound)
 *   [4] MANDATE_EPRICE_BELOW_ORACLE_BOUND  credit < ceil(mark_credit·min_price_ratio)
 *       MANDATE_EPRICE_ABOVE_FAT_FINGER    credit > floor(mark_credit·max_price_ratio)
 *       exact, as the credit is an integer            (credit, usd: credit, the bound)
 *   [5] MANDATE_ESIZE_ABOVE_TVL_BOUND  ceil((open + new)·strike_diff / 10^8)
 *       > floor(collateral·spot·max_loss_pct_tvl / 10^collateral_decimals), one rounding
 *       per side, each against the trade             (max_loss_usd, usd: the left side, the
 *                                                     right side)
 *       MANDATE_EMORE_SPREADS_THAN_COLLATERAL  open + new > floor(collateral·10^8 /
 *       10^collateral_decimals): at most one spread per whole unit of collateral, exact
 *                                                     (spreads, contracts: open + new, cap)
 *   [6] MANDATE_ELOSS_BOUND  mandate_loss_check with the fill's mandate_spread_loss
 * new = the legs' amount (spreads). The loss state is only read: after the fill happens the
 * caller records its loss with mandate_loss_record(state, now, mandate_spread_loss(...)). */
#ifndef OPTDESK_MANDATE_SPREAD_H
#define OPTDESK_MANDATE_SPREAD_H

#include "mandate_loss.h"
#include "mandate_structure.h"

/* One fill of a put spread, as the auction would execute it. */
struct mandate_spread_trade {
  const struct mandate_leg *legs; /* stated from the vault's side: sell K1, buy K2 */
  size_t n_legs;
  money_i128 credit;      /* per spread, USD base units: +price of the leg sold, -price of
                           * the leg bought */
  money_u128 mark_credit; /* the same credit at the oracle marks, per spread */
  money_u128 spread_mark; /* mark(K1 put) - mark(K2 put), per spread, USD base units */
  struct mandate_oracle_times oracle; /* when the marks' spot and surface were published */
};

/* MANDATE_OK (*why untouched), a refusal with *why, or an error (*why untouched). */
MANDATE_WUR int mandate_check_spread(const struct mandate_params *p,
                                     const struct mandate_spread_trade *t,
                                     const struct mandate_vault_state *v,
                                     const struct mandate_loss_state *loss, int64_t now_ms,
                                     struct mandate_refusal *why);

/* The fill's mark loss, USD base units: (mark_credit - credit)·amount / 10^8 rounded toward
 * +infinity (mandate_mark_loss, the vault sells the spread); amount is legs[0]'s. */
MANDATE_WUR int mandate_spread_loss(const struct mandate_spread_trade *t, money_i128 *out);

#endif
