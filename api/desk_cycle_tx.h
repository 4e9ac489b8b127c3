/* desk_cycle_tx: the weekly cycle's database work, run by the desk writer on its own
 * connection inside its transaction (desk_job.fn), so every stage transition is committed
 * with its reason, time and NAV row before the engine's copy of the cycle moves. */
#ifndef OPTDESK_DESK_CYCLE_TX_H
#define OPTDESK_DESK_CYCLE_TX_H

#include "cycle_settle.h"
#include "cycle_store.h"

struct db;
struct desk_job;

enum cycle_tx_op {
  CYCLE_TX_REFRESH = 0, /* read the vault's book (nothing written) */
  CYCLE_TX_SAVE,        /* write the cycle row (a spread selected), stage unchanged */
  CYCLE_TX_TRANSITION,  /* move from `from` to next.stage, with its transition row */
};

/* What the engine asks: for a transition, the row as it will be afterwards (next), and
 * what happens on the way. */
struct cycle_tx_in {
  enum cycle_tx_op op;
  int purpose;              /* the engine's: what to do with a refresh */
  char vault[65];
  char from[24], reason[40];
  int64_t now;
  struct store_cycle next;  /* next.stage is the stage moved to */
  int settle;               /* stage 3 -> 4: settle the spread at settle_price */
  money_u128 settle_price;
  int begin_cycle;          /* stage 1 -> 2: a high-water mark of 0 starts at today's price */
  int end_cycle;            /* stage 4 -> 1: performance fee, then the withdrawal queue */
  money_u128 perf_rate;     /* LEDGER_WAD = 100 % */
};

/* The vault after the job (the locked row's figures). */
struct cycle_tx_out {
  money_u128 total_assets, total_supply, price_per_share, open_spreads, hwm;
  money_i128 usdc;
  int queue_paid;
  money_u128 fee_shares, fee_assets;
  struct cycle_settlement settlement;
};

/* The job body (desk_job.fn): fn_in is a struct cycle_tx_in, fn_out a struct cycle_tx_out.
 * A transition whose stored stage is not `from` fails with STORE_ECONFLICT (nothing done). */
int desk_cycle_tx(struct db *db, struct desk_job *j);

#endif
