/* ledger_store: SQL for vaults, balances, allowances, journal and withdrawal queue. */
#include "ledger_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_text.h"

#define VAULT_COLS                                                                                 \
  "id, kind, asset, asset_decimals, decimals_offset, total_assets::TEXT, total_supply::TEXT,"      \
  " locked_assets::TEXT, mgmt_fee_rate::TEXT, fee_accrued_ms, stage, paused, created_at_ms,"      \
  " usdc_balance::TEXT, open_spreads::TEXT"

static int read_vault(const struct pg_result *r, int row, struct store_vault *v) {
  memset(v, 0, sizeof *v);
  snprintf(v->id, sizeof v->id, "%s", db_value(r, row, 0));
  snprintf(v->kind, sizeof v->kind, "%s", db_value(r, row, 1));
  snprintf(v->asset, sizeof v->asset, "%s", db_value(r, row, 2));
  v->asset_decimals = (unsigned)atoi(db_value(r, row, 3));
  v->decimals_offset = (unsigned)atoi(db_value(r, row, 4));
  if (sql_num(db_value(r, row, 5), &v->total_assets) ||
      sql_num(db_value(r, row, 6), &v->total_supply) ||
      sql_num(db_value(r, row, 7), &v->locked_assets) ||
      sql_num(db_value(r, row, 8), &v->mgmt_fee_rate))
    return STORE_EINTERNAL;
  v->fee_accrued_ms = strtoll(db_value(r, row, 9), NULL, 10);
  snprintf(v->stage, sizeof v->stage, "%s", db_value(r, row, 10));
  v->paused = db_value(r, row, 11)[0] == 't';
  v->created_at_ms = strtoll(db_value(r, row, 12), NULL, 10);
  const char *u = db_value(r, row, 13);
  if (money_parse_signed(u, strlen(u), 0, &v->usdc_balance) != MONEY_OK ||
      sql_num(db_value(r, row, 14), &v->open_spreads))
    return STORE_EINTERNAL;
  return STORE_OK;
}

int store_vault_ensure(struct db *db, const struct store_vault *v) {
  struct sql_text dec = sql_ll(v->asset_decimals), off = sql_ll(v->decimals_offset),
                  rate = sql_u128(v->mgmt_fee_rate), at = sql_ll(v->created_at_ms);
  const char *p[] = {v->id, v->kind, v->asset, dec.b, off.b, rate.b, at.b};
  return db_exec(db,
                 "INSERT INTO vaults(id, kind, asset, asset_decimals, decimals_offset,"
                 " mgmt_fee_rate, fee_accrued_ms, created_at_ms)"
                 " VALUES ($1, $2, $3, $4::INT, $5::INT, $6::NUMERIC, $7::BIGINT, $7::BIGINT)"
                 " ON CONFLICT (id) DO NOTHING",
                 7, p, NULL);
}

int store_vault_get(struct db *db, const char *id, int for_update, struct store_vault *out) {
  struct pg_result *r = NULL;
  const char *p[] = {id};
  int st = db_exec(db,
                   for_update ? "SELECT " VAULT_COLS " FROM vaults WHERE id = $1 FOR UPDATE"
                              : "SELECT " VAULT_COLS " FROM vaults WHERE id = $1",
                   1, p, &r);
  if (st) return st;
  st = db_rows(r) == 1 ? read_vault(r, 0, out) : STORE_ENOTFOUND;
  db_result_free(r);
  return st;
}

int store_vault_each(struct db *db, store_vault_fn fn, void *arg) {
  struct pg_result *r = NULL;
  int st = db_exec(db, "SELECT " VAULT_COLS " FROM vaults ORDER BY id", 0, NULL, &r);
  if (st) return st;
  for (int k = 0; k < db_rows(r) && st == STORE_OK; k++) {
    struct store_vault v;
    st = read_vault(r, k, &v);
    if (st == STORE_OK && fn(&v, arg)) break;
  }
  db_result_free(r);
  return st;
}

int store_vault_save(struct db *db, const struct store_vault *v) {
  struct sql_text a = sql_u128(v->total_assets), s = sql_u128(v->total_supply),
                  l = sql_u128(v->locked_assets), f = sql_ll(v->fee_accrued_ms);
  const char *p[] = {v->id, a.b, s.b, l.b, f.b, v->stage, v->paused ? "t" : "f"};
  return db_exec(db,
                 "UPDATE vaults SET total_assets = $2::NUMERIC, total_supply = $3::NUMERIC,"
                 " locked_assets = $4::NUMERIC, fee_accrued_ms = $5::BIGINT, stage = $6,"
                 " paused = $7::BOOLEAN WHERE id = $1",
                 7, p, NULL);
}

