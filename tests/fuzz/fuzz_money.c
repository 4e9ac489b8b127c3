/* Fuzz harness of money: decimal text against a reference parser, mul-div against OpenSSL BIGNUM. */
#include "money.h"

#include <openssl/bn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef money_u128 u128;
typedef money_i128 i128;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL_IF(cond, ...)                                                                      \
  do {                                                                                         \
    if (cond) {                                                                                \
      fprintf(stderr, "fuzz_money: %s:%d: ", __FILE__, __LINE__);                              \
      fprintf(stderr, __VA_ARGS__);                                                            \
      fputc('\n', stderr);                                                                     \
      abort();                                                                                 \
    }                                                                                          \
  } while (0)

static BN_CTX *ctx(void) {
  static BN_CTX *c; /* one per process, kept for speed */
  if (!c && !(c = BN_CTX_new())) abort();
  return c;
}

static BIGNUM *bn_from_u128(u128 v) {
  unsigned char b[16];
  for (int i = 0; i < 16; i++) b[15 - i] = (unsigned char)(v >> (8 * i));
  BIGNUM *bn = BN_bin2bn(b, 16, NULL);
  if (!bn) abort();
  return bn;
}

/* 1 and the value if bn is in [0, 2^128), else 0. */
static int bn_to_u128(const BIGNUM *bn, u128 *out) {
  unsigned char b[16];
  if (BN_is_negative(bn) || BN_num_bits(bn) > 128) return 0;
  if (BN_bn2binpad(bn, b, 16) != 16) abort();
  u128 v = 0;
  for (int i = 0; i < 16; i++) v = (v << 8) | b[i];
  *out = v;
  return 1;
}

static const char *u128_text(u128 v, char buf[48]) {
  char tmp[48];
  int n = 0, k = 0;
  do tmp[n++] = (char)('0' + (int)(v % 10)); while ((v /= 10));
  while (n) buf[k++] = tmp[--n];
  buf[k] = '\0';
  return buf;
}

/* ---- decimal text ---- */

struct ref_text {
  int status;
  int neg;        /* a leading '-' was given */
  u128 mag;       /* |value| in base units, when status is MONEY_OK */
  char canon[128]; /* the shortest form the formatter must produce */
};

/* The contract's grammar written out again: [-]digits[.digits], at most 100 characters. */
static void ref_parse(const char *s, size_t len, unsigned dec, int is_signed, struct ref_text *r) {
  r->status = MONEY_OK;
  r->neg = 0;
  r->mag = 0;
  if (dec > MONEY_MAX_DECIMALS) { r->status = MONEY_ERANGE; return; }
  if (len == 0 || len > 100) { r->status = MONEY_ESYNTAX; return; }
  size_t i = 0;
  if (is_signed && s[0] == '-') r->neg = 1, i = 1;
  char idig[128], fdig[128];
  size_t ni = 0, nf = 0;
  while (i < len && s[i] >= '0' && s[i] <= '9') idig[ni++] = s[i++];
  if (i < len && s[i] == '.') {
    i++;
    while (i < len && s[i] >= '0' && s[i] <= '9') fdig[nf++] = s[i++];
    if (nf == 0) { r->status = MONEY_ESYNTAX; return; }
  }
  if (ni == 0 || i != len) { r->status = MONEY_ESYNTAX; return; }
  if (nf > dec) { r->status = MONEY_EPRECISION; return; }

  /* value = (integer digits, fraction digits) * 10^(dec - nf), by BIGNUM */
  char all[256];
  memcpy(all, idig, ni);
  memcpy(all + ni, fdig, nf);
  for (size_t z = 0; z < dec - nf; z++) all[ni + nf + z] = '0';
  all[ni + nf + dec - nf] = '\0';
  BIGNUM *v = NULL;
  if (!BN_dec2bn(&v, all)) abort();
  int fits = bn_to_u128(v, &r->mag);
  BN_free(v);
  if (!fits || (is_signed && r->mag > (u128)MONEY_I128_MAX + (u128)r->neg)) {
    r->status = MONEY_EOVERFLOW;
    return;
  }

  /* canonical text: integer part without leading zeros, fraction without trailing zeros */
  size_t a = 0, k = 0;
  while (a + 1 < ni && idig[a] == '0') a++;
  while (nf && fdig[nf - 1] == '0') nf--;
  if (r->neg && r->mag != 0) r->canon[k++] = '-';
  memcpy(r->canon + k, idig + a, ni - a);
  k += ni - a;
  if (nf) {
    r->canon[k++] = '.';
    memcpy(r->canon + k, fdig, nf);
    k += nf;
  }
  r->canon[k] = '\0';
}

/* The formatter wrote exactly the canonical text of the parsed input. */
static void check_format(const struct ref_text *r, int n, const char *buf, const char *what) {
  FAIL_IF(n < 0 || (size_t)n != strlen(r->canon) || strcmp(buf, r->canon) != 0,
          "%s gave \"%s\" (%d), want \"%s\"", what, n >= 0 ? buf : "", n, r->canon);
}

