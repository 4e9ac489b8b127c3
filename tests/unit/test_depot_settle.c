/* test_depot_settle: settlement of calls and puts, payouts and reconciliation, NAV per share. */
#include "test_depot_fixture.h"

#include <stdlib.h>

#include "black_scholes.h"
#include "calendar.h"
#include "ledger_fee.h"
#include "to_money.h"

#define WEEK (FX_NOW + 7 * FX_DAY)
#define WEEK2 (FX_NOW + 14 * FX_DAY)

struct leg {
  money_u128 strike_usd, size;
  int64_t expiry;
};

/* Buys the legs one hour apart from FX_NOW; returns the sum of what went to the depot. */
static int buy_legs(const struct depot_params *p, struct depot_book *b, const struct leg *legs,
                    size_t n, money_u128 *to_depot) {
  money_u128 sum = 0;
  for (size_t i = 0; i < n; i++) {
    struct depot_market m = fx_market(1000, FX_NOW + (int64_t)i * FX_HOUR);
    struct depot_request r = fx_request(p->type, legs[i].expiry, legs[i].strike_usd, legs[i].size);
    struct depot_quote q;
    struct depot_trade_result t;
    int rc = fx_buy(p, b, &m, &r, &q, &t);
    if (rc != DEPOT_OK) {
      printf("leg %zu: %s\n", i, depot_strerror(rc));
      return rc;
    }
    sum += t.to_depot;
  }
  *to_depot = sum;
  return DEPOT_OK;
}

/* Four puts in the first week, one in the second. */
static const struct leg put_legs[] = {
    {800, FX_CONTRACTS(1), WEEK},  {900, FX_CONTRACTS(2), WEEK},   {1000, 150000000, WEEK},
    {1100, FX_CONTRACTS(3), WEEK}, {1000, FX_CONTRACTS(1), WEEK2},
};

/* Independent payoffs, straight from SPEC 5.1 in 128-bit integers. */
static money_u128 put_payoff(money_u128 K, money_u128 size, money_u128 S) {
  return K > S ? size * (K - S) / 100000000u : 0;
}
static money_u128 call_payoff(money_u128 K, money_u128 size, money_u128 S, money_u128 unit) {
  return S > K ? size * unit * (S - K) / (100000000u * S) : 0;
}

