/* idempotency_store: the first response to a keyed request, kept so a retry gets it again.
 * Use inside the same transaction as the operation it guards. */
#ifndef OPTDESK_IDEMPOTENCY_STORE_H
#define OPTDESK_IDEMPOTENCY_STORE_H

#include <stdint.h>

#include "db.h"

/* Looks up (account, key) and locks it. STORE_ENOTFOUND when absent; otherwise fills
 * request_hash (65 bytes), *status and a malloc'ed *response_box (free it). */
STORE_WUR int store_idem_get(struct db *db, const char *account, const char *key,
                             char request_hash[65], int *status, char **response_box);

/* Records the response. STORE_ECONFLICT when a concurrent request recorded the key first. */
STORE_WUR int store_idem_put(struct db *db, const char *account, const char *key,
                             const char *request_hash, int status, const char *response_box,
                             int64_t now_ms);

#endif
