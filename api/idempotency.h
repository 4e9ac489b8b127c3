/* idempotency: runs a state-changing REST operation in one transaction together with the
 * record of its Idempotency-Key (when the request has one). A retry with the same key and
 * the same request returns the first response and changes nothing; the same key with a
 * different request is refused (422 idempotency_key_reused). Stored responses are sealed
 * under the master key (they may hold a secret shown once). */
#ifndef OPTDESK_IDEMPOTENCY_H
#define OPTDESK_IDEMPOTENCY_H

#include "rest.h"

struct db;

/* The operation: does its writes on db and sets the response with rest_json/rest_error.
 * Returns 0 to commit; non-zero to roll back (its response, an error, stands). A failed
 * statement must make it return non-zero; the store status is then reported (503/500). */
typedef int (*idem_op)(struct db *db, struct rest_ctx *ctx, void *arg);

/* Returns 0 when the operation (or a replay) committed, 1 when it was refused or failed
 * (the response already says why). *replayed (optional) is set when a stored response was
 * returned. */
int idem_run(struct rest_ctx *ctx, idem_op op, void *arg, int *replayed);

#endif
