/* desk_nonce: per maker, a ring of its last nonces, a set of them, and a floor. */
#include "desk_nonce.h"

#include <stdio.h>
#include <stdlib.h>

#include "strmap.h"

struct book {
  long long *ring;     /* insertion order; grows by doubling up to the window */
  size_t cap, n, head; /* head: the oldest when full */
  int has_floor;
  long long floor;     /* the highest nonce forgotten */
  struct strmap *set;  /* nonce text -> (void *)1 */
};

struct desk_nonces {
  struct strmap *makers; /* maker -> struct book * */
};

struct desk_nonces *desk_nonces_new(void) {
  struct desk_nonces *n = calloc(1, sizeof *n);
  if (n && !(n->makers = strmap_new())) {
    free(n);
    return NULL;
  }
  return n;
}

static void free_book(const char *key, void *value, void *arg) {
  (void)key;
  (void)arg;
  struct book *b = value;
  strmap_free(b->set);
  free(b->ring);
  free(b);
}

void desk_nonces_free(struct desk_nonces *n) {
  if (!n) return;
  strmap_each(n->makers, free_book, NULL);
  strmap_free(n->makers);
  free(n);
}

int desk_nonce_used(const struct desk_nonces *n, const char *maker, long long nonce) {
  const struct book *b = strmap_get(n->makers, maker);
  if (!b) return 0;
  if (b->has_floor && nonce <= b->floor) return 1;
  char key[24];
  snprintf(key, sizeof key, "%lld", nonce);
  return strmap_get(b->set, key) != NULL;
}

int desk_nonce_add(struct desk_nonces *n, const char *maker, long long nonce) {
  struct book *b = strmap_get(n->makers, maker);
  if (!b) {
    if (!(b = calloc(1, sizeof *b)) || !(b->set = strmap_new()) || strmap_put(n->makers, maker, b) != 0) {
      if (b) strmap_free(b->set);
      free(b);
      return -1;
    }
  }
  if (b->n == b->cap && b->cap < DESK_NONCE_WINDOW) { /* grow (the ring is not wrapped yet) */
    size_t cap = b->cap ? b->cap * 2 : 64;
    long long *r = realloc(b->ring, cap * sizeof *r);
    if (!r) return -1;
    b->ring = r;
    b->cap = cap;
  }
  char key[24];
  snprintf(key, sizeof key, "%lld", nonce);
  if (strmap_put(b->set, key, (void *)1) != 0) return -1;
  if (b->n < b->cap) { /* room: append */
    b->ring[(b->head + b->n++) % b->cap] = nonce;
    return 0;
  }
  long long old = b->ring[b->head]; /* full: forget the oldest, raise the floor */
  char okey[24];
  snprintf(okey, sizeof okey, "%lld", old);
  strmap_del(b->set, okey);
  if (!b->has_floor || old > b->floor) b->floor = old;
  b->has_floor = 1;
  b->ring[b->head] = nonce;
  b->head = (b->head + 1) % b->cap;
  return 0;
}
