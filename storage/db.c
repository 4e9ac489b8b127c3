/* db: per-thread PostgreSQL connection with reconnect and a retrying transaction helper. */
#include "db.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DB_TX_RETRIES 8
#define DB_PREPARED_MAX 64

/* A statement db_exec_pipelined prepared on the current connection (named "p<n>"), found by
 * the address of its static text and checked against a copy of it. Prepared statements are
 * the session's, kept across transactions and rollbacks; a new connection starts empty. */
struct prepared {
  const char *key;  /* the caller's text pointer */
  char *text;       /* a copy, so a reused pointer with other text is never confused */
  int pending;      /* its Parse is in the pipeline, its result not yet read */
  char name[16];
};

struct db {
  char *conninfo;
  PGconn *conn;
  int last_status;        /* of the last db_exec inside the current transaction */
  int in_tx;              /* inside db_tx: never reconnect silently there */
  char last_error[256];
  struct prepared prep[DB_PREPARED_MAX];
  int nprep;
  unsigned prep_seq;
};

static void prep_clear(struct db *db) {
  for (int i = 0; i < db->nprep; i++) free(db->prep[i].text);
  db->nprep = 0;
}

static void prep_drop(struct db *db, int i) {
  free(db->prep[i].text);
  db->prep[i] = db->prep[--db->nprep];
}

/* The prepared statement of sql, or a new pending one (NULL when the table is full or out
 * of memory: the statement then goes unnamed). *fresh = 1 when it must be prepared now. */
static struct prepared *prep_get(struct db *db, const char *sql, int *fresh) {
  *fresh = 0;
  for (int i = 0; i < db->nprep; i++)
    if (db->prep[i].key == sql) {
      if (!strcmp(db->prep[i].text, sql)) return &db->prep[i];
      if (db->prep[i].pending) return NULL; /* reused pointer: leave it unnamed this time */
      prep_drop(db, i);
      break;
    }
  if (db->nprep == DB_PREPARED_MAX) return NULL;
  char *copy = strdup(sql);
  if (!copy) return NULL;
  struct prepared *p = &db->prep[db->nprep++];
  p->key = sql;
  p->text = copy;
  p->pending = 1;
  snprintf(p->name, sizeof p->name, "p%u", db->prep_seq++);
  *fresh = 1;
  return p;
}

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
  prep_clear(db);
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
  prep_clear(db); /* a new session has no prepared statements */
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

/* Reads the results of one pipelined request (a statement or a Parse) up to the NULL that
 * ends them. Returns STORE_OK, a mapped failure, or STORE_ECONFLICT for a wrong row count
 * (expect_rows > 0); *aborted = 1 when the server skipped it after an earlier failure. */
static int pipe_result(struct db *db, int expect_rows, int *aborted) {
  PGresult *r = PQgetResult(db->conn);
  if (!r) {
    set_error(db, PQerrorMessage(db->conn));
    return STORE_EUNAVAILABLE;
  }
  int status = STORE_OK;
  ExecStatusType st = PQresultStatus(r);
  *aborted = st == PGRES_PIPELINE_ABORTED;
  if (*aborted) {
    PQclear(r);
  } else if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    set_error(db, PQresultErrorMessage(r));
    status = map_failure(db, r);
    PQclear(r);
  } else {
    if (expect_rows && PQntuples(r) != expect_rows) {
      set_error(db, "a pipelined statement returned an unexpected row count");
      status = STORE_ECONFLICT;
    }
    PQclear(r);
  }
  while (PQstatus(db->conn) == CONNECTION_OK && (r = PQgetResult(db->conn)) != NULL)
    PQclear(r); /* one result per request; NULL ends it */
  if (PQstatus(db->conn) != CONNECTION_OK) {
    if (status == STORE_OK) set_error(db, PQerrorMessage(db->conn));
    return STORE_EUNAVAILABLE;
  }
  return status;
}

/* Sends stmts[from, to): each as a prepared statement (prepared here on first use), or
 * unnamed when the table of prepared statements is full. parsed[i - from] = 1 when a Parse
 * was sent before statement i. */
