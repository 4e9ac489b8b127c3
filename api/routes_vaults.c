/* routes_vaults: the share ledger over REST (SPEC 6, 9): vault views, conversions,
 * previews, limits, deposit/mint/withdraw/redeem, allowances, holder views. */
#include <stdlib.h>
#include <string.h>

#include "accounts_store.h"
#include "asset.h"
#include "db.h"
#include "depot_service.h"
#include "idempotency.h"
#include "ledger_fee.h"
#include "ledger_ops.h"
#include "ledger_service.h"
#include "log.h"
#include "params.h"
#include "roles.h"
#include "routes.h"

#define SHARE_DECIMALS 18

static json_t *amount_json(money_u128 v, unsigned decimals) {
  char buf[MONEY_FMT_MAX];
  if (money_format(v, decimals, buf, sizeof buf) < 0) buf[0] = 0;
  return json_string(buf);
}

/* The vault read without locking, with its management fee accrued to now (what an
 * operation at `now` would see first). Answers the error itself; -1 on failure. */
static int load_vault_book(struct rest_ctx *ctx, const char *id, struct store_vault *sv,
                           struct ledger_vault *v, json_t **book);

/* What an operation at `now` would see first: the management fee accrued to now (never
 * backwards); the raw view if accruing fails. */
static void accrued_view(const struct ledger_vault *raw, int64_t now, struct ledger_vault *out) {
  money_u128 fee;
  if (ledger_accrue(raw, now > raw->fee_accrued_ms ? now : raw->fee_accrued_ms, out, &fee)) *out = raw[0];
}

/* A depot's value now, settling due maturities in memory only (a view); *sv follows the
 * settlement, *book (when asked) gets the book summary. A depot status on failure. */
static int depot_valuation(struct app *app, struct db *db, struct store_vault *sv, int64_t now,
                           struct ledger_valuation *val, json_t **book,
                           struct oracle_problem *problem, char underlying[16]) {
  struct depot_ctx c;
  int pending = 0;
  int st = depot_ctx_load(app, db, sv->id, 0, &c);
  snprintf(underlying, 16, "%s", c.underlying);
  if (st == 0) st = depot_settle_due(app, db, &c, now, 0, &pending);
  if (st == 0 && pending) st = DSVC_EPENDING;
  if (st == 0) st = depot_value(app, &c, now, &val->nav, &val->free, problem);
  if (st == 0) *sv = c.sv;
  money_u128 spread = 0;
  if (st == 0 && book && depot_locked_spread(c.book, now, &spread) == 0) {
    char a[MONEY_FMT_MAX], b[MONEY_FMT_MAX], n[MONEY_FMT_MAX], f[MONEY_FMT_MAX];
    unsigned d = sv->asset_decimals;
    if (money_format(c.book->locked, d, a, sizeof a) < 0 || money_format(spread, d, b, sizeof b) < 0 ||
        money_format(val->nav, d, n, sizeof n) < 0 || money_format(val->free, d, f, sizeof f) < 0)
      a[0] = b[0] = n[0] = f[0] = 0;
    *book = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:I}", "lockedCollateral", a, "lockedSpread", b,
                      "nav", n, "available", f, "openPositions", (json_int_t)c.book->n_positions,
                      "underlying", c.underlying, "lastTradeMs", (json_int_t)c.book->last_trade_ms);
  }
  depot_ctx_cleanup(&c);
  return st;
}

static int load_vault(struct rest_ctx *ctx, const char *id, struct store_vault *sv,
                      struct ledger_vault *v) {
  return load_vault_book(ctx, id, sv, v, NULL);
}

/* The vault's row alone (kind, asset, decimals): no valuation, so nothing that depends on
 * the oracles or the book can refuse. Answers the error itself; -1 on failure. */
static int load_vault_row(struct rest_ctx *ctx, const char *id, struct store_vault *sv) {
  struct db *db = app_db(ctx->app);
  int st = db ? db_ensure(db, NULL, 0) : STORE_EUNAVAILABLE;
  if (st == STORE_OK) st = store_vault_get(db, id, 0, sv);
  if (st == STORE_ENOTFOUND) {
    rest_error(ctx, 404, "vault_not_found", "no such vault", json_pack("{s:s}", "vault", id));
    return -1;
  }
  if (st) {
    rest_store_error(ctx, st);
    return -1;
  }
  return 0;
}

