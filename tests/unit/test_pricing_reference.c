/* Unit tests: SPEC 5.1 reference example (the put and call depots of the test fixture),
 * reproduced from the pure pieces: calendar, surface, Black–Scholes, C-level, fee, money. */
#include "black_scholes.h"
#include "calendar.h"
#include "clevel.h"
#include "instrument.h"
#include "mint_fee.h"
#include "ssvi.h"
#include "strike_grid.h"
#include "testlib.h"
#include "to_money.h"

#include <math.h>

static const struct pricing_clevel_params fixture = {3, 1.05, 1.2, 0.005};

struct setup {
  int64_t now, maturity;
  double tau, sigma, C;
};

static int setup(struct setup *s, double u_after) {
  if (pricing_expiry_ms(2023, 2, 24, &s->now) != PRICING_OK) return -1; /* Fri 08:00 UTC */
  s->maturity = s->now + 7 * PRICING_MS_PER_DAY;
  if (pricing_maturity_check(s->now, s->maturity, NULL) != PRICING_OK) return -2;
  s->tau = pricing_tau_years(s->now, s->maturity);
  struct pricing_surface sf;
  struct pricing_ssvi_slice sl;
  pricing_surface_init(&sf);
  if (pricing_ssvi_slice_flat(s->tau, 1.54, &sl, NULL) != PRICING_OK) return -3;
  if (pricing_surface_put(&sf, &sl, NULL) != PRICING_OK) return -4;
  if (pricing_surface_vol(&sf, 1100, 1000, s->tau, &s->sigma) != PRICING_OK) return -5;
  if (pricing_clevel(&fixture, 0, u_after, 3, &s->C) != PRICING_OK) return -6;
  return 0;
}

TEST(reference_put_depot) {
  struct setup s;
  /* 5500 USDC deposited, nothing locked; size 3 at K 1100 locks 3300: u_after 0.6. */
  REQUIRE(setup(&s, 3300.0 / 5500) == 0);
  CHECK_NEAR(s.tau, 7.0 / 365, 1e-17);
  CHECK_NEAR(s.sigma, 1.54, 1e-15);
  CHECK_NEAR(s.C, 1.0622718, 1e-7);
  CHECK(pricing_strike_on_grid((money_u128)1100 * 1000000));
  struct pricing_greeks g;
  REQUIRE(pricing_bs(PRICING_PUT, 1000, 1100, s.tau, s.sigma, 0.01, &g) == PRICING_OK);
  CHECK(fabs(g.delta) >= 0.1 && fabs(g.delta) <= 0.7); /* passes the fixture's delta filter */
  money_u128 size = 300000000, premium, spread, fee;
  REQUIRE(pricing_to_money_down(g.price * pricing_from_money(size, 8), 6, &premium) == PRICING_OK);
  CHECK_NEAR(pricing_from_money(premium, 6), 443.2024, 0.0001);
  REQUIRE(pricing_to_money_down((s.C - 1) * pricing_from_money(premium, 6), 6, &spread) ==
          PRICING_OK);
  CHECK_NEAR(pricing_from_money(spread, 6), 27.599, 0.001);
  REQUIRE(pricing_mint_fee_put(size, (money_u128)1100 * 1000000, &fee) == PRICING_OK);
  CHECK_U128_EQ(fee, 9900000);
  double total = pricing_from_money(premium + spread + fee, 6);
  CHECK_NEAR(total, 480.70, 0.01);
  printf("put depot: premium %.6f spread %.6f fee %.6f total %.6f C %.9f delta %.6f\n",
         pricing_from_money(premium, 6), pricing_from_money(spread, 6), pricing_from_money(fee, 6),
         total, s.C, g.delta);
}

TEST(reference_call_depot) {
  struct setup s;
  /* 5 units deposited, size 3 locks 3: u_after 0.6. Prices call/S in the underlying. */
  REQUIRE(setup(&s, 3.0 / 5) == 0);
  struct pricing_greeks g;
  REQUIRE(pricing_bs(PRICING_CALL, 1000, 1100, s.tau, s.sigma, 0.01, &g) == PRICING_OK);
  double fair = g.price / 1000; /* per contract, in the underlying */
  CHECK_NEAR(fair, 0.0479450686134, 1e-12);
  money_u128 size = 300000000, premium, spread, fee;
  REQUIRE(pricing_to_money_down(fair * pricing_from_money(size, 8), 8, &premium) == PRICING_OK);
  REQUIRE(pricing_to_money_down((s.C - 1) * pricing_from_money(premium, 8), 8, &spread) ==
          PRICING_OK);
  REQUIRE(pricing_mint_fee_call(size, 8, &fee) == PRICING_OK);
  CHECK_U128_EQ(fee, 900000);
  double total = pricing_from_money(premium + spread + fee, 8);
  CHECK_NEAR(total, 0.1617921, 1e-7);
  printf("call depot: premium %.8f spread %.8f fee %.8f total %.8f\n",
         pricing_from_money(premium, 8), pricing_from_money(spread, 8), pricing_from_money(fee, 8),
         total);
}