int store_shares_get(struct db *db, const char *vault, const char *account, int for_update,
                     money_u128 *shares, money_u128 *queued) {
  struct pg_result *r = NULL;
  const char *p[] = {vault, account};
  int st = db_exec(db,
                   for_update ? "SELECT shares::TEXT, queued_shares::TEXT FROM share_balances"
                                " WHERE vault_id = $1 AND account_id = $2 FOR UPDATE"
                              : "SELECT shares::TEXT, queued_shares::TEXT FROM share_balances"
                                " WHERE vault_id = $1 AND account_id = $2",
                   2, p, &r);
  if (st) return st;
  money_u128 s = 0, q = 0;
  if (db_rows(r) == 1)
    st = sql_num(db_value(r, 0, 0), &s) ? STORE_EINTERNAL : sql_num(db_value(r, 0, 1), &q);
  db_result_free(r);
  if (st) return st;
  *shares = s;
  if (queued) *queued = q;
  return STORE_OK;
}

int store_shares_add(struct db *db, const char *vault, const char *account, money_i128 d_shares,
                     money_i128 d_queued) {
  struct sql_text s = sql_i128(d_shares), q = sql_i128(d_queued);
  const char *p[] = {vault, account, s.b, q.b};
  if (d_shares >= 0 && d_queued >= 0) /* CHECKs see the candidate row: only then upsert */
    return db_exec(db,
                   "INSERT INTO share_balances(vault_id, account_id, shares, queued_shares)"
                   " VALUES ($1, $2, $3::NUMERIC, $4::NUMERIC)"
                   " ON CONFLICT (vault_id, account_id) DO UPDATE SET"
                   " shares = share_balances.shares + EXCLUDED.shares,"
                   " queued_shares = share_balances.queued_shares + EXCLUDED.queued_shares",
                   4, p, NULL);
  struct pg_result *r = NULL;
  int st = db_exec(db,
                   "UPDATE share_balances SET shares = shares + $3::NUMERIC,"
                   " queued_shares = queued_shares + $4::NUMERIC"
                   " WHERE vault_id = $1 AND account_id = $2 RETURNING 1",
                   4, p, &r);
  if (st) return st;
  st = db_rows(r) == 1 ? STORE_OK : db_fail(db, STORE_ECONFLICT, "no share balance to debit");
  db_result_free(r);
  return st;
}

int store_balance_get(struct db *db, const char *account, const char *asset, int for_update,
                      money_u128 *amount) {
  struct pg_result *r = NULL;
  const char *p[] = {account, asset};
  int st = db_exec(db,
                   for_update ? "SELECT amount::TEXT FROM asset_balances"
                                " WHERE account_id = $1 AND asset = $2 FOR UPDATE"
                              : "SELECT amount::TEXT FROM asset_balances"
                                " WHERE account_id = $1 AND asset = $2",
                   2, p, &r);
  if (st) return st;
  money_u128 a = 0;
  if (db_rows(r) == 1) st = sql_num(db_value(r, 0, 0), &a);
  db_result_free(r);
  if (st == STORE_OK) *amount = a;
  return st;
}

int store_balance_add(struct db *db, const char *account, const char *asset, money_i128 delta,
                      const char *reason, const char *vault, const char *ref, int64_t business_ms) {
  if (delta == 0) return STORE_OK;
  struct sql_text d = sql_i128(delta), t = sql_ll(business_ms);
  const char *p[] = {account, asset, d.b};
  int st;
  if (delta > 0) { /* CHECKs see the candidate row: only a credit may upsert */
    st = db_exec(db,
                 "INSERT INTO asset_balances(account_id, asset, amount)"
                 " VALUES ($1, $2, $3::NUMERIC) ON CONFLICT (account_id, asset)"
                 " DO UPDATE SET amount = asset_balances.amount + EXCLUDED.amount",
                 3, p, NULL);
  } else {
    struct pg_result *r = NULL;
    st = db_exec(db,
                 "UPDATE asset_balances SET amount = amount + $3::NUMERIC"
                 " WHERE account_id = $1 AND asset = $2 RETURNING 1",
                 3, p, &r);
    if (st == STORE_OK && db_rows(r) != 1)
      st = db_fail(db, STORE_ECONFLICT, "no asset balance to debit");
    db_result_free(r);
  }
  if (st) return st;
  const char *q[] = {account, asset, d.b, reason, vault, ref, t.b};
  return db_exec(db,
                 "INSERT INTO balance_journal(account_id, asset, delta, reason, vault_id, ref,"
                 " business_ms) VALUES ($1, $2, $3::NUMERIC, $4, $5, $6, $7::BIGINT)",
                 7, q, NULL);
}

