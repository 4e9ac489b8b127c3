/* cycle_store: SQL for the covered put spread vault's weekly cycle (migration 0007): the
 * cycle row, stage transitions (the NAV history) and the spread's settlements. Every
 * function runs inside the caller's transaction. */
#ifndef OPTDESK_CYCLE_STORE_H
#define OPTDESK_CYCLE_STORE_H

#include <stdint.h>

#include "db.h"
#include "money.h"

struct store_cycle {
  char vault_id[65];
  char stage[24];
  int64_t cycle_no, stage_since_ms, next_ms;
  int64_t expiry_ms; /* 0: no spread selected */
  money_u128 k1, k2;
  money_i128 premium;
  money_u128 hwm;
};

/* Creates the vault's cycle row (stage 1, waiting until next_ms) unless it exists. */
STORE_WUR int store_cycle_ensure(struct db *db, const char *vault, int64_t next_ms, int64_t now);
/* Every cycle row with its vault's stage, as a JSON array text (malloc'ed into *json):
 * vault_id, stage, cycle_no, stage_since_ms, next_ms, expiry_ms (null), k1, k2, premium,
 * hwm (numbers as decimal strings). */
STORE_WUR int store_cycles_load(struct db *db, char **json);
/* The row, locked when for_update; STORE_ENOTFOUND when absent. */
STORE_WUR int store_cycle_get(struct db *db, const char *vault, int for_update, struct store_cycle *out);
/* Writes the row and the vault's stage. */
STORE_WUR int store_cycle_save(struct db *db, const struct store_cycle *c, int64_t now);

struct store_transition {
  const char *vault, *from, *to, *reason;
  int64_t cycle_no, business_ms;
  money_u128 total_assets, total_supply, price_per_share, open_spreads;
  money_i128 usdc;
  int queue_paid;
  money_u128 perf_fee_shares, perf_fee_assets;
};
STORE_WUR int store_transition_insert(struct db *db, const struct store_transition *t);

struct store_vault_settlement {
  const char *vault;
  int64_t cycle_no, expiry_ms, business_ms;
  money_u128 price, k1, k2, spreads, short_payout, long_payout;
  money_i128 premium, net_loss, usdc_before, usdc_after;
};
/* STORE_ECONFLICT when this cycle was settled already. */
STORE_WUR int store_vault_settlement_insert(struct db *db, const struct store_vault_settlement *s);

/* Sets the vault's cycle book (vaults.usdc_balance, open_spreads). */
STORE_WUR int store_vault_book_set(struct db *db, const char *vault, money_i128 usdc,
                                   money_u128 open_spreads);

#endif
