/* test_depot_quote: SPEC 5.1's reference quotes and every filter, in order, with its numbers. */
#include "test_depot_fixture.h"

#include <math.h>

#define WEEK (FX_NOW + 7 * FX_DAY) /* Fri 2023-03-03 08:00 UTC */

/* The fixture's put depot: 5500 USDC, nothing locked, last "trade" (creation) 3 h ago. */
static struct depot_book *put_depot(void) {
  return fx_book(FX_NOW - 3 * FX_HOUR, FX_USD(5500));
}

TEST(quote_reference_put_depot) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = put_depot();
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_request r = fx_request(PRICING_PUT, WEEK, 1100, FX_CONTRACTS(3));
  struct depot_quote q;
  struct depot_refusal why;
  REQUIRE(depot_quote(&p, b, &m, &r, &q, &why) == DEPOT_OK);
  CHECK_NEAR(q.u_before, 0, 0);
  CHECK_NEAR(q.u_after, 0.6, 1e-15);
  CHECK_NEAR(q.hours, 3, 0);
  CHECK_NEAR(q.tau, 7.0 / 365, 1e-17);
  CHECK_NEAR(q.iv, 1.54, 0);
  CHECK_NEAR(q.clevel, 1.0622718, 1e-7);
  CHECK(fabs(q.delta) >= 0.1 && fabs(q.delta) <= 0.7 && q.delta < 0);
  CHECK_U128_EQ(q.collateral, FX_USD(3300));
  CHECK_NEAR((double)q.premium / 1e6, 443.2024, 1e-4);
  CHECK_NEAR((double)q.spread / 1e6, 27.599, 1e-3);
  CHECK_U128_EQ(q.mint_fee, 9900000);
  CHECK_NEAR((double)q.total / 1e6, 480.70, 0.01);
  /* The integers reconcile exactly: spread from premium and the C-level's fixed point. */
  CHECK_U128_EQ(q.spread, q.premium * (q.clevel_wad - FX_E18) / FX_E18);
  CHECK_U128_EQ(q.total, q.premium + q.spread + q.mint_fee);
  CHECK_NEAR((double)q.clevel_wad / 1e18, q.clevel, 1e-15);
  CHECK_INT_EQ(q.dte_ms, 7 * FX_DAY);
  CHECK_INT_EQ(q.quoted_ms, FX_NOW);
  printf("put depot: premium %s spread %s fee %s total %s (USDC base units), C %.9f "
         "clevel_wad %s delta %.9f\n",
         testlib_u128(q.premium), testlib_u128(q.spread), testlib_u128(q.mint_fee),
         testlib_u128(q.total), q.clevel, testlib_u128(q.clevel_wad), q.delta);
  fx_free(b);
}

TEST(quote_reference_call_depot) {
  /* The same fixture's call depot on ETH (18 decimals): 5 ETH deposited. */
  struct depot_params p = fx_params(PRICING_CALL, 18);
  struct depot_book *b = fx_book(FX_NOW - 3 * FX_HOUR, 5 * FX_E18);
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_request r = fx_request(PRICING_CALL, WEEK, 1100, FX_CONTRACTS(3));
  struct depot_quote q;
  struct depot_refusal why;
  REQUIRE(depot_quote(&p, b, &m, &r, &q, &why) == DEPOT_OK);
  CHECK_U128_EQ(q.collateral, 3 * FX_E18);
  CHECK_NEAR(q.u_after, 0.6, 1e-15);
  CHECK_NEAR(q.clevel, 1.0622718, 1e-7);
  CHECK_NEAR(q.fair, 0.0479450686134, 1e-12);
  CHECK(q.delta > 0.1 && q.delta < 0.7);
  CHECK_U128_EQ(q.mint_fee, 9 * FX_E18 / 1000); /* 0.009 ETH */
  CHECK_NEAR((double)q.total / 1e18, 0.1617921, 1e-7);
  CHECK_U128_EQ(q.spread, q.premium * (q.clevel_wad - FX_E18) / FX_E18);
  CHECK_U128_EQ(q.total, q.premium + q.spread + q.mint_fee);
  printf("call depot (18 dec): premium %s spread %s fee %s total %s\n", testlib_u128(q.premium),
         testlib_u128(q.spread), testlib_u128(q.mint_fee), testlib_u128(q.total));
  fx_free(b);

  /* An 8-decimal underlying quotes the same figures at its own precision. */
  p = fx_params(PRICING_CALL, 8);
  b = fx_book(FX_NOW - 3 * FX_HOUR, 5 * (money_u128)100000000);
  REQUIRE(depot_quote(&p, b, &m, &r, &q, &why) == DEPOT_OK);
  CHECK_U128_EQ(q.mint_fee, 900000);
  CHECK_NEAR((double)q.total / 1e8, 0.1617921, 1e-7);
  fx_free(b);
}

