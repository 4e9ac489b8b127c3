/* mandate_loss: rule 6 of the mandate, the one-hour mark-loss bound (the Delta-1 guardrail).
 *
 * A fill's mark loss is ±(price − mark)·amount in USD base units (mandate_mark_loss): the
 * vault loses what it pays above the mark when it buys and what it receives below the mark
 * when it sells. For a spread the vault sells at its credit against the mark credit.
 *
 * The integer formula (a sliding window, in place of the on-chain exponential weighting):
 *   window_loss(now) = sum of loss_i over recorded fills i with now - at_i < window_ms
 * (every weight is 1 inside the window and 0 outside: a loss exactly window_ms old no
 * longer counts). Only losses are recorded: a fill at or better than the mark adds
 * nothing, so gains never buy room for later losses. With weights 1 >= any exponential
 * weight and no netting of gains, this sum is never below an exponentially weighted sum of
 * the same hour's losses: the bound is at least as strict as the seed's.
 *   A fill with loss L > 0 passes when window_loss(now) + L <= floor(TVL·loss_bound_ppm/10^6)
 * (default 20 bp); a fill with L <= 0 always passes this rule.
 *
 * The state is caller-owned, fixed size, no allocation. mandate_loss_record keeps the
 * entries oldest first, drops those older than the state's retention, and when all
 * MANDATE_LOSS_CAP slots are taken merges the two oldest into one (their summed loss at the
 * later time): a loss can only count longer than its hour, never shorter. A record at a
 * time before the newest entry (a clock set back) is stored at the newest entry's time. */
#ifndef OPTDESK_MANDATE_LOSS_H
#define OPTDESK_MANDATE_LOSS_H

#include "mandate_params.h"

#define MANDATE_LOSS_CAP 128

struct mandate_loss_entry {
  int64_t at_ms;
  money_u128 loss; /* USD base units, > 0 */
};

struct mandate_loss_state {
  int64_t retention_ms; /* entries this old are dropped; >= the params' loss_window_ms */
  uint32_t count;
  struct mandate_loss_entry entries[MANDATE_LOSS_CAP]; /* oldest first */
};

/* An empty state keeping entries for retention_ms (> 0; pass params.loss_window_ms).
 * MANDATE_EINVALID (s untouched) otherwise. */
MANDATE_WUR int mandate_loss_init(struct mandate_loss_state *s, int64_t retention_ms);

/* Records a fill's mark loss at now_ms, after the fill happened. loss <= 0: nothing is
 * recorded. MANDATE_OK, or MANDATE_EINVALID (bad state) / MANDATE_EOVERFLOW (a merged
 * loss above 2^128 - 1), with s untouched. */
MANDATE_WUR int mandate_loss_record(struct mandate_loss_state *s, int64_t now_ms, money_i128 loss);

/* The window_loss(now) above over the last window_ms (> 0, <= the state's retention). */
MANDATE_WUR int mandate_loss_window_sum(const struct mandate_loss_state *s, int64_t now_ms,
                                        int64_t window_ms, money_u128 *out);

/* The mark loss of one fill, USD base units, rounded toward +infinity (never understated):
 *   buy:  (price - mark)·amount / unit      sell: (mark - price)·amount / unit
 * unit: 10^decimals of the amount (1 spread = MANDATE_SPREAD_UNIT; collateral 10^8). */
MANDATE_WUR int mandate_mark_loss(enum mandate_side side, money_i128 price, money_i128 mark,
                                  money_u128 amount, money_u128 unit, money_i128 *out);

/* Rule 6 for a fill of mark loss `loss` at now_ms: MANDATE_OK, MANDATE_ELOSS_BOUND with
 * *why (what "window_loss", usd: value window_loss + loss, bound the cap), or an error
 * (MANDATE_EINVALID: p or s unusable, s's retention below p's window; MANDATE_EOVERFLOW). */
MANDATE_WUR int mandate_loss_check(const struct mandate_params *p,
                                   const struct mandate_loss_state *s, money_u128 tvl_usd,
                                   int64_t now_ms, money_i128 loss, struct mandate_refusal *why);

#endif
