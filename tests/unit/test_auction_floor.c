/* Unit tests of the auction's pure rules: SPEC 4 defaults, parameter checks, lot sizing,
 * the floor spread in time and the floor (rounding, clamps, the instant it reaches a credit). */
#include "auction.h"
#include "testlib.h"

#define C(x) ((money_u128)(x)*AUCTION_CONTRACT)
#define USD(x) ((money_u128)(x)*AUCTION_USD)

TEST(params_defaults_are_spec4) {
  struct auction_params p;
  auction_params_default(&p);
  CHECK_U128_EQ(p.lot_size, 200000000);
  CHECK_U128_EQ(p.lot_rounding, 100000000);
  CHECK_INT_EQ(p.rfq_life_ms, 120000);
  CHECK_INT_EQ(p.grace_ms, 15000);
  CHECK_INT_EQ(p.hard_stop_ms, 7200000);
  CHECK_INT_EQ(p.backoff_base_ms, 4000);
  CHECK_U128_EQ(p.min_credit, 20000000);
  CHECK_U128_EQ(p.max_credit, 2000000000);
  CHECK_INT_EQ(p.floor_slope_ppm_per_min, 500000);
  CHECK_INT_EQ(p.floor_spread_cap_ppm, 1000000);
  CHECK_INT_EQ(auction_params_check(&p), AUCTION_OK);
}

TEST(params_check_refuses_nonsense) {
  struct auction_params d, p;
  auction_params_default(&d);
  CHECK_INT_EQ(auction_params_check(NULL), AUCTION_EINVALID);
  p = d, p.lot_rounding = 0;
  CHECK_INT_EQ(auction_params_check(&p), AUCTION_EINVALID);
  p = d, p.lot_size = C(1) - 1; /* below one rounding step: no lot could ever be offered */
  CHECK_INT_EQ(auction_params_check(&p), AUCTION_EINVALID);
  p = d, p.rfq_life_ms = 0;
  CHECK_INT_EQ(auction_params_check(&p), AUCTION_EINVALID);
  p = d, p.grace_ms = p.rfq_life_ms; /* never judged */
  CHECK_INT_EQ(auction_params_check(&p), AUCTION_EINVALID);
  p = d, p.grace_ms = -1;
  CHECK_INT_EQ(auction_params_check(&p), AUCTION_EINVALID);
  p = d, p.hard_stop_ms = 0;
  CHECK_INT_EQ(auction_params_check(&p), AUCTION_EINVALID);
  p = d, p.backoff_base_ms = -1;
  CHECK_INT_EQ(auction_params_check(&p), AUCTION_EINVALID);
  p = d, p.min_credit = p.max_credit + 1;
  CHECK_INT_EQ(auction_params_check(&p), AUCTION_EINVALID);
  p = d, p.grace_ms = 0, p.min_credit = p.max_credit;
  CHECK_INT_EQ(auction_params_check(&p), AUCTION_OK);
}

TEST(lot_amount_rounds_down_to_rounding) {
  struct auction_params p;
  auction_params_default(&p);
  money_u128 lot = 12345;
  CHECK_INT_EQ(auction_lot_amount(&p, C(10), &lot), AUCTION_OK);
  CHECK_U128_EQ(lot, C(2));
  CHECK_INT_EQ(auction_lot_amount(&p, C(1), &lot), AUCTION_OK);
  CHECK_U128_EQ(lot, C(1));
  CHECK_INT_EQ(auction_lot_amount(&p, C(1) + C(1) / 2, &lot), AUCTION_OK);
  CHECK_U128_EQ(lot, C(1));
  CHECK_INT_EQ(auction_lot_amount(&p, C(1) / 2, &lot), AUCTION_OK);
  CHECK_U128_EQ(lot, 0); /* below lot_rounding: not sold */
  CHECK_INT_EQ(auction_lot_amount(&p, 0, &lot), AUCTION_OK);
  CHECK_U128_EQ(lot, 0);
  p.lot_size = C(2) + C(1) / 2; /* a lot of 2.5 is itself rounded down to 2 */
  CHECK_INT_EQ(auction_lot_amount(&p, C(10), &lot), AUCTION_OK);
  CHECK_U128_EQ(lot, C(2));
  p.lot_rounding = 0;
  lot = 777;
  CHECK_INT_EQ(auction_lot_amount(&p, C(10), &lot), AUCTION_EINVALID);
  CHECK_U128_EQ(lot, 777); /* untouched on failure */
}

