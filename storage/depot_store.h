/* depot_store: SQL for the depots' books (migration 0004). The book's amounts live in the
 * vault row (total assets, locked collateral); positions and the trade clock here. Runs
 * inside the caller's transaction (lock the vault row first). */
#ifndef OPTDESK_DEPOT_STORE_H
#define OPTDESK_DEPOT_STORE_H

#include <stdint.h>

#include "db.h"
#include "depot.h"

/* Creates the book row unless it exists. */
STORE_WUR int store_depot_book_ensure(struct db *db, const char *depot, int64_t created_ms);
/* Fills book (positions, clock) from the database; total assets and locked come from the
 * caller (the vault row). */
STORE_WUR int store_depot_book_load(struct db *db, const char *depot, money_u128 total_assets,
                                    money_u128 locked, struct depot_book *book);
/* Locks the depot's vault row FOR SHARE (until the caller's transaction ends): waits for a
 * writer holding it for update to commit, and keeps new writers out while the caller reads
 * the row and the book (the quote cache's consistent load). */
STORE_WUR int store_depot_vault_barrier(struct db *db, const char *depot);
STORE_WUR int store_depot_book_clock(struct db *db, const char *depot, int64_t last_trade_ms,
                                     uint64_t next_id);

struct store_depot_position {
  const char *depot, *buyer, *instrument;
  char type; /* 'C' | 'P' */
  const struct depot_position *p;
  money_u128 spread, perf_fee, mint_fee, total_paid;
};
STORE_WUR int store_depot_position_insert(struct db *db, const struct store_depot_position *s);
/* Marks a position settled; returns its buyer into buyer (65 bytes). */
STORE_WUR int store_depot_position_settle(struct db *db, const char *depot, uint64_t id,
                                          money_u128 price, money_u128 payoff, int64_t now,
                                          char buyer[65]);

#endif
