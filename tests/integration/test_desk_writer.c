/* The desk writer against the suite's real PostgreSQL: group commit of pipelined jobs, a
 * job's failure isolated to itself (the careful rerun), body (fn) jobs between pipelined
 * ones, and completions handed back only after COMMIT. Each case uses a table of its own. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "db.h"
#include "desk_fill_job.h"
#include "desk_writer.h"
#include "itest_db.h"
#include "testlib.h"

struct fixture {
  struct app app;
  struct db *db; /* the test's own connection, to set up and to check */
  struct desk_writer *w;
  char table[64];
  pthread_mutex_t lock;
  pthread_cond_t woke;
  int wakes;
};

static void wake(void *arg) {
  struct fixture *f = arg;
  pthread_mutex_lock(&f->lock);
  f->wakes++;
  pthread_cond_signal(&f->woke);
  pthread_mutex_unlock(&f->lock);
}

static void sql(struct fixture *f, const char *fmt) {
  char text[512];
  snprintf(text, sizeof text, fmt, f->table, f->table);
  REQUIRE(db_exec(f->db, text, 0, NULL, NULL) == STORE_OK);
}

static int setup_sharded(struct fixture *f, const char *table, int shards) {
  memset(f, 0, sizeof *f);
  f->db = itest_db_open();
  if (!f->db) return -1;
  itest_db_url(f->app.conninfo, sizeof f->app.conninfo);
  snprintf(f->table, sizeof f->table, "%s", table);
  sql(f, "DROP TABLE IF EXISTS %s");
  sql(f, "CREATE TABLE %s (id int PRIMARY KEY, v text NOT NULL)");
  pthread_mutex_init(&f->lock, NULL);
  pthread_cond_init(&f->woke, NULL);
  f->w = desk_writer_start(&f->app, shards, wake, f);
  return f->w ? 0 : -1;
}


static void teardown(struct fixture *f) {
  desk_writer_stop(f->w);
  sql(f, "DROP TABLE IF EXISTS %s");
  db_free(f->db);
  pthread_cond_destroy(&f->woke);
  pthread_mutex_destroy(&f->lock);
}

/* Statement texts must outlive the jobs: they are built once per table. */
struct texts {
  char insert[160], update_one[160], missing[160];
};

static void make_texts(struct texts *t, const char *table) {
  snprintf(t->insert, sizeof t->insert, "INSERT INTO %s (id, v) VALUES ($1::int, $2)", table);
  snprintf(t->update_one, sizeof t->update_one,
           "UPDATE %s SET v = v || '+' WHERE id = $1::int RETURNING id", table);
  snprintf(t->missing, sizeof t->missing, "UPDATE %s SET v = 'x' WHERE id = -1 RETURNING id",
           table);
}

/* The fixture and statement texts of a case; -1 (after saying SKIP) without a database. */
static int begin(struct fixture *f, struct texts *t, const char *table, int shards) {
  if (setup_sharded(f, table, shards)) {
    printf("SKIP: no suite database\n");
    return -1;
  }
  make_texts(t, f->table);
  return 0;
}

static struct desk_job *insert_job(const struct texts *t, int id, int want_done) {
  struct desk_job *j = desk_job_new(want_done);
  char ids[16];
  snprintf(ids, sizeof ids, "%d", id);
  const char *p[] = {ids, "a"};
  if (!j || desk_job_stmt(j, t->insert, 2, p, 0) != 0) abort(); /* out of memory */
  j->tag = (uint64_t)id;
  return j;
}

/* Collects n completions into out (waits at most 30 s; missing ones stay NULL). */
static void take(struct fixture *f, int n, struct desk_job **out, int cap) {
  int got = 0;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 30;
  memset(out, 0, (size_t)cap * sizeof *out);
  while (got < n) {
    for (struct desk_job *j = desk_writer_take_done(f->w); j; j = j->next) {
      REQUIRE(got < cap);
      out[got++] = j;
    }
    if (got >= n) break;
    pthread_mutex_lock(&f->lock);
    int rc = 0;
    if (!f->wakes) rc = pthread_cond_timedwait(&f->woke, &f->lock, &until);
    f->wakes = 0;
    pthread_mutex_unlock(&f->lock);
    if (rc) break; /* timed out: the checks then fail on the missing completions */
  }
}

