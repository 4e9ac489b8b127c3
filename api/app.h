/* app: what every request handler may reach: configuration, the business clock, the
 * keyring, the master key, the engine, and a database connection of the calling thread. */
#ifndef OPTDESK_APP_H
#define OPTDESK_APP_H

#include <stdint.h>

#include "clock.h"
#include "config.h"
#include "keyring.h"

struct db;
struct engine;
struct oracles;

struct app {
  struct app_config *config;
  struct app_clock clock;
  struct keyring *keyring;
  uint8_t master_key[32];
  char conninfo[1024];
  struct engine *engine;
  struct oracles *oracles;
  int64_t started_real_ms;
  char *restore_auctions; /* JSON array of running auctions to resume at start (owned) */
  char *restore_cycles;   /* JSON array of the vaults' cycle rows (owned) */
  int demo;               /* `optdesk demo`: the cycle skips its idle waits on the clock */
};

/* The calling thread's own connection (created on first use, closed at thread exit). */
struct db *app_db(struct app *app);
/* Closes the calling thread's connection now (for threads that do not exit, e.g. main). */
void app_db_release(void);

#endif
