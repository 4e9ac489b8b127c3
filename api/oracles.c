/* oracles: thread-safe store of spot, surface slices, rates and settlement prices. */
#include "oracles.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asset.h"
#include "calendar.h"
#include "to_money.h"

#define MAX_SETTLEMENTS 1024

struct slice_rec {
  struct oracle_slice_in in;
  int64_t ts;
};

struct settlement_rec {
  int64_t expiry_ms;
  money_u128 price;
};

struct underlying {
  char symbol[16];
  money_u128 spot;
  int64_t spot_ts; /* 0: never set */
  double rate;
  struct slice_rec slices[PRICING_SURFACE_MAX_SLICES];
  size_t nslices;
  struct settlement_rec *settlements;
  size_t nsettlements;
};

struct oracles {
  pthread_mutex_t lock;
  int64_t spot_max_age, surface_max_age;
  struct underlying u[ORACLE_MAX_UNDERLYINGS];
  size_t n;
};

struct oracles *oracles_new(int64_t spot_max_age_ms, int64_t surface_max_age_ms) {
  struct oracles *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  pthread_mutex_init(&o->lock, NULL);
  o->spot_max_age = spot_max_age_ms;
  o->surface_max_age = surface_max_age_ms;
  return o;
}

void oracles_free(struct oracles *o) {
  if (!o) return;
  for (size_t i = 0; i < o->n; i++) free(o->u[i].settlements);
  pthread_mutex_destroy(&o->lock);
  free(o);
}

int64_t oracles_spot_max_age(const struct oracles *o) { return o->spot_max_age; }
int64_t oracles_surface_max_age(const struct oracles *o) { return o->surface_max_age; }

/* The record of a known asset, created on first use (lock held). */
static struct underlying *find(struct oracles *o, const char *sym, int create, int *status) {
  if (!asset_find(sym)) {
    *status = ORACLE_EUNKNOWN;
    return NULL;
  }
  for (size_t i = 0; i < o->n; i++)
    if (strcmp(o->u[i].symbol, sym) == 0) return &o->u[i];
  if (!create) {
    *status = ORACLE_EMISSING;
    return NULL;
  }
  if (o->n == ORACLE_MAX_UNDERLYINGS) {
    *status = ORACLE_EFULL;
    return NULL;
  }
  struct underlying *u = &o->u[o->n++];
  memset(u, 0, sizeof *u);
  snprintf(u->symbol, sizeof u->symbol, "%s", sym);
  return u;
}

int oracles_set_spot(struct oracles *o, const char *underlying, money_u128 price, int64_t now) {
  int st = ORACLE_OK;
  pthread_mutex_lock(&o->lock);
  struct underlying *u = find(o, underlying, 1, &st);
  if (u) {
    u->spot = price;
    u->spot_ts = now;
  }
  pthread_mutex_unlock(&o->lock);
  return u ? ORACLE_OK : st;
}

static void drop_expired(struct underlying *u, int64_t now) {
  size_t k = 0;
  for (size_t i = 0; i < u->nslices; i++)
    if (u->slices[i].in.expiry_ms > now) u->slices[k++] = u->slices[i];
  u->nslices = k;
}

static int cmp_expiry(const void *a, const void *b) {
  int64_t x = ((const struct slice_rec *)a)->in.expiry_ms;
  int64_t y = ((const struct slice_rec *)b)->in.expiry_ms;
  return (x > y) - (x < y);
}