int store_balance_each(struct db *db, const char *account, store_balance_fn fn, void *arg) {
  struct pg_result *r = NULL;
  const char *p[] = {account};
  int st = db_exec(db,
                   "SELECT asset, amount::TEXT FROM asset_balances WHERE account_id = $1"
                   " ORDER BY asset",
                   1, p, &r);
  if (st) return st;
  for (int k = 0; k < db_rows(r) && st == STORE_OK; k++) {
    money_u128 a;
    st = sql_num(db_value(r, k, 1), &a);
    if (st == STORE_OK && fn(db_value(r, k, 0), a, arg)) break;
  }
  db_result_free(r);
  return st;
}

int store_allowance_get(struct db *db, const char *vault, const char *owner, const char *spender,
                        int for_update, money_u128 *shares) {
  struct pg_result *r = NULL;
  const char *p[] = {vault, owner, spender};
  int st = db_exec(db,
                   for_update ? "SELECT shares::TEXT FROM allowances WHERE vault_id = $1 AND"
                                " owner_id = $2 AND spender_id = $3 FOR UPDATE"
                              : "SELECT shares::TEXT FROM allowances WHERE vault_id = $1 AND"
                                " owner_id = $2 AND spender_id = $3",
                   3, p, &r);
  if (st) return st;
  money_u128 a = 0;
  if (db_rows(r) == 1) st = sql_num(db_value(r, 0, 0), &a);
  db_result_free(r);
  if (st == STORE_OK) *shares = a;
  return st;
}

int store_allowance_set(struct db *db, const char *vault, const char *owner, const char *spender,
                        money_u128 shares) {
  struct sql_text s = sql_u128(shares);
  const char *p[] = {vault, owner, spender, s.b};
  return db_exec(db,
                 "INSERT INTO allowances(vault_id, owner_id, spender_id, shares)"
                 " VALUES ($1, $2, $3, $4::NUMERIC) ON CONFLICT (vault_id, owner_id, spender_id)"
                 " DO UPDATE SET shares = EXCLUDED.shares",
                 4, p, NULL);
}

int store_journal_insert(struct db *db, const struct store_journal *j) {
  struct sql_text a = sql_u128(j->assets), s = sql_u128(j->shares), f = sql_u128(j->fee_shares),
                  ta = sql_u128(j->total_assets_after), ts = sql_u128(j->total_supply_after),
                  pps = sql_u128(j->pps_after), t = sql_ll(j->business_ms);
  const char *p[] = {j->vault, j->op, j->caller, j->owner, j->receiver, a.b,
                     s.b,      f.b,   ta.b,      ts.b,     pps.b,       t.b};
  return db_exec(db,
                 "INSERT INTO ledger_journal(vault_id, op, caller_id, owner_id, receiver_id,"
                 " assets, shares, fee_shares, total_assets_after, total_supply_after,"
                 " price_per_share_after, business_ms) VALUES ($1, $2, $3, $4, $5, $6::NUMERIC,"
                 " $7::NUMERIC, $8::NUMERIC, $9::NUMERIC, $10::NUMERIC, $11::NUMERIC, $12::BIGINT)",
                 12, p, NULL);
}

int store_queue_insert(struct db *db, const char *vault, const char *caller, const char *owner,
                       const char *receiver, const char *kind, money_u128 shares, int64_t now,
                       long long *id) {
  struct sql_text s = sql_u128(shares), t = sql_ll(now);
  const char *p[] = {vault, caller, owner, receiver, kind, s.b, t.b};
  struct pg_result *r = NULL;
  int st = db_exec(db,
                   "INSERT INTO withdrawal_queue(vault_id, caller_id, owner_id, receiver_id, kind,"
                   " shares, requested_ms) VALUES ($1, $2, $3, $4, $5, $6::NUMERIC, $7::BIGINT)"
                   " RETURNING id",
                   7, p, &r);
  if (st) return st;
  *id = strtoll(db_value(r, 0, 0), NULL, 10);
  db_result_free(r);
  return STORE_OK;
}

