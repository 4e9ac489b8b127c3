/* accounts: account creation, keyring loading, first-start admin credentials. */
#include "accounts.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "accounts_store.h"
#include "db.h"
#include "random.h"
#include "roles.h"
#include "secretbox.h"

int account_name_valid(const char *s) {
  size_t n = strlen(s);
  if (n < 1 || n > 64) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '-'));
    if (!ok) return 0;
  }
  return 1;
}

int accounts_insert(struct app *app, struct db *db, const char *name, int roles,
                    const char *created_by, int64_t now_ms, struct account_credentials *out) {
  struct store_account row;
  struct account_credentials c;
  memset(&row, 0, sizeof row);
  memset(&c, 0, sizeof c);
  snprintf(c.account, sizeof c.account, "%s", name);
  c.roles = roles;
  char keyhex[ACCOUNT_KEY_HEX + 1];
  if (crypto_random_hex(ACCOUNT_KEY_HEX / 2, keyhex, sizeof keyhex) ||
      crypto_random_hex(ACCOUNT_SECRET_HEX / 2, c.secret, sizeof c.secret))
    return STORE_EINTERNAL;
  snprintf(c.api_key, sizeof c.api_key, "odk_%s", keyhex);
  char err[128];
  if (crypto_secretbox_seal(app->master_key, name, strlen(name), c.secret, strlen(c.secret),
                            row.secret_box, sizeof row.secret_box, err, sizeof err)) {
    OPENSSL_cleanse(&c, sizeof c);
    return STORE_EINTERNAL;
  }
  snprintf(row.id, sizeof row.id, "%s", name);
  roles_to_csv(roles, row.roles, sizeof row.roles);
  snprintf(row.api_key, sizeof row.api_key, "%s", c.api_key);
  row.created_at_ms = now_ms;
  int st = store_account_insert(db, &row, created_by);
  if (st == STORE_OK) *out = c;
  OPENSSL_cleanse(&c, sizeof c);
  return st;
}

int accounts_publish(struct app *app, const struct account_credentials *c) {
  struct keyring_entry e;
  memset(&e, 0, sizeof e);
  snprintf(e.account, sizeof e.account, "%s", c->account);
  e.roles = c->roles;
  snprintf(e.secret, sizeof e.secret, "%s", c->secret);
  int rc = keyring_put(app->keyring, c->api_key, &e);
  OPENSSL_cleanse(&e, sizeof e);
  return rc;
}

struct load_arg {
  struct app *app;
  int failed;
  char *err;
  size_t errcap;
};

static int load_one(const struct store_account *a, void *p) {
  struct load_arg *la = p;
  struct keyring_entry e;
  size_t n = 0;
  memset(&e, 0, sizeof e);
  char err[128];
  if (crypto_secretbox_open(la->app->master_key, a->id, strlen(a->id), a->secret_box, e.secret,
                            sizeof e.secret, &n, err, sizeof err)) {
    snprintf(la->err, la->errcap,
             "cannot open the secret of account %s (%s): wrong master key?", a->id, err);
    la->failed = 1;
    return 1;
  }
  e.secret[n] = 0;
  snprintf(e.account, sizeof e.account, "%s", a->id);
  e.roles = roles_parse_csv(a->roles);
  if (e.roles < 0) e.roles = 0;
  int rc = keyring_put(la->app->keyring, a->api_key, &e);
  OPENSSL_cleanse(&e, sizeof e);
  if (rc) {
    snprintf(la->err, la->errcap, "out of memory loading the keyring");
    la->failed = 1;
    return 1;
  }
  return 0;
}

int accounts_load_keyring(struct app *app, struct db *db, char *err, size_t errcap) {
  struct load_arg la = {app, 0, err, errcap};
  int st = store_account_each(db, load_one, &la);
  if (st) {
    snprintf(err, errcap, "reading accounts: %s", db_last_error(db));
    return -1;
  }
  return la.failed ? -1 : 0;
}

/* The credentials go to <data_dir>/admin.json.tmp inside the transaction and are renamed
 * into place after it commits: a failed write rolls the account back, so the admin can
 * never exist without its credentials file. */
static void admin_paths(const char *data_dir, char *path, size_t cap, char *tmp, size_t tcap) {
  snprintf(path, cap, "%s/admin.json", data_dir);
  snprintf(tmp, tcap, "%s/admin.json.tmp", data_dir);
}

static int write_admin_tmp(const char *data_dir, const struct account_credentials *c,
                           char *err, size_t errcap) {
  char path[4200], tmp[4210];
  admin_paths(data_dir, path, sizeof path, tmp, sizeof tmp);
  unlink(tmp);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    snprintf(err, errcap, "cannot create %s: %s", tmp, strerror(errno));
    return -1;
  }
  char text[512];
  int n = snprintf(text, sizeof text, "{\"account\":\"%s\",\"api_key\":\"%s\",\"secret\":\"%s\"}\n",
                   c->account, c->api_key, c->secret);
  int ok = n > 0 && write(fd, text, (size_t)n) == n && fsync(fd) == 0;
  OPENSSL_cleanse(text, sizeof text);
  close(fd);
  if (!ok) {
    snprintf(err, errcap, "cannot write %s: %s", tmp, strerror(errno));
    unlink(tmp);
    return -1;
  }
  return 0;
}

struct bootstrap_arg {
  struct app *app;
  int created;
  struct account_credentials cred;
  char *err;
  size_t errcap;
};

static int bootstrap_tx(struct db *db, void *p) {
  struct bootstrap_arg *b = p;
  long count = 0;
  b->created = 0;
  /* serialise concurrent first starts */
  if (db_exec(db, "LOCK TABLE accounts IN EXCLUSIVE MODE", 0, NULL, NULL)) return -1;
  if (store_account_count_admins(db, &count)) return -1;
  if (count > 0) return 0;
  if (accounts_insert(b->app, db, "admin", ROLE_ADMIN, NULL, clock_real_ms(), &b->cred)) return -1;
  if (write_admin_tmp(b->app->config->data_dir, &b->cred, b->err, b->errcap)) return 1;
  b->created = 1;
  return 0;
}

int accounts_bootstrap_admin(struct app *app, struct db *db, int *created, char *err,
                             size_t errcap) {
  struct bootstrap_arg b;
  memset(&b, 0, sizeof b);
  b.app = app;
  b.err = err;
  b.errcap = errcap;
  int body = 0;
  int st = db_tx(db, DB_READ_COMMITTED, bootstrap_tx, &b, &body);
  int rc = 0;
  if (st == STORE_EABORT) {
    rc = -1; /* err says why */
  } else if (st) {
    snprintf(err, errcap, "creating the admin account: %s", db_last_error(db));
    rc = -1;
  } else if (b.created) {
    char path[4200], tmp[4210];
    admin_paths(app->config->data_dir, path, sizeof path, tmp, sizeof tmp);
    if (rename(tmp, path) != 0) {
      snprintf(err, errcap, "admin created but %s could not be renamed to %s: %s", tmp, path,
               strerror(errno));
      rc = -1;
    } else if (accounts_publish(app, &b.cred) != 0) {
      snprintf(err, errcap, "out of memory");
      rc = -1;
    }
  }
  *created = b.created;
  OPENSSL_cleanse(&b.cred, sizeof b.cred);
  return rc;
}
