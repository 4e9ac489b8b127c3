/* db: one PostgreSQL connection per thread, reconnecting on demand, and the one
 * transaction helper that retries serialization failures and deadlocks.
 * Only storage/ includes libpq-fe.h; callers see struct db and status codes. */
#ifndef OPTDESK_DB_H
#define OPTDESK_DB_H

#include <stddef.h>

#define STORE_WUR __attribute__((warn_unused_result))

enum store_status {
  STORE_OK = 0,
  STORE_EUNAVAILABLE = -1, /* database unreachable: retryable, HTTP 503 */
  STORE_ECONFLICT = -2,    /* a uniqueness or check constraint refused the write */
  STORE_ERETRY = -3,       /* serialization failures persisted after every retry */
  STORE_ENOTFOUND = -4,    /* the row asked for does not exist */
  STORE_EINTERNAL = -5,    /* a bug or an unexpected database answer */
  STORE_EABORT = -6,       /* the transaction body refused; its own status says why */
};

struct db;
struct pg_result;

/* A connection to `conninfo` (libpq keyword/value string or URL). Connects lazily: the
 * first statement outside a transaction (or db_ensure) connects. */
struct db *db_new(const char *conninfo);
void db_free(struct db *db);

/* Connects (or reconnects a broken connection). STORE_OK or STORE_EUNAVAILABLE. */
STORE_WUR int db_ensure(struct db *db, char *err, size_t errcap);

/* SELECT 1 on the connection, reconnecting first if needed. */
STORE_WUR int db_ping(struct db *db);

/* Runs fn(db, arg) between BEGIN ISOLATION LEVEL <level> and COMMIT. fn returns 0 to commit,
 * anything else to roll back (db_tx then returns STORE_EABORT and fn's value in *fn_status).
 * Serialization failures and deadlocks anywhere in the body or the commit are retried up to
 * 8 times. A lost connection gives STORE_EUNAVAILABLE, and nothing is committed. */
enum db_isolation { DB_READ_COMMITTED, DB_REPEATABLE_READ, DB_SERIALIZABLE };
typedef int (*db_tx_fn)(struct db *db, void *arg);
STORE_WUR int db_tx(struct db *db, enum db_isolation level, db_tx_fn fn, void *arg,
                    int *fn_status);

/* Statements for use inside a db_tx body (or alone, in autocommit). Parameters are text.
 * db_exec returns STORE_OK, or the mapped failure (and remembers it so db_tx can retry).
 * On success *res (when non-NULL) holds the result: read it with db_rows/db_value, free it
 * with db_result_free. */
STORE_WUR int db_exec(struct db *db, const char *sql, int nparams, const char *const *params,
                      struct pg_result **res);
/* One statement of db_exec_pipelined. */
struct db_pipe_stmt {
  const char *sql;
  int nparams;
  const char *const *params;
  int expect_rows; /* > 0: the statement must return exactly this many rows */
};
/* Inside a db_tx body: runs n statements sent back to back (libpq pipeline mode, a Sync every
 * DB_PIPE_CHUNK statements), so they cost a round trip per chunk instead of one each.
 * STORE_OK when every statement succeeded with its expected row count. Otherwise the first
 * failure's status (a wrong row count is STORE_ECONFLICT), remembered for db_tx like db_exec's,
 * with *failed set to its index; the statements after it did not run, and the transaction
 * must be rolled back (it is aborted on the server after an SQL error). */
#define DB_PIPE_CHUNK 256
STORE_WUR int db_exec_pipelined(struct db *db, const struct db_pipe_stmt *stmts, int n,
                                int *failed);
/* Runs a multi-statement SQL script (simple query protocol, no parameters). */
STORE_WUR int db_exec_script(struct db *db, const char *sql);
int db_rows(const struct pg_result *res);
const char *db_value(const struct pg_result *res, int row, int col); /* "" for NULL */
int db_is_null(const struct pg_result *res, int row, int col);
void db_result_free(struct pg_result *res);

/* Records a failure found by a store function itself (e.g. a row that must exist did not),
 * so db_tx rolls back and reports it like a failed statement. Returns status. */
int db_fail(struct db *db, int status, const char *message);

/* After ROLLBACK TO SAVEPOINT the transaction is usable again: forget the failure so db_tx
 * commits what the other savepoints kept. */
void db_clear_failure(struct db *db);

/* The last error's text (for logs; never shown to clients). */
const char *db_last_error(const struct db *db);

#endif
