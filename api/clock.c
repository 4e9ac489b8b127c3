/* clock: real, manual and accelerated business clocks. */
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t clock_real_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int clock_init(struct app_clock *c, const char *spec, int64_t start_ms, char *err, int errcap) {
  memset(c, 0, sizeof *c);
  if (start_ms > CLOCK_MAX_MS) {
    snprintf(err, (size_t)errcap, "OPTDESK_CLOCK_START: at most %lld (year 9999)",
             (long long)CLOCK_MAX_MS);
    return -1;
  }
  c->start_real_ms = clock_real_ms();
  c->start_business_ms = start_ms >= 0 ? start_ms : c->start_real_ms;
  c->speed = 1;
  if (!spec || strcmp(spec, "real") == 0) {
    c->mode = CLOCK_MODE_REAL;
  } else if (strcmp(spec, "manual") == 0) {
    c->mode = CLOCK_MODE_MANUAL;
    c->manual_ms = c->start_business_ms;
  } else if (strncmp(spec, "accelerated:", 12) == 0) {
    char *end;
    long long n = strtoll(spec + 12, &end, 10);
    if (*end || end == spec + 12 || n < 1 || n > 1000000) {
      snprintf(err, (size_t)errcap, "OPTDESK_CLOCK: accelerated:N needs N in 1..1000000");
      return -1;
    }
    c->mode = CLOCK_MODE_ACCELERATED;
    c->speed = n;
  } else {
    snprintf(err, (size_t)errcap, "OPTDESK_CLOCK: expected real, manual or accelerated:N");
    return -1;
  }
  return 0;
}

int64_t clock_now_ms(struct app_clock *c) {
  switch (c->mode) {
  case CLOCK_MODE_MANUAL:
    return __atomic_load_n(&c->manual_ms, __ATOMIC_ACQUIRE);
  case CLOCK_MODE_ACCELERATED: {
    /* elapsed <= a few decades of ms (~1e12) times speed <= 1e6: no overflow */
    int64_t t = c->start_business_ms + (clock_real_ms() - c->start_real_ms) * c->speed +
                __atomic_load_n(&c->skipped_ms, __ATOMIC_ACQUIRE);
    return t < CLOCK_MAX_MS ? t : CLOCK_MAX_MS;
  }
  default:
    return clock_real_ms();
  }
}

int clock_set(struct app_clock *c, int64_t now_ms) {
  if (c->mode != CLOCK_MODE_MANUAL) return -1;
  if (now_ms < 0 || now_ms > CLOCK_MAX_MS) return -3;
  int64_t cur = __atomic_load_n(&c->manual_ms, __ATOMIC_ACQUIRE);
  do {
    if (now_ms < cur) return -2;
  } while (!__atomic_compare_exchange_n(&c->manual_ms, &cur, now_ms, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE));
  return 0;
}

int clock_skip_to(struct app_clock *c, int64_t target_ms) {
  if (c->mode != CLOCK_MODE_ACCELERATED) return -1;
  if (target_ms > CLOCK_MAX_MS) return -3;
  int64_t now = clock_now_ms(c);
  if (target_ms <= now) return 0;
  __atomic_add_fetch(&c->skipped_ms, target_ms - now, __ATOMIC_ACQ_REL);
  return 0;
}

const char *clock_mode_name(const struct app_clock *c) {
  return c->mode == CLOCK_MODE_MANUAL ? "manual"
         : c->mode == CLOCK_MODE_ACCELERATED ? "accelerated" : "real";
}
