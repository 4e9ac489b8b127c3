/* Unit tests: SSVI slices and surfaces (pricing/ssvi.h). */
#include "ssvi.h"
#include "testlib.h"

#include <math.h>

static const char *reason_of(double tau, double theta, double psi, double rho) {
  struct pricing_ssvi_slice s;
  enum pricing_ssvi_reason why = PRICING_SSVI_OK;
  int rc = pricing_ssvi_slice_make(tau, theta, psi, rho, &s, &why);
  if (rc == PRICING_OK) return "ok";
  CHECK_INT_EQ(rc, PRICING_EINVALID);
  return pricing_ssvi_reason_str(why);
}

TEST(ssvi_slice_refusals) {
  CHECK_STR_EQ(reason_of(0.1, 0.04, 0.2, -0.3), "ok");
  CHECK_STR_EQ(reason_of(0.1, 0.04, 0, -0.3), "psi_not_positive");
  CHECK_STR_EQ(reason_of(0.1, 0.04, -0.1, -0.3), "psi_not_positive");
  CHECK_STR_EQ(reason_of(0.1, 0.04, 0.2, 1), "rho_out_of_range");
  CHECK_STR_EQ(reason_of(0.1, 0.04, 0.2, -1), "rho_out_of_range");
  CHECK_STR_EQ(reason_of(0.1, 0.04, 0.2, 1.5), "rho_out_of_range");
  /* psi(1+|rho|) >= 4: psi 2.5, rho 0.6 -> 4.0 exactly (refused), large theta so the
   * other condition holds. */
  CHECK_STR_EQ(reason_of(1, 10, 2.5, 0.6), "psi_rho_too_large");
  CHECK_STR_EQ(reason_of(1, 10, 2.4, 0.6), "ok");
  /* psi^2(1+|rho|) > 4 theta: psi 0.5, rho 0 -> 0.25 > 4*0.06 = 0.24; equality allowed. */
  CHECK_STR_EQ(reason_of(1, 0.06, 0.5, 0), "psi_theta_too_large");
  CHECK_STR_EQ(reason_of(1, 0.0625, 0.5, 0), "ok");
  CHECK_STR_EQ(reason_of(0.1, 0, 0.2, 0), "theta_not_positive");
  CHECK_STR_EQ(reason_of(0, 0.04, 0.2, 0), "tau_not_positive");
  CHECK_STR_EQ(reason_of(0.1, NAN, 0.2, 0), "not_finite");
  CHECK_STR_EQ(reason_of(0.1, 0.04, INFINITY, 0), "not_finite");

  struct pricing_ssvi_slice s = {PRICING_SLICE_SSVI, 1, 1, 1, 0}, out = s;
  enum pricing_ssvi_reason why;
  CHECK_INT_EQ(pricing_ssvi_slice_flat(0.5, 0, &out, &why), PRICING_EINVALID);
  CHECK_STR_EQ(pricing_ssvi_reason_str(why), "sigma_not_positive");
  CHECK_INT_EQ(pricing_ssvi_slice_flat(-0.5, 0.2, &out, &why), PRICING_EINVALID);
  CHECK_STR_EQ(pricing_ssvi_reason_str(why), "tau_not_positive");
  CHECK_NEAR(out.theta, 1, 0); /* untouched */
  s.kind = PRICING_SLICE_FLAT;
  CHECK_INT_EQ(pricing_ssvi_slice_check(&s, &why), PRICING_EINVALID);
  CHECK_STR_EQ(pricing_ssvi_reason_str(why), "flat_with_psi_or_rho");
  s.kind = (enum pricing_slice_kind)9;
  CHECK_INT_EQ(pricing_ssvi_slice_check(&s, NULL), PRICING_EINVALID);
}

/* The SPEC formula written naively. */
static double naive_w(double theta, double psi, double rho, double k) {
  double phi = psi / theta;
  return theta / 2 * (1 + rho * phi * k + sqrt((phi * k + rho) * (phi * k + rho) + 1 - rho * rho));
}

