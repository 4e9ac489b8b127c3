/* gbm: a seeded random source and geometric Brownian motion steps, for the simulated
 * oracle feed and load tests. Pure: the generator's state is the caller's. */
#ifndef OPTDESK_PRICING_GBM_H
#define OPTDESK_PRICING_GBM_H

#include <stdint.h>

struct pricing_rng {
  uint64_t s[4]; /* xoshiro256** state */
};

/* Seeds the generator (splitmix64 expansion of seed): the same seed, the same path. */
void pricing_rng_seed(struct pricing_rng *r, uint64_t seed);
uint64_t pricing_rng_next(struct pricing_rng *r);
/* Uniform in (0, 1). */
double pricing_rng_uniform(struct pricing_rng *r);
/* Standard normal (Box–Muller). */
double pricing_rng_normal(struct pricing_rng *r);

/* One GBM step with zero drift: S·exp(−σ²dt/2 + σ√dt·z), dt in years. dt <= 0: S. */
double pricing_gbm_step(double S, double sigma, double dt_years, double z);

#endif