static int pipe_send(struct db *db, const struct db_pipe_stmt *stmts, int from, int to,
                     char *parsed) {
  for (int i = from; i < to; i++) {
    int fresh = 0;
    struct prepared *p = prep_get(db, stmts[i].sql, &fresh);
    parsed[i - from] = (char)fresh;
    if (fresh && !PQsendPrepare(db->conn, p->name, stmts[i].sql, 0, NULL)) return -1;
    int ok = p ? PQsendQueryPrepared(db->conn, p->name, stmts[i].nparams, stmts[i].params, NULL,
                                     NULL, 0)
               : PQsendQueryParams(db->conn, stmts[i].sql, stmts[i].nparams, NULL,
                                   stmts[i].params, NULL, NULL, 0);
    if (!ok) return -1;
  }
  return PQpipelineSync(db->conn) ? 0 : -1;
}

/* After a chunk: Parses confirmed stay, the others (failed or skipped) are forgotten. */
static void prep_settle(struct db *db, const char *name, int ok) {
  for (int k = 0; k < db->nprep; k++)
    if (db->prep[k].pending && !strcmp(db->prep[k].name, name)) {
      if (ok) db->prep[k].pending = 0;
      else prep_drop(db, k);
      return;
    }
}

static void prep_drop_pending(struct db *db) {
  for (int k = db->nprep - 1; k >= 0; k--)
    if (db->prep[k].pending) prep_drop(db, k);
}

/* Reads the results of stmts[from, to) and the chunk's Sync. Returns STORE_EUNAVAILABLE
 * when the connection broke (the caller stops), else STORE_OK; the first statement failure
 * goes into *status / *failed. */
static int pipe_read(struct db *db, const struct db_pipe_stmt *stmts, int from, int to,
                     const char *parsed, int *status, int *failed) {
  for (int i = from; i < to; i++) {
    int aborted = 0, st;
    if (parsed[i - from]) { /* the Parse's own result first */
      char name[16] = "";
      for (int k = 0; k < db->nprep; k++)
        if (db->prep[k].key == stmts[i].sql && db->prep[k].pending)
          snprintf(name, sizeof name, "%s", db->prep[k].name);
      st = pipe_result(db, 0, &aborted);
      if (st == STORE_EUNAVAILABLE) return st;
      prep_settle(db, name, st == STORE_OK && !aborted);
      if (*status == STORE_OK && (st || aborted)) {
        *status = st ? st : STORE_EINTERNAL;
        *failed = i;
      }
    }
    st = pipe_result(db, stmts[i].expect_rows, &aborted);
    if (st == STORE_EUNAVAILABLE) return st;
    if (*status == STORE_OK && (st || aborted)) {
      *status = st ? st : STORE_EINTERNAL;
      *failed = i;
    }
  }
  PGresult *sync = PQgetResult(db->conn);
  ExecStatusType sst = sync ? PQresultStatus(sync) : PGRES_FATAL_ERROR;
  PQclear(sync);
  if (sst != PGRES_PIPELINE_SYNC) {
    set_error(db, "a pipeline ended without its Sync");
    return STORE_EUNAVAILABLE;
  }
  return STORE_OK;
}

int db_exec_pipelined(struct db *db, const struct db_pipe_stmt *stmts, int n, int *failed) {
  *failed = -1;
  if (!usable(db)) {
    db->last_status = STORE_EUNAVAILABLE;
    return STORE_EUNAVAILABLE;
  }
  if (!PQenterPipelineMode(db->conn)) {
    set_error(db, PQerrorMessage(db->conn));
    db->last_status = STORE_EINTERNAL;
    return STORE_EINTERNAL;
  }
  int status = STORE_OK;
  char parsed[DB_PIPE_CHUNK];
  /* A Sync per chunk bounds what the server writes back before we read (a blocking
   * connection that only writes could otherwise deadlock with a server that only writes). */
  for (int from = 0; from < n && status == STORE_OK; from += DB_PIPE_CHUNK) {
    int to = n - from > DB_PIPE_CHUNK ? from + DB_PIPE_CHUNK : n;
    int broken = 0;
    if (pipe_send(db, stmts, from, to, parsed)) {
      set_error(db, PQerrorMessage(db->conn));
      broken = 1;
    } else {
      broken = pipe_read(db, stmts, from, to, parsed, &status, failed) == STORE_EUNAVAILABLE;
    }
    if (broken) {
      prep_drop_pending(db);
      db->last_status = STORE_EUNAVAILABLE; /* the connection is dropped by db_tx */
      if (*failed < 0) *failed = from;
      return STORE_EUNAVAILABLE;
    }
  }
  prep_drop_pending(db);
  if (!PQexitPipelineMode(db->conn)) {
    set_error(db, PQerrorMessage(db->conn));
    status = STORE_EUNAVAILABLE;
  }
  if (status) db->last_status = status;
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
