/* metrics: process counters in Prometheus text format (SPEC 8 /metrics).
 * Lock-free atomics; any thread may record. Route labels are route patterns, never raw
 * paths, so the series stay bounded. */
#ifndef OPTDESK_METRICS_H
#define OPTDESK_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_MAX_ROUTES 96

/* Registers a route label once at start-up; returns its index (or -1 when full). */
int metrics_route(const char *method, const char *pattern);

void metrics_http_observe(int route, int status, int64_t micros);
void metrics_ws_connections_add(int delta);
void metrics_ws_message_in(void);
void metrics_ws_message_out(void);
void metrics_ws_rejected(const char *reason_unused);

/* Renders all metrics; returns a malloc'ed NUL-terminated text (caller frees) or NULL. */
char *metrics_render(size_t *len);

#endif
