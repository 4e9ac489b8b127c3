/* depot_nav: the depot's net asset value and price per share (SPEC 5.1).
 *
 *   nav   = total assets - still-locked spread(now) - fair value of the open shorts
 *   price = floor(nav * 10^share_decimals / (supply + pending management-fee shares))
 * in base units of the asset per whole share (10^share_decimals share units). Each step
 * rounds against the holder redeeming, i.e. in the vault's favour: the shorts' value (a
 * liability) up, the still-locked spread up (its release floors), the price down.
 * A nav that would be negative (shorts worth more than the free assets) is 0. With no
 * shares at all (supply + pending == 0) the price is one whole asset, 10^asset_decimals,
 * as the share ledger's empty vault (ledger.h).
 * The book must hold no maturity <= now (DEPOT_EUNSETTLED): "after settling expired
 * maturities". The pending fee shares come from ledger_fee_pending (ledger_fee.h); the
 * value of the shorts needs the oracle, so the caller passes it, or computes it with
 * depot_shorts_value and a volatility callback. */
#ifndef OPTDESK_DEPOT_NAV_H
#define OPTDESK_DEPOT_NAV_H

#include "depot.h"

/* The implied vol at (strike, maturity) seen at now (tau in years): 0 and *sigma, or any
 * other value when the surface has none (depot_shorts_value then returns EMARKET). */
typedef int (*depot_vol_fn)(void *ctx, money_u128 strike, int64_t maturity_ms, double tau,
                            double *sigma);

/* Sum over open positions of ceil(fair(strike, tau, sigma) * size / 10^8 * 10^dec), fair as
 * in depot_fair_value (spot in USDC base units). EMARKET, EUNSETTLED, EOVERFLOW. */
DEPOT_WUR int depot_shorts_value(const struct depot_params *params, const struct depot_book *book,
                                 money_u128 spot, double rate, int64_t now_ms, depot_vol_fn vol,
                                 void *ctx, money_u128 *value);

/* nav as above. */
DEPOT_WUR int depot_nav(const struct depot_book *book, int64_t now_ms, money_u128 shorts_value,
                        money_u128 *nav);

/* price per share as above; share_decimals <= 38. */
DEPOT_WUR int depot_price_per_share(const struct depot_params *params,
                                    const struct depot_book *book, int64_t now_ms,
                                    money_u128 shorts_value, money_u128 supply,
                                    money_u128 pending_fee_shares, unsigned share_decimals,
                                    money_u128 *price);

#endif