TEST(settle_puts_in_and_out_of_the_money_reconcile) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = fx_book(FX_NOW - 3 * FX_HOUR, FX_USD(20000));
  money_u128 in;
  REQUIRE(buy_legs(&p, b, put_legs, 5, &in) == DEPOT_OK);
  CHECK_U128_EQ(b->locked, FX_USD(800 + 1800 + 1500 + 3300 + 1000));
  money_u128 total_before = b->total_assets, spread_a = 0, spread_b = b->positions[4].spread_locked;
  CHECK_U128_EQ(total_before, FX_USD(20000) + in);
  for (int i = 0; i < 4; i++)
    spread_a += b->positions[i].spread_locked;

  /* Quoting after the first maturity needs its settlement first. */
  struct depot_market m = fx_market(1000, WEEK);
  struct depot_request r = fx_request(PRICING_PUT, WEEK2, 1000, FX_CONTRACTS(1));
  struct depot_quote q;
  struct depot_refusal why;
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_EUNSETTLED);

  money_u128 S = 950123457; /* 950.123457 USD: payoffs with fractions to floor */
  struct depot_payout pay[8];
  struct depot_settlement s;
  REQUIRE(depot_settle(&p, b, WEEK, S, b, pay, 8, &s) == DEPOT_OK);
  CHECK_INT_EQ(s.n_positions, 4);
  money_u128 paid = 0, coll = 0;
  for (int i = 0; i < 4; i++) {
    CHECK_INT_EQ(pay[i].position_id, i + 1);
    CHECK_U128_EQ(pay[i].strike, FX_USD(put_legs[i].strike_usd));
    CHECK_U128_EQ(pay[i].size, put_legs[i].size);
    CHECK_U128_EQ(pay[i].payoff, put_payoff(FX_USD(put_legs[i].strike_usd), put_legs[i].size, S));
    CHECK_U128_EQ(pay[i].collateral,
                  FX_USD(put_legs[i].strike_usd) * put_legs[i].size / 100000000u);
    paid += pay[i].payoff;
    coll += pay[i].collateral;
  }
  CHECK_U128_EQ(pay[0].payoff, 0);
  CHECK_U128_EQ(pay[1].payoff, 0);
  CHECK_U128_EQ(pay[2].payoff, 74814814);  /* 49.876543 * 1.5 = 74.8148145, floored */
  CHECK_U128_EQ(pay[3].payoff, 449629629); /* 149.876543 * 3 */
  CHECK_U128_EQ(s.total_payoff, paid);
  CHECK_U128_EQ(s.collateral_unlocked, coll);
  CHECK_U128_EQ(s.spread_removed, spread_a);
  /* The book: only the second week's position, its collateral, assets less the payoffs. */
  CHECK_INT_EQ(b->n_positions, 1);
  CHECK_INT_EQ(b->positions[0].maturity_ms, WEEK2);
  CHECK_U128_EQ(b->locked, FX_USD(1000));
  CHECK_U128_EQ(b->total_assets, FX_USD(20000) + in - paid);
  CHECK(depot_book_check(b) == DEPOT_OK);
  money_u128 locked;
  REQUIRE(depot_locked_spread(b, WEEK, &locked) == DEPOT_OK);
  CHECK_U128_EQ(locked, fx_locked(spread_b, FX_NOW + 4 * FX_HOUR, WEEK2, WEEK));
  /* Now it quotes again. */
  CHECK_INT_EQ(depot_quote(&p, b, &m, &r, &q, &why), DEPOT_OK);

  /* The second week expires out of the money: nothing paid, collateral back, book empty. */
  REQUIRE(depot_settle(&p, b, WEEK2, FX_USD(1200), b, pay, 8, &s) == DEPOT_OK);
  CHECK_U128_EQ(pay[0].payoff, 0);
  CHECK_INT_EQ(pay[0].position_id, 5);
  CHECK_INT_EQ(b->n_positions, 0);
  CHECK_U128_EQ(b->locked, 0);
  CHECK_U128_EQ(b->total_assets, FX_USD(20000) + in - paid);
  money_u128 avail;
  REQUIRE(depot_available(b, WEEK2, &avail) == DEPOT_OK);
  CHECK_U128_EQ(avail, b->total_assets);
  fx_free(b);
}

TEST(settle_calls_eth_18_decimals) {
  struct depot_params p = fx_params(PRICING_CALL, 18);
  struct depot_book *b = fx_book(FX_NOW - 3 * FX_HOUR, 20 * FX_E18);
  static const struct leg legs[] = {
      {1000, FX_CONTRACTS(1), WEEK},
      {1100, FX_CONTRACTS(2), WEEK},
      {1200, FX_CONTRACTS(3), WEEK},
      {1300, 50000000, WEEK},
  };
  money_u128 in;
  REQUIRE(buy_legs(&p, b, legs, 4, &in) == DEPOT_OK);
  CHECK_U128_EQ(b->locked, 65 * FX_E18 / 10); /* 6.5 ETH */
  money_u128 S = 1250500000;                  /* 1250.5 USD */
  struct depot_payout pay[4];
  struct depot_settlement s;
  REQUIRE(depot_settle(&p, b, WEEK, S, b, pay, 4, &s) == DEPOT_OK);
  money_u128 paid = 0;
  for (int i = 0; i < 4; i++) {
    money_u128 want = call_payoff(FX_USD(legs[i].strike_usd), legs[i].size, S, FX_E18);
    CHECK_U128_EQ(pay[i].payoff, want);
    CHECK_U128_EQ(pay[i].collateral, legs[i].size * 10000000000u);
    CHECK(pay[i].payoff <= pay[i].collateral);
    paid += want;
  }
  CHECK_U128_EQ(pay[3].payoff, 0);
  /* 1 contract at 1000: 250.5 / 1250.5 ETH, floored. */
  CHECK_U128_EQ(pay[0].payoff, (money_u128)2505 * FX_E18 / 12505);
  CHECK_U128_EQ(b->total_assets, 20 * FX_E18 + in - paid);
  CHECK_U128_EQ(b->locked, 0);
  CHECK_INT_EQ(b->n_positions, 0);
  fx_free(b);
}

