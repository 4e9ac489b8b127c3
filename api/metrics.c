/* metrics: atomic counters and latency histograms rendered as Prometheus text. */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds of the latency buckets, in microseconds (+Inf is implicit). */
static const int64_t bucket_us[] = {100, 250, 500, 1000, 2500, 5000, 10000, 25000,
                                    50000, 100000, 250000, 1000000};
#define NBUCKETS (sizeof bucket_us / sizeof bucket_us[0])

struct route_stats {
  char method[8];
  char pattern[80];
  uint64_t by_class[6]; /* 1xx..5xx by first digit */
  uint64_t buckets[NBUCKETS + 1];
  uint64_t sum_us;
  uint64_t count;
};

static struct route_stats routes[METRICS_MAX_ROUTES];
static int nroutes;
static int64_t ws_open;
static uint64_t ws_in, ws_out, ws_rejected;

int metrics_route(const char *method, const char *pattern) {
  if (nroutes == METRICS_MAX_ROUTES) return -1;
  struct route_stats *r = &routes[nroutes];
  snprintf(r->method, sizeof r->method, "%s", method);
  snprintf(r->pattern, sizeof r->pattern, "%s", pattern);
  return nroutes++;
}

void metrics_http_observe(int route, int status, int64_t micros) {
  if (route < 0 || route >= nroutes) return;
  struct route_stats *r = &routes[route];
  int cls = status / 100;
  if (cls < 1 || cls > 5) cls = 5;
  __atomic_add_fetch(&r->by_class[cls], 1, __ATOMIC_RELAXED);
  size_t b = 0;
  while (b < NBUCKETS && micros > bucket_us[b]) b++;
  __atomic_add_fetch(&r->buckets[b], 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&r->sum_us, (uint64_t)(micros > 0 ? micros : 0), __ATOMIC_RELAXED);
  __atomic_add_fetch(&r->count, 1, __ATOMIC_RELAXED);
}

void metrics_ws_connections_add(int delta) { __atomic_add_fetch(&ws_open, delta, __ATOMIC_RELAXED); }
void metrics_ws_message_in(void) { __atomic_add_fetch(&ws_in, 1, __ATOMIC_RELAXED); }
void metrics_ws_message_out(void) { __atomic_add_fetch(&ws_out, 1, __ATOMIC_RELAXED); }
void metrics_ws_rejected(const char *reason_unused) {
  (void)reason_unused;
  __atomic_add_fetch(&ws_rejected, 1, __ATOMIC_RELAXED);
}

struct buf {
  char *p;
  size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...) {
  if (!b->p) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < b->cap - b->len) {
      b->len += (size_t)n;
      return;
    }
    char *np = realloc(b->p, b->cap * 2 + (size_t)n);
    if (!np) {
      free(b->p);
      b->p = NULL;
      return;
    }
    b->p = np;
    b->cap = b->cap * 2 + (size_t)n;
  }
}

char *metrics_render(size_t *len) {
  struct buf b = {malloc(16384), 0, 16384};
  put(&b, "# HELP optdesk_http_requests_total HTTP requests by route and status class.\n"
          "# TYPE optdesk_http_requests_total counter\n");
  for (int i = 0; i < nroutes; i++)
    for (int c = 1; c <= 5; c++) {
      uint64_t v = __atomic_load_n(&routes[i].by_class[c], __ATOMIC_RELAXED);
      if (v)
        put(&b, "optdesk_http_requests_total{method=\"%s\",route=\"%s\",code=\"%dxx\"} %llu\n",
            routes[i].method, routes[i].pattern, c, (unsigned long long)v);
    }
  put(&b, "# HELP optdesk_http_request_duration_seconds HTTP request latency by route.\n"
          "# TYPE optdesk_http_request_duration_seconds histogram\n");
  for (int i = 0; i < nroutes; i++) {
    uint64_t count = __atomic_load_n(&routes[i].count, __ATOMIC_RELAXED);
    if (!count) continue;
    uint64_t cum = 0;
    for (size_t k = 0; k <= NBUCKETS; k++) {
      cum += __atomic_load_n(&routes[i].buckets[k], __ATOMIC_RELAXED);
      if (k < NBUCKETS)
        put(&b, "optdesk_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                "le=\"%g\"} %llu\n",
            routes[i].method, routes[i].pattern, (double)bucket_us[k] / 1e6,
            (unsigned long long)cum);
      else
        put(&b, "optdesk_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                "le=\"+Inf\"} %llu\n",
            routes[i].method, routes[i].pattern, (unsigned long long)cum);
    }
    put(&b, "optdesk_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n",
        routes[i].method, routes[i].pattern,
        (double)__atomic_load_n(&routes[i].sum_us, __ATOMIC_RELAXED) / 1e6);
    put(&b, "optdesk_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
        routes[i].method, routes[i].pattern, (unsigned long long)count);
  }
  put(&b, "# HELP optdesk_ws_connections Open WebSocket connections.\n"
          "# TYPE optdesk_ws_connections gauge\noptdesk_ws_connections %lld\n",
      (long long)__atomic_load_n(&ws_open, __ATOMIC_RELAXED));
  put(&b, "# HELP optdesk_ws_messages_total WebSocket messages by direction.\n"
          "# TYPE optdesk_ws_messages_total counter\n"
          "optdesk_ws_messages_total{direction=\"in\"} %llu\n"
          "optdesk_ws_messages_total{direction=\"out\"} %llu\n",
      (unsigned long long)__atomic_load_n(&ws_in, __ATOMIC_RELAXED),
      (unsigned long long)__atomic_load_n(&ws_out, __ATOMIC_RELAXED));
  put(&b, "# HELP optdesk_ws_rejected_total WebSocket messages refused (rate, size, format).\n"
          "# TYPE optdesk_ws_rejected_total counter\noptdesk_ws_rejected_total %llu\n",
      (unsigned long long)__atomic_load_n(&ws_rejected, __ATOMIC_RELAXED));
  if (b.p && len) *len = b.len;
  return b.p;
}
