/* test_depot_book: booking buys, the performance fee, the spread's linear release, limits. */
#include "test_depot_fixture.h"

#include <stdlib.h>

#define WEEK (FX_NOW + 7 * FX_DAY)

static struct depot_book *copy(const struct depot_book *b) {
  struct depot_book *c = malloc(sizeof *c);
  if (c) *c = *b;
  return c;
}

static int same(const struct depot_book *a, const struct depot_book *b) {
  return memcmp(a, b, sizeof *a) == 0;
}

/* The reference trade: fixture put depot, 5500 USDC, 3 puts at 1100 for a week. */
static int reference_trade(const struct depot_params *p, struct depot_book *b,
                           struct depot_quote *q, struct depot_trade_result *t) {
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_request r = fx_request(PRICING_PUT, WEEK, 1100, FX_CONTRACTS(3));
  return fx_buy(p, b, &m, &r, q, t);
}

TEST(book_reference_trade_exact_totals) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = fx_book(FX_NOW - 3 * FX_HOUR, FX_USD(5500));
  struct depot_quote q;
  struct depot_trade_result t;
  REQUIRE(reference_trade(&p, b, &q, &t) == DEPOT_OK);
  /* Performance fee 5 % of the spread, floored; the rest stays with the depot, locked. */
  CHECK_U128_EQ(t.perf_fee, q.spread * 5 / 100);
  CHECK_U128_EQ(t.spread_locked, q.spread - q.spread * 5 / 100);
  CHECK_U128_EQ(t.premium, q.premium);
  CHECK_U128_EQ(t.mint_fee, 9900000);
  CHECK_U128_EQ(t.to_depot, q.premium + t.spread_locked);
  CHECK_U128_EQ(t.buyer_pays, q.total);
  CHECK_U128_EQ(t.to_depot + t.perf_fee + t.mint_fee, t.buyer_pays);
  CHECK_U128_EQ(b->total_assets, FX_USD(5500) + q.premium + t.spread_locked);
  CHECK_U128_EQ(b->locked, FX_USD(3300));
  CHECK_INT_EQ(b->last_trade_ms, FX_NOW);
  CHECK_INT_EQ(b->n_positions, 1);
  CHECK_INT_EQ(b->next_id, 2);
  CHECK_INT_EQ(t.position_id, 1);
  const struct depot_position *pos = &b->positions[0];
  CHECK_INT_EQ(pos->id, 1);
  CHECK_INT_EQ(pos->maturity_ms, WEEK);
  CHECK_INT_EQ(pos->trade_ms, FX_NOW);
  CHECK_U128_EQ(pos->strike, FX_USD(1100));
  CHECK_U128_EQ(pos->size, FX_CONTRACTS(3));
  CHECK_U128_EQ(pos->collateral, FX_USD(3300));
  CHECK_U128_EQ(pos->spread_locked, t.spread_locked);
  CHECK(depot_book_check(b) == DEPOT_OK);
  printf("reference booking: perf fee %s, spread locked %s, total assets %s\n",
         testlib_u128(t.perf_fee), testlib_u128(t.spread_locked), testlib_u128(b->total_assets));
  fx_free(b);
}

