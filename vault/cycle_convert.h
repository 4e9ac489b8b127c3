/* cycle_convert: stage 4, the collateral limit-order auction's sizing and pacing (SPEC 4).
 *
 * After settlement the vault converts its USDC balance back to collateral on LBTC-USDC:
 *   usdc > 0: BUY collateral, usdc < 0: SELL collateral (to repay the debt).
 * Prices are USDC base units per whole collateral unit (mark = the oracle's spot).
 *   buy limit  = floor(mark·(10^6 + slippage_ppm) / 10^6)   mark·1.015, rounded DOWN
 *   sell limit = ceil(mark·(10^6 - slippage_ppm) / 10^6)    mark·0.985, rounded UP
 * The limit is the worst price the vault accepts (it pays at most the buy limit, receives
 * at least the sell limit), so each rounds against the counterparty, in the vault's favour.
 *   amount = floor(|usdc|·10^collateral_decimals / price), then rounded DOWN to a multiple
 *            of step (collateral base units; e.g. 0.0001 LBTC = 10000)
 * (at the limit price: a buy never spends more than the balance). An order whose amount
 * rounds to 0 is CYCLE_EBELOW_STEP: |usdc| is below one step's worth; see cycle_convert_state
 * for when the stage ends anyway.
 *   notional = amount·limit / 10^collateral_decimals: buy rounded UP (the most the vault
 *              pays), sell rounded DOWN (the least it receives)
 * Re-pricing: a new RFQ when the desired (limit) price moved by MORE than reprice_usdc
 * (default 2 USDC) since the last RFQ's.
 * End: done as soon as |usdc| < dust_usdc (default 1 USDC) or usdc == 0; at or after start +
 * duration_ms (default 2700 s) done unless a USDC debt remains, which goes on selling. */
#ifndef OPTDESK_CYCLE_CONVERT_H
#define OPTDESK_CYCLE_CONVERT_H

#include "cycle_status.h"

#include <stdbool.h>
#include <stdint.h>

enum cycle_side {
  CYCLE_SIDE_NONE = 0,
  CYCLE_SIDE_BUY = 1,  /* the vault buys collateral with USDC */
  CYCLE_SIDE_SELL = 2, /* the vault sells collateral for USDC */
};

enum cycle_convert_state {
  CYCLE_CONVERT_RUNNING = 0,   /* keep converting */
  CYCLE_CONVERT_DONE_DUST = 1, /* |usdc| < dust */
  CYCLE_CONVERT_DONE_TIME = 2, /* the duration passed with no debt left (usdc >= dust) */
};

struct cycle_convert_params {
  unsigned collateral_decimals; /* LBTC 8 */
  money_u128 step;              /* amount granularity, collateral base units (> 0) */
  uint32_t slippage_ppm;        /* 15000 (1.5 %), < 10^6 */
  money_u128 reprice_usdc;      /* 2 USDC = 2000000 */
  money_u128 dust_usdc;         /* 1 USDC = 1000000 */
  int64_t duration_ms;          /* 2700 s */
};

struct cycle_order {
  enum cycle_side side;
  money_u128 limit;    /* USDC base units per whole collateral unit */
  money_u128 amount;   /* collateral base units, a multiple of step, > 0 */
  money_u128 notional; /* USDC base units at the limit (rounding above) */
};

/* The SPEC 4 defaults for a collateral with these decimals and amount step. */
struct cycle_convert_params cycle_convert_params_default(unsigned collateral_decimals,
                                                         money_u128 step);
/* CYCLE_OK when usable: decimals <= 38, step > 0, slippage_ppm < 10^6, duration_ms >= 0. */
CYCLE_WUR int cycle_convert_params_check(const struct cycle_convert_params *p);

/* The side for a balance: BUY for > 0, SELL for < 0, NONE for 0. */
enum cycle_side cycle_convert_side(money_i128 usdc);

/* The limit price for a side at mark (> 0). CYCLE_EINVALID for NONE or a zero mark. */
CYCLE_WUR int cycle_convert_limit(const struct cycle_convert_params *p, enum cycle_side side,
                                  money_u128 mark, money_u128 *limit);

/* floor(usdc_abs·10^decimals / price) rounded down to the step (may be 0). price > 0. */
CYCLE_WUR int cycle_convert_amount(const struct cycle_convert_params *p, money_u128 usdc_abs,
                                   money_u128 price, money_u128 *amount);

/* The order for the balance at mark: side, limit, amount at the limit, notional.
 * CYCLE_EDUST when |usdc| < dust (nothing to convert), CYCLE_EBELOW_STEP when the amount
 * rounds to 0. */
CYCLE_WUR int cycle_convert_order(const struct cycle_convert_params *p, money_i128 usdc,
                                  money_u128 mark, struct cycle_order *out);

/* True when the desired price moved by more than reprice_usdc from the last RFQ's price. */
bool cycle_convert_should_reprice(const struct cycle_convert_params *p, money_u128 last_price,
                                  money_u128 desired_price);

/* Where the stage stands at now for the balance, the stage having started at start_ms
 * (now < start counts as 0 elapsed). */
enum cycle_convert_state cycle_convert_state(const struct cycle_convert_params *p, money_i128 usdc,
                                             int64_t start_ms, int64_t now_ms);

#endif
