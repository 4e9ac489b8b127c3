/* desk_writer: FIFO database jobs on threads of their own (one per shard, each with its
 * own connection), completions back to the engine. */
#include "desk_writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"

struct batch;

struct shard {
  struct desk_writer *w;
  pthread_t thread;
  int started;
  pthread_cond_t more;
  struct desk_job *head, *tail;     /* to run: audit rows, FIFO */
  struct desk_job *uhead, *utail;   /* to run first: urgent jobs, FIFO */
  struct batch *batch;              /* the one running (the shard thread's) */
};

struct desk_writer {
  struct app *app;
  void (*wake)(void *);
  void *wake_arg;
  pthread_mutex_t lock; /* the queues of every shard, the done list, backlog, stop */
  struct desk_job *done_head, *done_tail;
  int backlog;
  int stop;
  int nshards;
  struct shard shards[DESK_WRITER_SHARDS_MAX];
};

struct desk_job *desk_job_new(int want_done) {
  struct desk_job *j = calloc(1, sizeof *j);
  if (j) j->want_done = want_done;
  return j;
}

int desk_job_stmt(struct desk_job *j, const char *sql, int nparams, const char *const *params,
                  int expect_rows) {
  if (j->nstmt == (int)(sizeof j->stmt / sizeof j->stmt[0]) || nparams > DESK_SQL_MAX_PARAMS)
    return -1;
  int k = j->nstmt++;
  j->stmt[k].sql = sql;
  j->stmt[k].nparams = nparams;
  j->stmt[k].expect_rows = expect_rows;
  for (int i = 0; i < nparams; i++) j->stmt[k].params[i] = params[i] ? strdup(params[i]) : NULL;
  return 0;
}

void desk_job_free(struct desk_job *j) {
  if (!j) return;
  free(j->bulk_row);
  for (int k = 0; k < j->nstmt; k++)
    for (int i = 0; i < j->stmt[k].nparams; i++) free(j->stmt[k].params[i]);
  free(j);
}

#define WRITER_BATCH_MAX 1000

/* One job's statements. */
static int run_job(struct db *db, struct desk_job *j) {
  for (int k = 0; k < j->nstmt; k++) {
    struct pg_result *r = NULL;
    int st = db_exec(db, j->stmt[k].sql, j->stmt[k].nparams,
                     (const char *const *)j->stmt[k].params, j->stmt[k].expect_rows ? &r : NULL);
    if (st) return st;
    if (j->stmt[k].expect_rows) {
      int n = db_rows(r);
      db_result_free(r);
      if (n != j->stmt[k].expect_rows)
        return db_fail(db, STORE_ECONFLICT, "a desk statement changed an unexpected row count");
    }
  }
  return j->fn ? j->fn(db, j) : STORE_OK;
}

struct batch {
  struct desk_job *jobs[WRITER_BATCH_MAX];
  int n;
  int careful; /* every job under its own savepoint */
  int redo;    /* a statement failed outside a savepoint: run the batch again, carefully */
  struct db_pipe_stmt stmts[WRITER_BATCH_MAX * DESK_JOB_MAX_STMTS]; /* the pipelined run's statements */
};

/* Jobs [from, to) (statements only) sent as one pipeline, no savepoints: the fast path, a
 * round trip per DB_PIPE_CHUNK statements instead of one per statement and savepoint. The
 * jobs of the first bulk_sql met go as that one statement, where the first of them stood. */
static int run_pipelined(struct db *db, struct batch *b, int from, int to) {
  int n = 0, bulk_at = -1;
  const char *bulk_sql = NULL;
  size_t bulk_len = 2;
  for (int i = from; i < to; i++) {
    struct desk_job *j = b->jobs[i];
    if (j->bulk_sql && (!bulk_sql || j->bulk_sql == bulk_sql)) {
      if (!bulk_sql) {
        bulk_sql = j->bulk_sql;
        bulk_at = n++;
      }
      bulk_len += strlen(j->bulk_row) + 1;
      continue;
    }
    for (int k = 0; k < j->nstmt; k++)
      b->stmts[n++] = (struct db_pipe_stmt){j->stmt[k].sql, j->stmt[k].nparams,
                                            (const char *const *)j->stmt[k].params,
                                            j->stmt[k].expect_rows};
  }
  char *rows = NULL;
  const char *bulk_params[1];
  if (bulk_sql) {
    rows = malloc(bulk_len + 1);
    if (!rows) return db_fail(db, STORE_EINTERNAL, "out of memory for a bulk statement");
    size_t len = 0;
    rows[len++] = '[';
    for (int i = from; i < to; i++) {
      struct desk_job *j = b->jobs[i];
      if (j->bulk_sql != bulk_sql) continue;
      if (len > 1) rows[len++] = ',';
      size_t m = strlen(j->bulk_row);
      memcpy(rows + len, j->bulk_row, m);
      len += m;
    }
    rows[len++] = ']';
    rows[len] = 0;
    bulk_params[0] = rows;
    b->stmts[bulk_at] = (struct db_pipe_stmt){bulk_sql, 1, bulk_params, 1};
  }
  int failed = -1;
  int st = db_exec_pipelined(db, b->stmts, n, &failed);
  free(rows);
  for (int i = from; i < to; i++) b->jobs[i]->status = st;
  return st;
}