/* Collects n completions and checks each one's tag (FIFO order) and status. */
static void expect_done(struct fixture *f, const int (*want)[2], int n) {
  struct desk_job *done[16];
  REQUIRE(n <= 16);
  take(f, n, done, 16);
  for (int i = 0; i < n; i++) {
    REQUIRE(done[i]);
    CHECK_INT_EQ((int)done[i]->tag, want[i][0]);
    CHECK_INT_EQ(done[i]->status, want[i][1]);
    desk_job_free(done[i]);
  }
}

static long count(struct fixture *f, const char *where) {
  char text[256];
  snprintf(text, sizeof text, "SELECT count(*) FROM %s WHERE %s", f->table, where);
  struct pg_result *r = NULL;
  if (db_exec(f->db, text, 0, NULL, &r) != STORE_OK) return -1;
  long n = atol(db_value(r, 0, 0));
  db_result_free(r);
  return n;
}

/* A body that holds the writer for a moment, so what is posted meanwhile forms one batch. */
static int hold_writer(struct db *db, struct desk_job *j) {
  (void)db;
  (void)j;
  usleep(300 * 1000);
  return STORE_OK;
}

static int body_insert(struct db *db, struct desk_job *j) {
  const char **p = j->fn_in; /* {sql, id, v} */
  return db_exec(db, p[0], 2, p + 1, NULL);
}

static void post_hold(struct fixture *f) {
  struct desk_job *h = desk_job_new(0);
  REQUIRE(h);
  h->fn = hold_writer;
  desk_writer_post(f->w, h);
  usleep(50 * 1000); /* the writer has taken it */
}

TEST(pipelined_batch_commits_every_job_before_its_completion) {
  struct fixture f;
  struct texts t;
  if (begin(&f, &t, "desk_writer_probe_batch", 1)) return;
  post_hold(&f);
  /* 2 500 audit rows (nobody waits) and 100 fills (3 statements each, one expecting a row) */
  for (int i = 0; i < 2500; i++) desk_writer_post(f.w, insert_job(&t, i, 0));
  for (int i = 0; i < 100; i++) {
    struct desk_job *j = insert_job(&t, 100000 + i, 1);
    char ids[16];
    snprintf(ids, sizeof ids, "%d", 100000 + i);
    const char *p[] = {ids};
    REQUIRE(desk_job_stmt(j, t.update_one, 1, p, 1) == 0);
    REQUIRE(desk_job_stmt(j, t.update_one, 1, p, 1) == 0);
    j->urgent = i % 2;
    desk_writer_post(f.w, j);
  }
  static struct desk_job *done[128];
  take(&f, 100, done, 128);
  for (int i = 0; i < 100; i++) {
    REQUIRE(done[i]);
    CHECK_INT_EQ(done[i]->status, STORE_OK);
    /* reported only after COMMIT: another connection already sees the row */
    char where[64];
    snprintf(where, sizeof where, "id = %d AND v = 'a++'", (int)done[i]->tag);
    CHECK_INT_EQ(count(&f, where), 1);
    desk_job_free(done[i]);
  }
  desk_writer_stop(f.w); /* runs what is queued */
  f.w = NULL;
  CHECK_INT_EQ(count(&f, "id < 100000"), 2500);
  CHECK_INT_EQ(count(&f, "true"), 2600);
  teardown(&f);
}

