/* strmap: open-addressing hash map with linear probing and tombstones. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char tombstone;

struct slot {
  char *key; /* NULL empty, &tombstone deleted */
  void *value;
};

struct strmap {
  struct slot *slots;
  size_t cap, count, used; /* used counts tombstones too */
};

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  while (*s) {
    h ^= (unsigned char)*s++;
    h *= 1099511628211ull;
  }
  return h;
}

struct strmap *strmap_new(void) {
  struct strmap *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->cap = 16;
  m->slots = calloc(m->cap, sizeof *m->slots);
  if (!m->slots) {
    free(m);
    return NULL;
  }
  return m;
}

void strmap_free(struct strmap *m) {
  if (!m) return;
  for (size_t i = 0; i < m->cap; i++)
    if (m->slots[i].key && m->slots[i].key != &tombstone) free(m->slots[i].key);
  free(m->slots);
  free(m);
}

static struct slot *find(const struct strmap *m, const char *key) {
  size_t i = hash(key) & (m->cap - 1);
  for (;;) {
    struct slot *s = &m->slots[i];
    if (!s->key) return NULL;
    if (s->key != &tombstone && strcmp(s->key, key) == 0) return s;
    i = (i + 1) & (m->cap - 1);
  }
}

static int grow(struct strmap *m) {
  size_t ncap = m->count * 4 > m->cap ? m->cap * 2 : m->cap; /* rehash drops tombstones */
  struct slot *ns = calloc(ncap, sizeof *ns);
  if (!ns) return -1;
  for (size_t i = 0; i < m->cap; i++) {
    struct slot *s = &m->slots[i];
    if (!s->key || s->key == &tombstone) continue;
    size_t j = hash(s->key) & (ncap - 1);
    while (ns[j].key) j = (j + 1) & (ncap - 1);
    ns[j] = *s;
  }
  free(m->slots);
  m->slots = ns;
  m->cap = ncap;
  m->used = m->count;
  return 0;
}

int strmap_put(struct strmap *m, const char *key, void *value) {
  struct slot *s = find(m, key);
  if (s) {
    s->value = value;
    return 0;
  }
  if ((m->used + 1) * 4 > m->cap * 3 && grow(m) != 0) return -1;
  char *k = strdup(key);
  if (!k) return -1;
  size_t i = hash(key) & (m->cap - 1);
  while (m->slots[i].key && m->slots[i].key != &tombstone) i = (i + 1) & (m->cap - 1);
  if (!m->slots[i].key) m->used++;
  m->slots[i].key = k;
  m->slots[i].value = value;
  m->count++;
  return 0;
}

void *strmap_get(const struct strmap *m, const char *key) {
  struct slot *s = find(m, key);
  return s ? s->value : NULL;
}

void *strmap_del(struct strmap *m, const char *key) {
  struct slot *s = find(m, key);
  if (!s) return NULL;
  void *v = s->value;
  free(s->key);
  s->key = &tombstone;
  s->value = NULL;
  m->count--;
  return v;
}

size_t strmap_count(const struct strmap *m) { return m->count; }

void strmap_each(const struct strmap *m, void (*fn)(const char *key, void *value, void *arg),
                 void *arg) {
  for (size_t i = 0; i < m->cap; i++)
    if (m->slots[i].key && m->slots[i].key != &tombstone) fn(m->slots[i].key, m->slots[i].value, arg);
}
