/* Scenario tests of the auction on a manual timeline: lots, grace, the decaying floor in
 * judging, RFQ expiry and resend, back-off, the hard stop, early stop, snapshot/restore. */
#include "auction.h"
#include "testlib.h"
#include "auction_events.h"

#define C(x) ((money_u128)(x)*AUCTION_CONTRACT)
#define USD(x) ((money_u128)(x)*AUCTION_USD)
#define T0 1700000000000LL /* the auction's start */
#define HARD_STOP (T0 + 7200000)
#define FAR (T0 + 100000000) /* a quote expiry after everything */


static struct auction *make(const struct auction_params *p, money_u128 total, money_u128 mark) {
  struct auction *a = NULL;
  if (auction_new(p, T0, total, 2, 1, &a) != AUCTION_OK) return NULL;
  if (auction_set_mark(a, mark, T0) != AUCTION_OK) {
    auction_free(a);
    return NULL;
  }
  return a;
}

static struct auction *make_default(money_u128 total, money_u128 mark) {
  struct auction_params p;
  auction_params_default(&p);
  return make(&p, total, mark);
}


/* Sells lot after lot to one maker quoting the mark, one RFQ per lot, until FINISHED.
 * Returns the number of lots; *fin receives the FINISHED event. */
static size_t sell_all(struct auction *a, int64_t *now, money_u128 *lots, size_t cap,
                       struct auction_event *fin) {
  size_t k = 0;
  uint64_t quote = 1000;
  for (int guard = 0; guard < 100; guard++) {
    size_t n = TICK(a, *now);
    if (find(n, AUCTION_EV_FINISHED)) {
      *fin = *find(n, AUCTION_EV_FINISHED);
      return k;
    }
    const struct auction_event *o = find(n, AUCTION_EV_RFQ_OPENED);
    if (!o || k == cap) break;
    lots[k++] = o->amount;
    if (auction_quote_add(a, *now, 7, ++quote, o->rfq_id, USD(300), FAR) != AUCTION_OK) break;
    *now += 15000;
    n = TICK(a, *now);
    const struct auction_event *x = find(n, AUCTION_EV_EXECUTE);
    if (!x || x->amount != lots[k - 1]) break;
    if (auction_execution_result(a, *now, quote, 1) != AUCTION_OK) break;
    *now += 1;
    n = TICK(a, *now);
    if (!find(n, AUCTION_EV_RFQ_FILLED)) break;
    if (find(n, AUCTION_EV_FINISHED)) {
      *fin = *find(n, AUCTION_EV_FINISHED);
      return k;
    }
    *now += 1;
  }
  testlib_fail(__FILE__, __LINE__, "sell_all: the auction did not run as expected");
  return k;
}

TEST(lots_of_two_from_ten) {
  struct auction *a = make_default(C(10), USD(300));
  REQUIRE(a);
  money_u128 lots[16];
  struct auction_event fin = {0};
  int64_t now = T0;
  size_t k = sell_all(a, &now, lots, 16, &fin);
  CHECK_INT_EQ(k, 5);
  for (size_t i = 0; i < k; i++)
    CHECK_U128_EQ(lots[i], C(2));
  CHECK_INT_EQ(fin.reason, AUCTION_REASON_SOLD_OUT);
  CHECK_U128_EQ(fin.amount, C(10));
  CHECK_U128_EQ(fin.unfilled, 0);
  CHECK_INT_EQ(fin.lots_filled, 5);
  CHECK(now < HARD_STOP); /* early stop */
  struct auction_view v;
  REQUIRE(auction_view(a, now, &v) == AUCTION_OK);
  CHECK_INT_EQ(v.state, AUCTION_FINISHED);
  CHECK(!v.has_rfq);
  CHECK_U128_EQ(v.remaining, 0);
  CHECK_INT_EQ(TICK(a, now + 1), 0); /* FINISHED once */
  CHECK_INT_EQ(TICK(a, HARD_STOP), 0);
  auction_free(a);
}

TEST(lots_of_seven_are_2_2_2_1) {
  struct auction *a = make_default(C(7), USD(300));
  REQUIRE(a);
  money_u128 lots[16];
  struct auction_event fin = {0};
  int64_t now = T0;
  size_t k = sell_all(a, &now, lots, 16, &fin);
  REQUIRE(k == 4);
  CHECK_U128_EQ(lots[0], C(2));
  CHECK_U128_EQ(lots[1], C(2));
  CHECK_U128_EQ(lots[2], C(2));
  CHECK_U128_EQ(lots[3], C(1));
  CHECK_U128_EQ(fin.amount, C(7));
  CHECK_U128_EQ(fin.unfilled, 0);
  auction_free(a);
}

