/* test_cycle_select: stage 2's expiry window, candidate strikes, choice and retry status,
 * against an independent Black–Scholes (erfc) and the rule re-derived in the test. */
#include "calendar.h"
#include "cycle_select.h"
#include "testlib.h"

#include <math.h>

#define USD(x) ((money_u128)(x)*1000000u)
#define HOUR INT64_C(3600000)
#define WIDTH USD(2000)
#define C(x) ((money_u128)(x)*100000000u) /* contracts */

/* Friday 2026-11-27 08:00 UTC. */
static int64_t friday(void) {
  int64_t ms = 0;
  if (pricing_expiry_ms(2026, 11, 27, &ms) != PRICING_OK) return -1;
  return ms;
}

/* A surface for the tests: sigma = base + skew·(spot - K)/spot, one rate; counts calls and
 * records the strikes asked for; fails on request. */
struct surface {
  double base, skew, rate;
  double spot_usd;
  int fail;
  size_t calls;
  money_u128 asked[64];
  int64_t expiry_asked;
};

static int surface_fn(void *ctx, money_u128 strike, int64_t expiry_ms, double *sigma,
                      double *rate) {
  struct surface *s = ctx;
  if (s->fail) return -1;
  if (s->calls < 64) s->asked[s->calls] = strike;
  s->calls++;
  s->expiry_asked = expiry_ms;
  double K = (double)(strike / 1000000u);
  *sigma = s->base + s->skew * (s->spot_usd - K) / s->spot_usd;
  *rate = s->rate;
  return 0;
}

/* Independent put: K e^{-r t} N(-d2) - S N(-d1), N(x) = erfc(-x / sqrt 2) / 2. */
static double ncdf(double x) {
  return 0.5 * erfc(-x / sqrt(2.0));
}
static double put(double S, double K, double t, double sig, double r) {
  double sd = sig * sqrt(t);
  double d1 = (log(S / K) + (r + sig * sig / 2) * t) / sd, d2 = d1 - sd;
  return K * exp(-r * t) * ncdf(-d2) - S * ncdf(-d1);
}

/* The expected K1 by the stated rule: K1 = 2000·j < spot, K2 >= spot/2; mark =
 * floor(credit·10^6); closest mark to 0.07·width within [0.02, 0.12]·width, ties lower. */
static money_u128 expected_k1(const struct surface *s, double t, money_u128 *mark) {
  money_u128 best = 0, best_mark = 0;
  double best_d = 1e300;
  for (long k1 = 2000; (double)k1 < s->spot_usd; k1 += 2000) {
    long k2 = k1 - 2000;
    if (2.0 * (double)k2 < s->spot_usd) continue;
    double sig1 = s->base + s->skew * (s->spot_usd - (double)k1) / s->spot_usd;
    double sig2 = s->base + s->skew * (s->spot_usd - (double)k2) / s->spot_usd;
    double credit = put(s->spot_usd, (double)k1, t, sig1, s->rate) -
                    put(s->spot_usd, (double)k2, t, sig2, s->rate);
    if (credit < 0) continue;
    double m = floor(credit * 1e6);
    if (m < 40e6 || m > 240e6) continue;
    double d = fabs(m - 140e6);
    if (d < best_d) {
      best_d = d;
      best = USD(k1);
      best_mark = (money_u128)m;
    }
  }
  *mark = best_mark;
  return best;
}

static void check_flat(double sigma, long want_k1_usd) {
  struct cycle_select_params p = cycle_select_params_default(WIDTH);
  int64_t E = friday(), now = E - 168 * HOUR;
  struct surface s = {.base = sigma, .spot_usd = 60000};
  struct cycle_spread out;
  REQUIRE(cycle_select_spread(&p, now, USD(60000), surface_fn, &s, &out) == CYCLE_OK);
  money_u128 mark = 0;
  money_u128 k1 = expected_k1(&s, 7.0 / 365.0, &mark);
  CHECK_U128_EQ(k1, USD(want_k1_usd));
  CHECK_U128_EQ(out.k1, k1);
  CHECK_U128_EQ(out.k2, k1 - WIDTH);
  CHECK_U128_EQ(out.width, WIDTH);
  CHECK_INT_EQ(out.expiry_ms, E);
  CHECK(out.mark + 1 >= mark && out.mark <= mark + 1); /* two BS codes: floor may differ by 1 */
  CHECK_U128_EQ(out.ratio_ppm, out.mark * 1000000u / WIDTH);
  CHECK_INT_EQ(s.expiry_asked, E);
}

