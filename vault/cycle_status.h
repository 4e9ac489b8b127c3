/* cycle_status: status codes and shared units of the covered put spread vault's weekly cycle
 * maths (SPEC 4 stages 2-4: cycle_select.h, cycle_settle.h, cycle_convert.h).
 *
 * Pure: no I/O, no clock (now is an argument), no globals, no allocation, no logging.
 * Fallible functions return CYCLE_OK (0) or a negative enum cycle_status and write their
 * outputs only on success.
 * Units: USD/USDC amounts, strikes, spots and marks in base units of 6 decimals
 * (56000 USD = 56000000000); spread and contract amounts with 8 decimals (1 contract =
 * 100000000 = 1 unit of the underlying); collateral in its own base units (LBTC 8);
 * a spot price of collateral is USDC base units per whole collateral unit; ratios in ppm
 * (0.07 = 70000); times in ms since the epoch, UTC. */
#ifndef OPTDESK_CYCLE_STATUS_H
#define OPTDESK_CYCLE_STATUS_H

#include "money.h"

#include <stdint.h>

#define CYCLE_WUR __attribute__((warn_unused_result))

#define CYCLE_USD_DECIMALS 6u
#define CYCLE_CONTRACT_DECIMALS 8u
#define CYCLE_CONTRACT_UNIT ((money_u128)100000000u) /* 1 contract / spread */
#define CYCLE_PPM ((money_u128)1000000u)             /* ratio 1.0 */
#define CYCLE_HOUR_MS INT64_C(3600000)

enum cycle_status {
  CYCLE_OK = 0,
  CYCLE_EINVALID = -1,    /* an argument or parameter outside its domain; nothing done */
  CYCLE_EOVERFLOW = -2,   /* a figure does not fit 128 bits */
  CYCLE_ENO_EXPIRY = -3,  /* selection: no valid maturity in the expiry window */
  CYCLE_ENO_SPREAD = -4,  /* selection: no candidate's mark/width in band: retry later
                           * (CYCLE_SELECT_RETRY_MS) */
  CYCLE_EORACLE = -5,     /* selection: the caller's surface callback failed */
  CYCLE_EPRICING = -6,    /* selection: the model refused the surface's inputs */
  CYCLE_EDUST = -7,       /* conversion: |usdc| below dust, nothing to convert */
  CYCLE_EBELOW_STEP = -8, /* conversion: |usdc| / price rounds down to 0 steps */
};

/* Stable lowercase name of a status ("no_expiry", "no_spread", ...). */
const char *cycle_strerror(int status);

/* A money status as a cycle status: overflow -> CYCLE_EOVERFLOW, anything else (a zero
 * divisor, a domain error) -> CYCLE_EINVALID; MONEY_OK -> CYCLE_OK. */
int cycle_from_money(int money_status);

/* |v| as unsigned (exact for MONEY_I128_MIN too). */
static inline money_u128 cycle_abs_i128(money_i128 v) {
  return v < 0 ? (money_u128)(-(v + 1)) + 1u : (money_u128)v;
}

#endif