TEST(half_contract_remainder_is_not_sold) {
  struct auction *a = make_default(C(10) + C(1) / 2, USD(300));
  REQUIRE(a);
  money_u128 lots[16];
  struct auction_event fin = {0};
  int64_t now = T0;
  size_t k = sell_all(a, &now, lots, 16, &fin);
  CHECK_INT_EQ(k, 5);
  for (size_t i = 0; i < k; i++)
    CHECK_U128_EQ(lots[i], C(2));
  CHECK_INT_EQ(fin.reason, AUCTION_REASON_SOLD_OUT);
  CHECK_U128_EQ(fin.amount, C(10));
  CHECK_U128_EQ(fin.unfilled, C(1) / 2);
  auction_free(a);

  a = make_default(C(1) / 2, USD(300)); /* nothing sellable at all */
  REQUIRE(a);
  size_t n = TICK(a, T0);
  REQUIRE(n == 1 && ev[0].type == AUCTION_EV_FINISHED);
  CHECK_U128_EQ(ev[0].amount, 0);
  CHECK_U128_EQ(ev[0].unfilled, C(1) / 2);
  auction_free(a);
}

TEST(rfq_opened_fields) {
  struct auction *a = make_default(C(10), USD(300));
  REQUIRE(a);
  size_t n = TICK(a, T0 + 5);
  REQUIRE(n == 1);
  CHECK_INT_EQ(ev[0].type, AUCTION_EV_RFQ_OPENED);
  CHECK_INT_EQ(ev[0].rfq_id, 1);
  CHECK_U128_EQ(ev[0].amount, C(2));
  CHECK_INT_EQ(ev[0].created_ms, T0 + 5);
  CHECK_INT_EQ(ev[0].valid_until_ms, T0 + 5 + 120000);
  struct auction_view v;
  REQUIRE(auction_view(a, T0 + 5, &v) == AUCTION_OK);
  CHECK(v.has_rfq && v.has_floor && v.has_mark);
  CHECK_INT_EQ(v.rfq_id, 1);
  CHECK_U128_EQ(v.rfq_amount, C(2));
  CHECK_INT_EQ(v.rfq_created_ms, T0 + 5);
  CHECK_INT_EQ(v.rfq_valid_until_ms, T0 + 120005);
  CHECK_U128_EQ(v.floor, USD(300));
  CHECK_INT_EQ(v.hard_stop_at_ms, HARD_STOP);
  CHECK_INT_EQ(v.state, AUCTION_RUNNING);
  CHECK_U128_EQ(v.remaining, C(10));
  auction_free(a);
}

TEST(grace_period_no_execute_before_15s) {
  struct auction *a = make_default(C(10), USD(300));
  REQUIRE(a);
  REQUIRE(TICK(a, T0) == 1);
  REQUIRE(auction_quote_add(a, T0 + 1, 1, 1, 1, USD(1000), FAR) == AUCTION_OK);
  for (int64_t t = 1; t < 15000; t += 1000)
    CHECK_INT_EQ(TICK(a, T0 + t), 0);
  CHECK_INT_EQ(TICK(a, T0 + 14999), 0);
  size_t n = TICK(a, T0 + 15000);
  CHECK_INT_EQ(count(n, AUCTION_EV_EXECUTE), 1);
  auction_free(a);
}

TEST(no_mark_no_execute) {
  struct auction_params p;
  auction_params_default(&p);
  struct auction *a = NULL;
  REQUIRE(auction_new(&p, T0, C(10), 2, 1, &a) == AUCTION_OK);
  REQUIRE(TICK(a, T0) == 1);
  REQUIRE(auction_quote_add(a, T0 + 1, 1, 1, 1, USD(1000), FAR) == AUCTION_OK);
  CHECK_INT_EQ(TICK(a, T0 + 20000), 0);
  struct auction_view v;
  REQUIRE(auction_view(a, T0 + 20000, &v) == AUCTION_OK);
  CHECK(v.has_rfq && !v.has_mark && !v.has_floor);
  REQUIRE(auction_set_mark(a, USD(300), T0 + 20001) == AUCTION_OK);
  CHECK_INT_EQ(count(TICK(a, T0 + 20001), AUCTION_EV_EXECUTE), 1);
  auction_free(a);
}

