/* desk_writer: the RFQ desk's database threads. The engine (which never blocks) posts jobs:
 * audit rows written behind the fast path (RFQs, quotes, refusals) and fills that must be
 * committed before anyone is told. A job goes to the shard its `shard` key names (the desk
 * uses the vault, so one vault's jobs stay in order); each shard is a thread with its own
 * connection, so vaults are written in parallel. A shard runs its jobs in FIFO order,
 * group-committed: what is queued (up to 1000 jobs) runs in one transaction with one COMMIT.
 * The jobs' statements are pipelined (a round trip per chunk, not per statement); if one
 * fails, the batch is rolled back and run again with a savepoint per job, so a job's failure
 * is its own. A job that asked for completion comes back to the engine thread
 * (desk_writer_take_done) only after that COMMIT (or its failure). Urgent jobs (fills) jump
 * their shard's queue of audit rows; they must not depend on those rows (a fill upserts its
 * own quote and RFQ rows). */
#ifndef OPTDESK_DESK_WRITER_H
#define OPTDESK_DESK_WRITER_H

#include <stdint.h>

#include "app.h"

struct db;

#define DESK_SQL_MAX_PARAMS 16
#define DESK_JOB_MAX_STMTS 6
#define DESK_WRITER_SHARDS_MAX 8

struct desk_job {
  struct desk_job *next;
  int want_done;        /* come back to the engine after the transaction */
  int urgent;           /* fills, auction starts: run before the queued audit rows */
  unsigned shard;       /* which shard runs it (modulo their number): jobs that depend on
                         * each other share a key */
  int status;           /* filled by the writer: a store status (0 = committed) */
  int nstmt;
  struct {
    const char *sql;    /* static text */
    int nparams;
    char *params[DESK_SQL_MAX_PARAMS]; /* malloc'ed, freed with the job */
    int expect_rows;    /* > 0: the statement must affect/return exactly this many rows */
  } stmt[DESK_JOB_MAX_STMTS];
  /* After the statements, optionally a body run in the same savepoint on the writer's
   * connection (cycle transitions that read and lock rows). It may run more than once when
   * the batch is retried, so it must only write through db and into fn_out. */
  int (*fn)(struct db *db, struct desk_job *j);
  void *fn_in;          /* the body's input, owned by the engine until the job is freed */
  void *fn_out;         /* the body's output, idem */
  /* Optionally, the job as a row of a set-based statement: in the fast path the writer runs
   * the batch's jobs of one bulk_sql as that one statement ($1: a JSON array of their rows,
   * one row back when all went in) instead of their own statements; if it refuses, the batch
   * is rerun carefully with each job's own statements. */
  const char *bulk_sql; /* static text */
  char *bulk_row;       /* a JSON object, malloc'ed, freed with the job */
  int kind;             /* the engine's: which completion handler takes it back */
  void *ctx;            /* the engine's, untouched by the writer */
  uint64_t tag;
};

struct desk_writer;

/* nshards (1..DESK_WRITER_SHARDS_MAX) threads, each with its own connection. wake(wake_arg)
 * is called (from a writer thread) when completions are ready. */
struct desk_writer *desk_writer_start(struct app *app, int nshards, void (*wake)(void *),
                                      void *wake_arg);
/* Stops after the queued jobs ran (waits). NULL: no-op. */
void desk_writer_stop(struct desk_writer *w);

/* A new job (calloc'ed); add statements with desk_job_stmt; post it. */
struct desk_job *desk_job_new(int want_done);
/* Adds a statement; params are copied. Returns 0, -1 when the job is full. */
int desk_job_stmt(struct desk_job *j, const char *sql, int nparams, const char *const *params,
                  int expect_rows);
void desk_writer_post(struct desk_writer *w, struct desk_job *j);
void desk_job_free(struct desk_job *j);

/* The completed jobs (a list, oldest first); the caller frees each. */
struct desk_job *desk_writer_take_done(struct desk_writer *w);
/* Jobs posted and not yet run. */
int desk_writer_backlog(struct desk_writer *w);

#endif
