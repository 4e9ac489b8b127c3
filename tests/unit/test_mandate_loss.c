/* test_mandate_loss: rule 6's state: the sliding one-hour window, pruning, merging, rounding. */
#include "mandate_loss.h"
#include "testlib.h"

#define USD(x) ((money_u128)(x)*1000000u)
#define NOW INT64_C(1677225600000)
#define HOUR MANDATE_HOUR_MS

static money_u128 window_sum(const struct mandate_loss_state *s, int64_t now_ms) {
  money_u128 sum = 0;
  int st = mandate_loss_window_sum(s, now_ms, HOUR, &sum);
  CHECK_INT_EQ(st, MANDATE_OK);
  return sum;
}

TEST(loss_init_refuses_bad_retention) {
  struct mandate_loss_state s;
  CHECK_INT_EQ(mandate_loss_init(&s, 0), MANDATE_EINVALID);
  CHECK_INT_EQ(mandate_loss_init(NULL, HOUR), MANDATE_EINVALID);
  REQUIRE(mandate_loss_init(&s, HOUR) == MANDATE_OK);
  CHECK_INT_EQ(s.count, 0);
  CHECK_INT_EQ(s.retention_ms, HOUR);
  CHECK_U128_EQ(window_sum(&s, NOW), 0);
}

TEST(loss_record_ignores_gains) {
  struct mandate_loss_state s;
  REQUIRE(mandate_loss_init(&s, HOUR) == MANDATE_OK);
  CHECK_INT_EQ(mandate_loss_record(&s, NOW, -(money_i128)USD(5)), MANDATE_OK);
  CHECK_INT_EQ(mandate_loss_record(&s, NOW, 0), MANDATE_OK);
  CHECK_INT_EQ(s.count, 0);
  CHECK_INT_EQ(mandate_loss_record(&s, NOW, 1), MANDATE_OK);
  CHECK_INT_EQ(s.count, 1);
  CHECK_U128_EQ(window_sum(&s, NOW), 1);
}

TEST(loss_window_is_one_hour_exactly) {
  struct mandate_loss_state s;
  REQUIRE(mandate_loss_init(&s, HOUR) == MANDATE_OK);
  REQUIRE(mandate_loss_record(&s, NOW, (money_i128)USD(7)) == MANDATE_OK);
  REQUIRE(mandate_loss_record(&s, NOW + HOUR / 2, (money_i128)USD(3)) == MANDATE_OK);
  CHECK_U128_EQ(window_sum(&s, NOW - 1000), USD(10)); /* entries ahead of now count */
  CHECK_U128_EQ(window_sum(&s, NOW + HOUR - 1), USD(10));
  CHECK_U128_EQ(window_sum(&s, NOW + HOUR), USD(3)); /* an hour old: gone */
  CHECK_U128_EQ(window_sum(&s, NOW + HOUR + HOUR / 2 - 1), USD(3));
  CHECK_U128_EQ(window_sum(&s, NOW + HOUR + HOUR / 2), 0);
  /* A shorter window over the same state. */
  money_u128 sum = 0;
  REQUIRE(mandate_loss_window_sum(&s, NOW + HOUR / 2, HOUR / 2, &sum) == MANDATE_OK);
  CHECK_U128_EQ(sum, USD(3));
  CHECK_INT_EQ(mandate_loss_window_sum(&s, NOW, 2 * HOUR, &sum), MANDATE_EINVALID);
  CHECK_INT_EQ(mandate_loss_window_sum(&s, NOW, 0, &sum), MANDATE_EINVALID);
}

TEST(loss_record_drops_expired_entries) {
  struct mandate_loss_state s;
  REQUIRE(mandate_loss_init(&s, HOUR) == MANDATE_OK);
  REQUIRE(mandate_loss_record(&s, NOW, 5) == MANDATE_OK);
  REQUIRE(mandate_loss_record(&s, NOW + 1, 6) == MANDATE_OK);
  REQUIRE(mandate_loss_record(&s, NOW + HOUR, 7) == MANDATE_OK);
  CHECK_INT_EQ(s.count, 2);
  CHECK_INT_EQ(s.entries[0].at_ms, NOW + 1);
  CHECK_U128_EQ(s.entries[0].loss, 6);
  CHECK_INT_EQ(s.entries[1].at_ms, NOW + HOUR);
  CHECK_U128_EQ(window_sum(&s, NOW + HOUR), 13);
}