/* Group commit: the batch's jobs in one transaction, one COMMIT (one fsync) for all; in the
 * careful rerun each job is under a savepoint so one job's failure does not undo the others.
 * A job's status is its own statements' outcome, and STORE_EUNAVAILABLE for all when the
 * COMMIT fails. */
static int batch_tx(struct db *db, void *p) {
  struct batch *b = p;
  for (int i = 0; i < b->n; i++) {
    struct desk_job *j = b->jobs[i];
    /* Jobs of statements only (audit rows and fills) first go as one pipeline without a
     * savepoint each: round trips are the writer's main cost. They hardly ever fail; when
     * one does, the whole batch is rolled back and run again with a savepoint per job, so
     * one job's failure never undoes another's. */
    if (!b->careful && !j->fn) {
      int to = i + 1;
      while (to < b->n && !b->jobs[to]->fn) to++;
      int st = run_pipelined(db, b, i, to);
      if (st == STORE_EUNAVAILABLE || st == STORE_ERETRY) return -1;
      if (st) {
        log_event(LOG_INFO, "desk_batch_rerun", "jobs=%d status=%d error=\"%s\"", b->n, st,
                  db_last_error(db));
        db_clear_failure(db);
        b->redo = 1;
        return -1;
      }
      i = to - 1;
      continue;
    }
    if (db_exec(db, "SAVEPOINT job", 0, NULL, NULL)) return -1;
    j->status = run_job(db, j);
    if (j->status == STORE_EUNAVAILABLE || j->status == STORE_ERETRY) return -1;
    if (j->status) {
      log_event(j->want_done ? LOG_ERROR : LOG_WARN, "desk_write_failed", "status=%d error=\"%s\"",
                j->status, db_last_error(db));
      db_clear_failure(db);
      if (db_exec(db, "ROLLBACK TO SAVEPOINT job", 0, NULL, NULL)) return -1;
    } else if (db_exec(db, "RELEASE SAVEPOINT job", 0, NULL, NULL)) {
      return -1;
    }
  }
  return 0;
}

/* Moves jobs from the queue (head, tail) into the batch, up to its size. */
static void take_queue(struct desk_job **head, struct desk_job **tail, struct batch *b) {
  while (*head && b->n < WRITER_BATCH_MAX) {
    struct desk_job *j = *head;
    *head = j->next;
    j->next = NULL;
    b->jobs[b->n++] = j;
  }
  if (!*head) *tail = NULL;
}

/* Takes what a shard has queued (urgent jobs first), up to a batch. Under w->lock. */
static void take_batch(struct shard *sh, struct batch *b) {
  b->n = 0;
  take_queue(&sh->uhead, &sh->utail, b);
  take_queue(&sh->head, &sh->tail, b);
}