/* depot_valuation in one REPEATABLE READ transaction: the vault row, the book and its
 * positions are read from one snapshot (a trade committing between separate reads would
 * make them disagree). */
struct valuation_tx {
  struct app *app;
  struct store_vault *sv;
  int64_t now;
  struct ledger_valuation *val;
  json_t **book;
  struct oracle_problem *problem;
  char *underlying;
  int st;
};

static int valuation_body(struct db *db, void *p) {
  struct valuation_tx *t = p;
  if (t->book && *t->book) { /* a retried body starts again */
    json_decref(*t->book);
    *t->book = NULL;
  }
  t->st = depot_valuation(t->app, db, t->sv, t->now, t->val, t->book, t->problem, t->underlying);
  return 0; /* read only: the status travels in t->st */
}

/* As load_vault; for a depot, *book (when asked) gets its book summary. */
static int load_vault_book(struct rest_ctx *ctx, const char *id, struct store_vault *sv,
                           struct ledger_vault *v, json_t **book) {
  if (load_vault_row(ctx, id, sv)) return -1;
  struct db *db = app_db(ctx->app);
  int st;
  struct ledger_vault raw;
  int64_t now = clock_now_ms(&ctx->app->clock);
  struct ledger_valuation val, *valp = NULL;
  if (strcmp(sv->kind, "depot") == 0) { /* shares are worth the depot's NAV (SPEC 5.1) */
    struct oracle_problem problem = {"spot", -1, 0};
    char underlying[16] = "";
    struct valuation_tx t = {ctx->app, sv, now, &val, book, &problem, underlying, 0};
    int fn_status = 0;
    st = db_tx(db, DB_REPEATABLE_READ, valuation_body, &t, &fn_status);
    if (st) {
      rest_store_error(ctx, st);
      return -1;
    }
    st = t.st;
    if (st == DSVC_EORACLE) {
      rest_oracle_error(ctx, ORACLE_ESTALE, underlying, &problem);
      return -1;
    }
    if (st) {
      int http;
      const char *code, *msg;
      ledger_status_http(st == DSVC_EPENDING ? LSVC_EPENDING : LSVC_ESTORE, &http, &code, &msg);
      rest_error(ctx, http, code, msg, NULL);
      return -1;
    }
    valp = &val;
  }
  ledger_view_valued(sv, valp, &raw);
  accrued_view(&raw, now, v);
  return 0;
}

static json_t *vault_json(const struct store_vault *sv, const struct ledger_vault *v) {
  money_u128 pps = 0;
  if (ledger_price_per_share(v, &pps)) pps = 0;
  json_t *j = json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:i,s:b}", "id", sv->id, "kind", sv->kind,
                        "asset", sv->asset, "totalAssets", amount_json(v->total_assets, sv->asset_decimals),
                        "totalSupply", amount_json(v->total_supply, SHARE_DECIMALS), "pricePerShare",
                        amount_json(pps, sv->asset_decimals), "decimals", SHARE_DECIMALS, "paused",
                        sv->paused);
  json_object_set_new(j, "lockedAssets", amount_json(v->locked_assets, sv->asset_decimals));
  if (strcmp(sv->kind, "covered_put_spread") == 0) {
    json_object_set_new(j, "stage", json_string(sv->stage));
    json_object_set_new(j, "collateral", amount_json(v->total_assets, sv->asset_decimals));
    char usdc[MONEY_FMT_MAX];
    if (money_format_signed(sv->usdc_balance, 6, usdc, sizeof usdc) < 0) usdc[0] = 0;
    json_object_set_new(j, "usdc_balance", json_string(usdc));
    json_object_set_new(j, "open_spreads", amount_json(sv->open_spreads, 8));
  }
  return j;
}

struct list_arg {
  json_t *list;
  int64_t now;
  struct app *app;
  struct db *db;
  struct store_vault rows[64];
  int n;
};

static int collect_one(const struct store_vault *sv, void *p) {
  struct list_arg *a = p;
  if (a->n < 64) a->rows[a->n++] = *sv;
  return 0;
}

