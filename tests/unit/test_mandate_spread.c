/* test_mandate_spread: rules 2-6 of a spread fill, each at its boundary and one unit beyond. */
#include "mandate_spread.h"
#include "testlib.h"

#define USD(x) ((money_u128)(x)*1000000u)
#define SPREADS(x) ((money_u128)(x)*100000000u)
#define LBTC(x) ((money_u128)(x)*100000000u)
#define NOW INT64_C(1677225600000) /* Fri 2023-02-24 08:00 UTC */
#define HOUR MANDATE_HOUR_MS
#define DAY MANDATE_DAY_MS

#define CHECK_REFUSAL(st, why, code_, what_, value_, bound_)                                       \
  do {                                                                                             \
    CHECK_STR_EQ(mandate_strerror(st), mandate_strerror(code_));                                   \
    CHECK_INT_EQ((why).code, (code_));                                                             \
    CHECK_STR_EQ((why).what, (what_));                                                             \
    CHECK_I128_EQ((why).value, (value_));                                                          \
    CHECK_I128_EQ((why).bound, (bound_));                                                          \
  } while (0)

/* A BTC vault with 100 LBTC at a 60 000 spot (TVL 6 000 000 USD), nothing open, selling one
 * 56000/54000 put spread expiring in 7 days: mark 140 (0.07 of the width), credit 120. */
struct fx {
  struct mandate_params p;
  struct mandate_leg legs[2];
  struct mandate_spread_trade t;
  struct mandate_vault_state v;
  struct mandate_loss_state loss;
};

static void fx_init(struct fx *f) {
  memset(f, 0, sizeof *f);
  f->p = mandate_params_default(USD(2000));
  int64_t expiry = NOW + 7 * DAY;
  f->legs[0] = (struct mandate_leg){MANDATE_PUT, USD(56000), expiry, MANDATE_SELL, SPREADS(1)};
  f->legs[1] = (struct mandate_leg){MANDATE_PUT, USD(54000), expiry, MANDATE_BUY, SPREADS(1)};
  f->t.legs = f->legs;
  f->t.n_legs = 2;
  f->t.credit = (money_i128)USD(120);
  f->t.mark_credit = USD(140);
  f->t.spread_mark = USD(140);
  f->t.oracle.spot_ms = NOW - 1000;
  f->t.oracle.surface_ms = NOW - 60000;
  f->v.collateral = LBTC(100);
  f->v.collateral_decimals = 8;
  f->v.spot = USD(60000);
  f->v.open_spreads = 0;
  f->v.usdc = 0;
  f->v.tvl_usd = USD(6000000);
  int st = mandate_loss_init(&f->loss, f->p.loss_window_ms);
  CHECK_INT_EQ(st, MANDATE_OK);
}

static void fx_amount(struct fx *f, money_u128 spreads) {
  f->legs[0].amount = f->legs[1].amount = spreads;
}

static void fx_expiry(struct fx *f, int64_t expiry_ms) {
  f->legs[0].expiry_ms = f->legs[1].expiry_ms = expiry_ms;
}

static int fx_check(const struct fx *f, int64_t now_ms, struct mandate_refusal *why) {
  return mandate_check_spread(&f->p, &f->t, &f->v, &f->loss, now_ms, why);
}

TEST(spread_fixture_passes_and_writes_nothing) {
  struct fx f;
  fx_init(&f);
  struct mandate_refusal why, before;
  memset(&why, 0xab, sizeof why);
  before = why;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  CHECK(memcmp(&why, &before, sizeof why) == 0);
  money_i128 loss = 0;
  REQUIRE(mandate_spread_loss(&f.t, &loss) == MANDATE_OK);
  CHECK_I128_EQ(loss, (money_i128)USD(20)); /* (140 - 120)·1 spread */
}

TEST(spread_tte_bounds_inclusive) {
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f);
  fx_expiry(&f, NOW + 144 * HOUR);
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  fx_expiry(&f, NOW + 144 * HOUR - 1);
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ETTE_OUT_OF_BOUNDS, "tte_ms", 144 * HOUR - 1,
                144 * HOUR);
  CHECK_INT_EQ(why.unit, MANDATE_UNIT_DURATION_MS);
  fx_expiry(&f, NOW + 8 * DAY);
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  fx_expiry(&f, NOW + 8 * DAY + 1);
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ETTE_OUT_OF_BOUNDS, "tte_ms", 8 * DAY + 1,
                8 * DAY);
  fx_expiry(&f, NOW - 1); /* already expired */
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ETTE_OUT_OF_BOUNDS, "tte_ms", -1, 144 * HOUR);
}

