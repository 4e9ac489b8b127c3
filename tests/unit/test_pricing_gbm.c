/* Tests of the seeded generator and GBM steps behind the simulated oracle feed. */
#include <math.h>

#include "gbm.h"
#include "testlib.h"

TEST(rng_same_seed_same_path) {
  struct pricing_rng a, b, c;
  pricing_rng_seed(&a, 42);
  pricing_rng_seed(&b, 42);
  pricing_rng_seed(&c, 43);
  int differs = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = pricing_rng_next(&a), y = pricing_rng_next(&b), z = pricing_rng_next(&c);
    CHECK(x == y);
    differs += x != z;
  }
  CHECK(differs > 990);
}

TEST(rng_normal_moments) {
  struct pricing_rng r;
  pricing_rng_seed(&r, 7);
  const int n = 400000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; i++) {
    double z = pricing_rng_normal(&r);
    CHECK(isfinite(z));
    sum += z;
    sum2 += z * z;
  }
  double mean = sum / n, var = sum2 / n - mean * mean;
  CHECK_NEAR(mean, 0.0, 0.01); /* 5 standard errors */
  CHECK_NEAR(var, 1.0, 0.015);
}

TEST(gbm_is_a_martingale_and_positive) {
  struct pricing_rng r;
  pricing_rng_seed(&r, 11);
  const int n = 200000;
  double sum = 0;
  for (int i = 0; i < n; i++) {
    double s = pricing_gbm_step(1000.0, 0.8, 7.0 / 365.0, pricing_rng_normal(&r));
    CHECK(s > 0);
    sum += s;
  }
  /* E[S_T] = S_0 with zero drift; sd of the mean ~ 1000*0.8*sqrt(7/365)/sqrt(n) ~ 0.25 */
  CHECK_NEAR(sum / n, 1000.0, 1.5);
  CHECK(pricing_gbm_step(1000.0, 0.8, 0.0, 3.0) == 1000.0);
  CHECK(pricing_gbm_step(1000.0, 0.8, -1.0, 3.0) == 1000.0);
  /* z = 0 gives the drift term alone */
  CHECK_NEAR(pricing_gbm_step(100.0, 0.5, 1.0, 0.0), 100.0 * exp(-0.125), 1e-12);
}