/* Mark 300, credit 250: acceptable from 24 000 ms after the RFQ's creation (see
 * test_auction_floor.c), not one ms before. */
TEST(quote_below_floor_fills_once_the_floor_decays_to_it) {
  struct auction *a = make_default(C(10), USD(300));
  REQUIRE(a);
  const int64_t t = T0 + 777; /* the RFQ's creation */
  REQUIRE(TICK(a, t) == 1);
  REQUIRE(auction_quote_add(a, t + 1000, 1, 1, 1, USD(250), FAR) == AUCTION_OK);
  CHECK_INT_EQ(TICK(a, t + 15000), 0);
  CHECK_INT_EQ(TICK(a, t + 20000), 0);
  struct auction_view v;
  REQUIRE(auction_view(a, t + 23999, &v) == AUCTION_OK);
  CHECK_U128_EQ(v.floor, 250001876);
  CHECK_INT_EQ(TICK(a, t + 23999), 0);
  size_t n = TICK(a, t + 24000);
  const struct auction_event *e = find(n, AUCTION_EV_EXECUTE);
  REQUIRE(e);
  CHECK_INT_EQ(e->quote_id, 1);
  CHECK_U128_EQ(e->credit, USD(250));
  CHECK_U128_EQ(e->floor, USD(250));
  auction_free(a);
}

TEST(a_new_mark_moves_the_floor) {
  struct auction *a = make_default(C(10), USD(300));
  REQUIRE(a);
  REQUIRE(TICK(a, T0) == 1);
  REQUIRE(auction_quote_add(a, T0 + 1000, 1, 1, 1, USD(250), FAR) == AUCTION_OK);
  CHECK_INT_EQ(TICK(a, T0 + 15000), 0);                             /* floor 266.67 */
  REQUIRE(auction_set_mark(a, USD(270), T0 + 15001) == AUCTION_OK); /* floor 240 */
  CHECK_INT_EQ(count(TICK(a, T0 + 15001), AUCTION_EV_EXECUTE), 1);
  struct auction_view v;
  REQUIRE(auction_view(a, T0 + 15001, &v) == AUCTION_OK);
  CHECK_U128_EQ(v.mark_credit, USD(270));
  CHECK_INT_EQ(v.mark_ms, T0 + 15001);
  CHECK(v.rfq_executing);
  CHECK_INT_EQ(v.executing_quote_id, 1);
  auction_free(a);
}

TEST(floor_clamped_at_min_credit_in_judging) {
  struct auction *a = make_default(C(10), USD(10)); /* 10 / (1 + s) < 20 at any time */
  REQUIRE(a);
  REQUIRE(TICK(a, T0) == 1);
  REQUIRE(auction_quote_add(a, T0 + 1, 1, 1, 1, USD(20) - 1, FAR) == AUCTION_OK);
  CHECK_INT_EQ(TICK(a, T0 + 15000), 0);
  CHECK_INT_EQ(TICK(a, T0 + 119999), 0);
  struct auction_view v;
  REQUIRE(auction_view(a, T0 + 119999, &v) == AUCTION_OK);
  CHECK_U128_EQ(v.floor, USD(20));
  REQUIRE(auction_quote_add(a, T0 + 119999, 2, 2, 1, USD(20), FAR) == AUCTION_OK);
  size_t n = TICK(a, T0 + 119999);
  const struct auction_event *e = find(n, AUCTION_EV_EXECUTE);
  REQUIRE(e);
  CHECK_INT_EQ(e->quote_id, 2);
  CHECK_U128_EQ(e->floor, USD(20));
  auction_free(a);
}

TEST(floor_clamped_at_max_credit_in_judging) {
  struct auction *a = make_default(C(10), USD(5000)); /* 5000 / (1 + s) >= 2500 > 2000 */
  REQUIRE(a);
  REQUIRE(TICK(a, T0) == 1);
  REQUIRE(auction_quote_add(a, T0 + 1, 1, 1, 1, USD(2000) - 1, FAR) == AUCTION_OK);
  CHECK_INT_EQ(TICK(a, T0 + 15000), 0);
  REQUIRE(auction_quote_add(a, T0 + 15000, 2, 2, 1, USD(2000), FAR) == AUCTION_OK);
  size_t n = TICK(a, T0 + 15000);
  const struct auction_event *e = find(n, AUCTION_EV_EXECUTE);
  REQUIRE(e);
  CHECK_INT_EQ(e->quote_id, 2);
  CHECK_U128_EQ(e->floor, USD(2000));
  auction_free(a);
}