TEST(spread_oracle_stale) {
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f);
  f.t.oracle.spot_ms = NOW - 30000;
  f.t.oracle.surface_ms = NOW - 300000;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  f.t.oracle.spot_ms = NOW - 30001;
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_EORACLE_STALE, "spot_age_ms", 30001, 30000);
  f.t.oracle.spot_ms = NOW;
  f.t.oracle.surface_ms = NOW - 300001;
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_EORACLE_STALE, "surface_age_ms", 300001,
                300000);
  f.t.oracle.surface_ms = NOW + 5000; /* ahead of the clock: fresh, as in api/oracles.c */
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  f.p.spot_max_age_ms = 10000; /* a parameter */
  f.t.oracle.spot_ms = NOW - 10001;
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_EORACLE_STALE, "spot_age_ms", 10001, 10000);
}

TEST(spread_moneyness_band) {
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f);
  f.t.spread_mark = USD(10); /* 10 / 2000 = 0.005 */
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  f.t.spread_mark = USD(10) - 1; /* 0.0049999995: shown rounded down */
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_EMONEYNESS_OUT_OF_BAND, "moneyness", 4999,
                5000);
  CHECK_INT_EQ(why.unit, MANDATE_UNIT_PPM);
  f.t.spread_mark = USD(400); /* 0.2 */
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  f.t.spread_mark = USD(400) + 1; /* 0.2000000005: shown rounded up */
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_EMONEYNESS_OUT_OF_BAND, "moneyness", 200001,
                200000);
}

TEST(spread_price_backstop_is_03_of_mark) {
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f);
  f.t.credit = (money_i128)USD(42); /* 0.3 · 140 */
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  f.t.credit = (money_i128)USD(42) - 1;
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_EPRICE_BELOW_ORACLE_BOUND, "credit",
                (money_i128)USD(42) - 1, (money_i128)USD(42));
  CHECK_INT_EQ(why.unit, MANDATE_UNIT_USD);
  /* 0.3 · 140.000001 = 42.0000003: the least acceptable credit is 42.000001. */
  f.t.mark_credit = USD(140) + 1;
  f.t.credit = (money_i128)USD(42);
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_EPRICE_BELOW_ORACLE_BOUND, "credit",
                (money_i128)USD(42), (money_i128)USD(42) + 1);
  f.t.credit = (money_i128)USD(42) + 1;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  f.t.credit = -(money_i128)USD(5); /* the vault would pay to sell */
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_EPRICE_BELOW_ORACLE_BOUND, "credit",
                -(money_i128)USD(5), (money_i128)USD(42) + 1);
}

TEST(spread_price_fat_finger_is_5_marks) {
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f);
  f.t.credit = (money_i128)USD(700); /* 5 · 140 */
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  f.t.credit = (money_i128)USD(700) + 1;
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_EPRICE_ABOVE_FAT_FINGER, "credit",
                (money_i128)USD(700) + 1, (money_i128)USD(700));
}

TEST(spread_size_bound_passes_down_to_40000_spot) {
  /* 100 LBTC fully covered, 100 spreads of width 2000, 5 %: 100·2000 <= 100·spot·0.05
   * holds down to spot 40 000 exactly. */
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f);
  fx_amount(&f, SPREADS(100));
  f.v.spot = USD(40000);
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  f.v.spot = USD(40000) - 1; /* 39 999.999999 */
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ESIZE_ABOVE_TVL_BOUND, "max_loss_usd",
                (money_i128)USD(200000), (money_i128)199999999995);
  CHECK_INT_EQ(why.unit, MANDATE_UNIT_USD);
  /* Open spreads count: 60 open + 40 new is the same boundary, 41 new one spread beyond. */
  f.v.spot = USD(40000);
  f.v.open_spreads = SPREADS(60);
  fx_amount(&f, SPREADS(40));
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  fx_amount(&f, SPREADS(40) + 1); /* 1e-8 spread more: 0.00002 USD of width more */
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ESIZE_ABOVE_TVL_BOUND, "max_loss_usd",
                (money_i128)USD(200000) + 20, (money_i128)USD(200000));
  /* The percentage is a parameter: at 10 % the same vault takes 100 spreads at 20 000. */
  fx_init(&f);
  f.p.max_loss_pct_tvl_ppm = 100000;
  fx_amount(&f, SPREADS(100));
  f.v.spot = USD(20000);
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  f.v.spot = USD(20000) - 1;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_ESIZE_ABOVE_TVL_BOUND);
}