TEST(book_spread_released_linearly_no_dust) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = fx_book(FX_NOW - 3 * FX_HOUR, FX_USD(5500));
  struct depot_quote q;
  struct depot_trade_result t;
  REQUIRE(reference_trade(&p, b, &q, &t) == DEPOT_OK);
  money_u128 s = t.spread_locked, locked, avail;
  static const int64_t at[] = {
      0, 1, FX_HOUR, FX_DAY, FX_DAY * 7 / 2, 6 * FX_DAY, 7 * FX_DAY - 1, 7 * FX_DAY, 8 * FX_DAY};
  for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
    int64_t now = FX_NOW + at[i];
    REQUIRE(depot_locked_spread(b, now, &locked) == DEPOT_OK);
    CHECK_U128_EQ(locked, fx_locked(s, FX_NOW, WEEK, now));
    REQUIRE(depot_available(b, now, &avail) == DEPOT_OK);
    CHECK_U128_EQ(avail, b->total_assets - b->locked - locked);
  }
  /* Exact at chosen instants: half-way holds half (rounded up), 1 ms before the end 1 unit
   * at most, at the maturity nothing. */
  REQUIRE(depot_locked_spread(b, FX_NOW + FX_DAY * 7 / 2, &locked) == DEPOT_OK);
  CHECK_U128_EQ(locked, s - s / 2);
  REQUIRE(depot_locked_spread(b, FX_NOW, &locked) == DEPOT_OK);
  CHECK_U128_EQ(locked, s);
  REQUIRE(depot_locked_spread(b, WEEK - 1, &locked) == DEPOT_OK);
  CHECK(locked <= 1);
  REQUIRE(depot_locked_spread(b, WEEK, &locked) == DEPOT_OK);
  CHECK_U128_EQ(locked, 0);
  /* Never increasing, never above the spread, every 10 minutes over the week. */
  money_u128 prev = s;
  for (int64_t t10 = FX_NOW; t10 <= WEEK; t10 += 10 * 60 * 1000) {
    REQUIRE(depot_locked_spread(b, t10, &locked) == DEPOT_OK);
    CHECK(locked <= prev);
    prev = locked;
  }
  fx_free(b);
}

TEST(book_two_positions_release_on_their_own_schedules) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = fx_book(FX_NOW - 3 * FX_HOUR, FX_USD(20000));
  struct depot_quote q;
  struct depot_trade_result t1, t2;
  REQUIRE(reference_trade(&p, b, &q, &t1) == DEPOT_OK);
  struct depot_market m = fx_market(1000, FX_NOW + 5 * FX_HOUR);
  struct depot_request r = fx_request(PRICING_PUT, WEEK, 1000, FX_CONTRACTS(2));
  REQUIRE(fx_buy(&p, b, &m, &r, &q, &t2) == DEPOT_OK);
  CHECK_INT_EQ(t2.position_id, 2);
  CHECK_INT_EQ(b->n_positions, 2);
  CHECK_U128_EQ(b->locked, FX_USD(3300) + FX_USD(2000));
  CHECK_INT_EQ(b->last_trade_ms, FX_NOW + 5 * FX_HOUR);
  for (int64_t now = FX_NOW + 5 * FX_HOUR; now <= WEEK + FX_DAY; now += 7 * FX_HOUR) {
    money_u128 locked;
    REQUIRE(depot_locked_spread(b, now, &locked) == DEPOT_OK);
    CHECK_U128_EQ(locked, fx_locked(t1.spread_locked, FX_NOW, WEEK, now) +
                              fx_locked(t2.spread_locked, FX_NOW + 5 * FX_HOUR, WEEK, now));
  }
  fx_free(b);
}

TEST(book_perf_fee_is_floor_of_spread_times_rate) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  static const money_u128 spreads[] = {0, 1, 19, 20, 21, 39, 40, 999999999, 123456789012};
  for (size_t i = 0; i < sizeof spreads / sizeof spreads[0]; i++) {
    struct depot_book *b = fx_book(FX_NOW, FX_USD(100000));
    struct depot_quote q = fx_raw_quote(&p, b, FX_NOW, WEEK, FX_USD(1000), FX_CONTRACTS(1),
                                        FX_USD(50), spreads[i], 3000000);
    struct depot_trade_result t;
    REQUIRE(depot_book_trade(&p, b, &q, FX_NOW, b, &t) == DEPOT_OK);
    CHECK_U128_EQ(t.perf_fee, spreads[i] / 20); /* 5 % */
    CHECK_U128_EQ(t.spread_locked, spreads[i] - spreads[i] / 20);
    CHECK_U128_EQ(b->total_assets, FX_USD(100000) + FX_USD(50) + t.spread_locked);
    fx_free(b);
  }
  /* Production's 20 %. */
  REQUIRE(depot_params_production(PRICING_PUT, 6, &p) == DEPOT_OK);
  struct depot_book *b = fx_book(FX_NOW, FX_USD(100000));
  struct depot_quote q = fx_raw_quote(&p, b, FX_NOW, WEEK, FX_USD(1000), FX_CONTRACTS(1),
                                      FX_USD(50), 27598998, 3000000);
  struct depot_trade_result t;
  REQUIRE(depot_book_trade(&p, b, &q, FX_NOW, b, &t) == DEPOT_OK);
  CHECK_U128_EQ(t.perf_fee, 5519799);
  fx_free(b);
}