TEST(a_failing_job_is_rolled_back_alone) {
  struct fixture f;
  struct texts t;
  if (begin(&f, &t, "desk_writer_probe_isolated", 1)) return;
  sql(&f, "INSERT INTO %s VALUES (7, 'old')");
  post_hold(&f);
  desk_writer_post(f.w, insert_job(&t, 1, 1));
  desk_writer_post(f.w, insert_job(&t, 7, 1)); /* duplicate key */
  desk_writer_post(f.w, insert_job(&t, 2, 0)); /* an audit row after it */
  struct desk_job *miss = insert_job(&t, 3, 1);  /* its insert must be undone with it */
  REQUIRE(desk_job_stmt(miss, t.missing, 0, NULL, 1) == 0);
  desk_writer_post(f.w, miss);
  desk_writer_post(f.w, insert_job(&t, 4, 1));
  static const int want[][2] = {{1, STORE_OK}, {7, STORE_ECONFLICT}, {3, STORE_ECONFLICT}, {4, STORE_OK}};
  expect_done(&f, want, 4); /* FIFO */
  CHECK_INT_EQ(count(&f, "id IN (1, 2, 4)"), 3);
  CHECK_INT_EQ(count(&f, "id = 3"), 0);
  CHECK_INT_EQ(count(&f, "id = 7 AND v = 'old'"), 1);
  /* a batch whose only failure is a row count (no SQL error aborts the transaction) */
  post_hold(&f);
  desk_writer_post(f.w, insert_job(&t, 5, 1));
  miss = insert_job(&t, 6, 1);
  REQUIRE(desk_job_stmt(miss, t.missing, 0, NULL, 1) == 0);
  desk_writer_post(f.w, miss);
  desk_writer_post(f.w, insert_job(&t, 8, 1));
  static const int want2[][2] = {{5, STORE_OK}, {6, STORE_ECONFLICT}, {8, STORE_OK}};
  expect_done(&f, want2, 3); /* FIFO */
  CHECK_INT_EQ(count(&f, "id IN (5, 8)"), 2);
  CHECK_INT_EQ(count(&f, "id = 6"), 0);
  teardown(&f);
}

TEST(body_jobs_run_in_order_between_pipelined_jobs) {
  struct fixture f;
  struct texts t;
  if (begin(&f, &t, "desk_writer_probe_bodies", 1)) return;
  post_hold(&f);
  static const char *ok_in[] = {NULL, "11", "body"};
  static const char *dup_in[] = {NULL, "10", "dup"}; /* job 10's key: the body fails */
  ok_in[0] = dup_in[0] = t.insert;
  desk_writer_post(f.w, insert_job(&t, 10, 1));
  struct desk_job *b1 = desk_job_new(1);
  b1->fn = body_insert;
  b1->fn_in = ok_in;
  b1->tag = 11;
  desk_writer_post(f.w, b1);
  desk_writer_post(f.w, insert_job(&t, 12, 1));
  struct desk_job *b2 = desk_job_new(1);
  b2->fn = body_insert;
  b2->fn_in = dup_in;
  b2->tag = 13;
  desk_writer_post(f.w, b2);
  desk_writer_post(f.w, insert_job(&t, 14, 1));
  static const int want[][2] = {{10, STORE_OK}, {11, STORE_OK}, {12, STORE_OK}, {13, STORE_ECONFLICT},
                   {14, STORE_OK}};
  expect_done(&f, want, 5); /* FIFO */
  CHECK_INT_EQ(count(&f, "true"), 4);
  CHECK_INT_EQ(count(&f, "id = 11 AND v = 'body'"), 1);
  CHECK_INT_EQ(count(&f, "id = 10 AND v = 'a'"), 1);
  teardown(&f);
}

/* Two shards (threads, connections): jobs of one key stay in order, all are committed, and
 * each completion comes back once. Key k's jobs insert then update its rows in sequence, so a
 * reordering would fail the update's row count. */
TEST(shards_keep_each_keys_order_and_lose_nothing) {
  struct fixture f;
  struct texts t;
  if (begin(&f, &t, "desk_writer_probe_shards", 2)) return;
  enum { KEYS = 8, PER_KEY = 50 };
  for (int n = 0; n < PER_KEY; n++)
    for (int k = 0; k < KEYS; k++) {
      int id = k * 1000 + n;
      struct desk_job *j = insert_job(&t, id, 1);
      if (n > 0) { /* the previous row of this key must already be there */
        char prev[16];
        snprintf(prev, sizeof prev, "%d", id - 1);
        const char *p[] = {prev};
        REQUIRE(desk_job_stmt(j, t.update_one, 1, p, 1) == 0);
      }
      j->shard = (unsigned)k;
      desk_writer_post(f.w, j);
    }
  static struct desk_job *done[KEYS * PER_KEY + 1];
  take(&f, KEYS * PER_KEY, done, KEYS * PER_KEY + 1);
  int ok = 0, last[KEYS];
  for (int k = 0; k < KEYS; k++) last[k] = -1;
  for (int i = 0; i < KEYS * PER_KEY; i++) {
    REQUIRE(done[i]);
    int id = (int)done[i]->tag, k = id / 1000, n = id % 1000;
    CHECK(n > last[k]); /* a key's completions in its order */
    last[k] = n;
    ok += done[i]->status == STORE_OK;
    desk_job_free(done[i]);
  }
  CHECK_INT_EQ(ok, KEYS * PER_KEY);
  CHECK_INT_EQ(count(&f, "true"), KEYS * PER_KEY);
  CHECK_INT_EQ(count(&f, "v = 'a+'"), KEYS * (PER_KEY - 1));
  teardown(&f);
}

