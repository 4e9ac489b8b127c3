/* implied_vol: the sigma that reproduces a Black–Scholes or Black-76 price, by a safeguarded
 * Newton iteration that never hangs.
 *
 * Method: an in-the-money option is turned into its out-of-the-money twin by put-call parity
 * (only the time value carries information). In the total standard deviation
 * s = sigma*sqrt(tau) the price is increasing, convex below s* = sqrt(2|ln(F/K)|) and concave
 * above, so Newton started at s* converges monotonically: on the price itself when the root
 * is above s*, on ln(price) in the variable 1/s^2 when it is below (deep out of the money,
 * where the price is nearly log-linear in 1/s^2). A bracket [lo, hi] (hi = 128, far past any
 * price distinguishable from the upper bound) is kept; a step leaving it becomes a
 * bisection. It stops at the price's rounding level, at a Newton step below 1e-12 relative
 * (quadratic convergence: the error after it is below double precision), or when the
 * bracket is at rounding level.
 * Every price evaluation counts as one iteration; at most PRICING_IV_MAX_ITER are made.
 *
 * Errors: PRICING_EDOMAIN for S/F, K <= 0, tau <= 0, non-finite inputs;
 * PRICING_ELOW when price <= the lower bound (call max(S - K e^(-r tau), 0), put
 * max(K e^(-r tau) - S, 0); no sigma > 0 gives it); PRICING_EHIGH when price >= the upper
 * bound (call S, put K e^(-r tau); Black-76 both discounted), or so close to it that even
 * s = 128 does not reach it; PRICING_ENOCONVERGE if the bound is hit (not expected).
 * The output is written only on success. */
#ifndef OPTDESK_PRICING_IMPLIED_VOL_H
#define OPTDESK_PRICING_IMPLIED_VOL_H

#include "common.h"

#define PRICING_IV_MAX_ITER 100

struct pricing_iv_result {
  double sigma;   /* implied volatility per year */
  int iterations; /* price evaluations used, <= PRICING_IV_MAX_ITER */
};

PRICING_WUR int pricing_implied_vol_bs(enum pricing_option_type type, double price, double S,
                                       double K, double tau, double r,
                                       struct pricing_iv_result *out);
PRICING_WUR int pricing_implied_vol_black76(enum pricing_option_type type, double price, double F,
                                            double K, double tau, double r,
                                            struct pricing_iv_result *out);

#endif
