/* routes_reports: GET /v1/reports/{report} (SPEC 8, 9): the back office's reports with time
 * and vault filters and keyset paging, as a JSON page or a streamed CSV export. The reports
 * themselves (columns, SQL) are storage/report_store.c; the cells' text report_format.c. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "report_format.h"
#include "report_store.h"
#include "routes.h"

#define REPORT_JSON_MAX_LIMIT 1000
#define REPORT_CSV_MAX_LIMIT 100000
#define REPORT_DEFAULT_LIMIT 100
/* CSV exports each hold a connection of their own for their whole life: at most this many
 * at once; more answer 503 export_busy (retryable). */
#define REPORT_MAX_EXPORTS 4

static atomic_int active_exports;

struct report_req {
  const struct report_def *def;
  struct report_filter filter;
  int csv;
  char vault[72];
};

static int bad_param(struct rest_ctx *ctx, const char *param, const char *message) {
  rest_error(ctx, 400, "invalid_param", message, json_pack("{s:s}", "param", param));
  return -1;
}

/* A non-negative decimal integer of at most 18 digits. */
static int parse_count(const char *s, long long *out) {
  long long v = 0;
  size_t n = strlen(s);
  if (n == 0 || n > 18) return -1;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

static int vault_id_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 64) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '-'))) return 0;
  }
  return 1;
}

/* Every query parameter must be one of ours, as name=value: a typo must not widen a report. */
static int known_params(struct rest_ctx *ctx) {
  static const char *const names[] = {"from", "to", "vault", "format", "limit", "cursor", "all"};
  const char *q = strchr(ctx->req->path_query, '?');
  while (q && *q) {
    q++;
    const char *end = strchr(q, '&');
    size_t seg = end ? (size_t)(end - q) : strlen(q);
    const char *eq = memchr(q, '=', seg);
    size_t nlen = eq ? (size_t)(eq - q) : seg;
    int known = 0;
    for (size_t i = 0; eq && i < sizeof names / sizeof names[0]; i++)
      known |= strlen(names[i]) == nlen && strncmp(q, names[i], nlen) == 0;
    if (seg && !known) {
      char name[64];
      snprintf(name, sizeof name, "%.*s", (int)(nlen < 60 ? nlen : 60), q);
      rest_error(ctx, 400, "invalid_param",
                 eq ? "unknown parameter (from, to, vault, format, limit, cursor, all)"
                    : "parameters are name=value",
                 json_pack("{s:s}", "param", name));
      return -1;
    }
    q = end;
  }
  return 0;
}

/* A time bound: from/to in business ms. 1 absent, 0 read, -1 answered 400. */
static int query_ms(struct rest_ctx *ctx, const char *key, int64_t *out) {
  char buf[32];
  long long v;
  int rc = rest_query(ctx, key, buf, sizeof buf);
  if (rc == 0) return 1;
  if (rc < 0 || parse_count(buf, &v) != 0)
    return bad_param(ctx, key, "a time in ms since the epoch (a non-negative integer)");
  *out = v;
  return 0;
}

/* Reads and checks the query; on failure answers and returns -1. */
static int read_query(struct rest_ctx *ctx, struct report_req *r) {
  char buf[320];
  struct report_filter *f = &r->filter;
  if (known_params(ctx)) return -1;
  int rc = rest_query(ctx, "format", buf, sizeof buf);
  if (rc < 0 || (rc == 1 && strcmp(buf, "json") && strcmp(buf, "csv")))
    return bad_param(ctx, "format", "format is json or csv");
  r->csv = rc == 1 && strcmp(buf, "csv") == 0;
  if ((rc = query_ms(ctx, "from", &f->from_ms)) < 0) return -1;
  f->has_from = rc == 0;
  if ((rc = query_ms(ctx, "to", &f->to_ms)) < 0) return -1;
  f->has_to = rc == 0;
  if (f->has_from && f->has_to && f->to_ms < f->from_ms)
    return bad_param(ctx, "to", "to must not be before from");
  rc = rest_query(ctx, "vault", r->vault, sizeof r->vault);
  if (rc < 0 || (rc == 1 && !vault_id_ok(r->vault)))
    return bad_param(ctx, "vault", "vault is a vault or depot id");
  f->vault = rc == 1 ? r->vault : NULL;
  int all = 0;
  rc = rest_query(ctx, "all", buf, sizeof buf);
  if (rc < 0 || (rc == 1 && strcmp(buf, "1") && strcmp(buf, "0")))
    return bad_param(ctx, "all", "all is 1 or 0");
  all = rc == 1 && buf[0] == '1';
  if (all && !r->csv) return bad_param(ctx, "all", "all=1 is for format=csv (JSON pages)");
  long long max = r->csv ? REPORT_CSV_MAX_LIMIT : REPORT_JSON_MAX_LIMIT,
            limit = REPORT_DEFAULT_LIMIT;
  rc = rest_query(ctx, "limit", buf, sizeof buf);
  if (rc != 0 && all) return bad_param(ctx, "limit", "limit and all=1 exclude each other");
  if (rc < 0 || (rc == 1 && (parse_count(buf, &limit) != 0 || limit < 1 || limit > max))) {
    rest_error(ctx, 400, "invalid_param", "limit is an integer from 1 to max",
               json_pack("{s:s,s:I}", "param", "limit", "max", (json_int_t)max));
    return -1;
  }
  f->limit = all ? 0 : limit;
  rc = rest_query(ctx, "cursor", buf, sizeof buf);
  if (rc < 0 || (rc == 1 && report_cursor_decode(r->def->name, buf, &f->after) != 0))
    return bad_param(ctx, "cursor", "not a cursor of this report (use next_cursor as given)");
  f->has_after = rc == 1;
  return 0;
}