TEST(spread_never_more_spreads_than_collateral) {
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f); /* spot 60 000: the size bound would allow 150 spreads */
  f.v.open_spreads = SPREADS(99);
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  fx_amount(&f, SPREADS(1) + 1);
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_EMORE_SPREADS_THAN_COLLATERAL, "spreads",
                (money_i128)SPREADS(100) + 1, (money_i128)SPREADS(100));
  CHECK_INT_EQ(why.unit, MANDATE_UNIT_CONTRACTS);
  /* An 18-decimal collateral (ETH, width 100): 10 ETH covers 10 spreads. */
  fx_init(&f);
  f.p = mandate_params_default(USD(100));
  f.legs[0].strike = USD(3000);
  f.legs[1].strike = USD(2900);
  f.t.mark_credit = f.t.spread_mark = USD(7);
  f.t.credit = (money_i128)USD(6);
  f.v.collateral = (money_u128)10 * 1000000000000000000u;
  f.v.collateral_decimals = 18;
  f.v.spot = USD(3000);
  f.v.tvl_usd = USD(30000);
  fx_amount(&f, SPREADS(10));
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  fx_amount(&f, SPREADS(10) + 1);
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_EMORE_SPREADS_THAN_COLLATERAL, "spreads",
                (money_i128)SPREADS(10) + 1, (money_i128)SPREADS(10));
}

TEST(spread_loss_bound_across_time) {
  /* TVL 100 000 USD: 20 bp is 200 USD of mark loss per hour. */
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f);
  f.v.tvl_usd = USD(100000);
  REQUIRE(mandate_loss_record(&f.loss, NOW, (money_i128)USD(180)) == MANDATE_OK);
  /* Half an hour later: 180 + 20 = 200 passes, 200.000001 does not. */
  int64_t t = NOW + HOUR / 2;
  f.t.oracle.spot_ms = f.t.oracle.surface_ms = t;
  CHECK_INT_EQ(fx_check(&f, t, &why), MANDATE_OK);
  f.t.credit = (money_i128)USD(120) - 1;
  CHECK_REFUSAL(fx_check(&f, t, &why), why, MANDATE_ELOSS_BOUND, "window_loss",
                (money_i128)USD(200) + 1, (money_i128)USD(200));
  /* One ms before the hour is over the old loss still counts... */
  t = NOW + HOUR - 1;
  f.t.oracle.spot_ms = f.t.oracle.surface_ms = t;
  CHECK_REFUSAL(fx_check(&f, t, &why), why, MANDATE_ELOSS_BOUND, "window_loss",
                (money_i128)USD(200) + 1, (money_i128)USD(200));
  f.t.mark_credit = f.t.spread_mark = USD(300); /* a 200 USD loss: 300 - 100 */
  f.t.credit = (money_i128)USD(100);
  CHECK_REFUSAL(fx_check(&f, t, &why), why, MANDATE_ELOSS_BOUND, "window_loss",
                (money_i128)USD(380), (money_i128)USD(200));
  /* ...an hour after it, it no longer does: a full 200 USD loss passes alone. */
  t = NOW + HOUR;
  f.t.oracle.spot_ms = f.t.oracle.surface_ms = t;
  CHECK_INT_EQ(fx_check(&f, t, &why), MANDATE_OK);
  f.t.credit = (money_i128)USD(100) - 1;
  CHECK_REFUSAL(fx_check(&f, t, &why), why, MANDATE_ELOSS_BOUND, "window_loss",
                (money_i128)USD(200) + 1, (money_i128)USD(200));
}

TEST(spread_loss_bound_counts_amount_and_rounds_up) {
  /* Two spreads at 20 USD under the mark are 40 USD; the bound is 20 bp of TVL, floored. */
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f);
  f.v.tvl_usd = USD(20000) + 499; /* 0.002 · 20000.000499 = 40.000000998 -> 40 */
  fx_amount(&f, SPREADS(2));
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  fx_amount(&f, SPREADS(2) + 1); /* 20·2.00000001 = 40.0000002: rounds up to 40.000001 */
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ELOSS_BOUND, "window_loss",
                (money_i128)USD(40) + 1, (money_i128)USD(40));
  money_i128 loss = 0;
  REQUIRE(mandate_spread_loss(&f.t, &loss) == MANDATE_OK);
  CHECK_I128_EQ(loss, (money_i128)USD(40) + 1);
  /* A credit above the mark is a gain: it passes even with the hour already over budget. */
  REQUIRE(mandate_loss_record(&f.loss, NOW, (money_i128)USD(1000)) == MANDATE_OK);
  fx_amount(&f, SPREADS(1));
  f.t.credit = (money_i128)USD(150);
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  REQUIRE(mandate_spread_loss(&f.t, &loss) == MANDATE_OK);
  CHECK_I128_EQ(loss, -(money_i128)USD(10));
  f.t.credit = (money_i128)USD(140); /* at the mark: no loss, passes too */
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
}

