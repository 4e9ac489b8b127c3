/* mint_fee: the depot's minting fee, 0.3 % of the option size, in integers (SPEC 5.1).
 *
 * Sizes are option contract amounts in base units with PRICING_CONTRACT_DECIMALS (8)
 * decimals: 1 contract = 100000000. The fee is charged to the buyer and kept by the vault,
 * so it rounds UP (in the vault's favour): fee = ceil(exact fee in the asset's base units).
 *   call depot (asset = underlying, `asset_decimals` places):
 *     fee = ceil(size * 3/1000 * 10^asset_decimals / 10^8)
 *   put depot (asset = USDC, 6 places; strike K in USDC base units):
 *     fee = ceil(size * 3/1000 * K / 10^8)
 * Example (SPEC 5.1): size 3 (300000000), K 1100 (1100000000) -> 9900000 = 9.9 USDC.
 * Errors: PRICING_EOVERFLOW when the result or an intermediate does not fit 128 bits,
 * PRICING_EDOMAIN for asset_decimals > 38. */
#ifndef OPTDESK_PRICING_MINT_FEE_H
#define OPTDESK_PRICING_MINT_FEE_H

#include "common.h"
#include "money.h"

#define PRICING_CONTRACT_DECIMALS 8
#define PRICING_USDC_DECIMALS 6
#define PRICING_MINT_FEE_NUM 3
#define PRICING_MINT_FEE_DEN 1000

PRICING_WUR int pricing_mint_fee_call(money_u128 size, unsigned asset_decimals, money_u128 *fee);
PRICING_WUR int pricing_mint_fee_put(money_u128 size, money_u128 strike_usdc, money_u128 *fee_usdc);

#endif
