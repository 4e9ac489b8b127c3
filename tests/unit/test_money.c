/* Unit tests of money: checked arithmetic, mul-div (against OpenSSL BIGNUM), decimal text. */
#include "money.h"
#include "testlib.h"

#include <openssl/bn.h>
#include <stdint.h>
#include <stdlib.h>

typedef money_u128 u128;
typedef money_i128 i128;

#define U128(hi, lo) (((u128)(uint64_t)(hi) << 64) | (uint64_t)(lo))
#define UMAX MONEY_U128_MAX
#define IMAX MONEY_I128_MAX
#define IMIN MONEY_I128_MIN
#define U64MAX ((u128)UINT64_MAX)
#define TWO64 U128(1, 0)
#define TWO127 U128(1ull << 63, 0)
#define SENT ((u128)0x5e5e5e5e5e5e5e5eull) /* what an output holds until a success writes it */

/* 10^n built by repeated multiplication, independent of money_pow10. */
static u128 p10(unsigned n) {
  u128 v = 1;
  while (n--) v *= 10;
  return v;
}

/* ---- expectation helpers: status, value, and the output untouched on failure ---- */

typedef int (*binop_u)(u128, u128, u128 *);
typedef int (*binop_i)(i128, i128, i128 *);

static void expect_u(const char *file, int line, const char *name, binop_u f, u128 a, u128 b,
                     int want_rc, u128 want) {
  u128 out = SENT;
  int rc = f(a, b, &out);
  if (rc != want_rc)
    testlib_fail(file, line, "%s(%s, %s): status %s, want %s", name, testlib_u128(a),
                 testlib_u128(b), money_strerror(rc), money_strerror(want_rc));
  else if (rc == MONEY_OK && out != want)
    testlib_fail(file, line, "%s(%s, %s) = %s, want %s", name, testlib_u128(a), testlib_u128(b),
                 testlib_u128(out), testlib_u128(want));
  else if (rc != MONEY_OK && out != SENT)
    testlib_fail(file, line, "%s(%s, %s) wrote its output on failure", name, testlib_u128(a),
                 testlib_u128(b));
}
#define EXPECT_U(fn, a, b, rc, v) expect_u(__FILE__, __LINE__, #fn, fn, a, b, rc, v)

static void expect_i(const char *file, int line, const char *name, binop_i f, i128 a, i128 b,
                     int want_rc, i128 want) {
  i128 out = (i128)SENT;
  int rc = f(a, b, &out);
  if (rc != want_rc)
    testlib_fail(file, line, "%s(%s, %s): status %s, want %s", name, testlib_i128(a),
                 testlib_i128(b), money_strerror(rc), money_strerror(want_rc));
  else if (rc == MONEY_OK && out != want)
    testlib_fail(file, line, "%s(%s, %s) = %s, want %s", name, testlib_i128(a), testlib_i128(b),
                 testlib_i128(out), testlib_i128(want));
  else if (rc != MONEY_OK && out != (i128)SENT)
    testlib_fail(file, line, "%s(%s, %s) wrote its output on failure", name, testlib_i128(a),
                 testlib_i128(b));
}
#define EXPECT_I(fn, a, b, rc, v) expect_i(__FILE__, __LINE__, #fn, fn, a, b, rc, v)

/* Returns 1 when it recorded a failure. */
static int expect_muldiv1(const char *file, int line, const char *name,
                          int (*f)(u128, u128, u128, u128 *), u128 x, u128 y, u128 d,
                          int want_rc, u128 want) {
  u128 out = SENT;
  int rc = f(x, y, d, &out);
  if (rc != want_rc)
    testlib_fail(file, line, "%s(%s, %s, %s): status %s, want %s", name, testlib_u128(x),
                 testlib_u128(y), testlib_u128(d), money_strerror(rc), money_strerror(want_rc));
  else if (rc == MONEY_OK && out != want)
    testlib_fail(file, line, "%s(%s, %s, %s) = %s, want %s", name, testlib_u128(x),
                 testlib_u128(y), testlib_u128(d), testlib_u128(out), testlib_u128(want));
  else if (rc != MONEY_OK && out != SENT)
    testlib_fail(file, line, "%s(%s, %s, %s) wrote its output on failure", name,
                 testlib_u128(x), testlib_u128(y), testlib_u128(d));
  else
    return 0;
  return 1;
}
/* Both roundings of one x*y/d; MULDIV_FAILS evaluates to the number of failures recorded. */
#define EXPECT_MULDIV(x, y, d, rc_down, q_down, rc_up, q_up)                                    \
  ((void)MULDIV_FAILS(x, y, d, rc_down, q_down, rc_up, q_up))
#define MULDIV_FAILS(x, y, d, rc_down, q_down, rc_up, q_up)                                     \
  (expect_muldiv1(__FILE__, __LINE__, "muldiv_down", money_muldiv_down, x, y, d, rc_down,        \
                  q_down) +                                                                    \
   expect_muldiv1(__FILE__, __LINE__, "muldiv_up", money_muldiv_up, x, y, d, rc_up, q_up))
/* An exact quotient: both roundings agree. */
#define EXPECT_MULDIV_EXACT(x, y, d, q) EXPECT_MULDIV(x, y, d, MONEY_OK, q, MONEY_OK, q)
#define MULDIV_EXACT_FAILS(x, y, d, q) MULDIV_FAILS(x, y, d, MONEY_OK, q, MONEY_OK, q)

static void expect_parse(const char *file, int line, const char *s, unsigned dec, int want_rc,
                         u128 want) {
  u128 out = SENT;
  int rc = money_parse(s, strlen(s), dec, &out);
  if (rc != want_rc)
    testlib_fail(file, line, "money_parse(\"%s\", %u): status %s, want %s", s, dec,
                 money_strerror(rc), money_strerror(want_rc));
  else if (rc == MONEY_OK && out != want)
    testlib_fail(file, line, "money_parse(\"%s\", %u) = %s, want %s", s, dec, testlib_u128(out),
                 testlib_u128(want));
  else if (rc != MONEY_OK && out != SENT)
    testlib_fail(file, line, "money_parse(\"%s\", %u) wrote its output on failure", s, dec);
}
#define EXPECT_PARSE(s, dec, v) expect_parse(__FILE__, __LINE__, s, dec, MONEY_OK, v)
#define EXPECT_PARSE_ERR(s, dec, rc) expect_parse(__FILE__, __LINE__, s, dec, rc, 0)

static void expect_parse_signed(const char *file, int line, const char *s, unsigned dec,
                                int want_rc, i128 want) {
  i128 out = (i128)SENT;
  int rc = money_parse_signed(s, strlen(s), dec, &out);
  if (rc != want_rc)
    testlib_fail(file, line, "money_parse_signed(\"%s\", %u): status %s, want %s", s, dec,
                 money_strerror(rc), money_strerror(want_rc));
  else if (rc == MONEY_OK && out != want)
    testlib_fail(file, line, "money_parse_signed(\"%s\", %u) = %s, want %s", s, dec,
                 testlib_i128(out), testlib_i128(want));
  else if (rc != MONEY_OK && out != (i128)SENT)
    testlib_fail(file, line, "money_parse_signed(\"%s\", %u) wrote its output on failure", s, dec);
}
#define EXPECT_PARSE_S(s, dec, v) expect_parse_signed(__FILE__, __LINE__, s, dec, MONEY_OK, v)
#define EXPECT_PARSE_S_ERR(s, dec, rc) expect_parse_signed(__FILE__, __LINE__, s, dec, rc, 0)

static void expect_format(const char *file, int line, u128 v, unsigned dec, const char *want) {
  char buf[MONEY_FMT_MAX];
  memset(buf, 'X', sizeof buf);
  int n = money_format(v, dec, buf, sizeof buf);
  if (n < 0) {
    testlib_fail(file, line, "money_format(%s, %u): status %s", testlib_u128(v), dec,
                 money_strerror(n));
    return;
  }
  if ((size_t)n != strlen(want) || strcmp(buf, want) != 0)
    testlib_fail(file, line, "money_format(%s, %u) = \"%s\" (%d), want \"%s\"", testlib_u128(v),
                 dec, buf, n, want);
}
#define EXPECT_FORMAT(v, dec, s) expect_format(__FILE__, __LINE__, v, dec, s)

