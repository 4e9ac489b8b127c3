/* depot_settle: settling one maturity of the depot at its settlement price (SPEC 5, 5.1).
 *
 * For each open position of the maturity (strike K, size n contracts with 8 decimals,
 * settlement price S, K and S in USDC base units), in base units of the depot's asset:
 *   call depot: payoff = floor(n * 10^dec * max(S - K, 0) / (10^8 * S))   (underlying)
 *   put depot:  payoff = floor(n * max(K - S, 0) / 10^8)                   (USDC)
 * rounded down: the depot pays. A payoff never exceeds the position's collateral
 * (collateral rounds up, depot.h). Then:
 *   total_assets -= sum of payoffs        (paid to the holders by the caller)
 *   locked       -= sum of the positions' own collateral
 *   the positions leave the book, and with them their spread: whatever of it was still
 *   locked is released (at or after the maturity the schedule has released it all).
 * S = 0 is accepted (a call pays nothing, a put pays its whole collateral).
 * The caller runs this for every maturity <= now (depot_expired_maturities) before any
 * quote, trade, deposit or withdrawal, and when a settlement price arrives. Settling does
 * not look at the clock; settling a maturity early is the caller's decision.
 * Errors (nothing written): EINVALID (params), EBOOK, ENOTFOUND (no open position at
 * maturity_ms), ECAPACITY (fewer than the positions' count of payout slots;
 * DEPOT_MAX_POSITIONS always suffices), EOVERFLOW. */
#ifndef OPTDESK_DEPOT_SETTLE_H
#define OPTDESK_DEPOT_SETTLE_H

#include "depot.h"

struct depot_payout {
  uint64_t position_id;
  money_u128 strike, size;
  money_u128 payoff;     /* to the position's holder, base units of the asset */
  money_u128 collateral; /* unlocked */
};

struct depot_settlement {
  int64_t maturity_ms;
  money_u128 settlement_price;
  size_t n_positions;
  money_u128 total_payoff;        /* left total_assets */
  money_u128 collateral_unlocked; /* left locked */
  money_u128 spread_removed;      /* the positions' spread_locked (released in full) */
};

/* payouts[0..cap) receives one entry per settled position, in book order (by id); *out may
 * be book (in-place). */
DEPOT_WUR int depot_settle(const struct depot_params *params, const struct depot_book *book,
                           int64_t maturity_ms, money_u128 settlement_price, struct depot_book *out,
                           struct depot_payout *payouts, size_t cap,
                           struct depot_settlement *summary);

/* One position's payoff as above (exposed for the caller's reports and for tests). */
DEPOT_WUR int depot_payoff(const struct depot_params *params, money_u128 strike, money_u128 size,
                           money_u128 settlement_price, money_u128 *payoff);

#endif
