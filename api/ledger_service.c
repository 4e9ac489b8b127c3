/* ledger_service: share-ledger transactions over the pure ledger maths. */
#include "ledger_service.h"

#include <stdio.h>
#include <string.h>

#include "accounts_store.h"
#include "cycle_store.h"
#include "asset.h"
#include "db.h"
#include "depot_store.h"
#include "ledger_fee.h"
#include "ledger_ops.h"
#include "params.h"

#define TREASURY "treasury"

void ledger_view(const struct store_vault *sv, struct ledger_vault *out) {
  memset(out, 0, sizeof *out);
  out->total_assets = sv->total_assets;
  out->total_supply = sv->total_supply;
  out->locked_assets = sv->locked_assets;
  out->asset_decimals = sv->asset_decimals;
  out->decimals_offset = sv->decimals_offset;
  out->flags = sv->paused ? 0 : LEDGER_ALL_ENABLED;
  out->mgmt_fee_rate = sv->mgmt_fee_rate;
  out->fee_accrued_ms = sv->fee_accrued_ms;
}

void ledger_view_valued(const struct store_vault *sv, const struct ledger_valuation *val,
                        struct ledger_vault *out) {
  ledger_view(sv, out);
  if (!val) return;
  out->total_assets = val->nav;
  out->locked_assets = val->nav > val->free ? val->nav - val->free : 0;
}

/* Back to the row: with a valuation, the raw total moves by what the operation moved. */
static int store_back(struct store_vault *sv, const struct ledger_vault *v,
                      const struct ledger_valuation *val) {
  if (val) {
    money_i128 raw = (money_i128)sv->total_assets + ((money_i128)v->total_assets - (money_i128)val->nav);
    if (raw < 0) return LEDGER_EILLIQUID;
    sv->total_assets = (money_u128)raw;
  } else {
    sv->total_assets = v->total_assets;
    sv->locked_assets = v->locked_assets;
  }
  sv->total_supply = v->total_supply;
  sv->fee_accrued_ms = v->fee_accrued_ms;
  return 0;
}

static int account_exists(struct db *db, const char *id) {
  int exists = 0;
  return store_account_exists(db, id, &exists) ? -1 : exists;
}

/* Writes the vault after, the fee shares, and the journal row. */
static int finish(struct db *db, const struct ledger_request *req, const char *op,
                  struct store_vault *sv, const struct ledger_result *res, int64_t now,
                  const struct ledger_valuation *val, struct ledger_outcome *out) {
  struct ledger_vault after = res->vault;
  money_u128 pps = 0;
  if (ledger_price_per_share(&after, &pps)) return LEDGER_EOVERFLOW;
  int st = store_back(sv, &after, val);
  if (st) return st;
  if (store_vault_save(db, sv)) return LSVC_ESTORE;
  if (res->fee_shares && store_shares_add(db, req->vault, TREASURY, (money_i128)res->fee_shares, 0))
    return LSVC_ESTORE;
  struct store_journal j = {req->vault, op, req->caller, req->owner ? req->owner : req->caller,
                            req->receiver, res->assets, res->shares, res->fee_shares,
                            after.total_assets, after.total_supply, pps, now};
  if (store_journal_insert(db, &j)) return LSVC_ESTORE;
  out->assets = res->assets;
  out->shares = res->shares;
  out->fee_shares = res->fee_shares;
  out->price_per_share = pps;
  out->vault = *sv;
  return 0;
}

static int deposit_or_mint(struct db *db, const struct ledger_request *req, struct store_vault *sv,
                           const struct ledger_vault *v, int64_t now,
                           const struct ledger_valuation *val, struct ledger_outcome *out) {
  struct ledger_result res;
  int st = req->op == LEDGER_OP_DEPOSIT ? ledger_deposit(v, now, req->amount, req->guard, &res)
                                        : ledger_mint(v, now, req->amount, req->guard, &res);
  if (st) return st;
  money_u128 bal;
  if (store_balance_get(db, req->caller, sv->asset, 1, &bal)) return LSVC_ESTORE;
  if (bal < res.assets) return LSVC_EFUNDS;
  const char *op = req->op == LEDGER_OP_DEPOSIT ? "deposit" : "mint";
  if (store_balance_add(db, req->caller, sv->asset, -(money_i128)res.assets, op, req->vault, NULL,
                        now) ||
      store_shares_add(db, req->vault, req->receiver, (money_i128)res.shares, 0))
    return LSVC_ESTORE;
  return finish(db, req, op, sv, &res, now, val, out);
}

