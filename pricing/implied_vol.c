/* implied_vol: safeguarded Newton / bisection inversion of the Black price in sigma. */
#include "implied_vol.h"

#include "black_scholes.h"

#include <float.h>
#include <math.h>

#define S_MAX 128.0
#define SQRT_2PI 2.50662827463100050241576528481 /* sqrt(2*pi) */

/* The out-of-the-money problem: price(s) = A N(d1) - B N(d2) (call, x <= 0) or
 * B N(-d2) - A N(-d1) (put, x >= 0), d1 = x/s + s/2, x = ln(A/B). */
struct otm {
  int call;
  double A, B, x;
};

static double otm_price(const struct otm *p, double s, double *dprice) {
  double d1 = p->x / s + 0.5 * s;
  double d2 = d1 - s;
  double v = p->call ? p->A * pricing_norm_cdf(d1) - p->B * pricing_norm_cdf(d2)
                     : p->B * pricing_norm_cdf(-d2) - p->A * pricing_norm_cdf(-d1);
  *dprice = p->A * pricing_norm_pdf(d1);
  return v > 0 ? v : 0;
}

/* Newton with a bracket. price(s) is increasing, convex below the inflection point
 * s* = sqrt(2|x|) and concave above it, so Newton started at s* converges monotonically:
 *  - root above s* (concave side): plain Newton on price(s) - target, from the left;
 *  - root below s* (convex side, prices down to 1e-300): Newton on ln price - ln target in
 *    the variable u = 1/s^2, in which the deep out-of-the-money price is nearly
 *    log-linear (ln price ~ -x^2 u / 2), from the right.
 * Any step that leaves the bracket [lo, hi] is replaced by a bisection (geometric once
 * lo > 0); hi starts at S_MAX, checked lazily. */
static int solve(const struct otm *p, double target, double *s_out, int *iters) {
  int it = 0;
  double dv, v;
  double lo = 0, hi = S_MAX;
  int hi_checked = 0;
  double ln_target = log(target);
  double s = sqrt(2 * fabs(p->x));
  int log_mode = 0, evaluated = 0;
  if (s > 0 && s < S_MAX) {
    it++;
    v = otm_price(p, s, &dv);
    evaluated = 1;
    log_mode = v > target;
  } else {
    s = SQRT_2PI * target / p->A; /* at the money: below the root (price is concave) */
    if (!(s > 0 && s < S_MAX)) s = 1;
  }
  while (evaluated || it < PRICING_IV_MAX_ITER) {
    if (!evaluated) {
      it++;
      v = otm_price(p, s, &dv);
    }
    evaluated = 0;
    if (v == target) goto done;
    if (v < target)
      lo = s;
    else
      hi = s;
    double next = -1, h;
    int at_noise;
    if (log_mode) {
      h = v > 0 ? log(v) - ln_target : -INFINITY;
      at_noise = fabs(h) <= 4 * DBL_EPSILON;
      if (v > 0 && dv > 0) {
        double u = 1 / (s * s) + 2 * h * v / (dv * s * s * s);
        if (u > 0) next = 1 / sqrt(u);
      }
    } else {
      h = v - target;
      at_noise = fabs(h) <= 4 * DBL_EPSILON * target;
      if (dv > 0) next = s - h / dv;
    }
    int newton = isfinite(next) && next > lo && next < hi;
    /* Converged: the price is at its rounding level, or the Newton step is so small that
     * the error after it (quadratic convergence) is far below double precision. */
    if (at_noise || (isfinite(next) && next > 0 && fabs(next - s) <= 1e-12 * s)) {
      if (newton) s = next;
      goto done;
    }
    if (!newton && next >= hi && hi == S_MAX && !hi_checked) {
      /* The step wants more than S_MAX: is the root there at all? */
      it++;
      hi_checked = 1;
      if (otm_price(p, S_MAX, &dv) < target) {
        *iters = it;
        return PRICING_EHIGH;
      }
    }
    if (!newton) next = lo > 0 ? sqrt(lo * hi) : 0.5 * hi;
    s = next;
    if (hi - lo <= 4 * DBL_EPSILON * hi) goto done;
  }
  *iters = it;
  return PRICING_ENOCONVERGE;
done:
  *iters = it;
  *s_out = s;
  return PRICING_OK;
}

/* A, B: the discounted asset and strike terms; x = ln(A/B) computed as the pricer does. */
static int implied(enum pricing_option_type type, double price, double A, double B, double x,
                   double tau, struct pricing_iv_result *out) {
  double lower = type == PRICING_CALL ? A - B : B - A;
  if (lower < 0) lower = 0;
  double upper = type == PRICING_CALL ? A : B;
  if (price <= lower) return PRICING_ELOW;
  if (price >= upper) return PRICING_EHIGH;
  struct otm p = {.call = x <= 0, .A = A, .B = B, .x = x};
  double target = price;
  if (type == PRICING_CALL && !p.call) target = price - (A - B); /* ITM call -> OTM put */
  if (type == PRICING_PUT && p.call) target = price - (B - A);   /* ITM put -> OTM call */
  if (!(target > 0)) return PRICING_ELOW;
  double s;
  int iters = 0;
  int rc = solve(&p, target, &s, &iters);
  if (rc != PRICING_OK) return rc;
  double sigma = s / sqrt(tau);
  if (!(isfinite(sigma) && sigma > 0)) return PRICING_EHIGH;
  out->sigma = sigma;
  out->iterations = iters;
  return PRICING_OK;
}

static int check(enum pricing_option_type type, double price, double X, double K, double tau,
                 double r) {
  if (type != PRICING_CALL && type != PRICING_PUT) return PRICING_EDOMAIN;
  if (!(isfinite(price) && isfinite(X) && X > 0 && isfinite(K) && K > 0 && isfinite(tau) &&
        tau > 0 && isfinite(r)))
    return PRICING_EDOMAIN;
  double df = exp(-r * tau);
  if (!(isfinite(df) && df > 0)) return PRICING_EDOMAIN;
  return PRICING_OK;
}

int pricing_implied_vol_bs(enum pricing_option_type type, double price, double S, double K,
                           double tau, double r, struct pricing_iv_result *out) {
  int rc = check(type, price, S, K, tau, r);
  if (rc != PRICING_OK) return rc;
  double df = exp(-r * tau);
  return implied(type, price, S, K * df, log(S / K) + r * tau, tau, out);
}

int pricing_implied_vol_black76(enum pricing_option_type type, double price, double F, double K,
                                double tau, double r, struct pricing_iv_result *out) {
  int rc = check(type, price, F, K, tau, r);
  if (rc != PRICING_OK) return rc;
  double df = exp(-r * tau);
  return implied(type, price, df * F, df * K, log(F / K), tau, out);
}
