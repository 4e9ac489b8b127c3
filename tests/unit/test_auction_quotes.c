/* Unit tests of the auction's quotes on one RFQ: refusals with distinct codes, cancel and
 * replace, the winner (highest credit, then earliest), expired and cancelled quotes. */
#include "auction.h"
#include "testlib.h"
#include "auction_events.h"

#define C(x) ((money_u128)(x)*AUCTION_CONTRACT)
#define USD(x) ((money_u128)(x)*AUCTION_USD)
#define T0 1700000000000LL /* the auction's start; its first RFQ is created then */
#define R(ms) (T0 + (ms))  /* a time relative to the first RFQ's creation */
#define FAR R(600000)      /* a quote expiry well after the RFQ */


/* An auction of 10 contracts with a mark of 300 USD, ticked once at T0: RFQ 1 is open. */
static struct auction *open_auction(void) {
  struct auction_params p;
  auction_params_default(&p);
  struct auction *a = NULL;
  if (auction_new(&p, T0, C(10), 2, 1, &a) != AUCTION_OK) return NULL;
  size_t n = 0;
  if (auction_set_mark(a, USD(300), T0) != AUCTION_OK ||
      auction_tick(a, T0, ev, AUCTION_TICK_EVENTS_MAX, &n) != AUCTION_OK || n != 1 ||
      ev[0].type != AUCTION_EV_RFQ_OPENED || ev[0].rfq_id != 1) {
    auction_free(a);
    return NULL;
  }
  return a;
}


#define ADD(a, now, maker, quote, credit, expiry)                                                  \
  CHECK_INT_EQ(auction_quote_add((a), (now), (maker), (quote), 1, (credit), (expiry)), AUCTION_OK)

/* The EXECUTE of a tick at now names quote_id. */
static void expect_execute(const char *file, int line, struct auction *a, int64_t now,
                           uint64_t quote_id) {
  size_t n = tick_at(file, line, a, now);
  const struct auction_event *e = find(n, AUCTION_EV_EXECUTE);
  if (!e)
    testlib_fail(file, line, "no EXECUTE at %lld (want quote %llu)", (long long)now,
                 (unsigned long long)quote_id);
  else if (e->quote_id != quote_id)
    testlib_fail(file, line, "EXECUTE quote %llu, want %llu", (unsigned long long)e->quote_id,
                 (unsigned long long)quote_id);
}
#define EXPECT_EXECUTE(a, now, q) expect_execute(__FILE__, __LINE__, (a), (now), (q))

TEST(quote_on_unknown_rfq_refused) {
  struct auction_params p;
  auction_params_default(&p);
  struct auction *a = NULL;
  REQUIRE(auction_new(&p, T0, C(10), 2, 100, &a) == AUCTION_OK);
  /* No RFQ issued yet. */
  CHECK_INT_EQ(auction_quote_add(a, T0, 1, 1, 100, USD(300), FAR), AUCTION_ERFQ_UNKNOWN);
  size_t n = TICK(a, T0);
  REQUIRE(n == 1 && ev[0].rfq_id == 100);
  CHECK_INT_EQ(auction_quote_add(a, T0, 1, 1, 101, USD(300), FAR), AUCTION_ERFQ_UNKNOWN);
  CHECK_INT_EQ(auction_quote_add(a, T0, 1, 1, 99, USD(300), FAR), AUCTION_ERFQ_UNKNOWN);
  CHECK_INT_EQ(auction_quote_add(a, T0, 1, 1, 0, USD(300), FAR), AUCTION_ERFQ_UNKNOWN);
  CHECK_INT_EQ(auction_quote_add(a, T0, 1, 1, 100, USD(300), FAR), AUCTION_OK);
  auction_free(a);
}

