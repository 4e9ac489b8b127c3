/* oracle_sim: seeded GBM spot, flat surface and settlements for the demo and load tests. */
#include "oracle_sim.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "db.h"
#include "gbm.h"
#include "log.h"
#include "oracles.h"
#include "params.h"
#include "routes.h"
#include "to_money.h"

#define SIM_TICK_MS 250

struct sim_underlying {
  char symbol[16];
  double S, vol, iv, rate;
  int64_t listed[PRICING_MATURITIES_MAX]; /* maturities listed at the last tick */
  size_t nlisted;
};

struct oracle_sim {
  struct app *app;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  int stop;
  struct pricing_rng rng;
  struct sim_underlying u[ORACLE_MAX_UNDERLYINGS];
  size_t n;
  int64_t last_ms;
};

static void settle_passed(struct oracle_sim *s, struct sim_underlying *u, int64_t now,
                          money_u128 spot) {
  for (size_t i = 0; i < u->nlisted; i++) {
    if (u->listed[i] > now) continue;
    money_u128 standing;
    if (oracles_settlement(s->app->oracles, u->symbol, u->listed[i], &standing) == ORACLE_OK)
      continue;
    int conflict = 0;
    int st = oracle_publish_settlement(s->app, app_db(s->app), u->symbol, u->listed[i], spot,
                                       NULL, now, &standing, &conflict);
    if (st)
      log_event(LOG_WARN, "sim_settlement_failed", "underlying=%s expiry_ms=%lld status=%d",
                u->symbol, (long long)u->listed[i], st);
    else
      log_event(LOG_INFO, "sim_settlement", "underlying=%s expiry_ms=%lld", u->symbol,
                (long long)u->listed[i]);
  }
}

static void tick(struct oracle_sim *s) {
  int64_t now = clock_now_ms(&s->app->clock);
  double dt = s->last_ms ? (double)(now - s->last_ms) / (PRICING_SECONDS_PER_YEAR * 1000.0) : 0;
  s->last_ms = now;
  for (size_t i = 0; i < s->n; i++) {
    struct sim_underlying *u = &s->u[i];
    u->S = pricing_gbm_step(u->S, u->vol, dt, pricing_rng_normal(&s->rng));
    money_u128 spot;
    if (pricing_to_money_down(u->S, ORACLE_PRICE_DECIMALS, &spot) || spot == 0) continue;
    settle_passed(s, u, now, spot);
    if (oracles_set_spot(s->app->oracles, u->symbol, spot, now)) continue;
    int64_t ms[PRICING_MATURITIES_MAX];
    size_t n = 0;
    if (pricing_maturities(now, ms, PRICING_MATURITIES_MAX, &n)) n = 0;
    for (size_t k = 0; k < n; k++) {
      struct oracle_slice_in in = {ms[k], 1, u->iv, 0, 0, 0, u->rate};
      const char *reason = NULL;
      if (oracles_set_slice(s->app->oracles, u->symbol, &in, now, &reason))
        log_event(LOG_WARN, "sim_surface_refused", "underlying=%s reason=%s", u->symbol,
                  reason ? reason : "-");
    }
    memcpy(u->listed, ms, n * sizeof ms[0]);
    u->nlisted = n;
  }
}

static void *run(void *arg) {
  struct oracle_sim *s = arg;
  pthread_mutex_lock(&s->lock);
  while (!s->stop) {
    pthread_mutex_unlock(&s->lock);
    tick(s);
    pthread_mutex_lock(&s->lock);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += SIM_TICK_MS * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    if (!s->stop) pthread_cond_timedwait(&s->wake, &s->lock, &until);
  }
  pthread_mutex_unlock(&s->lock);
  app_db_release();
  return NULL;
}

struct oracle_sim *oracle_sim_start(struct app *app, char *err, size_t errcap) {
  json_t *cfg = app->config->oracle;
  if (!json_is_true(json_object_get(cfg, "simulated"))) return NULL;
  struct oracle_sim *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errcap, "out of memory");
    return NULL;
  }
  s->app = app;
  json_t *seed = json_object_get(cfg, "seed");
  pricing_rng_seed(&s->rng, seed ? (uint64_t)json_integer_value(seed) : 42);
  const char *sym;
  json_t *u;
  json_object_foreach(json_object_get(cfg, "underlyings"), sym, u) {
    if (s->n == ORACLE_MAX_UNDERLYINGS) break;
    struct sim_underlying *x = &s->u[s->n++];
    snprintf(x->symbol, sizeof x->symbol, "%s", sym);
    x->S = param_cfg_real(u, "spot", 1000);
    x->vol = param_cfg_real(u, "vol", 0.6);
    x->iv = param_cfg_real(u, "iv", x->vol);
    x->rate = param_cfg_real(u, "rate", 0.0);
  }
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&s->wake, &attr);
  pthread_condattr_destroy(&attr);
  pthread_mutex_init(&s->lock, NULL);
  if (pthread_create(&s->thread, NULL, run, s) != 0) {
    snprintf(err, errcap, "cannot start the simulated oracle thread");
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return NULL;
  }
  log_event(LOG_INFO, "oracle_sim_started", "underlyings=%zu", s->n);
  return s;
}

void oracle_sim_stop(struct oracle_sim *s) {
  if (!s) return;
  pthread_mutex_lock(&s->lock);
  s->stop = 1;
  pthread_cond_signal(&s->wake);
  pthread_mutex_unlock(&s->lock);
  pthread_join(s->thread, NULL);
  pthread_cond_destroy(&s->wake);
  pthread_mutex_destroy(&s->lock);
  free(s);
}
