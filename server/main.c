/* optdesk: the service binary. `optdesk serve` (default) runs the desk; `optdesk migrate`
 * applies pending database migrations and exits. */
#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounts.h"
#include "accounts_store.h"
#include "cycle_store.h"
#include "app.h"
#include "db.h"
#include "demo.h"
#include "demo_makers.h"
#include "embedded_pg.h"
#include "engine.h"
#include "http_server.h"
#include "keyring.h"
#include "ledger_store.h"
#include "ledger_service.h"
#include "log.h"
#include "master_key.h"
#include "migrate.h"
#include "oracle_sim.h"
#include "oracles.h"
#include "routes.h"
#include "rest.h"
#include "ws_server.h"

static const char *env_get(const char *name) { return getenv(name); }

struct signal_waiter {
  sigset_t set;
  struct ws_server *ws;
  int signo;
};

/* Signals are blocked in every thread; this one waits for them and stops the loop. */
static void *signal_thread(void *arg) {
  struct signal_waiter *w = arg;
  int sig = 0;
  if (sigwait(&w->set, &sig) == 0) {
    w->signo = sig;
    ws_server_interrupt(w->ws);
  }
  return NULL;
}

static int usage(void) {
  fprintf(stderr, "usage: optdesk [serve|migrate|demo]\n"
                  "  demo: serve with the simulated oracle, three reference makers and a demo\n"
                  "  depositor on an accelerated clock (default accelerated:3) that skips idle\n"
                  "  waits, so a whole weekly cycle of the vault passes in about a minute\n"
                  "  environment: OPTDESK_CONFIG, DATABASE_URL, OPTDESK_HTTP_ADDR, OPTDESK_WS_ADDR,\n"
                  "  OPTDESK_DATA_DIR, OPTDESK_CLOCK (real|manual|accelerated:N), OPTDESK_CLOCK_START,\n"
                  "  OPTDESK_LOG_LEVEL, OPTDESK_MASTER_KEY (see README.md)\n");
  return 2;
}

/* Opens the database: DATABASE_URL, or the embedded cluster under the data dir. */
static int open_database(struct app *app, struct embedded_pg **pg, char *err, size_t errcap) {
  if (*app->config->database_url) {
    snprintf(app->conninfo, sizeof app->conninfo, "%s", app->config->database_url);
    log_event(LOG_INFO, "database", "source=DATABASE_URL");
    return 0;
  }
  log_event(LOG_INFO, "embedded_postgres_starting", "dir=%s/pg", app->config->data_dir);
  if (embedded_pg_start(app->config->data_dir, app->conninfo, sizeof app->conninfo, err, errcap,
                        pg) != 0)
    return -1;
  log_event(LOG_INFO, "embedded_postgres_started", "dir=%s/pg", app->config->data_dir);
  return 0;
}

