/* test_depot_fixture: shared set-up for the depot unit tests (SPEC 5.1's test fixture). */
#ifndef OPTDESK_TEST_DEPOT_FIXTURE_H
#define OPTDESK_TEST_DEPOT_FIXTURE_H

#include "depot.h"
#include "depot_nav.h"
#include "depot_quote.h"
#include "depot_settle.h"
#include "depot_trade.h"
#include "testlib.h"

/* Fri 2023-02-24 08:00 UTC. */
#define FX_NOW INT64_C(1677225600000)
#define FX_HOUR INT64_C(3600000)
#define FX_DAY INT64_C(86400000)
#define FX_USD(x) ((money_u128)(x)*1000000u)         /* USDC base units */
#define FX_CONTRACTS(x) ((money_u128)(x)*100000000u) /* 8-decimal sizes */
#define FX_E18 ((money_u128)1000000000000000000ULL)

/* Fixture params of a put depot (USDC) or a call depot (underlying of `dec` decimals). */
struct depot_params fx_params(enum pricing_option_type type, unsigned dec);
/* A heap book created at created_ms holding `total` base units (free with fx_free). */
struct depot_book *fx_book(int64_t created_ms, money_u128 total);
void fx_free(struct depot_book *b);
/* Spot in whole USD, flat sigma 1.54, r = 0.01. */
struct depot_market fx_market(money_u128 spot_usd, int64_t now_ms);
struct depot_request fx_request(enum pricing_option_type type, int64_t expiry_ms,
                                money_u128 strike_usd, money_u128 size);
/* Quote and book in place; returns the first non-OK status. */
int fx_buy(const struct depot_params *p, struct depot_book *b, const struct depot_market *m,
           const struct depot_request *r, struct depot_quote *q, struct depot_trade_result *t);
/* A quote made on b at now without the filters (for capacity/overflow tests): premium,
 * spread and fee as given, collateral as the depot computes it. */
struct depot_quote fx_raw_quote(const struct depot_params *p, const struct depot_book *b,
                                int64_t now_ms, int64_t maturity_ms, money_u128 strike,
                                money_u128 size, money_u128 premium, money_u128 spread,
                                money_u128 fee);
/* Independent still-locked spread of one position at t (the schedule of depot.h). */
money_u128 fx_locked(money_u128 s, int64_t trade_ms, int64_t maturity_ms, int64_t t);

#endif
