/* cycle_settle: stage 3, settling the vault's put spread at the settlement price (SPEC 4).
 *
 * Per contract the vault's short K1 puts pay max(K1 - S, 0) and its long K2 puts receive
 * max(K2 - S, 0). With amounts in contracts of 8 decimals and K, S in USD base units:
 *   short_payout = floor(short_amount·max(K1 - S, 0) / 10^8)   the vault pays: DOWN
 *   long_payout  = ceil(long_amount·max(K2 - S, 0) / 10^8)     the vault receives: UP
 *   net_loss     = short_payout - long_payout                  (signed)
 *   usdc         = premium - net_loss                          the balance after settlement
 * where premium is the net premium the vault received for the spread (credits of the
 * fills, signed USDC base units). Both roundings are in the vault's favour; with amounts
 * of whole 10^-6 contracts (any lot of the auction) both are exact. Checked throughout:
 * a figure that does not fit is CYCLE_EOVERFLOW; K2 >= K1 is CYCLE_EINVALID.
 * Seed 001: 100 spreads 56 000/54 000, net premium 15 000 USDC: S = 60 000 -> +15 000,
 * 55 900 -> +5 000, 55 500 -> -35 000, 52 000 -> -185 000; the loss is capped at
 * (K1 - K2)·amount - premium = 185 000. */
#ifndef OPTDESK_CYCLE_SETTLE_H
#define OPTDESK_CYCLE_SETTLE_H

#include "cycle_status.h"

struct cycle_position {
  money_u128 k1, k2;       /* USD base units, K2 < K1 */
  money_u128 short_amount; /* K1 puts the vault sold, contracts (8 decimals) */
  money_u128 long_amount;  /* K2 puts the vault bought, contracts (8 decimals) */
  money_i128 premium;      /* net premium received, USDC base units */
};

struct cycle_settlement {
  money_u128 short_payout; /* the vault pays on its K1 puts */
  money_u128 long_payout;  /* the vault receives on its K2 puts */
  money_i128 net_loss;     /* short_payout - long_payout */
  money_i128 usdc;         /* premium - net_loss: > 0 buy collateral, < 0 sell (stage 4) */
};

/* One leg's payoff: max(K - S, 0)·amount / 10^8, rounded down (up: true rounds up). */
CYCLE_WUR int cycle_put_payoff(money_u128 strike, money_u128 amount, money_u128 settle_price,
                               int up, money_u128 *out);

/* Settles pos at the settlement price (USD base units). */
CYCLE_WUR int cycle_settle(const struct cycle_position *pos, money_u128 settle_price,
                           struct cycle_settlement *out);

#endif
