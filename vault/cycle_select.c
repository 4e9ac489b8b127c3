/* cycle_select: stage 2's expiry window, candidate strikes, mark and choice (cycle_select.h). */
#include "cycle_select.h"

#include "black_scholes.h"
#include "calendar.h"
#include "to_money.h"

#include <stdbool.h>

struct cycle_select_params cycle_select_params_default(money_u128 strike_diff) {
  struct cycle_select_params p = {
      .strike_diff = strike_diff,
      .expiry_min_ms = 144 * CYCLE_HOUR_MS,
      .expiry_max_ms = 168 * CYCLE_HOUR_MS,
      .target_ppm = 70000,
      .min_ppm = 20000,
      .max_ppm = 120000,
  };
  return p;
}

int cycle_select_params_check(const struct cycle_select_params *p) {
  if (!p || p->strike_diff == 0) return CYCLE_EINVALID;
  if (p->expiry_min_ms < 0 || p->expiry_min_ms > p->expiry_max_ms) return CYCLE_EINVALID;
  if (p->min_ppm > p->target_ppm || p->target_ppm > p->max_ppm) return CYCLE_EINVALID;
  return CYCLE_OK;
}

int cycle_select_expiry(const struct cycle_select_params *p, int64_t now_ms, int64_t *expiry_ms) {
  if (cycle_select_params_check(p) != CYCLE_OK || !expiry_ms) return CYCLE_EINVALID;
  int64_t m[PRICING_MATURITIES_MAX];
  size_t n = 0;
  if (pricing_maturities(now_ms, m, PRICING_MATURITIES_MAX, &n) != PRICING_OK)
    return CYCLE_EINVALID;
  for (size_t i = 0; i < n; i++) {
    int64_t tte = m[i] - now_ms; /* m[i] > now, both within the calendar's range */
    if (tte >= p->expiry_min_ms && tte <= p->expiry_max_ms) {
      *expiry_ms = m[i];
      return CYCLE_OK;
    }
  }
  return CYCLE_ENO_EXPIRY;
}

/* The running choice: the best in-band candidate so far and its distance to the target. */
struct pick_state {
  bool have;
  struct cycle_candidate best;
  size_t index; /* of best among the offers */
  money_u128 distance;
};

/* Offers c (offer number index) to the running choice (band, distance, ties to the lower
 * k1). */
static int pick_offer(const struct cycle_select_params *p, const struct cycle_candidate *c,
                      size_t index, struct pick_state *s) {
  money_u128 scaled, lo, hi, target;
  int st = money_mul(c->mark, CYCLE_PPM, &scaled);
  if (st == MONEY_OK) st = money_mul(p->strike_diff, p->min_ppm, &lo);
  if (st == MONEY_OK) st = money_mul(p->strike_diff, p->max_ppm, &hi);
  if (st == MONEY_OK) st = money_mul(p->strike_diff, p->target_ppm, &target);
  if (st != MONEY_OK) return cycle_from_money(st);
  if (scaled < lo || scaled > hi) return CYCLE_OK;
  money_u128 d = scaled >= target ? scaled - target : target - scaled;
  if (!s->have || d < s->distance || (d == s->distance && c->k1 < s->best.k1)) {
    s->have = true;
    s->best = *c;
    s->index = index;
    s->distance = d;
  }
  return CYCLE_OK;
}

int cycle_select_pick(const struct cycle_select_params *p, const struct cycle_candidate *c,
                      size_t n, size_t *best) {
  if (cycle_select_params_check(p) != CYCLE_OK || (!c && n) || !best) return CYCLE_EINVALID;
  struct pick_state s = {0};
  for (size_t i = 0; i < n; i++) {
    int st = pick_offer(p, &c[i], i, &s);
    if (st != CYCLE_OK) return st;
  }
  if (!s.have) return CYCLE_ENO_SPREAD;
  *best = s.index;
  return CYCLE_OK;
}

/* The model price of a put at strike k (USD, double) from the caller's surface. */
static int put_price(cycle_surface_fn surface, void *ctx, double S, money_u128 k, int64_t expiry_ms,
                     double tau, double *price) {
  double sigma = 0, rate = 0;
  if (surface(ctx, k, expiry_ms, &sigma, &rate) != 0) return CYCLE_EORACLE;
  double K = pricing_from_money(k, CYCLE_USD_DECIMALS);
  if (pricing_bs_price(PRICING_PUT, S, K, tau, sigma, rate, price) != PRICING_OK)
    return CYCLE_EPRICING;
  return CYCLE_OK;
}

