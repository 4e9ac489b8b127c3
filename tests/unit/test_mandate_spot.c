/* test_mandate_spot: rule 7, stage-4 spot trades on LBTC-USDC, both sides, and their loss. */
#include "mandate_spot.h"
#include "testlib.h"

#define USD(x) ((money_u128)(x)*1000000u)
#define LBTC(x) ((money_u128)(x)*100000000u)
#define NOW INT64_C(1677225600000)
#define HOUR MANDATE_HOUR_MS

#define CHECK_REFUSAL(st, why, code_, what_, value_, bound_)                                       \
  do {                                                                                             \
    CHECK_STR_EQ(mandate_strerror(st), mandate_strerror(code_));                                   \
    CHECK_INT_EQ((why).code, (code_));                                                             \
    CHECK_STR_EQ((why).what, (what_));                                                             \
    CHECK_I128_EQ((why).value, (value_));                                                          \
    CHECK_I128_EQ((why).bound, (bound_));                                                          \
  } while (0)

/* After an out-of-the-money expiry: 100 LBTC, spot 60 000, +10 000 USDC to spend. */
struct fx {
  struct mandate_params p;
  struct mandate_spot_trade t;
  struct mandate_vault_state v;
  struct mandate_loss_state loss;
};

static void fx_init(struct fx *f, enum mandate_side side) {
  memset(f, 0, sizeof *f);
  f->p = mandate_params_default(USD(2000));
  f->t.side = side;
  f->t.amount = LBTC(16) / 100; /* 0.16 LBTC */
  f->t.price = side == MANDATE_BUY ? USD(61200) : USD(58800);
  f->t.spot_ms = NOW;
  f->v.collateral = LBTC(100);
  f->v.collateral_decimals = 8;
  f->v.spot = USD(60000);
  f->v.usdc = side == MANDATE_BUY ? (money_i128)USD(10000) : -(money_i128)USD(10000);
  f->v.tvl_usd = USD(6000000);
  int st = mandate_loss_init(&f->loss, f->p.loss_window_ms);
  CHECK_INT_EQ(st, MANDATE_OK);
}

static int fx_check(const struct fx *f, int64_t now_ms, struct mandate_refusal *why) {
  return mandate_check_spot(&f->p, &f->t, &f->v, &f->loss, now_ms, why);
}

TEST(spot_buy_price_bound_is_102_of_spot) {
  struct fx f;
  struct mandate_refusal why, before;
  fx_init(&f, MANDATE_BUY);
  memset(&why, 0xab, sizeof why);
  before = why;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK); /* 61 200 = 1.02 · 60 000 */
  CHECK(memcmp(&why, &before, sizeof why) == 0);
  f.t.price = USD(61200) + 1;
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ESPOT_PRICE_BOUND, "price",
                (money_i128)USD(61200) + 1, (money_i128)USD(61200));
  CHECK_INT_EQ(why.unit, MANDATE_UNIT_USD);
  /* 1.02 · 60 000.000001 = 61 200.00000102: floored to 61 200.000001. */
  f.v.spot = USD(60000) + 1;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  f.t.price = USD(61200) + 2;
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ESPOT_PRICE_BOUND, "price",
                (money_i128)USD(61200) + 2, (money_i128)USD(61200) + 1);
}

TEST(spot_sell_price_bound_is_098_of_spot) {
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f, MANDATE_SELL);
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK); /* 58 800 = 0.98 · 60 000 */
  f.t.price = USD(58800) - 1;
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ESPOT_PRICE_BOUND, "price",
                (money_i128)USD(58800) - 1, (money_i128)USD(58800));
  /* 0.98 · 60 000.000001 = 58 800.00000098: ceiled to 58 800.000001. */
  f.v.spot = USD(60000) + 1;
  f.t.price = USD(58800);
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ESPOT_PRICE_BOUND, "price",
                (money_i128)USD(58800), (money_i128)USD(58800) + 1);
  f.t.price = USD(58800) + 1;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
}

TEST(spot_buy_only_with_positive_usdc) {
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f, MANDATE_BUY);
  f.v.usdc = 1; /* the side is right; 0.16 LBTC is then far above 1.05 · 0.000001 USD */
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_ESPOT_NOTIONAL);
  f.v.usdc = 0;
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ESPOT_SIDE, "usdc", 0, 1);
  f.v.usdc = -(money_i128)USD(10000);
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ESPOT_SIDE, "usdc", -(money_i128)USD(10000),
                1);
}

TEST(spot_sell_only_with_negative_usdc) {
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f, MANDATE_SELL);
  f.v.usdc = -1;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_ESPOT_NOTIONAL);
  f.v.usdc = 0;
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ESPOT_SIDE, "usdc", 0, -1);
  f.v.usdc = (money_i128)USD(5);
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ESPOT_SIDE, "usdc", (money_i128)USD(5), -1);
}