TEST(unfilled_rfq_expires_and_the_lot_is_resent) {
  struct auction *a = make_default(C(10), USD(300));
  REQUIRE(a);
  REQUIRE(TICK(a, T0) == 1);
  REQUIRE(auction_quote_add(a, T0 + 1, 1, 1, 1, USD(100), FAR) == AUCTION_OK); /* too low */
  CHECK_INT_EQ(TICK(a, T0 + 119999), 0);
  size_t n = TICK(a, T0 + 120000);
  REQUIRE(n == 2);
  CHECK_INT_EQ(ev[0].type, AUCTION_EV_QUOTE_CANCELLED);
  CHECK_INT_EQ(ev[0].reason, AUCTION_REASON_RFQ_EXPIRED);
  CHECK_INT_EQ(ev[0].quote_id, 1);
  CHECK_INT_EQ(ev[1].type, AUCTION_EV_RFQ_EXPIRED);
  CHECK_INT_EQ(ev[1].rfq_id, 1);
  CHECK_U128_EQ(ev[1].amount, C(2));
  struct auction_view v;
  REQUIRE(auction_view(a, T0 + 120000, &v) == AUCTION_OK);
  CHECK(!v.has_rfq);
  n = TICK(a, T0 + 120100);
  REQUIRE(n == 1);
  CHECK_INT_EQ(ev[0].type, AUCTION_EV_RFQ_OPENED);
  CHECK_INT_EQ(ev[0].rfq_id, 2);
  CHECK_U128_EQ(ev[0].amount, C(2));
  CHECK_INT_EQ(ev[0].created_ms, T0 + 120100);
  CHECK_INT_EQ(ev[0].valid_until_ms, T0 + 240100);
  /* The floor starts again from the mark on the new RFQ. */
  REQUIRE(auction_view(a, T0 + 120100, &v) == AUCTION_OK);
  CHECK_U128_EQ(v.floor, USD(300));
  CHECK_U128_EQ(v.sold, 0);
  auction_free(a);
}

TEST(never_two_live_rfqs) {
  struct auction *a = make_default(C(10), USD(300));
  REQUIRE(a);
  size_t opened = 0;
  for (int64_t t = 0; t < 120000; t += 500)
    opened += count(TICK(a, T0 + t), AUCTION_EV_RFQ_OPENED);
  CHECK_INT_EQ(opened, 1);
  CHECK_INT_EQ(auction_quote_add(a, T0 + 119999, 1, 1, 2, USD(300), FAR), AUCTION_ERFQ_UNKNOWN);
  /* A fill: the next RFQ opens on the tick after the one that reports it. */
  REQUIRE(auction_quote_add(a, T0 + 119999, 1, 1, 1, USD(300), FAR) == AUCTION_OK);
  size_t n = TICK(a, T0 + 119999);
  REQUIRE(find(n, AUCTION_EV_EXECUTE));
  REQUIRE(auction_execution_result(a, T0 + 119999, 1, 1) == AUCTION_OK);
  n = TICK(a, T0 + 119999);
  CHECK_INT_EQ(count(n, AUCTION_EV_RFQ_FILLED), 1);
  CHECK_INT_EQ(count(n, AUCTION_EV_RFQ_OPENED), 0);
  n = TICK(a, T0 + 119999);
  CHECK_INT_EQ(count(n, AUCTION_EV_RFQ_OPENED), 1);
  CHECK_INT_EQ(find(n, AUCTION_EV_RFQ_OPENED)->rfq_id, 2);
  CHECK_INT_EQ(count(TICK(a, T0 + 120000), AUCTION_EV_RFQ_OPENED), 0);
  auction_free(a);
}