TEST(quote_decay_lowers_the_level_to_its_floor) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_request r = fx_request(PRICING_PUT, WEEK, 1100, FX_CONTRACTS(3));
  struct depot_quote q0, q3, qlong;
  struct depot_refusal why;
  struct depot_book *b = fx_book(FX_NOW, FX_USD(5500)); /* created now: h = 0 */
  REQUIRE(depot_quote(&p, b, &m, &r, &q0, &why) == DEPOT_OK);
  b->created_ms = b->last_trade_ms = FX_NOW - 3 * FX_HOUR;
  REQUIRE(depot_quote(&p, b, &m, &r, &q3, &why) == DEPOT_OK);
  b->created_ms = b->last_trade_ms = FX_NOW - 1000 * FX_HOUR;
  REQUIRE(depot_quote(&p, b, &m, &r, &qlong, &why) == DEPOT_OK);
  CHECK(q0.clevel > q3.clevel && q3.clevel > qlong.clevel);
  CHECK(q0.spread > q3.spread && q3.spread > qlong.spread);
  CHECK_U128_EQ(q0.premium, q3.premium);
  CHECK_NEAR(qlong.clevel, sqrt(1.05 * 1.05), 1e-15); /* c(0,0) = c_min, c(0.6, 1000 h) = c_min */
  fx_free(b);
}

/* Each filter in order: a request failing filter i and a later one reports filter i. */

TEST(filter_1_option_type_mismatch_first) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = put_depot();
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_request r = fx_request(PRICING_CALL, WEEK, 1100, 0); /* also size 0 */
  struct depot_quote q;
  struct depot_refusal why;
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EOPTION_TYPE_MISMATCH);
  CHECK_INT_EQ(why.code, DEPOT_EOPTION_TYPE_MISMATCH);
  CHECK_INT_EQ(why.want_type, PRICING_PUT);
  CHECK_INT_EQ(why.got_type, PRICING_CALL);
  CHECK_STR_EQ(depot_strerror(why.code), "option_type_mismatch");
  CHECK(depot_is_refusal(why.code));
  fx_free(b);
}

TEST(filter_2_zero_size_before_strike) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = put_depot();
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_request r = fx_request(PRICING_PUT, WEEK, 0, 0);
  struct depot_quote q;
  struct depot_refusal why;
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EZERO_SIZE);
  CHECK_STR_EQ(depot_strerror(DEPOT_EZERO_SIZE), "zero_size");
  fx_free(b);
}

TEST(filter_3_invalid_strike_before_expiry) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = put_depot();
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_request r = fx_request(PRICING_PUT, FX_NOW - FX_DAY, 0, FX_CONTRACTS(1));
  struct depot_quote q;
  struct depot_refusal why;
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EINVALID_STRIKE);
  CHECK_STR_EQ(depot_strerror(DEPOT_EINVALID_STRIKE), "invalid_strike");
  fx_free(b);
}

TEST(filter_4_expired_before_funds) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = fx_book(FX_NOW - FX_HOUR, 0); /* empty: no funds either */
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_request r = fx_request(PRICING_PUT, FX_NOW, 1100, FX_CONTRACTS(1)); /* m == now */
  struct depot_quote q;
  struct depot_refusal why;
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EOPTION_EXPIRED);
  CHECK_INT_EQ(why.expiry_ms, FX_NOW);
  CHECK_INT_EQ(why.now_ms, FX_NOW);
  fx_free(b);
}

TEST(filter_5_insufficient_funds_exact_boundary) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_market m = fx_market(1000, FX_NOW);
  /* Also out of the DTE bounds (2 days): funds come first. */
  struct depot_request r = fx_request(PRICING_PUT, FX_NOW + 2 * FX_DAY, 1100, FX_CONTRACTS(3));
  struct depot_quote q;
  struct depot_refusal why;
  struct depot_book *b = fx_book(FX_NOW - FX_HOUR, FX_USD(3300)); /* collateral == available */
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EINSUFFICIENT_FUNDS);
  CHECK_U128_EQ(why.collateral, FX_USD(3300));
  CHECK_U128_EQ(why.available, FX_USD(3300));
  /* One base unit more and the funds filter passes; the DTE filter refuses next. */
  REQUIRE(depot_book_deposit(b, 1, b) == DEPOT_OK);
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EOUT_OF_DTE_BOUNDS);
  /* And at a good maturity it quotes, at a utilisation just under 1. */
  r.expiry_ms = WEEK;
  REQUIRE(depot_quote(&p, b, &m, &r, &q, &why) == DEPOT_OK);
  CHECK(q.u_after < 1 && q.u_after > 0.999999);
  fx_free(b);
}

