/* black_scholes: Black–Scholes and Black-76 prices and greeks with an erfc normal CDF. */
#include "black_scholes.h"

#include <math.h>

#define SQRT1_2 0.707106781186547524400844362104849   /* 1/sqrt(2) */
#define INV_SQRT_2PI 0.398942280401432677939946059934 /* 1/sqrt(2*pi) */

double pricing_norm_cdf(double x) { return 0.5 * erfc(-x * SQRT1_2); }

double pricing_norm_pdf(double x) { return INV_SQRT_2PI * exp(-0.5 * x * x); }

/* What a caller wants computed beyond the price. */
enum { WANT_PRICE = 0, WANT_DELTA = 1, WANT_ALL = 2 };

/* Shared core. `forward` selects Black-76 (x is F, every term discounted) or Black–Scholes
 * (x is S, only the strike discounted). Always inlined so that each entry point computes
 * only what it returns. */
static inline __attribute__((always_inline)) int core(enum pricing_option_type type, int forward,
                                                      double x, double K, double tau, double sigma,
                                                      double r, int want,
                                                      struct pricing_greeks *g) {
  if (type != PRICING_CALL && type != PRICING_PUT) return PRICING_EDOMAIN;
  if (!(isfinite(x) && x > 0 && isfinite(K) && K > 0 && isfinite(tau) && tau >= 0 &&
        isfinite(sigma) && sigma > 0 && isfinite(r)))
    return PRICING_EDOMAIN;
  double df = exp(-r * tau);
  if (!(isfinite(df) && df > 0)) return PRICING_EOVERFLOW;
  /* Asset term A (S, or df*F) and cash term B (K*df): call = A N(d1) - B N(d2). */
  double A = forward ? df * x : x;
  double B = K * df;
  double sqrt_tau = sqrt(tau);
  double s = sigma * sqrt_tau;
  struct pricing_greeks o = {0, 0, 0, 0, 0};
  if (!(s > 0)) {
    /* At expiry: intrinsic value on the discounted strike, limit deltas. */
    double d = forward ? df : 1.0;
    if (A > B) {
      o.price = type == PRICING_CALL ? A - B : 0;
      o.delta = type == PRICING_CALL ? d : 0;
    } else if (A < B) {
      o.price = type == PRICING_CALL ? 0 : B - A;
      o.delta = type == PRICING_CALL ? 0 : -d;
    } else {
      o.delta = type == PRICING_CALL ? 0.5 * d : -0.5 * d;
    }
  } else {
    /* ln(A/B) = ln(x/K) + r*tau for Black–Scholes, ln(F/K) for Black-76. */
    double lm = forward ? log(x / K) : log(x / K) + r * tau;
    double d1 = lm / s + 0.5 * s;
    double d2 = d1 - s;
    if (type == PRICING_CALL) {
      double n1 = pricing_norm_cdf(d1);
      o.price = A * n1 - B * pricing_norm_cdf(d2);
      o.delta = forward ? df * n1 : n1;
    } else {
      double m1 = pricing_norm_cdf(-d1);
      o.price = B * pricing_norm_cdf(-d2) - A * m1;
      o.delta = forward ? -df * m1 : -m1;
    }
    if (o.price < 0) o.price = 0;
    if (want == WANT_ALL) {
      double pdf1 = pricing_norm_pdf(d1);
      o.gamma = (forward ? df : 1.0) * pdf1 / (x * s);
      o.vega = A * pdf1 * sqrt_tau;
      double decay = -A * pdf1 * sigma / (2 * sqrt_tau);
      if (forward) {
        o.theta = r * o.price + decay;
      } else if (type == PRICING_CALL) {
        o.theta = decay - r * B * pricing_norm_cdf(d2);
      } else {
        o.theta = decay + r * B * pricing_norm_cdf(-d2);
      }
    }
  }
  if (!(isfinite(o.price) && isfinite(o.delta) && isfinite(o.gamma) && isfinite(o.vega) &&
        isfinite(o.theta)))
    return PRICING_EOVERFLOW;
  *g = o;
  return PRICING_OK;
}

int pricing_bs(enum pricing_option_type type, double S, double K, double tau, double sigma,
               double r, struct pricing_greeks *out) {
  return core(type, 0, S, K, tau, sigma, r, WANT_ALL, out);
}

int pricing_bs_price(enum pricing_option_type type, double S, double K, double tau, double sigma,
                     double r, double *price) {
  struct pricing_greeks g;
  int rc = core(type, 0, S, K, tau, sigma, r, WANT_PRICE, &g);
  if (rc == PRICING_OK) *price = g.price;
  return rc;
}

int pricing_bs_price_delta(enum pricing_option_type type, double S, double K, double tau,
                           double sigma, double r, double *price, double *delta) {
  struct pricing_greeks g;
  int rc = core(type, 0, S, K, tau, sigma, r, WANT_DELTA, &g);
  if (rc == PRICING_OK) {
    *price = g.price;
    *delta = g.delta;
  }
  return rc;
}

int pricing_black76(enum pricing_option_type type, double F, double K, double tau, double sigma,
                    double r, struct pricing_greeks *out) {
  return core(type, 1, F, K, tau, sigma, r, WANT_ALL, out);
}

int pricing_black76_price(enum pricing_option_type type, double F, double K, double tau,
                          double sigma, double r, double *price) {
  struct pricing_greeks g;
  int rc = core(type, 1, F, K, tau, sigma, r, WANT_PRICE, &g);
  if (rc == PRICING_OK) *price = g.price;
  return rc;
}
