/* report_format: a report row (storage/report_store.h) as a JSON item or a CSV line, with
 * the same fields in the same order and the same decimal strings, and the opaque paging
 * cursor. No I/O. */
#ifndef OPTDESK_REPORT_FORMAT_H
#define OPTDESK_REPORT_FORMAT_H

#include <jansson.h>
#include <stddef.h>

#include "report_store.h"

/* A growable byte buffer for CSV text. */
struct report_buf {
  char *data;
  size_t len, cap;
};
void report_buf_cleanup(struct report_buf *b);

/* The row as a JSON object (NULL when a cell does not parse: a bug, logged by the caller).
 * Amounts are decimal strings, integers numbers, JSON cells documents, NULLs null. */
json_t *report_row_json(const struct report_def *d, const struct report_row *row);
/* The header line and a row's line (RFC 4180, CRLF): NULL is an empty cell, an amount its
 * decimal string as in JSON, a JSON cell its text. 0, or -1 (out of memory or a bad cell). */
int report_csv_header(const struct report_def *d, struct report_buf *b);
int report_csv_row(const struct report_def *d, const struct report_row *row, struct report_buf *b);

/* The cursor of a key: base64url (no padding) of "<report>|<ms>|<n>|<k>". cap >= 256. */
int report_cursor_encode(const char *report, const struct report_key *key, char *out, size_t cap);
/* 0 and *key, or -1 when text is not a cursor of this report. */
int report_cursor_decode(const char *report, const char *text, struct report_key *key);

#endif