TEST(book_trade_refuses_stale_or_foreign_quotes_untouched) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = fx_book(FX_NOW - 3 * FX_HOUR, FX_USD(20000));
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_request r = fx_request(PRICING_PUT, WEEK, 1100, FX_CONTRACTS(3));
  struct depot_quote q, bad;
  struct depot_refusal why;
  struct depot_trade_result t, blank;
  memset(&t, 0x77, sizeof t);
  blank = t;
  REQUIRE(depot_quote(&p, b, &m, &r, &q, &why) == DEPOT_OK);
  struct depot_book *before = copy(b), *out = copy(b);
  REQUIRE(before && out);
  CHECK_INT_EQ(depot_book_trade(&p, b, &q, FX_NOW + 1, out, &t), DEPOT_ESTALE);
  bad = q;
  bad.total++;
  CHECK_INT_EQ(depot_book_trade(&p, b, &bad, FX_NOW, out, &t), DEPOT_EINVALID);
  bad = q;
  bad.collateral--;
  CHECK_INT_EQ(depot_book_trade(&p, b, &bad, FX_NOW, out, &t), DEPOT_EINVALID);
  bad = q;
  bad.type = PRICING_CALL;
  CHECK_INT_EQ(depot_book_trade(&p, b, &bad, FX_NOW, out, &t), DEPOT_EINVALID);
  CHECK(same(b, before));
  CHECK(same(out, before));
  CHECK(memcmp(&t, &blank, sizeof t) == 0);
  /* Booked once into another book; the input stays as it was. */
  REQUIRE(depot_book_trade(&p, b, &q, FX_NOW, out, &t) == DEPOT_OK);
  CHECK(same(b, before));
  CHECK_INT_EQ(out->n_positions, 1);
  /* The same quote on the new book is stale (it was made on the old state). */
  struct depot_book *after = copy(out);
  REQUIRE(after);
  CHECK_INT_EQ(depot_book_trade(&p, out, &q, FX_NOW, out, &t), DEPOT_ESTALE);
  CHECK(same(out, after));
  free(before);
  free(after);
  free(out);
  fx_free(b);
}

TEST(book_unsettled_maturity_blocks_trading) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = fx_book(FX_NOW - 3 * FX_HOUR, FX_USD(20000));
  struct depot_quote q;
  struct depot_trade_result t;
  struct depot_refusal why;
  REQUIRE(reference_trade(&p, b, &q, &t) == DEPOT_OK);
  struct depot_market m = fx_market(1000, WEEK); /* the maturity has come */
  struct depot_request r = fx_request(PRICING_PUT, WEEK + 7 * FX_DAY, 1000, FX_CONTRACTS(1));
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EUNSETTLED);
  int64_t due[DEPOT_MAX_MATURITIES];
  size_t n;
  REQUIRE(depot_expired_maturities(b, WEEK - 1, due, DEPOT_MAX_MATURITIES, &n) == DEPOT_OK);
  CHECK_INT_EQ(n, 0);
  REQUIRE(depot_expired_maturities(b, WEEK, due, DEPOT_MAX_MATURITIES, &n) == DEPOT_OK);
  CHECK_INT_EQ(n, 1);
  CHECK_INT_EQ(due[0], WEEK);
  CHECK_INT_EQ(depot_expired_maturities(b, WEEK, due, 0, &n), DEPOT_ECAPACITY);
  fx_free(b);
}