TEST(spread_refused_trade_leaves_loss_state_untouched) {
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f);
  f.v.tvl_usd = USD(100000); /* 200 USD an hour */
  REQUIRE(mandate_loss_record(&f.loss, NOW, (money_i128)USD(190)) == MANDATE_OK);
  struct mandate_loss_state before = f.loss;
  /* Refused by the loss bound (190 + 20 > 200), by size, by price: the state is const to
   * the check, and the caller records a loss only for a fill that happened. */
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_ELOSS_BOUND);
  CHECK(memcmp(&f.loss, &before, sizeof before) == 0);
  f.v.spot = USD(100); /* 100 LBTC · 100 · 5 % = 500 < 2000 */
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_ESIZE_ABOVE_TVL_BOUND);
  f.t.credit = 0;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EPRICE_BELOW_ORACLE_BOUND);
  CHECK(memcmp(&f.loss, &before, sizeof before) == 0);
  /* A fill that passes is recorded by the caller, and then counts. */
  f.v.spot = USD(60000);
  f.t.credit = (money_i128)USD(130); /* 10 USD: 190 + 10 = 200 */
  REQUIRE(fx_check(&f, NOW, &why) == MANDATE_OK);
  money_i128 loss = 0;
  REQUIRE(mandate_spread_loss(&f.t, &loss) == MANDATE_OK);
  REQUIRE(mandate_loss_record(&f.loss, NOW, loss) == MANDATE_OK);
  money_u128 sum = 0;
  REQUIRE(mandate_loss_window_sum(&f.loss, NOW, HOUR, &sum) == MANDATE_OK);
  CHECK_U128_EQ(sum, USD(200));
  f.t.credit = (money_i128)USD(140) - 1; /* now even 0.000001 more is refused */
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ELOSS_BOUND, "window_loss",
                (money_i128)USD(200) + 1, (money_i128)USD(200));
}

TEST(spread_rules_run_in_order) {
  /* A trade breaking tte, staleness, moneyness, price and size reports the first. */
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f);
  fx_expiry(&f, NOW + DAY);
  f.t.oracle.spot_ms = NOW - HOUR;
  f.t.spread_mark = 1;
  f.t.credit = 0;
  f.v.spot = 1;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_ETTE_OUT_OF_BOUNDS);
  fx_expiry(&f, NOW + 7 * DAY);
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EORACLE_STALE);
  f.t.oracle.spot_ms = NOW;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EMONEYNESS_OUT_OF_BAND);
  f.t.spread_mark = USD(140);
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EPRICE_BELOW_ORACLE_BOUND);
  f.t.credit = (money_i128)USD(120);
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_ESIZE_ABOVE_TVL_BOUND);
  /* Structure comes before everything. */
  f.legs[1].type = MANDATE_CALL;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_ENOT_PUTS);
  CHECK_INT_EQ(why.leg, 1);
}

TEST(spread_errors_write_nothing) {
  struct fx f;
  struct mandate_refusal why, before;
  memset(&why, 0x5a, sizeof why);
  before = why;
  fx_init(&f);
  f.p.min_moneyness_ppm = f.p.max_moneyness_ppm + 1;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EINVALID);
  fx_init(&f);
  f.v.spot = 0;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EINVALID);
  fx_init(&f);
  f.v.collateral_decimals = 33;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EINVALID);
  fx_init(&f);
  f.loss.retention_ms = 0; /* never initialised */
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EINVALID);
  fx_init(&f);
  f.p.loss_window_ms = 2 * HOUR; /* the state keeps only one hour */
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EINVALID);
  fx_init(&f);
  f.t.legs = NULL;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EINVALID);
  fx_init(&f);
  CHECK_INT_EQ(mandate_check_spread(NULL, &f.t, &f.v, &f.loss, NOW, &why), MANDATE_EINVALID);
  CHECK_INT_EQ(mandate_check_spread(&f.p, &f.t, NULL, &f.loss, NOW, &why), MANDATE_EINVALID);
  CHECK_INT_EQ(mandate_check_spread(&f.p, &f.t, &f.v, NULL, NOW, &why), MANDATE_EINVALID);
  CHECK(memcmp(&why, &before, sizeof why) == 0);
  CHECK_INT_EQ(mandate_check_spread(&f.p, &f.t, &f.v, &f.loss, NOW, NULL), MANDATE_EINVALID);
  /* Figures beyond 128 bits are an error, not a wrap. */
  f.v.open_spreads = MONEY_U128_MAX;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EOVERFLOW);
  CHECK(memcmp(&why, &before, sizeof why) == 0);
}