/* Spot 60 000, 7 days, r = 0 (ratios by K1, from the test's own BS):
 * sigma 0.3: 56 000 0.0221, 58 000 0.1190 -> 56 000 (0.0479 from 0.07 vs 0.0490)
 * sigma 0.5: 54 000 0.0412, 56 000 0.1133 -> 54 000
 * sigma 0.6: 54 000 0.0750                -> 54 000
 * sigma 0.8: 52 000 0.0800, 50 000 0.0389 -> 52 000 */
TEST(select_flat_surface_closest_to_target) {
  check_flat(0.3, 56000);
  check_flat(0.5, 54000);
  check_flat(0.6, 54000);
  check_flat(0.8, 52000);
}

TEST(select_skewed_surface_uses_each_legs_sigma) {
  struct cycle_select_params p = cycle_select_params_default(WIDTH);
  int64_t E = friday(), now = E - 150 * HOUR;
  struct surface s = {.base = 0.45, .skew = 0.9, .rate = 0.03, .spot_usd = 61234};
  struct cycle_spread out;
  REQUIRE(cycle_select_spread(&p, now, USD(61234), surface_fn, &s, &out) == CYCLE_OK);
  money_u128 mark = 0;
  money_u128 k1 = expected_k1(&s, (double)(E - now) / 1000.0 / 31536000.0, &mark);
  REQUIRE(k1 != 0);
  CHECK_U128_EQ(out.k1, k1);
  CHECK(out.mark + 1 >= mark && out.mark <= mark + 1);
}

TEST(select_candidate_strikes_each_priced_once_ascending) {
  struct cycle_select_params p = cycle_select_params_default(WIDTH);
  int64_t now = friday() - 160 * HOUR;
  struct cycle_spread out;
  /* spot 60 000: K2 >= 30 000, K1 < 60 000 -> strikes 30 000 .. 58 000 */
  struct surface s = {.base = 0.6, .spot_usd = 60000};
  REQUIRE(cycle_select_spread(&p, now, USD(60000), surface_fn, &s, &out) == CYCLE_OK);
  CHECK_INT_EQ(s.calls, 15);
  for (size_t i = 0; i < s.calls && i < 15; i++)
    CHECK_U128_EQ(s.asked[i], USD(30000 + 2000 * i));
  /* spot 60 000.000001: K1 = 60 000 joins; K2 >= 30 000.0000005 drops 30 000 */
  struct surface s2 = {.base = 0.6, .spot_usd = 60000};
  REQUIRE(cycle_select_spread(&p, now, USD(60000) + 1, surface_fn, &s2, &out) == CYCLE_OK);
  CHECK_INT_EQ(s2.calls, 15);
  CHECK_U128_EQ(s2.asked[0], USD(32000));
  CHECK_U128_EQ(s2.asked[14], USD(60000));
  /* spot 59 999.999999: K1 up to 58 000 */
  struct surface s3 = {.base = 0.6, .spot_usd = 60000};
  REQUIRE(cycle_select_spread(&p, now, USD(60000) - 1, surface_fn, &s3, &out) == CYCLE_OK);
  CHECK_INT_EQ(s3.calls, 15);
  CHECK_U128_EQ(s3.asked[14], USD(58000));
}