TEST(filter_5_available_counts_locked_collateral_and_spread) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = put_depot();
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_request r = fx_request(PRICING_PUT, WEEK, 1100, FX_CONTRACTS(3));
  struct depot_quote q;
  struct depot_trade_result t;
  struct depot_refusal why;
  REQUIRE(fx_buy(&p, b, &m, &r, &q, &t) == DEPOT_OK);
  /* Free now: 5500 + premium + spread rest - 3300 - spread rest (all still locked). */
  money_u128 avail;
  REQUIRE(depot_available(b, FX_NOW, &avail) == DEPOT_OK);
  CHECK_U128_EQ(avail, FX_USD(5500) + t.premium - FX_USD(3300));
  /* A second trade of 3 needs 3300 more: refused with the exact figures. */
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EINSUFFICIENT_FUNDS);
  CHECK_U128_EQ(why.collateral, FX_USD(3300));
  CHECK_U128_EQ(why.available, avail);
  fx_free(b);
}

TEST(filter_6_dte_bounds_inclusive_and_first) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = put_depot();
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_quote q;
  struct depot_refusal why;
  /* 2 days, and an off-grid strike: DTE first, with its numbers. */
  struct depot_request r = fx_request(PRICING_PUT, FX_NOW + 2 * FX_DAY, 1105, FX_CONTRACTS(1));
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EOUT_OF_DTE_BOUNDS);
  CHECK_INT_EQ(why.dte_ms, 2 * FX_DAY);
  CHECK_INT_EQ(why.min_dte_ms, 3 * FX_DAY);
  CHECK_INT_EQ(why.max_dte_ms, 30 * FX_DAY);
  /* Exactly 3 days (a Monday) passes DTE; the calendar refuses it later (not a Friday). */
  r = fx_request(PRICING_PUT, FX_NOW + 3 * FX_DAY, 1000, FX_CONTRACTS(1));
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EINVALID_MATURITY);
  CHECK_INT_EQ(why.maturity_reason, PRICING_MATURITY_NOT_FRIDAY);
  /* 3 days - 1 ms: out. */
  r.expiry_ms = FX_NOW + 3 * FX_DAY - 1;
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EOUT_OF_DTE_BOUNDS);
  CHECK_INT_EQ(why.dte_ms, 3 * FX_DAY - 1);
  /* Exactly 30 days passes DTE (then not a Friday); 30 days + 1 ms is out. */
  r.expiry_ms = FX_NOW + 30 * FX_DAY;
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EINVALID_MATURITY);
  r.expiry_ms = FX_NOW + 30 * FX_DAY + 1;
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EOUT_OF_DTE_BOUNDS);
  /* 28 days, a Friday: quotes. */
  r.expiry_ms = FX_NOW + 28 * FX_DAY;
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_OK);
  fx_free(b);
}

TEST(filter_7_delta_bounds_before_grid) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = put_depot();
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_quote q;
  struct depot_refusal why;
  /* K 505: deep out of the money (|delta| ~ 4e-4) and off the grid (interval 10). */
  struct depot_request r = fx_request(PRICING_PUT, WEEK, 505, FX_CONTRACTS(1));
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EOUT_OF_DELTA_BOUNDS);
  CHECK(why.delta < 0 && fabs(why.delta) < 0.1);
  CHECK_NEAR(why.min_delta, 0.1, 0);
  CHECK_NEAR(why.max_delta, 0.7, 0);
  /* K 1200: |delta| ~ 0.77 > 0.7. */
  r.strike = FX_USD(1200);
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EOUT_OF_DELTA_BOUNDS);
  CHECK(fabs(why.delta) > 0.7 && fabs(why.delta) < 0.8);
  fx_free(b);
}

TEST(filter_8_strike_grid_before_maturity) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = put_depot();
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_quote q;
  struct depot_refusal why;
  /* 1105 is off the grid (interval 100 USD); Thursday 6 days ahead is no weekly either. */
  struct depot_request r = fx_request(PRICING_PUT, FX_NOW + 6 * FX_DAY, 1105, FX_CONTRACTS(1));
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EINVALID_STRIKE_GRID);
  CHECK_U128_EQ(why.strike, FX_USD(1105));
  CHECK_U128_EQ(why.strike_interval, FX_USD(100));
  CHECK_STR_EQ(depot_strerror(why.code), "invalid_strike_grid");
  fx_free(b);
}

