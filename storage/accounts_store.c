/* accounts_store: SQL for the accounts table. */
#include "accounts_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_account_insert(struct db *db, const struct store_account *a, const char *created_by) {
  char created[24], roles[170];
  snprintf(created, sizeof created, "%lld", (long long)a->created_at_ms);
  snprintf(roles, sizeof roles, "{%s}", a->roles);
  const char *p[] = {a->id, roles, a->api_key, a->secret_box, created,
                     created_by && *created_by ? created_by : NULL};
  return db_exec(db,
                 "INSERT INTO accounts(id, roles, api_key, secret_box, created_at_ms, created_by)"
                 " VALUES ($1, $2::TEXT[], $3, $4, $5::BIGINT, $6)",
                 6, p, NULL);
}

int store_account_each(struct db *db, store_account_fn fn, void *arg) {
  struct pg_result *res = NULL;
  int st = db_exec(db,
                   "SELECT id, array_to_string(roles, ','), api_key, secret_box, created_at_ms"
                   " FROM accounts WHERE NOT disabled ORDER BY id",
                   0, NULL, &res);
  if (st) return st;
  for (int i = 0; i < db_rows(res); i++) {
    struct store_account a;
    memset(&a, 0, sizeof a);
    snprintf(a.id, sizeof a.id, "%s", db_value(res, i, 0));
    snprintf(a.roles, sizeof a.roles, "%s", db_value(res, i, 1));
    snprintf(a.api_key, sizeof a.api_key, "%s", db_value(res, i, 2));
    snprintf(a.secret_box, sizeof a.secret_box, "%s", db_value(res, i, 3));
    a.created_at_ms = strtoll(db_value(res, i, 4), NULL, 10);
    if (fn(&a, arg)) break;
  }
  db_result_free(res);
  return STORE_OK;
}

int store_account_count_admins(struct db *db, long *count) {
  struct pg_result *res = NULL;
  int st = db_exec(db,
                   "SELECT count(*) FROM accounts WHERE 'admin' = ANY(roles) AND NOT disabled",
                   0, NULL, &res);
  if (st) return st;
  *count = strtol(db_value(res, 0, 0), NULL, 10);
  db_result_free(res);
  return STORE_OK;
}

int store_clock_get(struct db *db, int64_t *now_ms) {
  struct pg_result *res = NULL;
  int st = db_exec(db, "SELECT now_ms FROM business_clock", 0, NULL, &res);
  if (st) return st;
  if (db_rows(res) == 0) st = STORE_ENOTFOUND;
  else *now_ms = strtoll(db_value(res, 0, 0), NULL, 10);
  db_result_free(res);
  return st;
}

int store_clock_set(struct db *db, int64_t now_ms) {
  char t[24];
  snprintf(t, sizeof t, "%lld", (long long)now_ms);
  const char *p[] = {t};
  return db_exec(db,
                 "INSERT INTO business_clock(id, now_ms) VALUES (TRUE, $1::BIGINT)"
                 " ON CONFLICT (id) DO UPDATE SET now_ms = GREATEST(business_clock.now_ms,"
                 " EXCLUDED.now_ms)",
                 1, p, NULL);
}

int store_account_exists(struct db *db, const char *id, int *exists) {
  struct pg_result *res = NULL;
  const char *p[] = {id};
  int st = db_exec(db, "SELECT 1 FROM accounts WHERE id = $1", 1, p, &res);
  if (st) return st;
  *exists = db_rows(res) == 1;
  db_result_free(res);
  return STORE_OK;
}