TEST(quote_on_closed_rfq_refused) {
  struct auction *a = open_auction();
  REQUIRE(a);
  /* Past valid_until, before the tick that expires it: already closed. */
  CHECK_INT_EQ(auction_quote_add(a, R(120000), 1, 1, 1, USD(300), FAR), AUCTION_ERFQ_NOT_OPEN);
  CHECK_INT_EQ(auction_quote_add(a, R(119999), 1, 1, 1, USD(300), FAR), AUCTION_OK);
  size_t n = TICK(a, R(120000));
  CHECK(find(n, AUCTION_EV_RFQ_EXPIRED) != NULL);
  CHECK_INT_EQ(auction_quote_add(a, R(120000), 1, 2, 1, USD(300), FAR), AUCTION_ERFQ_NOT_OPEN);
  n = TICK(a, R(120001)); /* RFQ 2 for the same lot */
  REQUIRE(find(n, AUCTION_EV_RFQ_OPENED) && find(n, AUCTION_EV_RFQ_OPENED)->rfq_id == 2);
  CHECK_INT_EQ(auction_quote_add(a, R(120001), 1, 2, 1, USD(300), FAR), AUCTION_ERFQ_NOT_OPEN);
  CHECK_INT_EQ(auction_quote_add(a, R(120001), 1, 2, 3, USD(300), FAR), AUCTION_ERFQ_UNKNOWN);
  CHECK_INT_EQ(auction_quote_add(a, R(120001), 1, 2, 2, USD(300), FAR), AUCTION_OK);
  /* Filled, before the tick that reports it: closed too. */
  EXPECT_EXECUTE(a, R(135001), 2);
  CHECK_INT_EQ(auction_execution_result(a, R(135002), 2, 1), AUCTION_OK);
  CHECK_INT_EQ(auction_quote_add(a, R(135002), 1, 3, 2, USD(300), FAR), AUCTION_ERFQ_NOT_OPEN);
  auction_free(a);
}

TEST(quote_arguments_checked) {
  struct auction *a = open_auction();
  REQUIRE(a);
  CHECK_INT_EQ(auction_quote_add(a, R(1), 1, 1, 1, 0, FAR), AUCTION_EINVALID);
  CHECK_INT_EQ(auction_quote_add(a, R(1), 1, 1, 1, USD(300), R(1)), AUCTION_EINVALID);
  CHECK_INT_EQ(auction_quote_add(a, R(1), 1, 1, 1, USD(300), R(2)), AUCTION_OK);
  CHECK_INT_EQ(auction_quote_add(a, R(1), 2, 1, 1, USD(300), FAR), AUCTION_EQUOTE_DUPLICATE);
  CHECK_INT_EQ(auction_quote_add(a, R(0), 1, 2, 1, USD(300), FAR), AUCTION_ECLOCK);
  CHECK_INT_EQ(auction_quote_add(NULL, R(1), 1, 2, 1, USD(300), FAR), AUCTION_EINVALID);
  struct auction_view v;
  REQUIRE(auction_view(a, R(1), &v) == AUCTION_OK);
  CHECK_INT_EQ(v.rfq_open_quotes, 1);
  auction_free(a);
}

TEST(quote_book_capacity) {
  struct auction *a = open_auction();
  REQUIRE(a);
  for (uint64_t q = 1; q <= AUCTION_MAX_QUOTES; q++)
    CHECK_INT_EQ(auction_quote_add(a, R(1), q, q, 1, USD(300), FAR), AUCTION_OK);
  CHECK_INT_EQ(auction_quote_add(a, R(1), 999, 999, 1, USD(400), FAR), AUCTION_ECAPACITY);
  CHECK_INT_EQ(auction_quote_cancel(a, 17), AUCTION_OK);
  CHECK_INT_EQ(auction_quote_add(a, R(1), 999, 999, 1, USD(400), FAR), AUCTION_OK);
  /* Everyone is told when the lot goes: 1 EXECUTE, then 1 fill + 255 cancelled. */
  EXPECT_EXECUTE(a, R(15000), 999);
  REQUIRE(auction_execution_result(a, R(15000), 999, 1) == AUCTION_OK);
  size_t n = TICK(a, R(15001));
  CHECK_INT_EQ(count(n, AUCTION_EV_RFQ_FILLED), 1);
  CHECK_INT_EQ(count(n, AUCTION_EV_QUOTE_CANCELLED), AUCTION_MAX_QUOTES - 1);
  auction_free(a);
}