/* Maker 1's executions fail: skipped 4 s, then 8 s; a success resets it to 4 s. */
TEST(failed_execution_backs_off_4s_then_8s) {
  struct auction *a = make_default(C(10), USD(300));
  REQUIRE(a);
  const int64_t t = T0;
  REQUIRE(TICK(a, t) == 1);
  REQUIRE(auction_quote_add(a, t + 1, 1, 1, 1, USD(310), FAR) == AUCTION_OK);
  REQUIRE(auction_quote_add(a, t + 1, 1, 2, 1, USD(305), FAR) == AUCTION_OK);
  size_t n = TICK(a, t + 15000);
  REQUIRE(find(n, AUCTION_EV_EXECUTE) && find(n, AUCTION_EV_EXECUTE)->quote_id == 1);
  REQUIRE(auction_execution_result(a, t + 15000, 1, 0) == AUCTION_OK);
  CHECK_INT_EQ(TICK(a, t + 15000), 0);
  CHECK_INT_EQ(TICK(a, t + 18999), 0);
  n = TICK(a, t + 19000);
  REQUIRE(find(n, AUCTION_EV_EXECUTE) && find(n, AUCTION_EV_EXECUTE)->quote_id == 2);
  REQUIRE(auction_execution_result(a, t + 19000, 2, 0) == AUCTION_OK);
  REQUIRE(auction_quote_add(a, t + 19000, 1, 3, 1, USD(320), FAR) == AUCTION_OK);
  CHECK_INT_EQ(TICK(a, t + 26999), 0);
  n = TICK(a, t + 27000);
  REQUIRE(find(n, AUCTION_EV_EXECUTE) && find(n, AUCTION_EV_EXECUTE)->quote_id == 3);
  REQUIRE(auction_execution_result(a, t + 27000, 3, 1) == AUCTION_OK); /* success: reset */
  REQUIRE(count(TICK(a, t + 27001), AUCTION_EV_RFQ_FILLED) == 1);

  /* Lot 2: maker 1 fails once more (4 s again); maker 2 is not skipped meanwhile. */
  const int64_t u = t + 30000;
  n = TICK(a, u);
  REQUIRE(find(n, AUCTION_EV_RFQ_OPENED) && find(n, AUCTION_EV_RFQ_OPENED)->rfq_id == 2);
  REQUIRE(auction_quote_add(a, u + 1, 1, 4, 2, USD(340), FAR) == AUCTION_OK);
  REQUIRE(auction_quote_add(a, u + 1, 2, 5, 2, USD(300), FAR) == AUCTION_OK);
  n = TICK(a, u + 15000);
  REQUIRE(find(n, AUCTION_EV_EXECUTE) && find(n, AUCTION_EV_EXECUTE)->quote_id == 4);
  REQUIRE(auction_execution_result(a, u + 15000, 4, 0) == AUCTION_OK);
  REQUIRE(auction_quote_add(a, u + 15000, 1, 6, 2, USD(350), FAR) == AUCTION_OK);
  n = TICK(a, u + 15000);
  REQUIRE(find(n, AUCTION_EV_EXECUTE) && find(n, AUCTION_EV_EXECUTE)->quote_id == 5);
  REQUIRE(auction_execution_result(a, u + 15000, 5, 0) == AUCTION_OK);
  CHECK_INT_EQ(TICK(a, u + 18999), 0); /* both makers back off */
  n = TICK(a, u + 19000);
  REQUIRE(find(n, AUCTION_EV_EXECUTE));
  CHECK_INT_EQ(find(n, AUCTION_EV_EXECUTE)->quote_id, 6);
  auction_free(a);
}

TEST(backoff_stops_doubling) {
  struct auction_params p;
  auction_params_default(&p);
  p.rfq_life_ms = INT64_MAX / 2; /* one RFQ for the whole test */
  p.hard_stop_ms = INT64_MAX / 2;
  p.grace_ms = 0;
  struct auction *a = make(&p, C(10), USD(300));
  REQUIRE(a);
  int64_t now = T0;
  REQUIRE(TICK(a, now) == 1);
  int64_t expect_wait = 4000;
  for (uint64_t q = 1; q <= AUCTION_BACKOFF_MAX_SHIFT + 3; q++) {
    REQUIRE(auction_quote_add(a, now, 1, q, 1, USD(300), INT64_MAX) == AUCTION_OK);
    size_t n = TICK(a, now);
    REQUIRE(find(n, AUCTION_EV_EXECUTE) && find(n, AUCTION_EV_EXECUTE)->quote_id == q);
    REQUIRE(auction_execution_result(a, now, q, 0) == AUCTION_OK);
    REQUIRE(auction_quote_add(a, now, 1, 1000 + q, 1, USD(300), INT64_MAX) == AUCTION_OK);
    CHECK_INT_EQ(TICK(a, now + expect_wait - 1), 0);
    REQUIRE(auction_quote_cancel(a, 1000 + q) == AUCTION_OK);
    now += expect_wait;
    if (q <= AUCTION_BACKOFF_MAX_SHIFT) expect_wait *= 2;
  }
  CHECK_INT_EQ(expect_wait, 4000LL << AUCTION_BACKOFF_MAX_SHIFT);
  auction_free(a);
}

