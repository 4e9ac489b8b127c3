/* black_scholes: Black–Scholes (spot, continuous rate r, no carry) and Black-76 (on the
 * forward) prices and greeks of European calls and puts (SPEC 5.1).
 *
 * Units: tau in years (ACT/365, see calendar.h), sigma and r per year, continuously
 * compounded. Prices are per unit of underlying, in the strike's currency.
 * Greeks:
 *   delta  dV/dS (Black-76: dV/dF)
 *   gamma  d2V/dS2 (Black-76: d2V/dF2)
 *   vega   dV/dsigma per 1.00 of sigma (divide by 100 for "per vol point")
 *   theta  dV/dt per year of calendar time, i.e. -dV/dtau (divide by 365 for per day);
 *          Black-76 holds the forward F fixed while time passes.
 * N is the exact normal CDF, N(x) = erfc(-x/sqrt 2)/2; puts use N(-d2), N(-d1) directly, not
 * call-put parity, so deep out-of-the-money values keep their relative accuracy. Prices are
 * clamped at 0 (rounding can otherwise give -1e-17).
 *
 * Domain: S (or F) > 0, K > 0, tau >= 0, sigma > 0, all finite, r finite; otherwise
 * PRICING_EDOMAIN. A result that is not finite (huge inputs) is PRICING_EOVERFLOW.
 * At expiry (tau == 0, or sigma*sqrt(tau) underflowing to 0) the option is worth its
 * intrinsic value on the discounted strike, max(S - K*e^(-r*tau), 0) for a call (Black-76:
 * e^(-r*tau) * max(F - K, 0)); delta is the limit 1 (call in the money) / 0 (out of the
 * money) / 1/2 exactly at the money, put delta = call delta - 1 (Black-76: times
 * e^(-r*tau)); gamma, vega and theta are 0. */
#ifndef OPTDESK_PRICING_BLACK_SCHOLES_H
#define OPTDESK_PRICING_BLACK_SCHOLES_H

#include "common.h"

struct pricing_greeks {
  double price;
  double delta;
  double gamma;
  double vega;
  double theta;
};

/* Standard normal CDF (exact via erfc) and density. */
double pricing_norm_cdf(double x);
double pricing_norm_pdf(double x);

/* Black–Scholes on spot S. */
PRICING_WUR int pricing_bs(enum pricing_option_type type, double S, double K, double tau,
                           double sigma, double r, struct pricing_greeks *out);
PRICING_WUR int pricing_bs_price(enum pricing_option_type type, double S, double K, double tau,
                                 double sigma, double r, double *price);
PRICING_WUR int pricing_bs_price_delta(enum pricing_option_type type, double S, double K,
                                       double tau, double sigma, double r, double *price,
                                       double *delta);

/* Black-76 on forward F, discounted at e^(-r*tau). */
PRICING_WUR int pricing_black76(enum pricing_option_type type, double F, double K, double tau,
                                double sigma, double r, struct pricing_greeks *out);
PRICING_WUR int pricing_black76_price(enum pricing_option_type type, double F, double K, double tau,
                                      double sigma, double r, double *price);

#endif