/* The owner's shares and the caller's allowance, locked. */
static int load_owner(struct db *db, const struct ledger_request *req, struct ledger_owner *o) {
  memset(o, 0, sizeof *o);
  o->is_caller = strcmp(req->owner, req->caller) == 0;
  if (store_shares_get(db, req->vault, req->owner, 1, &o->shares, NULL)) return LSVC_ESTORE;
  if (!o->is_caller &&
      store_allowance_get(db, req->vault, req->owner, req->caller, 1, &o->allowance))
    return LSVC_ESTORE;
  return 0;
}

static int withdraw_or_redeem(struct db *db, const struct ledger_request *req,
                              struct store_vault *sv, const struct ledger_vault *v, int64_t now,
                              const struct ledger_valuation *val, struct ledger_outcome *out) {
  struct ledger_owner owner;
  int st = load_owner(db, req, &owner);
  if (st) return st;
  struct ledger_result res;
  st = req->op == LEDGER_OP_WITHDRAW
           ? ledger_withdraw(v, now, &owner, req->amount, req->guard, &res)
           : ledger_redeem(v, now, &owner, req->amount, req->guard, &res);
  if (st) return st;
  const char *op = req->op == LEDGER_OP_WITHDRAW ? "withdraw" : "redeem";
  if (store_shares_add(db, req->vault, req->owner, -(money_i128)res.shares, 0) ||
      (!owner.is_caller &&
       store_allowance_set(db, req->vault, req->owner, req->caller, res.owner.allowance)) ||
      store_balance_add(db, req->receiver, sv->asset, (money_i128)res.assets, op, req->vault, NULL,
                        now))
    return LSVC_ESTORE;
  return finish(db, req, op, sv, &res, now, val, out);
}

/* A covered put spread vault outside stage 1: lock the shares, queue the request. */
static int enqueue(struct db *db, const struct ledger_request *req, struct store_vault *sv,
                   const struct ledger_vault *v, int64_t now, struct ledger_outcome *out) {
  struct ledger_vault acc;
  money_u128 fee = 0, shares = req->amount, assets = 0;
  int st = ledger_accrue(v, now, &acc, &fee);
  if (st) return st;
  if (req->op == LEDGER_OP_WITHDRAW) {
    if ((st = ledger_preview_withdraw(&acc, req->amount, &shares))) return st;
    if (shares > req->guard) return LEDGER_EMAX_SHARES_IN;
  }
  if (shares == 0) return LEDGER_EZERO;
  if ((st = ledger_preview_redeem(&acc, shares, &assets))) return st;
  /* a queued redeem is paid at the stage-1 price: its guard is checked on today's estimate */
  if (req->op == LEDGER_OP_REDEEM && assets < req->guard) return LEDGER_EMIN_ASSETS_OUT;
  struct ledger_owner owner;
  if ((st = load_owner(db, req, &owner))) return st;
  if (owner.shares < shares) return LEDGER_EBALANCE;
  if (!owner.is_caller && owner.allowance != MONEY_U128_MAX) {
    if (owner.allowance < shares) return LEDGER_EALLOWANCE;
    if (store_allowance_set(db, req->vault, req->owner, req->caller, owner.allowance - shares))
      return LSVC_ESTORE;
  }
  const char *kind = req->op == LEDGER_OP_WITHDRAW ? "withdraw" : "redeem";
  long long id = 0;
  if (store_shares_add(db, req->vault, req->owner, -(money_i128)shares, (money_i128)shares) ||
      store_queue_insert(db, req->vault, req->caller, req->owner, req->receiver, kind, shares, now,
                         &id))
    return LSVC_ESTORE;
  struct ledger_result res;
  memset(&res, 0, sizeof res);
  res.vault = acc;
  res.assets = assets; /* an estimate at today's price; paid at the stage-1 price */
  res.shares = shares;
  res.fee_shares = fee;
  st = finish(db, req, req->op == LEDGER_OP_WITHDRAW ? "withdraw_queued" : "redeem_queued", sv,
              &res, now, NULL, out);
  out->queued = 1;
  out->queue_id = id;
  return st;
}

