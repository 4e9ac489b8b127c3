/* Unit tests of the oracle store: staleness at the boundaries, surface slices replaced,
 * expired and validated, settlement prices. Time is passed in. */
#include <string.h>

#include "oracles.h"
#include "testlib.h"

#define DAY 86400000LL
#define T0 1677225600000LL /* Fri 2023-02-24 08:00 UTC */

static struct oracle_slice_in flat(int64_t expiry, double iv) {
  struct oracle_slice_in in;
  memset(&in, 0, sizeof in);
  in.expiry_ms = expiry;
  in.flat = 1;
  in.iv = iv;
  in.rate = 0.01;
  return in;
}

TEST(spot_staleness_boundary) {
  struct oracles *o = oracles_new(30000, 300000);
  struct oracle_problem p;
  struct oracle_market m;
  CHECK_INT_EQ(oracles_market(o, "ETH", T0, &m, &p), ORACLE_EMISSING);
  CHECK_INT_EQ(oracles_set_spot(o, "ETH", 1000000000, T0), ORACLE_OK);
  CHECK_INT_EQ(oracles_market(o, "ETH", T0, &m, &p), ORACLE_EMISSING);
  CHECK_STR_EQ(p.what, "surface");
  struct oracle_slice_in in = flat(T0 + 7 * DAY, 1.54);
  const char *reason = NULL;
  CHECK_INT_EQ(oracles_set_slice(o, "ETH", &in, T0, &reason), ORACLE_OK);
  CHECK_INT_EQ(oracles_market(o, "ETH", T0 + 30000, &m, &p), ORACLE_OK);
  CHECK_NEAR(m.S, 1000.0, 0);
  CHECK_NEAR(m.rate, 0.01, 0);
  CHECK_INT_EQ(oracles_market(o, "ETH", T0 + 30001, &m, &p), ORACLE_ESTALE);
  CHECK_STR_EQ(p.what, "spot");
  CHECK_INT_EQ(p.age_ms, 30001);
  CHECK_INT_EQ(oracles_set_spot(o, "ETH", 1000000000, T0 + 300001), ORACLE_OK);
  CHECK_INT_EQ(oracles_market(o, "ETH", T0 + 300001, &m, &p), ORACLE_ESTALE);
  CHECK_STR_EQ(p.what, "surface");
  CHECK_INT_EQ(oracles_set_spot(o, "DOGE", 1, T0), ORACLE_EUNKNOWN);
  oracles_free(o);
}

TEST(surface_iv_replace_and_expire) {
  struct oracles *o = oracles_new(30000, 300000);
  const char *reason = NULL;
  struct oracle_market m;
  struct oracle_problem p;
  REQUIRE(oracles_set_spot(o, "BTC", 60000000000, T0) == ORACLE_OK);
  struct oracle_slice_in a = flat(T0 + DAY, 0.5), b = flat(T0 + 7 * DAY, 0.6);
  REQUIRE(oracles_set_slice(o, "BTC", &a, T0, &reason) == ORACLE_OK);
  REQUIRE(oracles_set_slice(o, "BTC", &b, T0, &reason) == ORACLE_OK);
  REQUIRE(oracles_market(o, "BTC", T0, &m, &p) == ORACLE_OK);
  double iv = 0;
  CHECK_INT_EQ(oracles_iv(&m, 60000000000, T0 + DAY, &iv), ORACLE_OK);
  CHECK_NEAR(iv, 0.5, 1e-12);
  CHECK_INT_EQ(oracles_iv(&m, 60000000000, T0 + 7 * DAY, &iv), ORACLE_OK);
  CHECK_NEAR(iv, 0.6, 1e-12);
  CHECK_INT_EQ(oracles_iv(&m, 60000000000, T0, &iv), ORACLE_EEXPIRED);
  /* replacing a slice keeps one per expiry */
  struct oracle_slice_in b2 = flat(T0 + 7 * DAY, 0.7);
  REQUIRE(oracles_set_slice(o, "BTC", &b2, T0, &reason) == ORACLE_OK);
  REQUIRE(oracles_market(o, "BTC", T0, &m, &p) == ORACLE_OK);
  CHECK_INT_EQ(m.surface.n, 2);
  CHECK_INT_EQ(oracles_iv(&m, 60000000000, T0 + 7 * DAY, &iv), ORACLE_OK);
  CHECK_NEAR(iv, 0.7, 1e-12);
  /* after the first expiry its slice is gone */
  REQUIRE(oracles_set_spot(o, "BTC", 60000000000, T0 + DAY + 1) == ORACLE_OK);
  REQUIRE(oracles_set_slice(o, "BTC", &b2, T0 + DAY + 1, &reason) == ORACLE_OK);
  REQUIRE(oracles_market(o, "BTC", T0 + DAY + 1, &m, &p) == ORACLE_OK);
  CHECK_INT_EQ(m.surface.n, 1);
  /* an expired or past expiry is refused */
  struct oracle_slice_in old = flat(T0, 0.5);
  CHECK_INT_EQ(oracles_set_slice(o, "BTC", &old, T0 + DAY, &reason), ORACLE_EEXPIRED);
  oracles_free(o);
}

