/* accounts_store: rows of the accounts table (roles, API key, sealed secret). */
#ifndef OPTDESK_ACCOUNTS_STORE_H
#define OPTDESK_ACCOUNTS_STORE_H

#include <stdint.h>

#include "db.h"

struct store_account {
  char id[65];
  char roles[160];      /* comma-separated role names, e.g. "admin,reporter" */
  char api_key[129];
  char secret_box[512]; /* sealed secret, opaque here */
  int64_t created_at_ms;
  int disabled;
};

/* Inserts one account. STORE_ECONFLICT when the id or the api key exists already. */
STORE_WUR int store_account_insert(struct db *db, const struct store_account *a,
                                   const char *created_by);

/* Calls fn for every enabled account (in id order); stops early if fn returns non-zero. */
typedef int (*store_account_fn)(const struct store_account *a, void *arg);
STORE_WUR int store_account_each(struct db *db, store_account_fn fn, void *arg);

/* *exists = 1 when an account with this id exists (enabled or not). */
STORE_WUR int store_account_exists(struct db *db, const char *id, int *exists);

/* Number of enabled accounts holding the admin role, in *count. */
STORE_WUR int store_account_count_admins(struct db *db, long *count);

/* The manual business clock's persisted value: STORE_ENOTFOUND before the first setting. */
STORE_WUR int store_clock_get(struct db *db, int64_t *now_ms);
/* Records it, never moving it backwards. */
STORE_WUR int store_clock_set(struct db *db, int64_t now_ms);

#endif
