/* clevel: the C-level curve, its hourly decay and the before/after geometric mean. */
#include "clevel.h"

#include <math.h>

int pricing_clevel_check(const struct pricing_clevel_params *p) {
  if (!(isfinite(p->alpha) && p->alpha > 0 && isfinite(p->c_min) && p->c_min >= 1 &&
        isfinite(p->c_max) && p->c_max >= p->c_min && isfinite(p->decay_per_hour) &&
        p->decay_per_hour >= 0))
    return PRICING_EDOMAIN;
  return PRICING_OK;
}

/* k / alpha, overflow-free. */
static double k_over_alpha(const struct pricing_clevel_params *p) {
  double e = exp(-p->alpha);
  return (p->c_min - p->c_max * e) / -expm1(-p->alpha);
}

int pricing_clevel_k(const struct pricing_clevel_params *p, double *k) {
  int rc = pricing_clevel_check(p);
  if (rc != PRICING_OK) return rc;
  *k = p->alpha * k_over_alpha(p);
  return PRICING_OK;
}

static double raw(const struct pricing_clevel_params *p, double u) {
  double ka = k_over_alpha(p);
  double c = ka + (p->c_max - ka) * exp(-p->alpha * (1 - u));
  /* Keep the curve inside [c_min, c_max] despite rounding. */
  if (c < p->c_min) c = p->c_min;
  if (c > p->c_max) c = p->c_max;
  return c;
}

static int check_u(double u) { return isfinite(u) && u >= 0 && u <= 1; }

int pricing_clevel_raw(const struct pricing_clevel_params *p, double u, double *c) {
  int rc = pricing_clevel_check(p);
  if (rc != PRICING_OK) return rc;
  if (!check_u(u)) return PRICING_EDOMAIN;
  *c = raw(p, u);
  return PRICING_OK;
}

int pricing_clevel_decayed(const struct pricing_clevel_params *p, double u, double hours,
                           double *c) {
  int rc = pricing_clevel_check(p);
  if (rc != PRICING_OK) return rc;
  if (!check_u(u) || !(isfinite(hours) && hours >= 0)) return PRICING_EDOMAIN;
  double v = raw(p, u) - p->decay_per_hour * hours;
  *c = v > p->c_min ? v : p->c_min;
  return PRICING_OK;
}

int pricing_clevel(const struct pricing_clevel_params *p, double u_before, double u_after,
                   double hours, double *C) {
  double before, after;
  int rc = pricing_clevel_decayed(p, u_before, 0, &before);
  if (rc != PRICING_OK) return rc;
  rc = pricing_clevel_decayed(p, u_after, hours, &after);
  if (rc != PRICING_OK) return rc;
  *C = sqrt(before * after);
  return PRICING_OK;
}
