/* depot: the underwriter depot's parameters, its book of positions and queries (SPEC 5, 5.1).
 *
 * A depot sells single European options of one type on one underlying and holds one asset:
 *   call depot: asset = the underlying (asset_decimals: ETH 18, BTC-like 8); 1 contract
 *               locks 1 unit of the underlying: collateral = ceil(size * 10^dec / 10^8);
 *   put depot:  asset = USDC (asset_decimals must be 6); a contract locks its strike in USDC:
 *               collateral = ceil(K * size / 10^8).
 * Units: sizes are contracts with 8 decimals (1 contract = 100000000); strikes, spots and
 * settlement prices are USDC base units (6 decimals: 1100 USD = 1100000000); every amount
 * of the depot is in base units of its asset; times are ms since the epoch, UTC. Collateral
 * rounds up (the vault locks at least what it may owe), payoffs round down (depot_settle.h),
 * so a payoff never exceeds its collateral.
 *
 * The book (struct depot_book) is plain data: copy it, zero it, store it. Positions are one
 * per trade (each keeps its own id, strike, size, collateral and spread, and is paid and
 * released exactly at settlement), kept sorted by (maturity, id), so a maturity's positions
 * are contiguous. Limits: DEPOT_MAX_POSITIONS open positions in all and
 * DEPOT_MAX_MATURITIES distinct open maturities; a trade past either is DEPOT_ECAPACITY.
 * The struct is about 115 KB: the service keeps it on the heap.
 *
 * Spread release: a position booked at trade_ms with spread_locked = s and maturity m
 * releases released(t) = floor(s * (t - trade_ms) / (m - trade_ms)) for trade_ms <= t < m,
 * and all of s from m on; still locked = s - released(t) (never negative, falls
 * monotonically, exactly 0 at the maturity: no dust). The depot's still-locked spread is
 * the sum over its positions.
 *
 * Pure: no I/O, no clock, no globals, no allocation, no logging. Fallible functions return
 * DEPOT_OK (0) or a negative enum depot_status and write outputs only on success; an input
 * book is never modified (an output may alias it). Quote, trade, settlement and NAV are in
 * depot_quote.h, depot_trade.h, depot_settle.h and depot_nav.h. */
#ifndef OPTDESK_DEPOT_H
#define OPTDESK_DEPOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "money.h"

#define DEPOT_WUR __attribute__((warn_unused_result))

#define DEPOT_MAX_POSITIONS 1024
#define DEPOT_MAX_MATURITIES 64
#define DEPOT_CONTRACT_DECIMALS 8 /* sizes: 1 contract = 10^8 */
#define DEPOT_USDC_DECIMALS 6     /* strikes, spots, put depots' asset */
/* Times outside [0, DEPOT_TIME_MAX] (9999-12-31 23:59:59.999 UTC) are refused (EINVALID). */
#define DEPOT_TIME_MAX INT64_C(253402300799999)

enum depot_status {
  DEPOT_OK = 0,
  /* Errors: the request cannot be judged, or the state is wrong. */
  DEPOT_EINVALID = -1,   /* malformed params or argument (rates, decimals, a time out of range) */
  DEPOT_EMARKET = -2,    /* market inputs unusable: spot 0, sigma <= 0, NaN or inf */
  DEPOT_EOVERFLOW = -3,  /* an amount would not fit 128 bits */
  DEPOT_ECAPACITY = -4,  /* DEPOT_MAX_POSITIONS / DEPOT_MAX_MATURITIES, or a caller's array */
  DEPOT_ENOTFOUND = -5,  /* no open position at that maturity */
  DEPOT_EBOOK = -6,      /* the book breaks its invariants (depot_book_check) */
  DEPOT_EUNSETTLED = -7, /* a maturity <= now is still open: settle it first */
  DEPOT_ESTALE = -8,     /* a quote not made on this book at this instant */
  DEPOT_ECLOCK = -9,     /* now is before the depot's last trade */
  /* Refusals: the quote filters of SPEC 5.1, in their order (depot_quote.h). */
  DEPOT_EOPTION_TYPE_MISMATCH = -20,
  DEPOT_EZERO_SIZE = -21,
  DEPOT_EINVALID_STRIKE = -22, /* K = 0 */
  DEPOT_EOPTION_EXPIRED = -23,
  DEPOT_EINSUFFICIENT_FUNDS = -24, /* collateral >= available (also: a withdrawal above it) */
  DEPOT_EOUT_OF_DTE_BOUNDS = -25,
  DEPOT_EOUT_OF_DELTA_BOUNDS = -26,
  DEPOT_EINVALID_STRIKE_GRID = -27, /* K not on the two-significant-figure grid */
  DEPOT_EINVALID_MATURITY = -28,    /* the calendar's reason in the refusal */
  DEPOT_EABOVE_MAX_PREMIUM = -29,
};

/* Stable lowercase name of a status: "option_type_mismatch", "insufficient_funds",
 * "overflow", ... (the refusals' names are the API error codes). */
const char *depot_strerror(int status);
/* 1 for the ten filter refusals (-20..-29), 0 otherwise. */
int depot_is_refusal(int status);

/* One depot's settings. Fractions are doubles (model inputs) except the fee rates, which
 * are 1e18 fixed point (LEDGER_WAD = 100 %). */