TEST(ssvi_slice_evaluation) {
  struct pricing_ssvi_slice s;
  REQUIRE(pricing_ssvi_slice_make(0.25, 0.04, 0.3, -0.4, &s, NULL) == PRICING_OK);
  CHECK_NEAR(pricing_ssvi_total_variance(&s, 0), 0.04, 1e-17);
  CHECK_NEAR(pricing_ssvi_vol(&s, 0), 0.4, 1e-15);
  for (double k = -3; k <= 3; k += 0.125) {
    double w = pricing_ssvi_total_variance(&s, k);
    CHECK_NEAR(w, naive_w(0.04, 0.3, -0.4, k), 1e-15);
    CHECK(w > 0);
  }
  /* Negative rho: steeper on the put side. */
  CHECK(pricing_ssvi_vol(&s, -0.5) > pricing_ssvi_vol(&s, 0.5));
  /* Far wing stays positive and accurate (stable form) where the naive form cancels. */
  REQUIRE(pricing_ssvi_slice_make(1, 0.1, 0.39, -0.999, &s, NULL) == PRICING_OK);
  double w = pricing_ssvi_total_variance(&s, 50);
  long double phi = 0.39L / 0.1L, u = phi * 50 - 0.999L, c = 1 - 0.999L * 0.999L;
  long double exact = 0.05L * (1 + -0.999L * phi * 50 + sqrtl(u * u + c));
  CHECK(w > 0);
  CHECK_NEAR(w / (double)exact, 1, 1e-9);
  /* rho = 0: symmetric in k. */
  REQUIRE(pricing_ssvi_slice_make(0.5, 0.08, 0.5, 0, &s, NULL) == PRICING_OK);
  CHECK_NEAR(pricing_ssvi_total_variance(&s, 0.7), pricing_ssvi_total_variance(&s, -0.7), 1e-17);
}

TEST(ssvi_flat_iv) {
  struct pricing_surface sf;
  struct pricing_ssvi_slice sl;
  pricing_surface_init(&sf);
  REQUIRE(pricing_ssvi_slice_flat(7.0 / 365, 1.54, &sl, NULL) == PRICING_OK);
  CHECK_NEAR(sl.theta, 1.54 * 1.54 * 7 / 365, 1e-16);
  REQUIRE(pricing_surface_put(&sf, &sl, NULL) == PRICING_OK);
  double v;
  for (double K = 200; K <= 5000; K *= 1.3) {
    REQUIRE(pricing_surface_vol(&sf, K, 1000, 7.0 / 365, &v) == PRICING_OK);
    CHECK_NEAR(v, 1.54, 1e-14);
  }
  /* One flat slice: flat everywhere in tau too. */
  REQUIRE(pricing_surface_vol(&sf, 1100, 1000, 1.0 / 365, &v) == PRICING_OK);
  CHECK_NEAR(v, 1.54, 1e-14);
  REQUIRE(pricing_surface_vol(&sf, 1100, 1000, 0.9, &v) == PRICING_OK);
  CHECK_NEAR(v, 1.54, 1e-14);
  /* Two flat slices: total variance linear in tau between them. */
  struct pricing_ssvi_slice s2;
  REQUIRE(pricing_ssvi_slice_flat(21.0 / 365, 1.0, &s2, NULL) == PRICING_OK);
  REQUIRE(pricing_surface_put(&sf, &s2, NULL) == PRICING_OK);
  CHECK_INT_EQ(sf.n, 2);
  double tm = 14.0 / 365;
  REQUIRE(pricing_surface_vol(&sf, 1100, 1000, tm, &v) == PRICING_OK);
  double wm = 0.5 * (sl.theta + s2.theta);
  CHECK_NEAR(v, sqrt(wm / tm), 1e-14);
}

