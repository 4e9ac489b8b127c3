/* money arithmetic: checked add/sub/mul, signed conversions and the 256-bit mul-div. */
#include "money.h"

#include <stdint.h>

typedef money_u128 u128;

const char *money_strerror(int status) {
  switch (status) {
    case MONEY_OK: return "ok";
    case MONEY_EOVERFLOW: return "overflow";
    case MONEY_EDIVZERO: return "divzero";
    case MONEY_ESYNTAX: return "syntax";
    case MONEY_EPRECISION: return "precision";
    case MONEY_ERANGE: return "range";
    case MONEY_EBUFFER: return "buffer";
    default: return "unknown";
  }
}

int money_add(money_u128 a, money_u128 b, money_u128 *out) {
  money_u128 r;
  if (__builtin_add_overflow(a, b, &r)) return MONEY_EOVERFLOW;
  *out = r;
  return MONEY_OK;
}

int money_sub(money_u128 a, money_u128 b, money_u128 *out) {
  if (a < b) return MONEY_EOVERFLOW;
  *out = a - b;
  return MONEY_OK;
}

int money_mul(money_u128 a, money_u128 b, money_u128 *out) {
  money_u128 r;
  if (__builtin_mul_overflow(a, b, &r)) return MONEY_EOVERFLOW;
  *out = r;
  return MONEY_OK;
}

int money_iadd(money_i128 a, money_i128 b, money_i128 *out) {
  money_i128 r;
  if (__builtin_add_overflow(a, b, &r)) return MONEY_EOVERFLOW;
  *out = r;
  return MONEY_OK;
}

int money_isub(money_i128 a, money_i128 b, money_i128 *out) {
  money_i128 r;
  if (__builtin_sub_overflow(a, b, &r)) return MONEY_EOVERFLOW;
  *out = r;
  return MONEY_OK;
}

int money_to_signed(money_u128 a, money_i128 *out) {
  if (a > (money_u128)MONEY_I128_MAX) return MONEY_EOVERFLOW;
  *out = (money_i128)a;
  return MONEY_OK;
}

int money_to_unsigned(money_i128 a, money_u128 *out) {
  if (a < 0) return MONEY_EOVERFLOW;
  *out = (money_u128)a;
  return MONEY_OK;
}

/* (hi:lo) / v for hi < v, so the quotient fits in 64 bits; the remainder goes to *rem.
 * This compiles to a call of the runtime's __udivti3, which handles hi < v with one hardware
 * divide on x86-64; an inline divq measured no faster. */
static inline uint64_t div_128_by_64(uint64_t hi, uint64_t lo, uint64_t v, uint64_t *rem) {
  u128 n = ((u128)hi << 64) | lo;
  uint64_t q = (uint64_t)(n / v);
  *rem = lo - q * v; /* the true remainder is < v < 2^64, so mod 2^64 is exact */
  return q;
}

/* One quotient digit of (u2:u1:u0) / v (Knuth D with 64-bit digits and a two-digit divisor).
 * v is normalised (top bit set) and (u2:u1) < v, so the digit fits in 64 bits. With a
 * two-digit divisor Knuth's qhat test compares qhat*v against u exactly, so once the test
 * passes qhat is the true digit and no add-back step is needed. */
static inline uint64_t div_192_by_128(uint64_t u2, uint64_t u1, uint64_t u0, u128 v, u128 *rem) {
  uint64_t v1 = (uint64_t)(v >> 64), v0 = (uint64_t)v;
  uint64_t qhat;
  u128 rhat;
  if (u2 == v1) { /* (u2:u1)/v1 >= 2^64: start from the largest digit */
    qhat = UINT64_MAX;
    rhat = (u128)u1 + v1;
  } else {
    uint64_t r;
    qhat = div_128_by_64(u2, u1, v1, &r);
    rhat = r;
  }
  /* qhat*v > u  <=>  qhat*v0 > rhat*2^64 + u0; runs at most twice. */
  while ((rhat >> 64) == 0 && (u128)qhat * v0 > ((rhat << 64) | u0)) {
    qhat--;
    rhat += v1;
  }
  /* The remainder is < v < 2^128, so computing it mod 2^128 is exact. */
  *rem = (((u128)u1 << 64) | u0) - (u128)qhat * v;
  return qhat;
}