TEST(filter_9_invalid_maturity_with_reason) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = put_depot();
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_quote q;
  struct depot_refusal why;
  struct depot_request r = fx_request(PRICING_PUT, FX_NOW + 6 * FX_DAY, 1100, FX_CONTRACTS(1));
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EINVALID_MATURITY);
  CHECK_INT_EQ(why.maturity_reason, PRICING_MATURITY_NOT_FRIDAY);
  r.expiry_ms = WEEK + FX_HOUR; /* 09:00 UTC */
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EINVALID_MATURITY);
  CHECK_INT_EQ(why.maturity_reason, PRICING_MATURITY_NOT_0800);
  fx_free(b);
}

TEST(filter_10_max_premium_exact_fills_one_below_refuses) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = put_depot();
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_request r = fx_request(PRICING_PUT, WEEK, 1100, FX_CONTRACTS(3));
  struct depot_quote q, q2;
  struct depot_refusal why;
  REQUIRE(depot_quote(&p, b, &m, &r, &q, &why) == DEPOT_OK);
  r.has_max_premium = true;
  r.max_premium = q.total;
  REQUIRE(depot_quote(&p, b, &m, &r, &q2, &why) == DEPOT_OK);
  CHECK_U128_EQ(q2.total, q.total);
  r.max_premium = q.total - 1;
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q2, &why), DEPOT_EABOVE_MAX_PREMIUM);
  CHECK_U128_EQ(why.total, q.total);
  CHECK_U128_EQ(why.max_premium, q.total - 1);
  fx_free(b);
}

TEST(quote_preconditions_and_untouched_outputs) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = put_depot();
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_request r = fx_request(PRICING_PUT, WEEK, 1100, FX_CONTRACTS(3));
  struct depot_quote q, blank;
  struct depot_refusal why, blank_why;
  memset(&q, 0x5a, sizeof q);
  memset(&why, 0x5a, sizeof why);
  blank = q;
  blank_why = why;
  m.sigma = 0;
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EMARKET);
  m.sigma = NAN;
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EMARKET);
  m = fx_market(0, FX_NOW);
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EMARKET);
  m = fx_market(1000, FX_NOW - 4 * FX_HOUR); /* before the creation: the clock went back */
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_ECLOCK);
  struct depot_params bad = p;
  bad.c_min = 0.9;
  m = fx_market(1000, FX_NOW);
  CHECK_INT_EQ(depot_quote(&bad, b, &m, &r, &q, &why), DEPOT_EINVALID);
  bad = p;
  bad.asset_decimals = 18; /* a put depot holds USDC */
  CHECK_INT_EQ(depot_quote(&bad, b, &m, &r, &q, &why), DEPOT_EINVALID);
  CHECK(memcmp(&q, &blank, sizeof q) == 0);
  CHECK(memcmp(&why, &blank_why, sizeof why) == 0);
  /* A refusal writes the refusal only. */
  r.size = 0;
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EZERO_SIZE);
  CHECK(memcmp(&q, &blank, sizeof q) == 0);
  CHECK_INT_EQ(why.code, DEPOT_EZERO_SIZE);
  fx_free(b);
}

TEST(params_defaults) {
  struct depot_params p;
  REQUIRE(depot_params_production(PRICING_PUT, 6, &p) == DEPOT_OK);
  CHECK_NEAR(p.alpha, 3, 0);
  CHECK_NEAR(p.hourly_decay, 0.005, 0);
  CHECK_NEAR(p.c_min, 1.0, 0);
  CHECK_NEAR(p.c_max, 1.35, 0);
  CHECK_INT_EQ(p.min_dte_ms, 3 * FX_DAY);
  CHECK_INT_EQ(p.max_dte_ms, 35 * FX_DAY);
  CHECK_NEAR(p.min_delta, 0.2, 0);
  CHECK_NEAR(p.max_delta, 0.7, 0);
  CHECK_U128_EQ(p.perf_fee_rate, FX_E18 / 5);
  CHECK_U128_EQ(p.mgmt_fee_rate, FX_E18 / 50);
  REQUIRE(depot_params_fixture(PRICING_CALL, 18, &p) == DEPOT_OK);
  CHECK_NEAR(p.c_min, 1.05, 0);
  CHECK_NEAR(p.c_max, 1.2, 0);
  CHECK_INT_EQ(p.max_dte_ms, 30 * FX_DAY);
  CHECK_NEAR(p.min_delta, 0.1, 0);
  CHECK_U128_EQ(p.perf_fee_rate, FX_E18 / 20);
  CHECK_INT_EQ(depot_params_fixture(PRICING_PUT, 18, &p), DEPOT_EINVALID);
  CHECK_INT_EQ(depot_params_production(PRICING_CALL, 39, &p), DEPOT_EINVALID);
}
