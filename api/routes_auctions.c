/* routes_auctions: POST /v1/admin/vaults/{id}/auctions — the operator starts an auction for
 * given legs and amount (an override of the cycle's own selection, SPEC 9). The vault's
 * book is read here and handed to the engine, which runs the auction. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "engine.h"
#include "ledger_store.h"
#include "log.h"
#include "roles.h"
#include "routes.h"

/* Runs an internal JSON-RPC method on the engine as the caller; the parsed reply (owned), or
 * NULL after answering 503 itself. */
static json_t *engine_internal(struct rest_ctx *ctx, const char *method, json_t *params) {
  json_t *call = json_pack("{s:s,s:i,s:s,s:o}", "jsonrpc", "2.0", "id", 1, "method", method,
                           "params", params);
  char *text = json_dumps(call, JSON_COMPACT);
  json_decref(call);
  char *reply = NULL;
  int rc = text ? engine_call_internal(ctx->app->engine, &ctx->who, text, strlen(text), &reply, 5000) : -1;
  free(text);
  json_t *r = rc == 0 && reply ? json_loads(reply, 0, NULL) : NULL;
  free(reply);
  if (!r)
    rest_error(ctx, 503, "engine_unavailable", "the engine did not answer; retry",
               json_pack("{s:b}", "retryable", 1));
  return r;
}

void route_admin_auction_start(struct rest_ctx *ctx) {
  json_t *body = rest_body_object(ctx);
  if (!body) return;
  struct db *db = app_db(ctx->app);
  struct store_vault sv;
  money_u128 open = 0;
  money_i128 usdc = 0;
  int st = db ? store_vault_get(db, ctx->params[0], 0, &sv) : STORE_EUNAVAILABLE;
  if (st == STORE_OK) st = store_vault_book(db, ctx->params[0], &open, &usdc);
  if (st == STORE_ENOTFOUND || (st == STORE_OK && strcmp(sv.kind, "covered_put_spread") != 0)) {
    rest_error(ctx, 404, "vault_not_found", "no covered put spread vault with this id", NULL);
    json_decref(body);
    return;
  }
  if (st) {
    rest_store_error(ctx, st);
    json_decref(body);
    return;
  }
  char coll[MONEY_FMT_MAX], op[MONEY_FMT_MAX], us[MONEY_FMT_MAX];
  if (money_format(sv.total_assets, 0, coll, sizeof coll) < 0 || money_format(open, 0, op, sizeof op) < 0 ||
      money_format_signed(usdc, 0, us, sizeof us) < 0)
    coll[0] = 0;
  json_t *params = json_pack("{s:s,s:O,s:O,s:s,s:s,s:s}", "vault", sv.id, "legs",
                             json_object_get(body, "legs") ? json_object_get(body, "legs") : json_null(),
                             "amount", json_object_get(body, "amount") ? json_object_get(body, "amount") : json_null(),
                             "collateral", coll, "open_spreads", op, "usdc", us);
  json_decref(body);
  json_t *r = engine_internal(ctx, "operator/start_auction", params);
  if (!r) return;
  json_t *result = json_object_get(r, "result"), *err = json_object_get(r, "error");
  if (result) {
    rest_json(ctx, 201, json_incref(result));
  } else {
    json_t *data = json_object_get(err, "data");
    rest_error(ctx, 422, "auction_refused",
               json_string_value(json_object_get(err, "message")) ? json_string_value(json_object_get(err, "message"))
                                                                  : "refused",
               data ? json_incref(data) : NULL);
  }
  json_decref(r);
}

/* GET /v1/vaults/{id}/cycle: the stage and the auction's progress (lots, sold, remaining,
 * the live RFQ, hard stop at); the floor now only for operators, admins and reporters
 * (makers never see it), and the mandate's recent refusals with their numbers. */
void route_vault_cycle(struct rest_ctx *ctx) {
  int with_floor = (ctx->who.roles & (ROLE_ADMIN | ROLE_OPERATOR | ROLE_REPORTER)) != 0;
  json_t *r = engine_internal(ctx, "operator/cycle",
                              json_pack("{s:s,s:b}", "vault", ctx->params[0], "with_floor", with_floor));
  if (!r) return;
  json_t *view = json_object_get(r, "result");
  if (!json_is_object(view)) {
    json_decref(r);
    rest_error(ctx, 404, "vault_not_found", "no covered put spread vault with this id", NULL);
    return;
  }
  view = json_incref(view);
  json_decref(r);
  if (with_floor) { /* the mandate's refusals, from the database */
    struct db *db = app_db(ctx->app);
    struct pg_result *res = NULL;
    const char *p[] = {ctx->params[0]};
    json_t *list = json_array();
    if (db && db_exec(db,
                      "SELECT COALESCE(json_agg(x ORDER BY id DESC), '[]'::json)::TEXT FROM (SELECT id,"
                      " quote_id::TEXT, maker_id, reason, details, business_ms FROM mandate_refusals"
                      " WHERE vault_id = $1 ORDER BY id DESC LIMIT 20) x",
                      1, p, &res) == STORE_OK) {
      json_t *parsed = json_loads(db_value(res, 0, 0), 0, NULL);
      if (json_is_array(parsed)) {
        json_decref(list);
        list = parsed;
      } else {
        json_decref(parsed);
      }
      db_result_free(res);
    }
    json_object_set_new(view, "mandate_refusals", list);
  }
  rest_json(ctx, 200, view);
}