TEST(loss_record_with_clock_set_back_keeps_order) {
  struct mandate_loss_state s;
  REQUIRE(mandate_loss_init(&s, HOUR) == MANDATE_OK);
  REQUIRE(mandate_loss_record(&s, NOW, 5) == MANDATE_OK);
  REQUIRE(mandate_loss_record(&s, NOW - 60000, 6) == MANDATE_OK);
  CHECK_INT_EQ(s.count, 2);
  CHECK_INT_EQ(s.entries[1].at_ms, NOW); /* stored at the newest time: counts longer */
  CHECK_U128_EQ(window_sum(&s, NOW + HOUR - 1), 11);
  CHECK_U128_EQ(window_sum(&s, NOW + HOUR), 0);
}

TEST(loss_merges_the_two_oldest_when_full) {
  struct mandate_loss_state s;
  REQUIRE(mandate_loss_init(&s, HOUR) == MANDATE_OK);
  for (int i = 0; i < MANDATE_LOSS_CAP; i++)
    REQUIRE(mandate_loss_record(&s, NOW + i, i + 1) == MANDATE_OK);
  CHECK_INT_EQ(s.count, MANDATE_LOSS_CAP);
  money_u128 total = (money_u128)MANDATE_LOSS_CAP * (MANDATE_LOSS_CAP + 1) / 2;
  CHECK_U128_EQ(window_sum(&s, NOW + MANDATE_LOSS_CAP), total);
  REQUIRE(mandate_loss_record(&s, NOW + 1000, 1000) == MANDATE_OK);
  CHECK_INT_EQ(s.count, MANDATE_LOSS_CAP);
  CHECK_INT_EQ(s.entries[0].at_ms, NOW + 1); /* losses 1 and 2, at the later time */
  CHECK_U128_EQ(s.entries[0].loss, 3);
  CHECK_INT_EQ(s.entries[MANDATE_LOSS_CAP - 1].at_ms, NOW + 1000);
  CHECK_U128_EQ(window_sum(&s, NOW + 1000), total + 1000);
  /* The first loss counts one ms longer than its hour, never shorter. */
  CHECK_U128_EQ(window_sum(&s, NOW + HOUR), total + 1000);
  CHECK_U128_EQ(window_sum(&s, NOW + HOUR + 1), total + 1000 - 3);
}

TEST(loss_record_overflow_leaves_state_untouched) {
  struct mandate_loss_state s;
  REQUIRE(mandate_loss_init(&s, HOUR) == MANDATE_OK);
  for (int i = 0; i < MANDATE_LOSS_CAP + 1; i++)
    REQUIRE(mandate_loss_record(&s, NOW, MONEY_I128_MAX) == MANDATE_OK);
  /* entries[0] now holds 2·(2^127 - 1); merging it with the next overflows 128 bits. */
  struct mandate_loss_state before = s;
  CHECK_INT_EQ(mandate_loss_record(&s, NOW, 1), MANDATE_EOVERFLOW);
  CHECK(memcmp(&s, &before, sizeof s) == 0);
  money_u128 sum;
  CHECK_INT_EQ(mandate_loss_window_sum(&s, NOW, HOUR, &sum), MANDATE_EOVERFLOW);
  s.count = MANDATE_LOSS_CAP + 1; /* a corrupt state */
  CHECK_INT_EQ(mandate_loss_record(&s, NOW, 1), MANDATE_EINVALID);
}