TEST(book_withdraw_up_to_available) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = fx_book(FX_NOW - 3 * FX_HOUR, FX_USD(5500));
  struct depot_quote q;
  struct depot_trade_result t;
  REQUIRE(reference_trade(&p, b, &q, &t) == DEPOT_OK);
  int64_t mid = FX_NOW + 2 * FX_DAY;
  money_u128 avail, locked;
  REQUIRE(depot_available(b, mid, &avail) == DEPOT_OK);
  REQUIRE(depot_locked_spread(b, mid, &locked) == DEPOT_OK);
  CHECK_U128_EQ(avail, FX_USD(2200) + q.premium + t.spread_locked - locked);
  struct depot_book *before = copy(b);
  REQUIRE(before);
  CHECK_INT_EQ(depot_book_withdraw(b, mid, avail + 1, b), DEPOT_EINSUFFICIENT_FUNDS);
  CHECK(same(b, before));
  REQUIRE(depot_book_withdraw(b, mid, avail, b) == DEPOT_OK);
  REQUIRE(depot_available(b, mid, &avail) == DEPOT_OK);
  CHECK_U128_EQ(avail, 0);
  CHECK_U128_EQ(b->total_assets, b->locked + locked);
  /* Later, more spread is released and is free again. */
  REQUIRE(depot_available(b, WEEK - 1, &avail) == DEPOT_OK);
  CHECK_U128_EQ(avail, locked - fx_locked(t.spread_locked, FX_NOW, WEEK, WEEK - 1));
  free(before);
  fx_free(b);
}

TEST(book_capacity_positions) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = fx_book(FX_NOW, FX_USD(1000000000));
  struct depot_trade_result t;
  for (int i = 0; i < DEPOT_MAX_POSITIONS; i++) {
    struct depot_quote q = fx_raw_quote(&p, b, FX_NOW, WEEK + (i % 2) * 7 * FX_DAY, FX_USD(1000),
                                        FX_CONTRACTS(1), 1000, 100, 30);
    REQUIRE(depot_book_trade(&p, b, &q, FX_NOW, b, &t) == DEPOT_OK);
  }
  CHECK_INT_EQ(b->n_positions, DEPOT_MAX_POSITIONS);
  CHECK(depot_book_check(b) == DEPOT_OK);
  /* Grouped by maturity, ids ascending inside each group. */
  CHECK_INT_EQ(b->positions[0].id, 1);
  CHECK_INT_EQ(b->positions[1].id, 3);
  CHECK_INT_EQ(b->positions[DEPOT_MAX_POSITIONS / 2].id, 2);
  CHECK_INT_EQ(b->positions[DEPOT_MAX_POSITIONS / 2].maturity_ms, WEEK + 7 * FX_DAY);
  struct depot_book *before = copy(b);
  REQUIRE(before);
  struct depot_quote q =
      fx_raw_quote(&p, b, FX_NOW, WEEK, FX_USD(1000), FX_CONTRACTS(1), 1000, 100, 30);
  CHECK_INT_EQ(depot_book_trade(&p, b, &q, FX_NOW, b, &t), DEPOT_ECAPACITY);
  CHECK(same(b, before));
  free(before);
  fx_free(b);
}

TEST(book_capacity_maturities) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = fx_book(FX_NOW, FX_USD(1000000));
  struct depot_trade_result t;
  /* Booked in descending maturity order: each goes to the front. */
  for (int i = DEPOT_MAX_MATURITIES; i >= 1; i--) {
    struct depot_quote q = fx_raw_quote(&p, b, FX_NOW, FX_NOW + i * FX_DAY, FX_USD(100),
                                        FX_CONTRACTS(1), 1000, 100, 30);
    REQUIRE(depot_book_trade(&p, b, &q, FX_NOW, b, &t) == DEPOT_OK);
  }
  CHECK(depot_book_check(b) == DEPOT_OK);
  CHECK_INT_EQ(b->positions[0].maturity_ms, FX_NOW + FX_DAY);
  struct depot_quote q = fx_raw_quote(&p, b, FX_NOW, FX_NOW + 100 * FX_DAY, FX_USD(100),
                                      FX_CONTRACTS(1), 1000, 100, 30);
  CHECK_INT_EQ(depot_book_trade(&p, b, &q, FX_NOW, b, &t), DEPOT_ECAPACITY);
  /* An existing maturity still takes positions. */
  q = fx_raw_quote(&p, b, FX_NOW, FX_NOW + 10 * FX_DAY, FX_USD(100), FX_CONTRACTS(1), 1000, 100,
                   30);
  CHECK_INT_EQ(depot_book_trade(&p, b, &q, FX_NOW, b, &t), DEPOT_OK);
  CHECK_INT_EQ(b->positions[10].maturity_ms, FX_NOW + 10 * FX_DAY);
  CHECK_INT_EQ(b->positions[10].id, DEPOT_MAX_MATURITIES + 1);
  CHECK(depot_book_check(b) == DEPOT_OK);
  fx_free(b);
}

