/* test_cycle_convert: stage 4 sizing: seed 001's balances converted at the settlement price,
 * limit price roundings, dust, step, re-pricing and the end of the stage. */
#include "cycle_convert.h"
#include "testlib.h"

#define USD(x) ((money_i128)(x)*1000000)
#define UUSD(x) ((money_u128)(x)*1000000u)
#define LBTC_STEP 10000u /* 0.0001 LBTC */
#define MIN_MS INT64_C(60000)

static struct cycle_convert_params lbtc(void) {
  return cycle_convert_params_default(8, LBTC_STEP);
}

/* Independent: floor(|usdc|·10^8 / price) to the step, plain 128-bit arithmetic. */
static money_u128 expect_amount(money_u128 usdc_abs, money_u128 price) {
  money_u128 raw = usdc_abs * 100000000u / price;
  return raw - raw % LBTC_STEP;
}

struct scenario {
  long usdc, settle;   /* USD */
  money_u128 at_mark;  /* LBTC base units at the settlement price */
  long seed_centi;     /* the seed's figure in 0.01 LBTC: 0.25 -> 25 */
  money_u128 limit;    /* USDC base units */
  money_u128 at_limit; /* LBTC base units at the limit */
  money_u128 notional; /* USDC base units */
};

/* usdc / settle, floor to 0.0001 LBTC: 0.25, 0.0894 (0.08944543), 0.6306 (0.63063063),
 * 3.5576 (3.55769230); limits 60 000·1.015 = 60 900, 55 900·1.015 = 56 738.5,
 * 55 500·0.985 = 54 667.5, 52 000·0.985 = 51 220. */
static const struct scenario seed[] = {
    {15000, 60000, 25000000u, 25, 60900000000u, 24630000u, 14999670000u},
    {5000, 55900, 8940000u, 9, 56738500000u, 8810000u, 4998661850u},
    {-35000, 55500, 63060000u, 63, 54667500000u, 64020000u, 34998133500u},
    {-185000, 52000, 355760000u, 356, 51220000000u, 361180000u, 184996396000u},
};

TEST(convert_seed_balances_at_the_settlement_price) {
  struct cycle_convert_params p = lbtc();
  for (size_t i = 0; i < 4; i++) {
    const struct scenario *s = &seed[i];
    money_u128 abs_usdc = s->usdc < 0 ? UUSD(-s->usdc) : UUSD(s->usdc), a = 0;
    CHECK_INT_EQ(cycle_convert_amount(&p, abs_usdc, UUSD(s->settle), &a), CYCLE_OK);
    CHECK_U128_EQ(a, s->at_mark);
    CHECK_U128_EQ(a, expect_amount(abs_usdc, UUSD(s->settle)));
    /* the seed's rounded figures: 0.25, 0.09, 0.63, 3.56 LBTC (nearest 0.01) */
    CHECK_INT_EQ((long)((a + 500000u) / 1000000u), s->seed_centi);
    CHECK_INT_EQ(cycle_convert_side(USD(s->usdc)), s->usdc > 0 ? CYCLE_SIDE_BUY : CYCLE_SIDE_SELL);
  }
}

TEST(convert_seed_orders_at_the_limit_price) {
  struct cycle_convert_params p = lbtc();
  for (size_t i = 0; i < 4; i++) {
    const struct scenario *s = &seed[i];
    int buy = s->usdc > 0;
    money_u128 mark = UUSD(s->settle), abs_usdc = s->usdc < 0 ? UUSD(-s->usdc) : UUSD(s->usdc);
    money_u128 limit = buy ? mark * 1015000u / 1000000u : (mark * 985000u + 999999u) / 1000000u;
    CHECK_U128_EQ(limit, s->limit);
    struct cycle_order o;
    REQUIRE(cycle_convert_order(&p, USD(s->usdc), mark, &o) == CYCLE_OK);
    CHECK_INT_EQ(o.side, buy ? CYCLE_SIDE_BUY : CYCLE_SIDE_SELL);
    CHECK_U128_EQ(o.limit, limit);
    CHECK_U128_EQ(o.amount, s->at_limit);
    CHECK_U128_EQ(o.amount, expect_amount(abs_usdc, limit));
    money_u128 notional =
        buy ? (o.amount * limit + 99999999u) / 100000000u : o.amount * limit / 100000000u;
    CHECK_U128_EQ(o.notional, notional);
    CHECK_U128_EQ(o.notional, s->notional);
    if (buy) CHECK(o.notional <= abs_usdc); /* a buy never spends more than the balance */
  }
}

