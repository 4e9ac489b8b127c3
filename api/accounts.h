/* accounts: creating accounts (fresh API key and secret, the secret sealed under the
 * master key), loading the keyring from the database, and the first-start admin. */
#ifndef OPTDESK_ACCOUNTS_H
#define OPTDESK_ACCOUNTS_H

#include <stddef.h>

#include "app.h"

struct db;

#define ACCOUNT_KEY_HEX 32    /* 16 random bytes */
#define ACCOUNT_SECRET_HEX 64 /* 32 random bytes */

struct account_credentials {
  char account[65];
  int roles;
  char api_key[ACCOUNT_KEY_HEX + 8];
  char secret[ACCOUNT_SECRET_HEX + 1];
};

/* 1 when name is a valid account id (^[a-z0-9][a-z0-9_-]{0,63}$). */
int account_name_valid(const char *name);

/* Inside a transaction: generates credentials for (name, roles) and inserts the row.
 * Returns a store status (STORE_ECONFLICT: the name exists). Fills *out on success. */
int accounts_insert(struct app *app, struct db *db, const char *name, int roles,
                    const char *created_by, int64_t now_ms, struct account_credentials *out);

/* Adds created credentials to the live keyring (after the transaction committed). */
int accounts_publish(struct app *app, const struct account_credentials *c);

/* Loads every enabled account into the keyring. 0, or -1 with err. */
int accounts_load_keyring(struct app *app, struct db *db, char *err, size_t errcap);

/* When no admin account exists (a new database): creates "admin" and writes <data_dir>/admin.json (mode 0600).
 * *created tells whether it did. 0, or -1 with err. */
int accounts_bootstrap_admin(struct app *app, struct db *db, int *created, char *err,
                             size_t errcap);

#endif