static void fuzz_text(const uint8_t *data, size_t size) {
  unsigned dec = data[0] % 40; /* 39 is out of range */
  const char *s = (const char *)data + 1;
  size_t len = size - 1;
  char buf[MONEY_FMT_MAX], small[MONEY_FMT_MAX], num[48];
  struct ref_text r;

  /* unsigned */
  ref_parse(s, len, dec, 0, &r);
  u128 v = 0x5e5e;
  int rc = money_parse(s, len, dec, &v);
  FAIL_IF(rc != r.status, "money_parse status %s, reference %s", money_strerror(rc),
          money_strerror(r.status));
  if (rc != MONEY_OK) {
    FAIL_IF(v != 0x5e5e, "money_parse wrote its output on failure");
  } else {
    FAIL_IF(v != r.mag, "money_parse = %s, reference %s", u128_text(v, num),
            u128_text(r.mag, buf));
    int n = money_format(v, dec, buf, sizeof buf);
    check_format(&r, n, buf, "money_format");
    u128 back = 0;
    FAIL_IF(money_parse(buf, (size_t)n, dec, &back) != MONEY_OK || back != v,
            "parse(format(v)) != v for \"%s\"", buf);
    memset(small, 'X', sizeof small);
    FAIL_IF(money_format(v, dec, small, (size_t)n) != MONEY_EBUFFER, "short buffer accepted");
    for (size_t i = 0; i < sizeof small; i++) FAIL_IF(small[i] != 'X', "short buffer written");
  }

  /* signed */
  ref_parse(s, len, dec, 1, &r);
  i128 sv = 0x5e5e;
  rc = money_parse_signed(s, len, dec, &sv);
  FAIL_IF(rc != r.status, "money_parse_signed status %s, reference %s", money_strerror(rc),
          money_strerror(r.status));
  if (rc != MONEY_OK) {
    FAIL_IF(sv != 0x5e5e, "money_parse_signed wrote its output on failure");
  } else {
    u128 mag = sv < 0 ? (u128)0 - (u128)sv : (u128)sv;
    FAIL_IF(mag != r.mag || (sv < 0) != (r.neg && r.mag != 0), "money_parse_signed value");
    int n = money_format_signed(sv, dec, buf, sizeof buf);
    check_format(&r, n, buf, "money_format_signed");
    i128 back = 0;
    FAIL_IF(money_parse_signed(buf, (size_t)n, dec, &back) != MONEY_OK || back != sv,
            "parse_signed(format_signed(v)) != v for \"%s\"", buf);
  }
}

/* ---- arithmetic and mul-div ---- */

static u128 load_u128(const uint8_t *p) {
  u128 v = 0;
  for (int i = 15; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

/* Compares a money result with a BIGNUM one: OK and equal, or EOVERFLOW where it does not fit. */
static void expect_bn(const char *what, int rc, u128 got, const BIGNUM *want) {
  u128 w = 0;
  int fits = bn_to_u128(want, &w);
  char a[48], b[48];
  FAIL_IF(rc != (fits ? MONEY_OK : MONEY_EOVERFLOW), "%s: status %s, reference %s", what,
          money_strerror(rc), fits ? "ok" : "overflow");
  FAIL_IF(fits && got != w, "%s = %s, reference %s", what, u128_text(got, a), u128_text(w, b));
}

static void fuzz_arith(const uint8_t *data) {
  u128 x = load_u128(data), y = load_u128(data + 16), d = load_u128(data + 32);
  BN_CTX *c = ctx();
  BIGNUM *bx = bn_from_u128(x), *by = bn_from_u128(y), *bd = bn_from_u128(d);
  BIGNUM *t = BN_new(), *q = BN_new(), *r = BN_new();
  if (!t || !q || !r) abort();
  u128 out;
  int rc;

  if (!BN_add(t, bx, by)) abort();
  out = 0;
  rc = money_add(x, y, &out);
  expect_bn("money_add", rc, out, t);
  if (!BN_sub(t, bx, by)) abort();
  out = 0;
  rc = money_sub(x, y, &out);
  expect_bn("money_sub", rc, out, t);
  if (!BN_mul(t, bx, by, c)) abort();
  out = 0;
  rc = money_mul(x, y, &out);
  expect_bn("money_mul", rc, out, t);

  u128 down = 0x5e5e, up = 0x5e5e;
  int rd = money_muldiv_down(x, y, d, &down), ru = money_muldiv_up(x, y, d, &up);
  if (d == 0) {
    FAIL_IF(rd != MONEY_EDIVZERO || ru != MONEY_EDIVZERO, "muldiv by zero not EDIVZERO");
    FAIL_IF(down != 0x5e5e || up != 0x5e5e, "muldiv by zero wrote its output");
  } else {
    if (!BN_div(q, r, t, bd, c)) abort();
    expect_bn("money_muldiv_down", rd, down, q);
    if (!BN_is_zero(r) && !BN_add_word(q, 1)) abort();
    expect_bn("money_muldiv_up", ru, up, q);
    FAIL_IF(rd != MONEY_OK && down != 0x5e5e, "muldiv_down wrote its output on failure");
    FAIL_IF(ru != MONEY_OK && up != 0x5e5e, "muldiv_up wrote its output on failure");
  }
  BN_free(r), BN_free(q), BN_free(t);
  BN_free(bd), BN_free(by), BN_free(bx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size >= 1) fuzz_text(data, size);
  if (size >= 48) fuzz_arith(data);
  return 0;
}