int main(int argc, char **argv) {
  const char *cmd = argc > 1 ? argv[1] : "serve";
  int migrate_only = strcmp(cmd, "migrate") == 0;
  int demo = strcmp(cmd, "demo") == 0;
  if (!migrate_only && !demo && strcmp(cmd, "serve") != 0) return usage();

  static struct app_config config;
  static struct app app;
  char err[1024];
  int rc = 1;
  struct embedded_pg *pg = NULL;
  struct ws_server *ws = NULL;
  struct http_server *http = NULL;
  struct oracle_sim *sim = NULL;
  struct demo_makers makers = {{0}, 0};
  int lock_fd = -1;

  if (config_load(&config, getenv("OPTDESK_CONFIG"), env_get, err, sizeof err) != 0) {
    fprintf(stderr, "optdesk: %s\n", err);
    return 2;
  }
  log_set_level(config.log_level);
  app.config = &config;
  if (demo) { /* the demo's clock unless OPTDESK_CLOCK says otherwise; the feed is simulated */
    if (!getenv("OPTDESK_CLOCK")) snprintf(config.clock, sizeof config.clock, "accelerated:3");
    json_object_set_new(config.oracle, "simulated", json_true());
    app.demo = 1;
  }
  app.started_real_ms = clock_real_ms();
  if (clock_init(&app.clock, config.clock, config.clock_start_ms, err, (int)sizeof err) != 0) {
    fprintf(stderr, "optdesk: %s\n", err);
    config_cleanup(&config);
    return 2;
  }
  /* Signals go to the signal thread only; block them before any thread starts. */
  struct signal_waiter waiter;
  memset(&waiter, 0, sizeof waiter);
  sigemptyset(&waiter.set);
  sigaddset(&waiter.set, SIGINT);
  sigaddset(&waiter.set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &waiter.set, NULL);
  signal(SIGPIPE, SIG_IGN);

  if (mkdir(config.data_dir, 0700) != 0 && errno != EEXIST) {
    log_event(LOG_ERROR, "startup_failed", "reason=\"cannot create data dir %s\"", config.data_dir);
    goto out;
  }
  /* one optdesk per data dir: a second one would adopt (and at its exit stop) the first's
   * embedded PostgreSQL; the lock goes with the process, kill -9 included */
  char lock_path[4200];
  snprintf(lock_path, sizeof lock_path, "%s/optdesk.lock", config.data_dir);
  lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    log_event(LOG_ERROR, "startup_failed", "reason=\"another optdesk uses the data dir %s\"", config.data_dir);
    goto out_unlocked;
  }
  enum crypto_master_key_source key_source;
  if (crypto_master_key_load(*config.master_key_env ? config.master_key_env : NULL,
                             config.data_dir, app.master_key, &key_source, err, sizeof err)) {
    log_event(LOG_ERROR, "startup_failed", "reason=\"master key: %s\"", err);
    goto out;
  }
  log_event(LOG_INFO, "master_key", "source=%s",
            key_source == CRYPTO_MASTER_KEY_FROM_ENV ? "env"
            : key_source == CRYPTO_MASTER_KEY_CREATED ? "created_file" : "file");
  if (open_database(&app, &pg, err, sizeof err) != 0) {
    log_event(LOG_ERROR, "startup_failed", "reason=\"%s\"", err);
    goto out;
  }
  struct db *db = app_db(&app);
  /* a database that is still starting (or a loaded machine) gets 30 s before we give up */
  for (int tries = 1; db && tries <= 30 && db_ensure(db, err, sizeof err) != STORE_OK; tries++) {
    log_event(LOG_WARN, "database_waiting", "try=%d reason=\"%s\"", tries, err);
    sleep(1);
  }
  int applied = 0;
  if (!db || store_migrate(db, &applied, err, sizeof err) != STORE_OK) {
    log_event(LOG_ERROR, "startup_failed", "reason=\"migrations: %s\"", db ? err : "no memory");
    goto out;
  }
  log_event(LOG_INFO, "migrations_applied", "count=%d", applied);
  if (migrate_only) {
    rc = 0;
    goto out;
  }
  app.keyring = keyring_new();
  int created = 0;
  if (!app.keyring || accounts_bootstrap_admin(&app, db, &created, err, sizeof err) != 0 ||
      accounts_load_keyring(&app, db, err, sizeof err) != 0) {
    log_event(LOG_ERROR, "startup_failed", "reason=\"accounts: %s\"", err);
    goto out;
  }
  if (created)
    log_event(LOG_INFO, "admin_created", "credentials=%s/admin.json", config.data_dir);
  else
    log_event(LOG_INFO, "admin_credentials", "file=%s/admin.json (written on first start)",
              config.data_dir);
  json_t *ocfg = config.oracle;
  json_t *spot_age = json_object_get(ocfg, "spot_max_age_s");
  json_t *surf_age = json_object_get(ocfg, "surface_max_age_s");
  /* On an accelerated clock max ages scale with the speed: they mean real seconds of
   * silence from the feed, or a demo at 10 000x could never be fresh. */
  int64_t speed = app.clock.mode == CLOCK_MODE_ACCELERATED ? app.clock.speed : 1;
  app.oracles = oracles_new((spot_age ? json_integer_value(spot_age) * 1000 : 30000) * speed,
                            (surf_age ? json_integer_value(surf_age) * 1000 : 300000) * speed);
  if (ledger_register_vaults(&app, db, err, sizeof err) != 0) {
    log_event(LOG_ERROR, "startup_failed", "reason=\"%s\"", err);
    goto out;
  }
  if (demo && demo_setup(&app, db, err, sizeof err) != 0) {
    log_event(LOG_ERROR, "startup_failed", "reason=\"%s\"", err);
    goto out;
  }
  if (!app.oracles || oracle_load_settlements(&app, db) != STORE_OK) {
    log_event(LOG_ERROR, "startup_failed", "reason=\"loading settlement prices\"");
    goto out;
  }
  /* auctions that were running when the service stopped resume (desk_new reads these) */
  if (store_auctions_running(db, clock_now_ms(&app.clock), &app.restore_auctions) != STORE_OK) {
    log_event(LOG_ERROR, "startup_failed", "reason=\"reading running auctions\"");
    goto out;
  }
  /* the covered put spread vaults' cycles (ledger_register_vaults made missing rows) */
  if (store_cycles_load(db, &app.restore_cycles) != STORE_OK) {
    log_event(LOG_ERROR, "startup_failed", "reason=\"reading the vaults' cycles\"");
    goto out;
  }
  app_db_release(); /* the main thread becomes the engine thread: it does no database work */
  /* business time starts now that we serve (validated at the top; re-initialised so the
   * database start-up does not eat into an accelerated or manual clock's start) */
  if (clock_init(&app.clock, config.clock, config.clock_start_ms, err, (int)sizeof err) != 0)
    goto out;
  if (app.clock.mode == CLOCK_MODE_MANUAL) { /* resume where the clock was last set */
    struct db *cdb = app_db(&app);
    int64_t stored = 0;
    if (cdb && store_clock_get(cdb, &stored) == STORE_OK && stored > clock_now_ms(&app.clock) &&
        clock_set(&app.clock, stored) == 0)
      log_event(LOG_INFO, "clock_resumed", "now_ms=%lld", (long long)stored);
    app_db_release();
  }
  sim = oracle_sim_start(&app, err, sizeof err);
  if (!sim && json_is_true(json_object_get(ocfg, "simulated"))) {
    log_event(LOG_ERROR, "startup_failed", "reason=\"%s\"", err);
    goto out;
  }

  rest_init();
  ws = ws_server_start(&app, err, sizeof err);
  if (!ws) {
    log_event(LOG_ERROR, "startup_failed", "reason=\"%s\"", err);
    goto out;
  }
  http = http_server_start(&app, err, sizeof err);
  if (!http) {
    log_event(LOG_ERROR, "startup_failed", "reason=\"%s\"", err);
    goto out;
  }
  waiter.ws = ws;
  pthread_t sig_thread;
  if (pthread_create(&sig_thread, NULL, signal_thread, &waiter) != 0) {
    log_event(LOG_ERROR, "startup_failed", "reason=\"signal thread\"");
    goto out;
  }
  log_event(LOG_INFO, "listening",
            "http=%s://%s:%d ws=%s://%s:%d/ws clock=%s", *config.http.tls_cert ? "https" : "http",
            config.http.host, config.http.port, *config.ws.tls_cert ? "wss" : "ws", config.ws.host,
            config.ws.port, clock_mode_name(&app.clock));
  if (demo) demo_makers_start(&app, &makers);

  ws_server_run(ws);
  pthread_join(sig_thread, NULL);
  log_event(LOG_INFO, "shutting_down", "signal=%d", waiter.signo);
  demo_makers_stop(&makers);
  http_server_quiesce(http);   /* stop accepting */
  engine_close(app.engine);    /* posted calls fail fast; queued ones are answered */
  http_server_stop(http);      /* in-flight requests finish their writes */
  http = NULL;
  rc = 0;
out:
  demo_makers_stop(&makers);
  http_server_stop(http);
  oracle_sim_stop(sim);
  ws_server_stop(ws);
  app_db_release();
  keyring_free(app.keyring);
  oracles_free(app.oracles);
  free(app.restore_auctions);
  free(app.restore_cycles);
  embedded_pg_stop(pg);
  if (pg) log_event(LOG_INFO, "embedded_postgres_stopped", NULL);
out_unlocked:
  if (lock_fd >= 0) close(lock_fd);
  OPENSSL_cleanse(app.master_key, sizeof app.master_key);
  config_cleanup(&config);
  log_event(rc == 0 ? LOG_INFO : LOG_ERROR, "exit", "code=%d", rc);
  return rc;
}