TEST(settle_call_8_decimals_rounds_down) {
  struct depot_params p = fx_params(PRICING_CALL, 8);
  struct depot_book *b = fx_book(FX_NOW - 3 * FX_HOUR, 10 * (money_u128)100000000);
  static const struct leg legs[] = {{1100, FX_CONTRACTS(1), WEEK}, {1200, 33333333, WEEK}};
  money_u128 in;
  REQUIRE(buy_legs(&p, b, legs, 2, &in) == DEPOT_OK);
  struct depot_payout pay[2];
  struct depot_settlement s;
  REQUIRE(depot_settle(&p, b, WEEK, FX_USD(1300), b, pay, 2, &s) == DEPOT_OK);
  CHECK_U128_EQ(pay[0].payoff, 15384615);               /* 200/1300 = 0.153846153.. */
  CHECK_U128_EQ(pay[1].payoff, 33333333u * 100 / 1300); /* 2564102.5 -> 2564102 */
  CHECK_U128_EQ(b->total_assets, 10 * (money_u128)100000000 + in - 15384615 - 2564102);
  fx_free(b);
}

TEST(settle_errors_leave_everything_untouched) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = fx_book(FX_NOW - 3 * FX_HOUR, FX_USD(20000));
  money_u128 in;
  REQUIRE(buy_legs(&p, b, put_legs, 5, &in) == DEPOT_OK);
  struct depot_book *before = malloc(sizeof *before), *out = malloc(sizeof *out);
  REQUIRE(before && out);
  *before = *b;
  *out = *b;
  struct depot_payout pay[8], blank[8];
  memset(pay, 0x33, sizeof pay);
  memcpy(blank, pay, sizeof pay);
  struct depot_settlement s;
  CHECK_INT_EQ(depot_settle(&p, b, WEEK + FX_DAY, FX_USD(900), out, pay, 8, &s), DEPOT_ENOTFOUND);
  CHECK_INT_EQ(depot_settle(&p, b, WEEK, FX_USD(900), out, pay, 3, &s), DEPOT_ECAPACITY);
  CHECK(memcmp(b, before, sizeof *b) == 0);
  CHECK(memcmp(out, before, sizeof *b) == 0);
  CHECK(memcmp(pay, blank, sizeof pay) == 0);
  /* Into another book: the input stays. */
  REQUIRE(depot_settle(&p, b, WEEK, FX_USD(900), out, pay, 4, &s) == DEPOT_OK);
  CHECK(memcmp(b, before, sizeof *b) == 0);
  CHECK_INT_EQ(out->n_positions, 1);
  /* Payoffs that would overflow are errors. */
  money_u128 x;
  struct depot_params call = fx_params(PRICING_CALL, 18);
  CHECK_INT_EQ(depot_payoff(&call, FX_USD(1), MONEY_U128_MAX / 2, FX_USD(2), &x), DEPOT_EOVERFLOW);
  CHECK_INT_EQ(depot_payoff(&p, FX_USD(1000), MONEY_U128_MAX, 0, &x), DEPOT_EOVERFLOW);
  /* A zero settlement price: calls pay nothing, puts pay their whole collateral. */
  REQUIRE(depot_payoff(&call, FX_USD(1000), FX_CONTRACTS(1), 0, &x) == DEPOT_OK);
  CHECK_U128_EQ(x, 0);
  REQUIRE(depot_payoff(&p, FX_USD(1000), FX_CONTRACTS(1), 0, &x) == DEPOT_OK);
  CHECK_U128_EQ(x, FX_USD(1000));
  free(before);
  free(out);
  fx_free(b);
}

