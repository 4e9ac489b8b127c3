/* Unit tests: strike grid (pricing/strike_grid.h). */
#include "strike_grid.h"
#include "testlib.h"

#include <stdint.h>

#define USD ((money_u128)1000000) /* 1 USD in USDC base units */

TEST(grid_on_grid) {
  CHECK(pricing_strike_on_grid(1100 * USD));
  CHECK(pricing_strike_on_grid(1000 * USD));
  CHECK(pricing_strike_on_grid(9900 * USD));
  CHECK(pricing_strike_on_grid(10000 * USD));
  CHECK(pricing_strike_on_grid(56000 * USD));
  CHECK(!pricing_strike_on_grid(56500 * USD));
  CHECK(!pricing_strike_on_grid(1110 * USD));
  CHECK(!pricing_strike_on_grid(1100 * USD + 1));
  CHECK(pricing_strike_on_grid(99 * USD));
  CHECK(pricing_strike_on_grid(10 * USD));
  CHECK(!pricing_strike_on_grid(105 * USD));
  CHECK(pricing_strike_on_grid(USD / 2)); /* 0.5 */
  CHECK(pricing_strike_on_grid(550000));  /* 0.55 */
  CHECK(!pricing_strike_on_grid(555000)); /* 0.555 */
  CHECK(pricing_strike_on_grid(9));       /* below 10 units: interval 1 unit */
  CHECK(!pricing_strike_on_grid(0));
  money_u128 iv = 0;
  REQUIRE(pricing_strike_interval(1100 * USD, &iv) == PRICING_OK);
  CHECK_U128_EQ(iv, 100 * USD);
  REQUIRE(pricing_strike_interval(999 * USD, &iv) == PRICING_OK);
  CHECK_U128_EQ(iv, 10 * USD);
  REQUIRE(pricing_strike_interval(USD / 2, &iv) == PRICING_OK);
  CHECK_U128_EQ(iv, 10000); /* 0.01 USD: 10^(floor(log10 0.5) - 1) */
  REQUIRE(pricing_strike_interval(7, &iv) == PRICING_OK);
  CHECK_U128_EQ(iv, 1);
  CHECK_INT_EQ(pricing_strike_interval(0, &iv), PRICING_EDOMAIN);
  CHECK_U128_EQ(iv, 1);
}

TEST(grid_listing_spot_1000) {
  money_u128 out[PRICING_STRIKE_GRID_MAX];
  size_t n = 0;
  REQUIRE(pricing_strike_grid(1000 * USD, out, PRICING_STRIKE_GRID_MAX, &n) == PRICING_OK);
  /* 500, 510, ..., 990 (50) then 1000, 1100, ..., 2000 (11). */
  CHECK_INT_EQ(n, 61);
  CHECK_U128_EQ(out[0], 500 * USD);
  CHECK_U128_EQ(out[1], 510 * USD);
  CHECK_U128_EQ(out[49], 990 * USD);
  CHECK_U128_EQ(out[50], 1000 * USD);
  CHECK_U128_EQ(out[51], 1100 * USD);
  CHECK_U128_EQ(out[60], 2000 * USD);
  /* Capacity: refused, untouched. */
  money_u128 small[10] = {0};
  size_t m = 77;
  CHECK_INT_EQ(pricing_strike_grid(1000 * USD, small, 10, &m), PRICING_ECAPACITY);
  CHECK_INT_EQ(m, 77);
  CHECK_U128_EQ(small[0], 0);
  CHECK_INT_EQ(pricing_strike_grid(0, out, PRICING_STRIKE_GRID_MAX, &n), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_strike_grid(MONEY_U128_MAX / 2 + 1, out, PRICING_STRIKE_GRID_MAX, &n),
               PRICING_EOVERFLOW);
}

/* Reference listing: every K in range checked with the predicate. */
static size_t brute(money_u128 spot, money_u128 *out, size_t cap) {
  size_t n = 0;
  for (money_u128 K = 1; K <= 2 * spot; K++)
    if (2 * K >= spot && pricing_strike_on_grid(K) && n < cap) out[n++] = K;
  return n;
}

TEST(grid_listing_matches_brute_force) {
  money_u128 a[PRICING_STRIKE_GRID_MAX + 8], b[PRICING_STRIKE_GRID_MAX + 8];
  size_t max = 0;
  for (money_u128 spot = 1; spot <= 30000; spot += (spot < 3000 ? 1 : 97)) {
    size_t n = 0;
    REQUIRE(pricing_strike_grid(spot, a, PRICING_STRIKE_GRID_MAX, &n) == PRICING_OK);
    size_t m = brute(spot, b, PRICING_STRIKE_GRID_MAX + 8);
    if (n != m) {
      testlib_fail(__FILE__, __LINE__, "spot %s: %zu vs %zu", testlib_u128(spot), n, m);
      return;
    }
    for (size_t i = 0; i < n; i++) CHECK_U128_EQ(a[i], b[i]);
    if (n > max) max = n;
  }
  /* Inclusive bounds: spot 1001 -> lower bound 500.5 excludes 500; 2002 includes 2000. */
  size_t n = 0;
  REQUIRE(pricing_strike_grid(1001, a, PRICING_STRIKE_GRID_MAX, &n) == PRICING_OK);
  CHECK_U128_EQ(a[0], 510);
  CHECK_U128_EQ(a[n - 1], 2000);
  REQUIRE(pricing_strike_grid(1000, a, PRICING_STRIKE_GRID_MAX, &n) == PRICING_OK);
  CHECK_U128_EQ(a[0], 500);
  CHECK_U128_EQ(a[n - 1], 2000);
  /* Large spots: count never above the bound; each listed strike on the grid, ascending. */
  money_u128 spot = 1;
  for (int i = 0; i < 3000; i++) {
    spot = spot * 3 + (money_u128)i * 977 + 1;
    if (spot > MONEY_U128_MAX / 8) spot = (money_u128)i * 104729 + 7;
    REQUIRE(pricing_strike_grid(spot, a, PRICING_STRIKE_GRID_MAX, &n) == PRICING_OK);
    for (size_t j = 0; j < n; j++) {
      CHECK(pricing_strike_on_grid(a[j]));
      CHECK(2 * a[j] >= spot && a[j] <= 2 * spot);
      if (j) CHECK(a[j] > a[j - 1]);
    }
    if (n > max) max = n;
  }
  CHECK(max <= PRICING_STRIKE_GRID_MAX);
  printf("grid: largest listing %zu strikes\n", max);
}