TEST(hard_stop_at_exactly_7200s_cancels_the_live_rfq) {
  struct auction *a = make_default(C(10), USD(300));
  REQUIRE(a);
  int64_t now = T0;
  /* One lot sold first. */
  REQUIRE(TICK(a, now) == 1);
  REQUIRE(auction_quote_add(a, now, 7, 1, 1, USD(300), FAR) == AUCTION_OK);
  REQUIRE(find(TICK(a, now + 15000), AUCTION_EV_EXECUTE));
  REQUIRE(auction_execution_result(a, now + 15000, 1, 1) == AUCTION_OK);
  REQUIRE(count(TICK(a, now + 15000), AUCTION_EV_RFQ_FILLED) == 1);
  /* Then RFQs come and go unfilled until just before the hard stop. */
  size_t opened = 0, expired = 0;
  for (now = T0 + 16000; now < HARD_STOP; now += 1000) {
    size_t n = TICK(a, now);
    opened += count(n, AUCTION_EV_RFQ_OPENED);
    expired += count(n, AUCTION_EV_RFQ_EXPIRED);
    CHECK_INT_EQ(count(n, AUCTION_EV_FINISHED), 0);
  }
  CHECK(opened >= 59 && expired == opened - 1);
  CHECK_INT_EQ(TICK(a, HARD_STOP - 1), 0);
  struct auction_view v;
  REQUIRE(auction_view(a, HARD_STOP - 1, &v) == AUCTION_OK);
  REQUIRE(v.has_rfq);
  uint64_t live = v.rfq_id;
  REQUIRE(auction_quote_add(a, HARD_STOP - 1, 3, 99, live, USD(100), FAR) == AUCTION_OK);
  size_t n = TICK(a, HARD_STOP);
  REQUIRE(n == 3);
  CHECK_INT_EQ(ev[0].type, AUCTION_EV_QUOTE_CANCELLED);
  CHECK_INT_EQ(ev[0].reason, AUCTION_REASON_RFQ_CANCELLED);
  CHECK_INT_EQ(ev[0].quote_id, 99);
  CHECK_INT_EQ(ev[1].type, AUCTION_EV_RFQ_CANCELLED);
  CHECK_INT_EQ(ev[1].rfq_id, live);
  CHECK_U128_EQ(ev[1].amount, C(2));
  CHECK_INT_EQ(ev[2].type, AUCTION_EV_FINISHED);
  CHECK_INT_EQ(ev[2].reason, AUCTION_REASON_HARD_STOP);
  CHECK_U128_EQ(ev[2].amount, C(2));
  CHECK_U128_EQ(ev[2].unfilled, C(8));
  CHECK_INT_EQ(ev[2].lots_filled, 1);
  CHECK_INT_EQ(TICK(a, HARD_STOP + 1), 0);
  CHECK_INT_EQ(auction_quote_add(a, HARD_STOP + 1, 3, 100, live, USD(300), FAR),
               AUCTION_ERFQ_NOT_OPEN);
  REQUIRE(auction_view(a, HARD_STOP + 1, &v) == AUCTION_OK);
  CHECK_INT_EQ(v.state, AUCTION_FINISHED);
  CHECK(!v.has_rfq);
  CHECK_U128_EQ(v.sold, C(2));
  CHECK_U128_EQ(v.remaining, C(8));
  auction_free(a);
}

TEST(hard_stop_waits_for_the_execution_in_flight) {
  struct auction_params p;
  auction_params_default(&p);
  p.hard_stop_ms = 20000;
  for (int ok = 0; ok <= 1; ok++) {
    struct auction *a = make(&p, C(10), USD(300));
    REQUIRE(a);
    REQUIRE(TICK(a, T0) == 1);
    REQUIRE(auction_quote_add(a, T0 + 1, 1, 1, 1, USD(300), FAR) == AUCTION_OK);
    REQUIRE(auction_quote_add(a, T0 + 1, 2, 2, 1, USD(290), FAR) == AUCTION_OK);
    REQUIRE(find(TICK(a, T0 + 15000), AUCTION_EV_EXECUTE));
    CHECK_INT_EQ(TICK(a, T0 + 20000), 0); /* no FINISHED while it is in flight */
    CHECK_INT_EQ(auction_quote_add(a, T0 + 20000, 3, 3, 1, USD(400), FAR), AUCTION_ERFQ_NOT_OPEN);
    REQUIRE(auction_execution_result(a, T0 + 20500, 1, ok) == AUCTION_OK);
    size_t n = TICK(a, T0 + 20500);
    CHECK_INT_EQ(count(n, AUCTION_EV_EXECUTE), 0); /* not even maker 2's quote */
    CHECK_INT_EQ(count(n, AUCTION_EV_RFQ_FILLED), ok);
    CHECK_INT_EQ(count(n, AUCTION_EV_RFQ_CANCELLED), !ok);
    CHECK_INT_EQ(count(n, AUCTION_EV_QUOTE_CANCELLED), 1); /* maker 2's */
    const struct auction_event *f = find(n, AUCTION_EV_FINISHED);
    REQUIRE(f);
    CHECK_INT_EQ(f->reason, AUCTION_REASON_HARD_STOP);
    CHECK_U128_EQ(f->amount, ok ? C(2) : 0);
    CHECK_U128_EQ(f->unfilled, ok ? C(8) : C(10));
    auction_free(a);
  }
}

