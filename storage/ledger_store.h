/* ledger_store: SQL for the share ledger (migration 0003): vaults, share balances, asset
 * balances, allowances, journal, withdrawal queue. Every function runs inside the
 * caller's transaction; `_for_update` variants lock the row they read. */
#ifndef OPTDESK_LEDGER_STORE_H
#define OPTDESK_LEDGER_STORE_H

#include <stdint.h>

#include "db.h"
#include "money.h"

struct store_vault {
  char id[65];
  char kind[24];  /* "covered_put_spread" | "depot" */
  char asset[16];
  unsigned asset_decimals, decimals_offset;
  money_u128 total_assets, total_supply, locked_assets, mgmt_fee_rate;
  int64_t fee_accrued_ms;
  char stage[24];
  int paused;
  int64_t created_at_ms;
  /* a covered put spread vault's cycle book (read only: the desk writes it) */
  money_i128 usdc_balance;
  money_u128 open_spreads;
};

/* Creates the vault row unless it exists (ids are never reused for another vault). */
STORE_WUR int store_vault_ensure(struct db *db, const struct store_vault *v);
/* STORE_ENOTFOUND when absent. */
STORE_WUR int store_vault_get(struct db *db, const char *id, int for_update, struct store_vault *out);
typedef int (*store_vault_fn)(const struct store_vault *v, void *arg);
STORE_WUR int store_vault_each(struct db *db, store_vault_fn fn, void *arg);
/* Writes totals, locked assets, fee accrual time, stage and paused. */
STORE_WUR int store_vault_save(struct db *db, const struct store_vault *v);

/* A covered put spread vault's cycle book: open spreads and the signed USDC balance. */
STORE_WUR int store_vault_book(struct db *db, const char *id, money_u128 *open_spreads,
                               money_i128 *usdc);

/* The running auctions with what a restart needs to resume them, as a JSON array text
 * (malloc'ed into *json): id, vault_id, legs, total_amount, sold_amount, lots_filled,
 * started_ms, collateral, open_spreads, usdc, and the last hour's fills (credit, mark,
 * amount, business_ms) for the mandate's loss window. */
STORE_WUR int store_auctions_running(struct db *db, int64_t now_ms, char **json);

/* Share balance (0 when no row). */
STORE_WUR int store_shares_get(struct db *db, const char *vault, const char *account,
                               int for_update, money_u128 *shares, money_u128 *queued);
/* Adds signed deltas to (shares, queued_shares); a result below 0 is STORE_ECONFLICT. */
STORE_WUR int store_shares_add(struct db *db, const char *vault, const char *account,
                               money_i128 d_shares, money_i128 d_queued);

/* Asset balance (0 when no row). */
STORE_WUR int store_balance_get(struct db *db, const char *account, const char *asset,
                                int for_update, money_u128 *amount);
/* Adds a signed delta and journals it (reason per migration 0003); below 0: ECONFLICT. */
STORE_WUR int store_balance_add(struct db *db, const char *account, const char *asset,
                                money_i128 delta, const char *reason, const char *vault,
                                const char *ref, int64_t business_ms);
typedef int (*store_balance_fn)(const char *asset, money_u128 amount, void *arg);
STORE_WUR int store_balance_each(struct db *db, const char *account, store_balance_fn fn, void *arg);

STORE_WUR int store_allowance_get(struct db *db, const char *vault, const char *owner,
                                  const char *spender, int for_update, money_u128 *shares);
STORE_WUR int store_allowance_set(struct db *db, const char *vault, const char *owner,
                                  const char *spender, money_u128 shares);

struct store_journal {
  const char *vault, *op, *caller, *owner, *receiver;
  money_u128 assets, shares, fee_shares, total_assets_after, total_supply_after, pps_after;
  int64_t business_ms;
};
STORE_WUR int store_journal_insert(struct db *db, const struct store_journal *j);

struct store_queue_entry {
  long long id;
  char caller[65], owner[65], receiver[65], kind[16];
  money_u128 shares;
  int64_t requested_ms;
};
STORE_WUR int store_queue_insert(struct db *db, const char *vault, const char *caller,
                                 const char *owner, const char *receiver, const char *kind,
                                 money_u128 shares, int64_t now, long long *id);
/* The oldest queued entry, locked; STORE_ENOTFOUND when the queue is empty. */
STORE_WUR int store_queue_head(struct db *db, const char *vault, struct store_queue_entry *out);
STORE_WUR int store_queue_paid(struct db *db, long long id, money_u128 assets, int64_t now);

#endif
