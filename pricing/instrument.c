/* instrument: strict parse and canonical format of option and spot pair names. */
#include "instrument.h"

#include "calendar.h"

#include <string.h>

#define STRIKE_DECIMALS 6

int pricing_symbol_valid(const char *s, size_t len) {
  if (len < 1 || len > PRICING_SYMBOL_MAX) return 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return 0;
  }
  return 1;
}

static int digits(const char *s, size_t len, int64_t *v) {
  int64_t x = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    x = x * 10 + (s[i] - '0');
  }
  *v = x;
  return 1;
}

int pricing_expiry_parse(const char *s, size_t len, int64_t *expiry_ms) {
  int64_t y, m, d, ms;
  if (len != 8 || !digits(s, 4, &y) || !digits(s + 4, 2, &m) || !digits(s + 6, 2, &d))
    return PRICING_ESYNTAX;
  if (pricing_expiry_ms(y, (unsigned)m, (unsigned)d, &ms) != PRICING_OK) return PRICING_ESYNTAX;
  *expiry_ms = ms;
  return PRICING_OK;
}

int pricing_expiry_format(int64_t expiry_ms, char *buf, size_t cap) {
  if (pricing_ms_of_day(expiry_ms) != PRICING_EXPIRY_OFFSET_MS) return PRICING_EDOMAIN;
  int64_t y;
  unsigned m, d;
  pricing_civil_from_days(pricing_days_from_ms(expiry_ms), &y, &m, &d);
  if (y < 1970 || y > 9999) return PRICING_EDOMAIN;
  if (cap < 9) return PRICING_ECAPACITY;
  unsigned v[3] = {(unsigned)y, m, d};
  int w[3] = {4, 2, 2};
  char *p = buf;
  for (int i = 0; i < 3; i++) {
    for (int k = w[i] - 1; k >= 0; k--) {
      p[k] = (char)('0' + v[i] % 10);
      v[i] /= 10;
    }
    p += w[i];
  }
  *p = 0;
  return 8;
}

/* Canonical positive strike: money_parse accepts it and money_format writes it back. */
static int strike_parse(const char *s, size_t len, money_u128 *out) {
  money_u128 v;
  char back[MONEY_FMT_MAX];
  if (money_parse(s, len, STRIKE_DECIMALS, &v) != MONEY_OK || v == 0) return PRICING_ESYNTAX;
  int n = money_format(v, STRIKE_DECIMALS, back, sizeof back);
  if (n < 0 || (size_t)n != len || memcmp(back, s, len) != 0) return PRICING_ESYNTAX;
  *out = v;
  return PRICING_OK;
}

/* Split s at '-' into at most `max` parts; returns the number of parts, or -1 if more. */
static int split(const char *s, size_t len, const char **part, size_t *plen, int max) {
  int n = 0;
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i == len || s[i] == '-') {
      if (n == max) return -1;
      part[n] = s + start;
      plen[n] = i - start;
      n++;
      start = i + 1;
    }
  }
  return n;
}

int pricing_instrument_parse(const char *s, size_t len, struct pricing_instrument *out) {
  const char *part[4];
  size_t plen[4];
  if (!s || split(s, len, part, plen, 4) != 4) return PRICING_ESYNTAX;
  struct pricing_instrument r;
  memset(&r, 0, sizeof r);
  if (!pricing_symbol_valid(part[0], plen[0])) return PRICING_ESYNTAX;
  memcpy(r.underlying, part[0], plen[0]);
  if (pricing_expiry_parse(part[1], plen[1], &r.expiry_ms) != PRICING_OK) return PRICING_ESYNTAX;
  if (strike_parse(part[2], plen[2], &r.strike) != PRICING_OK) return PRICING_ESYNTAX;
  if (plen[3] != 1 || (part[3][0] != 'C' && part[3][0] != 'P')) return PRICING_ESYNTAX;
  r.type = part[3][0] == 'C' ? PRICING_CALL : PRICING_PUT;
  *out = r;
  return PRICING_OK;
}

int pricing_instrument_format(const struct pricing_instrument *in, char *buf, size_t cap) {
  size_t ul = strnlen(in->underlying, sizeof in->underlying);
  if (!pricing_symbol_valid(in->underlying, ul) || in->strike == 0 ||
      (in->type != PRICING_CALL && in->type != PRICING_PUT))
    return PRICING_EDOMAIN;
  char date[9], strike[MONEY_FMT_MAX];
  int rc = pricing_expiry_format(in->expiry_ms, date, sizeof date);
  if (rc < 0) return rc;
  int sl = money_format(in->strike, STRIKE_DECIMALS, strike, sizeof strike);
  if (sl < 0) return PRICING_EDOMAIN;
  size_t total = ul + 1 + 8 + 1 + (size_t)sl + 2;
  if (total + 1 > cap) return PRICING_ECAPACITY;
  char *p = buf;
  memcpy(p, in->underlying, ul);
  p += ul;
  *p++ = '-';
  memcpy(p, date, 8);
  p += 8;
  *p++ = '-';
  memcpy(p, strike, (size_t)sl);
  p += sl;
  *p++ = '-';
  *p++ = in->type == PRICING_CALL ? 'C' : 'P';
  *p = 0;
  return (int)total;
}

int pricing_spot_pair_parse(const char *s, size_t len, struct pricing_spot_pair *out) {
  const char *part[2];
  size_t plen[2];
  if (!s || split(s, len, part, plen, 2) != 2) return PRICING_ESYNTAX;
  if (!pricing_symbol_valid(part[0], plen[0]) || !pricing_symbol_valid(part[1], plen[1]))
    return PRICING_ESYNTAX;
  if (plen[0] == plen[1] && memcmp(part[0], part[1], plen[0]) == 0) return PRICING_ESYNTAX;
  struct pricing_spot_pair r;
  memset(&r, 0, sizeof r);
  memcpy(r.base, part[0], plen[0]);
  memcpy(r.quote, part[1], plen[1]);
  *out = r;
  return PRICING_OK;
}

int pricing_spot_pair_format(const struct pricing_spot_pair *in, char *buf, size_t cap) {
  size_t bl = strnlen(in->base, sizeof in->base), ql = strnlen(in->quote, sizeof in->quote);
  if (!pricing_symbol_valid(in->base, bl) || !pricing_symbol_valid(in->quote, ql) ||
      (bl == ql && memcmp(in->base, in->quote, bl) == 0))
    return PRICING_EDOMAIN;
  if (bl + 1 + ql + 1 > cap) return PRICING_ECAPACITY;
  memcpy(buf, in->base, bl);
  buf[bl] = '-';
  memcpy(buf + bl + 1, in->quote, ql);
  buf[bl + 1 + ql] = 0;
  return (int)(bl + 1 + ql);
}