/* The pricing surface of the live slices at `now` (recs sorted by expiry). */
static int build_surface(const struct slice_rec *recs, size_t n, int64_t now,
                         struct pricing_surface *out, const char **reason) {
  struct pricing_ssvi_slice s[PRICING_SURFACE_MAX_SLICES];
  enum pricing_ssvi_reason why = PRICING_SSVI_OK;
  for (size_t i = 0; i < n; i++) {
    double tau = pricing_tau_years(now, recs[i].in.expiry_ms);
    int rc = recs[i].in.flat ? pricing_ssvi_slice_flat(tau, recs[i].in.iv, &s[i], &why)
                             : pricing_ssvi_slice_make(tau, recs[i].in.theta, recs[i].in.psi,
                                                       recs[i].in.rho, &s[i], &why);
    if (rc) {
      if (reason) *reason = pricing_ssvi_reason_str(why);
      return ORACLE_EINVALID;
    }
  }
  pricing_surface_init(out);
  if (n == 0) return ORACLE_OK;
  size_t bad = 0;
  if (pricing_surface_set(out, s, n, &why, &bad)) {
    if (reason) *reason = pricing_ssvi_reason_str(why);
    return ORACLE_EINVALID;
  }
  return ORACLE_OK;
}

int oracles_set_slice(struct oracles *o, const char *underlying, const struct oracle_slice_in *in,
                      int64_t now, const char **reason) {
  if (in->expiry_ms <= now) return ORACLE_EEXPIRED;
  if (!isfinite(in->rate) || fabs(in->rate) > 1.0) {
    if (reason) *reason = "rate_out_of_range";
    return ORACLE_EINVALID;
  }
  int st = ORACLE_OK;
  pthread_mutex_lock(&o->lock);
  struct underlying *u = find(o, underlying, 1, &st);
  if (!u) {
    pthread_mutex_unlock(&o->lock);
    return st;
  }
  drop_expired(u, now);
  struct slice_rec next[PRICING_SURFACE_MAX_SLICES];
  size_t n = 0, replaced = 0;
  for (size_t i = 0; i < u->nslices; i++) {
    if (u->slices[i].in.expiry_ms == in->expiry_ms) {
      replaced = 1;
      next[n++] = (struct slice_rec){*in, now};
    } else {
      next[n++] = u->slices[i];
    }
  }
  if (!replaced) {
    if (n == PRICING_SURFACE_MAX_SLICES) {
      pthread_mutex_unlock(&o->lock);
      return ORACLE_EFULL;
    }
    next[n++] = (struct slice_rec){*in, now};
  }
  qsort(next, n, sizeof next[0], cmp_expiry);
  struct pricing_surface probe;
  st = build_surface(next, n, now, &probe, reason);
  if (st == ORACLE_OK) {
    memcpy(u->slices, next, n * sizeof next[0]);
    u->nslices = n;
    u->rate = in->rate;
  }
  pthread_mutex_unlock(&o->lock);
  return st;
}

int oracles_spot(struct oracles *o, const char *underlying, int64_t now, money_u128 *price,
                 int64_t *ts, int *stale) {
  int st = ORACLE_OK;
  pthread_mutex_lock(&o->lock);
  struct underlying *u = find(o, underlying, 0, &st);
  if (u && !u->spot_ts) st = ORACLE_EMISSING;
  if (u && st == ORACLE_OK) {
    *price = u->spot;
    *ts = u->spot_ts;
    *stale = now - u->spot_ts > o->spot_max_age;
  }
  pthread_mutex_unlock(&o->lock);
  return st;
}

/* Lock held. Fills *why for the first missing or stale piece. */
static int freshness(struct oracles *o, struct underlying *u, int64_t now, int64_t *surface_ts,
                     struct oracle_problem *why) {
  drop_expired(u, now);
  if (!u->spot_ts) {
    *why = (struct oracle_problem){"spot", -1, o->spot_max_age};
    return ORACLE_EMISSING;
  }
  if (now - u->spot_ts > o->spot_max_age) {
    *why = (struct oracle_problem){"spot", now - u->spot_ts, o->spot_max_age};
    return ORACLE_ESTALE;
  }
  if (u->nslices == 0) {
    *why = (struct oracle_problem){"surface", -1, o->surface_max_age};
    return ORACLE_EMISSING;
  }
  int64_t oldest = u->slices[0].ts;
  for (size_t i = 1; i < u->nslices; i++)
    if (u->slices[i].ts < oldest) oldest = u->slices[i].ts;
  if (now - oldest > o->surface_max_age) {
    *why = (struct oracle_problem){"surface", now - oldest, o->surface_max_age};
    return ORACLE_ESTALE;
  }
  if (surface_ts) *surface_ts = oldest;
  return ORACLE_OK;
}

