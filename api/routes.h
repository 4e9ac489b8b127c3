/* routes: the REST handlers, one file per area (routes_ops.c, routes_admin.c, ...). */
#ifndef OPTDESK_ROUTES_H
#define OPTDESK_ROUTES_H

#include "money.h"
#include "rest.h"

void route_healthz(struct rest_ctx *ctx);
void route_readyz(struct rest_ctx *ctx);
void route_metrics(struct rest_ctx *ctx);
void route_time(struct rest_ctx *ctx);
void route_admin_accounts_create(struct rest_ctx *ctx);
void route_admin_clock_set(struct rest_ctx *ctx);
void route_rpc(struct rest_ctx *ctx);
void route_oracle_spot_post(struct rest_ctx *ctx);
void route_oracle_surface_post(struct rest_ctx *ctx);
void route_oracle_settlement_post(struct rest_ctx *ctx);
void route_oracle_spot_get(struct rest_ctx *ctx);
void route_oracle_iv_get(struct rest_ctx *ctx);
void route_oracle_settlement_get(struct rest_ctx *ctx);
void route_pools_maturities(struct rest_ctx *ctx);
void route_pools_strikes(struct rest_ctx *ctx);
void route_instruments(struct rest_ctx *ctx);
void route_vaults_list(struct rest_ctx *ctx);
void route_vault_get(struct rest_ctx *ctx);
void route_vault_convert(struct rest_ctx *ctx);
void route_vault_preview(struct rest_ctx *ctx);
void route_vault_max(struct rest_ctx *ctx);
void route_vault_op(struct rest_ctx *ctx);
void route_vault_allowance(struct rest_ctx *ctx);
void route_vault_account(struct rest_ctx *ctx);
void route_account_balances(struct rest_ctx *ctx);
void route_admin_credit(struct rest_ctx *ctx);
void route_admin_vault_patch(struct rest_ctx *ctx);
void route_depot_quote(struct rest_ctx *ctx);
void route_admin_auction_start(struct rest_ctx *ctx);
void route_vault_cycle(struct rest_ctx *ctx);
void route_depot_trade(struct rest_ctx *ctx);
void route_account_positions(struct rest_ctx *ctx);
void route_account_trades(struct rest_ctx *ctx);
void route_reports(struct rest_ctx *ctx);
void route_dashboard(struct rest_ctx *ctx); /* GET /: the page (routes_web.c) */

struct oracle_problem;
struct db;
/* Answers an oracle failure: 409 oracle_stale (missing or stale, with what, age, max age),
 * 400 for an unknown underlying, 409 option_expired. */
void rest_oracle_error(struct rest_ctx *ctx, int oracle_status, const char *underlying,
                       const struct oracle_problem *p);
/* Persists a settlement price (immutable once written) and records it live. Returns a
 * store status; *conflict when a different price already stands (*standing). */
int oracle_publish_settlement(struct app *app, struct db *db, const char *underlying,
                              int64_t expiry_ms, money_u128 price, const char *by, int64_t now,
                              money_u128 *standing, int *conflict);
/* Loads the published settlement prices into the live store (at start). */
int oracle_load_settlements(struct app *app, struct db *db);

#endif