struct page_arg {
  const struct report_def *def;
  json_t *items;
};

static int page_row(const struct report_row *row, void *p) {
  struct page_arg *a = p;
  json_t *o = report_row_json(a->def, row);
  if (!o) return STORE_EINTERNAL;
  json_array_append_new(a->items, o);
  return 0;
}

static void answer_page(struct rest_ctx *ctx, struct db *db, const struct report_req *r) {
  struct page_arg a = {r->def, json_array()};
  int has_next = 0;
  struct report_key next;
  int st = store_report_page(db, &r->filter, page_row, &a, &has_next, &next);
  if (st) {
    json_decref(a.items);
    rest_store_error(ctx, st);
    return;
  }
  json_t *cursor = json_null();
  char text[256];
  if (has_next && report_cursor_encode(r->def->name, &next, text, sizeof text) == 0) {
    json_decref(cursor);
    cursor = json_string(text);
  }
  rest_json(ctx, 200, json_pack("{s:o,s:o}", "items", a.items, "next_cursor", cursor));
}

/* A CSV export being streamed: the cursor's rows, REPORT_FETCH_ROWS at a time, as text. */
struct csv_export {
  struct report_stream *rs;
  const struct report_def *def;
  struct report_buf buf;
  size_t off;
  int done, failed;
  long long rows;
};

static int csv_row(const struct report_row *row, void *p) {
  struct csv_export *e = p;
  if (report_csv_row(e->def, row, &e->buf) != 0) return STORE_EINTERNAL;
  e->rows++;
  return 0;
}

static ssize_t csv_read(void *cls, char *out, size_t max) {
  struct csv_export *e = cls;
  while (e->off == e->buf.len) {
    if (e->done || e->failed) return e->failed ? -1 : 0;
    e->buf.len = 0;
    e->off = 0;
    int st = store_report_stream_next(e->rs, csv_row, e, &e->done);
    if (st) {
      e->failed = 1;
      log_event(LOG_ERROR, "report_export_failed", "report=%s rows=%lld status=%d", e->def->name,
                e->rows, st);
      return -1;
    }
  }
  size_t n = e->buf.len - e->off < max ? e->buf.len - e->off : max;
  memcpy(out, e->buf.data + e->off, n);
  e->off += n;
  return (ssize_t)n;
}

static void csv_free(void *cls) {
  struct csv_export *e = cls;
  log_event(LOG_INFO, "report_export", "report=%s rows=%lld complete=%d", e->def->name, e->rows,
            e->done && !e->failed && e->off == e->buf.len);
  store_report_stream_close(e->rs);
  report_buf_cleanup(&e->buf);
  free(e);
  atomic_fetch_sub(&active_exports, 1);
}

static void answer_csv(struct rest_ctx *ctx, const struct report_req *r) {
  if (atomic_fetch_add(&active_exports, 1) >= REPORT_MAX_EXPORTS) {
    atomic_fetch_sub(&active_exports, 1);
    rest_error(ctx, 503, "export_busy", "too many CSV exports at once; retry",
               json_pack("{s:b,s:i}", "retryable", 1, "max_exports", REPORT_MAX_EXPORTS));
    ctx->resp->retry_after_s = 1;
    return;
  }
  struct csv_export *e = calloc(1, sizeof *e);
  int st = e ? STORE_OK : STORE_EINTERNAL;
  if (e) {
    e->def = r->def;
    if (report_csv_header(r->def, &e->buf) != 0) st = STORE_EINTERNAL;
  }
  if (st == STORE_OK) st = store_report_stream_open(ctx->app->conninfo, &r->filter, &e->rs);
  if (st) {
    if (e) report_buf_cleanup(&e->buf);
    free(e);
    atomic_fetch_sub(&active_exports, 1);
    rest_store_error(ctx, st);
    return;
  }
  rest_stream(ctx, 200, "text/csv; charset=utf-8", csv_read, csv_free, e);
}

void route_reports(struct rest_ctx *ctx) {
  struct report_req r;
  memset(&r, 0, sizeof r);
  r.def = report_find(ctx->params[0]);
  r.filter.def = r.def;
  if (!r.def) {
    json_t *names = json_array();
    for (int i = 0; report_at(i); i++)
      json_array_append_new(names, json_string(report_at(i)->name));
    rest_error(ctx, 404, "report_not_found", "no such report",
               json_pack("{s:s,s:o}", "report", ctx->params[0], "reports", names));
    return;
  }
  if (read_query(ctx, &r) != 0) return;
  struct db *db = app_db(ctx->app);
  int st = db ? db_ensure(db, NULL, 0) : STORE_EUNAVAILABLE;
  if (st == STORE_OK && r.filter.vault) {
    st = store_report_vault_exists(db, r.filter.vault);
    if (st == 0) {
      rest_error(ctx, 404, "vault_not_found", "no such vault or depot",
                 json_pack("{s:s}", "vault", r.filter.vault));
      return;
    }
    if (st > 0) st = STORE_OK;
  }
  if (st) {
    rest_store_error(ctx, st);
    return;
  }
  if (r.csv)
    answer_csv(ctx, &r);
  else
    answer_page(ctx, db, &r);
}
