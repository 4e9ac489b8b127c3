/* auction_book: the live RFQ's quotes (add, cancel, replace, winner selection) and back-off. */
#include <assert.h>

#include "auction_internal.h"

long auction_book_find(const struct auction_rfq *r, uint64_t quote_id) {
  for (size_t i = 0; i < r->n_quotes; i++)
    if (r->quotes[i].quote_id == quote_id) return (long)i;
  return -1;
}

void auction_book_remove(struct auction_rfq *r, size_t i) {
  assert(i < r->n_quotes);
  r->quotes[i] = r->quotes[r->n_quotes - 1];
  r->n_quotes--;
}

/* ---- back-off ---------------------------------------------------------------------- */

static long maker_find(const struct auction *a, uint64_t maker_id) {
  for (size_t i = 0; i < a->n_makers; i++)
    if (a->makers[i].maker_id == maker_id) return (long)i;
  return -1;
}

int auction_backoff_active(const struct auction *a, uint64_t maker_id, int64_t now_ms) {
  long i = maker_find(a, maker_id);
  return i >= 0 && now_ms < a->makers[i].backoff_until_ms;
}

void auction_backoff_fail(struct auction *a, uint64_t maker_id, int64_t now_ms) {
  long i = maker_find(a, maker_id);
  if (i < 0) {
    if (a->n_makers == AUCTION_MAX_MAKERS) { /* forget the oldest failure */
      size_t old = 0;
      for (size_t k = 1; k < a->n_makers; k++)
        if (a->makers[k].failed_ms < a->makers[old].failed_ms) old = k;
      a->makers[old] = a->makers[--a->n_makers];
    }
    i = (long)a->n_makers++;
    a->makers[i] = (struct auction_maker){.maker_id = maker_id};
  }
  struct auction_maker *m = &a->makers[i];
  if (m->failures < AUCTION_BACKOFF_MAX_SHIFT + 1) m->failures++;
  /* base * 2^(failures-1): base < 2^63 and the shift <= 16 could still overflow: saturate. */
  int64_t wait = a->p.backoff_base_ms;
  for (unsigned k = 1; k < m->failures; k++)
    wait = wait > INT64_MAX / 2 ? INT64_MAX : wait * 2;
  m->failed_ms = now_ms;
  m->backoff_until_ms = now_ms > INT64_MAX - wait ? INT64_MAX : now_ms + wait;
}

void auction_backoff_clear(struct auction *a, uint64_t maker_id) {
  long i = maker_find(a, maker_id);
  if (i >= 0) a->makers[i] = a->makers[--a->n_makers];
}

/* ---- selection --------------------------------------------------------------------- */

/* Whether quote x beats quote y: the better credit (higher, or lower when the vault buys),
 * then earlier submission, then lower id. */
static int better(const struct auction_quote *x, const struct auction_quote *y, int lowest) {
  if (x->credit != y->credit) return lowest ? x->credit < y->credit : x->credit > y->credit;
  if (x->submitted_ms != y->submitted_ms) return x->submitted_ms < y->submitted_ms;
  return x->quote_id < y->quote_id;
}

long auction_book_select(const struct auction *a, int64_t now_ms, money_u128 floor) {
  const struct auction_rfq *r = &a->rfq;
  long best = -1;
  for (size_t i = 0; i < r->n_quotes; i++) {
    const struct auction_quote *q = &r->quotes[i];
    int lowest = a->p.lowest_wins;
    if (q->expiry_ms <= now_ms || (lowest ? q->credit > floor : q->credit < floor)) continue;
    if (auction_backoff_active(a, q->maker_id, now_ms)) continue;
    if (best < 0 || better(q, &r->quotes[best], lowest)) best = (long)i;
  }
  return best;
}

/* ---- quotes ------------------------------------------------------------------------ */

/* The checks of auction_quote_add, without changing anything; quotes[except] (a quote about
 * to be replaced, or -1) does not count as a duplicate. */
