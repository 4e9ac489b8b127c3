/* fill_bench: committed fills per second through the RFQ desk's real durable write path
 * (api/desk_writer: group commit on its shards' threads and connections), with the jobs
 * api/desk.c execute() posts for a spread lot, built by the same builder (desk_fill_job): the
 * RFQ upsert, the quote upsert (must return its row), the fill insert (kind spread, the
 * vault's cycle number), the auction's sold amount and the vault's book (each must change one
 * row), the cycle's premium; in the writer's fast path, all of a batch's as one statement. A fill counts only once it came back through desk_writer_take_done with status 0,
 * i.e. after its COMMIT, which is when the desk tells the maker. As in the desk, a vault has
 * at most one lot executing at a time: VAULTS vaults, each with one fill in flight, the next
 * posted as soon as the previous one is back (so up to VAULTS jobs are queued at once).
 * Measures for SECONDS after a warm-up.
 *
 * The database must hold the schema (optdesk migrate) and the rows the foreign keys need:
 * the account MAKER, the vaults PREFIX0 .. PREFIX<VAULTS-1> with their vault_cycles rows and
 * their running auctions, ids 1 .. VAULTS (total_amount large enough for every fill), see
 * bench/run.
 *
 * Usage: fill_bench CONNINFO SECONDS VAULTS PREFIX MAKER [WARMUP_S] [WRITERS]
 * WRITERS: the writer's shards (threads and connections), 2 as optdesk's desk.writers default.
 * Prints: fill_bench committed=… per_s=… failed=… vaults=… p50_ms=… p99_ms=… */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "desk_fill_job.h"
#include "desk_writer.h"

#define FB_LOT ((money_u128)200000000)     /* 2 spreads, 8 decimals */
#define FB_CREDIT ((money_u128)250000000)  /* 250 USD per spread, 6 decimals */
#define FB_PREMIUM ((money_u128)500000000) /* credit × spreads */
#define FB_MARK ((money_u128)240000000)
#define FB_LEGS                                                                               \
  "[{\"instrument_name\":\"BTC-20230303-56000-P\",\"direction\":\"sell\",\"amount\":\"2\","   \
  "\"price\":\"450\"},{\"instrument_name\":\"BTC-20230303-54000-P\",\"direction\":\"buy\","   \
  "\"amount\":\"2\",\"price\":\"200\"}]"

struct fb_wake {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int ready;
};

static void fb_on_wake(void *arg) {
  struct fb_wake *w = arg;
  pthread_mutex_lock(&w->lock);
  w->ready = 1;
  pthread_cond_signal(&w->cond);
  pthread_mutex_unlock(&w->lock);
}

static int64_t fb_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One spread fill, built by the desk's own builder (api/desk_fill_job.h). */
static struct desk_job *fb_fill_job(uint64_t n, const char *vault, uint64_t auction,
                                    const char *maker, int64_t business_ms) {
  struct desk_fill_row r = {
      .quote_id = n, .rfq_id = n, .auction_id = auction, .vault_id = vault, .maker_id = maker,
      .label = "fill", .legs = FB_LEGS, .amount = FB_LOT, .credit = FB_CREDIT, .max_fee = 0,
      .premium = FB_PREMIUM, .mark_credit = FB_MARK, .nonce = (long long)n,
      .expiry_ms = business_ms + 600000, .quote_created_ms = business_ms - 20000,
      .rfq_amount = FB_LOT, .rfq_created_ms = business_ms - 20000,
      .rfq_valid_until = business_ms + 40000, .business_ms = business_ms};
  return desk_fill_job_new(&r);
}

