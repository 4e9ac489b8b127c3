/* settlement_store: published oracle settlement prices (immutable once written). */
#ifndef OPTDESK_SETTLEMENT_STORE_H
#define OPTDESK_SETTLEMENT_STORE_H

#include <stdint.h>

#include "db.h"

struct store_settlement {
  char underlying[16];
  char expiry[9];     /* YYYYMMDD */
  int64_t expiry_ms;
  char price[48];     /* USD in 6-decimal base units, integer text */
  int64_t published_at_ms;
};

/* Inserts unless a price exists for (underlying, expiry). *existing_price (48 bytes) gets
 * the stored price, which equals s->price when this call wrote it. */
STORE_WUR int store_settlement_put(struct db *db, const struct store_settlement *s,
                                   const char *published_by, char existing_price[48]);

typedef int (*store_settlement_fn)(const struct store_settlement *s, void *arg);
STORE_WUR int store_settlement_each(struct db *db, store_settlement_fn fn, void *arg);

#endif
