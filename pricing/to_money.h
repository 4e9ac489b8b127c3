/* to_money: the one conversion between model values (double) and money (integer base units).
 *
 * A model value enters the ledger only through pricing_to_money_down / _up; the rounding
 * direction is in the name and the caller chooses it. The house rule is "in the vault's
 * favour": an amount the vault receives rounds up, an amount it pays (a payoff, a
 * redemption value) rounds down. Where the spec fixes the direction it wins: SPEC 5.1's
 * depot quote takes premium = floor(fair * size) and spread = floor((C - 1) * premium), i.e.
 * _down (the minting fee, in integers, rounds up: mint_fee.h).
 * `value` is in human units of the asset (147.73 USDC), `decimals` the asset's decimals; the
 * scaled value value * 10^decimals is computed in double (exact power of ten up to 10^22,
 * one rounding), then floored / ceiled. Refused: NaN and negative values (PRICING_EDOMAIN;
 * -0.0 counts as 0), +inf and results >= 2^128 (PRICING_EOVERFLOW), decimals > 38
 * (PRICING_EDOMAIN). The output is written only on success.
 * The reverse, pricing_from_money, gives v / 10^decimals as a double for model inputs (two
 * roundings: relative error <= 2^-52); decimals > 38 gives NaN. */
#ifndef OPTDESK_PRICING_TO_MONEY_H
#define OPTDESK_PRICING_TO_MONEY_H

#include "common.h"
#include "money.h"

PRICING_WUR int pricing_to_money_down(double value, unsigned decimals, money_u128 *out);
PRICING_WUR int pricing_to_money_up(double value, unsigned decimals, money_u128 *out);
double pricing_from_money(money_u128 v, unsigned decimals);
double pricing_from_money_signed(money_i128 v, unsigned decimals);

#endif
