/* report_format: report rows as JSON items and CSV lines; the paging cursor. */
#include "report_format.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

void report_buf_cleanup(struct report_buf *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

static int buf_put(struct report_buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t ncap = b->cap ? b->cap : 4096;
    while (ncap < b->len + n + 1)
      ncap *= 2;
    char *nd = realloc(b->data, ncap);
    if (!nd) return -1;
    b->data = nd;
    b->cap = ncap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = 0;
  return 0;
}

/* Base units (possibly negative) as decimal text with `decimals`; -1 when not a number. */
static int amount_text(const char *units, int decimals, char out[MONEY_FMT_MAX]) {
  size_t n = strlen(units);
  if (decimals < 0 || decimals > MONEY_MAX_DECIMALS) return -1;
  if (units[0] == '-') {
    money_i128 v;
    if (money_parse_signed(units, n, 0, &v) != MONEY_OK) return -1;
    return money_format_signed(v, (unsigned)decimals, out, MONEY_FMT_MAX) < 0 ? -1 : 0;
  }
  money_u128 v;
  if (money_parse(units, n, 0, &v) != MONEY_OK) return -1;
  return money_format(v, (unsigned)decimals, out, MONEY_FMT_MAX) < 0 ? -1 : 0;
}

static int field_decimals(const struct report_field *f, const struct report_row *row) {
  return f->decimals >= 0 ? f->decimals : row->decimals[f->dec_col];
}

static int parse_int(const char *s, long long *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (!*s || *end || errno) return -1;
  *out = v;
  return 0;
}

json_t *report_row_json(const struct report_def *d, const struct report_row *row) {
  json_t *o = json_object();
  for (int i = 0; o && i < d->nfields; i++) {
    const struct report_field *f = &d->fields[i];
    const char *cell = row->cells[i];
    json_t *v = NULL;
    char amount[MONEY_FMT_MAX];
    long long n;
    if (row->null[i]) {
      v = json_null();
    } else if (f->type == REPORT_T_INT) {
      if (parse_int(cell, &n) == 0) v = json_integer(n);
    } else if (f->type == REPORT_T_AMOUNT) {
      if (amount_text(cell, field_decimals(f, row), amount) == 0) v = json_string(amount);
    } else if (f->type == REPORT_T_JSON) {
      v = json_loads(cell, JSON_DECODE_ANY, NULL);
    } else {
      v = json_string(cell);
    }
    if (!v || json_object_set_new(o, f->name, v) != 0) {
      json_decref(o);
      o = NULL;
    }
  }
  return o;
}

/* A CSV cell: quoted when it holds a comma, a quote, CR or LF (quotes doubled). */
static int csv_cell(struct report_buf *b, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) return buf_put(b, s, strlen(s));
  if (buf_put(b, "\"", 1)) return -1;
  for (const char *p = s; *p; p++) {
    const char *q = strchr(p, '"');
    size_t n = q ? (size_t)(q - p) : strlen(p);
    if (buf_put(b, p, n)) return -1;
    if (!q) break;
    if (buf_put(b, "\"\"", 2)) return -1;
    p = q;
  }
  return buf_put(b, "\"", 1);
}

int report_csv_header(const struct report_def *d, struct report_buf *b) {
  for (int i = 0; i < d->nfields; i++)
    if ((i && buf_put(b, ",", 1)) || csv_cell(b, d->fields[i].name)) return -1;
  return buf_put(b, "\r\n", 2);
}

int report_csv_row(const struct report_def *d, const struct report_row *row, struct report_buf *b) {
  size_t start = b->len;
  for (int i = 0; i < d->nfields; i++) {
    const struct report_field *f = &d->fields[i];
    char amount[MONEY_FMT_MAX];
    const char *cell = row->null[i] ? "" : row->cells[i];
    long long n;
    if (!row->null[i] && f->type == REPORT_T_AMOUNT) {
      if (amount_text(cell, field_decimals(f, row), amount) != 0) goto bad;
      cell = amount;
    } else if (!row->null[i] && f->type == REPORT_T_INT && parse_int(cell, &n) != 0) {
      goto bad;
    }
    if ((i && buf_put(b, ",", 1)) || csv_cell(b, cell)) goto bad;
  }
  if (buf_put(b, "\r\n", 2) == 0) return 0;
bad:
  b->len = start; /* never half a line */
  if (b->data) b->data[start] = 0;
  return -1;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64_val(char c) {
  const char *p = c ? strchr(b64, c) : NULL;
  return p ? (int)(p - b64) : -1;
}

/* The key's text part holds what the reports put there: [a-z0-9_:-]. */
static int key_text_ok(const char *k) {
  for (; *k; k++)
    if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_' || *k == ':' ||
          *k == '-'))
      return 0;
  return 1;
}

int report_cursor_encode(const char *report, const struct report_key *key, char *out, size_t cap) {
  char raw[192];
  int n = snprintf(raw, sizeof raw, "%s|%lld|%lld|%s", report, (long long)key->ms,
                   (long long)key->n, key->k);
  if (n < 0 || (size_t)n >= sizeof raw || cap < ((size_t)n * 4 + 2) / 3 + 1) return -1;
  size_t o = 0;
  for (int i = 0; i < n; i += 3) {
    unsigned v = (unsigned char)raw[i] << 16;
    if (i + 1 < n) v |= (unsigned char)raw[i + 1] << 8;
    if (i + 2 < n) v |= (unsigned char)raw[i + 2];
    out[o++] = b64[(v >> 18) & 63];
    out[o++] = b64[(v >> 12) & 63];
    if (i + 1 < n) out[o++] = b64[(v >> 6) & 63];
    if (i + 2 < n) out[o++] = b64[v & 63];
  }
  out[o] = 0;
  return 0;
}

int report_cursor_decode(const char *report, const char *text, struct report_key *key) {
  size_t len = strlen(text);
  char raw[192];
  size_t o = 0;
  if (len == 0 || len > 250 || len % 4 == 1) return -1;
  for (size_t i = 0; i < len; i += 4) {
    int v[4] = {0, 0, 0, 0}, k = 0;
    for (; k < 4 && i + (size_t)k < len; k++)
      if ((v[k] = b64_val(text[i + (size_t)k])) < 0) return -1;
    unsigned w = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
    raw[o++] = (char)(w >> 16);
    if (k > 2) raw[o++] = (char)(w >> 8 & 0xff);
    if (k > 3) raw[o++] = (char)(w & 0xff);
    /* a partial group's unused low bits must be zero (one text per cursor) */
    if ((k == 2 && (v[1] & 15)) || (k == 3 && (v[2] & 3))) return -1;
  }
  raw[o] = 0;
  if (strlen(raw) != o) return -1; /* no NUL inside */
  size_t rl = strlen(report);
  if (strncmp(raw, report, rl) != 0 || raw[rl] != '|') return -1;
  char *p = raw + rl + 1, *bar1 = strchr(p, '|');
  char *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
  if (!bar2) return -1;
  *bar1 = *bar2 = 0;
  long long ms, n;
  if (parse_int(p, &ms) || parse_int(bar1 + 1, &n) || !key_text_ok(bar2 + 1) ||
      strlen(bar2 + 1) >= sizeof key->k)
    return -1;
  key->ms = ms;
  key->n = n;
  snprintf(key->k, sizeof key->k, "%s", bar2 + 1);
  return 0;
}
