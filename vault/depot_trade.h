/* depot_trade: booking a buy the depot has quoted (SPEC 5, 5.1).
 *
 * The service re-quotes at trade time (depot_quote.h, with the buyer's max premium) and
 * books that quote at the same instant on the same book; a quote made at another time or
 * on another state (total assets, locked, last trade, next id differ) is DEPOT_ESTALE.
 * Booking, all amounts in base units of the asset:
 *   perf_fee      = floor(spread * perf_fee_rate / 1e18)      (ledger_spread_fee)
 *   spread_locked = spread - perf_fee
 *   total_assets += premium + spread_locked
 *   locked       += collateral
 *   a new position {id = next_id++, maturity, strike, size, collateral, premium,
 *                   spread_locked, trade_ms = now}, released linearly until the maturity
 *   last_trade    = now
 * Where the buyer's total goes: premium + spread_locked to the depot's assets (the
 * depositors); perf_fee to the depot's fee account (the manager); mint_fee to the protocol
 * fee account, as the pool's minting fee (SPEC 5.1: it is the pool's fee, not the
 * depositors' income; it never enters total_assets). to_depot + perf_fee + mint_fee ==
 * buyer_pays, exactly.
 * Errors (the book and outputs untouched): EINVALID (params, a quote of another type, or
 * one whose figures do not add up or whose collateral is not this depot's), EBOOK, ESTALE,
 * EUNSETTLED, DEPOT_EINSUFFICIENT_FUNDS (re-checked), ECAPACITY (DEPOT_MAX_POSITIONS, or a
 * new maturity past DEPOT_MAX_MATURITIES), EOVERFLOW. */
#ifndef OPTDESK_DEPOT_TRADE_H
#define OPTDESK_DEPOT_TRADE_H

#include "depot_quote.h"

struct depot_trade_result {
  uint64_t position_id;
  money_u128 buyer_pays; /* = quote.total */
  money_u128 premium;
  money_u128 spread;
  money_u128 perf_fee;      /* to the depot's fee account */
  money_u128 spread_locked; /* to the depot, locked and released linearly */
  money_u128 mint_fee;      /* to the protocol fee account */
  money_u128 to_depot;      /* premium + spread_locked: added to total_assets */
  money_u128 collateral;    /* added to locked */
};

/* *out may be book (in-place). */
DEPOT_WUR int depot_book_trade(const struct depot_params *params, const struct depot_book *book,
                               const struct depot_quote *quote, int64_t now_ms,
                               struct depot_book *out, struct depot_trade_result *result);

#endif
