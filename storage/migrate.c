/* migrate: apply pending numbered SQL migrations, one transaction each. */
#include "migrate.h"

#include <stdio.h>
#include <string.h>

#include "migrations.h"

/* Arbitrary constant naming optdesk's migration lock. */
#define MIGRATE_LOCK_KEY "7042190117"

struct apply_arg {
  const struct migration *m;
  int applied;
};

static int apply_one(struct db *db, void *p) {
  struct apply_arg *a = p;
  struct pg_result *res = NULL;
  const char *name[] = {a->m->name};
  a->applied = 0;
  if (db_exec(db, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")", 0, NULL, NULL)) return -1;
  if (db_exec(db, "SELECT 1 FROM schema_migrations WHERE name = $1", 1, name, &res)) return -1;
  int done = db_rows(res) > 0;
  db_result_free(res);
  if (done) return 0;
  if (db_exec_script(db, a->m->sql)) return -1;
  if (db_exec(db, "INSERT INTO schema_migrations(name, applied_at) VALUES ($1, now())", 1, name,
              NULL))
    return -1;
  a->applied = 1;
  return 0;
}

int store_migrate(struct db *db, int *applied, char *err, size_t errcap) {
  int st = db_ensure(db, err, errcap);
  if (st) return st;
  st = db_exec(db,
               "CREATE TABLE IF NOT EXISTS schema_migrations ("
               " name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)",
               0, NULL, NULL);
  if (st && st != STORE_ECONFLICT) { /* two starters racing on CREATE: the other won */
    snprintf(err, errcap, "schema_migrations: %s", db_last_error(db));
    return st;
  }
  int count = 0;
  for (const struct migration *m = store_migrations; m->name; m++) {
    struct apply_arg a = {m, 0};
    int body = 0;
    st = db_tx(db, DB_READ_COMMITTED, apply_one, &a, &body);
    if (st) {
      snprintf(err, errcap, "migration %s: %s", m->name, db_last_error(db));
      return st;
    }
    count += a.applied;
  }
  *applied = count;
  return STORE_OK;
}
