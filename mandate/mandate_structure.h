/* mandate_structure: rule 1 of the mandate, the shape of a put spread the vault may sell.
 *
 * Checks, in this order; the first that fails is the status and fills *why:
 *   MANDATE_ELEGS_NOT_TWO          n_legs != 2                 legs: value n_legs, bound 2
 *   MANDATE_ENOT_PUTS              a leg is not a put          option_type: leg, value its
 *                                                              type, bound MANDATE_PUT
 *   MANDATE_EEXPIRY_MISMATCH       leg 1's expiry != leg 0's   expiry_ms: leg 1
 *   MANDATE_ESTRIKE_WIDTH          |K_a - K_b| != strike_diff  strike_width (usd)
 *   MANDATE_EZERO_AMOUNT           a leg's amount is 0         amount (contracts): leg
 *   MANDATE_EAMOUNTS_NOT_OPPOSITE  leg 1 is not the exact      signed_amount (contracts,
 *                                  opposite of leg 0           + bought, - sold): leg 1,
 *                                                              value its signed amount,
 *                                                              bound minus leg 0's
 *   MANDATE_ENOT_NET_SHORT         the vault buys the higher   k1_signed_amount: the K1 leg,
 *                                  strike K1 (and sells K2)    value its (positive) signed
 *                                                              amount, bound the (negative)
 *                                                              one it should have
 * The legs may come in either order; K1 is the higher strike, K2 = K1 - strike_diff. */
#ifndef OPTDESK_MANDATE_STRUCTURE_H
#define OPTDESK_MANDATE_STRUCTURE_H

#include <stddef.h>

#include "mandate_params.h"

/* One leg of the trade, stated from the vault's side. */
struct mandate_leg {
  enum mandate_option_type type;
  money_u128 strike; /* USD base units */
  int64_t expiry_ms;
  enum mandate_side side; /* the vault's side */
  money_u128 amount;      /* contracts, 8 decimals */
};

/* MANDATE_OK when legs[0..n_legs) form a spread the vault may sell, a refusal (and *why), or
 * MANDATE_EINVALID (p unusable, legs NULL with n_legs > 0; *why untouched). */
MANDATE_WUR int mandate_check_structure(const struct mandate_params *p,
                                        const struct mandate_leg *legs, size_t n_legs,
                                        struct mandate_refusal *why);

#endif
