/* clevel: the depot's utilisation spread multiplier C (SPEC 5.1).
 *
 *   k        = alpha (c_min e^alpha - c_max) / (e^alpha - 1)
 *   c~(u)    = (k e^(alpha(1-u)) + alpha c_max - k) / (alpha e^(alpha(1-u)))
 *            (rises from c~(0) = c_min to c~(1) = c_max)
 *   c(u, h)  = max(c~(u) - delta h, c_min)          h = hours since the last trade
 *   C        = sqrt(c(u_before, 0) * c(u_after, h))
 * Parameters: alpha > 0, c_min >= 1, c_max >= c_min, delta >= 0, all finite; u in [0, 1]
 * (u > 1 or u < 0 is PRICING_EDOMAIN), h >= 0 and finite. Computed in the overflow-free
 * forms k/alpha = (c_min - c_max e^-alpha)/(1 - e^-alpha) and
 * c~(u) = k/alpha + (c_max - k/alpha) e^(-alpha(1-u)). */
#ifndef OPTDESK_PRICING_CLEVEL_H
#define OPTDESK_PRICING_CLEVEL_H

#include "common.h"

struct pricing_clevel_params {
  double alpha;          /* steepness, > 0 */
  double c_min;          /* >= 1 */
  double c_max;          /* >= c_min */
  double decay_per_hour; /* delta, >= 0 */
};

/* PRICING_OK or PRICING_EDOMAIN. */
PRICING_WUR int pricing_clevel_check(const struct pricing_clevel_params *p);
/* k of the formula above. */
PRICING_WUR int pricing_clevel_k(const struct pricing_clevel_params *p, double *k);
/* c~(u): the undecayed level at utilisation u. */
PRICING_WUR int pricing_clevel_raw(const struct pricing_clevel_params *p, double u, double *c);
/* c(u, h): decayed by delta per hour, never below c_min. */
PRICING_WUR int pricing_clevel_decayed(const struct pricing_clevel_params *p, double u,
                                       double hours, double *c);
/* C = sqrt(c(u_before, 0) * c(u_after, hours)). */
PRICING_WUR int pricing_clevel(const struct pricing_clevel_params *p, double u_before,
                               double u_after, double hours, double *C);

#endif