TEST(settle_payoff_never_exceeds_collateral) {
  static const unsigned decs[] = {6, 8, 18};
  static const money_u128 sizes[] = {1, 7, 33333333, 100000000, 123456789012};
  static const money_u128 prices[] = {0, 1, 999999, 1234567891, 50000000000, 99999999999};
  for (int t = 0; t < 2; t++)
    for (size_t d = 0; d < 3; d++) {
      if (t == PRICING_PUT && decs[d] != 6) continue;
      struct depot_params p = fx_params(t, decs[d]);
      for (size_t i = 0; i < 5; i++)
        for (size_t k = 1; k < 6; k++)
          for (size_t j = 0; j < 6; j++) {
            money_u128 c, x;
            REQUIRE(depot_collateral(&p, prices[k], sizes[i], &c) == DEPOT_OK);
            REQUIRE(depot_payoff(&p, prices[k], sizes[i], prices[j], &x) == DEPOT_OK);
            CHECK(x <= c);
          }
    }
}

TEST(settle_early_releases_the_still_locked_spread) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = fx_book(FX_NOW - 3 * FX_HOUR, FX_USD(20000));
  money_u128 in, before, after, want_before = 0, spread_b;
  REQUIRE(buy_legs(&p, b, put_legs, 5, &in) == DEPOT_OK);
  int64_t mid = FX_NOW + 3 * FX_DAY;
  for (size_t i = 0; i < 5; i++)
    want_before += fx_locked(b->positions[i].spread_locked, b->positions[i].trade_ms,
                             b->positions[i].maturity_ms, mid);
  spread_b = b->positions[4].spread_locked;
  REQUIRE(depot_locked_spread(b, mid, &before) == DEPOT_OK);
  CHECK_U128_EQ(before, want_before);
  struct depot_payout pay[4];
  struct depot_settlement s;
  REQUIRE(depot_settle(&p, b, WEEK, FX_USD(2000), b, pay, 4, &s) == DEPOT_OK);
  REQUIRE(depot_locked_spread(b, mid, &after) == DEPOT_OK);
  CHECK_U128_EQ(after, fx_locked(spread_b, FX_NOW + 4 * FX_HOUR, WEEK2, mid));
  CHECK(before > after);
  fx_free(b);
}

/* NAV: a flat 1.54 surface. */
static int flat_vol(void *ctx, money_u128 strike, int64_t maturity_ms, double tau, double *sigma) {
  (void)strike, (void)maturity_ms, (void)tau;
  *sigma = *(const double *)ctx;
  return 0;
}
static int no_vol(void *ctx, money_u128 strike, int64_t maturity_ms, double tau, double *sigma) {
  (void)ctx, (void)strike, (void)maturity_ms, (void)tau, (void)sigma;
  return -1;
}