TEST(ssvi_surface_checks) {
  struct pricing_ssvi_slice in[3];
  REQUIRE(pricing_ssvi_slice_make(0.5, 0.08, 0.4, -0.3, &in[0], NULL) == PRICING_OK);
  REQUIRE(pricing_ssvi_slice_make(0.1, 0.02, 0.2, -0.5, &in[1], NULL) == PRICING_OK);
  REQUIRE(pricing_ssvi_slice_make(1.0, 0.15, 0.5, -0.2, &in[2], NULL) == PRICING_OK);
  struct pricing_surface sf;
  pricing_surface_init(&sf);
  enum pricing_ssvi_reason why = PRICING_SSVI_OK;
  size_t bad = 99;
  REQUIRE(pricing_surface_set(&sf, in, 3, &why, &bad) == PRICING_OK);
  CHECK_INT_EQ(sf.n, 3);
  CHECK_NEAR(sf.slice[0].tau, 0.1, 0); /* sorted */
  CHECK_NEAR(sf.slice[2].tau, 1.0, 0);

  /* theta not increasing in tau: refused, surface untouched, index of the culprit. */
  struct pricing_ssvi_slice bad_in[3] = {in[0], in[1], in[2]};
  bad_in[2].theta = 0.07; /* tau 1.0 below tau 0.5's 0.08 */
  bad_in[2].psi = 0.3;
  CHECK_INT_EQ(pricing_surface_set(&sf, bad_in, 3, &why, &bad), PRICING_EINVALID);
  CHECK_STR_EQ(pricing_ssvi_reason_str(why), "theta_not_increasing");
  CHECK_INT_EQ(bad, 2);
  bad_in[2].theta = 0.08; /* equal is not increasing */
  CHECK_INT_EQ(pricing_surface_set(&sf, bad_in, 3, &why, &bad), PRICING_EINVALID);
  CHECK_STR_EQ(pricing_ssvi_reason_str(why), "theta_not_increasing");
  CHECK_INT_EQ(sf.n, 3);
  CHECK_NEAR(sf.slice[2].theta, 0.15, 0);

  bad_in[2] = in[2];
  bad_in[1].psi = -1;
  CHECK_INT_EQ(pricing_surface_set(&sf, bad_in, 3, &why, &bad), PRICING_EINVALID);
  CHECK_STR_EQ(pricing_ssvi_reason_str(why), "psi_not_positive");
  CHECK_INT_EQ(bad, 1);
  bad_in[1] = in[0];
  CHECK_INT_EQ(pricing_surface_set(&sf, bad_in, 3, &why, &bad), PRICING_EINVALID);
  CHECK_STR_EQ(pricing_ssvi_reason_str(why), "tau_duplicate");
  CHECK_INT_EQ(pricing_surface_set(&sf, in, 0, &why, &bad), PRICING_EINVALID);
  CHECK_STR_EQ(pricing_ssvi_reason_str(why), "empty_surface");
  CHECK_INT_EQ(pricing_surface_set(&sf, in, PRICING_SURFACE_MAX_SLICES + 1, &why, &bad),
               PRICING_EINVALID);
  CHECK_STR_EQ(pricing_ssvi_reason_str(why), "too_many_slices");

  /* put: replacing a slice, refusing one that breaks monotonicity. */
  struct pricing_ssvi_slice r;
  REQUIRE(pricing_ssvi_slice_make(0.5, 0.09, 0.4, -0.3, &r, NULL) == PRICING_OK);
  REQUIRE(pricing_surface_put(&sf, &r, &why) == PRICING_OK);
  CHECK_INT_EQ(sf.n, 3);
  CHECK_NEAR(sf.slice[1].theta, 0.09, 0);
  REQUIRE(pricing_ssvi_slice_make(0.7, 0.05, 0.3, -0.3, &r, NULL) == PRICING_OK);
  CHECK_INT_EQ(pricing_surface_put(&sf, &r, &why), PRICING_EINVALID);
  CHECK_STR_EQ(pricing_ssvi_reason_str(why), "theta_not_increasing");
  CHECK_INT_EQ(sf.n, 3);
  r.psi = -0.3;
  CHECK_INT_EQ(pricing_surface_put(&sf, &r, &why), PRICING_EINVALID);
  CHECK_STR_EQ(pricing_ssvi_reason_str(why), "psi_not_positive");
  /* Full surface. */
  struct pricing_surface full;
  pricing_surface_init(&full);
  for (int i = 0; i < PRICING_SURFACE_MAX_SLICES; i++) {
    REQUIRE(pricing_ssvi_slice_flat(0.01 * (i + 1), 0.5, &r, NULL) == PRICING_OK);
    REQUIRE(pricing_surface_put(&full, &r, NULL) == PRICING_OK);
  }
  REQUIRE(pricing_ssvi_slice_flat(5, 0.5, &r, NULL) == PRICING_OK);
  CHECK_INT_EQ(pricing_surface_put(&full, &r, &why), PRICING_EINVALID);
  CHECK_STR_EQ(pricing_ssvi_reason_str(why), "too_many_slices");
}