/* q = x*y/d (toward zero) and whether the remainder is non-zero. d != 0. */
static int muldiv_core(u128 x, u128 y, u128 d, u128 *q_out, int *inexact) {
  uint64_t x0 = (uint64_t)x, x1 = (uint64_t)(x >> 64);
  uint64_t y0 = (uint64_t)y, y1 = (uint64_t)(y >> 64);

  /* Fast path: the product fits in 128 bits. */
  u128 p;
  if (!__builtin_mul_overflow(x, y, &p)) {
    u128 q;
    if ((d >> 64) == 0 && (uint64_t)(p >> 64) < (uint64_t)d) {
      uint64_t r;
      q = div_128_by_64((uint64_t)(p >> 64), (uint64_t)p, (uint64_t)d, &r);
      *inexact = r != 0;
    } else {
      q = p / d;
      *inexact = p - q * d != 0;
    }
    *q_out = q;
    return MONEY_OK;
  }

  /* 256-bit product (hi:lo) from four 64x64 partial products. */
  u128 p00 = (u128)x0 * y0, p01 = (u128)x0 * y1, p10 = (u128)x1 * y0, p11 = (u128)x1 * y1;
  u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
  u128 lo = (mid << 64) | (uint64_t)p00;
  u128 hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);

  /* The quotient fits in 128 bits exactly when hi < d. */
  if (hi >= d) return MONEY_EOVERFLOW;

  uint64_t lo1 = (uint64_t)(lo >> 64), lo0 = (uint64_t)lo;
  if ((d >> 64) == 0) {
    /* One-digit divisor: hi < d < 2^64, two hardware-sized steps. */
    uint64_t dd = (uint64_t)d, r;
    uint64_t q1 = div_128_by_64((uint64_t)hi, lo1, dd, &r);
    uint64_t q0 = div_128_by_64(r, lo0, dd, &r);
    *q_out = ((u128)q1 << 64) | q0;
    *inexact = r != 0;
    return MONEY_OK;
  }

  /* Two-digit divisor: normalise so d's top bit is set, then two Knuth D steps.
   * hi < d keeps the shifted dividend within 256 bits. */
  int s = __builtin_clzll((uint64_t)(d >> 64));
  u128 vn = d << s;
  u128 nhi = hi, nlo = lo;
  if (s) {
    nhi = (hi << s) | (lo >> (128 - s));
    nlo = lo << s;
  }
  u128 r;
  uint64_t q1 = div_192_by_128((uint64_t)(nhi >> 64), (uint64_t)nhi, (uint64_t)(nlo >> 64), vn, &r);
  uint64_t q0 = div_192_by_128((uint64_t)(r >> 64), (uint64_t)r, (uint64_t)nlo, vn, &r);
  *q_out = ((u128)q1 << 64) | q0;
  *inexact = r != 0;
  return MONEY_OK;
}

int money_muldiv_down(money_u128 x, money_u128 y, money_u128 d, money_u128 *out) {
  if (d == 0) return MONEY_EDIVZERO;
  u128 q;
  int inexact;
  int rc = muldiv_core(x, y, d, &q, &inexact);
  if (rc != MONEY_OK) return rc;
  *out = q;
  return MONEY_OK;
}

int money_muldiv_up(money_u128 x, money_u128 y, money_u128 d, money_u128 *out) {
  if (d == 0) return MONEY_EDIVZERO;
  u128 q;
  int inexact;
  int rc = muldiv_core(x, y, d, &q, &inexact);
  if (rc != MONEY_OK) return rc;
  if (inexact) {
    if (q == MONEY_U128_MAX) return MONEY_EOVERFLOW;
    q++;
  }
  *out = q;
  return MONEY_OK;
}

int money_pow10(unsigned n, money_u128 *out) {
  if (n > MONEY_MAX_DECIMALS) return MONEY_ERANGE;
  u128 v = 1;
  /* 10^19 is the largest power of ten that fits in 64 bits. */
  static const uint64_t small[20] = {
      1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
      100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
      10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
      100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull};
  if (n > 19) {
    v = small[19];
    n -= 19;
  }
  *out = v * small[n];
  return MONEY_OK;
}
