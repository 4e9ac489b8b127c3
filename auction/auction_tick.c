/* auction_tick: advancing an auction in time (RFQs, judging, the end) and execution results. */
#include <assert.h>

#include "auction_internal.h"

/* Events of one tick, written straight into the caller's buffer: every check that can fail
 * is made before the first write, so a failed tick writes nothing. */
struct sink {
  struct auction_event *ev;
  size_t n;
};

static struct auction_event *emit(struct sink *s, enum auction_event_type type, uint64_t rfq_id) {
  assert(s->n < AUCTION_TICK_EVENTS_MAX);
  struct auction_event *e = &s->ev[s->n++];
  *e = (struct auction_event){.type = type, .rfq_id = rfq_id};
  return e;
}

static void emit_quote(struct sink *s, enum auction_event_type type, enum auction_reason reason,
                       uint64_t rfq_id, const struct auction_quote *q) {
  struct auction_event *e = emit(s, type, rfq_id);
  e->reason = reason;
  e->quote_id = q->quote_id;
  e->maker_id = q->maker_id;
  e->credit = q->credit;
}

/* Closes the live RFQ: its remaining quotes are reported cancelled for `reason`. */
static void rfq_close(struct auction *a, struct sink *s, enum auction_reason reason) {
  struct auction_rfq *r = &a->rfq;
  for (size_t i = 0; i < r->n_quotes; i++)
    emit_quote(s, AUCTION_EV_QUOTE_CANCELLED, reason, r->id, &r->quotes[i]);
  r->n_quotes = 0;
  r->executing = 0;
  r->state = AUCTION_RFQ_NONE;
}

/* Reports quotes whose own expiry has passed (never the one in execution), keeping order. */
static void expire_quotes(struct auction *a, struct sink *s, int64_t now_ms) {
  struct auction_rfq *r = &a->rfq;
  size_t keep = 0;
  for (size_t i = 0; i < r->n_quotes; i++) {
    const struct auction_quote *q = &r->quotes[i];
    int busy = r->executing && r->executing_quote_id == q->quote_id;
    if (q->expiry_ms <= now_ms && !busy)
      emit_quote(s, AUCTION_EV_QUOTE_EXPIRED, AUCTION_REASON_NONE, r->id, q);
    else
      r->quotes[keep++] = *q;
  }
  r->n_quotes = keep;
}

static void rfq_open(struct auction *a, struct sink *s, money_u128 lot, int64_t now_ms) {
  struct auction_rfq *r = &a->rfq;
  r->state = AUCTION_RFQ_OPEN;
  r->id = a->next_rfq_id++;
  r->amount = lot;
  r->created_ms = now_ms;
  r->valid_until_ms = auction_time_add(now_ms, a->p.rfq_life_ms);
  r->n_quotes = 0;
  r->executing = 0;
  struct auction_event *e = emit(s, AUCTION_EV_RFQ_OPENED, r->id);
  e->amount = lot;
  e->created_ms = r->created_ms;
  e->valid_until_ms = r->valid_until_ms;
}

static void judge(struct auction *a, struct sink *s, int64_t now_ms) {
  struct auction_rfq *r = &a->rfq;
  if (r->state != AUCTION_RFQ_OPEN || r->executing || !a->has_mark) return;
  if (now_ms < auction_time_add(r->created_ms, a->p.grace_ms)) return;
  money_u128 floor;
  int rc = auction_floor(&a->p, a->mark_credit, now_ms - r->created_ms, &floor);
  assert(rc == AUCTION_OK); /* params were checked when the auction was made */
  (void)rc;
  long w = auction_book_select(a, now_ms, floor);
  if (w < 0) return;
  const struct auction_quote *q = &r->quotes[w];
  r->executing = 1;
  r->executing_quote_id = q->quote_id;
  struct auction_event *e = emit(s, AUCTION_EV_EXECUTE, r->id);
  e->quote_id = q->quote_id;
  e->maker_id = q->maker_id;
  e->amount = r->amount;
  e->credit = q->credit;
  e->floor = floor;
}

