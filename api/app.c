/* app: per-thread database connections. */
#include "app.h"

#include <pthread.h>

#include "db.h"

static pthread_key_t db_key;
static pthread_once_t db_once = PTHREAD_ONCE_INIT;

static void close_db(void *p) { db_free(p); }
static void make_key(void) { pthread_key_create(&db_key, close_db); }

struct db *app_db(struct app *app) {
  pthread_once(&db_once, make_key);
  struct db *db = pthread_getspecific(db_key);
  if (!db) {
    db = db_new(app->conninfo);
    if (db) pthread_setspecific(db_key, db);
  }
  return db;
}

void app_db_release(void) {
  pthread_once(&db_once, make_key);
  struct db *db = pthread_getspecific(db_key);
  if (db) {
    db_free(db);
    pthread_setspecific(db_key, NULL);
  }
}
