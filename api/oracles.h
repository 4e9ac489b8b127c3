/* oracles: the live oracle values per underlying (SPEC 3): spot, volatility surface slices
 * per expiry (flat IV or SSVI), risk-free rate, and published settlement prices. Every
 * value carries the business time it was set at; a spot older than spot_max_age or a
 * surface whose oldest live slice is older than surface_max_age is stale, and
 * oracles_market refuses it. Thread-safe (one mutex); readers get copies. Prices are USD
 * in 6-decimal base units. Settlement prices are persisted by the caller first (storage/
 * settlement_store) and then recorded here. */
#ifndef OPTDESK_ORACLES_H
#define OPTDESK_ORACLES_H

#include <stdint.h>

#include "money.h"
#include "ssvi.h"

#define ORACLE_PRICE_DECIMALS 6
#define ORACLE_MAX_UNDERLYINGS 8

enum oracle_status {
  ORACLE_OK = 0,
  ORACLE_EUNKNOWN = -1,  /* not a known asset */
  ORACLE_EMISSING = -2,  /* no value published yet */
  ORACLE_ESTALE = -3,    /* older than its max age */
  ORACLE_EINVALID = -4,  /* a surface update refused; see the reason */
  ORACLE_EEXPIRED = -5,  /* the expiry is not in the future */
  ORACLE_EFULL = -6,     /* too many underlyings, slices or settlements */
};

struct oracle_slice_in {
  int64_t expiry_ms;
  int flat;          /* 1: iv; 0: theta, psi, rho */
  double iv, theta, psi, rho;
  double rate;       /* the risk-free rate published with the slice */
};

/* A consistent view for pricing at `now`. */
struct oracle_market {
  money_u128 spot;
  double S, rate;
  int64_t spot_ts, surface_ts, now;
  struct pricing_surface surface; /* slices by tau at `now` */
};

/* Why a value is missing or stale. */
struct oracle_problem {
  const char *what; /* "spot", "surface", "underlying" */
  int64_t age_ms, max_age_ms;
};

struct oracles;

struct oracles *oracles_new(int64_t spot_max_age_ms, int64_t surface_max_age_ms);
void oracles_free(struct oracles *o);
int64_t oracles_spot_max_age(const struct oracles *o);
int64_t oracles_surface_max_age(const struct oracles *o);

int oracles_set_spot(struct oracles *o, const char *underlying, money_u128 price, int64_t now);
/* Adds or replaces the slice of in->expiry_ms; the whole surface is validated at `now`
 * (SPEC 5.1's conditions, theta increasing in tau). On ORACLE_EINVALID *reason is a
 * stable snake_case reason ("psi_not_positive", "theta_not_increasing", ...). */
int oracles_set_slice(struct oracles *o, const char *underlying, const struct oracle_slice_in *in,
                      int64_t now, const char **reason);

/* The latest spot and its time, fresh or not (*stale says). */
int oracles_spot(struct oracles *o, const char *underlying, int64_t now, money_u128 *price,
                 int64_t *ts, int *stale);
/* Spot, rate and surface, refusing missing or stale values (ORACLE_EMISSING/ESTALE + why). */
int oracles_market(struct oracles *o, const char *underlying, int64_t now,
                   struct oracle_market *out, struct oracle_problem *why);
/* σ at (strike, expiry) from the market view. */
int oracles_iv(const struct oracle_market *m, money_u128 strike, int64_t expiry_ms,
               double *sigma);

/* Settlement prices: lookup, and recording one already persisted. */
int oracles_settlement(struct oracles *o, const char *underlying, int64_t expiry_ms,
                       money_u128 *price);
int oracles_settlement_add(struct oracles *o, const char *underlying, int64_t expiry_ms,
                           money_u128 price);

/* Freshness for /readyz: ORACLE_OK, or the first problem of spot then surface. */
int oracles_check_fresh(struct oracles *o, const char *underlying, int64_t now,
                        struct oracle_problem *why);

#endif
