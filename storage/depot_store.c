/* depot_store: SQL for depot_books and depot_positions. */
#include "depot_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_text.h"

int store_depot_book_ensure(struct db *db, const char *depot, int64_t created_ms) {
  struct sql_text t = sql_ll(created_ms);
  const char *p[] = {depot, t.b};
  return db_exec(db,
                 "INSERT INTO depot_books(depot_id, created_ms, last_trade_ms)"
                 " VALUES ($1, $2::BIGINT, $2::BIGINT) ON CONFLICT (depot_id) DO NOTHING",
                 2, p, NULL);
}

int store_depot_book_load(struct db *db, const char *depot, money_u128 total_assets,
                          money_u128 locked, struct depot_book *book) {
  struct pg_result *r = NULL;
  const char *p[] = {depot};
  int st =
      db_exec(db, "SELECT created_ms, last_trade_ms, next_id FROM depot_books WHERE depot_id = $1",
              1, p, &r);
  if (st) return st;
  if (db_rows(r) != 1) {
    db_result_free(r);
    return STORE_ENOTFOUND;
  }
  memset(book, 0, sizeof *book);
  book->created_ms = strtoll(db_value(r, 0, 0), NULL, 10);
  book->last_trade_ms = strtoll(db_value(r, 0, 1), NULL, 10);
  book->next_id = strtoull(db_value(r, 0, 2), NULL, 10);
  book->total_assets = total_assets;
  book->locked = locked;
  db_result_free(r);
  st = db_exec(db,
               "SELECT position_id, maturity_ms, trade_ms, strike::TEXT, size::TEXT,"
               " collateral::TEXT, premium::TEXT, spread_locked::TEXT FROM depot_positions"
               " WHERE depot_id = $1 AND status = 'open' ORDER BY maturity_ms, position_id",
               1, p, &r);
  if (st) return st;
  if ((size_t)db_rows(r) > DEPOT_MAX_POSITIONS) {
    db_result_free(r);
    return STORE_EINTERNAL;
  }
  for (int k = 0; k < db_rows(r) && st == STORE_OK; k++) {
    struct depot_position *pos = &book->positions[k];
    pos->id = strtoull(db_value(r, k, 0), NULL, 10);
    pos->maturity_ms = strtoll(db_value(r, k, 1), NULL, 10);
    pos->trade_ms = strtoll(db_value(r, k, 2), NULL, 10);
    if (sql_num(db_value(r, k, 3), &pos->strike) || sql_num(db_value(r, k, 4), &pos->size) ||
        sql_num(db_value(r, k, 5), &pos->collateral) || sql_num(db_value(r, k, 6), &pos->premium) ||
        sql_num(db_value(r, k, 7), &pos->spread_locked))
      st = STORE_EINTERNAL;
    book->n_positions = (size_t)k + 1;
  }
  db_result_free(r);
  return st;
}

int store_depot_vault_barrier(struct db *db, const char *depot) {
  const char *p[] = {depot};
  return db_exec(db, "SELECT 1 FROM vaults WHERE id = $1 FOR SHARE", 1, p, NULL);
}

int store_depot_book_clock(struct db *db, const char *depot, int64_t last_trade_ms,
                           uint64_t next_id) {
  struct sql_text t = sql_ll(last_trade_ms), n = sql_ll((long long)next_id);
  const char *p[] = {depot, t.b, n.b};
  return db_exec(db,
                 "UPDATE depot_books SET last_trade_ms = $2::BIGINT, next_id = $3::BIGINT"
                 " WHERE depot_id = $1",
                 3, p, NULL);
}

int store_depot_position_insert(struct db *db, const struct store_depot_position *s) {
  const struct depot_position *p = s->p;
  struct sql_text id = sql_ll((long long)p->id), mat = sql_ll(p->maturity_ms),
                  tr = sql_ll(p->trade_ms), k = sql_u128(p->strike), sz = sql_u128(p->size),
                  col = sql_u128(p->collateral), pr = sql_u128(p->premium),
                  sp = sql_u128(s->spread), pf = sql_u128(s->perf_fee),
                  sl = sql_u128(p->spread_locked), mf = sql_u128(s->mint_fee),
                  tot = sql_u128(s->total_paid);
  char type[2] = {s->type, 0};
  const char *v[] = {s->depot, id.b,  s->buyer, s->instrument, type, mat.b, tr.b, k.b,
                     sz.b,     col.b, pr.b,     sp.b,          pf.b, sl.b,  mf.b, tot.b};
  return db_exec(db,
                 "INSERT INTO depot_positions(depot_id, position_id, buyer_id, instrument,"
                 " option_type, maturity_ms, trade_ms, strike, size, collateral, premium, spread,"
                 " perf_fee, spread_locked, mint_fee, total_paid) VALUES ($1, $2::BIGINT, $3, $4,"
                 " $5, $6::BIGINT, $7::BIGINT, $8::NUMERIC, $9::NUMERIC, $10::NUMERIC,"
                 " $11::NUMERIC, $12::NUMERIC, $13::NUMERIC, $14::NUMERIC, $15::NUMERIC,"
                 " $16::NUMERIC)",
                 16, v, NULL);
}

int store_depot_position_settle(struct db *db, const char *depot, uint64_t id, money_u128 price,
                                money_u128 payoff, int64_t now, char buyer[65]) {
  struct sql_text k = sql_ll((long long)id), pr = sql_u128(price), po = sql_u128(payoff),
                  t = sql_ll(now);
  const char *p[] = {depot, k.b, pr.b, po.b, t.b};
  struct pg_result *r = NULL;
  int st = db_exec(db,
                   "UPDATE depot_positions SET status = 'settled', settlement_price = $3::NUMERIC,"
                   " payoff = $4::NUMERIC, settled_ms = $5::BIGINT WHERE depot_id = $1 AND"
                   " position_id = $2::BIGINT AND status = 'open' RETURNING buyer_id",
                   5, p, &r);
  if (st) return st;
  if (db_rows(r) != 1)
    st = db_fail(db, STORE_ECONFLICT, "position not open");
  else
    snprintf(buyer, 65, "%s", db_value(r, 0, 0));
  db_result_free(r);
  return st;
}
