/* ssvi: SSVI slice evaluation, slice and surface checks, interpolation in tau. */
#include "ssvi.h"

#include <math.h>

const char *pricing_ssvi_reason_str(enum pricing_ssvi_reason why) {
  switch (why) {
    case PRICING_SSVI_OK: return "ok";
    case PRICING_SSVI_NOT_FINITE: return "not_finite";
    case PRICING_SSVI_TAU_NOT_POSITIVE: return "tau_not_positive";
    case PRICING_SSVI_THETA_NOT_POSITIVE: return "theta_not_positive";
    case PRICING_SSVI_PSI_NOT_POSITIVE: return "psi_not_positive";
    case PRICING_SSVI_RHO_OUT_OF_RANGE: return "rho_out_of_range";
    case PRICING_SSVI_PSI_RHO_TOO_LARGE: return "psi_rho_too_large";
    case PRICING_SSVI_PSI_THETA_TOO_LARGE: return "psi_theta_too_large";
    case PRICING_SSVI_SIGMA_NOT_POSITIVE: return "sigma_not_positive";
    case PRICING_SSVI_EMPTY: return "empty_surface";
    case PRICING_SSVI_TOO_MANY_SLICES: return "too_many_slices";
    case PRICING_SSVI_TAU_DUPLICATE: return "tau_duplicate";
    case PRICING_SSVI_THETA_NOT_INCREASING: return "theta_not_increasing";
    case PRICING_SSVI_BAD_KIND: return "bad_kind";
    case PRICING_SSVI_FLAT_WITH_PSI_OR_RHO: return "flat_with_psi_or_rho";
  }
  return "unknown";
}

static int refuse(enum pricing_ssvi_reason *why, enum pricing_ssvi_reason r) {
  if (why) *why = r;
  return PRICING_EINVALID;
}

static enum pricing_ssvi_reason slice_reason(const struct pricing_ssvi_slice *s) {
  if (s->kind != PRICING_SLICE_SSVI && s->kind != PRICING_SLICE_FLAT) return PRICING_SSVI_BAD_KIND;
  if (!(isfinite(s->tau) && isfinite(s->theta) && isfinite(s->psi) && isfinite(s->rho)))
    return PRICING_SSVI_NOT_FINITE;
  if (!(s->tau > 0)) return PRICING_SSVI_TAU_NOT_POSITIVE;
  if (s->kind == PRICING_SLICE_FLAT) {
    if (!(s->theta > 0)) return PRICING_SSVI_SIGMA_NOT_POSITIVE;
    if (s->psi != 0 || s->rho != 0) return PRICING_SSVI_FLAT_WITH_PSI_OR_RHO;
    return PRICING_SSVI_OK;
  }
  if (!(s->theta > 0)) return PRICING_SSVI_THETA_NOT_POSITIVE;
  if (!(s->psi > 0)) return PRICING_SSVI_PSI_NOT_POSITIVE;
  double ar = fabs(s->rho);
  if (!(ar < 1)) return PRICING_SSVI_RHO_OUT_OF_RANGE;
  if (!(s->psi * (1 + ar) < 4)) return PRICING_SSVI_PSI_RHO_TOO_LARGE;
  if (s->psi * s->psi * (1 + ar) > 4 * s->theta) return PRICING_SSVI_PSI_THETA_TOO_LARGE;
  return PRICING_SSVI_OK;
}

int pricing_ssvi_slice_check(const struct pricing_ssvi_slice *s, enum pricing_ssvi_reason *why) {
  enum pricing_ssvi_reason r = slice_reason(s);
  return r == PRICING_SSVI_OK ? PRICING_OK : refuse(why, r);
}

int pricing_ssvi_slice_make(double tau, double theta, double psi, double rho,
                            struct pricing_ssvi_slice *out, enum pricing_ssvi_reason *why) {
  struct pricing_ssvi_slice s = {PRICING_SLICE_SSVI, tau, theta, psi, rho};
  int rc = pricing_ssvi_slice_check(&s, why);
  if (rc == PRICING_OK) *out = s;
  return rc;
}