struct depot_params {
  enum pricing_option_type type; /* PRICING_CALL or PRICING_PUT */
  unsigned asset_decimals;       /* put: 6 (USDC); call: the underlying's, <= 30 */
  double alpha;                  /* C-level steepness, > 0 */
  double hourly_decay;           /* C-level decay per hour since the last trade, >= 0 */
  double c_min;                  /* >= 1 */
  double c_max;                  /* >= c_min */
  int64_t min_dte_ms;            /* DTE bounds in ms, inclusive, 0 <= min <= max */
  int64_t max_dte_ms;
  double min_delta; /* |delta| bounds, inclusive, 0 <= min <= max <= 1 */
  double max_delta;
  money_u128 perf_fee_rate; /* of each spread, at trade time; <= 1e18 */
  money_u128 mgmt_fee_rate; /* per year, by dilution; for the share ledger (ledger.h) */
};

/* SPEC 5.1 production defaults: alpha 3, decay 0.005/h, c_min 1.0, c_max 1.35, DTE 3-35 d,
 * |delta| 0.2-0.7, performance 20 %, management 2 %/yr. */
DEPOT_WUR int depot_params_production(enum pricing_option_type type, unsigned asset_decimals,
                                      struct depot_params *out);
/* The SPEC 5.1 test fixture: as production but c_min 1.05, c_max 1.2, DTE 3-30 d,
 * |delta| 0.1-0.7, performance 5 %. */
DEPOT_WUR int depot_params_fixture(enum pricing_option_type type, unsigned asset_decimals,
                                   struct depot_params *out);
/* DEPOT_OK or DEPOT_EINVALID. */
DEPOT_WUR int depot_params_check(const struct depot_params *p);

/* Collateral one trade locks (rounded up; see the top of this file). EINVALID for bad
 * params, EOVERFLOW. */
DEPOT_WUR int depot_collateral(const struct depot_params *p, money_u128 strike, money_u128 size,
                               money_u128 *out);

struct depot_position {
  uint64_t id; /* unique within the book, from book.next_id */
  int64_t maturity_ms;
  int64_t trade_ms;         /* < maturity_ms; the spread releases from here */
  money_u128 strike;        /* USDC base units */
  money_u128 size;          /* contracts, 8 decimals */
  money_u128 collateral;    /* locked, base units of the asset */
  money_u128 premium;       /* fair value paid (reporting) */
  money_u128 spread_locked; /* spread after the performance fee, released linearly */
};

struct depot_book {
  money_u128 total_assets; /* base units of the asset, the still-locked spread included */
  money_u128 locked;       /* sum of the open positions' collateral */
  int64_t created_ms;
  int64_t last_trade_ms; /* created_ms until the first trade */
  uint64_t next_id;      /* id of the next position; starts at 1 */
  size_t n_positions;
  struct depot_position positions[DEPOT_MAX_POSITIONS]; /* sorted by (maturity, id) */
};

/* An empty depot created at created_ms (in [0, DEPOT_TIME_MAX], else EINVALID). */
DEPOT_WUR int depot_book_init(struct depot_book *book, int64_t created_ms);
/* DEPOT_OK when: n_positions <= max; positions sorted by (maturity, id), ids < next_id;
 * each has size > 0, collateral > 0, created_ms <= trade_ms <= last_trade_ms and
 * trade_ms < maturity_ms; at most DEPOT_MAX_MATURITIES maturities; locked = sum of
 * collateral <= total_assets; the sum of spreads fits 128 bits; created_ms <=
 * last_trade_ms; times in [0, DEPOT_TIME_MAX]. Else DEPOT_EBOOK. (Whether the still-locked
 * spread fits beside the collateral depends on the time: depot_available checks it.) */
DEPOT_WUR int depot_book_check(const struct depot_book *book);

/* Still-locked spread at now (sum over positions, see the top of this file). */
DEPOT_WUR int depot_locked_spread(const struct depot_book *book, int64_t now_ms, money_u128 *out);
/* Free assets at now: total - locked - still-locked spread. EBOOK if negative, which only
 * a now before the book's last change (a withdrawal of then-free spread) can give. */
DEPOT_WUR int depot_available(const struct depot_book *book, int64_t now_ms, money_u128 *out);

/* The distinct open maturities <= now (those to settle before anything else), ascending,
 * into out[0..cap), count in *n. DEPOT_MAX_MATURITIES always suffices. */
DEPOT_WUR int depot_expired_maturities(const struct depot_book *book, int64_t now_ms, int64_t *out,
                                       size_t cap, size_t *n);

/* Deposits add to total assets; withdrawals take at most depot_available(now)
 * (DEPOT_EINSUFFICIENT_FUNDS above it). The share side is the ledger's (ledger_ops.h). */
DEPOT_WUR int depot_book_deposit(const struct depot_book *book, money_u128 amount,
                                 struct depot_book *out);
DEPOT_WUR int depot_book_withdraw(const struct depot_book *book, int64_t now_ms, money_u128 amount,
                                  struct depot_book *out);

/* Fair value of one contract in human units of the depot's asset (call depot: call/S in the
 * underlying; put depot: put in USD), and its delta (call N(d1), put N(d1) - 1), by
 * Black-Scholes on spot (SPEC 5.1). spot and strike in USDC base units, tau in years.
 * DEPOT_EMARKET for unusable inputs. */
DEPOT_WUR int depot_fair_value(const struct depot_params *p, money_u128 spot, money_u128 strike,
                               double tau, double sigma, double rate, double *fair, double *delta);

#endif
