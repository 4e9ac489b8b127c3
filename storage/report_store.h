/* report_store: the back office's reports (SPEC 8) as SQL: one definition per report (its
 * columns, in the order JSON and CSV show them, and where each amount's decimals come
 * from), keyset paging on a (ms, k, n) key, and two readers: a page (limit + 1 rows on the
 * caller's connection) and a stream (a server-side cursor on its own connection, FETCH 500
 * at a time) for large CSV exports. Cells come back as text: NUMERIC in base units, BIGINT
 * as digits; api/ turns them into decimal strings. */
#ifndef OPTDESK_REPORT_STORE_H
#define OPTDESK_REPORT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

#define REPORT_MAX_FIELDS 32
#define REPORT_MAX_DEC 2
#define REPORT_KEY_MAX 96     /* the key's text part, NUL included */
#define REPORT_FETCH_ROWS 500 /* rows per FETCH of a stream */

enum report_type {
  REPORT_T_TEXT,   /* a string */
  REPORT_T_INT,    /* a 64-bit integer (times in ms, counts, cycle numbers) */
  REPORT_T_AMOUNT, /* NUMERIC base units (may be negative), shown with decimals */
  REPORT_T_JSON,   /* a JSON document (legs, refusal details) */
};

struct report_field {
  const char *name;
  enum report_type type;
  int decimals; /* REPORT_T_AMOUNT: fixed decimals, or -1: the row's decimals column dec_col */
  int dec_col;
};

struct report_def {
  const char *name; /* the path segment: "fills", "depot-trades", ... */
  const struct report_field *fields;
  int nfields;
  int ndec; /* hidden per-row decimals columns after the fields */
  /* The inner SELECT: the fields, then _d0.._d{ndec-1}, then _ms BIGINT, _k TEXT,
   * _n BIGINT (the sort key, unique per row) and _vault TEXT (the vault filter). */
  const char *sql;
};

/* The report of that name, or NULL. */
const struct report_def *report_find(const char *name);
/* The i-th report (NULL past the end), for listing the names. */
const struct report_def *report_at(int i);

/* A row's position in its report: rows are ordered by (ms, k, n). */
struct report_key {
  int64_t ms;
  int64_t n;
  char k[REPORT_KEY_MAX];
};

struct report_filter {
  const struct report_def *def;
  int has_from, has_to;
  int64_t from_ms, to_ms; /* from inclusive, to exclusive, on the key's ms */
  const char *vault;      /* NULL: every vault */
  int has_after;
  struct report_key after; /* rows strictly after this key */
  long long limit;         /* rows wanted; 0: no limit (streams only) */
};

/* One row as read: cells[i] is "" when null[i]; decimals[] holds the row's decimals
 * columns. Valid only during the callback. */
struct report_row {
  const char *cells[REPORT_MAX_FIELDS];
  int null[REPORT_MAX_FIELDS];
  int decimals[REPORT_MAX_DEC];
  struct report_key key;
};
/* Returns 0 to go on, non-zero to stop (a stream then ends with that status). */
typedef int (*report_row_fn)(const struct report_row *row, void *arg);

/* A page: up to filter->limit rows in key order, fn called for each. When more rows follow,
 * *has_next is 1 and *next the last row's key (the next page's cursor). */
STORE_WUR int store_report_page(struct db *db, const struct report_filter *filter, report_row_fn fn,
                                void *arg, int *has_next, struct report_key *next);

/* A stream over its own connection to conninfo: BEGIN REPEATABLE READ READ ONLY and a
 * cursor declared at open (errors then are the caller's to answer); each _next FETCHes
 * REPORT_FETCH_ROWS rows and calls fn for each, setting *done after the last. _close
 * (NULL-safe) ends the transaction and the connection. */
struct report_stream;
STORE_WUR int store_report_stream_open(const char *conninfo, const struct report_filter *filter,
                                       struct report_stream **out);
STORE_WUR int store_report_stream_next(struct report_stream *s, report_row_fn fn, void *arg,
                                       int *done);
void store_report_stream_close(struct report_stream *s);

/* 1 when the vault exists, 0 when not; or a store status < 0. */
STORE_WUR int store_report_vault_exists(struct db *db, const char *vault);

#endif
