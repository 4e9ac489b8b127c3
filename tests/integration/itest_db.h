/* itest_db: a connection to the suite's PostgreSQL for C integration tests (the URL the
 * fixture wrote next to $OPTDESK_ITEST_STATE). */
#ifndef OPTDESK_ITEST_DB_H
#define OPTDESK_ITEST_DB_H

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

/* The suite database's URL into url (empty string when run outside ctest). */
static inline void itest_db_url(char *url, size_t cap) {
  url[0] = 0;
  const char *state = getenv("OPTDESK_ITEST_STATE");
  if (!state) return;
  char path[4096];
  snprintf(path, sizeof path, "%s", state);
  char file[4200];
  snprintf(file, sizeof file, "%s/db.url", dirname(path));
  FILE *f = fopen(file, "r");
  if (!f) return;
  if (!fgets(url, (int)cap, f)) url[0] = 0;
  fclose(f);
  url[strcspn(url, "\r\n")] = 0;
}

/* A connected db, or NULL. */
static inline struct db *itest_db_open(void) {
  char url[1024];
  itest_db_url(url, sizeof url);
  if (!url[0]) return NULL;
  struct db *db = db_new(url);
  if (db && db_ensure(db, NULL, 0) != STORE_OK) {
    db_free(db);
    return NULL;
  }
  return db;
}

#endif
