/* mandate: the vault's signer (SPEC 4 "Mandate"): shared types, status codes and refusals.
 *
 * Every fill of the covered put spread vault passes a mandate check first, and a fill the
 * check refuses never happens. The checks are pure: no I/O, no clock (now_ms is an
 * argument), no globals, no logging, no doubles. The caller computes the marks with the
 * pricing library and passes them in as integers.
 *
 * The pieces, one rule family per file:
 *   mandate_params.h     the per-vault parameters and their defaults
 *   mandate_structure.h  rule 1: two puts, same expiry, strike_diff apart, net short
 *   mandate_spread.h     rules 2-5 and the whole spread check (mandate_check_spread)
 *   mandate_loss.h       rule 6: the one-hour mark-loss window (Delta-1 guardrail)
 *   mandate_spot.h       rule 7: the stage-4 spot trades (mandate_check_spot)
 *
 * Units (SPEC 2): contract and spread amounts have 8 decimals (1 spread = 100000000); USD
 * prices, credits, strikes, balances and TVL are USDC base units (6 decimals); collateral is
 * in its asset's base units (LBTC: 8 decimals) and `spot` is the USD price of one whole
 * collateral unit. Ratios are parts per million (MANDATE_PPM = 1.0; 20 bp = 2000 ppm).
 *
 * Statuses: MANDATE_OK (0); an error (MANDATE_EINVALID, MANDATE_EOVERFLOW: the check could
 * not run, nothing is signed, nothing is written); or a refusal (mandate_is_refusal): the
 * trade breaks a rule, and *why says which figure broke which bound. */
#ifndef OPTDESK_MANDATE_H
#define OPTDESK_MANDATE_H

#include <stdint.h>

#include "money.h"

#define MANDATE_WUR __attribute__((warn_unused_result))

#define MANDATE_PPM 1000000u                         /* 1.0 as a ratio in parts per million */
#define MANDATE_SPREAD_UNIT ((money_u128)100000000u) /* 1 contract / spread, 8 decimals */
#define MANDATE_HOUR_MS INT64_C(3600000)
#define MANDATE_DAY_MS INT64_C(86400000)

enum mandate_status {
  MANDATE_OK = 0,
  /* Errors: bad arguments or parameters, or arithmetic that does not fit 128 bits. */
  MANDATE_EINVALID = -1,
  MANDATE_EOVERFLOW = -2,
  /* Refusals, in the order the checks run (mandate_spread.h, mandate_spot.h). */
  MANDATE_ELEGS_NOT_TWO = -10,                 /* "legs_not_two" */
  MANDATE_ENOT_PUTS = -11,                     /* "not_puts" */
  MANDATE_EEXPIRY_MISMATCH = -12,              /* "expiry_mismatch" */
  MANDATE_ESTRIKE_WIDTH = -13,                 /* "strike_width" */
  MANDATE_EZERO_AMOUNT = -14,                  /* "zero_amount" */
  MANDATE_EAMOUNTS_NOT_OPPOSITE = -15,         /* "amounts_not_opposite" */
  MANDATE_ENOT_NET_SHORT = -16,                /* "not_net_short" */
  MANDATE_ETTE_OUT_OF_BOUNDS = -17,            /* "tte_out_of_bounds" */
  MANDATE_EORACLE_STALE = -18,                 /* "oracle_stale" */
  MANDATE_EMONEYNESS_OUT_OF_BAND = -19,        /* "moneyness_out_of_band" */
  MANDATE_EPRICE_BELOW_ORACLE_BOUND = -20,     /* "price_below_oracle_bound" */
  MANDATE_EPRICE_ABOVE_FAT_FINGER = -21,       /* "price_above_fat_finger_bound" */
  MANDATE_ESIZE_ABOVE_TVL_BOUND = -22,         /* "size_above_tvl_bound" */
  MANDATE_EMORE_SPREADS_THAN_COLLATERAL = -23, /* "more_spreads_than_collateral" */
  MANDATE_ELOSS_BOUND = -24,                   /* "loss_bound" */
  MANDATE_ESPOT_SIDE = -25,                    /* "spot_side" */
  MANDATE_ESPOT_PRICE_BOUND = -26,             /* "spot_price_bound" */
  MANDATE_ESPOT_NOTIONAL = -27,                /* "spot_notional" */
};

/* Stable snake_case name of a status ("ok", "invalid", "overflow", "legs_not_two", ...);
 * "unknown" for anything else. */
const char *mandate_strerror(int status);
/* 1 when status is one of the refusals above, else 0. */
int mandate_is_refusal(int status);

enum mandate_option_type { MANDATE_PUT = 0, MANDATE_CALL = 1 };
/* The vault's side of a leg or spot trade. */
enum mandate_side { MANDATE_BUY = 0, MANDATE_SELL = 1 };

/* What a refusal's value and bound count. */
enum mandate_unit {
  MANDATE_UNIT_COUNT = 0,   /* a plain count (legs) */
  MANDATE_UNIT_OPTION_TYPE, /* enum mandate_option_type */
  MANDATE_UNIT_TIME_MS,     /* a timestamp, ms since the Unix epoch */
  MANDATE_UNIT_DURATION_MS, /* a duration in ms */
  MANDATE_UNIT_USD,         /* USDC base units (6 decimals) */
  MANDATE_UNIT_CONTRACTS,   /* contracts / spreads (8 decimals); signed: + bought, - sold */
  MANDATE_UNIT_COLLATERAL,  /* base units of the collateral asset */
  MANDATE_UNIT_PPM,         /* a ratio, 1000000 = 1.0 */
};
/* Stable name of a unit ("count", "option_type", "time_ms", "duration_ms", "usd",
 * "contracts", "collateral", "ppm"); "unknown" for anything else. */
const char *mandate_unit_name(enum mandate_unit unit);

/* Why a trade was refused: the trade's figure and the bound it broke. The bound is a
 * minimum when value < bound, else a maximum (or the one value allowed). Figures above
 * MONEY_I128_MAX are shown as MONEY_I128_MAX. */
struct mandate_refusal {
  int code;               /* the refusal status, as returned */
  int leg;                /* index of the leg concerned, or -1 */
  const char *what;       /* stable name of the figure ("credit", "tte_ms", ...), static */
  enum mandate_unit unit; /* what value and bound count */
  money_i128 value;       /* the trade's figure */
  money_i128 bound;       /* the limit it broke */
};

/* The vault as the check sees it (the caller's snapshot, valued with the oracle). */
struct mandate_vault_state {
  money_u128 collateral;        /* collateral held, base units of its asset */
  unsigned collateral_decimals; /* LBTC 8; at most 32 */
  money_u128 spot;              /* USD base units per whole collateral unit; > 0 */
  money_u128 open_spreads;      /* spreads already sold and open, 8 decimals */
  money_i128 usdc;              /* the vault's USDC balance, base units, signed */
  money_u128 tvl_usd;           /* total value locked, USD base units */
};

/* Timestamps (ms) of the oracle values the trade's marks were computed from. */
struct mandate_oracle_times {
  int64_t spot_ms;    /* the spot */
  int64_t surface_ms; /* the volatility surface (spread trades only) */
};

#endif
