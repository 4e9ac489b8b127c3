// Unit tests: our Black–Scholes and Black-76 prices and greeks against QuantLib's
// BlackScholesCalculator / BlackCalculator on a grid of 24 000 (S, K, tau, sigma, r) points
// per option type. The only test that links QuantLib.
//
// Agreement rule per value: relative error <= 1e-9, or absolute error <= 1e-12 in units of
// the underlying (price, vega, theta divided by S or F, gamma multiplied by it, delta as
// is). Black–Scholes is homogeneous in (S, K), so "absolute in units of S" is the
// scale-free form of "1e-12 absolute where the value is tiny"; QuantLib computes a put as
// discount*(F*(N(d1) - 1) + K*(1 - N(d2))), whose rounding is absolute (~1e-16 F), not
// relative, deep out of the money.
//
// Units: QuantLib's vega is dV/dsigma per 1.00 of sigma and its theta dV/dt per year, the
// same as ours. QuantLib's BlackScholesCalculator::theta is the PDE form
// -(ln(df) V + ln(F/S) S delta + sigma^2 tau S^2 gamma / 2) / tau, where ln(F/S) is taken of
// F = S*growth/df as a rounded double; for tiny r*tau that log carries a relative error up to
// ~1e-16/(r tau), so the reference theta here is the same PDE with the exact logs
// (ln df = -r tau, ln(F/S) = r tau): r V - r S delta - sigma^2 S^2 gamma / 2, from QuantLib's
// V, delta and gamma. QuantLib's own theta() is compared too and its worst error printed.
// Black-76 theta (forward held fixed) has no QuantLib method; its reference is
// r V - vega sigma / (2 tau) from QuantLib's V and vega.
#include <ql/pricingengines/blackcalculator.hpp>
#include <ql/pricingengines/blackscholescalculator.hpp>

#include <cmath>
#include <cstdio>

extern "C" {
#include "black_scholes.h"
#include "testlib.h"
}