static void *shard_main(void *arg) {
  struct shard *sh = arg;
  struct desk_writer *w = sh->w;
  struct db *db = app_db(w->app);
  struct batch *b = sh->batch;
  for (;;) {
    pthread_mutex_lock(&w->lock);
    while (!sh->head && !sh->uhead && !w->stop) pthread_cond_wait(&sh->more, &w->lock);
    if (!sh->head && !sh->uhead) { /* stop requested and nothing left */
      pthread_mutex_unlock(&w->lock);
      break;
    }
    take_batch(sh, b);
    pthread_mutex_unlock(&w->lock);
    int body = 0;
    b->careful = b->redo = 0;
    int st = db ? db_tx(db, DB_READ_COMMITTED, batch_tx, b, &body) : STORE_EUNAVAILABLE;
    if (st == STORE_EABORT && b->redo) { /* nothing committed: again, one savepoint a job */
      b->careful = 1;
      st = db_tx(db, DB_READ_COMMITTED, batch_tx, b, &body);
    }
    if (st == STORE_EABORT) st = STORE_EUNAVAILABLE;
    if (st) { /* nothing of the batch was committed */
      log_event(LOG_ERROR, "desk_batch_failed", "jobs=%d status=%d error=\"%s\"", b->n, st,
                db ? db_last_error(db) : "no connection");
      for (int i = 0; i < b->n; i++) b->jobs[i]->status = st;
    }
    pthread_mutex_lock(&w->lock);
    w->backlog -= b->n;
    int wake = 0;
    for (int i = 0; i < b->n; i++) {
      struct desk_job *j = b->jobs[i];
      if (!j->want_done) continue;
      if (w->done_tail) w->done_tail->next = j;
      else w->done_head = j;
      w->done_tail = j;
      wake = 1;
    }
    pthread_mutex_unlock(&w->lock);
    for (int i = 0; i < b->n; i++)
      if (!b->jobs[i]->want_done) desk_job_free(b->jobs[i]);
    if (wake) w->wake(w->wake_arg);
  }
  app_db_release();
  return NULL;
}

static void free_writer(struct desk_writer *w) {
  for (int i = 0; i < w->nshards; i++) {
    pthread_cond_destroy(&w->shards[i].more);
    free(w->shards[i].batch);
  }
  pthread_mutex_destroy(&w->lock);
  free(w);
}

struct desk_writer *desk_writer_start(struct app *app, int nshards, void (*wake)(void *),
                                      void *wake_arg) {
  if (nshards < 1 || nshards > DESK_WRITER_SHARDS_MAX) return NULL;
  struct desk_writer *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->app = app;
  w->wake = wake;
  w->wake_arg = wake_arg;
  pthread_mutex_init(&w->lock, NULL);
  for (; w->nshards < nshards; w->nshards++) {
    struct shard *sh = &w->shards[w->nshards];
    sh->w = w;
    pthread_cond_init(&sh->more, NULL);
    sh->batch = malloc(sizeof *sh->batch);
    if (!sh->batch) {
      w->nshards++;
      desk_writer_stop(w);
      return NULL;
    }
  }
  for (int i = 0; i < nshards; i++) {
    struct shard *sh = &w->shards[i];
    if (pthread_create(&sh->thread, NULL, shard_main, sh) != 0) {
      desk_writer_stop(w); /* joins the ones started */
      return NULL;
    }
    sh->started = 1;
  }
  return w;
}

void desk_writer_post(struct desk_writer *w, struct desk_job *j) {
  struct shard *sh = &w->shards[j->shard % (unsigned)w->nshards];
  pthread_mutex_lock(&w->lock);
  j->next = NULL;
  struct desk_job **head = j->urgent ? &sh->uhead : &sh->head,
                  **tail = j->urgent ? &sh->utail : &sh->tail;
  if (*tail) (*tail)->next = j;
  else *head = j;
  *tail = j;
  w->backlog++;
  pthread_cond_signal(&sh->more);
  pthread_mutex_unlock(&w->lock);
}

struct desk_job *desk_writer_take_done(struct desk_writer *w) {
  pthread_mutex_lock(&w->lock);
  struct desk_job *j = w->done_head;
  w->done_head = w->done_tail = NULL;
  pthread_mutex_unlock(&w->lock);
  return j;
}

int desk_writer_backlog(struct desk_writer *w) {
  pthread_mutex_lock(&w->lock);
  int n = w->backlog;
  pthread_mutex_unlock(&w->lock);
  return n;
}

void desk_writer_stop(struct desk_writer *w) {
  if (!w) return;
  pthread_mutex_lock(&w->lock);
  w->stop = 1;
  for (int i = 0; i < w->nshards; i++) pthread_cond_signal(&w->shards[i].more);
  pthread_mutex_unlock(&w->lock);
  for (int i = 0; i < w->nshards; i++)
    if (w->shards[i].started) pthread_join(w->shards[i].thread, NULL);
  struct desk_job *j = desk_writer_take_done(w);
  while (j) {
    struct desk_job *n = j->next;
    desk_job_free(j);
    j = n;
  }
  free_writer(w);
}