/* One vault for the list: depots at NAV; a depot that cannot be valued says why. */
static void list_one(struct list_arg *a, struct store_vault *sv) {
  struct ledger_vault raw, v;
  struct ledger_valuation val, *valp = NULL;
  const char *why = NULL;
  if (strcmp(sv->kind, "depot") == 0) {
    struct oracle_problem problem;
    char underlying[16];
    int st = depot_valuation(a->app, a->db, sv, a->now, &val, NULL, &problem, underlying);
    if (st == 0) valp = &val;
    else why = st == DSVC_EORACLE ? "oracle_stale" : st == DSVC_EPENDING ? "settlement_pending" : "unavailable";
  }
  ledger_view_valued(sv, valp, &raw);
  accrued_view(&raw, a->now, &v);
  json_t *j = vault_json(sv, &v);
  if (why) {
    json_object_set_new(j, "pricePerShare", json_null());
    json_object_set_new(j, "valuation", json_string(why));
  }
  json_array_append_new(a->list, j);
}

void route_vaults_list(struct rest_ctx *ctx) {
  struct db *db = app_db(ctx->app);
  struct list_arg *a = calloc(1, sizeof *a);
  if (!a) {
    rest_error(ctx, 500, "internal_error", "out of memory", NULL);
    return;
  }
  a->list = json_array();
  a->now = clock_now_ms(&ctx->app->clock);
  a->app = ctx->app;
  a->db = db;
  int st = db ? db_ensure(db, NULL, 0) : STORE_EUNAVAILABLE;
  if (st == STORE_OK) st = store_vault_each(db, collect_one, a);
  for (int k = 0; st == STORE_OK && k < a->n; k++) list_one(a, &a->rows[k]);
  if (st) {
    json_decref(a->list);
    rest_store_error(ctx, st);
  } else {
    rest_json(ctx, 200, json_pack("{s:o}", "vaults", a->list));
  }
  free(a);
}

void route_vault_get(struct rest_ctx *ctx) {
  struct store_vault sv;
  struct ledger_vault v;
  json_t *book = NULL;
  if (load_vault_book(ctx, ctx->params[0], &sv, &v, &book) == 0) {
    json_t *j = vault_json(&sv, &v);
    if (book) json_object_set_new(j, "book", book);
    rest_json(ctx, 200, j);
  }
}

void route_vault_convert(struct rest_ctx *ctx) {
  struct store_vault sv;
  struct ledger_vault v;
  const char *dir = ctx->params[1];
  int to_shares = strcmp(dir, "to-shares") == 0;
  if (!to_shares && strcmp(dir, "to-assets") != 0) {
    rest_error(ctx, 404, "not_found", "convert/to-shares?assets= or convert/to-assets?shares=", NULL);
    return;
  }
  if (load_vault(ctx, ctx->params[0], &sv, &v)) return;
  money_u128 in, out;
  if (query_amount(ctx, to_shares ? "assets" : "shares", to_shares ? sv.asset_decimals : SHARE_DECIMALS,
                   &in))
    return;
  int st = to_shares ? ledger_convert_to_shares(&v, in, &out) : ledger_convert_to_assets(&v, in, &out);
  if (st) {
    int http;
    const char *code, *msg;
    ledger_status_http(st, &http, &code, &msg);
    rest_error(ctx, http, code, msg, NULL);
    return;
  }
  rest_json(ctx, 200, to_shares ? json_pack("{s:o,s:o}", "assets", amount_json(in, sv.asset_decimals),
                                            "shares", amount_json(out, SHARE_DECIMALS))
                                 : json_pack("{s:o,s:o}", "shares", amount_json(in, SHARE_DECIMALS),
                                             "assets", amount_json(out, sv.asset_decimals)));
}

static int op_of(const char *name, enum ledger_op_kind *op) {
  static const char *const names[] = {"deposit", "mint", "withdraw", "redeem"};
  for (int k = 0; k < 4; k++)
    if (strcmp(name, names[k]) == 0) {
      *op = (enum ledger_op_kind)k;
      return 0;
    }
  return -1;
}

/* deposit and withdraw take assets; mint and redeem take shares */
static int takes_assets(enum ledger_op_kind op) {
  return op == LEDGER_OP_DEPOSIT || op == LEDGER_OP_WITHDRAW;
}

