/* sql_text: NUMERIC and BIGINT parameters as text, and NUMERIC results back to money, for
 * the store files (libpq passes parameters as text). Internal to storage/. */
#ifndef OPTDESK_SQL_TEXT_H
#define OPTDESK_SQL_TEXT_H

#include <stdio.h>
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

#endif
