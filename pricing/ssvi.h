/* ssvi: SSVI volatility slices and surfaces, validation with a reason per refusal (SPEC 5.1).
 *
 * A slice at time to expiry tau (years) is (theta, psi, rho): total implied variance
 *   w(k) = theta/2 * (1 + rho*phi*k + sqrt((phi*k + rho)^2 + 1 - rho^2)),  phi = psi/theta,
 * with k = ln(K/S) (log-moneyness against spot, as SPEC 5.1 states), and sigma = sqrt(w/tau).
 * A flat slice (one IV per expiry, the simplest surface) is theta = sigma^2 * tau, psi = 0,
 * rho = 0, which the same formula turns into w(k) = theta.
 *
 * Slice checks, in this order (first failure is the reason):
 *   bad_kind, not_finite, tau_not_positive, theta_not_positive; then for SSVI slices
 *   psi_not_positive (psi <= 0), rho_out_of_range (|rho| >= 1),
 *   psi_rho_too_large (psi(1+|rho|) >= 4), psi_theta_too_large (psi^2 (1+|rho|) > 4 theta);
 *   for flat slices sigma_not_positive (theta <= 0) and flat_with_psi_or_rho (psi or rho
 *   not 0).
 * Surface checks: empty_surface, too_many_slices, each slice, then (slices sorted by tau)
 *   tau_duplicate, theta_not_increasing (theta must be strictly increasing in tau).
 *
 * Interpolation and extrapolation in tau (tau_1 < ... < tau_n the slices):
 *   tau_i <= tau <= tau_i+1: theta, psi and rho*psi linear in tau (rho = (rho*psi)/psi,
 *     0 where psi = 0), then w(k) and sigma = sqrt(w/tau).
 *   tau < tau_1 or tau > tau_n: sigma(k) of the nearest slice, i.e. flat in implied vol at
 *     each k; total variance scales linearly, w(k, tau) = w_edge(k) * tau / tau_edge, so the
 *     surface stays increasing in tau at every k. */
#ifndef OPTDESK_PRICING_SSVI_H
#define OPTDESK_PRICING_SSVI_H

#include "common.h"

#include <stddef.h>

#define PRICING_SURFACE_MAX_SLICES 32

enum pricing_slice_kind {
  PRICING_SLICE_SSVI = 0,
  PRICING_SLICE_FLAT = 1,
};

struct pricing_ssvi_slice {
  enum pricing_slice_kind kind;
  double tau;   /* years to the slice's expiry, > 0 */
  double theta; /* ATM total variance */
  double psi;   /* theta * phi; 0 for a flat slice */
  double rho;   /* 0 for a flat slice */
};

enum pricing_ssvi_reason {
  PRICING_SSVI_OK = 0,
  PRICING_SSVI_NOT_FINITE,
  PRICING_SSVI_TAU_NOT_POSITIVE,
  PRICING_SSVI_THETA_NOT_POSITIVE,
  PRICING_SSVI_PSI_NOT_POSITIVE,
  PRICING_SSVI_RHO_OUT_OF_RANGE,
  PRICING_SSVI_PSI_RHO_TOO_LARGE,
  PRICING_SSVI_PSI_THETA_TOO_LARGE,
  PRICING_SSVI_SIGMA_NOT_POSITIVE,
  PRICING_SSVI_EMPTY,
  PRICING_SSVI_TOO_MANY_SLICES,
  PRICING_SSVI_TAU_DUPLICATE,
  PRICING_SSVI_THETA_NOT_INCREASING,
  PRICING_SSVI_BAD_KIND,
  PRICING_SSVI_FLAT_WITH_PSI_OR_RHO,
};

/* Slices sorted by tau, strictly increasing theta; caller-owned, no allocation. */
struct pricing_surface {
  size_t n;
  struct pricing_ssvi_slice slice[PRICING_SURFACE_MAX_SLICES];
};

/* Stable snake_case name of a reason ("psi_not_positive", ...). */
const char *pricing_ssvi_reason_str(enum pricing_ssvi_reason why);

/* Build and check one slice. On PRICING_EINVALID, *why (if not NULL) holds the reason. */
PRICING_WUR int pricing_ssvi_slice_make(double tau, double theta, double psi, double rho,
                                        struct pricing_ssvi_slice *out,
                                        enum pricing_ssvi_reason *why);
PRICING_WUR int pricing_ssvi_slice_flat(double tau, double sigma, struct pricing_ssvi_slice *out,
                                        enum pricing_ssvi_reason *why);
PRICING_WUR int pricing_ssvi_slice_check(const struct pricing_ssvi_slice *s,
                                         enum pricing_ssvi_reason *why);

/* Total variance w(k) and implied vol sqrt(w(k)/tau) of a checked slice (no checks here). */
double pricing_ssvi_total_variance(const struct pricing_ssvi_slice *s, double k);
double pricing_ssvi_vol(const struct pricing_ssvi_slice *s, double k);

/* Empty surface. */
void pricing_surface_init(struct pricing_surface *surface);
/* Replace the whole surface by n slices given in any order (sorted here). On refusal the
 * surface is untouched, *why the reason and *bad (if not NULL) the input index at fault
 * (for a pair condition, the later slice in tau order). */
PRICING_WUR int pricing_surface_set(struct pricing_surface *surface,
                                    const struct pricing_ssvi_slice *slices, size_t n,
                                    enum pricing_ssvi_reason *why, size_t *bad);
/* Insert a slice, or replace the one with the same tau; the result must pass the surface
 * checks, else the surface is untouched. */
PRICING_WUR int pricing_surface_put(struct pricing_surface *surface,
                                    const struct pricing_ssvi_slice *slice,
                                    enum pricing_ssvi_reason *why);
/* The interpolated slice at tau (see the header comment; tau outside the range gives the
 * edge slice scaled to tau). PRICING_EDOMAIN: empty surface or tau not > 0. */
PRICING_WUR int pricing_surface_slice_at(const struct pricing_surface *surface, double tau,
                                         struct pricing_ssvi_slice *out);
/* sigma(K, S, tau). PRICING_EDOMAIN: empty surface, K, S or tau not > 0, non-finite. */
PRICING_WUR int pricing_surface_vol(const struct pricing_surface *surface, double K, double S,
                                    double tau, double *sigma);

#endif
