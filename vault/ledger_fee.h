/* ledger_fee: management fee by share dilution, performance fees (SPEC 5, 5.1, 4).
 *
 * Management fee: with gamma = rate * dt / year (year = LEDGER_YEAR_MS), the fee account
 * is minted S * gamma / (1 - gamma) shares, which leaves it exactly gamma of the new supply.
 * In integers, with rate in LEDGER_WAD units:
 *     fee_shares = floor(S * rate*dt / (LEDGER_WAD*LEDGER_YEAR_MS - rate*dt))
 * rounded down (in the holders' favour). dt = 0, rate = 0 or S = 0 mint nothing. The
 * accrual time moves to now even when the rounding mints nothing.
 *
 * Performance fee over a per-share high-water mark (covered put spread vault, cycle end):
 * the price per share p is ledger_price_per_share; above the mark the fee is
 *     fee_assets = floor(rate * floor((p - hwm) * S / 10^share_decimals) / LEDGER_WAD)
 * paid by minting fee_shares = floor(fee_assets * (S + V) / (A + 1 - fee_assets)), the
 * shares that redeem for fee_assets after they are minted (rounded down). The new mark is
 * the price after the fee (never below the old mark).
 *
 * Depot performance fee: fee = floor(spread * rate), taken out of the spread at trade time.
 * Functions that change supply accrue the management fee first. */
#ifndef OPTDESK_LEDGER_FEE_H
#define OPTDESK_LEDGER_FEE_H

#include "ledger.h"

/* Accrue the management fee to now_ms: *out is v with the fee shares added to the supply
 * and fee_accrued_ms = now_ms; *fee_shares is what the fee account is credited.
 * ECLOCK when now_ms < v->fee_accrued_ms, EFEE_PERIOD when rate*dt reaches a whole year
 * at 100 % (the fee would take everything), EOVERFLOW when the supply would not fit. */
LEDGER_WUR int ledger_accrue(const struct ledger_vault *v, int64_t now_ms,
                             struct ledger_vault *out, money_u128 *fee_shares);

/* The fee shares ledger_accrue would mint at now_ms, without a new state (for reports:
 * the depot's price per share divides by supply + pending fee shares). */
LEDGER_WUR int ledger_fee_pending(const struct ledger_vault *v, int64_t now_ms,
                                  money_u128 *fee_shares);

struct ledger_perf_result {
  struct ledger_vault vault; /* the state after both fees */
  money_u128 mgmt_fee_shares; /* management fee accrued first */
  money_u128 perf_fee_shares; /* performance fee shares minted to the fee account */
  money_u128 perf_fee_assets; /* what the performance fee was meant to be worth, base units */
  money_u128 hwm;             /* the new high-water mark, in ledger_price_per_share units */
};

/* Take the performance fee at rate (LEDGER_WAD = 100 %) on the gain of the price per share
 * above hwm, after accruing the management fee to now_ms. At or below the mark: no fee, the
 * mark stays. EINVALID for rate > 100 %. */
LEDGER_WUR int ledger_perf_fee_hwm(const struct ledger_vault *v, int64_t now_ms,
                                   money_u128 hwm, money_u128 rate,
                                   struct ledger_perf_result *out);

/* The depot's performance fee on a spread: *fee = floor(spread * rate / LEDGER_WAD),
 * *rest = spread - *fee. EINVALID for rate > 100 %. */
LEDGER_WUR int ledger_spread_fee(money_u128 spread, money_u128 rate, money_u128 *fee,
                                 money_u128 *rest);

#endif