int pricing_ssvi_slice_flat(double tau, double sigma, struct pricing_ssvi_slice *out,
                            enum pricing_ssvi_reason *why) {
  if (!(isfinite(sigma) && isfinite(tau))) return refuse(why, PRICING_SSVI_NOT_FINITE);
  if (!(sigma > 0)) return refuse(why, PRICING_SSVI_SIGMA_NOT_POSITIVE);
  struct pricing_ssvi_slice s = {PRICING_SLICE_FLAT, tau, sigma * sigma * tau, 0, 0};
  int rc = pricing_ssvi_slice_check(&s, why);
  if (rc == PRICING_OK) *out = s;
  return rc;
}

double pricing_ssvi_total_variance(const struct pricing_ssvi_slice *s, double k) {
  if (s->psi == 0) return s->theta;
  /* With u = phi*k + rho and c = 1 - rho^2:
   *   1 + rho*phi*k + sqrt(u^2 + 1 - rho^2) = c + rho*u + sqrt(u^2 + c).
   * When rho*u < 0, rho*u + sqrt(u^2 + c) = c(u^2 + 1) / (sqrt(u^2 + c) - rho*u),
   * which avoids the cancellation in the far wing. */
  double rho = s->rho;
  double u = s->psi / s->theta * k + rho;
  double c = (1 - rho) * (1 + rho);
  double root = sqrt(u * u + c);
  double ru = rho * u;
  double wing = ru < 0 ? c * (u * u + 1) / (root - ru) : ru + root;
  return 0.5 * s->theta * (c + wing);
}

double pricing_ssvi_vol(const struct pricing_ssvi_slice *s, double k) {
  return sqrt(pricing_ssvi_total_variance(s, k) / s->tau);
}

void pricing_surface_init(struct pricing_surface *surface) { surface->n = 0; }

/* Check a sorted candidate; on failure, *at is the index (sorted order) at fault. */
static enum pricing_ssvi_reason surface_reason(const struct pricing_ssvi_slice *sl, size_t n,
                                               size_t *at) {
  if (n == 0) {
    *at = 0;
    return PRICING_SSVI_EMPTY;
  }
  for (size_t i = 0; i < n; i++) {
    enum pricing_ssvi_reason r = slice_reason(&sl[i]);
    if (r != PRICING_SSVI_OK) {
      *at = i;
      return r;
    }
  }
  for (size_t i = 1; i < n; i++) {
    *at = i;
    if (sl[i].tau == sl[i - 1].tau) return PRICING_SSVI_TAU_DUPLICATE;
    if (!(sl[i].theta > sl[i - 1].theta)) return PRICING_SSVI_THETA_NOT_INCREASING;
  }
  return PRICING_SSVI_OK;
}

int pricing_surface_set(struct pricing_surface *surface, const struct pricing_ssvi_slice *slices,
                        size_t n, enum pricing_ssvi_reason *why, size_t *bad) {
  if (n > PRICING_SURFACE_MAX_SLICES) {
    if (bad) *bad = PRICING_SURFACE_MAX_SLICES;
    return refuse(why, PRICING_SSVI_TOO_MANY_SLICES);
  }
  struct pricing_ssvi_slice tmp[PRICING_SURFACE_MAX_SLICES] = {0};
  size_t origin[PRICING_SURFACE_MAX_SLICES];
  /* Stable insertion sort by tau (NaN taus stay where they fall; the checks refuse them). */
  for (size_t i = 0; i < n; i++) {
    tmp[i] = slices[i];
    origin[i] = i;
  }
  for (size_t i = 1; i < n; i++) {
    struct pricing_ssvi_slice s = tmp[i];
    size_t j = i;
    while (j > 0 && s.tau < tmp[j - 1].tau) {
      tmp[j] = tmp[j - 1];
      origin[j] = origin[j - 1];
      j--;
    }
    tmp[j] = s;
    origin[j] = i;
  }
  size_t at = 0;
  enum pricing_ssvi_reason r = surface_reason(tmp, n, &at);
  if (r != PRICING_SSVI_OK) {
    if (bad) *bad = n ? origin[at] : 0;
    return refuse(why, r);
  }
  surface->n = n;
  for (size_t i = 0; i < n; i++) surface->slice[i] = tmp[i];
  return PRICING_OK;
}