int store_queue_head(struct db *db, const char *vault, struct store_queue_entry *out) {
  struct pg_result *r = NULL;
  const char *p[] = {vault};
  int st = db_exec(db,
                   "SELECT id, caller_id, owner_id, receiver_id, kind, shares::TEXT, requested_ms"
                   " FROM withdrawal_queue WHERE vault_id = $1 AND status = 'queued'"
                   " ORDER BY id LIMIT 1 FOR UPDATE",
                   1, p, &r);
  if (st) return st;
  if (db_rows(r) == 0) {
    db_result_free(r);
    return STORE_ENOTFOUND;
  }
  memset(out, 0, sizeof *out);
  out->id = strtoll(db_value(r, 0, 0), NULL, 10);
  snprintf(out->caller, sizeof out->caller, "%s", db_value(r, 0, 1));
  snprintf(out->owner, sizeof out->owner, "%s", db_value(r, 0, 2));
  snprintf(out->receiver, sizeof out->receiver, "%s", db_value(r, 0, 3));
  snprintf(out->kind, sizeof out->kind, "%s", db_value(r, 0, 4));
  st = sql_num(db_value(r, 0, 5), &out->shares);
  out->requested_ms = strtoll(db_value(r, 0, 6), NULL, 10);
  db_result_free(r);
  return st;
}

int store_queue_paid(struct db *db, long long id, money_u128 assets, int64_t now) {
  struct sql_text a = sql_u128(assets), t = sql_ll(now), k = sql_ll(id);
  const char *p[] = {k.b, a.b, t.b};
  return db_exec(db,
                 "UPDATE withdrawal_queue SET status = 'paid', paid_assets = $2::NUMERIC,"
                 " paid_ms = $3::BIGINT WHERE id = $1::BIGINT AND status = 'queued'",
                 3, p, NULL);
}

int store_vault_book(struct db *db, const char *id, money_u128 *open_spreads, money_i128 *usdc) {
  struct pg_result *r = NULL;
  const char *p[] = {id};
  int st = db_exec(db, "SELECT open_spreads::TEXT, usdc_balance::TEXT FROM vaults WHERE id = $1", 1,
                   p, &r);
  if (st) return st;
  if (db_rows(r) != 1) {
    db_result_free(r);
    return STORE_ENOTFOUND;
  }
  const char *u = db_value(r, 0, 1);
  money_i128 x = 0;
  st = sql_num(db_value(r, 0, 0), open_spreads);
  if (st == STORE_OK && money_parse_signed(u, strlen(u), 0, &x) != MONEY_OK) st = STORE_EINTERNAL;
  if (st == STORE_OK) *usdc = x;
  db_result_free(r);
  return st;
}

int store_auctions_running(struct db *db, int64_t now_ms, char **json) {
  struct sql_text since = sql_ll(now_ms - 3600000);
  const char *p[] = {since.b};
  return sql_query_text(
      db,
      "SELECT COALESCE(json_agg(json_build_object("
      " 'id', a.id::TEXT, 'vault_id', a.vault_id, 'legs', a.legs, 'kind', a.kind, 'cycle_no', a.cycle_no,"
      " 'total_amount', a.total_amount::TEXT, 'sold_amount', a.sold_amount::TEXT,"
      " 'lots_filled', (SELECT count(*) FROM fills f WHERE f.auction_id = a.id),"
      " 'started_ms', a.started_ms, 'collateral', v.total_assets::TEXT,"
      " 'open_spreads', v.open_spreads::TEXT, 'usdc', v.usdc_balance::TEXT,"
      " 'fills', (SELECT COALESCE(json_agg(json_build_object('credit', f.credit::TEXT,"
      " 'mark', f.mark_credit::TEXT, 'amount', f.amount::TEXT, 'ms', f.business_ms)"
      " ORDER BY f.id), '[]'::json) FROM fills f WHERE f.vault_id = a.vault_id"
      " AND f.business_ms >= $1::BIGINT))), '[]'::json)::TEXT"
      " FROM auctions a JOIN vaults v ON v.id = a.vault_id WHERE a.status = 'running'",
      1, p, json);
}