TEST(select_expiry_window_edges) {
  struct cycle_select_params p = cycle_select_params_default(WIDTH);
  int64_t E = friday(), got = 0;
  REQUIRE(E > 0);
  CHECK_INT_EQ(cycle_select_expiry(&p, E - 144 * HOUR, &got), CYCLE_OK);
  CHECK_INT_EQ(got, E);
  got = 0;
  CHECK_INT_EQ(cycle_select_expiry(&p, E - 168 * HOUR, &got), CYCLE_OK);
  CHECK_INT_EQ(got, E);
  got = 7;
  CHECK_INT_EQ(cycle_select_expiry(&p, E - 144 * HOUR + 1, &got), CYCLE_ENO_EXPIRY);
  CHECK_INT_EQ(cycle_select_expiry(&p, E - 168 * HOUR - 1, &got), CYCLE_ENO_EXPIRY);
  CHECK_INT_EQ(got, 7);
  /* through the selection too: no expiry, the surface is never asked, out untouched */
  struct surface s = {.base = 0.6, .spot_usd = 60000};
  struct cycle_spread out = {.k1 = 42};
  CHECK_INT_EQ(cycle_select_spread(&p, E - 144 * HOUR + 1, USD(60000), surface_fn, &s, &out),
               CYCLE_ENO_EXPIRY);
  CHECK_INT_EQ(s.calls, 0);
  CHECK_U128_EQ(out.k1, 42);
  CHECK_INT_EQ(cycle_select_spread(&p, E - 144 * HOUR, USD(60000), surface_fn, &s, &out), CYCLE_OK);
  CHECK_INT_EQ(out.expiry_ms, E);
}

TEST(select_nothing_in_band_is_the_retry_status) {
  struct cycle_select_params p = cycle_select_params_default(WIDTH);
  int64_t now = friday() - 168 * HOUR;
  struct surface s = {.base = 0.05, .spot_usd = 60000}; /* every ratio far below 0.02 */
  struct cycle_spread out = {.k1 = 42};
  CHECK_INT_EQ(cycle_select_spread(&p, now, USD(60000), surface_fn, &s, &out), CYCLE_ENO_SPREAD);
  CHECK_U128_EQ(out.k1, 42);
  CHECK_INT_EQ(CYCLE_SELECT_RETRY_MS, 60000);
  CHECK_STR_EQ(cycle_strerror(CYCLE_ENO_SPREAD), "no_spread");
  /* a spot too low for one width: no candidate at all, same status */
  CHECK_INT_EQ(cycle_select_spread(&p, now, USD(3000), surface_fn, &s, &out), CYCLE_ENO_SPREAD);
}

TEST(select_pick_band_edges_and_ties_to_lower_k1) {
  struct cycle_select_params p = cycle_select_params_default(WIDTH);
  size_t best = 99;
  /* target 0.07·2000 = 140 USD; 130 and 150 are equally far: the lower K1 wins, any order */
  struct cycle_candidate tie[] = {{USD(56000), USD(150)}, {USD(54000), USD(130)}};
  CHECK_INT_EQ(cycle_select_pick(&p, tie, 2, &best), CYCLE_OK);
  CHECK_INT_EQ(best, 1);
  struct cycle_candidate tie2[] = {{USD(54000), USD(130)}, {USD(56000), USD(150)}};
  CHECK_INT_EQ(cycle_select_pick(&p, tie2, 2, &best), CYCLE_OK);
  CHECK_INT_EQ(best, 0);
  /* one micro-dollar closer beats the tie rule */
  struct cycle_candidate near[] = {{USD(54000), USD(130)}, {USD(56000), USD(150) - 1}};
  CHECK_INT_EQ(cycle_select_pick(&p, near, 2, &best), CYCLE_OK);
  CHECK_INT_EQ(best, 1);
  /* band [40, 240] USD inclusive */
  struct cycle_candidate lo_in[] = {{USD(50000), USD(40)}};
  struct cycle_candidate lo_out[] = {{USD(50000), USD(40) - 1}};
  struct cycle_candidate hi_in[] = {{USD(58000), USD(240)}};
  struct cycle_candidate hi_out[] = {{USD(58000), USD(240) + 1}};
  CHECK_INT_EQ(cycle_select_pick(&p, lo_in, 1, &best), CYCLE_OK);
  CHECK_INT_EQ(cycle_select_pick(&p, hi_in, 1, &best), CYCLE_OK);
  best = 99;
  CHECK_INT_EQ(cycle_select_pick(&p, lo_out, 1, &best), CYCLE_ENO_SPREAD);
  CHECK_INT_EQ(cycle_select_pick(&p, hi_out, 1, &best), CYCLE_ENO_SPREAD);
  CHECK_INT_EQ(cycle_select_pick(&p, NULL, 0, &best), CYCLE_ENO_SPREAD);
  CHECK_INT_EQ(best, 99);
}