TEST(book_overflow_is_an_error_not_a_wrap) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = fx_book(FX_NOW, MONEY_U128_MAX - 500);
  struct depot_trade_result t;
  struct depot_book *before = copy(b);
  REQUIRE(before);
  /* Deposits. */
  CHECK_INT_EQ(depot_book_deposit(b, 501, b), DEPOT_EOVERFLOW);
  CHECK(same(b, before));
  /* A premium that would take total assets past 2^128 - 1. */
  /* premium 406 + spread 100 - perf fee 5 = 501 > 500. */
  struct depot_quote q =
      fx_raw_quote(&p, b, FX_NOW, WEEK, FX_USD(1000), FX_CONTRACTS(1), 406, 100, 30);
  CHECK_INT_EQ(depot_book_trade(&p, b, &q, FX_NOW, b, &t), DEPOT_EOVERFLOW);
  CHECK(same(b, before));
  q = fx_raw_quote(&p, b, FX_NOW, WEEK, FX_USD(1000), FX_CONTRACTS(1), 405, 100, 30);
  CHECK_INT_EQ(depot_book_trade(&p, b, &q, FX_NOW, b, &t), DEPOT_OK);
  CHECK_U128_EQ(b->total_assets, MONEY_U128_MAX);
  /* Collateral of an absurd size: overflow, not a wrapped small lock. */
  money_u128 c;
  CHECK_INT_EQ(depot_collateral(&p, FX_USD(1000), MONEY_U128_MAX / 2, &c), DEPOT_EOVERFLOW);
  struct depot_market m = fx_market(1000, FX_NOW);
  struct depot_request r = fx_request(PRICING_PUT, WEEK, 1100, MONEY_U128_MAX / 2);
  struct depot_refusal why;
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EOVERFLOW);
  struct depot_params call = fx_params(PRICING_CALL, 18);
  CHECK_INT_EQ(depot_collateral(&call, 0, MONEY_U128_MAX / 1000, &c), DEPOT_EOVERFLOW);
  free(before);
  fx_free(b);
}

TEST(book_check_catches_corruption) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = fx_book(FX_NOW - 3 * FX_HOUR, FX_USD(20000));
  struct depot_quote q;
  struct depot_trade_result t;
  REQUIRE(reference_trade(&p, b, &q, &t) == DEPOT_OK);
  struct depot_market m = fx_market(1000, FX_NOW + FX_HOUR);
  struct depot_request r = fx_request(PRICING_PUT, WEEK, 1000, FX_CONTRACTS(1));
  REQUIRE(fx_buy(&p, b, &m, &r, &q, &t) == DEPOT_OK);
  REQUIRE(depot_book_check(b) == DEPOT_OK);
  struct depot_book *c = copy(b);
  REQUIRE(c);
  money_u128 x;
  c->locked++;
  CHECK_INT_EQ(depot_book_check(c), DEPOT_EBOOK);
  CHECK_INT_EQ(depot_available(c, FX_NOW, &x), DEPOT_EBOOK);
  *c = *b;
  c->positions[1].id = 1; /* not ascending */
  CHECK_INT_EQ(depot_book_check(c), DEPOT_EBOOK);
  *c = *b;
  c->positions[0].trade_ms = c->positions[0].maturity_ms;
  CHECK_INT_EQ(depot_book_check(c), DEPOT_EBOOK);
  *c = *b;
  c->total_assets = c->locked - 1;
  CHECK_INT_EQ(depot_book_check(c), DEPOT_EBOOK);
  *c = *b;
  c->n_positions = DEPOT_MAX_POSITIONS + 1;
  CHECK_INT_EQ(depot_book_check(c), DEPOT_EBOOK);
  CHECK_INT_EQ(depot_book_init(c, -1), DEPOT_EINVALID);
  free(c);
  fx_free(b);
}
