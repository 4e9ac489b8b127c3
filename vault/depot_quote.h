/* depot_quote: the depot's firm quote for one option and its filters (SPEC 5, 5.1).
 *
 * Preconditions, checked first (errors, not refusals): params valid (EINVALID), book valid
 * (EBOOK), market usable (EMARKET: spot > 0, sigma > 0 finite, rate finite, now in
 * [0, DEPOT_TIME_MAX]), now >= the last trade (ECLOCK), no open maturity <= now
 * (EUNSETTLED: the caller settles expired maturities first, depot_settle.h).
 * Then the filters, in SPEC 5.1's order; the first that fails is the status and fills
 * *refusal (the other fields are 0):
 *   1 DEPOT_EOPTION_TYPE_MISMATCH  request.type != params.type    (want_type, got_type)
 *   2 DEPOT_EZERO_SIZE             size == 0
 *   3 DEPOT_EINVALID_STRIKE        strike == 0
 *   4 DEPOT_EOPTION_EXPIRED        expiry <= now                  (expiry_ms, now_ms)
 *   5 DEPOT_EINSUFFICIENT_FUNDS    collateral >= available        (collateral, available)
 *       available = total - locked - still-locked spread at now (depot.h)
 *   6 DEPOT_EOUT_OF_DTE_BOUNDS     expiry - now outside [min_dte_ms, max_dte_ms], exact in ms
 *                                  (dte_ms, min_dte_ms, max_dte_ms)
 *   7 DEPOT_EOUT_OF_DELTA_BOUNDS   |delta| outside [min_delta, max_delta]
 *                                  (delta, min_delta, max_delta)
 *   8 DEPOT_EINVALID_STRIKE_GRID   strike not on the two-significant-figure grid
 *                                  (strike, strike_interval); the spot range of the listing
 *                                  (strike_grid.h) is not a filter
 *   9 DEPOT_EINVALID_MATURITY      the calendar refuses the expiry  (maturity_reason)
 *  10 DEPOT_EABOVE_MAX_PREMIUM     total > max_premium (when given)  (total, max_premium)
 *
 * The quote (SPEC 5.1), amounts in base units of the asset:
 *   tau = (expiry - now) / 365 days; fair = Black-Scholes per contract (depot_fair_value)
 *   premium = floor(fair * size / 10^8 * 10^dec)                  one pricing_to_money_down
 *   u_before = locked / total, u_after = (locked + collateral) / total   (doubles)
 *   hours = (now - last trade) / 1 h (the creation time until the first trade)
 *   C = sqrt(c(u_before, 0) * c(u_after, hours))                  pricing_clevel
 *   clevel_wad = 10^18 + floor((C - 1) * 10^18)                   one pricing_to_money_down
 *   spread = floor(premium * (clevel_wad - 10^18) / 10^18)        exact integer mul-div
 *   mint_fee = 0.3 % of size, rounded up (mint_fee.h)
 *   total = premium + spread + mint_fee                           checked
 * Rounding: premium and spread round down as SPEC 5.1 fixes them, the fee up, collateral
 * up. The spread is an exact integer function of premium and clevel_wad, so anyone can
 * recompute it from the quote. */
/* Model figures are double (sigma, rate, delta, the C-level, fair value per contract):
 * they are pricing inputs and outputs, never amounts. Every amount is money_u128, and a
 * model value becomes money only through pricing_to_money_down/up, once. */
#ifndef OPTDESK_DEPOT_QUOTE_H
#define OPTDESK_DEPOT_QUOTE_H

#include "calendar.h"
#include "depot.h"

struct depot_market {
  money_u128 spot; /* USDC base units */
  double sigma;    /* implied vol at (strike, tau), per year */
  double rate;     /* risk-free, continuous, per year */
  int64_t now_ms;
};

struct depot_request {
  enum pricing_option_type type;
  int64_t expiry_ms;
  money_u128 strike;      /* USDC base units */
  money_u128 size;        /* contracts, 8 decimals */
  bool has_max_premium;   /* false: no limit */
  money_u128 max_premium; /* base units of the asset; the total must be <= this */
};

struct depot_quote {
  /* The option. */
  enum pricing_option_type type;
  int64_t maturity_ms;
  money_u128 strike, size;
  /* Amounts, base units of the asset. */
  money_u128 premium, spread, mint_fee, total;
  money_u128 collateral; /* what booking it locks */
  /* Model figures (reporting; the amounts above are the contract). */
  double fair;           /* per contract, human units of the asset */
  double delta, iv, tau; /* iv = the sigma used */
  double clevel;         /* C */
  money_u128 clevel_wad; /* C in 1e18 fixed point, rounded down: the spread's factor */
  double u_before, u_after, hours;
  int64_t dte_ms;
  /* The state it was made on: depot_book_trade refuses it on any other (DEPOT_ESTALE). */
  int64_t quoted_ms;
  money_u128 book_total_assets, book_locked;
  int64_t book_last_trade_ms;
  uint64_t book_next_id;
};

struct depot_refusal {
  int code; /* the refusal status, as returned */
  enum pricing_option_type want_type, got_type;
  int64_t expiry_ms, now_ms;
  money_u128 collateral, available;
  int64_t dte_ms, min_dte_ms, max_dte_ms;
  double delta, min_delta, max_delta;
  money_u128 strike, strike_interval;
  enum pricing_maturity_reason maturity_reason;
  money_u128 total, max_premium;
};

/* DEPOT_OK and *quote, a refusal status and *refusal, or an error (neither written). */
DEPOT_WUR int depot_quote(const struct depot_params *params, const struct depot_book *book,
                          const struct depot_market *market, const struct depot_request *req,
                          struct depot_quote *quote, struct depot_refusal *refusal);

#endif
