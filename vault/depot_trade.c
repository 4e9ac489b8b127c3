/* depot_trade: book a quoted buy: fees split, collateral locked, spread locked, position added. */
#include "depot_trade.h"

#include <string.h>

#include "ledger_fee.h"

/* Quote made on this very book at this instant? */
static int same_state(const struct depot_book *b, const struct depot_quote *q, int64_t now_ms) {
  return q->quoted_ms == now_ms && q->book_total_assets == b->total_assets &&
         q->book_locked == b->locked && q->book_last_trade_ms == b->last_trade_ms &&
         q->book_next_id == b->next_id;
}

/* The index the new position goes to (after every position of a maturity <= m: ids grow,
 * so (maturity, id) stays sorted) and whether m is a maturity the book already holds. */
static size_t insert_at(const struct depot_book *b, int64_t m, int *known) {
  size_t i = b->n_positions;
  while (i > 0 && b->positions[i - 1].maturity_ms > m)
    i--;
  *known = i > 0 && b->positions[i - 1].maturity_ms == m;
  return i;
}

static size_t count_maturities(const struct depot_book *b) {
  size_t n = 0;
  for (size_t i = 0; i < b->n_positions; i++)
    if (i == 0 || b->positions[i - 1].maturity_ms != b->positions[i].maturity_ms) n++;
  return n;
}

int depot_book_trade(const struct depot_params *p, const struct depot_book *b,
                     const struct depot_quote *q, int64_t now_ms, struct depot_book *out,
                     struct depot_trade_result *result) {
  struct depot_trade_result r = {0};
  money_u128 collateral, sum, available, total, locked;
  int rc, known;

  if ((rc = depot_params_check(p)) != DEPOT_OK) return rc;
  if ((rc = depot_book_check(b)) != DEPOT_OK) return rc;
  if (now_ms < 0 || now_ms > DEPOT_TIME_MAX) return DEPOT_EINVALID;
  if (!same_state(b, q, now_ms)) return DEPOT_ESTALE;
  if (b->n_positions > 0 && b->positions[0].maturity_ms <= now_ms) return DEPOT_EUNSETTLED;

  /* The quote must be this depot's and add up. */
  if (q->type != p->type || q->size == 0 || q->maturity_ms <= now_ms ||
      q->maturity_ms > DEPOT_TIME_MAX)
    return DEPOT_EINVALID;
  if ((rc = depot_collateral(p, q->strike, q->size, &collateral)) != DEPOT_OK) return rc;
  if (collateral != q->collateral) return DEPOT_EINVALID;
  if (money_add(q->premium, q->spread, &sum) != MONEY_OK ||
      money_add(sum, q->mint_fee, &sum) != MONEY_OK || sum != q->total)
    return DEPOT_EINVALID;
  if ((rc = depot_available(b, now_ms, &available)) != DEPOT_OK) return rc;
  if (collateral >= available) return DEPOT_EINSUFFICIENT_FUNDS;

  /* Fees and the new totals. */
  if (ledger_spread_fee(q->spread, p->perf_fee_rate, &r.perf_fee, &r.spread_locked) != LEDGER_OK)
    return DEPOT_EINVALID;
  if (money_add(q->premium, r.spread_locked, &r.to_depot) != MONEY_OK ||
      money_add(b->total_assets, r.to_depot, &total) != MONEY_OK ||
      money_add(b->locked, collateral, &locked) != MONEY_OK)
    return DEPOT_EOVERFLOW;
  /* The sum of the spreads must stay representable (depot_book_check). */
  money_u128 spreads = r.spread_locked;
  for (size_t i = 0; i < b->n_positions; i++)
    if (money_add(spreads, b->positions[i].spread_locked, &spreads) != MONEY_OK)
      return DEPOT_EOVERFLOW;
  if (b->next_id == UINT64_MAX) return DEPOT_EOVERFLOW;

  /* Room in the book. */
  if (b->n_positions >= DEPOT_MAX_POSITIONS) return DEPOT_ECAPACITY;
  size_t at = insert_at(b, q->maturity_ms, &known);
  if (!known && count_maturities(b) >= DEPOT_MAX_MATURITIES) return DEPOT_ECAPACITY;

  /* Nothing can fail from here: write the outputs. */
  r.position_id = b->next_id;
  r.buyer_pays = q->total;
  r.premium = q->premium;
  r.spread = q->spread;
  r.mint_fee = q->mint_fee;
  r.collateral = collateral;
  struct depot_position pos = {
      .id = b->next_id,
      .maturity_ms = q->maturity_ms,
      .trade_ms = now_ms,
      .strike = q->strike,
      .size = q->size,
      .collateral = collateral,
      .premium = q->premium,
      .spread_locked = r.spread_locked,
  };
  if (out != b) *out = *b;
  memmove(&out->positions[at + 1], &out->positions[at],
          (out->n_positions - at) * sizeof out->positions[0]);
  out->positions[at] = pos;
  out->n_positions++;
  out->total_assets = total;
  out->locked = locked;
  out->last_trade_ms = now_ms;
  out->next_id++;
  *result = r;
  return DEPOT_OK;
}