int ledger_execute(struct db *db, const struct ledger_request *req, int64_t now,
                   struct ledger_outcome *out) {
  struct store_vault sv;
  memset(out, 0, sizeof *out);
  int st = store_vault_get(db, req->vault, 1, &sv);
  if (st == STORE_ENOTFOUND) return LSVC_ENOVAULT;
  if (st) return LSVC_ESTORE;
  if (sv.paused) return LSVC_EPAUSED;
  int r = account_exists(db, req->receiver);
  if (r < 0) return LSVC_ESTORE;
  if (!r) return LSVC_ENOACCOUNT;
  if (req->owner && strcmp(req->owner, req->caller) != 0) {
    r = account_exists(db, req->owner);
    if (r < 0) return LSVC_ESTORE;
    if (!r) return LSVC_ENOACCOUNT;
  }
  struct ledger_valuation valuation, *val = NULL;
  if (req->value) {
    st = req->value(db, &sv, now, req->value_arg, &valuation);
    if (st) return st;
    val = &valuation;
  }
  struct ledger_vault v;
  ledger_view_valued(&sv, val, &v);
  switch (req->op) {
  case LEDGER_OP_DEPOSIT:
  case LEDGER_OP_MINT:
    return deposit_or_mint(db, req, &sv, &v, now, val, out);
  default:
    if (strcmp(sv.kind, "covered_put_spread") == 0 && strcmp(sv.stage, "collateral_only") != 0)
      return enqueue(db, req, &sv, &v, now, out);
    return withdraw_or_redeem(db, req, &sv, &v, now, val, out);
  }
}

int ledger_pay_queue(struct db *db, const char *vault, int64_t now, int *paid) {
  *paid = 0;
  for (;;) {
    struct store_vault sv;
    if (store_vault_get(db, vault, 1, &sv)) return LSVC_ESTORE;
    struct store_queue_entry q;
    int st = store_queue_head(db, vault, &q);
    if (st == STORE_ENOTFOUND) return 0;
    if (st) return LSVC_ESTORE;
    struct ledger_vault v;
    ledger_view(&sv, &v);
    v.flags = LEDGER_ALL_ENABLED; /* queued requests were accepted already */
    struct ledger_owner owner = {q.shares, 0, true};
    struct ledger_result res;
    st = ledger_redeem(&v, now, &owner, q.shares, LEDGER_NO_MIN, &res);
    if (st == LEDGER_EILLIQUID) return 0; /* the rest waits for liquidity */
    if (st) return st;
    struct ledger_request req = {vault, q.caller, q.owner, q.receiver, LEDGER_OP_REDEEM,
                                 q.shares, 0, NULL, NULL};
    struct ledger_outcome out;
    if (store_shares_add(db, vault, q.owner, 0, -(money_i128)q.shares) ||
        store_balance_add(db, q.receiver, sv.asset, (money_i128)res.assets, "queue_paid", vault,
                          NULL, now) ||
        store_queue_paid(db, q.id, res.assets, now))
      return LSVC_ESTORE;
    if ((st = finish(db, &req, "queue_paid", &sv, &res, now, NULL, &out))) return st;
    (*paid)++;
  }
}

static int register_one(struct db *db, const char *id, const char *kind, const char *asset_name,
                        money_u128 fee_rate, int64_t now, char *err, size_t errcap) {
  const struct asset *a = asset_find(asset_name);
  if (!a) {
    snprintf(err, errcap, "vault %s: unknown asset %s", id, asset_name);
    return -1;
  }
  struct store_vault v;
  memset(&v, 0, sizeof v);
  snprintf(v.id, sizeof v.id, "%s", id);
  snprintf(v.kind, sizeof v.kind, "%s", kind);
  snprintf(v.asset, sizeof v.asset, "%s", a->symbol);
  v.asset_decimals = a->decimals;
  v.decimals_offset = a->share_offset;
  v.mgmt_fee_rate = fee_rate;
  v.fee_accrued_ms = now;
  v.created_at_ms = now;
  if (store_vault_ensure(db, &v)) {
    snprintf(err, errcap, "vault %s: %s", id, db_last_error(db));
    return -1;
  }
  struct store_vault got;
  if (store_vault_get(db, id, 0, &got) || strcmp(got.kind, kind) || strcmp(got.asset, a->symbol)) {
    snprintf(err, errcap, "vault %s exists in the database as another kind or asset", id);
    return -1;
  }
  return 0;
}

