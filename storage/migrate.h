/* migrate: applies the compiled-in migrations not yet recorded in schema_migrations,
 * each in its own transaction together with its record, in name order. Concurrent
 * starters are serialised by an advisory lock. */
#ifndef OPTDESK_MIGRATE_H
#define OPTDESK_MIGRATE_H

#include <stddef.h>

#include "db.h"

/* Returns STORE_OK with the number applied in *applied, or a failure with err filled. */
STORE_WUR int store_migrate(struct db *db, int *applied, char *err, size_t errcap);

#endif