int pricing_surface_put(struct pricing_surface *surface, const struct pricing_ssvi_slice *slice,
                        enum pricing_ssvi_reason *why) {
  struct pricing_ssvi_slice tmp[PRICING_SURFACE_MAX_SLICES + 1];
  size_t n = 0, i = 0;
  while (i < surface->n && surface->slice[i].tau < slice->tau) tmp[n++] = surface->slice[i++];
  tmp[n++] = *slice;
  if (i < surface->n && surface->slice[i].tau == slice->tau) i++; /* replaced */
  while (i < surface->n) tmp[n++] = surface->slice[i++];
  if (n > PRICING_SURFACE_MAX_SLICES) return refuse(why, PRICING_SSVI_TOO_MANY_SLICES);
  size_t at;
  enum pricing_ssvi_reason r = surface_reason(tmp, n, &at);
  if (r != PRICING_SSVI_OK) return refuse(why, r);
  surface->n = n;
  for (i = 0; i < n; i++) surface->slice[i] = tmp[i];
  return PRICING_OK;
}

int pricing_surface_slice_at(const struct pricing_surface *surface, double tau,
                             struct pricing_ssvi_slice *out) {
  if (surface->n == 0 || !(isfinite(tau) && tau > 0)) return PRICING_EDOMAIN;
  const struct pricing_ssvi_slice *first = &surface->slice[0];
  const struct pricing_ssvi_slice *last = &surface->slice[surface->n - 1];
  struct pricing_ssvi_slice s;
  if (tau <= first->tau || tau >= last->tau) {
    /* Outside (or at the ends): the edge slice scaled in tau. Scaling theta and psi by the
     * same factor keeps phi = psi/theta, hence w(k, tau) = w_edge(k) * tau / tau_edge. */
    const struct pricing_ssvi_slice *e = tau <= first->tau ? first : last;
    double f = tau / e->tau;
    s = *e;
    s.tau = tau;
    if (tau != e->tau) {
      s.theta = e->theta * f;
      s.psi = e->psi * f;
    }
  } else {
    size_t i = 1;
    while (surface->slice[i].tau < tau) i++;
    const struct pricing_ssvi_slice *a = &surface->slice[i - 1], *b = &surface->slice[i];
    double l = (tau - a->tau) / (b->tau - a->tau);
    double rp = a->rho * a->psi + l * (b->rho * b->psi - a->rho * a->psi);
    s.kind = a->kind == PRICING_SLICE_FLAT && b->kind == PRICING_SLICE_FLAT ? PRICING_SLICE_FLAT
                                                                            : PRICING_SLICE_SSVI;
    s.tau = tau;
    s.theta = a->theta + l * (b->theta - a->theta);
    s.psi = a->psi + l * (b->psi - a->psi);
    s.rho = s.psi > 0 ? rp / s.psi : 0;
  }
  *out = s;
  return PRICING_OK;
}

int pricing_surface_vol(const struct pricing_surface *surface, double K, double S, double tau,
                        double *sigma) {
  if (!(isfinite(K) && K > 0 && isfinite(S) && S > 0)) return PRICING_EDOMAIN;
  struct pricing_ssvi_slice s;
  int rc = pricing_surface_slice_at(surface, tau, &s);
  if (rc != PRICING_OK) return rc;
  double v = pricing_ssvi_vol(&s, log(K / S));
  if (!(isfinite(v) && v > 0)) return PRICING_EOVERFLOW;
  *sigma = v;
  return PRICING_OK;
}