void route_vault_preview(struct rest_ctx *ctx) {
  enum ledger_op_kind op;
  if (op_of(ctx->params[1], &op)) {
    rest_error(ctx, 404, "not_found", "preview/{deposit,mint,withdraw,redeem}", NULL);
    return;
  }
  struct store_vault sv;
  struct ledger_vault v;
  if (load_vault(ctx, ctx->params[0], &sv, &v)) return;
  unsigned in_dec = takes_assets(op) ? sv.asset_decimals : SHARE_DECIMALS;
  money_u128 in, out;
  if (query_amount(ctx, "amount", in_dec, &in)) return;
  int st = op == LEDGER_OP_DEPOSIT ? ledger_preview_deposit(&v, in, &out)
           : op == LEDGER_OP_MINT  ? ledger_preview_mint(&v, in, &out)
           : op == LEDGER_OP_WITHDRAW ? ledger_preview_withdraw(&v, in, &out)
                                      : ledger_preview_redeem(&v, in, &out);
  if (st) {
    int http;
    const char *code, *msg;
    ledger_status_http(st, &http, &code, &msg);
    rest_error(ctx, http, code, msg, NULL);
    return;
  }
  money_u128 assets = takes_assets(op) ? in : out, shares = takes_assets(op) ? out : in;
  rest_json(ctx, 200, json_pack("{s:s,s:o,s:o}", "op", ctx->params[1], "assets",
                                amount_json(assets, sv.asset_decimals), "shares",
                                amount_json(shares, SHARE_DECIMALS)));
}

void route_vault_max(struct rest_ctx *ctx) {
  enum ledger_op_kind op;
  if (op_of(ctx->params[1], &op)) {
    rest_error(ctx, 404, "not_found", "max/{deposit,mint,withdraw,redeem}", NULL);
    return;
  }
  struct store_vault sv;
  struct ledger_vault v;
  if (load_vault(ctx, ctx->params[0], &sv, &v)) return;
  char account[80] = "";
  money_u128 owner_shares = 0, value = 0;
  if (op == LEDGER_OP_WITHDRAW || op == LEDGER_OP_REDEEM) {
    if (rest_query(ctx, "account", account, sizeof account) != 1) {
      rest_error(ctx, 400, "invalid_param", "account= is required", json_pack("{s:s}", "param", "account"));
      return;
    }
    struct db *db = app_db(ctx->app);
    int st = store_shares_get(db, sv.id, account, 0, &owner_shares, NULL);
    if (st) {
      rest_store_error(ctx, st);
      return;
    }
    /* a covered put spread vault outside stage 1 queues: nothing is payable now */
    int queues = strcmp(sv.kind, "covered_put_spread") == 0 && strcmp(sv.stage, "collateral_only");
    value = queues ? 0
            : op == LEDGER_OP_WITHDRAW ? ledger_max_withdraw(&v, owner_shares)
                                       : ledger_max_redeem(&v, owner_shares);
  } else {
    value = op == LEDGER_OP_DEPOSIT ? ledger_max_deposit(&v) : ledger_max_mint(&v);
  }
  rest_json(ctx, 200, json_pack("{s:s,s:o}", "op", ctx->params[1], takes_assets(op) ? "assets" : "shares",
                                amount_json(value, takes_assets(op) ? sv.asset_decimals : SHARE_DECIMALS)));
}

struct op_arg {
  struct ledger_request req;
  struct ledger_outcome out;
  unsigned asset_decimals;
};

static int op_tx(struct db *db, struct rest_ctx *ctx, void *p) {
  struct op_arg *a = p;
  int st = ledger_execute(db, &a->req, clock_now_ms(&ctx->app->clock), &a->out);
  if (st == LSVC_ESTORE) return -1;
  if (st) {
    int http;
    const char *code, *msg;
    ledger_status_http(st, &http, &code, &msg);
    rest_error(ctx, http, code, msg, json_pack("{s:s}", "vault", a->req.vault));
    return 1;
  }
  const struct store_vault *sv = &a->out.vault;
  json_t *body = json_pack("{s:s,s:o,s:o,s:o,s:s,s:s,s:s}", "vault", sv->id, "assets",
                           amount_json(a->out.assets, sv->asset_decimals), "shares",
                           amount_json(a->out.shares, SHARE_DECIMALS), "pricePerShare",
                           amount_json(a->out.price_per_share, sv->asset_decimals), "status",
                           a->out.queued ? "queued" : "done", "receiver", a->req.receiver, "owner",
                           a->req.owner ? a->req.owner : a->req.caller);
  if (a->out.queued) json_object_set_new(body, "queue_id", json_integer(a->out.queue_id));
  rest_json(ctx, a->out.queued ? 202 : 200, body);
  return 0;
}

