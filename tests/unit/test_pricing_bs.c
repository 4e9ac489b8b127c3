/* Unit tests: Black–Scholes / Black-76 prices and greeks (pricing/black_scholes.h). */
#include "black_scholes.h"
#include "testlib.h"

#include <math.h>

/* Long double reference of the same formulas, for relative accuracy in the tails. */
static long double ref_cdf(long double x) { return 0.5L * erfcl(-x / sqrtl(2.0L)); }
static long double ref_bs(int call, long double S, long double K, long double t, long double v,
                          long double r) {
  long double s = v * sqrtl(t), df = expl(-r * t);
  long double d1 = (logl(S / K) + r * t) / s + 0.5L * s, d2 = d1 - s;
  return call ? S * ref_cdf(d1) - K * df * ref_cdf(d2) : K * df * ref_cdf(-d2) - S * ref_cdf(-d1);
}

TEST(norm_cdf_values) {
  CHECK_NEAR(pricing_norm_cdf(0), 0.5, 0);
  CHECK_NEAR(pricing_norm_cdf(1.96), 0.97500210485177952, 1e-16);
  /* Tail keeps relative accuracy: N(-10) = 7.61985302416052607e-24. */
  CHECK_NEAR(pricing_norm_cdf(-10) / 7.61985302416052607e-24, 1, 1e-13);
  CHECK_NEAR(pricing_norm_cdf(-37) / 5.725571222524e-300, 1, 1e-11);
  for (double x = -8; x <= 8; x += 0.37)
    CHECK_NEAR(pricing_norm_cdf(x) + pricing_norm_cdf(-x), 1, 2e-16);
  CHECK_NEAR(pricing_norm_pdf(0), 0.3989422804014327, 1e-16);
}

TEST(put_call_parity_grid) {
  const double Ks[] = {50, 80, 95, 100, 105, 125, 200};
  const double taus[] = {1e-6, 1e-3, 0.02, 0.25, 1, 3};
  const double vols[] = {0.01, 0.2, 0.8, 2, 5};
  const double rs[] = {-0.02, 0, 0.03, 0.1};
  int n = 0;
  for (size_t a = 0; a < 7; a++)
    for (size_t b = 0; b < 6; b++)
      for (size_t c = 0; c < 5; c++)
        for (size_t d = 0; d < 4; d++) {
          double S = 100, K = Ks[a], t = taus[b], v = vols[c], r = rs[d];
          struct pricing_greeks C, P;
          REQUIRE(pricing_bs(PRICING_CALL, S, K, t, v, r, &C) == PRICING_OK);
          REQUIRE(pricing_bs(PRICING_PUT, S, K, t, v, r, &P) == PRICING_OK);
          CHECK_NEAR(C.price - P.price, S - K * exp(-r * t), 1e-12 * S);
          CHECK_NEAR(C.delta - P.delta, 1, 1e-15);
          CHECK_NEAR(C.gamma, P.gamma, 1e-15 * fabs(C.gamma));
          CHECK_NEAR(C.vega, P.vega, 1e-15 * fabs(C.vega));
          CHECK_NEAR(C.theta - P.theta, -r * K * exp(-r * t), 1e-11 * (1 + fabs(C.theta)));
          CHECK(C.price >= 0 && P.price >= 0 && C.gamma >= 0 && C.vega >= 0);
          n++;
        }
  CHECK_INT_EQ(n, 840);
}

TEST(tails_relative_accuracy) {
  /* Deep OTM values must keep their relative accuracy (no 1 - N or parity cancellation). */
  double worst = 0;
  for (double m = 0.1; m <= 10; m *= 1.07)
    for (double v = 0.05; v <= 3; v *= 1.6)
      for (int call = 0; call <= 1; call++) {
        double S = 1000, K = S * m, t = 0.05, r = 0.02;
        double p;
        REQUIRE(pricing_bs_price(call ? PRICING_CALL : PRICING_PUT, S, K, t, v, r, &p) ==
                PRICING_OK);
        long double ref = ref_bs(call, S, K, t, v, r);
        int otm = call ? K > S * exp(r * t) : K < S * exp(r * t);
        if (!otm || ref < 1e-290L) continue;
        double rel = (double)fabsl((p - ref) / ref);
        if (rel > worst) worst = rel;
        CHECK(rel < 1e-9);
      }
  CHECK(worst < 1e-9);
}