TEST(loss_mark_loss_signs_and_rounding) {
  money_i128 l = 0;
  /* Buying above the mark and selling below it are losses; the other way, gains. */
  REQUIRE(mandate_mark_loss(MANDATE_BUY, 105, 100, 300000000, 100000000, &l) == MANDATE_OK);
  CHECK_I128_EQ(l, 15);
  REQUIRE(mandate_mark_loss(MANDATE_SELL, 95, 100, 300000000, 100000000, &l) == MANDATE_OK);
  CHECK_I128_EQ(l, 15);
  REQUIRE(mandate_mark_loss(MANDATE_SELL, 105, 100, 300000000, 100000000, &l) == MANDATE_OK);
  CHECK_I128_EQ(l, -15);
  /* Rounded toward +infinity: a loss of 0.5 base unit is 1, a gain of 0.5 is 0. */
  REQUIRE(mandate_mark_loss(MANDATE_BUY, 101, 100, 50000000, 100000000, &l) == MANDATE_OK);
  CHECK_I128_EQ(l, 1);
  REQUIRE(mandate_mark_loss(MANDATE_BUY, 99, 100, 50000000, 100000000, &l) == MANDATE_OK);
  CHECK_I128_EQ(l, 0);
  REQUIRE(mandate_mark_loss(MANDATE_BUY, 97, 100, 50000000, 100000000, &l) == MANDATE_OK);
  CHECK_I128_EQ(l, -1); /* -1.5 -> -1 */
  CHECK_INT_EQ(mandate_mark_loss(MANDATE_BUY, 1, 0, 1, 0, &l), MANDATE_EINVALID);
  CHECK_INT_EQ(mandate_mark_loss((enum mandate_side)3, 1, 0, 1, 1, &l), MANDATE_EINVALID);
  CHECK_INT_EQ(mandate_mark_loss(MANDATE_BUY, MONEY_I128_MAX, -1, 1, 1, &l), MANDATE_EOVERFLOW);
  CHECK_INT_EQ(mandate_mark_loss(MANDATE_BUY, MONEY_I128_MAX, 0, 2, 1, &l), MANDATE_EOVERFLOW);
  CHECK_I128_EQ(l, -1); /* untouched by the errors */
}

TEST(loss_check_bound_is_20bp_of_tvl_floored) {
  struct mandate_params p = mandate_params_default(USD(2000));
  struct mandate_loss_state s;
  struct mandate_refusal why, before;
  REQUIRE(mandate_loss_init(&s, HOUR) == MANDATE_OK);
  memset(&why, 0x11, sizeof why);
  before = why;
  /* TVL 1 000 000.000499 USD: 20 bp is 2000.000000998, floored to 2000. */
  money_u128 tvl = USD(1000000) + 499;
  CHECK_INT_EQ(mandate_loss_check(&p, &s, tvl, NOW, (money_i128)USD(2000), &why), MANDATE_OK);
  CHECK(memcmp(&why, &before, sizeof why) == 0);
  CHECK_INT_EQ(mandate_loss_check(&p, &s, tvl, NOW, (money_i128)USD(2000) + 1, &why),
               MANDATE_ELOSS_BOUND);
  CHECK_STR_EQ(why.what, "window_loss");
  CHECK_INT_EQ(why.unit, MANDATE_UNIT_USD);
  CHECK_I128_EQ(why.value, (money_i128)USD(2000) + 1);
  CHECK_I128_EQ(why.bound, (money_i128)USD(2000));
  /* The bound is a parameter: 50 bp of the same TVL is 5000.0000025, floored 5000.000002. */
  p.loss_bound_ppm = 5000;
  CHECK_INT_EQ(mandate_loss_check(&p, &s, tvl, NOW, (money_i128)USD(5000) + 2, &why), MANDATE_OK);
  CHECK_INT_EQ(mandate_loss_check(&p, &s, tvl, NOW, (money_i128)USD(5000) + 3, &why),
               MANDATE_ELOSS_BOUND);
  CHECK_I128_EQ(why.bound, (money_i128)USD(5000) + 2);
  /* Zero TVL: no loss at all, but a fill at the mark passes. */
  CHECK_INT_EQ(mandate_loss_check(&p, &s, 0, NOW, 1, &why), MANDATE_ELOSS_BOUND);
  CHECK_INT_EQ(mandate_loss_check(&p, &s, 0, NOW, 0, &why), MANDATE_OK);
  p.loss_window_ms = 2 * HOUR; /* longer than the state keeps */
  CHECK_INT_EQ(mandate_loss_check(&p, &s, tvl, NOW, 1, &why), MANDATE_EINVALID);
}
