/* sql_text: NUMERIC and BIGINT parameters as text, and NUMERIC results back to money, for
 * the store files (libpq passes parameters as text). Internal to storage/. */
#ifndef OPTDESK_SQL_TEXT_H
#define OPTDESK_SQL_TEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "money.h"

struct sql_text {
  char b[MONEY_FMT_MAX];
};

static inline struct sql_text sql_u128(money_u128 v) {
  struct sql_text t;
  if (money_format(v, 0, t.b, sizeof t.b) < 0) t.b[0] = 0;
  return t;
}

static inline struct sql_text sql_i128(money_i128 v) {
  struct sql_text t;
  if (money_format_signed(v, 0, t.b, sizeof t.b) < 0) t.b[0] = 0;
  return t;
}

static inline struct sql_text sql_ll(long long v) {
  struct sql_text t;
  snprintf(t.b, sizeof t.b, "%lld", v);
  return t;
}

/* A NUMERIC(39,0) value read back; one that does not parse is a bug: STORE_EINTERNAL. */
static inline int sql_num(const char *s, money_u128 *out) {
  return money_parse(s, strlen(s), 0, out) == MONEY_OK ? STORE_OK : STORE_EINTERNAL;
}

/* A statement with RETURNING that must touch exactly one row: STORE_OK, its own failure, or
 * `status` with `why` when another count came back. */
static inline int sql_exec_one(struct db *db, const char *sql, int n, const char *const *params,
                               int status, const char *why) {
  struct pg_result *r = NULL;
  int st = db_exec(db, sql, n, params, &r);
  if (st) return st;
  int rows = db_rows(r);
  db_result_free(r);
  return rows == 1 ? STORE_OK : db_fail(db, status, why);
}

/* A query answering one text value (e.g. a json_agg), strdup'ed into *out. */
static inline int sql_query_text(struct db *db, const char *sql, int n, const char *const *params,
                                 char **out) {
  struct pg_result *r = NULL;
  int st = db_exec(db, sql, n, params, &r);
  if (st) return st;
  *out = strdup(db_value(r, 0, 0));
  db_result_free(r);
  return *out ? STORE_OK : STORE_EINTERNAL;
}

#endif