TEST(greeks_match_finite_differences) {
  const double pts[][5] = {{100, 100, 0.5, 0.3, 0.02},
                           {100, 130, 0.1, 0.8, 0.05},
                           {1000, 1100, 7.0 / 365, 1.54, 0.01},
                           {50, 40, 2, 0.2, -0.01}};
  for (size_t i = 0; i < 4; i++) {
    double S = pts[i][0], K = pts[i][1], t = pts[i][2], v = pts[i][3], r = pts[i][4];
    for (int call = 0; call <= 1; call++) {
      enum pricing_option_type ty = call ? PRICING_CALL : PRICING_PUT;
      struct pricing_greeks g;
      double up, dn, mid;
      REQUIRE(pricing_bs(ty, S, K, t, v, r, &g) == PRICING_OK);
      REQUIRE(pricing_bs_price(ty, S, K, t, v, r, &mid) == PRICING_OK);
      CHECK_NEAR(mid, g.price, 0);
      double h = S * 1e-4;
      REQUIRE(pricing_bs_price(ty, S + h, K, t, v, r, &up) == PRICING_OK);
      REQUIRE(pricing_bs_price(ty, S - h, K, t, v, r, &dn) == PRICING_OK);
      CHECK_NEAR((up - dn) / (2 * h), g.delta, 1e-7);
      CHECK_NEAR((up - 2 * mid + dn) / (h * h), g.gamma, 1e-5 * (g.gamma + 1e-3));
      REQUIRE(pricing_bs_price(ty, S, K, t, v + 1e-5, r, &up) == PRICING_OK);
      REQUIRE(pricing_bs_price(ty, S, K, t, v - 1e-5, r, &dn) == PRICING_OK);
      CHECK_NEAR((up - dn) / 2e-5, g.vega, 1e-6 * (1 + g.vega));
      double dt = t * 1e-5;
      REQUIRE(pricing_bs_price(ty, S, K, t + dt, v, r, &up) == PRICING_OK);
      REQUIRE(pricing_bs_price(ty, S, K, t - dt, v, r, &dn) == PRICING_OK);
      CHECK_NEAR(-(up - dn) / (2 * dt), g.theta, 1e-5 * (1 + fabs(g.theta)));
      double p2, d2;
      REQUIRE(pricing_bs_price_delta(ty, S, K, t, v, r, &p2, &d2) == PRICING_OK);
      CHECK_NEAR(p2, g.price, 0);
      CHECK_NEAR(d2, g.delta, 0);
    }
  }
}

