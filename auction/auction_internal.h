/* auction_internal: the auction's state and the helpers its files share (not for callers). */
#ifndef OPTDESK_AUCTION_INTERNAL_H
#define OPTDESK_AUCTION_INTERNAL_H

#include "auction.h"

struct auction_quote {
  uint64_t quote_id, maker_id;
  money_u128 credit;
  int64_t submitted_ms, expiry_ms;
};

/* A maker with consecutive failed executions. */
struct auction_maker {
  uint64_t maker_id;
  unsigned failures;
  int64_t failed_ms, backoff_until_ms;
};

enum auction_rfq_state {
  AUCTION_RFQ_NONE = 0,
  AUCTION_RFQ_OPEN,   /* taking quotes; maybe an execution in flight */
  AUCTION_RFQ_FILLED, /* sold; reported (and cleared) by the next tick */
};

struct auction_rfq {
  enum auction_rfq_state state;
  uint64_t id;
  money_u128 amount;
  int64_t created_ms, valid_until_ms;
  int executing;
  uint64_t executing_quote_id;
  /* the winning fill, while FILLED */
  uint64_t fill_quote_id, fill_maker_id;
  money_u128 fill_credit;
  struct auction_quote quotes[AUCTION_MAX_QUOTES];
  size_t n_quotes;
};

struct auction {
  struct auction_params p;
  unsigned n_legs;
  int64_t started_ms, last_now_ms;
  money_u128 total, sold;
  uint64_t lots_filled;
  uint64_t first_rfq_id, next_rfq_id;
  int finished;
  int has_mark;
  money_u128 mark_credit;
  int64_t mark_ms;
  struct auction_rfq rfq;
  struct auction_maker makers[AUCTION_MAX_MAKERS];
  size_t n_makers;
};

/* a + b for b >= 0, saturating at INT64_MAX. */
static inline int64_t auction_time_add(int64_t a, int64_t b) {
  return a > INT64_MAX - b ? INT64_MAX : a + b;
}
static inline int64_t auction_hard_stop_at(const struct auction *a) {
  return auction_time_add(a->started_ms, a->p.hard_stop_ms);
}

/* ---- auction_book.c: the live RFQ's quotes and the makers' back-off ---- */

/* Index of the open quote quote_id, or -1. */
long auction_book_find(const struct auction_rfq *r, uint64_t quote_id);
/* Removes quotes[i] (order is not kept: selection does not depend on it). */
void auction_book_remove(struct auction_rfq *r, size_t i);
/* Whether maker_id is in back-off at now. */
int auction_backoff_active(const struct auction *a, uint64_t maker_id, int64_t now_ms);
/* Records a failed execution of maker_id at now (never fails: a full table forgets the
 * maker with the oldest failure). */
void auction_backoff_fail(struct auction *a, uint64_t maker_id, int64_t now_ms);
/* A success of maker_id: its failure count starts again from zero. */
void auction_backoff_clear(struct auction *a, uint64_t maker_id);
/* The winning quote's index at now against floor, or -1 if none is acceptable. */
long auction_book_select(const struct auction *a, int64_t now_ms, money_u128 floor);

#endif