static void expect_format_signed(const char *file, int line, i128 v, unsigned dec,
                                 const char *want) {
  char buf[MONEY_FMT_MAX];
  memset(buf, 'X', sizeof buf);
  int n = money_format_signed(v, dec, buf, sizeof buf);
  if (n < 0) {
    testlib_fail(file, line, "money_format_signed(%s, %u): status %s", testlib_i128(v), dec,
                 money_strerror(n));
    return;
  }
  if ((size_t)n != strlen(want) || strcmp(buf, want) != 0)
    testlib_fail(file, line, "money_format_signed(%s, %u) = \"%s\" (%d), want \"%s\"",
                 testlib_i128(v), dec, buf, n, want);
}
#define EXPECT_FORMAT_S(v, dec, s) expect_format_signed(__FILE__, __LINE__, v, dec, s)

/* ---- deterministic random values that favour the edges ---- */

static uint64_t rng_next(uint64_t *state) { /* splitmix64 */
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t rand_limb(uint64_t *st) {
  static const uint64_t special[] = {0, 1, 2, 3, 0x7fffffffffffffffull, 0x8000000000000000ull,
                                     0x8000000000000001ull, 0xfffffffffffffffeull,
                                     0xffffffffffffffffull, 10000000000000000000ull};
  uint64_t r = rng_next(st);
  if ((r & 3) == 0) return special[(r >> 2) % (sizeof special / sizeof special[0])];
  return rng_next(st);
}

static u128 rand_u128(uint64_t *st) {
  uint64_t kind = rng_next(st) % 8;
  switch (kind) {
    case 0: return U128(rng_next(st), rng_next(st));
    case 1: return U128(rng_next(st), rng_next(st)) >> (rng_next(st) % 128);
    case 2: return rng_next(st) >> (rng_next(st) % 64);
    case 3: return U128(rand_limb(st), rand_limb(st));
    case 4: return ((u128)1 << (rng_next(st) % 128)) + (u128)(int64_t)(rng_next(st) % 5 - 2);
    case 5: return p10((unsigned)(rng_next(st) % 39)) * (1 + rng_next(st) % 9);
    case 6: return UMAX - (rng_next(st) % 1000);
    default: return U128(rand_limb(st) >> (rng_next(st) % 64), rand_limb(st));
  }
}

/* ---- OpenSSL BIGNUM reference ---- */

static void bn_set_u128(BIGNUM *bn, u128 v) {
  unsigned char b[16];
  for (int i = 0; i < 16; i++) b[15 - i] = (unsigned char)(v >> (8 * i));
  BN_bin2bn(b, 16, bn);
}

/* 1 and the value if bn fits in 128 bits, else 0. */
static int bn_get_u128(const BIGNUM *bn, u128 *out) {
  unsigned char b[16];
  if (BN_is_negative(bn) || BN_num_bits(bn) > 128) return 0;
  BN_bn2binpad(bn, b, 16);
  u128 v = 0;
  for (int i = 0; i < 16; i++) v = (v << 8) | b[i];
  *out = v;
  return 1;
}

struct bn_ref {
  BN_CTX *ctx;
  BIGNUM *x, *y, *d, *p, *q, *r;
};

static int bn_ref_init(struct bn_ref *b) {
  b->ctx = BN_CTX_new();
  b->x = BN_new(), b->y = BN_new(), b->d = BN_new();
  b->p = BN_new(), b->q = BN_new(), b->r = BN_new();
  return b->ctx && b->x && b->y && b->d && b->p && b->q && b->r;
}

static void bn_ref_cleanup(struct bn_ref *b) {
  BN_free(b->r), BN_free(b->q), BN_free(b->p);
  BN_free(b->d), BN_free(b->y), BN_free(b->x);
  BN_CTX_free(b->ctx);
}

/* The reference x*y/d with the contract's statuses. */
static int bn_muldiv(struct bn_ref *b, u128 x, u128 y, u128 d, int up, u128 *out) {
  if (d == 0) return MONEY_EDIVZERO;
  bn_set_u128(b->x, x), bn_set_u128(b->y, y), bn_set_u128(b->d, d);
  if (!BN_mul(b->p, b->x, b->y, b->ctx) || !BN_div(b->q, b->r, b->p, b->d, b->ctx)) abort();
  if (up && !BN_is_zero(b->r) && !BN_add_word(b->q, 1)) abort();
  return bn_get_u128(b->q, out) ? MONEY_OK : MONEY_EOVERFLOW;
}

/* ============================ arithmetic ============================ */

TEST(strerror_names) {
  CHECK_STR_EQ(money_strerror(MONEY_OK), "ok");
  CHECK_STR_EQ(money_strerror(MONEY_EOVERFLOW), "overflow");
  CHECK_STR_EQ(money_strerror(MONEY_EDIVZERO), "divzero");
  CHECK_STR_EQ(money_strerror(MONEY_ESYNTAX), "syntax");
  CHECK_STR_EQ(money_strerror(MONEY_EPRECISION), "precision");
  CHECK_STR_EQ(money_strerror(MONEY_ERANGE), "range");
  CHECK_STR_EQ(money_strerror(MONEY_EBUFFER), "buffer");
  CHECK_STR_EQ(money_strerror(-99), "unknown");
  CHECK_STR_EQ(money_strerror(7), "unknown");
}

TEST(add_edges) {
  EXPECT_U(money_add, 0, 0, MONEY_OK, 0);
  EXPECT_U(money_add, 1, 0, MONEY_OK, 1);
  EXPECT_U(money_add, U64MAX, 1, MONEY_OK, TWO64);
  EXPECT_U(money_add, U64MAX, U64MAX, MONEY_OK, U128(1, UINT64_MAX - 1));
  EXPECT_U(money_add, TWO127, TWO127 - 1, MONEY_OK, UMAX);
  EXPECT_U(money_add, UMAX - 1, 1, MONEY_OK, UMAX);
  EXPECT_U(money_add, UMAX, 0, MONEY_OK, UMAX);
  EXPECT_U(money_add, UMAX, 1, MONEY_EOVERFLOW, 0); /* over by exactly one */
  EXPECT_U(money_add, 1, UMAX, MONEY_EOVERFLOW, 0);
  EXPECT_U(money_add, TWO127, TWO127, MONEY_EOVERFLOW, 0);
  EXPECT_U(money_add, UMAX, UMAX, MONEY_EOVERFLOW, 0);
}

TEST(sub_edges) {
  EXPECT_U(money_sub, 0, 0, MONEY_OK, 0);
  EXPECT_U(money_sub, 1, 1, MONEY_OK, 0);
  EXPECT_U(money_sub, 1, 0, MONEY_OK, 1);
  EXPECT_U(money_sub, TWO64, 1, MONEY_OK, U64MAX);
  EXPECT_U(money_sub, UMAX, UMAX, MONEY_OK, 0);
  EXPECT_U(money_sub, UMAX, 0, MONEY_OK, UMAX);
  EXPECT_U(money_sub, 0, 1, MONEY_EOVERFLOW, 0); /* under by exactly one */
  EXPECT_U(money_sub, U64MAX, TWO64, MONEY_EOVERFLOW, 0);
  EXPECT_U(money_sub, UMAX - 1, UMAX, MONEY_EOVERFLOW, 0);
  EXPECT_U(money_sub, 0, UMAX, MONEY_EOVERFLOW, 0);
}

TEST(mul_edges) {
  EXPECT_U(money_mul, 0, 0, MONEY_OK, 0);
  EXPECT_U(money_mul, 0, UMAX, MONEY_OK, 0);
  EXPECT_U(money_mul, UMAX, 0, MONEY_OK, 0);
  EXPECT_U(money_mul, 1, UMAX, MONEY_OK, UMAX);
  EXPECT_U(money_mul, U64MAX, U64MAX, MONEY_OK, U128(UINT64_MAX - 1, 1));
  EXPECT_U(money_mul, U64MAX, TWO64 + 1, MONEY_OK, UMAX); /* (2^64-1)(2^64+1) = 2^128-1 */
  EXPECT_U(money_mul, TWO64, U64MAX, MONEY_OK, U128(UINT64_MAX, 0));
  EXPECT_U(money_mul, UMAX / 3, 3, MONEY_OK, UMAX);
  EXPECT_U(money_mul, UMAX / 3 + 1, 3, MONEY_EOVERFLOW, 0);
  EXPECT_U(money_mul, TWO127 - 1, 2, MONEY_OK, UMAX - 1);
  EXPECT_U(money_mul, TWO127, 2, MONEY_EOVERFLOW, 0); /* exactly 2^128: over by one */
  EXPECT_U(money_mul, TWO64, TWO64, MONEY_EOVERFLOW, 0);
  EXPECT_U(money_mul, 2, UMAX, MONEY_EOVERFLOW, 0);
  EXPECT_U(money_mul, UMAX, UMAX, MONEY_EOVERFLOW, 0);
  EXPECT_U(money_mul, p10(19), p10(19), MONEY_OK, p10(38));
  EXPECT_U(money_mul, p10(19), p10(20), MONEY_EOVERFLOW, 0);
}

TEST(iadd_edges) {
  EXPECT_I(money_iadd, 0, 0, MONEY_OK, 0);
  EXPECT_I(money_iadd, -1, 1, MONEY_OK, 0);
  EXPECT_I(money_iadd, IMAX, 0, MONEY_OK, IMAX);
  EXPECT_I(money_iadd, IMAX - 1, 1, MONEY_OK, IMAX);
  EXPECT_I(money_iadd, IMAX, 1, MONEY_EOVERFLOW, 0);
  EXPECT_I(money_iadd, 1, IMAX, MONEY_EOVERFLOW, 0);
  EXPECT_I(money_iadd, IMIN, 0, MONEY_OK, IMIN);
  EXPECT_I(money_iadd, IMIN + 1, -1, MONEY_OK, IMIN);
  EXPECT_I(money_iadd, IMIN, -1, MONEY_EOVERFLOW, 0);
  EXPECT_I(money_iadd, IMIN, IMIN, MONEY_EOVERFLOW, 0);
  EXPECT_I(money_iadd, IMAX, IMAX, MONEY_EOVERFLOW, 0);
  EXPECT_I(money_iadd, IMIN, IMAX, MONEY_OK, -1);
}

TEST(isub_edges) {
  EXPECT_I(money_isub, 0, 0, MONEY_OK, 0);
  EXPECT_I(money_isub, 0, 1, MONEY_OK, -1);
  EXPECT_I(money_isub, 0, IMAX, MONEY_OK, -IMAX);
  EXPECT_I(money_isub, -1, IMAX, MONEY_OK, IMIN);
  EXPECT_I(money_isub, -2, IMAX, MONEY_EOVERFLOW, 0);
  EXPECT_I(money_isub, IMIN, 1, MONEY_EOVERFLOW, 0); /* under by exactly one */
  EXPECT_I(money_isub, IMIN + 1, 1, MONEY_OK, IMIN);
  EXPECT_I(money_isub, 0, IMIN, MONEY_EOVERFLOW, 0);
  EXPECT_I(money_isub, -1, IMIN, MONEY_OK, IMAX);
  EXPECT_I(money_isub, IMAX, -1, MONEY_EOVERFLOW, 0);
  EXPECT_I(money_isub, IMAX, IMAX, MONEY_OK, 0);
  EXPECT_I(money_isub, IMIN, IMIN, MONEY_OK, 0);
}

TEST(signed_conversions) {
  i128 s = (i128)SENT;
  CHECK_INT_EQ(money_to_signed(0, &s), MONEY_OK);
  CHECK_I128_EQ(s, 0);
  CHECK_INT_EQ(money_to_signed((u128)IMAX, &s), MONEY_OK);
  CHECK_I128_EQ(s, IMAX);
  s = (i128)SENT;
  CHECK_INT_EQ(money_to_signed((u128)IMAX + 1, &s), MONEY_EOVERFLOW);
  CHECK_INT_EQ(money_to_signed(UMAX, &s), MONEY_EOVERFLOW);
  CHECK_I128_EQ(s, (i128)SENT);

  u128 u = SENT;
  CHECK_INT_EQ(money_to_unsigned(0, &u), MONEY_OK);
  CHECK_U128_EQ(u, 0);
  CHECK_INT_EQ(money_to_unsigned(IMAX, &u), MONEY_OK);
  CHECK_U128_EQ(u, (u128)IMAX);
  u = SENT;
  CHECK_INT_EQ(money_to_unsigned(-1, &u), MONEY_EOVERFLOW);
  CHECK_INT_EQ(money_to_unsigned(IMIN, &u), MONEY_EOVERFLOW);
  CHECK_U128_EQ(u, SENT);
}

TEST(pow10_all) {
  u128 v;
  for (unsigned n = 0; n <= MONEY_MAX_DECIMALS; n++) {
    v = SENT;
    CHECK_INT_EQ(money_pow10(n, &v), MONEY_OK);
    CHECK_U128_EQ(v, p10(n));
  }
  CHECK_U128_EQ(p10(38), U128(0x4b3b4ca85a86c47aull, 0x098a224000000000ull));
  v = SENT;
  CHECK_INT_EQ(money_pow10(39, &v), MONEY_ERANGE);
  CHECK_INT_EQ(money_pow10(1000, &v), MONEY_ERANGE);
  CHECK_U128_EQ(v, SENT);
}

/* ============================ mul-div ============================ */

TEST(muldiv_divide_by_zero) {
  EXPECT_MULDIV(0, 0, 0, MONEY_EDIVZERO, 0, MONEY_EDIVZERO, 0);
  EXPECT_MULDIV(1, 1, 0, MONEY_EDIVZERO, 0, MONEY_EDIVZERO, 0);
  EXPECT_MULDIV(UMAX, UMAX, 0, MONEY_EDIVZERO, 0, MONEY_EDIVZERO, 0);
}

TEST(muldiv_small_edges) {
  EXPECT_MULDIV_EXACT(0, 0, 1, 0);
  EXPECT_MULDIV_EXACT(0, UMAX, 1, 0);
  EXPECT_MULDIV_EXACT(UMAX, 0, UMAX, 0);
  EXPECT_MULDIV_EXACT(1, 1, 1, 1);
  EXPECT_MULDIV(1, 1, 2, MONEY_OK, 0, MONEY_OK, 1);
  EXPECT_MULDIV(1, 1, UMAX, MONEY_OK, 0, MONEY_OK, 1);
  EXPECT_MULDIV_EXACT(UMAX, 1, 1, UMAX);
  EXPECT_MULDIV_EXACT(1, UMAX, UMAX, 1);
  EXPECT_MULDIV_EXACT(U64MAX, U64MAX, U64MAX, U64MAX);
  EXPECT_MULDIV_EXACT(TWO64, TWO64, TWO64, TWO64);
  EXPECT_MULDIV_EXACT(TWO64, TWO64, TWO127, 2);
  EXPECT_MULDIV_EXACT(TWO64, TWO64, 2, TWO127);
  EXPECT_MULDIV(TWO64, TWO64, 1, MONEY_EOVERFLOW, 0, MONEY_EOVERFLOW, 0);
  EXPECT_MULDIV_EXACT(U64MAX, TWO64 + 1, 1, UMAX);
  EXPECT_MULDIV(U64MAX, TWO64 + 1, TWO64, MONEY_OK, U64MAX, MONEY_OK, TWO64);
  EXPECT_MULDIV(UMAX, UMAX, UMAX - 1, MONEY_EOVERFLOW, 0, MONEY_EOVERFLOW, 0);
  EXPECT_MULDIV(UMAX - 1, UMAX - 1, UMAX, MONEY_OK, UMAX - 2, MONEY_OK, UMAX - 1);
  EXPECT_MULDIV(7, 3, 2, MONEY_OK, 10, MONEY_OK, 11);
  EXPECT_MULDIV_EXACT(6, 4, 3, 8);
}

TEST(muldiv_large_products) {
  EXPECT_MULDIV_EXACT(p10(30), p10(30), p10(22), p10(38));
  EXPECT_MULDIV_EXACT(UMAX, UMAX, UMAX, UMAX);
  EXPECT_MULDIV_EXACT(UMAX, UMAX - 1, UMAX, UMAX - 1);
  EXPECT_MULDIV_EXACT(UMAX, TWO127, TWO127, UMAX);
  EXPECT_MULDIV_EXACT(UMAX, TWO64, TWO64, UMAX);
  EXPECT_MULDIV_EXACT(UMAX, U64MAX, U64MAX, UMAX);
  EXPECT_MULDIV_EXACT(p10(38), p10(38), p10(38), p10(38));
  EXPECT_MULDIV_EXACT(p10(20), p10(20), p10(2), p10(38));
  /* (2^128-1) 2^127 / (2^127+1) = 2^128 - 3 remainder 3 */
  EXPECT_MULDIV(UMAX, TWO127, TWO127 + 1, MONEY_OK, UMAX - 2, MONEY_OK, UMAX - 1);
  EXPECT_MULDIV(UMAX, UMAX, UMAX / 3, MONEY_EOVERFLOW, 0, MONEY_EOVERFLOW, 0);
  /* 18-decimal shares: 10^30 * 3 / (10^30 + 1) rounds down to 2. */
  EXPECT_MULDIV(p10(30), 3, p10(30) + 1, MONEY_OK, 2, MONEY_OK, 3);
  /* a 1-digit divisor with a 256-bit product */
  EXPECT_MULDIV(UMAX, UMAX, U64MAX, MONEY_EOVERFLOW, 0, MONEY_EOVERFLOW, 0);
  EXPECT_MULDIV(UMAX, U64MAX, 3, MONEY_EOVERFLOW, 0, MONEY_EOVERFLOW, 0);
  EXPECT_MULDIV_EXACT(UMAX, 10, 10, UMAX);
  EXPECT_MULDIV_EXACT(p10(37) * 3, 7, 21, p10(37));
}

TEST(muldiv_quotient_limits) {
  /* quotient exactly 2^128-1 */
  EXPECT_MULDIV_EXACT(UMAX, 7, 7, UMAX);
  EXPECT_MULDIV_EXACT(UMAX, TWO127 + 5, TWO127 + 5, UMAX);
  EXPECT_MULDIV_EXACT(U64MAX, TWO64 + 1, 1, UMAX);
  /* quotient exactly 2^128: one above */
  EXPECT_MULDIV(TWO127, 4, 2, MONEY_EOVERFLOW, 0, MONEY_EOVERFLOW, 0);
  EXPECT_MULDIV(TWO64, TWO64, 1, MONEY_EOVERFLOW, 0, MONEY_EOVERFLOW, 0);
  EXPECT_MULDIV(UMAX, TWO64 + 1, TWO64, MONEY_EOVERFLOW, 0, MONEY_EOVERFLOW, 0);
  EXPECT_MULDIV(UMAX, UMAX, UMAX - 1, MONEY_EOVERFLOW, 0, MONEY_EOVERFLOW, 0);
  /* down is exactly 2^128-1 with a remainder, so up is 2^128: (2^43-1)(2^86+2^43+1) = 2^129-1 */
  EXPECT_MULDIV((1ull << 43) - 1, U128(1ull << 22, (1ull << 43) + 1), 2, MONEY_OK, UMAX,
                MONEY_EOVERFLOW, 0);
  /* the same with a 2-digit divisor: (2^128-2)(2^127+6) = (2^128-1)(2^127+5) + 2^127-7 */
  EXPECT_MULDIV(UMAX - 1, TWO127 + 6, TWO127 + 5, MONEY_OK, UMAX, MONEY_EOVERFLOW, 0);
  EXPECT_MULDIV_EXACT(UMAX, TWO64 + 1, TWO64 + 1, UMAX);
}

TEST(muldiv_rounding) {
  /* up == down exactly when the remainder is 0, else down + 1 */
  EXPECT_MULDIV_EXACT(10, 10, 5, 20);
  EXPECT_MULDIV(10, 10, 3, MONEY_OK, 33, MONEY_OK, 34);
  EXPECT_MULDIV(10, 10, 101, MONEY_OK, 0, MONEY_OK, 1);
  EXPECT_MULDIV(UMAX, 2, 3, MONEY_OK, UMAX / 3 * 2, MONEY_OK, UMAX / 3 * 2);
  EXPECT_MULDIV(UMAX, 2, 4, MONEY_OK, UMAX / 2, MONEY_OK, UMAX / 2 + 1);
  EXPECT_MULDIV(UMAX, UMAX, TWO127, MONEY_EOVERFLOW, 0, MONEY_EOVERFLOW, 0);
  EXPECT_MULDIV_EXACT(UMAX, UMAX - 1, UMAX, UMAX - 1);
  EXPECT_MULDIV(UMAX, TWO127, UMAX, MONEY_OK, TWO127, MONEY_OK, TWO127);
  EXPECT_MULDIV(UMAX - 2, TWO127, UMAX, MONEY_OK, TWO127 - 2, MONEY_OK, TWO127 - 1);
  /* the ERC4626 shape: deposit 1 USDC into an empty vault with offset 12 */
  EXPECT_MULDIV_EXACT(1000000, 0 + p10(12), 0 + 1, p10(18));
  /* toAssets of one share out of 10^18 + 10^12 shares backing 10^6 + 1 assets */
  EXPECT_MULDIV(1, 1000000 + 1, p10(18) + p10(12), MONEY_OK, 0, MONEY_OK, 1);

  uint64_t st = 42;
  for (int i = 0; i < 20000; i++) {
    u128 x = rand_u128(&st), y = rand_u128(&st), d = rand_u128(&st);
    if (d == 0) d = 1;
    u128 dn = SENT, upv = SENT;
    int rd = money_muldiv_down(x, y, d, &dn), ru = money_muldiv_up(x, y, d, &upv);
    if (rd != MONEY_OK) {
      CHECK_INT_EQ(rd, MONEY_EOVERFLOW);
      CHECK_INT_EQ(ru, MONEY_EOVERFLOW);
      continue;
    }
    if (ru != MONEY_OK) { /* only when down is 2^128-1 with a remainder */
      CHECK_INT_EQ(ru, MONEY_EOVERFLOW);
      CHECK_U128_EQ(dn, UMAX);
      continue;
    }
    CHECK(upv == dn || upv == dn + 1);
  }
}

TEST(muldiv_fits_and_not) {
  /* x*y fits in 128 bits: divisor below and above 2^64, quotient above and below 2^64 */
  EXPECT_MULDIV(U64MAX, U64MAX, 3, MONEY_OK, U128(UINT64_MAX - 1, 1) / 3,
                MONEY_OK, U128(UINT64_MAX - 1, 1) / 3 + (U128(UINT64_MAX - 1, 1) % 3 != 0));
  EXPECT_MULDIV(U64MAX, U64MAX, U64MAX - 1, MONEY_OK, TWO64, MONEY_OK, TWO64 + 1);
  EXPECT_MULDIV(U64MAX, U64MAX, TWO64 + 7, MONEY_OK, U128(UINT64_MAX - 1, 1) / (TWO64 + 7),
                MONEY_OK, U128(UINT64_MAX - 1, 1) / (TWO64 + 7) + 1);
  EXPECT_MULDIV_EXACT(p10(19), p10(19), p10(19), p10(19));
  EXPECT_MULDIV_EXACT(UMAX, 1, 5, UMAX / 5); /* 2^128-1 = 5 * 0x33..33 */
  EXPECT_MULDIV(UMAX, 1, TWO64 + 1, MONEY_OK, U64MAX, MONEY_OK, U64MAX);
  EXPECT_MULDIV(UMAX, 1, 1ull << 32, MONEY_OK, UMAX >> 32, MONEY_OK, (UMAX >> 32) + 1);
  /* product high half not below a 1-digit divisor: quotient >= 2^64 */
  EXPECT_MULDIV_EXACT(U128(7, 0), 3, 3, U128(7, 0));
  /* x*y does not fit: the same quotients through the 256-bit path */
  EXPECT_MULDIV_EXACT(UMAX, 1ull << 32, 1ull << 32, UMAX);
  EXPECT_MULDIV(UMAX, 3, 4, MONEY_OK, UMAX / 4 * 3 + 2, MONEY_OK, UMAX / 4 * 3 + 3);
  EXPECT_MULDIV(U128(1, 1), U128(1, 1), U128(1, 0), MONEY_OK, U128(1, 2), MONEY_OK, U128(1, 3));
  EXPECT_MULDIV(U128(1, 1), U128(1, 1), U128(1, 3), MONEY_OK, U128(0, UINT64_MAX),
                MONEY_OK, U128(1, 0));
  /* normalisation shift 0 (divisor top bit set) and 63 (top limb is 1) */
  EXPECT_MULDIV_EXACT(UMAX, TWO127 + 1, TWO127 + 1, UMAX);
  EXPECT_MULDIV_EXACT(UMAX, TWO64 + 3, TWO64 + 3, UMAX);
}

TEST(muldiv_identities_random) {
  uint64_t st = 7;
  int failures = 0;
  for (int i = 0; i < 50000 && failures < 10; i++) {
    u128 x = rand_u128(&st), y = rand_u128(&st);
    if (y == 0) y = 1;
    failures += MULDIV_EXACT_FAILS(x, y, y, x); /* x*y/y == x: exact, never overflows */
    failures += MULDIV_EXACT_FAILS(y, x, y, x);
    failures += MULDIV_EXACT_FAILS(x, 1, 1, x);
    /* x*y/1 is x*y exactly when the product fits, else an overflow */
    u128 prod = SENT;
    int rc = money_mul(x, y, &prod);
    failures += MULDIV_FAILS(x, y, 1, rc, prod, rc, prod);
  }
}

TEST(muldiv_vs_bignum_random) {
  struct bn_ref b;
  REQUIRE(bn_ref_init(&b));
  uint64_t st = 0x6f70746465736bull; /* fixed seed */
  int failures = 0, overflowed = 0, exact = 0;
  for (int i = 0; i < 200000 && failures < 10; i++) {
    u128 x = rand_u128(&st), y = rand_u128(&st), d = rand_u128(&st);
    if (i % 4 == 0 && d) d = d >> (rng_next(&st) % 128) | 1; /* more small divisors */
    for (int up = 0; up < 2; up++) {
      u128 want = 0, got = SENT;
      int want_rc = bn_muldiv(&b, x, y, d, up, &want);
      int rc = up ? money_muldiv_up(x, y, d, &got) : money_muldiv_down(x, y, d, &got);
      if (rc != want_rc || (rc == MONEY_OK && got != want) || (rc != MONEY_OK && got != SENT)) {
        testlib_fail(__FILE__, __LINE__,
                     "muldiv_%s(%s, %s, %s): %s %s, BIGNUM says %s %s", up ? "up" : "down",
                     testlib_u128(x), testlib_u128(y), testlib_u128(d), money_strerror(rc),
                     testlib_u128(got), money_strerror(want_rc), testlib_u128(want));
        failures++;
      }
      if (!up) overflowed += want_rc == MONEY_EOVERFLOW, exact += want_rc == MONEY_OK;
    }
  }
  /* the generator must exercise both outcomes in earnest */
  CHECK(overflowed > 20000);
  CHECK(exact > 20000);
  bn_ref_cleanup(&b);
}

/* ============================ decimal parsing ============================ */

TEST(parse_accepted_forms) {
  EXPECT_PARSE("0", 0, 0);
  EXPECT_PARSE("0", 6, 0);
  EXPECT_PARSE("0", 38, 0);
  EXPECT_PARSE("007", 0, 7);
  EXPECT_PARSE("007", 2, 700);
  EXPECT_PARSE("1", 0, 1);
  EXPECT_PARSE("1", 6, 1000000);
  EXPECT_PARSE("1.5", 1, 15);
  EXPECT_PARSE("1.5", 6, 1500000);
  EXPECT_PARSE("56000", 6, 56000000000ull);
  EXPECT_PARSE("56000", 0, 56000);
  EXPECT_PARSE("0.000001", 6, 1);
  EXPECT_PARSE("0.0", 1, 0);
  EXPECT_PARSE("0.000000", 6, 0);
  EXPECT_PARSE("00.10", 2, 10);
  EXPECT_PARSE("1.000000", 6, 1000000);
  EXPECT_PARSE("1.234567", 6, 1234567);
  EXPECT_PARSE("0.12345678", 8, 12345678);
  EXPECT_PARSE("21000000", 8, 2100000000000000ull);
  EXPECT_PARSE("18446744073709551615", 0, U64MAX);
  EXPECT_PARSE("18446744073709551616", 0, TWO64);
  EXPECT_PARSE("10000000000000000000", 0, p10(19)); /* one 19-digit chunk boundary */
  EXPECT_PARSE("9999999999999999999", 0, p10(19) - 1);
  EXPECT_PARSE("123456789012345678901234567890", 0,
               (u128)123456789012ull * p10(18) + 345678901234567890ull);
  EXPECT_PARSE("1.5", 18, 15 * p10(17));
  EXPECT_PARSE("1", 38, p10(38));

  /* len is the text length: what follows is ignored, no NUL needed */
  u128 v = SENT;
  CHECK_INT_EQ(money_parse("1.5xyz", 3, 1, &v), MONEY_OK);
  CHECK_U128_EQ(v, 15);
  char raw[2] = {'4', '2'}; /* not NUL-terminated */
  CHECK_INT_EQ(money_parse(raw, 2, 0, &v), MONEY_OK);
  CHECK_U128_EQ(v, 42);
}

TEST(parse_rejected_syntax) {
  static const char *bad[] = {"",    ".5",  "5.",   "+1",   "-1",    "-0",   "1e5",  "1E5",
                              " 1",  "1 ",  "1..5", "1.5.", ".",     "-",    "+",    "1,5",
                              "0x10", "1_000", "inf", "nan",  "- 1",   "--1",  "1-",   "1.-5",
                              "1.5e", "\t1", "1\n",  "١",    "1.2.3", "0.+1", "٣.5", "1/2"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    EXPECT_PARSE_ERR(bad[i], 0, MONEY_ESYNTAX);
    EXPECT_PARSE_ERR(bad[i], 6, MONEY_ESYNTAX);
    EXPECT_PARSE_ERR(bad[i], 38, MONEY_ESYNTAX);
  }
  /* an embedded NUL is a character like any other */
  u128 v = SENT;
  CHECK_INT_EQ(money_parse("1\0" "2", 3, 0, &v), MONEY_ESYNTAX);
  CHECK_INT_EQ(money_parse("\0", 1, 0, &v), MONEY_ESYNTAX);
  CHECK_INT_EQ(money_parse(NULL, 0, 0, &v), MONEY_ESYNTAX);
  CHECK_U128_EQ(v, SENT);
  /* a syntax error wins over the overflow and the excess precision it may carry */
  EXPECT_PARSE_ERR("99999999999999999999999999999999999999999x", 0, MONEY_ESYNTAX);
  EXPECT_PARSE_ERR("1.1234567x", 6, MONEY_ESYNTAX);
}

TEST(parse_excess_precision) {
  EXPECT_PARSE_ERR("1.5", 0, MONEY_EPRECISION);
  EXPECT_PARSE_ERR("1.0", 0, MONEY_EPRECISION); /* even zeros */
  EXPECT_PARSE_ERR("0.0", 0, MONEY_EPRECISION);
  EXPECT_PARSE_ERR("1.50", 1, MONEY_EPRECISION);
  EXPECT_PARSE_ERR("0.0000001", 6, MONEY_EPRECISION);
  EXPECT_PARSE_ERR("1.0000000", 6, MONEY_EPRECISION);
  EXPECT_PARSE_ERR("0.000000000000000000000000000000000000001", 38, MONEY_EPRECISION);
  EXPECT_PARSE_ERR("0.0000000000000000001", 18, MONEY_EPRECISION);
  /* excess precision is reported before an overflow */
  EXPECT_PARSE_ERR("999999999999999999999999999999999999999999.5", 0, MONEY_EPRECISION);
}

TEST(parse_decimals_out_of_range) {
  EXPECT_PARSE_ERR("1", 39, MONEY_ERANGE);
  EXPECT_PARSE_ERR("0", 1000, MONEY_ERANGE);
  EXPECT_PARSE_ERR("", 39, MONEY_ERANGE);
  EXPECT_PARSE_S_ERR("-1", 39, MONEY_ERANGE);
}

TEST(parse_unsigned_limits) {
  EXPECT_PARSE("340282366920938463463374607431768211455", 0, UMAX);
  EXPECT_PARSE("000340282366920938463463374607431768211455", 0, UMAX);
  EXPECT_PARSE_ERR("340282366920938463463374607431768211456", 0, MONEY_EOVERFLOW);
  EXPECT_PARSE_ERR("340282366920938463463374607431768211460", 0, MONEY_EOVERFLOW);
  EXPECT_PARSE_ERR("999999999999999999999999999999999999999", 0, MONEY_EOVERFLOW);
  EXPECT_PARSE_ERR("1000000000000000000000000000000000000000", 0, MONEY_EOVERFLOW); /* 10^39 */
  EXPECT_PARSE_ERR("10000000000000000000000000000000000000000000000000", 0, MONEY_EOVERFLOW);
  EXPECT_PARSE("100000000000000000000000000000000000000", 0, p10(38));
  /* with decimals the scale can overflow too */
  EXPECT_PARSE("34028236692093846346337460743176821145.5", 1, UMAX);
  EXPECT_PARSE_ERR("34028236692093846346337460743176821145.6", 1, MONEY_EOVERFLOW);
  EXPECT_PARSE_ERR("34028236692093846346337460743176821146", 1, MONEY_EOVERFLOW);
  EXPECT_PARSE("3.40282366920938463463374607431768211455", 38, UMAX);
  EXPECT_PARSE_ERR("3.40282366920938463463374607431768211456", 38, MONEY_EOVERFLOW);
  EXPECT_PARSE_ERR("4", 38, MONEY_EOVERFLOW);
  EXPECT_PARSE("3", 38, 3 * p10(38));
  EXPECT_PARSE_ERR("340282366920938463463.374607431768211456", 18, MONEY_EOVERFLOW);
  EXPECT_PARSE("340282366920938463463.374607431768211455", 18, UMAX);
  EXPECT_PARSE_ERR("340282366920938463464", 18, MONEY_EOVERFLOW);
}

TEST(parse_one_base_unit) {
  EXPECT_PARSE("0.000001", 6, 1);
  EXPECT_PARSE("0.00000001", 8, 1);
  EXPECT_PARSE("0.000000000000000001", 18, 1);
  EXPECT_PARSE("0.00000000000000000000000000000000000001", 38, 1);
  EXPECT_PARSE("0.0000000000000000000000000000000000001", 38, 10);
  EXPECT_PARSE("0.000000000000000001", 38, p10(20));
}

TEST(parse_length_limit) {
  char s[128];
  memset(s, '0', sizeof s);
  s[99] = '7';
  u128 v = SENT;
  CHECK_INT_EQ(money_parse(s, 100, 0, &v), MONEY_OK); /* 100 characters: fine */
  CHECK_U128_EQ(v, 7);
  s[100] = '7';
  v = SENT;
  CHECK_INT_EQ(money_parse(s, 101, 0, &v), MONEY_ESYNTAX); /* 101: too long */
  CHECK_U128_EQ(v, SENT);
  memset(s, '0', sizeof s);
  s[1] = '.';
  CHECK_INT_EQ(money_parse(s, 40, 38, &v), MONEY_OK);
  CHECK_U128_EQ(v, 0);
  i128 sv = (i128)SENT;
  s[0] = '-';
  s[1] = '0';
  CHECK_INT_EQ(money_parse_signed(s, 100, 0, &sv), MONEY_OK); /* "-" + 99 zeros */
  CHECK_I128_EQ(sv, 0);
  sv = (i128)SENT;
  CHECK_INT_EQ(money_parse_signed(s, 101, 0, &sv), MONEY_ESYNTAX);
  CHECK_I128_EQ(sv, (i128)SENT);
}

TEST(parse_signed_forms) {
  EXPECT_PARSE_S("0", 0, 0);
  EXPECT_PARSE_S("-0", 0, 0);
  EXPECT_PARSE_S("-0.000", 3, 0);
  EXPECT_PARSE_S("1.5", 6, 1500000);
  EXPECT_PARSE_S("-1.5", 6, -1500000);
  EXPECT_PARSE_S("-2.25", 6, -2250000);
  EXPECT_PARSE_S("-007", 0, -7);
  EXPECT_PARSE_S("-0.000001", 6, -1);
  EXPECT_PARSE_S("-0.00000000000000000000000000000000000001", 38, -1);
  static const char *bad[] = {"",  "-",  "--1", "+1", "-+1", "+-1", "-.5", "-5.", "- 1",
                              "1-", " -1", "-1e5", "−1", "-1.", "-a", ".", "-.", "0-1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    EXPECT_PARSE_S_ERR(bad[i], 0, MONEY_ESYNTAX);
    EXPECT_PARSE_S_ERR(bad[i], 6, MONEY_ESYNTAX);
  }
  EXPECT_PARSE_S_ERR("-1.5", 0, MONEY_EPRECISION);
  EXPECT_PARSE_S_ERR("-0.0000001", 6, MONEY_EPRECISION);
}

TEST(parse_signed_limits) {
  EXPECT_PARSE_S("170141183460469231731687303715884105727", 0, IMAX);
  EXPECT_PARSE_S_ERR("170141183460469231731687303715884105728", 0, MONEY_EOVERFLOW);
  EXPECT_PARSE_S("-170141183460469231731687303715884105727", 0, -IMAX);
  EXPECT_PARSE_S("-170141183460469231731687303715884105728", 0, IMIN);
  EXPECT_PARSE_S_ERR("-170141183460469231731687303715884105729", 0, MONEY_EOVERFLOW);
  EXPECT_PARSE_S_ERR("340282366920938463463374607431768211455", 0, MONEY_EOVERFLOW);
  EXPECT_PARSE_S_ERR("-340282366920938463463374607431768211456", 0, MONEY_EOVERFLOW);
  EXPECT_PARSE_S_ERR("-1000000000000000000000000000000000000000000", 0, MONEY_EOVERFLOW);
  EXPECT_PARSE_S("1.70141183460469231731687303715884105727", 38, IMAX);
  EXPECT_PARSE_S("-1.70141183460469231731687303715884105728", 38, IMIN);
  EXPECT_PARSE_S_ERR("1.70141183460469231731687303715884105728", 38, MONEY_EOVERFLOW);
  EXPECT_PARSE_S_ERR("-1.70141183460469231731687303715884105729", 38, MONEY_EOVERFLOW);
  EXPECT_PARSE_S_ERR("-2", 38, MONEY_EOVERFLOW);
}

/* Reference decimal parser over BIGNUM: the contract's grammar written out again, the value
 * from BN_dec2bn. Statuses come in the contract's order (syntax, precision, range). */
static int ref_parse(BN_CTX *ctx, const char *s, size_t len, unsigned dec, int is_signed,
                     u128 *mag, int *negp) {
  if (dec > 38) return MONEY_ERANGE;
  if (len == 0 || len > 100) return MONEY_ESYNTAX;
  int neg = is_signed && s[0] == '-';
  char digits[128];
  size_t nd = 0, nfrac = 0, nint = 0;
  int seen_dot = 0;
  for (size_t i = (size_t)neg; i < len; i++) {
    char c = s[i];
    if (c == '.' && !seen_dot && nint > 0) {
      seen_dot = 1;
    } else if (c >= '0' && c <= '9') {
      digits[nd++] = c;
      if (seen_dot) nfrac++; else nint++;
    } else {
      return MONEY_ESYNTAX;
    }
  }
  if (nint == 0 || (seen_dot && nfrac == 0)) return MONEY_ESYNTAX;
  if (nfrac > dec) return MONEY_EPRECISION;
  digits[nd] = '\0';
  BIGNUM *v = NULL, *scale = BN_new(), *ten = BN_new(), *e = BN_new();
  if (!scale || !ten || !e || !BN_dec2bn(&v, digits) || !BN_set_word(ten, 10) ||
      !BN_set_word(e, dec - nfrac) || !BN_exp(scale, ten, e, ctx) || !BN_mul(v, v, scale, ctx))
    abort();
  u128 m = 0;
  int fits = bn_get_u128(v, &m);
  BN_free(e), BN_free(ten), BN_free(scale), BN_free(v);
  if (!fits) return MONEY_EOVERFLOW;
  if (is_signed && m > (u128)IMAX + (u128)neg) return MONEY_EOVERFLOW;
  *mag = m;
  *negp = neg;
  return MONEY_OK;
}

/* A random text near the accepted grammar: digit runs of every length, sometimes a '-',
 * sometimes a stray character. */
static size_t rand_text(uint64_t *st, char *s, size_t cap) {
  static const char noise[] = "-+.e 0x";
  size_t n = 0;
  uint64_t r = rng_next(st);
  if (r % 4 == 0) s[n++] = '-';
  size_t lead = (r >> 8) % 4 == 0 ? (r >> 12) % 5 : 0; /* leading zeros */
  size_t nint = (r >> 16) % 42 + ((r >> 24) % 16 == 0 ? 0 : 1);
  size_t nfrac = (r >> 32) % 3 == 0 ? 0 : (r >> 36) % 41;
  for (size_t i = 0; i < lead && n < cap; i++) s[n++] = '0';
  for (size_t i = 0; i < nint && n < cap; i++) s[n++] = (char)('0' + rng_next(st) % 10);
  if ((r >> 44) % 2 || nfrac) {
    if (n < cap) s[n++] = '.';
    for (size_t i = 0; i < nfrac && n < cap; i++) s[n++] = (char)('0' + rng_next(st) % 10);
    if ((r >> 46) % 3 == 0) /* trailing zeros */
      for (size_t i = 0; i < (r >> 48) % 6 && n < cap; i++) s[n++] = '0';
  }
  if ((r >> 52) % 16 == 0 && n) s[rng_next(st) % n] = noise[rng_next(st) % (sizeof noise - 1)];
  return n;
}

TEST(parse_vs_bignum_random) {
  BN_CTX *ctx = BN_CTX_new();
  REQUIRE(ctx);
  uint64_t st = 1234;
  int failures = 0, ok = 0, overflow = 0, precision = 0, syntax = 0;
  for (int i = 0; i < 60000 && failures < 10; i++) {
    char s[128];
    size_t len = rand_text(&st, s, sizeof s);
    unsigned dec = (unsigned)(rng_next(&st) % 40); /* 39: out of range */
    s[len] = '\0';
    for (int is_signed = 0; is_signed < 2; is_signed++) {
      u128 want = 0;
      int neg = 0;
      int want_rc = ref_parse(ctx, s, len, dec, is_signed, &want, &neg);
      int rc;
      u128 got;
      if (is_signed) {
        i128 sv = (i128)SENT;
        rc = money_parse_signed(s, len, dec, &sv);
        got = rc == MONEY_OK ? (sv < 0 ? (u128)0 - (u128)sv : (u128)sv)
                             : (sv == (i128)SENT ? SENT : 0);
        if (rc == MONEY_OK && want != 0 && (sv < 0) != neg) rc = 99;
      } else {
        got = SENT;
        rc = money_parse(s, len, dec, &got);
      }
      if (rc != want_rc || (rc == MONEY_OK && got != want) || (rc != MONEY_OK && got != SENT)) {
        testlib_fail(__FILE__, __LINE__, "money_parse%s(\"%s\", %u): %s %s, reference %s %s",
                     is_signed ? "_signed" : "", s, dec, money_strerror(rc), testlib_u128(got),
                     money_strerror(want_rc), testlib_u128(want));
        failures++;
      }
      ok += want_rc == MONEY_OK, overflow += want_rc == MONEY_EOVERFLOW;
      precision += want_rc == MONEY_EPRECISION, syntax += want_rc == MONEY_ESYNTAX;
    }
  }
  CHECK(ok > 10000 && overflow > 5000 && precision > 5000 && syntax > 5000);
  BN_CTX_free(ctx);
}

/* ============================ decimal formatting ============================ */

TEST(format_shortest_form) {
  EXPECT_FORMAT(0, 0, "0");
  EXPECT_FORMAT(0, 6, "0");
  EXPECT_FORMAT(0, 38, "0");
  EXPECT_FORMAT(1, 0, "1");
  EXPECT_FORMAT(7, 0, "7");
  EXPECT_FORMAT(1, 6, "0.000001");
  EXPECT_FORMAT(10, 6, "0.00001");
  EXPECT_FORMAT(1500000, 6, "1.5");
  EXPECT_FORMAT(1000000, 6, "1");
  EXPECT_FORMAT(1234567, 6, "1.234567");
  EXPECT_FORMAT(56000000000ull, 6, "56000");
  EXPECT_FORMAT(56000, 0, "56000");
  EXPECT_FORMAT(100, 0, "100");
  EXPECT_FORMAT(100, 2, "1");
  EXPECT_FORMAT(101, 2, "1.01");
  EXPECT_FORMAT(15, 1, "1.5");
  EXPECT_FORMAT(2100000000000000ull, 8, "21000000");
  EXPECT_FORMAT(1, 18, "0.000000000000000001");
  EXPECT_FORMAT(15 * p10(17), 18, "1.5");
  EXPECT_FORMAT(1, 38, "0.00000000000000000000000000000000000001");
  EXPECT_FORMAT(p10(38), 38, "1");
  EXPECT_FORMAT(p10(38), 0, "100000000000000000000000000000000000000");
  EXPECT_FORMAT(p10(19), 0, "10000000000000000000");
  EXPECT_FORMAT(p10(19) - 1, 0, "9999999999999999999");
  EXPECT_FORMAT(p10(19) + 1, 19, "1.0000000000000000001");
  EXPECT_FORMAT(U64MAX, 0, "18446744073709551615");
  EXPECT_FORMAT(TWO64, 0, "18446744073709551616");
  EXPECT_FORMAT(TWO64, 20, "0.18446744073709551616");
  EXPECT_FORMAT(UMAX, 0, "340282366920938463463374607431768211455");
  EXPECT_FORMAT(UMAX, 1, "34028236692093846346337460743176821145.5");
  EXPECT_FORMAT(UMAX, 18, "340282366920938463463.374607431768211455");
  EXPECT_FORMAT(UMAX, 38, "3.40282366920938463463374607431768211455");
  EXPECT_FORMAT(UMAX - 55, 2, "3402823669209384634633746074317682114");

  char buf[MONEY_FMT_MAX] = "untouched";
  CHECK_INT_EQ(money_format(1, 39, buf, sizeof buf), MONEY_ERANGE);
  CHECK_INT_EQ(money_format_signed(-1, 39, buf, sizeof buf), MONEY_ERANGE);
  CHECK_STR_EQ(buf, "untouched");
}

TEST(format_signed) {
  EXPECT_FORMAT_S(0, 0, "0");
  EXPECT_FORMAT_S(0, 6, "0");
  EXPECT_FORMAT_S(-1, 0, "-1");
  EXPECT_FORMAT_S(-2250000, 6, "-2.25");
  EXPECT_FORMAT_S(2250000, 6, "2.25");
  EXPECT_FORMAT_S(-1, 6, "-0.000001");
  EXPECT_FORMAT_S(-1000000, 6, "-1");
  EXPECT_FORMAT_S(IMAX, 0, "170141183460469231731687303715884105727");
  EXPECT_FORMAT_S(IMIN, 0, "-170141183460469231731687303715884105728");
  EXPECT_FORMAT_S(IMIN + 1, 0, "-170141183460469231731687303715884105727");
  EXPECT_FORMAT_S(IMIN, 38, "-1.70141183460469231731687303715884105728");
  EXPECT_FORMAT_S(-1, 38, "-0.00000000000000000000000000000000000001");
}

TEST(format_buffer_size) {
  char buf[MONEY_FMT_MAX];
  memset(buf, 'X', sizeof buf);
  CHECK_INT_EQ(money_format(1500000, 6, buf, 4), 3); /* "1.5" and its NUL: exactly enough */
  CHECK_STR_EQ(buf, "1.5");
  memset(buf, 'X', sizeof buf);
  CHECK_INT_EQ(money_format(1500000, 6, buf, 3), MONEY_EBUFFER);
  CHECK_INT_EQ(money_format(0, 0, buf, 1), MONEY_EBUFFER); /* "0" needs 2 */
  CHECK_INT_EQ(money_format(0, 0, NULL, 0), MONEY_EBUFFER);
  CHECK_INT_EQ(money_format_signed(-15, 1, buf, 4), MONEY_EBUFFER); /* "-1.5" needs 5 */
  for (size_t i = 0; i < sizeof buf; i++) CHECK(buf[i] == 'X'); /* nothing written */
  CHECK_INT_EQ(money_format_signed(-15, 1, buf, 5), 4);
  CHECK_STR_EQ(buf, "-1.5");

  /* the longest texts fit in MONEY_FMT_MAX */
  struct { i128 v; unsigned dec; } worst[] = {{IMIN, 38}, {IMIN, 0}, {-1, 38}, {IMIN + 1, 19}};
  for (size_t i = 0; i < sizeof worst / sizeof worst[0]; i++) {
    int n = money_format_signed(worst[i].v, worst[i].dec, buf, MONEY_FMT_MAX);
    CHECK(n > 0 && n < MONEY_FMT_MAX);
    CHECK_INT_EQ(money_format_signed(worst[i].v, worst[i].dec, buf, (size_t)n + 1), n);
    CHECK_INT_EQ(money_format_signed(worst[i].v, worst[i].dec, buf, (size_t)n), MONEY_EBUFFER);
  }
  for (unsigned dec = 0; dec <= 38; dec++) {
    CHECK(money_format(UMAX, dec, buf, MONEY_FMT_MAX) > 0);
    CHECK(money_format(1, dec, buf, MONEY_FMT_MAX) > 0);
    CHECK(money_format_signed(IMIN, dec, buf, MONEY_FMT_MAX) > 0);
    CHECK(money_format_signed(-1, dec, buf, MONEY_FMT_MAX) > 0);
  }
}

/* The text is in shortest form: no leading zero before a digit, no trailing fractional
 * zero, no bare point, at most `dec` fractional digits. Returns the fractional digit count. */
static int check_shortest(const char *file, int line, const char *s, unsigned dec) {
  const char *p = s + (s[0] == '-');
  const char *dot = strchr(p, '.');
  size_t nint = dot ? (size_t)(dot - p) : strlen(p);
  size_t nfrac = dot ? strlen(dot + 1) : 0;
  if (nint == 0 || (nint > 1 && p[0] == '0') || (dot && (nfrac == 0 || dot[nfrac] == '0')) ||
      nfrac > dec || (s[0] == '-' && strcmp(s, "-0") == 0))
    testlib_fail(file, line, "\"%s\" (decimals %u) is not in shortest form", s, dec);
  return (int)nfrac;
}

TEST(round_trip_all_decimals) {
  uint64_t st = 99;
  char buf[MONEY_FMT_MAX];
  int failures = 0;
  for (unsigned dec = 0; dec <= MONEY_MAX_DECIMALS && failures < 10; dec++) {
    for (int i = 0; i < 3000 && failures < 10; i++) {
      u128 v = rand_u128(&st), back = SENT;
      int n = money_format(v, dec, buf, sizeof buf);
      if (n <= 0 || (size_t)n != strlen(buf)) {
        testlib_fail(__FILE__, __LINE__, "money_format(%s, %u) = %d", testlib_u128(v), dec, n);
        failures++;
        continue;
      }
      int nfrac = check_shortest(__FILE__, __LINE__, buf, dec);
      int rc = money_parse(buf, (size_t)n, dec, &back);
      if (rc != MONEY_OK || back != v) {
        testlib_fail(__FILE__, __LINE__, "parse(format(%s, %u) = \"%s\") = %s %s",
                     testlib_u128(v), dec, buf, money_strerror(rc), testlib_u128(back));
        failures++;
      }
      /* shortest: the text needs exactly its nfrac decimals; one fewer is excess precision */
      u128 scaled = SENT;
      CHECK_INT_EQ(money_parse(buf, (size_t)n, (unsigned)nfrac, &scaled), MONEY_OK);
      CHECK_U128_EQ(scaled, v / p10(dec - (unsigned)nfrac));
      CHECK_U128_EQ(v % p10(dec - (unsigned)nfrac), 0);
      if (nfrac > 0) {
        u128 fewer = SENT;
        CHECK_INT_EQ(money_parse(buf, (size_t)n, (unsigned)nfrac - 1, &fewer), MONEY_EPRECISION);
      }
    }
  }
}

TEST(round_trip_signed_all_decimals) {
  uint64_t st = 5;
  char buf[MONEY_FMT_MAX];
  int failures = 0;
  for (unsigned dec = 0; dec <= MONEY_MAX_DECIMALS && failures < 10; dec++) {
    for (int i = 0; i < 2000 && failures < 10; i++) {
      i128 v = (i128)rand_u128(&st), back = (i128)SENT;
      if (i < 4) v = i == 0 ? IMIN : i == 1 ? IMAX : i == 2 ? -1 : 0;
      int n = money_format_signed(v, dec, buf, sizeof buf);
      if (n <= 0) {
        testlib_fail(__FILE__, __LINE__, "money_format_signed(%s, %u) = %d", testlib_i128(v), dec,
                     n);
        failures++;
        continue;
      }
      check_shortest(__FILE__, __LINE__, buf, dec);
      CHECK((v < 0) == (buf[0] == '-'));
      int rc = money_parse_signed(buf, (size_t)n, dec, &back);
      if (rc != MONEY_OK || back != v) {
        testlib_fail(__FILE__, __LINE__, "parse_signed(format_signed(%s, %u) = \"%s\") = %s %s",
                     testlib_i128(v), dec, buf, money_strerror(rc), testlib_i128(back));
        failures++;
      }
      /* the unsigned side agrees on non-negative values */
      if (v >= 0) {
        char ubuf[MONEY_FMT_MAX];
        CHECK_INT_EQ(money_format((u128)v, dec, ubuf, sizeof ubuf), n);
        CHECK_STR_EQ(ubuf, buf);
      }
    }
  }
}

/* Parsing any accepted text and formatting it gives its canonical form. */
TEST(parse_then_format_canonical) {
  static const struct { const char *in; unsigned dec; const char *out; } cases[] = {
      {"007", 0, "7"},         {"007.50", 2, "7.5"},  {"0.000", 3, "0"},
      {"-0.000", 3, "0"},      {"-00.10", 6, "-0.1"}, {"56000.000000", 6, "56000"},
      {"1.000000000000000001", 18, "1.000000000000000001"},
      {"0000000000000000000000000000000000000000001", 0, "1"},
  };
  char buf[MONEY_FMT_MAX];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    i128 v;
    int rc = money_parse_signed(cases[i].in, strlen(cases[i].in), cases[i].dec, &v);
    CHECK_INT_EQ(rc, MONEY_OK);
    if (rc != MONEY_OK) continue;
    CHECK(money_format_signed(v, cases[i].dec, buf, sizeof buf) > 0);
    CHECK_STR_EQ(buf, cases[i].out);
  }
}
