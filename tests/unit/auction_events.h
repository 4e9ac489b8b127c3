/* auction_events: the auction unit tests' event buffer and the helpers that tick an auction
 * and look through what the tick reported (each test file gets its own copy). */
#ifndef OPTDESK_TEST_AUCTION_EVENTS_H
#define OPTDESK_TEST_AUCTION_EVENTS_H

#include "auction.h"
#include "testlib.h"

static struct auction_event ev[AUCTION_TICK_EVENTS_MAX];

static size_t tick_at(const char *file, int line, struct auction *a, int64_t now) {
  size_t n = 0;
  int rc = auction_tick(a, now, ev, AUCTION_TICK_EVENTS_MAX, &n);
  if (rc != AUCTION_OK) testlib_fail(file, line, "auction_tick: %s", auction_strerror(rc));
  return n;
}
#define TICK(a, now) tick_at(__FILE__, __LINE__, (a), (now))

/* The first event of `type` among ev[0..n), or NULL. */
static const struct auction_event *find(size_t n, enum auction_event_type type) {
  for (size_t i = 0; i < n; i++)
    if (ev[i].type == type) return &ev[i];
  return NULL;
}

/* How many events of `type` are among ev[0..n). */
static size_t count(size_t n, enum auction_event_type type) {
  size_t c = 0;
  for (size_t i = 0; i < n; i++)
    c += ev[i].type == type;
  return c;
}

#endif