int auction_tick(struct auction *a, int64_t now_ms, struct auction_event *events, size_t cap,
                 size_t *n) {
  if (!a || !events || !n) return AUCTION_EINVALID;
  if (cap < AUCTION_TICK_EVENTS_MAX) return AUCTION_ECAPACITY;
  if (now_ms < a->last_now_ms) return AUCTION_ECLOCK;
  struct sink s = {.ev = events};
  if (a->finished) goto out;

  struct auction_rfq *r = &a->rfq;
  money_u128 lot;
  int rc = auction_lot_amount(&a->p, a->total - a->sold, &lot);
  assert(rc == AUCTION_OK);
  (void)rc;
  int sold_out = lot == 0;
  int hard_stop = now_ms >= auction_hard_stop_at(a);
  /* The one failure after this point, checked first: no RFQ id left to open with. */
  if (!sold_out && !hard_stop && r->state == AUCTION_RFQ_NONE && a->next_rfq_id == UINT64_MAX)
    return AUCTION_EOVERFLOW;

  int closed = 0;
  if (r->state == AUCTION_RFQ_FILLED) { /* sold by auction_execution_result */
    struct auction_event *e = emit(&s, AUCTION_EV_RFQ_FILLED, r->id);
    e->quote_id = r->fill_quote_id;
    e->maker_id = r->fill_maker_id;
    e->amount = r->amount;
    e->credit = r->fill_credit;
    rfq_close(a, &s, AUCTION_REASON_RFQ_FILLED);
    closed = 1;
  }
  if (r->state == AUCTION_RFQ_OPEN) expire_quotes(a, &s, now_ms);

  if (sold_out || hard_stop) {
    if (r->state == AUCTION_RFQ_OPEN && r->executing) goto out; /* wait for its result */
    if (r->state == AUCTION_RFQ_OPEN) {
      uint64_t id = r->id;
      money_u128 amount = r->amount;
      rfq_close(a, &s, AUCTION_REASON_RFQ_CANCELLED);
      emit(&s, AUCTION_EV_RFQ_CANCELLED, id)->amount = amount;
    }
    struct auction_event *e = emit(&s, AUCTION_EV_FINISHED, 0);
    e->reason = sold_out ? AUCTION_REASON_SOLD_OUT : AUCTION_REASON_HARD_STOP;
    e->amount = a->sold;
    e->unfilled = a->total - a->sold;
    e->lots_filled = a->lots_filled;
    a->finished = 1;
    goto out;
  }

  if (r->state == AUCTION_RFQ_OPEN && !r->executing && now_ms >= r->valid_until_ms) {
    uint64_t id = r->id;
    money_u128 amount = r->amount;
    rfq_close(a, &s, AUCTION_REASON_RFQ_EXPIRED);
    emit(&s, AUCTION_EV_RFQ_EXPIRED, id)->amount = amount;
    closed = 1;
  }
  if (!closed && r->state == AUCTION_RFQ_NONE) rfq_open(a, &s, lot, now_ms);
  judge(a, &s, now_ms);

out:
  a->last_now_ms = now_ms;
  *n = s.n;
  return AUCTION_OK;
}

int auction_execution_result(struct auction *a, int64_t now_ms, uint64_t quote_id, int ok) {
  if (!a) return AUCTION_EINVALID;
  if (now_ms < a->last_now_ms) return AUCTION_ECLOCK;
  struct auction_rfq *r = &a->rfq;
  if (r->state != AUCTION_RFQ_OPEN || !r->executing || r->executing_quote_id != quote_id)
    return AUCTION_ENOT_EXECUTING;
  long i = auction_book_find(r, quote_id);
  assert(i >= 0); /* the executing quote cannot be cancelled nor expire */
  struct auction_quote q = r->quotes[i];
  auction_book_remove(r, (size_t)i);
  r->executing = 0;
  if (ok) {
    assert(r->amount <= a->total - a->sold); /* lots never exceed what is left */
    a->sold += r->amount;
    a->lots_filled++;
    r->state = AUCTION_RFQ_FILLED;
    r->fill_quote_id = q.quote_id;
    r->fill_maker_id = q.maker_id;
    r->fill_credit = q.credit;
    auction_backoff_clear(a, q.maker_id);
  } else {
    auction_backoff_fail(a, q.maker_id, now_ms);
  }
  a->last_now_ms = now_ms;
  return AUCTION_OK;
}
