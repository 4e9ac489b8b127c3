/* log: one line per event, logfmt: `ts=<ISO-8601 UTC> level=<l> event=<name> k=v ...`.
 * Each line is written with one write(2), so lines from threads never interleave.
 * Never pass secrets. Values with spaces or quotes are quoted by log_kv_str. */
#ifndef OPTDESK_LOG_H
#define OPTDESK_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
int log_parse_level(const char *name, enum log_level *out); /* 0 ok, -1 unknown */

/* fields: a printf format producing `k=v k2=v2` (may be NULL). */
void log_event(enum log_level level, const char *event, const char *fields, ...)
    __attribute__((format(printf, 3, 4)));

#endif
