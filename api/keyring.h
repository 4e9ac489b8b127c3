/* keyring: the API keys the service accepts, with their accounts, roles and secrets in
 * clear (needed to check an HMAC). Loaded from the database at start (secrets opened with
 * the master key), extended when an account is created. Read by every thread: rwlock. */
#ifndef OPTDESK_KEYRING_H
#define OPTDESK_KEYRING_H

#include <stdint.h>

#define KEYRING_ID_MAX 65
#define KEYRING_SECRET_MAX 129

struct keyring;

struct keyring_entry {
  char account[KEYRING_ID_MAX];
  int roles;
  char secret[KEYRING_SECRET_MAX];
};

struct keyring *keyring_new(void);
void keyring_free(struct keyring *k);
/* Adds or replaces the entry for api_key. 0, or -1 out of memory / too long. */
int keyring_put(struct keyring *k, const char *api_key, const struct keyring_entry *e);
/* Copies the entry out; 0 found, -1 unknown key. */
int keyring_get(struct keyring *k, const char *api_key, struct keyring_entry *out);

#endif