/* The first candidate's K2 (the lowest strike priced) and how many candidates there are. */
static int candidate_range(money_u128 spot, money_u128 diff, money_u128 *k2_first, size_t *count) {
  money_u128 half = spot / 2u + spot % 2u; /* ceil(spot / 2): 2·K2 >= spot */
  money_u128 k2 = half / diff * diff, k1;
  if (k2 < half && money_add(k2, diff, &k2) != MONEY_OK) return CYCLE_ENO_SPREAD;
  if (money_add(k2, diff, &k1) != MONEY_OK || k1 >= spot) return CYCLE_ENO_SPREAD;
  money_u128 n = (spot - 1u - k1) / diff + 1u;
  if (n > CYCLE_SELECT_MAX_CANDIDATES) return CYCLE_EINVALID;
  *k2_first = k2;
  *count = (size_t)n;
  return CYCLE_OK;
}

int cycle_select_spread(const struct cycle_select_params *p, int64_t now_ms, money_u128 spot,
                        cycle_surface_fn surface, void *ctx, struct cycle_spread *out) {
  if (cycle_select_params_check(p) != CYCLE_OK || !surface || !out || spot == 0)
    return CYCLE_EINVALID;
  int64_t expiry = 0;
  int st = cycle_select_expiry(p, now_ms, &expiry);
  if (st != CYCLE_OK) return st;
  money_u128 k = 0;
  size_t count = 0;
  st = candidate_range(spot, p->strike_diff, &k, &count);
  if (st != CYCLE_OK) return st;

  double S = pricing_from_money(spot, CYCLE_USD_DECIMALS);
  double tau = pricing_tau_years(now_ms, expiry);
  double lower = 0; /* the put price at k, the K2 of the next candidate */
  st = put_price(surface, ctx, S, k, expiry, tau, &lower);
  if (st != CYCLE_OK) return st;
  struct pick_state s = {0};
  for (size_t i = 0; i < count; i++) {
    k += p->strike_diff; /* < spot: no overflow */
    double upper = 0;
    st = put_price(surface, ctx, S, k, expiry, tau, &upper);
    if (st != CYCLE_OK) return st;
    double credit = upper - lower;
    lower = upper;
    if (!(credit >= 0)) continue; /* an arbitrage surface: this K1 is no candidate */
    struct cycle_candidate c = {.k1 = k};
    int conv = pricing_to_money_down(credit, CYCLE_USD_DECIMALS, &c.mark);
    if (conv != PRICING_OK) return conv == PRICING_EOVERFLOW ? CYCLE_EOVERFLOW : CYCLE_EPRICING;
    st = pick_offer(p, &c, i, &s);
    if (st != CYCLE_OK) return st;
  }
  if (!s.have) return CYCLE_ENO_SPREAD;

  money_u128 ratio = 0;
  st = money_muldiv_down(s.best.mark, CYCLE_PPM, p->strike_diff, &ratio);
  if (st != MONEY_OK) return cycle_from_money(st);
  out->expiry_ms = expiry;
  out->k1 = s.best.k1;
  out->k2 = s.best.k1 - p->strike_diff;
  out->width = p->strike_diff;
  out->mark = s.best.mark;
  out->ratio_ppm = ratio;
  return CYCLE_OK;
}

int cycle_desired_spreads(money_u128 collateral, unsigned collateral_decimals,
                          money_u128 open_spreads, money_u128 *out) {
  if (!out || collateral_decimals > MONEY_MAX_DECIMALS) return CYCLE_EINVALID;
  money_u128 scale = 0, contracts = 0;
  int st;
  if (collateral_decimals <= CYCLE_CONTRACT_DECIMALS) {
    st = money_pow10(CYCLE_CONTRACT_DECIMALS - collateral_decimals, &scale);
    if (st == MONEY_OK) st = money_mul(collateral, scale, &contracts);
  } else {
    st = money_pow10(collateral_decimals - CYCLE_CONTRACT_DECIMALS, &scale);
    if (st == MONEY_OK) contracts = collateral / scale; /* rounded down */
  }
  if (st != MONEY_OK) return cycle_from_money(st);
  *out = contracts > open_spreads ? contracts - open_spreads : 0;
  return CYCLE_OK;
}
