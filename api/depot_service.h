/* depot_service: the underwriter depots as database transactions over the pure depot core
 * (vault/depot*.h): the book loaded under the vault row's lock, settlement of expired
 * maturities whose price is published (persisted: buyers paid, collateral unlocked),
 * quotes and trades priced from the oracles, and the depot's valuation for the share
 * ledger (SPEC 5.1: NAV = assets − still-locked spread − fair value of open shorts). */
#ifndef OPTDESK_DEPOT_SERVICE_H
#define OPTDESK_DEPOT_SERVICE_H

#include <stdint.h>

#include "app.h"
#include "depot.h"
#include "depot_quote.h"
#include "depot_trade.h"
#include "ledger_service.h"
#include "oracles.h"

struct db;

struct depot_ctx {
  struct store_vault sv;
  struct depot_params params;
  char underlying[16];
  struct depot_book *book; /* heap (~115 KB) */
};

/* Failures beyond the depot core's and the ledger service's statuses. */
enum depot_service_status {
  DSVC_ENOTDEPOT = -200,     /* no such depot */
  DSVC_EORACLE = -201,       /* oracle missing or stale: see ctx->problem */
  DSVC_EPENDING = -202,      /* an expired maturity awaits its settlement price */
  DSVC_EFUNDS = -203,        /* the buyer's balance is short */
};

/* Loads the depot (locking the vault row when for_update) and its book. */
int depot_ctx_load(struct app *app, struct db *db, const char *id, int for_update,
                   struct depot_ctx *c);
void depot_ctx_cleanup(struct depot_ctx *c);

/* The quote path's view of a depot, from an in-memory snapshot per depot (settings, vault
 * row, book) so that a quote needs no database round trip. A quote is advisory; a trade
 * re-loads and re-prices under the vault row's lock (depot_ctx_load for update).
 * Freshness: a generation per depot, bumped by depot_ctx_load for update (every writer of a
 * depot's vault row or book takes that lock first and keeps it until its commit), and a load
 * that reads row and book in one transaction holding the row FOR SHARE (so it waits for a
 * writer holding the lock to commit) and is cached only if no bump happened since it began; a snapshot older than
 * DEPOT_SNAPSHOT_MAX_AGE_MS is reloaded anyway (writers outside this process). */
#define DEPOT_SNAPSHOT_MAX_AGE_MS 1000
struct depot_snapshot;
struct depot_view {
  struct depot_ctx c;          /* c.book: the snapshot's (shared, read only) unless own */
  struct depot_snapshot *snap; /* NULL when c.book belongs to this view */
};
/* Fills v from the depot's snapshot, loading it first (on the calling thread's connection)
 * when there is none or it is stale. 0, DSVC_ENOTDEPOT, DEPOT_EINVALID or LSVC_ESTORE
 * (database unreachable); on failure v needs no release. */
int depot_view_get(struct app *app, const char *id, struct depot_view *v);
/* depot_settle_due for a view, in memory only: when a maturity is due the view takes a
 * private copy of the book first (the snapshot is shared). */
int depot_view_settle_due(struct app *app, struct depot_view *v, int64_t now, int *pending);
void depot_view_release(struct depot_view *v);
/* Makes the depot's snapshot stale (depot_ctx_load for update calls it under the lock). */
void depot_cache_invalidate(struct app *app, const char *id);

/* Settles every open maturity <= now whose settlement price is published. persist: write
 * it (inside the caller's transaction); otherwise only the in-memory book moves (views).
 * *pending = 1 when an expired maturity still has no price. */
int depot_settle_due(struct app *app, struct db *db, struct depot_ctx *c, int64_t now, int persist,
                     int *pending);

/* The depot's value now (after settling due maturities): nav and free (withdrawable)
 * assets. DSVC_EORACLE with *problem when open shorts need a missing or stale oracle. */
int depot_value(struct app *app, struct depot_ctx *c, int64_t now, money_u128 *nav,
                money_u128 *free, struct oracle_problem *problem);

/* A quote on the current book (no writes). On a refusal (depot_is_refusal) *refusal says
 * why; DSVC_EORACLE with *problem. */
int depot_quote_now(struct app *app, struct depot_ctx *c, const struct depot_request *req,
                    int64_t now, struct depot_quote *q, struct depot_refusal *refusal,
                    struct oracle_problem *problem);

struct depot_trade_out {
  struct depot_quote quote;
  struct depot_trade_result result;
  char instrument[64];
};
/* Inside a transaction with c loaded for update: settle, quote, book, persist, move the
 * buyer's and the treasury's balances. */
int depot_trade_tx(struct app *app, struct db *db, struct depot_ctx *c, const char *buyer,
                   const struct depot_request *req, int64_t now, struct depot_trade_out *out,
                   struct depot_refusal *refusal, struct oracle_problem *problem);

/* After a settlement price is published: settles that maturity in every depot on the
 * underlying, each in its own transaction. Returns the number of positions settled. */
int depot_settle_published(struct app *app, struct db *db, const char *underlying,
                           int64_t maturity_ms);

/* The share ledger's valuation hook for depots (ledger_request.value). */
int depot_ledger_value(struct db *db, struct store_vault *sv, int64_t now, void *app,
                       struct ledger_valuation *out);

#endif
