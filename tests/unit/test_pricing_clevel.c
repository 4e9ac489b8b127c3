/* Unit tests: C-level (pricing/clevel.h). */
#include "clevel.h"
#include "testlib.h"

#include <math.h>

static const struct pricing_clevel_params fixture = {3, 1.05, 1.2, 0.005};

TEST(clevel_ends_and_shape) {
  double c, k;
  REQUIRE(pricing_clevel_k(&fixture, &k) == PRICING_OK);
  CHECK_NEAR(k, 3 * (1.05 * exp(3) - 1.2) / (exp(3) - 1), 1e-14);
  REQUIRE(pricing_clevel_raw(&fixture, 0, &c) == PRICING_OK);
  CHECK_NEAR(c, 1.05, 1e-15);
  REQUIRE(pricing_clevel_raw(&fixture, 1, &c) == PRICING_OK);
  CHECK_NEAR(c, 1.2, 1e-15);
  REQUIRE(pricing_clevel_decayed(&fixture, 1, 0, &c) == PRICING_OK);
  CHECK_NEAR(c, 1.2, 1e-15);
  /* The SPEC formula, written out, agrees; the curve rises with u. */
  double prev = 0;
  for (double u = 0; u <= 1.0; u += 1.0 / 64) {
    REQUIRE(pricing_clevel_raw(&fixture, u, &c) == PRICING_OK);
    double e = exp(3 * (1 - u));
    CHECK_NEAR(c, (k * e + 3 * 1.2 - k) / (3 * e), 1e-14);
    CHECK(c > prev);
    prev = c;
  }
  /* Production defaults: c_min 1.0, c_max 1.35; large alpha does not overflow. */
  struct pricing_clevel_params prod = {3, 1.0, 1.35, 0.005}, steep = {800, 1.0, 1.35, 0};
  REQUIRE(pricing_clevel_raw(&prod, 0, &c) == PRICING_OK);
  CHECK_NEAR(c, 1.0, 1e-15);
  REQUIRE(pricing_clevel_raw(&steep, 0.5, &c) == PRICING_OK);
  CHECK_NEAR(c, 1.0, 1e-15);
  REQUIRE(pricing_clevel_raw(&steep, 1, &c) == PRICING_OK);
  CHECK_NEAR(c, 1.35, 1e-15);
}

TEST(clevel_decay_floor) {
  double c;
  for (double u = 0; u <= 1; u += 0.1)
    for (double h = 0; h <= 100; h += 0.5) {
      REQUIRE(pricing_clevel_decayed(&fixture, u, h, &c) == PRICING_OK);
      CHECK(c >= 1.05);
      double raw;
      REQUIRE(pricing_clevel_raw(&fixture, u, &raw) == PRICING_OK);
      CHECK_NEAR(c, fmax(raw - 0.005 * h, 1.05), 1e-15);
    }
  REQUIRE(pricing_clevel_decayed(&fixture, 1, 30, &c) == PRICING_OK);
  CHECK_NEAR(c, 1.05, 1e-15); /* 1.2 - 0.15 = 1.05: at the floor */
  REQUIRE(pricing_clevel_decayed(&fixture, 1, 1000, &c) == PRICING_OK);
  CHECK_NEAR(c, 1.05, 0);
}

TEST(clevel_reference) {
  /* SPEC 5.1: u_before 0, u_after 0.6, 3 h since the last trade -> C ~ 1.0622718. */
  double C;
  REQUIRE(pricing_clevel(&fixture, 0, 0.6, 3, &C) == PRICING_OK);
  CHECK_NEAR(C, 1.0622718, 1e-7);
  /* Geometric mean of its two parts. */
  double a, b;
  REQUIRE(pricing_clevel_decayed(&fixture, 0, 0, &a) == PRICING_OK);
  REQUIRE(pricing_clevel_decayed(&fixture, 0.6, 3, &b) == PRICING_OK);
  CHECK_NEAR(C, sqrt(a * b), 1e-16);
}

TEST(clevel_refusals) {
  double c = 7;
  CHECK_INT_EQ(pricing_clevel_raw(&fixture, 1.0000001, &c), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_clevel_raw(&fixture, -0.01, &c), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_clevel_raw(&fixture, NAN, &c), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_clevel(&fixture, 0, 1.5, 0, &c), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_clevel(&fixture, 1.5, 0.5, 0, &c), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_clevel_decayed(&fixture, 0.5, -1, &c), PRICING_EDOMAIN);
  struct pricing_clevel_params p = fixture;
  p.c_min = 0.99;
  CHECK_INT_EQ(pricing_clevel(&p, 0, 0.5, 0, &c), PRICING_EDOMAIN);
  p = fixture;
  p.c_max = 1.0;
  CHECK_INT_EQ(pricing_clevel(&p, 0, 0.5, 0, &c), PRICING_EDOMAIN);
  p = fixture;
  p.alpha = 0;
  CHECK_INT_EQ(pricing_clevel_check(&p), PRICING_EDOMAIN);
  p = fixture;
  p.decay_per_hour = -0.1;
  CHECK_INT_EQ(pricing_clevel_check(&p), PRICING_EDOMAIN);
  CHECK_NEAR(c, 7, 0);
  CHECK_INT_EQ(pricing_clevel_check(&fixture), PRICING_OK);
}