static int fb_cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static uint32_t fb_pct(const uint32_t *v, size_t n, double p) {
  if (!n) return 0;
  size_t i = (size_t)(p * (double)(n - 1) + 0.5);
  return v[i < n ? i : n - 1];
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: fill_bench CONNINFO SECONDS VAULTS PREFIX MAKER [WARMUP_S]\n");
    return 2;
  }
  double seconds = atof(argv[2]), warmup = argc > 6 ? atof(argv[6]) : 1.0;
  int nvaults = atoi(argv[3]), writers = argc > 7 ? atoi(argv[7]) : 2;
  const char *prefix = argv[4], *maker = argv[5];
  if (seconds <= 0 || seconds > 600 || warmup < 0 || warmup > 60 || nvaults < 1 || nvaults > 10000 ||
      strlen(prefix) > 40 || writers < 1 || writers > DESK_WRITER_SHARDS_MAX) {
    fprintf(stderr, "fill_bench: bad SECONDS, WARMUP_S, VAULTS, PREFIX or WRITERS\n");
    return 2;
  }
  static struct app app; /* the writer reaches only app->conninfo (app_db) */
  snprintf(app.conninfo, sizeof app.conninfo, "%s", argv[1]);
  struct fb_wake wk;
  pthread_mutex_init(&wk.lock, NULL);
  pthread_cond_init(&wk.cond, NULL);
  wk.ready = 0;
  struct desk_writer *w = desk_writer_start(&app, writers, fb_on_wake, &wk);
  if (!w) {
    fprintf(stderr, "fill_bench: desk_writer_start failed\n");
    return 1;
  }
  size_t cap = 1u << 20, nlat = 0;
  uint32_t *lat = malloc(cap * sizeof *lat);
  int64_t *posted_at = NULL;
  size_t posted_cap = 0;
  uint64_t next = 1, committed = 0, failed = 0, posted = 0, done_total = 0;
  int64_t t0 = fb_now_us(), m0 = t0 + (int64_t)(warmup * 1e6), m1 = m0 + (int64_t)(seconds * 1e6);
  int64_t business = 1677225600000LL;
  int rc = 0;
  int *idle = malloc((size_t)nvaults * sizeof *idle), nidle = nvaults; /* vaults with no fill in flight */
  if (!idle) return 1;
  for (int k = 0; k < nvaults; k++) idle[k] = nvaults - 1 - k;
  for (;;) {
    int64_t now = fb_now_us();
    int sending = now < m1;
    while (sending && nidle > 0) {
      int k = idle[nidle - 1];
      char vault[64];
      snprintf(vault, sizeof vault, "%s%d", prefix, k);
      struct desk_job *j = fb_fill_job(next, vault, (uint64_t)k + 1, maker, business);
      if (!j) {
        fprintf(stderr, "fill_bench: cannot build a job\n");
        rc = 1;
        sending = 0;
        break;
      }
      if (next >= posted_cap) { /* post times by fill number, for the commit latency */
        size_t ncap = posted_cap ? posted_cap * 2 : 1u << 16;
        int64_t *n = realloc(posted_at, ncap * sizeof *n);
        if (!n) {
          desk_job_free(j);
          rc = 1;
          sending = 0;
          break;
        }
        posted_at = n;
        posted_cap = ncap;
      }
      j->tag = next;
      j->ctx = (void *)(intptr_t)k; /* the vault */
      j->shard = (unsigned)k;       /* as the desk shards: by vault */
      nidle--;
      posted_at[next] = fb_now_us();
      next++;
      posted++;
      desk_writer_post(w, j);
    }
    if (!sending && posted == done_total) break;
    pthread_mutex_lock(&wk.lock);
    while (!wk.ready) pthread_cond_wait(&wk.cond, &wk.lock);
    wk.ready = 0;
    pthread_mutex_unlock(&wk.lock);
    now = fb_now_us();
    for (struct desk_job *j = desk_writer_take_done(w); j;) {
      struct desk_job *n = j->next;
      done_total++;
      idle[nidle++] = (int)(intptr_t)j->ctx;
      int in_window = now >= m0 && now < m1;
      if (j->status != 0) {
        failed++;
      } else if (in_window) {
        committed++;
        if (nlat == cap) {
          uint32_t *nl = realloc(lat, cap * 2 * sizeof *nl);
          if (nl) {
            lat = nl;
            cap *= 2;
          }
        }
        if (lat && nlat < cap) {
          int64_t us = now - posted_at[j->tag];
          lat[nlat++] = us < 0 ? 0 : us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
        }
      }
      desk_job_free(j);
      j = n;
    }
  }
  desk_writer_stop(w);
  if (lat) qsort(lat, nlat, sizeof *lat, fb_cmp_u32);
  printf("fill_bench committed=%llu per_s=%.0f failed=%llu posted=%llu vaults=%d writers=%d "
         "seconds=%.1f p50_ms=%.2f p99_ms=%.2f\n",
         (unsigned long long)committed, (double)committed / seconds, (unsigned long long)failed,
         (unsigned long long)posted, nvaults, writers, seconds, fb_pct(lat, nlat, 0.5) / 1e3,
         fb_pct(lat, nlat, 0.99) / 1e3);
  free(lat);
  free(posted_at);
  free(idle);
  pthread_cond_destroy(&wk.cond);
  pthread_mutex_destroy(&wk.lock);
  return rc || failed ? 1 : 0;
}