TEST(snapshot_and_restore_resume_with_the_right_remaining) {
  struct auction *a = make_default(C(10), USD(300));
  REQUIRE(a);
  int64_t now = T0;
  for (uint64_t q = 1; q <= 2; q++) { /* two lots sold */
    size_t n = TICK(a, now);
    const struct auction_event *o = find(n, AUCTION_EV_RFQ_OPENED);
    REQUIRE(o);
    REQUIRE(auction_quote_add(a, now, 7, q, o->rfq_id, USD(300), FAR) == AUCTION_OK);
    now += 15000;
    REQUIRE(find(TICK(a, now), AUCTION_EV_EXECUTE));
    REQUIRE(auction_execution_result(a, now, q, 1) == AUCTION_OK);
    REQUIRE(find(TICK(a, now), AUCTION_EV_RFQ_FILLED));
  }
  REQUIRE(find(TICK(a, now), AUCTION_EV_RFQ_OPENED)); /* RFQ 3 live when the process dies */
  struct auction_snapshot s;
  REQUIRE(auction_snapshot(a, &s) == AUCTION_OK);
  CHECK_U128_EQ(s.sold, C(4));
  CHECK_INT_EQ(s.lots_filled, 2);
  CHECK_INT_EQ(s.next_rfq_id, 4);
  CHECK_INT_EQ(s.n_legs, 2);
  auction_free(a);

  struct auction_params p;
  auction_params_default(&p);
  a = NULL;
  REQUIRE(auction_restore(&p, &s, &a) == AUCTION_OK);
  CHECK_INT_EQ(auction_n_legs(a), 2);
  struct auction_view v;
  REQUIRE(auction_view(a, now + 5000, &v) == AUCTION_OK);
  CHECK_U128_EQ(v.remaining, C(6));
  CHECK_INT_EQ(v.lots_filled, 2);
  CHECK(!v.has_rfq && !v.has_mark);
  CHECK_INT_EQ(v.hard_stop_at_ms, HARD_STOP);
  CHECK_INT_EQ(auction_quote_add(a, now + 5000, 7, 9, 3, USD(300), FAR), AUCTION_ERFQ_NOT_OPEN);
  REQUIRE(auction_set_mark(a, USD(300), now + 5000) == AUCTION_OK);
  now += 5000;
  size_t n = TICK(a, now);
  const struct auction_event *o = find(n, AUCTION_EV_RFQ_OPENED);
  REQUIRE(o);
  CHECK_INT_EQ(o->rfq_id, 4);
  CHECK_U128_EQ(o->amount, C(2));
  money_u128 lots[16];
  struct auction_event fin = {0};
  CHECK_INT_EQ(auction_quote_cancel(a, 1), AUCTION_EQUOTE_UNKNOWN);
  /* sell_all ticks first; the RFQ is already live, so give it a quote and finish it here. */
  REQUIRE(auction_quote_add(a, now, 7, 50, 4, USD(300), FAR) == AUCTION_OK);
  now += 15000;
  REQUIRE(find(TICK(a, now), AUCTION_EV_EXECUTE));
  REQUIRE(auction_execution_result(a, now, 50, 1) == AUCTION_OK);
  REQUIRE(find(TICK(a, now), AUCTION_EV_RFQ_FILLED));
  now += 1;
  size_t k = sell_all(a, &now, lots, 16, &fin);
  CHECK_INT_EQ(k, 2);
  CHECK_U128_EQ(fin.amount, C(10));
  CHECK_INT_EQ(fin.lots_filled, 5);
  CHECK_INT_EQ(fin.reason, AUCTION_REASON_SOLD_OUT);
  auction_free(a);
}

