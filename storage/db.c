/* db: per-thread PostgreSQL connection with reconnect and a retrying transaction helper. */
#include "db.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DB_TX_RETRIES 8

struct db {
  char *conninfo;
  PGconn *conn;
  int last_status;        /* of the last db_exec inside the current transaction */
  int in_tx;              /* inside db_tx: never reconnect silently there */
  char last_error[256];
};

/* libpq's PGresult under our own opaque name, so callers need not include libpq-fe.h. */
struct pg_result {
  PGresult *r;
};

struct db *db_new(const char *conninfo) {
  struct db *db = calloc(1, sizeof *db);
  if (!db) return NULL;
  db->conninfo = strdup(conninfo);
  if (!db->conninfo) {
    free(db);
    return NULL;
  }
  return db;
}

void db_free(struct db *db) {
  if (!db) return;
  if (db->conn) PQfinish(db->conn);
  free(db->conninfo);
  free(db);
}

static void set_error(struct db *db, const char *msg) {
  snprintf(db->last_error, sizeof db->last_error, "%s", msg ? msg : "");
  size_t n = strlen(db->last_error);
  while (n && (db->last_error[n - 1] == '\n' || db->last_error[n - 1] == ' '))
    db->last_error[--n] = 0;
}

/* Server notices ("already exists, skipping") are not errors; keep them off stderr. */
static void ignore_notice(void *arg, const char *message) {
  (void)arg;
  (void)message;
}

int db_ensure(struct db *db, char *err, size_t errcap) {
  if (db->conn && PQstatus(db->conn) == CONNECTION_OK) return STORE_OK;
  if (db->conn) {
    PQfinish(db->conn);
    db->conn = NULL;
  }
  /* connect_timeout keeps a request from hanging on a dead server. */
  const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
  const char *vals[] = {db->conninfo, "3", "optdesk", NULL};
  db->conn = PQconnectdbParams(keys, vals, 1);
  if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
    set_error(db, db->conn ? PQerrorMessage(db->conn) : "out of memory");
    if (err) snprintf(err, errcap, "%s", db->last_error);
    if (db->conn) PQfinish(db->conn);
    db->conn = NULL;
    return STORE_EUNAVAILABLE;
  }
  PQsetNoticeProcessor(db->conn, ignore_notice, NULL);
  return STORE_OK;
}

/* Maps a failed result to a status; SQLSTATE classes per the PostgreSQL manual, appendix A. */
static int map_failure(struct db *db, PGresult *r) {
  if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) return STORE_EUNAVAILABLE;
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  if (!state) return STORE_EUNAVAILABLE;
  if (!strcmp(state, "40001") || !strcmp(state, "40P01")) return STORE_ERETRY;
  if (!strncmp(state, "23", 2)) return STORE_ECONFLICT;          /* integrity violations */
  if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3))     /* connection, shutdown */
    return STORE_EUNAVAILABLE;
  return STORE_EINTERNAL;
}

/* A connection for a statement: outside a transaction one is made on demand. */
static int usable(struct db *db) {
  if (db->conn && PQstatus(db->conn) == CONNECTION_OK) return 1;
  if (db->in_tx) return 0;
  return db_ensure(db, NULL, 0) == STORE_OK;
}

/* Checks a result: STORE_OK, or the mapped failure remembered for db_tx (result freed). */
static int check_result(struct db *db, PGresult *r) {
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return STORE_OK;
  set_error(db, r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn));
  int status = map_failure(db, r);
  PQclear(r);
  db->last_status = status;
  return status;
}

int db_exec(struct db *db, const char *sql, int nparams, const char *const *params,
            struct pg_result **res) {
  if (!usable(db)) {
    db->last_status = STORE_EUNAVAILABLE;
    return STORE_EUNAVAILABLE;
  }
  PGresult *r = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
  int status = check_result(db, r);
  if (status) return status;
  if (res) {
    struct pg_result *out = malloc(sizeof *out);
    if (!out) {
      PQclear(r);
      db->last_status = STORE_EINTERNAL;
      return STORE_EINTERNAL;
    }
    out->r = r;
    *res = out;
  } else {
    PQclear(r);
  }
  return STORE_OK;
}

int db_exec_script(struct db *db, const char *sql) {
  if (!usable(db)) {
    db->last_status = STORE_EUNAVAILABLE;
    return STORE_EUNAVAILABLE;
  }
  PGresult *r = PQexec(db->conn, sql);
  int status = check_result(db, r);
  if (status == STORE_OK) PQclear(r);
  return status;
}

int db_rows(const struct pg_result *res) { return res ? PQntuples(res->r) : 0; }

const char *db_value(const struct pg_result *res, int row, int col) {
  if (!res || row >= PQntuples(res->r) || col >= PQnfields(res->r)) return "";
  return PQgetvalue(res->r, row, col);
}

int db_is_null(const struct pg_result *res, int row, int col) {
  return !res || PQgetisnull(res->r, row, col);
}

void db_result_free(struct pg_result *res) {
  if (!res) return;
  PQclear(res->r);
  free(res);
}

const char *db_last_error(const struct db *db) { return db->last_error; }

void db_clear_failure(struct db *db) { db->last_status = STORE_OK; }

int db_fail(struct db *db, int status, const char *message) {
  set_error(db, message);
  db->last_status = status;
  return status;
}

int db_ping(struct db *db) {
  int st = db_ensure(db, NULL, 0);
  if (st) return st;
  st = db_exec(db, "SELECT 1", 0, NULL, NULL);
  if (st == STORE_EUNAVAILABLE && db->conn) {
    PQfinish(db->conn); /* force a fresh connection next time */
    db->conn = NULL;
  }
  return st;
}

static int exec_simple(struct db *db, const char *sql) {
  return db_exec(db, sql, 0, NULL, NULL);
}

int db_tx(struct db *db, enum db_isolation level, db_tx_fn fn, void *arg, int *fn_status) {
  static const char *begin[] = {
      "BEGIN ISOLATION LEVEL READ COMMITTED",
      "BEGIN ISOLATION LEVEL REPEATABLE READ",
      "BEGIN ISOLATION LEVEL SERIALIZABLE",
  };
  for (int attempt = 0; attempt < DB_TX_RETRIES; attempt++) {
    int st = db_ensure(db, NULL, 0);
    if (st) return st;
    st = exec_simple(db, begin[level]);
    if (st) {
      if (st == STORE_EUNAVAILABLE) {
        PQfinish(db->conn);
        db->conn = NULL;
        /* a connection that died while idle: one fresh try is part of the normal path */
        if (attempt == 0) continue;
      }
      return st;
    }
    db->last_status = STORE_OK;
    db->in_tx = 1; /* through COMMIT/ROLLBACK: a lost connection must never be replaced here */
    int body = fn(db, arg);
    if (body == 0 && db->last_status == STORE_OK) {
      st = exec_simple(db, "COMMIT");
      db->in_tx = 0;
      if (st == STORE_OK) return STORE_OK;
    } else {
      st = db->last_status;
      (void)exec_simple(db, "ROLLBACK");
      db->in_tx = 0;
      if (st == STORE_OK) { /* the body itself refused */
        if (fn_status) *fn_status = body;
        return STORE_EABORT;
      }
    }
    if (st != STORE_ERETRY) {
      if (st == STORE_EUNAVAILABLE && db->conn) {
        PQfinish(db->conn);
        db->conn = NULL;
      }
      return st;
    }
  }
  return STORE_ERETRY;
}