TEST(nav_price_per_share) {
  struct depot_params p = fx_params(PRICING_PUT, 6);
  struct depot_book *b = fx_book(FX_NOW - 3 * FX_HOUR, FX_USD(20000));
  money_u128 in;
  REQUIRE(buy_legs(&p, b, put_legs, 5, &in) == DEPOT_OK);
  int64_t now = FX_NOW + 2 * FX_DAY;
  double vol = 1.54;
  money_u128 shorts, want = 0, spread, nav, price;
  REQUIRE(depot_shorts_value(&p, b, FX_USD(1000), 0.01, now, flat_vol, &vol, &shorts) == DEPOT_OK);
  for (size_t i = 0; i < 5; i++) {
    double px, tau = pricing_tau_years(now, put_legs[i].expiry);
    money_u128 v;
    REQUIRE(pricing_bs_price(PRICING_PUT, 1000.0, (double)put_legs[i].strike_usd, tau, 1.54, 0.01,
                             &px) == PRICING_OK);
    REQUIRE(pricing_to_money_up(px * ((double)put_legs[i].size / 1e8), 6, &v) == PRICING_OK);
    want += v;
  }
  CHECK_U128_EQ(shorts, want);
  REQUIRE(depot_locked_spread(b, now, &spread) == DEPOT_OK);
  REQUIRE(depot_nav(b, now, shorts, &nav) == DEPOT_OK);
  CHECK_U128_EQ(nav, b->total_assets - spread - shorts);

  /* 20000 USDC of shares (18 decimals) and a year's pending 2 % management fee. */
  struct ledger_vault v = {0};
  v.total_assets = b->total_assets;
  v.total_supply = 20000 * FX_E18;
  v.asset_decimals = 6;
  v.decimals_offset = 12;
  v.flags = LEDGER_ALL_ENABLED;
  v.mgmt_fee_rate = p.mgmt_fee_rate;
  v.fee_accrued_ms = now - LEDGER_YEAR_MS;
  money_u128 pending;
  REQUIRE(ledger_fee_pending(&v, now, &pending) == LEDGER_OK);
  CHECK(pending > 0);
  REQUIRE(depot_price_per_share(&p, b, now, shorts, v.total_supply, pending, 18, &price) ==
          DEPOT_OK);
  CHECK_U128_EQ(price, nav * FX_E18 / (v.total_supply + pending));
  printf("nav %s, shorts %s, price per share %s (USDC base units)\n", testlib_u128(nav),
         testlib_u128(shorts), testlib_u128(price));

  /* No shares: one whole asset. Shorts above the assets: 0, not a wrap. */
  REQUIRE(depot_price_per_share(&p, b, now, shorts, 0, 0, 18, &price) == DEPOT_OK);
  CHECK_U128_EQ(price, 1000000);
  REQUIRE(depot_nav(b, now, b->total_assets, &nav) == DEPOT_OK);
  CHECK_U128_EQ(nav, 0);
  REQUIRE(depot_price_per_share(&p, b, now, MONEY_U128_MAX, v.total_supply, 0, 18, &price) ==
          DEPOT_OK);
  CHECK_U128_EQ(price, 0);
  /* Errors: expired maturities unsettled, no surface, too many share decimals. */
  CHECK_INT_EQ(depot_nav(b, WEEK, 0, &nav), DEPOT_EUNSETTLED);
  CHECK_INT_EQ(depot_shorts_value(&p, b, FX_USD(1000), 0.01, WEEK, flat_vol, &vol, &shorts),
               DEPOT_EUNSETTLED);
  CHECK_INT_EQ(depot_shorts_value(&p, b, FX_USD(1000), 0.01, now, no_vol, NULL, &shorts),
               DEPOT_EMARKET);
  CHECK_INT_EQ(depot_price_per_share(&p, b, now, 0, 1, 0, 39, &price), DEPOT_EINVALID);
  fx_free(b);
}

TEST(nav_call_depot_shorts_in_underlying) {
  struct depot_params p = fx_params(PRICING_CALL, 18);
  struct depot_book *b = fx_book(FX_NOW - 3 * FX_HOUR, 5 * FX_E18);
  static const struct leg legs[] = {{1100, FX_CONTRACTS(3), WEEK}};
  money_u128 in, shorts, v;
  REQUIRE(buy_legs(&p, b, legs, 1, &in) == DEPOT_OK);
  double vol = 1.54, px;
  REQUIRE(depot_shorts_value(&p, b, FX_USD(1000), 0.01, FX_NOW, flat_vol, &vol, &shorts) ==
          DEPOT_OK);
  REQUIRE(pricing_bs_price(PRICING_CALL, 1000.0, 1100.0, 7.0 / 365, 1.54, 0.01, &px) == PRICING_OK);
  REQUIRE(pricing_to_money_up(px / 1000.0 * 3.0, 18, &v) == PRICING_OK);
  CHECK_U128_EQ(shorts, v);
  /* Right after the sale the shorts are worth the premium, give or take the rounding. */
  CHECK(shorts >= b->positions[0].premium && shorts - b->positions[0].premium <= 1);
  fx_free(b);
}