TEST(convert_limit_rounds_against_the_counterparty) {
  struct cycle_convert_params p = lbtc();
  money_u128 l = 0;
  /* 999·1.015 = 1013.985 -> 1013 (the vault pays at most); 999·0.985 = 984.015 -> 985 */
  CHECK_INT_EQ(cycle_convert_limit(&p, CYCLE_SIDE_BUY, 999, &l), CYCLE_OK);
  CHECK_U128_EQ(l, 1013);
  CHECK_INT_EQ(cycle_convert_limit(&p, CYCLE_SIDE_SELL, 999, &l), CYCLE_OK);
  CHECK_U128_EQ(l, 985);
  l = 7;
  CHECK_INT_EQ(cycle_convert_limit(&p, CYCLE_SIDE_NONE, 999, &l), CYCLE_EINVALID);
  CHECK_INT_EQ(cycle_convert_limit(&p, CYCLE_SIDE_BUY, 0, &l), CYCLE_EINVALID);
  CHECK_INT_EQ(cycle_convert_limit(&p, CYCLE_SIDE_BUY, MONEY_U128_MAX, &l), CYCLE_EOVERFLOW);
  CHECK_U128_EQ(l, 7);
}

TEST(convert_dust_and_below_step) {
  struct cycle_convert_params p = lbtc();
  struct cycle_order o = {.amount = 7};
  CHECK_INT_EQ(cycle_convert_order(&p, 999999, UUSD(60000), &o), CYCLE_EDUST);
  CHECK_INT_EQ(cycle_convert_order(&p, -999999, UUSD(60000), &o), CYCLE_EDUST);
  CHECK_INT_EQ(cycle_convert_order(&p, 0, UUSD(60000), &o), CYCLE_EDUST);
  /* 1 USDC at 60 900 is 0.00001642 LBTC: below one 0.0001 step */
  CHECK_INT_EQ(cycle_convert_order(&p, USD(1), UUSD(60000), &o), CYCLE_EBELOW_STEP);
  /* 6.09 USDC buys exactly one step at 60 900 */
  CHECK_INT_EQ(cycle_convert_order(&p, 6090000, UUSD(60000), &o), CYCLE_OK);
  CHECK_U128_EQ(o.amount, LBTC_STEP);
  CHECK_U128_EQ(o.notional, 6090000);
  CHECK_INT_EQ(cycle_convert_order(&p, 6089999, UUSD(60000), &o), CYCLE_EBELOW_STEP);
  CHECK_U128_EQ(o.amount, LBTC_STEP);
  struct cycle_convert_params bad = p;
  bad.step = 0;
  CHECK_INT_EQ(cycle_convert_order(&bad, USD(100), UUSD(60000), &o), CYCLE_EINVALID);
  bad = p, bad.slippage_ppm = 1000000;
  CHECK_INT_EQ(cycle_convert_params_check(&bad), CYCLE_EINVALID);
}

TEST(convert_reprice_only_beyond_two_usdc) {
  struct cycle_convert_params p = lbtc();
  money_u128 last = UUSD(60900);
  CHECK(!cycle_convert_should_reprice(&p, last, last));
  CHECK(!cycle_convert_should_reprice(&p, last, last + UUSD(2)));
  CHECK(!cycle_convert_should_reprice(&p, last, last - UUSD(2)));
  CHECK(cycle_convert_should_reprice(&p, last, last + UUSD(2) + 1));
  CHECK(cycle_convert_should_reprice(&p, last, last - UUSD(2) - 1));
}

TEST(convert_end_dust_timeout_and_debt_keeps_selling) {
  struct cycle_convert_params p = lbtc();
  int64_t start = INT64_C(1800000000000), end = start + 45 * MIN_MS;
  CHECK_INT_EQ(cycle_convert_state(&p, 999999, start, start), CYCLE_CONVERT_DONE_DUST);
  CHECK_INT_EQ(cycle_convert_state(&p, -999999, start, start), CYCLE_CONVERT_DONE_DUST);
  CHECK_INT_EQ(cycle_convert_state(&p, 0, start, end), CYCLE_CONVERT_DONE_DUST);
  CHECK_INT_EQ(cycle_convert_state(&p, USD(1), start, start), CYCLE_CONVERT_RUNNING);
  CHECK_INT_EQ(cycle_convert_state(&p, USD(5000), start, end - 1), CYCLE_CONVERT_RUNNING);
  CHECK_INT_EQ(cycle_convert_state(&p, USD(5000), start, end), CYCLE_CONVERT_DONE_TIME);
  CHECK_INT_EQ(cycle_convert_state(&p, USD(-35000), start, end), CYCLE_CONVERT_RUNNING);
  CHECK_INT_EQ(cycle_convert_state(&p, USD(-1), start, end + 86400000), CYCLE_CONVERT_RUNNING);
  CHECK_INT_EQ(cycle_convert_state(&p, -999999, start, end + 86400000), CYCLE_CONVERT_DONE_DUST);
  CHECK_INT_EQ(cycle_convert_state(&p, USD(5000), start, start - 1), CYCLE_CONVERT_RUNNING);
  CHECK_INT_EQ(cycle_convert_state(&p, MONEY_I128_MIN, start, end), CYCLE_CONVERT_RUNNING);
}