TEST(select_oracle_model_and_parameter_failures) {
  struct cycle_select_params p = cycle_select_params_default(WIDTH);
  int64_t now = friday() - 168 * HOUR;
  struct cycle_spread out = {.k1 = 42};
  struct surface bad = {.base = 0.6, .spot_usd = 60000, .fail = 1};
  CHECK_INT_EQ(cycle_select_spread(&p, now, USD(60000), surface_fn, &bad, &out), CYCLE_EORACLE);
  struct surface zero = {.base = 0.0, .spot_usd = 60000};
  CHECK_INT_EQ(cycle_select_spread(&p, now, USD(60000), surface_fn, &zero, &out), CYCLE_EPRICING);
  struct surface ok = {.base = 0.6, .spot_usd = 60000};
  CHECK_INT_EQ(cycle_select_spread(&p, now, 0, surface_fn, &ok, &out), CYCLE_EINVALID);
  CHECK_INT_EQ(cycle_select_spread(&p, now, USD(60000), NULL, &ok, &out), CYCLE_EINVALID);
  struct cycle_select_params fine = cycle_select_params_default(USD(1)); /* 30 000 candidates */
  CHECK_INT_EQ(cycle_select_spread(&fine, now, USD(60000), surface_fn, &ok, &out), CYCLE_EINVALID);
  struct cycle_select_params q = p;
  q.target_ppm = 130000; /* above max */
  CHECK_INT_EQ(cycle_select_params_check(&q), CYCLE_EINVALID);
  q = p, q.strike_diff = 0;
  CHECK_INT_EQ(cycle_select_params_check(&q), CYCLE_EINVALID);
  q = p, q.expiry_min_ms = q.expiry_max_ms + 1;
  CHECK_INT_EQ(cycle_select_params_check(&q), CYCLE_EINVALID);
  CHECK_U128_EQ(out.k1, 42);
  CHECK_INT_EQ(ok.calls, 0);
}

TEST(desired_spreads_collateral_minus_open) {
  money_u128 d = 7;
  CHECK_INT_EQ(cycle_desired_spreads(C(100), 8, C(30), &d), CYCLE_OK);
  CHECK_U128_EQ(d, C(70));
  CHECK_INT_EQ(cycle_desired_spreads(C(100), 8, C(101), &d), CYCLE_OK);
  CHECK_U128_EQ(d, 0);
  /* 18 decimals: 1.5 ETH + 7 wei -> 1.5 contracts, rounded down */
  CHECK_INT_EQ(cycle_desired_spreads((money_u128)1500000000000000000u + 7u, 18, 0, &d), CYCLE_OK);
  CHECK_U128_EQ(d, 150000000u);
  /* 6 decimals: 1.5 -> 1.5 contracts */
  CHECK_INT_EQ(cycle_desired_spreads(1500000u, 6, 50000000u, &d), CYCLE_OK);
  CHECK_U128_EQ(d, 100000000u);
  d = 7;
  CHECK_INT_EQ(cycle_desired_spreads(1, 39, 0, &d), CYCLE_EINVALID);
  CHECK_INT_EQ(cycle_desired_spreads(MONEY_U128_MAX, 0, 0, &d), CYCLE_EOVERFLOW);
  CHECK_U128_EQ(d, 7);
}
