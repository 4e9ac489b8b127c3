/* settlement_store: SQL for oracle_settlements. */
#include "settlement_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_settlement_put(struct db *db, const struct store_settlement *s,
                         const char *published_by, char existing_price[48]) {
  char expiry_ms[24], published[24];
  snprintf(expiry_ms, sizeof expiry_ms, "%lld", (long long)s->expiry_ms);
  snprintf(published, sizeof published, "%lld", (long long)s->published_at_ms);
  const char *p[] = {s->underlying, s->expiry, expiry_ms, s->price, published,
                     published_by && *published_by ? published_by : NULL};
  int st = db_exec(db,
                   "INSERT INTO oracle_settlements(underlying, expiry, expiry_ms, price,"
                   " published_at_ms, published_by)"
                   " VALUES ($1, to_date($2, 'YYYYMMDD'), $3::BIGINT, $4::NUMERIC, $5::BIGINT, $6)"
                   " ON CONFLICT (underlying, expiry) DO NOTHING",
                   6, p, NULL);
  if (st) return st;
  struct pg_result *res = NULL;
  const char *q[] = {s->underlying, s->expiry};
  st = db_exec(db,
               "SELECT price::TEXT FROM oracle_settlements"
               " WHERE underlying = $1 AND expiry = to_date($2, 'YYYYMMDD')",
               2, q, &res);
  if (st) return st;
  if (db_rows(res) != 1) {
    db_result_free(res);
    return STORE_EINTERNAL;
  }
  snprintf(existing_price, 48, "%s", db_value(res, 0, 0));
  db_result_free(res);
  return STORE_OK;
}

int store_settlement_each(struct db *db, store_settlement_fn fn, void *arg) {
  struct pg_result *res = NULL;
  int st = db_exec(db,
                   "SELECT underlying, to_char(expiry, 'YYYYMMDD'), expiry_ms, price::TEXT,"
                   " published_at_ms FROM oracle_settlements ORDER BY underlying, expiry",
                   0, NULL, &res);
  if (st) return st;
  for (int i = 0; i < db_rows(res); i++) {
    struct store_settlement s;
    memset(&s, 0, sizeof s);
    snprintf(s.underlying, sizeof s.underlying, "%s", db_value(res, i, 0));
    snprintf(s.expiry, sizeof s.expiry, "%s", db_value(res, i, 1));
    s.expiry_ms = strtoll(db_value(res, i, 2), NULL, 10);
    snprintf(s.price, sizeof s.price, "%s", db_value(res, i, 3));
    s.published_at_ms = strtoll(db_value(res, i, 4), NULL, 10);
    if (fn(&s, arg)) break;
  }
  db_result_free(res);
  return STORE_OK;
}