int oracles_market(struct oracles *o, const char *underlying, int64_t now,
                   struct oracle_market *out, struct oracle_problem *why) {
  int st = ORACLE_OK;
  struct oracle_problem p = {"underlying", -1, 0};
  pthread_mutex_lock(&o->lock);
  struct underlying *u = find(o, underlying, 0, &st);
  struct oracle_market m;
  memset(&m, 0, sizeof m);
  if (u) st = freshness(o, u, now, &m.surface_ts, &p);
  if (u && st == ORACLE_OK) {
    m.spot = u->spot;
    m.spot_ts = u->spot_ts;
    m.S = pricing_from_money(u->spot, ORACLE_PRICE_DECIMALS);
    m.rate = u->rate;
    m.now = now;
    st = build_surface(u->slices, u->nslices, now, &m.surface, NULL);
  }
  pthread_mutex_unlock(&o->lock);
  if (st == ORACLE_OK) *out = m;
  else if (why) *why = p;
  return st;
}

int oracles_iv(const struct oracle_market *m, money_u128 strike, int64_t expiry_ms,
               double *sigma) {
  if (expiry_ms <= m->now) return ORACLE_EEXPIRED;
  double K = pricing_from_money(strike, ORACLE_PRICE_DECIMALS);
  double tau = pricing_tau_years(m->now, expiry_ms);
  if (pricing_surface_vol(&m->surface, K, m->S, tau, sigma)) return ORACLE_EINVALID;
  return ORACLE_OK;
}

int oracles_settlement(struct oracles *o, const char *underlying, int64_t expiry_ms,
                       money_u128 *price) {
  int st = ORACLE_OK, found = 0;
  pthread_mutex_lock(&o->lock);
  struct underlying *u = find(o, underlying, 0, &st);
  for (size_t i = 0; u && i < u->nsettlements; i++)
    if (u->settlements[i].expiry_ms == expiry_ms) {
      *price = u->settlements[i].price;
      found = 1;
    }
  pthread_mutex_unlock(&o->lock);
  return found ? ORACLE_OK : u ? ORACLE_EMISSING : st;
}

int oracles_settlement_add(struct oracles *o, const char *underlying, int64_t expiry_ms,
                           money_u128 price) {
  int st = ORACLE_OK;
  pthread_mutex_lock(&o->lock);
  struct underlying *u = find(o, underlying, 1, &st);
  if (u) {
    for (size_t i = 0; i < u->nsettlements; i++)
      if (u->settlements[i].expiry_ms == expiry_ms) {
        pthread_mutex_unlock(&o->lock);
        return ORACLE_OK; /* recorded already (same value: the database decided) */
      }
    if (u->nsettlements == MAX_SETTLEMENTS) {
      st = ORACLE_EFULL;
    } else {
      if (!u->settlements) u->settlements = calloc(MAX_SETTLEMENTS, sizeof *u->settlements);
      if (!u->settlements) st = ORACLE_EFULL;
      else u->settlements[u->nsettlements++] = (struct settlement_rec){expiry_ms, price};
    }
  }
  pthread_mutex_unlock(&o->lock);
  return st;
}

int oracles_check_fresh(struct oracles *o, const char *underlying, int64_t now,
                        struct oracle_problem *why) {
  int st = ORACLE_OK;
  pthread_mutex_lock(&o->lock);
  struct underlying *u = find(o, underlying, 0, &st);
  if (u) st = freshness(o, u, now, NULL, why);
  else *why = (struct oracle_problem){"spot", -1, o->spot_max_age};
  pthread_mutex_unlock(&o->lock);
  return st;
}