TEST(restore_of_a_done_auction_finishes_at_once) {
  struct auction_params p;
  auction_params_default(&p);
  struct auction_snapshot s = {.started_ms = T0,
                               .total = C(10) + C(1) / 2,
                               .sold = C(10),
                               .lots_filled = 5,
                               .first_rfq_id = 1,
                               .next_rfq_id = 9,
                               .n_legs = 2};
  struct auction *a = NULL;
  REQUIRE(auction_restore(&p, &s, &a) == AUCTION_OK);
  size_t n = TICK(a, T0 + 60000);
  REQUIRE(n == 1 && ev[0].type == AUCTION_EV_FINISHED);
  CHECK_INT_EQ(ev[0].reason, AUCTION_REASON_SOLD_OUT);
  CHECK_U128_EQ(ev[0].unfilled, C(1) / 2);
  auction_free(a);

  s.sold = C(4); /* restarted after the hard stop */
  REQUIRE(auction_restore(&p, &s, &a) == AUCTION_OK);
  n = TICK(a, HARD_STOP + 1);
  REQUIRE(n == 1 && ev[0].type == AUCTION_EV_FINISHED);
  CHECK_INT_EQ(ev[0].reason, AUCTION_REASON_HARD_STOP);
  CHECK_U128_EQ(ev[0].unfilled, C(6) + C(1) / 2);
  auction_free(a);

  struct auction *b = NULL; /* stays untouched */
  s.sold = C(11);
  CHECK_INT_EQ(auction_restore(&p, &s, &b), AUCTION_EINVALID);
  s.sold = C(4), s.next_rfq_id = 0;
  CHECK_INT_EQ(auction_restore(&p, &s, &b), AUCTION_EINVALID);
  s.next_rfq_id = 9, s.n_legs = 0;
  CHECK_INT_EQ(auction_restore(&p, &s, &b), AUCTION_EINVALID);
  CHECK(b == NULL);
}

TEST(tick_refuses_a_small_buffer_and_a_clock_going_back) {
  struct auction *a = make_default(C(10), USD(300));
  REQUIRE(a);
  size_t n = 12345;
  CHECK_INT_EQ(auction_tick(a, T0, ev, AUCTION_TICK_EVENTS_MAX - 1, &n), AUCTION_ECAPACITY);
  CHECK_INT_EQ(n, 12345);
  struct auction_view v;
  REQUIRE(auction_view(a, T0, &v) == AUCTION_OK);
  CHECK(!v.has_rfq); /* nothing happened */
  REQUIRE(TICK(a, T0 + 10) == 1);
  CHECK_INT_EQ(auction_tick(a, T0 + 9, ev, AUCTION_TICK_EVENTS_MAX, &n), AUCTION_ECLOCK);
  CHECK_INT_EQ(auction_set_mark(a, USD(1), T0 + 9), AUCTION_ECLOCK);
  CHECK_INT_EQ(auction_tick(NULL, T0 + 10, ev, AUCTION_TICK_EVENTS_MAX, &n), AUCTION_EINVALID);
  CHECK_INT_EQ(n, 12345);
  auction_free(a);
  auction_free(NULL);
}

TEST(new_refuses_bad_arguments) {
  struct auction_params p;
  auction_params_default(&p);
  struct auction *a = NULL;
  CHECK_INT_EQ(auction_new(&p, T0, C(10), 0, 1, &a), AUCTION_EINVALID);
  CHECK_INT_EQ(auction_new(&p, T0, C(10), AUCTION_MAX_LEGS + 1, 1, &a), AUCTION_EINVALID);
  CHECK_INT_EQ(auction_new(&p, T0, C(10), 2, 0, &a), AUCTION_EINVALID);
  CHECK_INT_EQ(auction_new(&p, -1, C(10), 2, 1, &a), AUCTION_EINVALID);
  CHECK_INT_EQ(auction_new(NULL, T0, C(10), 2, 1, &a), AUCTION_EINVALID);
  p.lot_rounding = 0;
  CHECK_INT_EQ(auction_new(&p, T0, C(10), 2, 1, &a), AUCTION_EINVALID);
  CHECK(a == NULL);
  auction_params_default(&p);
  CHECK_INT_EQ(auction_new(&p, T0, C(10), 1, 1, &a), AUCTION_OK); /* a single spot leg */
  CHECK_INT_EQ(auction_n_legs(a), 1);
  auction_free(a);
}
