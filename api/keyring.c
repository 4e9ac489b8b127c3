/* keyring: API key -> account, roles, secret; rwlock-protected. */
#include "keyring.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

struct keyring {
  pthread_rwlock_t lock;
  struct strmap *map; /* api_key -> struct keyring_entry* */
};

struct keyring *keyring_new(void) {
  struct keyring *k = calloc(1, sizeof *k);
  if (!k) return NULL;
  k->map = strmap_new();
  if (!k->map) {
    free(k);
    return NULL;
  }
  pthread_rwlock_init(&k->lock, NULL);
  return k;
}

static void free_entry(const char *key, void *value, void *arg) {
  (void)key;
  (void)arg;
  OPENSSL_cleanse(value, sizeof(struct keyring_entry));
  free(value);
}

void keyring_free(struct keyring *k) {
  if (!k) return;
  strmap_each(k->map, free_entry, NULL);
  strmap_free(k->map);
  pthread_rwlock_destroy(&k->lock);
  free(k);
}

int keyring_put(struct keyring *k, const char *api_key, const struct keyring_entry *e) {
  struct keyring_entry *copy = malloc(sizeof *copy);
  if (!copy) return -1;
  *copy = *e;
  pthread_rwlock_wrlock(&k->lock);
  struct keyring_entry *old = strmap_get(k->map, api_key);
  int rc = strmap_put(k->map, api_key, copy);
  pthread_rwlock_unlock(&k->lock);
  if (rc != 0) {
    free(copy);
    return -1;
  }
  if (old) free_entry(NULL, old, NULL);
  return 0;
}

int keyring_get(struct keyring *k, const char *api_key, struct keyring_entry *out) {
  pthread_rwlock_rdlock(&k->lock);
  struct keyring_entry *e = strmap_get(k->map, api_key);
  if (e) *out = *e;
  pthread_rwlock_unlock(&k->lock);
  return e ? 0 : -1;
}