TEST(spot_notional_at_most_105_of_usdc) {
  /* 1.05 · 10 000 = 10 500 USD: 0.175 LBTC at 60 000 exactly, both sides. */
  struct fx f;
  struct mandate_refusal why;
  for (int side = MANDATE_BUY; side <= MANDATE_SELL; side++) {
    fx_init(&f, (enum mandate_side)side);
    f.t.price = USD(60000);
    f.t.amount = 17500000;
    CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
    f.t.amount = 17500001; /* 10 500.0006 USD */
    CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ESPOT_NOTIONAL, "notional",
                  (money_i128)10500000600, (money_i128)USD(10500));
  }
  /* The notional rounds up: 1 base unit of LBTC at 60 000 is 600 USD base units, at
   * 60 000.000001 it is 600.00000001 -> 601; 0.000572 USDC allows floor(600.6) = 600. */
  fx_init(&f, MANDATE_BUY);
  f.t.price = USD(60000);
  f.t.amount = 1;
  f.v.usdc = 572;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  f.t.price = USD(60000) + 1;
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ESPOT_NOTIONAL, "notional", 601, 600);
}

TEST(spot_oracle_stale_and_zero_amount) {
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f, MANDATE_BUY);
  f.t.spot_ms = NOW - 30000;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  f.t.spot_ms = NOW - 30001;
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_EORACLE_STALE, "spot_age_ms", 30001, 30000);
  f.t.amount = 0; /* checked first */
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_EZERO_AMOUNT, "amount", 0, 1);
  CHECK_INT_EQ(why.unit, MANDATE_UNIT_COLLATERAL);
}

TEST(spot_loss_bound_across_time) {
  /* TVL 100 000 USD: 200 USD of mark loss an hour. Buying 0.1 LBTC at 61 000 against a
   * 60 000 spot loses 100 USD. */
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f, MANDATE_BUY);
  f.v.tvl_usd = USD(100000);
  f.t.amount = LBTC(1) / 10;
  f.t.price = USD(61000);
  money_i128 loss = 0;
  REQUIRE(mandate_spot_loss(&f.t, &f.v, &loss) == MANDATE_OK);
  CHECK_I128_EQ(loss, (money_i128)USD(100));
  REQUIRE(mandate_loss_record(&f.loss, NOW, loss) == MANDATE_OK);
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK); /* 100 + 100 = 200 */
  f.t.price = USD(61000) + 1;                        /* 100.0000001 rounds up to 100.000001 */
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ELOSS_BOUND, "window_loss",
                (money_i128)USD(200) + 1, (money_i128)USD(200));
  /* An hour later the first loss is gone. */
  f.t.spot_ms = NOW + HOUR - 1;
  CHECK_INT_EQ(fx_check(&f, NOW + HOUR - 1, &why), MANDATE_ELOSS_BOUND);
  f.t.spot_ms = NOW + HOUR;
  CHECK_INT_EQ(fx_check(&f, NOW + HOUR, &why), MANDATE_OK);
  /* Selling above the spot is a gain: it passes even with the hour over budget. */
  fx_init(&f, MANDATE_SELL);
  f.v.tvl_usd = USD(100000);
  REQUIRE(mandate_loss_record(&f.loss, NOW, (money_i128)USD(500)) == MANDATE_OK);
  f.t.amount = LBTC(1) / 10;
  f.t.price = USD(61000);
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_OK);
  REQUIRE(mandate_spot_loss(&f.t, &f.v, &loss) == MANDATE_OK);
  CHECK_I128_EQ(loss, -(money_i128)USD(100));
  f.t.price = USD(59000); /* selling below the spot loses 100 USD: refused */
  CHECK_REFUSAL(fx_check(&f, NOW, &why), why, MANDATE_ELOSS_BOUND, "window_loss",
                (money_i128)USD(600), (money_i128)USD(200));
}

TEST(spot_refused_trade_leaves_loss_state_untouched) {
  struct fx f;
  struct mandate_refusal why;
  fx_init(&f, MANDATE_BUY);
  f.v.tvl_usd = USD(100000);
  REQUIRE(mandate_loss_record(&f.loss, NOW, (money_i128)USD(150)) == MANDATE_OK);
  struct mandate_loss_state before = f.loss;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_ELOSS_BOUND); /* 150 + 192 > 200 */
  f.t.price = USD(70000);
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_ESPOT_PRICE_BOUND);
  CHECK(memcmp(&f.loss, &before, sizeof before) == 0);
}

TEST(spot_errors_write_nothing) {
  struct fx f;
  struct mandate_refusal why, before;
  memset(&why, 0x5a, sizeof why);
  before = why;
  fx_init(&f, MANDATE_BUY);
  f.t.side = (enum mandate_side)2;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EINVALID);
  fx_init(&f, MANDATE_BUY);
  f.v.spot = 0;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EINVALID);
  fx_init(&f, MANDATE_BUY);
  f.p.spot_buy_max_ratio_ppm = 900000;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EINVALID);
  fx_init(&f, MANDATE_BUY);
  f.loss.retention_ms = HOUR - 1;
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EINVALID);
  fx_init(&f, MANDATE_BUY);
  CHECK_INT_EQ(mandate_check_spot(&f.p, NULL, &f.v, &f.loss, NOW, &why), MANDATE_EINVALID);
  CHECK_INT_EQ(mandate_check_spot(&f.p, &f.t, &f.v, &f.loss, NOW, NULL), MANDATE_EINVALID);
  f.t.amount = MONEY_U128_MAX; /* a notional beyond 128 bits: an error, not a wrap */
  CHECK_INT_EQ(fx_check(&f, NOW, &why), MANDATE_EOVERFLOW);
  CHECK(memcmp(&why, &before, sizeof why) == 0);
}
