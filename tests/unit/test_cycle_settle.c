/* test_cycle_settle: stage 3 settlement; seed 001's four scenarios to the cent, the loss cap,
 * rounding directions and refusals. */
#include "cycle_settle.h"
#include "testlib.h"

#define USD(x) ((money_i128)(x)*1000000)
#define UUSD(x) ((money_u128)(x)*1000000u)
#define CONTRACTS(x) ((money_u128)(x)*100000000u)

/* Seed 001: BTC 60 000, 100 LBTC; the vault sells 100 puts 56 000 at 250 USD and buys 100
 * puts 54 000 at 100 USD: net premium (250 - 100)·100 = 15 000 USDC. */
static struct cycle_position seed_position(void) {
  struct cycle_position pos = {
      .k1 = UUSD(56000),
      .k2 = UUSD(54000),
      .short_amount = CONTRACTS(100),
      .long_amount = CONTRACTS(100),
      .premium = USD(250) * 100 - USD(100) * 100,
  };
  return pos;
}

static void check_scenario(long settle_usd, long short_pays, long long_gets, long usdc) {
  struct cycle_position pos = seed_position();
  struct cycle_settlement s;
  REQUIRE(cycle_settle(&pos, UUSD(settle_usd), &s) == CYCLE_OK);
  CHECK_U128_EQ(s.short_payout, UUSD(short_pays));
  CHECK_U128_EQ(s.long_payout, UUSD(long_gets));
  CHECK_I128_EQ(s.net_loss, USD(short_pays) - USD(long_gets));
  CHECK_I128_EQ(s.usdc, USD(usdc));
}

TEST(settle_seed_scenario_1_expires_at_60000) {
  CHECK_I128_EQ(seed_position().premium, USD(15000));
  check_scenario(60000, 0, 0, 15000);
}
TEST(settle_seed_scenario_2_expires_at_55900) {
  check_scenario(55900, 100 * 100, 0, 5000);
}
TEST(settle_seed_scenario_3_expires_at_55500) {
  check_scenario(55500, 500 * 100, 0, -35000);
}
TEST(settle_seed_scenario_4_expires_at_52000) {
  check_scenario(52000, 4000 * 100, 2000 * 100, -185000);
}

TEST(settle_loss_is_capped_below_k2_and_zero_above_k1) {
  /* below K2 the loss is (K1 - K2)·100 - premium = 200 000 - 15 000, whatever S */
  check_scenario(54000, 2000 * 100, 0, -185000);
  check_scenario(30000, 26000 * 100, 24000 * 100, -185000);
  struct cycle_position pos = seed_position();
  struct cycle_settlement s;
  REQUIRE(cycle_settle(&pos, 0, &s) == CYCLE_OK);
  CHECK_I128_EQ(s.usdc, USD(-185000));
  REQUIRE(cycle_settle(&pos, UUSD(56000), &s) == CYCLE_OK); /* at the strike: nothing */
  CHECK_I128_EQ(s.usdc, USD(15000));
  REQUIRE(cycle_settle(&pos, UUSD(56000) - 1, &s) == CYCLE_OK); /* 1 micro-USD in: 100 of them */
  CHECK_U128_EQ(s.short_payout, 100);
  CHECK_I128_EQ(s.usdc, USD(15000) - 100);
}

TEST(settle_rounds_in_the_vaults_favour) {
  /* 1.5 contracts·(K - S) with K - S = 0.000001 USD: 1.5 micro -> pays 1, receives 2 */
  money_u128 v = 0;
  CHECK_INT_EQ(cycle_put_payoff(UUSD(56000), 150000000u, UUSD(56000) - 1, 0, &v), CYCLE_OK);
  CHECK_U128_EQ(v, 1);
  CHECK_INT_EQ(cycle_put_payoff(UUSD(56000), 150000000u, UUSD(56000) - 1, 1, &v), CYCLE_OK);
  CHECK_U128_EQ(v, 2);
  struct cycle_position pos = {.k1 = UUSD(56000),
                               .k2 = UUSD(56000) - 2,
                               .short_amount = 150000000u,
                               .long_amount = 150000000u,
                               .premium = 0};
  struct cycle_settlement s;
  REQUIRE(cycle_settle(&pos, UUSD(56000) - 3, &s) == CYCLE_OK);
  CHECK_U128_EQ(s.short_payout, 4); /* floor(1.5·3) */
  CHECK_U128_EQ(s.long_payout, 2);  /* ceil(1.5·1) */
  CHECK_I128_EQ(s.usdc, -2);
}

TEST(settle_refusals_leave_output_untouched) {
  struct cycle_position pos = seed_position();
  struct cycle_settlement s = {.usdc = 42};
  pos.k2 = pos.k1;
  CHECK_INT_EQ(cycle_settle(&pos, UUSD(50000), &s), CYCLE_EINVALID);
  pos = seed_position();
  pos.premium = MONEY_I128_MIN; /* minus a positive loss does not fit */
  CHECK_INT_EQ(cycle_settle(&pos, UUSD(50000), &s), CYCLE_EOVERFLOW);
  pos = seed_position();
  pos.short_amount = MONEY_U128_MAX;
  CHECK_INT_EQ(cycle_settle(&pos, UUSD(50000), &s), CYCLE_EOVERFLOW);
  CHECK_INT_EQ(cycle_settle(NULL, UUSD(50000), &s), CYCLE_EINVALID);
  CHECK_I128_EQ(s.usdc, 42);
}
