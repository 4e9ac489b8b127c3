/* clock: the business clock, injected everywhere time matters (SPEC 8 OPTDESK_CLOCK).
 * real: wall time; manual: starts at a given ms, moved only by clock_set;
 * accelerated:N: starts at a given ms and runs N times real speed. Thread-safe.
 * Authentication always uses the real wall clock (clock_real_ms), whatever the mode. */
#ifndef OPTDESK_CLOCK_H
#define OPTDESK_CLOCK_H

#include <stdint.h>

enum clock_mode { CLOCK_MODE_REAL, CLOCK_MODE_MANUAL, CLOCK_MODE_ACCELERATED };

struct app_clock {
  enum clock_mode mode;
  int64_t start_business_ms; /* business time at start (manual, accelerated) */
  int64_t start_real_ms;     /* real time at start (accelerated) */
  int64_t speed;             /* accelerated factor */
  int64_t manual_ms;         /* accessed atomically */
  int64_t skipped_ms;        /* accelerated: business time jumped over (atomic) */
};

/* Business time stays within [0, CLOCK_MAX_MS] (the end of year 9999, what expiry dates
 * can name), so no arithmetic on it can overflow. */
#define CLOCK_MAX_MS INT64_C(253402300799999)

int64_t clock_real_ms(void);

/* Parses "real", "manual" or "accelerated:N" (N integer 1..1000000); start_ms < 0 means now.
 * Returns 0, or -1 with a message in err. */
int clock_init(struct app_clock *c, const char *spec, int64_t start_ms, char *err, int errcap);

int64_t clock_now_ms(struct app_clock *c);

/* Manual clock only; refuses to go backwards or past CLOCK_MAX_MS.
 * 0, -1 not manual, -2 backwards, -3 out of range. */
int clock_set(struct app_clock *c, int64_t now_ms);

/* Accelerated clock only (the demo): jumps forward to target_ms at once, skipping an idle
 * wait; never backwards (a target in the past does nothing). 0, -1 not accelerated,
 * -3 out of range. */
int clock_skip_to(struct app_clock *c, int64_t target_ms);

const char *clock_mode_name(const struct app_clock *c);

#endif