TEST(ssvi_interpolation_and_extrapolation) {
  struct pricing_ssvi_slice in[2], mid;
  REQUIRE(pricing_ssvi_slice_make(0.2, 0.02, 0.2, -0.6, &in[0], NULL) == PRICING_OK);
  REQUIRE(pricing_ssvi_slice_make(0.6, 0.06, 0.4, -0.2, &in[1], NULL) == PRICING_OK);
  struct pricing_surface sf;
  REQUIRE(pricing_surface_set(&sf, in, 2, NULL, NULL) == PRICING_OK);
  /* Midpoint: theta, psi and rho*psi are the averages. */
  REQUIRE(pricing_surface_slice_at(&sf, 0.4, &mid) == PRICING_OK);
  CHECK_NEAR(mid.theta, 0.04, 1e-17);
  CHECK_NEAR(mid.psi, 0.3, 1e-16);
  CHECK_NEAR(mid.rho * mid.psi, 0.5 * (-0.6 * 0.2 + -0.2 * 0.4), 1e-16);
  double v;
  REQUIRE(pricing_surface_vol(&sf, 100, 100, 0.4, &v) == PRICING_OK);
  CHECK_NEAR(v, sqrt(0.04 / 0.4), 1e-15);
  REQUIRE(pricing_surface_vol(&sf, 120, 100, 0.4, &v) == PRICING_OK);
  CHECK_NEAR(v, sqrt(naive_w(0.04, 0.3, -0.1 / 0.3, log(1.2)) / 0.4), 1e-14);
  /* A quarter of the way. */
  REQUIRE(pricing_surface_slice_at(&sf, 0.3, &mid) == PRICING_OK);
  CHECK_NEAR(mid.theta, 0.03, 1e-17);
  CHECK_NEAR(mid.psi, 0.25, 1e-16);
  /* At a slice: that slice. */
  REQUIRE(pricing_surface_vol(&sf, 90, 100, 0.6, &v) == PRICING_OK);
  CHECK_NEAR(v, pricing_ssvi_vol(&in[1], log(0.9)), 1e-15);
  /* Outside: flat in sigma at each k, before the first and beyond the last. */
  for (double K = 50; K <= 200; K *= 1.25) {
    double k = log(K / 100);
    REQUIRE(pricing_surface_vol(&sf, K, 100, 0.05, &v) == PRICING_OK);
    CHECK_NEAR(v, pricing_ssvi_vol(&in[0], k), 1e-14);
    REQUIRE(pricing_surface_vol(&sf, K, 100, 2.0, &v) == PRICING_OK);
    CHECK_NEAR(v, pricing_ssvi_vol(&in[1], k), 1e-14);
  }
  /* Total variance increases with tau at fixed k across the whole range. */
  for (double K = 50; K <= 200; K *= 1.25) {
    double prev = 0;
    for (double t = 0.01; t < 3; t *= 1.1) {
      REQUIRE(pricing_surface_vol(&sf, K, 100, t, &v) == PRICING_OK);
      CHECK(v * v * t > prev);
      prev = v * v * t;
    }
  }
  /* Errors. */
  struct pricing_surface empty;
  pricing_surface_init(&empty);
  CHECK_INT_EQ(pricing_surface_vol(&empty, 100, 100, 0.1, &v), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_surface_vol(&sf, 0, 100, 0.1, &v), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_surface_vol(&sf, 100, -1, 0.1, &v), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_surface_vol(&sf, 100, 100, 0, &v), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_surface_vol(&sf, 100, 100, NAN, &v), PRICING_EDOMAIN);
}
