/* money decimal text: exact parsing of human decimal strings and shortest-form formatting. */
#include "money.h"

#include <stdint.h>
#include <string.h>

typedef money_u128 u128;

#define PARSE_MAX_LEN 100
#define CHUNK_DIGITS 19 /* decimal digits that always fit in a uint64_t */
#define CHUNK_POW 10000000000000000000ull /* 10^19 */

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Checks the form digits ['.' digits] over the whole text and measures both runs. */
static int scan(const char *s, size_t len, size_t *int_len, size_t *frac_len) {
  size_t i = 0;
  while (i < len && is_digit(s[i])) i++;
  if (i == 0) return MONEY_ESYNTAX;
  if (i == len) {
    *int_len = i;
    *frac_len = 0;
    return MONEY_OK;
  }
  if (s[i] != '.') return MONEY_ESYNTAX;
  size_t j = i + 1;
  while (j < len && is_digit(s[j])) j++;
  if (j == i + 1 || j != len) return MONEY_ESYNTAX;
  *int_len = i;
  *frac_len = j - i - 1;
  return MONEY_OK;
}

/* *v = *v * 10^n + digits, checked; digits were validated by scan(). */
static int append_digits(const char *d, size_t n, u128 *v) {
  u128 acc = *v;
  while (n) {
    size_t k = n < CHUNK_DIGITS ? n : CHUNK_DIGITS;
    uint64_t chunk = 0;
    for (size_t i = 0; i < k; i++) chunk = chunk * 10 + (uint64_t)(d[i] - '0');
    u128 scale;
    if (money_pow10((unsigned)k, &scale) != MONEY_OK) return MONEY_ERANGE;
    if (acc) {
      if (__builtin_mul_overflow(acc, scale, &acc)) return MONEY_EOVERFLOW;
      if (__builtin_add_overflow(acc, chunk, &acc)) return MONEY_EOVERFLOW;
    } else {
      acc = chunk;
    }
    d += k;
    n -= k;
  }
  *v = acc;
  return MONEY_OK;
}

/* Unsigned magnitude of an already length-checked text, in base units. */
static int parse_magnitude(const char *s, size_t len, unsigned decimals, u128 *out) {
  size_t int_len, frac_len;
  int rc = scan(s, len, &int_len, &frac_len);
  if (rc != MONEY_OK) return rc;
  if (frac_len > decimals) return MONEY_EPRECISION;
  u128 v = 0, scale;
  rc = append_digits(s, int_len, &v);
  if (rc == MONEY_OK && frac_len) rc = append_digits(s + int_len + 1, frac_len, &v);
  if (rc != MONEY_OK) return rc;
  rc = money_pow10(decimals - (unsigned)frac_len, &scale);
  if (rc != MONEY_OK) return rc;
  if (__builtin_mul_overflow(v, scale, &v)) return MONEY_EOVERFLOW;
  *out = v;
  return MONEY_OK;
}

int money_parse(const char *s, size_t len, unsigned decimals, money_u128 *out) {
  if (decimals > MONEY_MAX_DECIMALS) return MONEY_ERANGE;
  if (!s || len == 0 || len > PARSE_MAX_LEN) return MONEY_ESYNTAX;
  return parse_magnitude(s, len, decimals, out);
}

int money_parse_signed(const char *s, size_t len, unsigned decimals, money_i128 *out) {
  if (decimals > MONEY_MAX_DECIMALS) return MONEY_ERANGE;
  if (!s || len == 0 || len > PARSE_MAX_LEN) return MONEY_ESYNTAX;
  int neg = s[0] == '-';
  u128 m;
  int rc = parse_magnitude(s + neg, len - (size_t)neg, decimals, &m);
  if (rc != MONEY_OK) return rc;
  const u128 max_pos = (u128)MONEY_I128_MAX;
  if (m > max_pos + (u128)neg) return MONEY_EOVERFLOW;
  /* -(2^127) is I128_MIN: negate in unsigned arithmetic, then convert. */
  *out = neg ? (m == max_pos + 1 ? MONEY_I128_MIN : -(money_i128)m) : (money_i128)m;
  return MONEY_OK;
}

/* Decimal digits of v without leading zeros ("0" for zero), right-aligned in buf[40];
 * returns the index of the first digit. */
static size_t u128_digits(u128 v, char buf[40]) {
  size_t pos = 40;
  while (v >= CHUNK_POW) {
    uint64_t chunk = (uint64_t)(v % CHUNK_POW);
    v /= CHUNK_POW;
    for (int i = 0; i < CHUNK_DIGITS; i++) {
      buf[--pos] = (char)('0' + chunk % 10);
      chunk /= 10;
    }
  }
  uint64_t top = (uint64_t)v;
  do {
    buf[--pos] = (char)('0' + top % 10);
    top /= 10;
  } while (top);
  return pos;
}

static int format_magnitude(u128 v, int neg, unsigned decimals, char *buf, size_t cap) {
  if (decimals > MONEY_MAX_DECIMALS) return MONEY_ERANGE;
  char digits[40];
  size_t first = u128_digits(v, digits);
  size_t nd = 40 - first;                             /* significant digits */
  size_t int_n = nd > decimals ? nd - decimals : 0;   /* of which before the point */
  size_t lead = decimals > nd ? decimals - nd : 0;    /* zeros right after the point */
  const char *frac = digits + first + int_n;
  size_t frac_n = nd - int_n;
  while (frac_n && frac[frac_n - 1] == '0') frac_n--; /* shortest form */

  char text[MONEY_FMT_MAX];
  size_t k = 0;
  if (neg) text[k++] = '-';
  if (int_n) {
    memcpy(text + k, digits + first, int_n);
    k += int_n;
  } else {
    text[k++] = '0';
  }
  if (frac_n) {
    text[k++] = '.';
    memset(text + k, '0', lead);
    k += lead;
    memcpy(text + k, frac, frac_n);
    k += frac_n;
  }
  if (!buf || k + 1 > cap) return MONEY_EBUFFER;
  memcpy(buf, text, k);
  buf[k] = '\0';
  return (int)k;
}

int money_format(money_u128 v, unsigned decimals, char *buf, size_t cap) {
  return format_magnitude(v, 0, decimals, buf, cap);
}

int money_format_signed(money_i128 v, unsigned decimals, char *buf, size_t cap) {
  int neg = v < 0;
  u128 m = neg ? (u128)0 - (u128)v : (u128)v;
  return format_magnitude(m, neg, decimals, buf, cap);
}