namespace {

struct stats {
  long values = 0, by_abs = 0, failures = 0;
  double max_rel = 0;      // over values with |ref| >= 1e-6 in units of the underlying
  double max_abs_norm = 0; // over values that needed the absolute rule (rel > 1e-9)
  double ql_theta_max_rel = 0, ql_theta_max_abs = 0;
};

void compare(stats &st, const char *what, double ours, double ref, double scale, const double *pt) {
  double diff = std::fabs(ours - ref);
  double rel = ref != 0 ? diff / std::fabs(ref) : (diff == 0 ? 0 : INFINITY);
  double absn = diff / scale;
  st.values++;
  if (std::fabs(ref) / scale >= 1e-6 && rel > st.max_rel) st.max_rel = rel;
  if (rel > 1e-9 && absn > st.max_abs_norm) st.max_abs_norm = absn;
  bool ok = rel <= 1e-9 || absn <= 1e-12;
  if (ok && rel > 1e-9) st.by_abs++;
  if (!ok || !std::isfinite(ours)) {
    st.failures++;
    if (st.failures <= 20)
      testlib_fail(__FILE__, __LINE__,
                   "%s: ours %.17g ref %.17g (rel %.3g, abs/scale %.3g) at S %g K %g tau %g "
                   "sigma %g r %g",
                   what, ours, ref, rel, absn, pt[0], pt[1], pt[2], pt[3], pt[4]);
  }
}

const double spots[] = {1, 100, 1000, 50000};
const double moneyness[] = {0.1,  0.3,  0.5, 0.7, 0.85, 0.95, 0.99, 1,
                            1.01, 1.05, 1.2, 1.5, 2,    5,    10};
const double taus[] = {1e-6, 1e-5, 1e-4, 1e-3, 0.01, 7.0 / 365, 0.1, 0.5, 1, 3};
const double vols[] = {0.01, 0.05, 0.2, 0.5, 1, 1.54, 3, 5};
const double rates[] = {-0.02, 0, 0.01, 0.05, 0.1};

template <typename F> long for_grid(F f) {
  long n = 0;
  for (double S : spots)
    for (double m : moneyness)
      for (double t : taus)
        for (double v : vols)
          for (double r : rates) {
            double pt[5] = {S, S * m, t, v, r};
            f(pt);
            n++;
          }
  return n;
}

void report(const char *name, long points, const stats &st) {
  std::printf("%s: %ld points, %ld values compared, %ld failures; max rel error %.3g "
              "(values >= 1e-6 of S); %ld values passed on the absolute rule only, max abs "
              "error among them %.3g (units of S)\n",
              name, points, st.values, st.failures, st.max_rel, st.by_abs, st.max_abs_norm);
}

void run_bs(pricing_option_type ours_type, QuantLib::Option::Type ql_type, const char *name) {
  stats st;
  long n = for_grid([&](const double *pt) {
    double S = pt[0], K = pt[1], t = pt[2], v = pt[3], r = pt[4];
    double df = std::exp(-r * t);
    QuantLib::BlackScholesCalculator q(ql_type, K, S, 1.0, v * std::sqrt(t), df);
    pricing_greeks g;
    if (pricing_bs(ours_type, S, K, t, v, r, &g) != PRICING_OK) {
      st.failures++;
      testlib_fail(__FILE__, __LINE__, "pricing_bs refused S %g K %g t %g v %g r %g", S, K, t, v,
                   r);
      return;
    }
    double V = q.value(), D = q.delta(), G = q.gamma();
    compare(st, "price", g.price, V, S, pt);
    compare(st, "delta", g.delta, D, 1, pt);
    compare(st, "gamma", g.gamma, G, 1 / S, pt);
    compare(st, "vega", g.vega, q.vega(t), S, pt);
    double theta_ref = r * V - r * S * D - 0.5 * v * v * S * S * G;
    compare(st, "theta", g.theta, theta_ref, S, pt);
    double qt = q.theta(t), d = std::fabs(g.theta - qt);
    if (std::fabs(qt) >= 1e-6 * S && d / std::fabs(qt) > st.ql_theta_max_rel)
      st.ql_theta_max_rel = d / std::fabs(qt);
    if (d / S > st.ql_theta_max_abs) st.ql_theta_max_abs = d / S;
  });
  report(name, n, st);
  std::printf("%s: against QuantLib's own theta(): max rel %.3g, max abs %.3g (units of S)\n", name,
              st.ql_theta_max_rel, st.ql_theta_max_abs);
  CHECK(n >= 10000);
  CHECK_INT_EQ(st.failures, 0);
}

void run_black76(pricing_option_type ours_type, QuantLib::Option::Type ql_type, const char *name) {
  stats st;
  long n = for_grid([&](const double *pt) {
    double F = pt[0], K = pt[1], t = pt[2], v = pt[3], r = pt[4];
    double df = std::exp(-r * t);
    QuantLib::BlackCalculator q(ql_type, K, F, v * std::sqrt(t), df);
    pricing_greeks g;
    if (pricing_black76(ours_type, F, K, t, v, r, &g) != PRICING_OK) {
      st.failures++;
      testlib_fail(__FILE__, __LINE__, "pricing_black76 refused F %g K %g t %g v %g r %g", F, K, t,
                   v, r);
      return;
    }
    double V = q.value(), vega = q.vega(t);
    compare(st, "b76 price", g.price, V, F, pt);
    compare(st, "b76 delta", g.delta, q.deltaForward(), 1, pt);
    compare(st, "b76 gamma", g.gamma, q.gammaForward(), 1 / F, pt);
    compare(st, "b76 vega", g.vega, vega, F, pt);
    compare(st, "b76 theta", g.theta, r * V - vega * v / (2 * t), F, pt);
  });
  report(name, n, st);
  CHECK(n >= 10000);
  CHECK_INT_EQ(st.failures, 0);
}

} // namespace

TEST(quantlib_bs_call) { run_bs(PRICING_CALL, QuantLib::Option::Call, "bs call"); }
TEST(quantlib_bs_put) { run_bs(PRICING_PUT, QuantLib::Option::Put, "bs put"); }
TEST(quantlib_black76_call) { run_black76(PRICING_CALL, QuantLib::Option::Call, "black76 call"); }
TEST(quantlib_black76_put) { run_black76(PRICING_PUT, QuantLib::Option::Put, "black76 put"); }