int ledger_register_vaults(struct app *app, struct db *db, char *err, size_t errcap) {
  int64_t now = clock_now_ms(&app->clock);
  size_t i;
  json_t *v;
  json_array_foreach(app->config->vaults, i, v) {
    if (register_one(db, json_string_value(json_object_get(v, "id")), "covered_put_spread",
                     json_string_value(json_object_get(v, "collateral")), 0, now, err, errcap))
      return -1;
    /* its weekly cycle: a new vault starts in stage 1, its first auction due now */
    if (store_cycle_ensure(db, json_string_value(json_object_get(v, "id")), now, now)) {
      snprintf(err, errcap, "vault cycle: %s", db_last_error(db));
      return -1;
    }
  }
  json_array_foreach(app->config->depots, i, v) {
    const char *type = json_string_value(json_object_get(v, "type"));
    const char *asset = strcmp(type, "P") == 0 ? "USDC"
                                                : json_string_value(json_object_get(v, "underlying"));
    /* SPEC 5.1 default: 2 %/yr */
    money_u128 rate = param_cfg_decimal(json_object_get(v, "settings"), "management_fee", 18, LEDGER_WAD / 50);
    const char *id = json_string_value(json_object_get(v, "id"));
    if (register_one(db, id, "depot", asset, rate, now, err, errcap)) return -1;
    if (store_depot_book_ensure(db, id, now)) {
      snprintf(err, errcap, "depot %s: %s", id, db_last_error(db));
      return -1;
    }
  }
  return 0;
}

void ledger_status_http(int status, int *http, const char **code, const char **message) {
  struct {
    int status, http;
    const char *code, *message;
  } table[] = {
      {LSVC_ENOVAULT, 404, "vault_not_found", "no such vault"},
      {LSVC_EPAUSED, 409, "vault_paused", "the vault is paused"},
      {LSVC_ENOACCOUNT, 404, "account_not_found", "the receiver or owner account does not exist"},
      {LSVC_EFUNDS, 422, "insufficient_balance", "the caller's asset balance is too small"},
      {LEDGER_EDISABLED, 409, "action_disabled", "this action is closed for the vault"},
      {LEDGER_EZERO, 422, "zero_amount", "the operation would move zero assets or shares"},
      {LEDGER_EBALANCE, 422, "insufficient_shares", "the owner holds fewer shares than needed"},
      {LEDGER_EALLOWANCE, 403, "insufficient_allowance",
       "the owner's allowance for the caller is too small"},
      {LEDGER_EILLIQUID, 409, "insufficient_liquidity",
       "more than the vault's free (unlocked) assets"},
      {LEDGER_EMIN_SHARES_OUT, 409, "slippage_exceeded", "fewer shares than min_shares_out"},
      {LEDGER_EMAX_ASSETS_IN, 409, "slippage_exceeded", "more assets than max_assets_in"},
      {LEDGER_EMAX_SHARES_IN, 409, "slippage_exceeded", "more shares than max_shares_in"},
      {LEDGER_EMIN_ASSETS_OUT, 409, "slippage_exceeded", "fewer assets than min_assets_out"},
      {LEDGER_EOVERFLOW, 422, "amount_too_large", "the amount is beyond what the vault can hold"},
      {LEDGER_ECLOCK, 409, "clock_before_last_accrual", "business time is before the last fee accrual"},
      {LSVC_EORACLE, 409, "oracle_stale", "valuing the vault needs a fresh oracle"},
      {LSVC_EPENDING, 409, "settlement_pending",
       "an expired maturity awaits its settlement price"},
  };
  for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)
    if (table[k].status == status) {
      *http = table[k].http;
      *code = table[k].code;
      *message = table[k].message;
      return;
    }
  *http = 500;
  *code = "internal_error";
  *message = "unexpected ledger failure";
}
