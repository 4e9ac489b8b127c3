/* test_depot_fixture: shared set-up for the depot unit tests (no test cases here). */
#include "test_depot_fixture.h"

#include <stdlib.h>

struct depot_params fx_params(enum pricing_option_type type, unsigned dec) {
  struct depot_params p = {0};
  if (depot_params_fixture(type, dec, &p) != DEPOT_OK) abort();
  return p;
}

struct depot_book *fx_book(int64_t created_ms, money_u128 total) {
  struct depot_book *b = malloc(sizeof *b);
  if (!b || depot_book_init(b, created_ms) != DEPOT_OK ||
      depot_book_deposit(b, total, b) != DEPOT_OK)
    abort();
  return b;
}

void fx_free(struct depot_book *b) {
  free(b);
}

struct depot_market fx_market(money_u128 spot_usd, int64_t now_ms) {
  struct depot_market m = {FX_USD(spot_usd), 1.54, 0.01, now_ms};
  return m;
}

struct depot_request fx_request(enum pricing_option_type type, int64_t expiry_ms,
                                money_u128 strike_usd, money_u128 size) {
  struct depot_request r = {type, expiry_ms, FX_USD(strike_usd), size, false, 0};
  return r;
}

int fx_buy(const struct depot_params *p, struct depot_book *b, const struct depot_market *m,
           const struct depot_request *r, struct depot_quote *q, struct depot_trade_result *t) {
  struct depot_refusal why;
  int rc = depot_quote(p, b, m, r, q, &why);
  if (rc != DEPOT_OK) return rc;
  return depot_book_trade(p, b, q, m->now_ms, b, t);
}

struct depot_quote fx_raw_quote(const struct depot_params *p, const struct depot_book *b,
                                int64_t now_ms, int64_t maturity_ms, money_u128 strike,
                                money_u128 size, money_u128 premium, money_u128 spread,
                                money_u128 fee) {
  struct depot_quote q = {0};
  q.type = p->type;
  q.maturity_ms = maturity_ms;
  q.strike = strike;
  q.size = size;
  q.premium = premium;
  q.spread = spread;
  q.mint_fee = fee;
  q.total = premium + spread + fee;
  if (depot_collateral(p, strike, size, &q.collateral) != DEPOT_OK) q.collateral = 0;
  q.quoted_ms = now_ms;
  q.book_total_assets = b->total_assets;
  q.book_locked = b->locked;
  q.book_last_trade_ms = b->last_trade_ms;
  q.book_next_id = b->next_id;
  return q;
}

money_u128 fx_locked(money_u128 s, int64_t trade_ms, int64_t maturity_ms, int64_t t) {
  if (t <= trade_ms) return s;
  if (t >= maturity_ms) return 0;
  /* Small values in the tests: the product fits 128 bits. */
  return s - s * (money_u128)(t - trade_ms) / (money_u128)(maturity_ms - trade_ms);
}
