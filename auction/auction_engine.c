/* auction_engine: an auction's life cycle (new, restore, snapshot, free), its mark, its view. */
#include <stdlib.h>

#include "auction_internal.h"

static int alloc(const struct auction_params *p, int64_t started_ms, money_u128 total,
                 unsigned n_legs, uint64_t first_rfq_id, struct auction **out) {
  if (auction_params_check(p) != AUCTION_OK || !out) return AUCTION_EINVALID;
  if (n_legs == 0 || n_legs > AUCTION_MAX_LEGS || first_rfq_id == 0) return AUCTION_EINVALID;
  if (started_ms < 0) return AUCTION_EINVALID;
  struct auction *a = calloc(1, sizeof *a);
  if (!a) return AUCTION_ENOMEM;
  a->p = *p;
  a->n_legs = n_legs;
  a->started_ms = started_ms;
  a->last_now_ms = started_ms;
  a->total = total;
  a->first_rfq_id = first_rfq_id;
  a->next_rfq_id = first_rfq_id;
  *out = a;
  return AUCTION_OK;
}

int auction_new(const struct auction_params *p, int64_t started_ms, money_u128 total,
                unsigned n_legs, uint64_t first_rfq_id, struct auction **out) {
  return alloc(p, started_ms, total, n_legs, first_rfq_id, out);
}

int auction_restore(const struct auction_params *p, const struct auction_snapshot *s,
                    struct auction **out) {
  if (!s || s->sold > s->total || s->next_rfq_id < s->first_rfq_id) return AUCTION_EINVALID;
  struct auction *a;
  int rc = alloc(p, s->started_ms, s->total, s->n_legs, s->first_rfq_id, &a);
  if (rc != AUCTION_OK) return rc;
  a->sold = s->sold;
  a->lots_filled = s->lots_filled;
  a->next_rfq_id = s->next_rfq_id;
  *out = a;
  return AUCTION_OK;
}

void auction_free(struct auction *a) {
  free(a);
}

int auction_snapshot(const struct auction *a, struct auction_snapshot *out) {
  if (!a || !out) return AUCTION_EINVALID;
  *out = (struct auction_snapshot){
      .started_ms = a->started_ms,
      .total = a->total,
      .sold = a->sold,
      .lots_filled = a->lots_filled,
      .first_rfq_id = a->first_rfq_id,
      .next_rfq_id = a->next_rfq_id,
      .n_legs = a->n_legs,
  };
  return AUCTION_OK;
}

unsigned auction_n_legs(const struct auction *a) {
  return a ? a->n_legs : 0;
}

int auction_set_mark(struct auction *a, money_u128 mark_credit, int64_t now_ms) {
  if (!a) return AUCTION_EINVALID;
  if (now_ms < a->last_now_ms) return AUCTION_ECLOCK;
  a->has_mark = 1;
  a->mark_credit = mark_credit;
  a->mark_ms = now_ms;
  a->last_now_ms = now_ms;
  return AUCTION_OK;
}

int auction_view(const struct auction *a, int64_t now_ms, struct auction_view *out) {
  if (!a || !out) return AUCTION_EINVALID;
  struct auction_view v = {
      .state = a->finished ? AUCTION_FINISHED : AUCTION_RUNNING,
      .started_ms = a->started_ms,
      .hard_stop_at_ms = auction_hard_stop_at(a),
      .total = a->total,
      .sold = a->sold,
      .remaining = a->total - a->sold,
      .lots_filled = a->lots_filled,
      .has_mark = a->has_mark,
      .mark_credit = a->mark_credit,
      .mark_ms = a->mark_ms,
  };
  const struct auction_rfq *r = &a->rfq;
  if (r->state != AUCTION_RFQ_NONE) {
    v.has_rfq = 1;
    v.rfq_id = r->id;
    v.rfq_amount = r->amount;
    v.rfq_created_ms = r->created_ms;
    v.rfq_valid_until_ms = r->valid_until_ms;
    v.rfq_open_quotes = r->state == AUCTION_RFQ_OPEN ? r->n_quotes : 0;
    v.rfq_executing = r->executing;
    v.executing_quote_id = r->executing ? r->executing_quote_id : 0;
    v.rfq_filled = r->state == AUCTION_RFQ_FILLED;
  }
  if (r->state == AUCTION_RFQ_OPEN && a->has_mark) {
    int64_t elapsed = now_ms > r->created_ms ? now_ms - r->created_ms : 0;
    int rc = auction_floor(&a->p, a->mark_credit, elapsed, &v.floor);
    if (rc != AUCTION_OK) return rc;
    v.has_floor = 1;
  }
  *out = v;
  return AUCTION_OK;
}