TEST(highest_credit_wins_and_the_others_are_cancelled) {
  struct auction *a = open_auction();
  REQUIRE(a);
  ADD(a, R(1000), 1, 11, USD(290), FAR);
  ADD(a, R(2000), 2, 22, USD(310), FAR);
  ADD(a, R(3000), 3, 33, USD(305), FAR);
  size_t n = TICK(a, R(15000));
  const struct auction_event *e = find(n, AUCTION_EV_EXECUTE);
  REQUIRE(e);
  CHECK_INT_EQ(e->rfq_id, 1);
  CHECK_INT_EQ(e->quote_id, 22);
  CHECK_INT_EQ(e->maker_id, 2);
  CHECK_U128_EQ(e->amount, C(2));
  CHECK_U128_EQ(e->credit, USD(310));
  CHECK_U128_EQ(e->floor, 266666667); /* 300 / 1.125 = 266.6666666..., up */
  /* No second EXECUTE while one is in flight. */
  n = TICK(a, R(16000));
  CHECK_INT_EQ(count(n, AUCTION_EV_EXECUTE), 0);
  REQUIRE(auction_execution_result(a, R(16000), 22, 1) == AUCTION_OK);
  n = TICK(a, R(16001));
  e = find(n, AUCTION_EV_RFQ_FILLED);
  REQUIRE(e);
  CHECK_INT_EQ(e->quote_id, 22);
  CHECK_INT_EQ(e->maker_id, 2);
  CHECK_U128_EQ(e->credit, USD(310));
  CHECK_U128_EQ(e->amount, C(2));
  CHECK_INT_EQ(count(n, AUCTION_EV_QUOTE_CANCELLED), 2);
  uint64_t seen = 0;
  for (size_t i = 0; i < n; i++)
    if (ev[i].type == AUCTION_EV_QUOTE_CANCELLED) {
      CHECK_INT_EQ(ev[i].reason, AUCTION_REASON_RFQ_FILLED);
      CHECK_INT_EQ(ev[i].rfq_id, 1);
      seen += ev[i].quote_id;
    }
  CHECK_INT_EQ(seen, 11 + 33);
  CHECK_INT_EQ(count(n, AUCTION_EV_RFQ_OPENED), 0); /* the next lot comes on the next tick */
  auction_free(a);
}

TEST(equal_credits_go_to_the_earliest_quote) {
  struct auction *a = open_auction();
  REQUIRE(a);
  ADD(a, R(1000), 1, 9, USD(300), FAR);
  ADD(a, R(2000), 2, 5, USD(300), FAR); /* lower id, but later */
  ADD(a, R(3000), 3, 1, USD(299), FAR);
  EXPECT_EXECUTE(a, R(15000), 9);
  auction_free(a);
  /* Same millisecond: the lower quote id. */
  a = open_auction();
  REQUIRE(a);
  ADD(a, R(1000), 1, 9, USD(300), FAR);
  ADD(a, R(1000), 2, 8, USD(300), FAR);
  EXPECT_EXECUTE(a, R(15000), 8);
  auction_free(a);
}

TEST(a_maker_may_hold_several_quotes_the_best_counts) {
  struct auction *a = open_auction();
  REQUIRE(a);
  ADD(a, R(1000), 7, 1, USD(301), FAR);
  ADD(a, R(1000), 7, 2, USD(320), FAR);
  ADD(a, R(1000), 8, 3, USD(310), FAR);
  EXPECT_EXECUTE(a, R(15000), 2);
  auction_free(a);
}

TEST(expired_quotes_never_selected) {
  struct auction *a = open_auction();
  REQUIRE(a);
  ADD(a, R(1000), 1, 1, USD(500), R(10000));
  ADD(a, R(1000), 2, 2, USD(450), R(15000)); /* expiry > now fails exactly at judging */
  ADD(a, R(1000), 3, 3, USD(301), FAR);
  size_t n = TICK(a, R(10000));
  const struct auction_event *e = find(n, AUCTION_EV_QUOTE_EXPIRED);
  REQUIRE(e && n == 1);
  CHECK_INT_EQ(e->quote_id, 1);
  CHECK_INT_EQ(e->maker_id, 1);
  CHECK_INT_EQ(auction_quote_cancel(a, 1), AUCTION_EQUOTE_UNKNOWN); /* gone */
  n = TICK(a, R(15000));
  e = find(n, AUCTION_EV_QUOTE_EXPIRED);
  REQUIRE(e);
  CHECK_INT_EQ(e->quote_id, 2);
  e = find(n, AUCTION_EV_EXECUTE);
  REQUIRE(e);
  CHECK_INT_EQ(e->quote_id, 3);
  auction_free(a);
}

