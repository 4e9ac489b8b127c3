/* demo: the demo's accounts, balances and deposit (see demo.h). */
#include "demo.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounts.h"
#include "accounts_store.h"
#include "db.h"
#include "ledger_service.h"
#include "ledger_store.h"
#include "roles.h"

#define DEMO_DEPOSITOR "demo-depositor"
#define DEMO_LBTC ((money_u128)2000000000) /* 20 LBTC: ten lots of two spreads */

void demo_maker_creds_path(const struct app *app, int n, char *buf, size_t cap) {
  snprintf(buf, cap, "%s/demo/maker-%d.json", app->config->data_dir, n);
}

struct setup {
  struct app *app;
  struct account_credentials makers[DEMO_MAKERS], depositor;
  const char *vault;
  int64_t now;
};

static int setup_tx(struct db *db, void *arg) {
  struct setup *s = arg;
  for (int k = 0; k < DEMO_MAKERS; k++) {
    char name[32];
    snprintf(name, sizeof name, "demo-maker-%d", k + 1);
    if (accounts_insert(s->app, db, name, ROLE_MAKER, "admin", s->now, &s->makers[k])) return -1;
  }
  if (accounts_insert(s->app, db, DEMO_DEPOSITOR, ROLE_DEPOSITOR, "admin", s->now, &s->depositor)) return -2;
  if (store_balance_add(db, DEMO_DEPOSITOR, "LBTC", (money_i128)DEMO_LBTC, "credit", NULL, "demo", s->now))
    return -3;
  struct ledger_request req = {s->vault, DEMO_DEPOSITOR, DEMO_DEPOSITOR, DEMO_DEPOSITOR, LEDGER_OP_DEPOSIT,
                               DEMO_LBTC, 0, NULL, NULL};
  struct ledger_outcome out;
  int st = ledger_execute(db, &req, s->now, &out);
  return st ? st : 0;
}

/* Written with O_EXCL after the commit: the secret exists nowhere else. */
static int write_creds(const char *path, const struct account_credentials *c) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return -1;
  char buf[512];
  int n = snprintf(buf, sizeof buf, "{\"account\":\"%s\",\"api_key\":\"%s\",\"secret\":\"%s\"}\n", c->account,
                   c->api_key, c->secret);
  int ok = n > 0 && write(fd, buf, (size_t)n) == n;
  return close(fd) == 0 && ok ? 0 : -1;
}

int demo_setup(struct app *app, struct db *db, char *err, size_t errcap) {
  int exists = 0;
  if (store_account_exists(db, DEMO_DEPOSITOR, &exists) != STORE_OK) {
    snprintf(err, errcap, "demo: %s", db_last_error(db));
    return -1;
  }
  if (exists) return 0;
  json_t *v = json_array_get(app->config->vaults, 0);
  struct setup s;
  memset(&s, 0, sizeof s);
  s.app = app;
  s.vault = json_string_value(json_object_get(v, "id"));
  s.now = clock_now_ms(&app->clock);
  if (!s.vault) {
    snprintf(err, errcap, "demo: the config has no covered put spread vault");
    return -1;
  }
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/demo", app->config->data_dir);
  if (mkdir(dir, 0700) != 0 && access(dir, W_OK) != 0) {
    snprintf(err, errcap, "demo: cannot create %s", dir);
    return -1;
  }
  int fn_status = 0;
  if (db_tx(db, DB_READ_COMMITTED, setup_tx, &s, &fn_status) != STORE_OK) {
    snprintf(err, errcap, "demo: creating the accounts failed (step %d): %s", fn_status, db_last_error(db));
    return -1;
  }
  for (int k = 0; k < DEMO_MAKERS; k++) {
    char path[4200];
    demo_maker_creds_path(app, k + 1, path, sizeof path);
    if (accounts_publish(app, &s.makers[k]) != 0 || write_creds(path, &s.makers[k]) != 0) {
      snprintf(err, errcap, "demo: writing %s failed", path);
      return -1;
    }
  }
  if (accounts_publish(app, &s.depositor) != 0) {
    snprintf(err, errcap, "demo: keyring");
    return -1;
  }
  return 0;
}
