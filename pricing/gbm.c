/* gbm: xoshiro256** generator, Box–Muller normals, zero-drift GBM steps. */
#include "gbm.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void pricing_rng_seed(struct pricing_rng *r, uint64_t seed) {
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t pricing_rng_next(struct pricing_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double pricing_rng_uniform(struct pricing_rng *r) {
  /* 53 random bits, shifted off zero */
  return ((double)(pricing_rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double pricing_rng_normal(struct pricing_rng *r) {
  double u1 = pricing_rng_uniform(r), u2 = pricing_rng_uniform(r);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double pricing_gbm_step(double S, double sigma, double dt_years, double z) {
  if (dt_years <= 0) return S;
  return S * exp(-0.5 * sigma * sigma * dt_years + sigma * sqrt(dt_years) * z);
}
