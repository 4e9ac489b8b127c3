/* Unit tests: model value <-> money conversion and the minting fee (pricing/to_money.h,
 * pricing/mint_fee.h). */
#include "mint_fee.h"
#include "testlib.h"
#include "to_money.h"

#include <math.h>

TEST(to_money_rounding) {
  money_u128 v = 0;
  REQUIRE(pricing_to_money_down(443.2023898108255, 6, &v) == PRICING_OK);
  CHECK_U128_EQ(v, 443202389);
  REQUIRE(pricing_to_money_up(443.2023898108255, 6, &v) == PRICING_OK);
  CHECK_U128_EQ(v, 443202390);
  REQUIRE(pricing_to_money_down(1.5, 6, &v) == PRICING_OK);
  CHECK_U128_EQ(v, 1500000);
  REQUIRE(pricing_to_money_up(1.5, 6, &v) == PRICING_OK);
  CHECK_U128_EQ(v, 1500000); /* exact: no rounding either way */
  REQUIRE(pricing_to_money_down(0, 18, &v) == PRICING_OK);
  CHECK_U128_EQ(v, 0);
  REQUIRE(pricing_to_money_up(-0.0, 6, &v) == PRICING_OK);
  CHECK_U128_EQ(v, 0);
  REQUIRE(pricing_to_money_up(1e-300, 6, &v) == PRICING_OK);
  CHECK_U128_EQ(v, 1); /* any positive value rounds up to one base unit */
  REQUIRE(pricing_to_money_down(1e-300, 6, &v) == PRICING_OK);
  CHECK_U128_EQ(v, 0);
  REQUIRE(pricing_to_money_down(0.1617920790022597, 8, &v) == PRICING_OK);
  CHECK_U128_EQ(v, 16179207);
  REQUIRE(pricing_to_money_down(12345.678, 18, &v) == PRICING_OK);
  money_u128 exact = (money_u128)12345678 * 1000000000000000ull; /* 12345.678e18 */
  CHECK(v >= exact - 10000000 && v <= exact + 10000000);
  /* Large but representable: 2^100 units. */
  REQUIRE(pricing_to_money_down(0x1p100, 0, &v) == PRICING_OK);
  CHECK_U128_EQ(v, (money_u128)1 << 100);
  /* Down <= up, differing by at most one unit. */
  for (double x = 0.001; x < 1e9; x *= 1.37) {
    money_u128 d, u;
    REQUIRE(pricing_to_money_down(x, 6, &d) == PRICING_OK);
    REQUIRE(pricing_to_money_up(x, 6, &u) == PRICING_OK);
    CHECK(d <= u && u - d <= 1);
    CHECK_NEAR(pricing_from_money(d, 6), x, 1e-6 + 1e-15 * x);
  }
}

TEST(to_money_refusals) {
  money_u128 v = 42;
  CHECK_INT_EQ(pricing_to_money_down(NAN, 6, &v), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_to_money_up(-NAN, 6, &v), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_to_money_down(-1e-12, 6, &v), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_to_money_up(-5, 6, &v), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_to_money_down(-INFINITY, 6, &v), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_to_money_down(INFINITY, 6, &v), PRICING_EOVERFLOW);
  CHECK_INT_EQ(pricing_to_money_up(INFINITY, 6, &v), PRICING_EOVERFLOW);
  CHECK_INT_EQ(pricing_to_money_down(0x1p128, 0, &v), PRICING_EOVERFLOW);
  CHECK_INT_EQ(pricing_to_money_down(1e33, 6, &v), PRICING_EOVERFLOW);
  CHECK_INT_EQ(pricing_to_money_up(1e21, 18, &v), PRICING_EOVERFLOW);
  CHECK_INT_EQ(pricing_to_money_down(1, 39, &v), PRICING_EDOMAIN);
  CHECK_U128_EQ(v, 42);
  /* Just below 2^128 is fine. */
  REQUIRE(pricing_to_money_down(nextafter(0x1p128, 0), 0, &v) == PRICING_OK);
  CHECK(v > MONEY_U128_MAX / 2);
}

TEST(from_money) {
  CHECK_NEAR(pricing_from_money(1500000, 6), 1.5, 0);
  CHECK_NEAR(pricing_from_money(300000000, 8), 3, 0);
  CHECK_NEAR(pricing_from_money((money_u128)1100 * 1000000, 6), 1100, 0);
  CHECK_NEAR(pricing_from_money(1, 18), 1e-18, 1e-33);
  CHECK_NEAR(pricing_from_money(MONEY_U128_MAX, 0), 0x1p128, 0);
  CHECK_NEAR(pricing_from_money_signed(-2250000, 6), -2.25, 0);
  CHECK(isnan(pricing_from_money(1, 39)));
  CHECK(isnan(pricing_from_money_signed(1, 40)));
}

TEST(mint_fee) {
  money_u128 fee = 0;
  const money_u128 contract = 100000000; /* 1 contract, 8 decimals */
  /* SPEC 5.1: size 3, K 1100 -> 9.9 USDC. */
  REQUIRE(pricing_mint_fee_put(3 * contract, (money_u128)1100 * 1000000, &fee) == PRICING_OK);
  CHECK_U128_EQ(fee, 9900000);
  /* Call depot: 0.3 % of 3 contracts in the underlying: 0.009 (8 and 18 decimals). */
  REQUIRE(pricing_mint_fee_call(3 * contract, 8, &fee) == PRICING_OK);
  CHECK_U128_EQ(fee, 900000);
  REQUIRE(pricing_mint_fee_call(3 * contract, 18, &fee) == PRICING_OK);
  CHECK_U128_EQ(fee, (money_u128)9000000000000000ull);
  /* Rounds up: one base unit of size still pays one base unit. */
  REQUIRE(pricing_mint_fee_call(1, 8, &fee) == PRICING_OK);
  CHECK_U128_EQ(fee, 1);
  REQUIRE(pricing_mint_fee_put(1, 1000000, &fee) == PRICING_OK);
  CHECK_U128_EQ(fee, 1);
  REQUIRE(pricing_mint_fee_put(0, 1000000, &fee) == PRICING_OK);
  CHECK_U128_EQ(fee, 0);
  /* size 1.23456789 contracts, K 56000: exact 207.4074055... -> 207407406 (up). */
  REQUIRE(pricing_mint_fee_put(123456789, (money_u128)56000 * 1000000, &fee) == PRICING_OK);
  CHECK_U128_EQ(fee, 207407406);
  /* Exact multiples are not bumped. */
  REQUIRE(pricing_mint_fee_put(1000 * contract, 1000000, &fee) == PRICING_OK);
  CHECK_U128_EQ(fee, 3000000);
  /* Overflow and domain. */
  fee = 5;
  CHECK_INT_EQ(pricing_mint_fee_put(1, MONEY_U128_MAX, &fee), PRICING_EOVERFLOW);
  CHECK_INT_EQ(pricing_mint_fee_call(1, 39, &fee), PRICING_EDOMAIN);
  CHECK_U128_EQ(fee, 5);
}
