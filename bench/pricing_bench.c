/* pricing_bench: Black–Scholes price+delta evaluations per second on one core, ours
 * (pricing_bs_price_delta, with its argument checks) next to a bare inline formula timed in
 * the same run. Prints: pricing ours=<evals/s> limit=<evals/s> ratio=<ours/limit>. */
#include "black_scholes.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N (1u << 22) /* 4 194 304 varied inputs */
#define ROUNDS 5

struct input {
  double S, K, tau, sigma, r;
  int call;
};

static volatile double sink;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static double uni(void) {
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return (double)((rng * 2685821657736338717ull) >> 11) * 0x1p-53;
}

/* The limit: the same price and delta with nothing around them. */
static inline void bare(const struct input *in, double *price, double *delta) {
  double s = in->sigma * sqrt(in->tau), df = exp(-in->r * in->tau);
  double d1 = (log(in->S / in->K) + in->r * in->tau) / s + 0.5 * s, d2 = d1 - s;
  if (in->call) {
    double n1 = 0.5 * erfc(-d1 * M_SQRT1_2);
    *price = in->S * n1 - in->K * df * 0.5 * erfc(-d2 * M_SQRT1_2);
    *delta = n1;
  } else {
    double m1 = 0.5 * erfc(d1 * M_SQRT1_2);
    *price = in->K * df * 0.5 * erfc(d2 * M_SQRT1_2) - in->S * m1;
    *delta = -m1;
  }
}

static double run_ours(const struct input *in) {
  double acc = 0, t0 = now_s();
  for (unsigned i = 0; i < N; i++) {
    double p, d;
    if (pricing_bs_price_delta(in[i].call ? PRICING_CALL : PRICING_PUT, in[i].S, in[i].K, in[i].tau,
                               in[i].sigma, in[i].r, &p, &d) == PRICING_OK)
      acc += p + d;
  }
  double dt = now_s() - t0;
  sink = acc;
  return N / dt;
}

static double run_bare(const struct input *in) {
  double acc = 0, t0 = now_s();
  for (unsigned i = 0; i < N; i++) {
    double p, d;
    bare(&in[i], &p, &d);
    acc += p + d;
  }
  double dt = now_s() - t0;
  sink = acc;
  return N / dt;
}

int main(void) {
  struct input *in = malloc(sizeof *in * N);
  if (!in) return 1;
  for (unsigned i = 0; i < N; i++) {
    in[i].S = 100 * exp(0.5 * uni() - 0.25) * (1 + 99 * (i & 1));
    in[i].K = in[i].S * exp(1.6 * uni() - 0.8);
    in[i].tau = exp(-8 * uni() + 1);
    in[i].sigma = 0.05 + 2 * uni();
    in[i].r = 0.12 * uni() - 0.02;
    in[i].call = uni() < 0.5;
  }
  /* Same answers from both (sanity, not timed). */
  double maxdiff = 0;
  for (unsigned i = 0; i < 100000; i++) {
    double p1, d1, p2, d2;
    if (pricing_bs_price_delta(in[i].call ? PRICING_CALL : PRICING_PUT, in[i].S, in[i].K, in[i].tau,
                               in[i].sigma, in[i].r, &p1, &d1) != PRICING_OK)
      return 1;
    bare(&in[i], &p2, &d2);
    double d = fabs(p1 - fmax(p2, 0)) / in[i].S + fabs(d1 - d2);
    if (d > maxdiff) maxdiff = d;
  }
  double ours = 0, limit = 0;
  for (int r = 0; r < ROUNDS; r++) { /* interleaved, best of each */
    double a = run_ours(in), b = run_bare(in);
    if (a > ours) ours = a;
    if (b > limit) limit = b;
  }
  printf("pricing ours=%.0f limit=%.0f ratio=%.3f (%u inputs, best of %d, max diff %.2g)\n", ours,
         limit, ours / limit, N, ROUNDS, maxdiff);
  free(in);
  return 0;
}
