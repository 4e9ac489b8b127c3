/* desk_fill_job: the writer job that makes a fill durable (SPEC 7: before the maker is told):
 * the RFQ and quote rows (upserted, the quote only from open, so it never fills twice), the
 * fill row, the auction's sold amount, and the vault's book. Built from plain values, so the
 * desk and bench/fill_bench write exactly the same rows. A spread fill also carries a row
 * for the writer's set-based form: the writer runs all the spread fills of a batch as one
 * statement, and falls back to each job's own statements if that statement refuses. */
#ifndef OPTDESK_DESK_FILL_JOB_H
#define OPTDESK_DESK_FILL_JOB_H

#include <stdint.h>

#include "desk_writer.h"
#include "money.h"

struct desk_fill_row {
  uint64_t quote_id, rfq_id, auction_id;
  const char *vault_id, *maker_id, *label;
  const char *legs;            /* the quote's legs, JSON text */
  money_u128 amount;           /* the lot: contracts (8 decimals) or collateral units (spot) */
  money_u128 credit, max_fee;  /* USD, 6 decimals */
  money_u128 premium;          /* USD that moves */
  money_u128 mark_credit;
  long long nonce;
  int64_t expiry_ms, quote_created_ms;
  money_u128 rfq_amount;
  int64_t rfq_created_ms, rfq_valid_until;
  int64_t business_ms;
  int spot;                    /* a stage-4 spot order: collateral moves, not spreads */
  int buy;                     /* spot: the vault buys collateral (pays USDC) */
};

/* The job (want_done, urgent), or NULL when memory is short. */
struct desk_job *desk_fill_job_new(const struct desk_fill_row *r);

/* The set-based statement of spread fills: $1 a JSON array of the jobs' rows. One row back
 * when every quote was open and every auction and vault row was there. */
extern const char desk_fill_bulk_sql[];

#endif