static int optional_guard(struct rest_ctx *ctx, json_t *body, const char *key, unsigned decimals,
                          money_u128 dflt, money_u128 *out) {
  *out = dflt;
  if (!json_object_get(body, key)) return 0;
  return param_amount(ctx, body, key, decimals, 0, out);
}

void route_vault_op(struct rest_ctx *ctx) {
  enum ledger_op_kind op;
  if (op_of(ctx->params[1], &op)) {
    rest_error(ctx, 404, "not_found", "POST /v1/vaults/{id}/{deposit,mint,withdraw,redeem,allowances}", NULL);
    return;
  }
  json_t *body = rest_body_object(ctx);
  if (!body) return;
  struct store_vault sv;
  struct op_arg a;
  memset(&a, 0, sizeof a);
  /* the row only: the operation values the vault itself on the locked state, and a retried
   * Idempotency-Key must get its first answer whatever the oracles say now */
  if (load_vault_row(ctx, ctx->params[0], &sv)) goto done;
  a.req.vault = ctx->params[0];
  a.req.caller = ctx->who.account;
  if (strcmp(sv.kind, "depot") == 0) {
    a.req.value = depot_ledger_value;
    a.req.value_arg = ctx->app;
  }
  a.req.op = op;
  const char *receiver = json_string_value(json_object_get(body, "receiver"));
  const char *owner = json_string_value(json_object_get(body, "owner"));
  a.req.receiver = receiver ? receiver : ctx->who.account;
  a.req.owner = owner ? owner : ctx->who.account;
  unsigned in_dec = takes_assets(op) ? sv.asset_decimals : SHARE_DECIMALS;
  if (param_amount(ctx, body, takes_assets(op) ? "assets" : "shares", in_dec, 1, &a.req.amount))
    goto done;
  int bad = 0;
  switch (op) {
  case LEDGER_OP_DEPOSIT:
    bad = optional_guard(ctx, body, "min_shares_out", SHARE_DECIMALS, LEDGER_NO_MIN, &a.req.guard);
    break;
  case LEDGER_OP_MINT:
    bad = optional_guard(ctx, body, "max_assets_in", sv.asset_decimals, LEDGER_NO_MAX, &a.req.guard);
    break;
  case LEDGER_OP_WITHDRAW:
    bad = optional_guard(ctx, body, "max_shares_in", SHARE_DECIMALS, LEDGER_NO_MAX, &a.req.guard);
    break;
  case LEDGER_OP_REDEEM:
    bad = optional_guard(ctx, body, "min_assets_out", sv.asset_decimals, LEDGER_NO_MIN, &a.req.guard);
    break;
  }
  if (bad) goto done;
  if (idem_run(ctx, op_tx, &a, NULL) == 0)
    log_event(LOG_INFO, "ledger_op", "vault=%s op=%s caller=%s status=%s", a.req.vault,
              ctx->params[1], ctx->who.account, a.out.queued ? "queued" : "done");
done:
  json_decref(body);
}

struct allowance_arg {
  const char *vault, *owner, *spender;
  money_u128 shares;
};

static int allowance_tx(struct db *db, struct rest_ctx *ctx, void *p) {
  struct allowance_arg *a = p;
  int exists = 0;
  if (store_account_exists(db, a->spender, &exists)) return -1;
  if (!exists) {
    rest_error(ctx, 404, "account_not_found", "the spender account does not exist", NULL);
    return 1;
  }
  if (store_allowance_set(db, a->vault, a->owner, a->spender, a->shares)) return -1;
  rest_json(ctx, 200, json_pack("{s:s,s:s,s:s,s:o}", "vault", a->vault, "owner", a->owner,
                                "spender", a->spender, "shares", amount_json(a->shares, SHARE_DECIMALS)));
  return 0;
}