TEST(surface_refusals_leave_it_unchanged) {
  struct oracles *o = oracles_new(30000, 300000);
  const char *reason = NULL;
  REQUIRE(oracles_set_spot(o, "ETH", 1000000000, T0) == ORACLE_OK);
  struct oracle_slice_in a;
  memset(&a, 0, sizeof a);
  a.expiry_ms = T0 + 7 * DAY;
  a.theta = 0.3;
  a.psi = 0.2;
  a.rho = 0;
  REQUIRE(oracles_set_slice(o, "ETH", &a, T0, &reason) == ORACLE_OK);
  struct oracle_slice_in b = a;
  b.expiry_ms = T0 + 14 * DAY;
  b.theta = 0.1; /* less total variance later: calendar arbitrage */
  CHECK_INT_EQ(oracles_set_slice(o, "ETH", &b, T0, &reason), ORACLE_EINVALID);
  CHECK_STR_EQ(reason, "theta_not_increasing");
  b.theta = 0.5;
  b.psi = -0.1;
  CHECK_INT_EQ(oracles_set_slice(o, "ETH", &b, T0, &reason), ORACLE_EINVALID);
  CHECK_STR_EQ(reason, "psi_not_positive");
  b.psi = 0.2;
  b.rate = 2.0;
  CHECK_INT_EQ(oracles_set_slice(o, "ETH", &b, T0, &reason), ORACLE_EINVALID);
  CHECK_STR_EQ(reason, "rate_out_of_range");
  struct oracle_market m;
  struct oracle_problem p;
  REQUIRE(oracles_market(o, "ETH", T0, &m, &p) == ORACLE_OK);
  CHECK_INT_EQ(m.surface.n, 1);
  oracles_free(o);
}

TEST(settlements_recorded_once) {
  struct oracles *o = oracles_new(30000, 300000);
  money_u128 price = 0;
  CHECK_INT_EQ(oracles_settlement(o, "ETH", T0, &price), ORACLE_EMISSING);
  CHECK_INT_EQ(oracles_settlement_add(o, "ETH", T0, 1000000000), ORACLE_OK);
  CHECK_INT_EQ(oracles_settlement(o, "ETH", T0, &price), ORACLE_OK);
  CHECK_U128_EQ(price, 1000000000);
  CHECK_INT_EQ(oracles_settlement_add(o, "ETH", T0, 5), ORACLE_OK); /* the first stands */
  CHECK_INT_EQ(oracles_settlement(o, "ETH", T0, &price), ORACLE_OK);
  CHECK_U128_EQ(price, 1000000000);
  CHECK_INT_EQ(oracles_settlement(o, "ETH", T0 + DAY, &price), ORACLE_EMISSING);
  oracles_free(o);
}
