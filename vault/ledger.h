/* ledger: a vault's share state and the ERC4626 conversions with a virtual offset (SPEC 6).
 *
 * Pure: no I/O, no clock, no globals, no allocation. The durable side reads and locks a
 * vault's row, fills a struct ledger_vault, calls these functions and writes back the state
 * they return. Amounts are base units of the vault's asset (money_u128); shares have
 * asset_decimals + decimals_offset decimals (18 in production: USDC 6 + 12, 8-decimal
 * assets 8 + 10, 18-decimal assets 18 + 0).
 *
 * Conversions (V = 10^decimals_offset, the virtual shares; 1 virtual asset):
 *   to_shares(a) = a * (S + V) / (A + 1)      to_assets(s) = s * (A + 1) / (S + V)
 * each through one 256-bit mul-div with the rounding in its name. The public converts round
 * down. Every conversion is exact in 256 bits, so a result either fits or is
 * LEDGER_EOVERFLOW; nothing wraps.
 *
 * Operations, previews and limits are in ledger_ops.h; fees in ledger_fee.h.
 * Fallible functions return LEDGER_OK (0) or a negative enum ledger_status and write their
 * outputs only on success. */
#ifndef OPTDESK_LEDGER_H
#define OPTDESK_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include "money.h"

#define LEDGER_WUR __attribute__((warn_unused_result))

/* Fixed-point fractions (fee rates): LEDGER_WAD = 1.0 = 100 %, so 2 %/yr is 2e16. */
#define LEDGER_WAD ((money_u128)1000000000000000000ULL)
/* The management fee's year: 365 days in milliseconds. */
#define LEDGER_YEAR_MS ((int64_t)31536000000LL)

/* Which actions are open (struct ledger_vault.flags). A zeroed struct has all closed. */
enum ledger_flag {
  LEDGER_DEPOSIT_ENABLED = 1u << 0,
  LEDGER_MINT_ENABLED = 1u << 1,
  LEDGER_WITHDRAW_ENABLED = 1u << 2,
  LEDGER_REDEEM_ENABLED = 1u << 3,
  LEDGER_ALL_ENABLED = 0xfu,
};

enum ledger_status {
  LEDGER_OK = 0,
  LEDGER_EOVERFLOW = -1,       /* a result or the state after it would not fit in 128 bits */
  LEDGER_EINVALID = -2,        /* malformed state or argument (offset > 38, rate > 100 %, ...) */
  LEDGER_EDISABLED = -3,       /* the action is closed (flags) */
  LEDGER_EZERO = -4,           /* one side would be 0: amount 0, deposit minting 0 shares,
                                  redeem paying 0 assets */
  LEDGER_EBALANCE = -5,        /* the owner holds fewer shares than the operation burns */
  LEDGER_EALLOWANCE = -6,      /* caller is not the owner and its allowance is too small */
  LEDGER_EILLIQUID = -7,       /* more than the vault's free (unlocked) assets */
  LEDGER_EMIN_SHARES_OUT = -8, /* deposit: slippage guard min_shares_out */
  LEDGER_EMAX_ASSETS_IN = -9,  /* mint: slippage guard max_assets_in */
  LEDGER_EMAX_SHARES_IN = -10, /* withdraw: slippage guard max_shares_in */
  LEDGER_EMIN_ASSETS_OUT = -11,/* redeem: slippage guard min_assets_out */
  LEDGER_ECLOCK = -12,         /* now is before the last fee accrual */
  LEDGER_EFEE_PERIOD = -13,    /* accrual period so long that the fee would reach 100 % */
};

/* One vault's share state. Plain data: copy it, compare it, zero-initialise it. */
struct ledger_vault {
  money_u128 total_assets;   /* A: assets the shares are worth, base units */
  money_u128 total_supply;   /* S: every share minted, the fee account's included */
  money_u128 locked_assets;  /* part of A that cannot be paid out now (depot: locked collateral
                                and still-locked spread); 0 = all of A is free */
  unsigned asset_decimals;   /* the asset's decimals (USDC 6) */
  unsigned decimals_offset;  /* virtual offset: V = 10^offset, <= 38 */
  unsigned flags;            /* enum ledger_flag */
  money_u128 mgmt_fee_rate;  /* management fee per year, LEDGER_WAD = 100 %; <= LEDGER_WAD */
  int64_t fee_accrued_ms;    /* time of the last management-fee accrual (ms since epoch) */
};

/* Stable lowercase name of a status ("overflow", "disabled", ...), for error messages. */
const char *ledger_strerror(int status);

/* LEDGER_OK when the state is well-formed: offset <= 38, flags known, rate <= 100 %,
 * A + 1 and S + V fit in 128 bits (EOVERFLOW otherwise). */
LEDGER_WUR int ledger_vault_check(const struct ledger_vault *v);

/* The share decimals, asset_decimals + decimals_offset. */
unsigned ledger_share_decimals(const struct ledger_vault *v);

/* Assets the vault can pay out now: A - locked, 0 when locked >= A. */
money_u128 ledger_free_assets(const struct ledger_vault *v);

/* ERC4626 convertToShares / convertToAssets: round down, depend on nothing but the state. */
LEDGER_WUR int ledger_convert_to_shares(const struct ledger_vault *v, money_u128 assets,
                                        money_u128 *shares);
LEDGER_WUR int ledger_convert_to_assets(const struct ledger_vault *v, money_u128 shares,
                                        money_u128 *assets);

/* The four roundings the previews are built from. ceil - floor is 0 or 1. */
LEDGER_WUR int ledger_to_shares_down(const struct ledger_vault *v, money_u128 assets,
                                     money_u128 *shares);
LEDGER_WUR int ledger_to_shares_up(const struct ledger_vault *v, money_u128 assets,
                                   money_u128 *shares);
LEDGER_WUR int ledger_to_assets_down(const struct ledger_vault *v, money_u128 shares,
                                     money_u128 *assets);
LEDGER_WUR int ledger_to_assets_up(const struct ledger_vault *v, money_u128 shares,
                                   money_u128 *assets);

/* Price per share for reporting and the high-water mark: the assets one whole share
 * (10^share_decimals share units) redeems for, to_assets_down(10^share_decimals), in base
 * units of the asset. An empty vault's price is 10^asset_decimals (one whole asset).
 * EINVALID when share decimals exceed 38. */
LEDGER_WUR int ledger_price_per_share(const struct ledger_vault *v, money_u128 *price);

#endif