/* The set-based form: a batch's jobs of one bulk_sql run as that one statement (their rows
 * say "bulk"); when it refuses (a duplicate key here), the batch is rerun with each job's own
 * statements (rows "a"), and only the bad job fails. */
static char bulk_text[512];

static struct desk_job *bulk_job(const struct texts *t, int id) {
  struct desk_job *j = insert_job(t, id, 1);
  char row[64];
  snprintf(row, sizeof row, "{\"id\":%d,\"v\":\"bulk\"}", id);
  j->bulk_sql = bulk_text;
  j->bulk_row = strdup(row);
  return j;
}

TEST(bulk_jobs_run_as_one_statement_and_fall_back_to_their_own) {
  struct fixture f;
  struct texts t;
  if (begin(&f, &t, "desk_writer_probe_bulk", 1)) return;
  snprintf(bulk_text, sizeof bulk_text,
           "WITH i AS (INSERT INTO %s (id, v) SELECT id, v FROM jsonb_to_recordset($1::JSONB)"
           " AS x(id int, v text) RETURNING 1) SELECT 1 WHERE (SELECT count(*) FROM i) > 0",
           f.table);
  post_hold(&f);
  desk_writer_post(f.w, bulk_job(&t, 1));
  desk_writer_post(f.w, insert_job(&t, 2, 1)); /* a plain job between them */
  desk_writer_post(f.w, bulk_job(&t, 3));
  static const int all_ok[][2] = {{1, STORE_OK}, {2, STORE_OK}, {3, STORE_OK}};
  expect_done(&f, all_ok, 3);
  CHECK_INT_EQ(count(&f, "id IN (1, 3) AND v = 'bulk'"), 2);
  CHECK_INT_EQ(count(&f, "id = 2 AND v = 'a'"), 1);
  post_hold(&f);
  desk_writer_post(f.w, bulk_job(&t, 4));
  desk_writer_post(f.w, bulk_job(&t, 1)); /* duplicate: the bulk statement refuses */
  desk_writer_post(f.w, bulk_job(&t, 5));
  static const int want[][2] = {{4, STORE_OK}, {1, STORE_ECONFLICT}, {5, STORE_OK}};
  expect_done(&f, want, 3); /* FIFO */
  CHECK_INT_EQ(count(&f, "id IN (4, 5) AND v = 'a'"), 2); /* their own statements */
  CHECK_INT_EQ(count(&f, "id = 1 AND v = 'bulk'"), 1);    /* the first one untouched */
  teardown(&f);
}

/* The desk's own set-based fill statement (desk_fill_job.h) on the suite's schema: two fills
 * of one vault's auction go in as one statement with every row and sum right, and a quote
 * that is not open makes it refuse (so the writer falls back to each fill's statements). */
static int exec_ok(struct db *db, const char *sql) { return db_exec(db, sql, 0, NULL, NULL) == STORE_OK; }

static const char *fill_value(struct db *db, const char *sql, char *out, size_t cap) {
  struct pg_result *r = NULL;
  out[0] = 0;
  if (db_exec(db, sql, 0, NULL, &r) == STORE_OK) snprintf(out, cap, "%s", db_value(r, 0, 0));
  db_result_free(r);
  return out;
}

