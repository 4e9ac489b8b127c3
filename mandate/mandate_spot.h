/* mandate_spot: the mandate check of a stage-4 spot fill on LBTC-USDC (SPEC 4 rules 6-7).
 *
 * The vault buys collateral to spend a positive USDC balance and sells collateral to repay a
 * USDC debt, near the spot, for about the balance's size. Errors first (MANDATE_EINVALID,
 * nothing written): a NULL argument, params failing mandate_params_check, a vault state with
 * collateral_decimals > 32 or spot 0, a side other than buy or sell, a loss state not
 * initialised or keeping less than the params' loss window; MANDATE_EOVERFLOW when a figure
 * does not fit 128 bits. Then, in this order, the first failing rule is the status and
 * fills *why (what, unit: value, bound):
 *   MANDATE_EZERO_AMOUNT       amount == 0                    (amount, collateral: 0, 1)
 *   MANDATE_EORACLE_STALE      now - spot_ms > spot_max_age_ms  (spot_age_ms, duration_ms)
 *   MANDATE_ESPOT_SIDE         buy with usdc <= 0, or sell with usdc >= 0
 *                                                  (usdc, usd: the balance, 1 or -1)
 *   MANDATE_ESPOT_PRICE_BOUND  buy:  price > floor(spot·spot_buy_max_ratio)
 *                              sell: price < ceil(spot·spot_sell_min_ratio)
 *                              exact (the price is an integer)   (price, usd)
 *   MANDATE_ESPOT_NOTIONAL     ceil(price·amount / 10^collateral_decimals)
 *                              > floor(|usdc|·spot_notional_max_ratio)  (notional, usd)
 *   MANDATE_ELOSS_BOUND        mandate_loss_check with the fill's mandate_spot_loss
 * The mark of a spot fill is the vault state's spot. */
#ifndef OPTDESK_MANDATE_SPOT_H
#define OPTDESK_MANDATE_SPOT_H

#include "mandate_loss.h"

/* One spot fill of collateral against USDC, from the vault's side. */
struct mandate_spot_trade {
  enum mandate_side side; /* the vault buys or sells collateral */
  money_u128 amount;      /* collateral base units */
  money_u128 price;       /* USD base units per whole collateral unit */
  int64_t spot_ms;        /* when the spot (the mark) was published */
};

/* MANDATE_OK (*why untouched), a refusal with *why, or an error (*why untouched). */
MANDATE_WUR int mandate_check_spot(const struct mandate_params *p,
                                   const struct mandate_spot_trade *t,
                                   const struct mandate_vault_state *v,
                                   const struct mandate_loss_state *loss, int64_t now_ms,
                                   struct mandate_refusal *why);

/* The fill's mark loss, USD base units, against the spot: mandate_mark_loss(side, price,
 * spot, amount, 10^collateral_decimals), rounded toward +infinity. */
MANDATE_WUR int mandate_spot_loss(const struct mandate_spot_trade *t,
                                  const struct mandate_vault_state *v, money_i128 *out);

#endif
