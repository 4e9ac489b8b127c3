/* Unit tests of the makers' nonce book: unique per maker, bounded memory, a floor for what
 * was forgotten. */
#include "desk_nonce.h"
#include "testlib.h"

TEST(nonces_are_unique_per_maker) {
  struct desk_nonces *n = desk_nonces_new();
  REQUIRE(n);
  CHECK(!desk_nonce_used(n, "a", 7));
  CHECK_INT_EQ(desk_nonce_add(n, "a", 7), 0);
  CHECK(desk_nonce_used(n, "a", 7));
  CHECK(!desk_nonce_used(n, "b", 7)); /* another maker's */
  CHECK(!desk_nonce_used(n, "a", 6)); /* nothing forgotten yet: no floor */
  CHECK(!desk_nonce_used(n, "a", -5));
  desk_nonces_free(n);
}

TEST(nonces_beyond_the_window_are_forgotten_under_a_floor) {
  struct desk_nonces *n = desk_nonces_new();
  REQUIRE(n);
  /* increasing nonces, one window and 10 more: the 10 oldest are forgotten */
  for (long long k = 1; k <= DESK_NONCE_WINDOW + 10; k++) REQUIRE(desk_nonce_add(n, "m", k * 2) == 0);
  CHECK(desk_nonce_used(n, "m", 2));                                /* forgotten: under the floor */
  CHECK(desk_nonce_used(n, "m", 19));                               /* never used, but under the floor 20 */
  CHECK(!desk_nonce_used(n, "m", 21));                              /* above the floor, unused */
  CHECK(desk_nonce_used(n, "m", 22));                               /* remembered */
  CHECK(desk_nonce_used(n, "m", (DESK_NONCE_WINDOW + 10) * 2));     /* the newest */
  CHECK(!desk_nonce_used(n, "m", (DESK_NONCE_WINDOW + 10) * 2 + 1)); /* the next one is fresh */
  desk_nonces_free(n);
}