static int add_check(const struct auction *a, int64_t now_ms, uint64_t quote_id, uint64_t rfq_id,
                     money_u128 credit, int64_t expiry_ms, long except) {
  if (now_ms < a->last_now_ms) return AUCTION_ECLOCK;
  if (rfq_id < a->first_rfq_id || rfq_id >= a->next_rfq_id) return AUCTION_ERFQ_UNKNOWN;
  if (a->finished || a->rfq.state != AUCTION_RFQ_OPEN || a->rfq.id != rfq_id)
    return AUCTION_ERFQ_NOT_OPEN;
  /* Past valid_until or the hard stop but not yet closed by a tick: closed all the same. */
  if (now_ms >= a->rfq.valid_until_ms || now_ms >= auction_hard_stop_at(a))
    return AUCTION_ERFQ_NOT_OPEN;
  if (credit == 0 || expiry_ms <= now_ms) return AUCTION_EINVALID;
  long dup = auction_book_find(&a->rfq, quote_id);
  if (dup >= 0 && dup != except) return AUCTION_EQUOTE_DUPLICATE;
  return AUCTION_OK;
}

int auction_quote_add(struct auction *a, int64_t now_ms, uint64_t maker_id, uint64_t quote_id,
                      uint64_t rfq_id, money_u128 credit, int64_t expiry_ms) {
  if (!a) return AUCTION_EINVALID;
  int rc = add_check(a, now_ms, quote_id, rfq_id, credit, expiry_ms, -1);
  if (rc != AUCTION_OK) return rc;
  if (a->rfq.n_quotes == AUCTION_MAX_QUOTES) return AUCTION_ECAPACITY;
  a->rfq.quotes[a->rfq.n_quotes++] = (struct auction_quote){
      .quote_id = quote_id,
      .maker_id = maker_id,
      .credit = credit,
      .submitted_ms = now_ms,
      .expiry_ms = expiry_ms,
  };
  a->last_now_ms = now_ms;
  return AUCTION_OK;
}

/* Index of quote_id if it may be cancelled, else a status. */
static int cancel_check(const struct auction *a, uint64_t quote_id, long *index) {
  long i = a->rfq.state == AUCTION_RFQ_OPEN ? auction_book_find(&a->rfq, quote_id) : -1;
  if (i < 0) return AUCTION_EQUOTE_UNKNOWN;
  if (a->rfq.executing && a->rfq.executing_quote_id == quote_id) return AUCTION_EQUOTE_BUSY;
  *index = i;
  return AUCTION_OK;
}

int auction_quote_cancel(struct auction *a, uint64_t quote_id) {
  if (!a) return AUCTION_EINVALID;
  long i;
  int rc = cancel_check(a, quote_id, &i);
  if (rc != AUCTION_OK) return rc;
  auction_book_remove(&a->rfq, (size_t)i);
  return AUCTION_OK;
}

int auction_quote_replace(struct auction *a, int64_t now_ms, uint64_t old_quote_id,
                          uint64_t maker_id, uint64_t quote_id, uint64_t rfq_id, money_u128 credit,
                          int64_t expiry_ms) {
  if (!a) return AUCTION_EINVALID;
  long i;
  int rc = cancel_check(a, old_quote_id, &i);
  if (rc != AUCTION_OK) return rc;
  if (a->rfq.quotes[i].maker_id != maker_id || a->rfq.id != rfq_id) return AUCTION_EINVALID;
  rc = add_check(a, now_ms, quote_id, rfq_id, credit, expiry_ms, i); /* the id may be reused */
  if (rc != AUCTION_OK) return rc;
  auction_book_remove(&a->rfq, (size_t)i);
  rc = auction_quote_add(a, now_ms, maker_id, quote_id, rfq_id, credit, expiry_ms);
  assert(rc == AUCTION_OK); /* checked above, and a slot was just freed */
  return AUCTION_OK;
}