static char *two_fill_rows(uint64_t first_quote) {
  struct desk_fill_row r = {
      .rfq_id = 0, .auction_id = 990001, .vault_id = "dw-vault", .maker_id = "dw-maker",
      .label = "l\"q", .legs = "[{\"instrument_name\":\"BTC-20230303-56000-P\",\"direction\":\"sell\"}]",
      .amount = 200000000, .credit = 250000000, .premium = 500000000, .mark_credit = 240000000,
      .expiry_ms = 1677226200000, .quote_created_ms = 1677225580000, .rfq_amount = 200000000,
      .rfq_created_ms = 1677225580000, .rfq_valid_until = 1677225640000, .business_ms = 1677225600000};
  char *text = malloc(4096);
  size_t n = 0;
  text[n++] = '[';
  for (int k = 0; k < 2; k++) {
    r.quote_id = r.rfq_id = first_quote + (uint64_t)k;
    r.nonce = (long long)(first_quote + (uint64_t)k);
    struct desk_job *j = desk_fill_job_new(&r);
    if (!j || !j->bulk_row) abort();
    n += (size_t)snprintf(text + n, 4096 - n, "%s%s", k ? "," : "", j->bulk_row);
    desk_job_free(j);
  }
  text[n++] = ']';
  text[n] = 0;
  return text;
}

static int bulk_tx(struct db *db, void *arg) {
  const char *p[] = {arg};
  struct pg_result *r = NULL;
  int st = db_exec(db, desk_fill_bulk_sql, 1, p, &r);
  int rows = st ? -1 : db_rows(r);
  db_result_free(r);
  return rows == 1 ? 0 : 1;
}

TEST(the_desks_set_based_fill_statement_writes_every_row_and_sum) {
  struct db *db = itest_db_open();
  if (!db) {
    printf("SKIP: no suite database\n");
    return;
  }
  REQUIRE(exec_ok(db, "INSERT INTO accounts(id, roles, api_key, secret_box, created_at_ms) VALUES"
                      " ('dw-maker', ARRAY['maker'], 'dw-maker-api-key-000000', 'unused', 0)"));
  REQUIRE(exec_ok(db, "INSERT INTO vaults(id, kind, asset, asset_decimals, decimals_offset,"
                      " fee_accrued_ms, created_at_ms) VALUES ('dw-vault', 'covered_put_spread',"
                      " 'LBTC', 8, 0, 0, 0)"));
  REQUIRE(exec_ok(db, "INSERT INTO auctions(id, vault_id, legs, total_amount, started_ms,"
                      " hard_stop_ms) VALUES (990001, 'dw-vault', '[]', 1000000000, 1677225600000,"
                      " 1677229200000)"));
  REQUIRE(exec_ok(db, "INSERT INTO vault_cycles(vault_id, cycle_no, stage_since_ms, next_ms,"
                      " updated_ms) VALUES ('dw-vault', 3, 0, 0, 0)"));
  char *rows = two_fill_rows(990100);
  int fn = 0;
  CHECK_INT_EQ(db_tx(db, DB_READ_COMMITTED, bulk_tx, rows, &fn), STORE_OK);
  free(rows);
  char v[128];
  CHECK_STR_EQ(fill_value(db, "SELECT count(*) || '|' || sum(premium) || '|' || min(cycle_no) || '|' ||"
                              " min(kind) FROM fills WHERE vault_id = 'dw-vault'", v, sizeof v),
               "2|1000000000|3|spread");
  CHECK_STR_EQ(fill_value(db, "SELECT sold_amount FROM auctions WHERE id = 990001", v, sizeof v),
               "400000000");
  CHECK_STR_EQ(fill_value(db, "SELECT usdc_balance || '|' || open_spreads FROM vaults"
                              " WHERE id = 'dw-vault'", v, sizeof v),
               "1000000000|400000000");
  CHECK_STR_EQ(fill_value(db, "SELECT premium FROM vault_cycles WHERE vault_id = 'dw-vault'", v,
                          sizeof v),
               "1000000000");
  CHECK_STR_EQ(fill_value(db, "SELECT string_agg(status || ':' || label, ',' ORDER BY id) FROM quotes"
                              " WHERE id IN (990100, 990101)", v, sizeof v),
               "filled:l\"q,filled:l\"q");
  /* the same quotes again: not open any more, so the statement refuses and nothing moves */
  rows = two_fill_rows(990100);
  int st = db_tx(db, DB_READ_COMMITTED, bulk_tx, rows, &fn);
  CHECK(st == STORE_EABORT || st == STORE_ECONFLICT); /* no row back, or the fills' unique key */
  free(rows);
  CHECK_STR_EQ(fill_value(db, "SELECT sold_amount FROM auctions WHERE id = 990001", v, sizeof v),
               "400000000");
  db_free(db);
}