TEST(cancelled_quotes_never_selected) {
  struct auction *a = open_auction();
  REQUIRE(a);
  ADD(a, R(1000), 1, 1, USD(500), FAR);
  ADD(a, R(1000), 2, 2, USD(301), FAR);
  CHECK_INT_EQ(auction_quote_cancel(a, 1), AUCTION_OK);
  CHECK_INT_EQ(auction_quote_cancel(a, 1), AUCTION_EQUOTE_UNKNOWN);
  CHECK_INT_EQ(auction_quote_cancel(a, 77), AUCTION_EQUOTE_UNKNOWN);
  size_t n = TICK(a, R(15000));
  const struct auction_event *e = find(n, AUCTION_EV_EXECUTE);
  REQUIRE(e);
  CHECK_INT_EQ(e->quote_id, 2);
  CHECK_INT_EQ(count(n, AUCTION_EV_QUOTE_CANCELLED), 0); /* the caller cancelled it: no event */
  auction_free(a);
}

TEST(executing_quote_cannot_be_cancelled) {
  struct auction *a = open_auction();
  REQUIRE(a);
  ADD(a, R(1000), 1, 1, USD(310), FAR);
  ADD(a, R(1000), 2, 2, USD(305), FAR);
  EXPECT_EXECUTE(a, R(15000), 1);
  CHECK_INT_EQ(auction_quote_cancel(a, 1), AUCTION_EQUOTE_BUSY);
  CHECK_INT_EQ(auction_quote_replace(a, R(15000), 1, 1, 3, 1, USD(320), FAR), AUCTION_EQUOTE_BUSY);
  CHECK_INT_EQ(auction_quote_cancel(a, 2), AUCTION_OK);
  auction_free(a);
}

TEST(replace_is_cancel_and_add_both_or_neither) {
  struct auction *a = open_auction();
  REQUIRE(a);
  ADD(a, R(1000), 1, 1, USD(300), FAR);
  ADD(a, R(2000), 2, 2, USD(300), FAR);
  /* Refused, nothing changes: another maker's quote, a past expiry, another RFQ, a duplicate. */
  CHECK_INT_EQ(auction_quote_replace(a, R(3000), 1, 2, 3, 1, USD(320), FAR), AUCTION_EINVALID);
  CHECK_INT_EQ(auction_quote_replace(a, R(3000), 1, 1, 3, 1, USD(320), R(3000)), AUCTION_EINVALID);
  CHECK_INT_EQ(auction_quote_replace(a, R(3000), 1, 1, 3, 2, USD(320), FAR), AUCTION_EINVALID);
  CHECK_INT_EQ(auction_quote_replace(a, R(3000), 1, 1, 2, 1, USD(320), FAR),
               AUCTION_EQUOTE_DUPLICATE);
  CHECK_INT_EQ(auction_quote_replace(a, R(3000), 9, 1, 3, 1, USD(320), FAR),
               AUCTION_EQUOTE_UNKNOWN);
  struct auction_view v;
  REQUIRE(auction_view(a, R(3000), &v) == AUCTION_OK);
  CHECK_INT_EQ(v.rfq_open_quotes, 2);
  /* Same id, same credit, later: it loses its place in time to maker 2. */
  CHECK_INT_EQ(auction_quote_replace(a, R(3000), 1, 1, 1, 1, USD(300), FAR), AUCTION_OK);
  REQUIRE(auction_view(a, R(3000), &v) == AUCTION_OK);
  CHECK_INT_EQ(v.rfq_open_quotes, 2);
  EXPECT_EXECUTE(a, R(15000), 2);
  auction_free(a);

  a = open_auction();
  REQUIRE(a);
  ADD(a, R(1000), 1, 1, USD(300), FAR);
  ADD(a, R(2000), 2, 2, USD(310), FAR);
  CHECK_INT_EQ(auction_quote_replace(a, R(3000), 1, 1, 3, 1, USD(320), FAR), AUCTION_OK);
  CHECK_INT_EQ(auction_quote_cancel(a, 1), AUCTION_EQUOTE_UNKNOWN); /* the old one is gone */
  EXPECT_EXECUTE(a, R(15000), 3);
  auction_free(a);
}

