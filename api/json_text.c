/* json_text: direct JSON text, equal to jansson's compact dump (see json_text.h). */
#include "json_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void json_text_init(struct json_text *t, char *buf, size_t cap) {
  t->p = buf;
  t->end = buf + (cap ? cap - 1 : 0);
  t->bad = cap == 0;
}

long json_text_finish(struct json_text *t, char *buf) {
  if (t->bad) return -1;
  *t->p = 0;
  return (long)(t->p - buf);
}

void json_text_raw(struct json_text *t, const char *s) {
  size_t n = strlen(s);
  if (n > (size_t)(t->end - t->p)) {
    t->bad = 1;
    return;
  }
  memcpy(t->p, s, n);
  t->p += n;
}

/* Only printable ASCII without a quote or backslash: what jansson prints as it is. */
void json_text_str(struct json_text *t, const char *key, const char *v) {
  for (const char *c = v; *c; c++)
    if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e || *c == '"' || *c == '\\') t->bad = 1;
  json_text_raw(t, key);
  json_text_raw(t, "\"");
  json_text_raw(t, v);
  json_text_raw(t, "\"");
}

void json_text_amount(struct json_text *t, const char *key, money_u128 v, unsigned decimals) {
  char buf[MONEY_FMT_MAX];
  if (money_format(v, decimals, buf, sizeof buf) < 0) t->bad = 1;
  else json_text_str(t, key, buf);
}

void json_text_int(struct json_text *t, const char *key, long long v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%lld", v);
  json_text_raw(t, key);
  json_text_raw(t, buf);
}

/* A real as jansson dumps it under JSON_REAL_PRECISION(15): %.15g, ".0" added when there
 * is neither '.' nor 'e', the exponent without '+' or leading zeros. Non-finite: bad (json_real
 * refuses those). */
void json_text_real(struct json_text *t, const char *key, double v) {
  char buf[40];
  int n = isfinite(v) ? snprintf(buf, sizeof buf, "%.15g", v) : -1;
  if (n < 0 || (size_t)n + 3 >= sizeof buf) {
    t->bad = 1;
    return;
  }
  if (!strchr(buf, '.') && !strchr(buf, 'e')) {
    buf[n++] = '.';
    buf[n++] = '0';
    buf[n] = 0;
  }
  char *e = strchr(buf, 'e');
  if (e) {
    char *start = e + 1, *end = start + 1;
    if (*start == '-') start++;
    while (*end == '0') end++;
    if (end != start) memmove(start, end, strlen(end) + 1);
  }
  json_text_raw(t, key);
  json_text_raw(t, buf);
}
