/* ledger_service: the share ledger's operations as database transaction bodies (SPEC 6).
 * Each reads and locks the vault row (and the balances it moves), runs the pure ledger
 * (vault/ledger_*.h) on that locked state, and writes the result with its journal row, so
 * an operation executes exactly its preview. Also: the vault registry from the config,
 * and paying the withdrawal queue of a covered put spread vault back in stage 1. */
#ifndef OPTDESK_LEDGER_SERVICE_H
#define OPTDESK_LEDGER_SERVICE_H

#include <stdint.h>

#include "app.h"
#include "ledger.h"
#include "ledger_store.h"

struct db;

enum ledger_op_kind { LEDGER_OP_DEPOSIT, LEDGER_OP_MINT, LEDGER_OP_WITHDRAW, LEDGER_OP_REDEEM };

/* A vault whose shares are not worth its raw total assets (a depot: NAV deducts the
 * still-locked spread and the value of open shorts) values itself through this hook, run
 * on the locked row before the operation; it may settle and update *sv. The ledger then
 * prices shares at nav, pays at most free, and moves the raw total by the same delta. */
struct ledger_valuation {
  money_u128 nav, free;
};
typedef int (*ledger_value_fn)(struct db *db, struct store_vault *sv, int64_t now, void *arg,
                               struct ledger_valuation *out);

struct ledger_request {
  const char *vault, *caller, *owner, *receiver;
  enum ledger_op_kind op;
  money_u128 amount; /* assets (deposit, withdraw) or shares (mint, redeem) */
  money_u128 guard;  /* min_shares_out / max_assets_in / max_shares_in / min_assets_out */
  ledger_value_fn value; /* NULL: shares are worth the raw total assets */
  void *value_arg;
};

struct ledger_outcome {
  money_u128 assets, shares, price_per_share, fee_shares;
  int queued;
  long long queue_id;
  struct store_vault vault; /* after */
};

/* Failures beyond the pure ledger's (enum ledger_status). */
enum ledger_service_status {
  LSVC_ENOVAULT = -100,     /* no such vault */
  LSVC_EPAUSED = -101,      /* the vault is paused */
  LSVC_ENOACCOUNT = -102,   /* the receiver or owner does not exist */
  LSVC_EFUNDS = -103,       /* the caller's asset balance is short */
  LSVC_ESTORE = -104,       /* a statement failed: the transaction status says why */
  LSVC_EORACLE = -105,      /* valuing the vault needs an oracle that is missing or stale */
  LSVC_EPENDING = -106,     /* an expired maturity awaits its settlement price */
};

/* The pure-ledger view of a stored vault (flags from paused); with a valuation, shares are
 * priced at its nav and at most its free assets are payable. */
void ledger_view(const struct store_vault *sv, struct ledger_vault *out);
void ledger_view_valued(const struct store_vault *sv, const struct ledger_valuation *val,
                        struct ledger_vault *out);

/* Inside a transaction. Returns 0, a ledger_status, or a ledger_service_status. */
int ledger_execute(struct db *db, const struct ledger_request *req, int64_t now,
                   struct ledger_outcome *out);

/* Inside a transaction: pays queued withdrawals FIFO while liquidity lasts; *paid counts. */
int ledger_pay_queue(struct db *db, const char *vault, int64_t now, int *paid);

/* Creates the configured vaults and depots that are not in the database yet. */
int ledger_register_vaults(struct app *app, struct db *db, char *err, size_t errcap);

/* Stable (HTTP status, code, message) for a status of ledger_execute. */
void ledger_status_http(int status, int *http, const char **code, const char **message);

#endif