void route_vault_allowance(struct rest_ctx *ctx) {
  json_t *body = rest_body_object(ctx);
  if (!body) return;
  struct store_vault sv;
  struct ledger_vault v;
  struct allowance_arg a = {ctx->params[0], ctx->who.account, NULL, 0};
  a.spender = json_string_value(json_object_get(body, "spender"));
  if (load_vault(ctx, a.vault, &sv, &v) == 0) {
    if (!a.spender || !*a.spender)
      rest_error(ctx, 400, "invalid_param", "spender is required", json_pack("{s:s}", "param", "spender"));
    else if (param_amount(ctx, body, "shares", SHARE_DECIMALS, 0, &a.shares) == 0)
      idem_run(ctx, allowance_tx, &a, NULL);
  }
  json_decref(body);
}

/* Owner or reporter (or admin) may read an account's views. */
static int may_read(struct rest_ctx *ctx, const char *account) {
  if (strcmp(ctx->who.account, account) == 0 || (ctx->who.roles & (ROLE_REPORTER | ROLE_ADMIN)))
    return 1;
  rest_error(ctx, 403, "forbidden", "only the account itself or a reporter may read this", NULL);
  return 0;
}

void route_vault_account(struct rest_ctx *ctx) {
  const char *account = ctx->params[1];
  if (!may_read(ctx, account)) return;
  struct store_vault sv;
  struct ledger_vault v;
  if (load_vault(ctx, ctx->params[0], &sv, &v)) return;
  struct db *db = app_db(ctx->app);
  money_u128 shares = 0, queued = 0, value = 0, qvalue = 0;
  int st = store_shares_get(db, sv.id, account, 0, &shares, &queued);
  if (st) {
    rest_store_error(ctx, st);
    return;
  }
  if (ledger_convert_to_assets(&v, shares, &value)) value = 0;
  if (ledger_convert_to_assets(&v, queued, &qvalue)) qvalue = 0;
  struct pg_result *r = NULL;
  const char *p[] = {sv.id, account};
  st = db_exec(db,
               "SELECT id, op, assets::TEXT, shares::TEXT, business_ms FROM ledger_journal"
               " WHERE vault_id = $1 AND (owner_id = $2 OR receiver_id = $2 OR caller_id = $2)"
               " ORDER BY id DESC LIMIT 100",
               2, p, &r);
  if (st) {
    rest_store_error(ctx, st);
    return;
  }
  json_t *history = json_array();
  for (int k = 0; k < db_rows(r); k++) {
    money_u128 as = 0, sh = 0;
    if (money_parse(db_value(r, k, 2), strlen(db_value(r, k, 2)), 0, &as) ||
        money_parse(db_value(r, k, 3), strlen(db_value(r, k, 3)), 0, &sh))
      continue;
    json_array_append_new(history,
                          json_pack("{s:I,s:s,s:o,s:o,s:I}", "id",
                                    (json_int_t)strtoll(db_value(r, k, 0), NULL, 10), "op",
                                    db_value(r, k, 1), "assets", amount_json(as, sv.asset_decimals),
                                    "shares", amount_json(sh, SHARE_DECIMALS), "time",
                                    (json_int_t)strtoll(db_value(r, k, 4), NULL, 10)));
  }
  db_result_free(r);
  rest_json(ctx, 200,
            json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "vault", sv.id, "account", account, "shares",
                      amount_json(shares, SHARE_DECIMALS), "value",
                      amount_json(value, sv.asset_decimals), "queued_shares",
                      amount_json(queued, SHARE_DECIMALS), "queued_value",
                      amount_json(qvalue, sv.asset_decimals), "history", history));
}

struct balances_arg {
  json_t *obj;
};

static int balance_one(const char *asset, money_u128 amount, void *p) {
  struct balances_arg *a = p;
  const struct asset *as = asset_find(asset);
  json_object_set_new(a->obj, asset, amount_json(amount, as ? as->decimals : 0));
  return 0;
}

void route_account_balances(struct rest_ctx *ctx) {
  const char *account = ctx->params[0];
  if (!may_read(ctx, account)) return;
  struct db *db = app_db(ctx->app);
  struct balances_arg a = {json_object()};
  int st = db ? db_ensure(db, NULL, 0) : STORE_EUNAVAILABLE;
  if (st == STORE_OK) st = store_balance_each(db, account, balance_one, &a);
  if (st) {
    json_decref(a.obj);
    rest_store_error(ctx, st);
    return;
  }
  rest_json(ctx, 200, json_pack("{s:s,s:o}", "account", account, "balances", a.obj));
}

struct credit_arg {
  const char *account, *asset;
  money_u128 amount;
  unsigned decimals;
};