TEST(spread_grows_half_per_minute_rounded_down_capped) {
  struct auction_params p;
  auction_params_default(&p);
  struct {
    int64_t e;
    uint32_t ppm;
  } cases[] = {
      {-5, 0},
      {0, 0},
      {1, 8} /* 8.33 */,
      {120, 1000},
      {59999, 499991} /* 499991.67 */,
      {60000, 500000},
      {90000, 750000},
      {119999, 999991},
      {120000, 1000000},
      {120001, 1000000},
      {7200000, 1000000},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint32_t s = 42;
    CHECK_INT_EQ(auction_spread_ppm(&p, cases[i].e, &s), AUCTION_OK);
    CHECK_INT_EQ(s, cases[i].ppm);
  }
  uint32_t s;
  CHECK_INT_EQ(auction_spread_ppm(&p, INT64_MAX, &s), AUCTION_OK);
  CHECK_INT_EQ(s, 1000000);
}

TEST(floor_is_mark_over_one_plus_spread_rounded_up) {
  struct auction_params p;
  auction_params_default(&p);
  money_u128 f = 0;
  CHECK_INT_EQ(auction_floor(&p, USD(300), 0, &f), AUCTION_OK);
  CHECK_U128_EQ(f, USD(300));
  CHECK_INT_EQ(auction_floor(&p, USD(300), 60000, &f), AUCTION_OK);
  CHECK_U128_EQ(f, USD(200));
  CHECK_INT_EQ(auction_floor(&p, USD(300), 120000, &f), AUCTION_OK);
  CHECK_U128_EQ(f, USD(150));
  /* 100.000001 / 2 = 50.0000005: up, to 50.000001 */
  CHECK_INT_EQ(auction_floor(&p, USD(100) + 1, 120000, &f), AUCTION_OK);
  CHECK_U128_EQ(f, USD(50) + 1);
  /* 300 / 1.000008 = 299.997600019...: up */
  CHECK_INT_EQ(auction_floor(&p, USD(300), 1, &f), AUCTION_OK);
  CHECK_U128_EQ(f, 299997601);
}

TEST(floor_clamped_to_min_and_max_credit) {
  struct auction_params p;
  auction_params_default(&p);
  money_u128 f;
  CHECK_INT_EQ(auction_floor(&p, USD(30), 120000, &f), AUCTION_OK); /* 15 -> 20 */
  CHECK_U128_EQ(f, USD(20));
  CHECK_INT_EQ(auction_floor(&p, 0, 0, &f), AUCTION_OK);
  CHECK_U128_EQ(f, USD(20));
  CHECK_INT_EQ(auction_floor(&p, USD(5000), 0, &f), AUCTION_OK); /* 5000 -> 2000 */
  CHECK_U128_EQ(f, USD(2000));
  CHECK_INT_EQ(auction_floor(&p, USD(5000), 120000, &f), AUCTION_OK); /* 2500 -> 2000 */
  CHECK_U128_EQ(f, USD(2000));
  CHECK_INT_EQ(auction_floor(&p, USD(4000), 120000, &f), AUCTION_OK); /* exactly 2000 */
  CHECK_U128_EQ(f, USD(2000));
  CHECK_INT_EQ(auction_floor(&p, MONEY_U128_MAX, 0, &f), AUCTION_OK);
  CHECK_U128_EQ(f, USD(2000));
}

/* Mark 300, credit 250: 300 / (1 + s) <= 250 <=> s >= 0.2 <=> floor(e * 25 / 3) >= 200000
 * <=> e >= 24000 ms. One ms earlier the floor is 300 / 1.199991 = 250.0018... */
TEST(floor_reaches_a_credit_at_the_computed_instant) {
  struct auction_params p;
  auction_params_default(&p);
  money_u128 f;
  CHECK_INT_EQ(auction_floor(&p, USD(300), 23999, &f), AUCTION_OK);
  CHECK_U128_EQ(f, 250001876); /* 300e12 / 1199991 = 250001875.014..., up */
  CHECK(f > USD(250));
  CHECK_INT_EQ(auction_floor(&p, USD(300), 24000, &f), AUCTION_OK);
  CHECK_U128_EQ(f, USD(250));
}

TEST(floor_uses_the_params_slope_and_cap) {
  struct auction_params p;
  auction_params_default(&p);
  p.floor_slope_ppm_per_min = 1000000; /* 1.0 per minute */
  p.floor_spread_cap_ppm = 500000;     /* capped at 0.5 */
  money_u128 f;
  CHECK_INT_EQ(auction_floor(&p, USD(300), 15000, &f), AUCTION_OK); /* 300 / 1.25 */
  CHECK_U128_EQ(f, USD(240));
  CHECK_INT_EQ(auction_floor(&p, USD(300), 60000, &f), AUCTION_OK); /* 300 / 1.5 */
  CHECK_U128_EQ(f, USD(200));
  p.floor_slope_ppm_per_min = 0; /* a flat floor at the mark */
  CHECK_INT_EQ(auction_floor(&p, USD(300), 100000, &f), AUCTION_OK);
  CHECK_U128_EQ(f, USD(300));
  p.min_credit = p.max_credit + 1;
  f = 9;
  CHECK_INT_EQ(auction_floor(&p, USD(300), 0, &f), AUCTION_EINVALID);
  CHECK_U128_EQ(f, 9);
}
