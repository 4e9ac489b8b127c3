/* Unit tests: implied volatility solver (pricing/implied_vol.h). */
#include "black_scholes.h"
#include "implied_vol.h"
#include "testlib.h"

#include <math.h>
#include <stdint.h>

TEST(iv_round_trip_grid) {
  const double Ks[] = {30, 50, 70, 85, 95, 100, 105, 115, 140, 200, 300};
  const double taus[] = {1e-4, 1e-3, 0.01, 7.0 / 365, 0.1, 0.5, 1, 3};
  const double vols[] = {0.02, 0.05, 0.1, 0.2, 0.4, 0.8, 1.54, 2.5, 4};
  const double rs[] = {-0.02, 0, 0.05};
  int tried = 0, solved = 0, max_it = 0;
  double worst = 0;
  for (size_t a = 0; a < sizeof Ks / sizeof *Ks; a++)
    for (size_t b = 0; b < sizeof taus / sizeof *taus; b++)
      for (size_t c = 0; c < sizeof vols / sizeof *vols; c++)
        for (size_t d = 0; d < sizeof rs / sizeof *rs; d++)
          for (int call = 0; call <= 1; call++) {
            enum pricing_option_type ty = call ? PRICING_CALL : PRICING_PUT;
            double S = 100, K = Ks[a], t = taus[b], v = vols[c], r = rs[d];
            struct pricing_greeks g;
            REQUIRE(pricing_bs(ty, S, K, t, v, r, &g) == PRICING_OK);
            /* Vega not negligible: a price rounding of ~1e-13 S moves sigma by < 1e-8. */
            if (g.vega < 1e-5 * S) continue;
            tried++;
            struct pricing_iv_result iv = {0, 0};
            int rc = pricing_implied_vol_bs(ty, g.price, S, K, t, r, &iv);
            if (rc != PRICING_OK) {
              testlib_fail(__FILE__, __LINE__, "rc %d K %g t %g v %g r %g call %d", rc, K, t, v, r,
                           call);
              continue;
            }
            solved++;
            double err = fabs(iv.sigma - v);
            if (err > worst) worst = err;
            if (iv.iterations > max_it) max_it = iv.iterations;
            if (err > 1e-8)
              testlib_fail(__FILE__, __LINE__, "K %g t %g v %g r %g call %d: iv %.17g (err %g)", K,
                           t, v, r, call, iv.sigma, err);
            CHECK(iv.iterations >= 1 && iv.iterations <= PRICING_IV_MAX_ITER);
          }
  CHECK(tried > 2500);
  CHECK_INT_EQ(solved, tried);
  CHECK(worst <= 1e-8);
  printf("iv round trip: %d points, max |dsigma| %.3g, max iterations %d\n", tried, worst, max_it);
}

TEST(iv_black76_round_trip) {
  for (double K = 60; K <= 160; K += 10)
    for (double v = 0.1; v < 3; v *= 1.7)
      for (int call = 0; call <= 1; call++) {
        enum pricing_option_type ty = call ? PRICING_CALL : PRICING_PUT;
        double F = 100, t = 0.3, r = 0.04;
        struct pricing_greeks g;
        REQUIRE(pricing_black76(ty, F, K, t, v, r, &g) == PRICING_OK);
        struct pricing_iv_result iv = {0, 0};
        int rc = pricing_implied_vol_black76(ty, g.price, F, K, t, r, &iv);
        if (g.vega < 1e-5 * F) { /* no time value left to invert: solved or refused */
          CHECK(rc == PRICING_OK || rc == PRICING_ELOW);
          continue;
        }
        REQUIRE(rc == PRICING_OK);
        CHECK_NEAR(iv.sigma, v, 1e-9);
      }
}