static int credit_tx(struct db *db, struct rest_ctx *ctx, void *p) {
  struct credit_arg *a = p;
  int exists = 0;
  if (store_account_exists(db, a->account, &exists)) return -1;
  if (!exists) {
    rest_error(ctx, 404, "account_not_found", "no such account", json_pack("{s:s}", "account", a->account));
    return 1;
  }
  money_u128 bal;
  if (store_balance_add(db, a->account, a->asset, (money_i128)a->amount, "credit", NULL,
                        ctx->who.account, clock_now_ms(&ctx->app->clock)) ||
      store_balance_get(db, a->account, a->asset, 0, &bal))
    return -1;
  rest_json(ctx, 200, json_pack("{s:s,s:s,s:o,s:o}", "account", a->account, "asset", a->asset,
                                "credited", amount_json(a->amount, a->decimals), "balance",
                                amount_json(bal, a->decimals)));
  return 0;
}

void route_admin_credit(struct rest_ctx *ctx) {
  json_t *body = rest_body_object(ctx);
  if (!body) return;
  struct credit_arg a = {ctx->params[0], NULL, 0, 0};
  a.asset = json_string_value(json_object_get(body, "asset"));
  const struct asset *as = a.asset ? asset_find(a.asset) : NULL;
  if (!as) {
    rest_error(ctx, 400, "invalid_param", "asset must be a known asset (USDC, LBTC, ETH, ...)",
               json_pack("{s:s}", "param", "asset"));
  } else {
    a.decimals = as->decimals;
    /* amounts fit NUMERIC(39,0) and leave headroom for sums: at most 10^36 base units */
    if (param_amount(ctx, body, "amount", as->decimals, 1, &a.amount) == 0) {
      money_u128 cap;
      if (money_pow10(36, &cap) == MONEY_OK && a.amount > cap)
        rest_error(ctx, 400, "invalid_amount", "amount too large", json_pack("{s:s}", "param", "amount"));
      else if (idem_run(ctx, credit_tx, &a, NULL) == 0)
        log_event(LOG_INFO, "balance_credited", "account=%s asset=%s by=%s", a.account, a.asset,
                  ctx->who.account);
    }
  }
  json_decref(body);
}

struct patch_arg {
  const char *vault;
  int paused; /* -1: unchanged */
};

static int patch_tx(struct db *db, struct rest_ctx *ctx, void *p) {
  struct patch_arg *a = p;
  struct store_vault sv;
  int st = store_vault_get(db, a->vault, 1, &sv);
  if (st == STORE_ENOTFOUND) {
    rest_error(ctx, 404, "vault_not_found", "no such vault", NULL);
    return 1;
  }
  if (st) return -1;
  if (a->paused >= 0) sv.paused = a->paused;
  if (store_vault_save(db, &sv)) return -1;
  struct ledger_vault v;
  ledger_view(&sv, &v);
  rest_json(ctx, 200, vault_json(&sv, &v));
  return 0;
}

/* PATCH /v1/admin/vaults/{id}: pause or resume (the mandate and parameters come with the
 * RFQ desk). A paused vault refuses every ledger operation; its max* are 0. */
void route_admin_vault_patch(struct rest_ctx *ctx) {
  json_t *body = rest_body_object(ctx);
  if (!body) return;
  struct patch_arg a = {ctx->params[0], -1};
  json_t *paused = json_object_get(body, "paused");
  const char *key;
  json_t *val;
  int bad = 0;
  json_object_foreach(body, key, val) {
    if (strcmp(key, "paused") != 0) {
      rest_error(ctx, 400, "invalid_param", "unknown field (PATCH takes: paused)",
                 json_pack("{s:s}", "param", key));
      bad = 1;
      break;
    }
  }
  if (!bad && paused && !json_is_boolean(paused)) {
    rest_error(ctx, 400, "invalid_param", "paused must be true or false",
               json_pack("{s:s}", "param", "paused"));
    bad = 1;
  }
  if (!bad) {
    a.paused = paused ? json_is_true(paused) : -1;
    if (idem_run(ctx, patch_tx, &a, NULL) == 0)
      log_event(LOG_INFO, "vault_patched", "vault=%s paused=%d by=%s", a.vault, a.paused,
                ctx->who.account);
  }
  json_decref(body);
}