TEST(expiry_limits) {
  struct pricing_greeks g;
  REQUIRE(pricing_bs(PRICING_CALL, 120, 100, 0, 0.5, 0.05, &g) == PRICING_OK);
  CHECK_NEAR(g.price, 20, 0);
  CHECK_NEAR(g.delta, 1, 0);
  CHECK(g.gamma == 0 && g.vega == 0 && g.theta == 0);
  REQUIRE(pricing_bs(PRICING_PUT, 120, 100, 0, 0.5, 0.05, &g) == PRICING_OK);
  CHECK_NEAR(g.price, 0, 0);
  CHECK_NEAR(g.delta, 0, 0);
  REQUIRE(pricing_bs(PRICING_PUT, 80, 100, 0, 0.5, 0.05, &g) == PRICING_OK);
  CHECK_NEAR(g.price, 20, 0);
  CHECK_NEAR(g.delta, -1, 0);
  REQUIRE(pricing_bs(PRICING_CALL, 100, 100, 0, 0.5, 0.05, &g) == PRICING_OK);
  CHECK_NEAR(g.price, 0, 0);
  CHECK_NEAR(g.delta, 0.5, 0);
  REQUIRE(pricing_bs(PRICING_PUT, 100, 100, 0, 0.5, 0.05, &g) == PRICING_OK);
  CHECK_NEAR(g.delta, -0.5, 0);
  /* tau -> 0 converges to the limits. */
  REQUIRE(pricing_bs(PRICING_CALL, 120, 100, 1e-12, 0.5, 0.05, &g) == PRICING_OK);
  CHECK_NEAR(g.price, 20, 1e-9);
  CHECK_NEAR(g.delta, 1, 1e-15);
  REQUIRE(pricing_bs(PRICING_PUT, 120, 100, 1e-12, 0.5, 0.05, &g) == PRICING_OK);
  CHECK(g.price >= 0 && g.price < 1e-300);
  /* Black-76 at expiry: df * max(F - K, 0). */
  REQUIRE(pricing_black76(PRICING_CALL, 120, 100, 0, 0.5, 0.05, &g) == PRICING_OK);
  CHECK_NEAR(g.price, 20, 0);
}

TEST(domain_errors) {
  double p = 42;
  struct pricing_greeks g = {1, 2, 3, 4, 5};
  CHECK_INT_EQ(pricing_bs_price(PRICING_CALL, 100, 100, 1, 0, 0, &p), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_bs_price(PRICING_CALL, 100, 100, 1, -0.2, 0, &p), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_bs_price(PRICING_CALL, 0, 100, 1, 0.2, 0, &p), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_bs_price(PRICING_CALL, 100, 0, 1, 0.2, 0, &p), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_bs_price(PRICING_CALL, 100, -5, 1, 0.2, 0, &p), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_bs_price(PRICING_CALL, 100, 100, -1e-9, 0.2, 0, &p), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_bs_price(PRICING_CALL, NAN, 100, 1, 0.2, 0, &p), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_bs_price(PRICING_CALL, 100, 100, 1, INFINITY, 0, &p), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_bs_price(PRICING_CALL, 100, 100, 1, 0.2, NAN, &p), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_bs_price((enum pricing_option_type)7, 100, 100, 1, 0.2, 0, &p),
               PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_bs_price(PRICING_CALL, 100, 100, 1, 0.2, -1e6, &p), PRICING_EOVERFLOW);
  CHECK_INT_EQ(pricing_bs(PRICING_PUT, 100, 100, 1, 0, 0, &g), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_black76(PRICING_PUT, -1, 100, 1, 0.2, 0, &g), PRICING_EDOMAIN);
  CHECK_NEAR(p, 42, 0); /* untouched on failure */
  CHECK_NEAR(g.price, 1, 0);
  CHECK_STR_EQ(pricing_strerror(PRICING_EDOMAIN), "domain");
}

TEST(black76_matches_bs_on_forward) {
  for (double K = 60; K <= 160; K += 20)
    for (double t = 0.01; t < 3; t *= 3)
      for (int call = 0; call <= 1; call++) {
        enum pricing_option_type ty = call ? PRICING_CALL : PRICING_PUT;
        double S = 100, v = 0.4, r = 0.05, F = S * exp(r * t);
        struct pricing_greeks b, s;
        REQUIRE(pricing_black76(ty, F, K, t, v, r, &b) == PRICING_OK);
        REQUIRE(pricing_bs(ty, S, K, t, v, r, &s) == PRICING_OK);
        CHECK_NEAR(b.price, s.price, 1e-12 * S);
        /* dV/dS = dV/dF * dF/dS = delta_F * e^(r t) */
        CHECK_NEAR(b.delta * exp(r * t), s.delta, 1e-12);
        CHECK_NEAR(b.vega, s.vega, 1e-11 * S);
        double p;
        REQUIRE(pricing_black76_price(ty, F, K, t, v, r, &p) == PRICING_OK);
        CHECK_NEAR(p, b.price, 0);
      }
}