TEST(iv_no_solution) {
  struct pricing_iv_result iv = {-1, -1};
  double S = 100, K = 90, t = 0.5, r = 0.05, df = exp(-r * t);
  /* Call: lower bound S - K df, upper bound S. */
  CHECK_INT_EQ(pricing_implied_vol_bs(PRICING_CALL, S - K * df - 0.01, S, K, t, r, &iv),
               PRICING_ELOW);
  CHECK_INT_EQ(pricing_implied_vol_bs(PRICING_CALL, S - K * df, S, K, t, r, &iv), PRICING_ELOW);
  CHECK_INT_EQ(pricing_implied_vol_bs(PRICING_CALL, 0, S, 120, t, r, &iv), PRICING_ELOW);
  CHECK_INT_EQ(pricing_implied_vol_bs(PRICING_CALL, -1, S, 120, t, r, &iv), PRICING_ELOW);
  CHECK_INT_EQ(pricing_implied_vol_bs(PRICING_CALL, S, S, K, t, r, &iv), PRICING_EHIGH);
  CHECK_INT_EQ(pricing_implied_vol_bs(PRICING_CALL, S + 1, S, K, t, r, &iv), PRICING_EHIGH);
  /* Put: lower bound max(K df - S, 0), upper bound K df. */
  CHECK_INT_EQ(pricing_implied_vol_bs(PRICING_PUT, 120 * df - S - 1e-6, S, 120, t, r, &iv),
               PRICING_ELOW);
  CHECK_INT_EQ(pricing_implied_vol_bs(PRICING_PUT, K * df, S, K, t, r, &iv), PRICING_EHIGH);
  CHECK_INT_EQ(pricing_implied_vol_bs(PRICING_PUT, K * df * (1 - 1e-17), S, K, t, r, &iv),
               PRICING_EHIGH);
  /* A hair below the upper bound: solved (huge sigma) or refused as EHIGH, never a hang. */
  struct pricing_iv_result near = {0, 0};
  int rc = pricing_implied_vol_bs(PRICING_CALL, nextafter(S, 0), S, K, t, r, &near);
  CHECK(rc == PRICING_OK || rc == PRICING_EHIGH);
  CHECK(rc != PRICING_OK || (near.sigma > 10 && near.iterations <= PRICING_IV_MAX_ITER));
  rc = pricing_implied_vol_bs(PRICING_PUT, nextafter(1e-300, 0), S, 1, t, r, &near);
  CHECK(rc == PRICING_OK || rc == PRICING_ELOW);
  /* Domain. */
  CHECK_INT_EQ(pricing_implied_vol_bs(PRICING_CALL, 5, S, K, 0, r, &iv), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_implied_vol_bs(PRICING_CALL, NAN, S, K, t, r, &iv), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_implied_vol_bs(PRICING_CALL, 5, 0, K, t, r, &iv), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_implied_vol_black76(PRICING_PUT, 5, S, -K, t, r, &iv), PRICING_EDOMAIN);
  CHECK_NEAR(iv.sigma, -1, 0);
  CHECK_INT_EQ(iv.iterations, -1);
}

/* xorshift64*: deterministic pseudo-random inputs. */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double uni(void) {
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return (double)((rng * 2685821657736338717ull) >> 11) * 0x1p-53;
}

TEST(iv_random_prices_never_hang) {
  /* Arbitrary prices anywhere between the bounds: every answer is OK (and reprices) or a
   * bound error, within the iteration bound. */
  int ok = 0, high = 0, max_it = 0;
  for (int i = 0; i < 200000; i++) {
    enum pricing_option_type ty = uni() < 0.5 ? PRICING_CALL : PRICING_PUT;
    double S = 100, K = S * exp(4 * uni() - 2), t = exp(-12 * uni() + 1.5), r = 0.12 * uni() - 0.02;
    double df = exp(-r * t);
    double lo = ty == PRICING_CALL ? fmax(S - K * df, 0) : fmax(K * df - S, 0);
    double hi = ty == PRICING_CALL ? S : K * df;
    double u = uni();
    double price = lo + (hi - lo) * u * u * u; /* weight towards the lower bound */
    struct pricing_iv_result iv = {0, 0};
    int rc = pricing_implied_vol_bs(ty, price, S, K, t, r, &iv);
    if (rc == PRICING_OK) {
      ok++;
      if (iv.iterations > max_it) max_it = iv.iterations;
      CHECK(iv.iterations <= PRICING_IV_MAX_ITER);
      double back;
      REQUIRE(pricing_bs_price(ty, S, K, t, iv.sigma, r, &back) == PRICING_OK);
      if (!(fabs(back - price) <= 1e-10 * S))
        testlib_fail(__FILE__, __LINE__, "reprice %.17g vs %.17g (K %g t %g r %g)", back, price, K,
                     t, r);
    } else if (rc == PRICING_EHIGH || rc == PRICING_ELOW) {
      high++;
    } else {
      testlib_fail(__FILE__, __LINE__, "rc %d price %.17g K %g t %g r %g", rc, price, K, t, r);
    }
  }
  CHECK(ok > 190000);
  printf("iv random: %d solved, %d refused at a bound, max iterations %d\n", ok, high, max_it);
}