TEST(execution_result_only_for_the_quote_in_flight) {
  struct auction *a = open_auction();
  REQUIRE(a);
  ADD(a, R(1000), 1, 1, USD(310), FAR);
  ADD(a, R(1000), 2, 2, USD(305), FAR);
  CHECK_INT_EQ(auction_execution_result(a, R(1000), 1, 1), AUCTION_ENOT_EXECUTING);
  EXPECT_EXECUTE(a, R(15000), 1);
  CHECK_INT_EQ(auction_execution_result(a, R(15000), 2, 1), AUCTION_ENOT_EXECUTING);
  CHECK_INT_EQ(auction_execution_result(a, R(14999), 1, 1), AUCTION_ECLOCK);
  CHECK_INT_EQ(auction_execution_result(a, R(15000), 1, 1), AUCTION_OK);
  CHECK_INT_EQ(auction_execution_result(a, R(15000), 1, 1), AUCTION_ENOT_EXECUTING);
  struct auction_view v;
  REQUIRE(auction_view(a, R(15000), &v) == AUCTION_OK);
  CHECK_U128_EQ(v.sold, C(2)); /* sold at once; RFQ_FILLED on the next tick */
  CHECK_INT_EQ(v.lots_filled, 1);
  CHECK(v.has_rfq && v.rfq_filled && !v.has_floor);
  auction_free(a);
}

TEST(quote_in_flight_outlives_its_expiry_and_the_rfq) {
  struct auction *a = open_auction();
  REQUIRE(a);
  ADD(a, R(1000), 1, 1, USD(310), R(16000));
  ADD(a, R(1000), 2, 2, USD(305), R(16000));
  EXPECT_EXECUTE(a, R(15000), 1);
  size_t n = TICK(a, R(130000)); /* past its expiry and the RFQ's valid_until */
  CHECK_INT_EQ(n, 1);
  CHECK(find(n, AUCTION_EV_QUOTE_EXPIRED) && find(n, AUCTION_EV_QUOTE_EXPIRED)->quote_id == 2);
  CHECK_INT_EQ(auction_execution_result(a, R(130001), 1, 0), AUCTION_OK); /* failed */
  n = TICK(a, R(130001));
  CHECK_INT_EQ(n, 1);
  CHECK(find(n, AUCTION_EV_RFQ_EXPIRED) != NULL);
  auction_free(a);
}

/* Stage 4's buy: the limit is a ceiling, the lowest price wins, equal prices go to the
 * earliest, and a decaying floor cannot be combined with it. */
TEST(vault_buys_lowest_price_wins_at_or_below_the_limit) {
  struct auction_params p;
  auction_params_default(&p);
  p.lowest_wins = 1;
  CHECK_INT_EQ(auction_params_check(&p), AUCTION_EINVALID); /* slope must be 0 */
  p.floor_slope_ppm_per_min = 0;
  p.min_credit = 1;
  p.max_credit = USD(1000000);
  REQUIRE(auction_params_check(&p) == AUCTION_OK);
  struct auction *a = NULL;
  REQUIRE(auction_new(&p, T0, C(2), 1, 1, &a) == AUCTION_OK);
  REQUIRE(auction_set_mark(a, USD(60900), T0) == AUCTION_OK); /* the buy limit */
  size_t n = TICK(a, T0);
  REQUIRE(find(n, AUCTION_EV_RFQ_OPENED) != NULL);
  ADD(a, R(1), 1, 1, USD(60901), FAR); /* above the limit: never acceptable */
  ADD(a, R(2), 2, 2, USD(60500), FAR);
  ADD(a, R(3), 3, 3, USD(60000), FAR);
  ADD(a, R(4), 4, 4, USD(60000), FAR); /* same price, later */
  EXPECT_EXECUTE(a, R(15000), 3);
  REQUIRE(auction_execution_result(a, R(15000), 3, 0) == AUCTION_OK); /* refused */
  EXPECT_EXECUTE(a, R(15001), 4);
  REQUIRE(auction_execution_result(a, R(15001), 4, 0) == AUCTION_OK);
  EXPECT_EXECUTE(a, R(15002), 2);
  REQUIRE(auction_execution_result(a, R(15002), 2, 0) == AUCTION_OK);
  n = TICK(a, R(15003));
  CHECK(find(n, AUCTION_EV_EXECUTE) == NULL); /* only 60901 is left: above the ceiling */
  auction_free(a);
}
