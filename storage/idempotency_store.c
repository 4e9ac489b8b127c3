/* idempotency_store: SQL for the idempotency_keys table. */
#include "idempotency_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_idem_get(struct db *db, const char *account, const char *key, char request_hash[65],
                   int *status, char **response_box) {
  struct pg_result *res = NULL;
  const char *p[] = {account, key};
  int st = db_exec(db,
                   "SELECT request_hash, status, response_box FROM idempotency_keys"
                   " WHERE account_id = $1 AND key = $2 FOR UPDATE",
                   2, p, &res);
  if (st) return st;
  if (db_rows(res) == 0) {
    db_result_free(res);
    return STORE_ENOTFOUND;
  }
  char *box = strdup(db_value(res, 0, 2));
  if (!box) {
    db_result_free(res);
    return STORE_EINTERNAL;
  }
  snprintf(request_hash, 65, "%s", db_value(res, 0, 0));
  *status = atoi(db_value(res, 0, 1));
  *response_box = box;
  db_result_free(res);
  return STORE_OK;
}

int store_idem_put(struct db *db, const char *account, const char *key, const char *request_hash,
                   int status, const char *response_box, int64_t now_ms) {
  char st_text[16], now_text[24];
  snprintf(st_text, sizeof st_text, "%d", status);
  snprintf(now_text, sizeof now_text, "%lld", (long long)now_ms);
  const char *p[] = {account, key, request_hash, st_text, response_box, now_text};
  return db_exec(db,
                 "INSERT INTO idempotency_keys(account_id, key, request_hash, status,"
                 " response_box, created_at_ms) VALUES ($1, $2, $3, $4::INT, $5, $6::BIGINT)",
                 6, p, NULL);
}
