/* cycle_store: the weekly cycle's rows (migration 0007). */
#include "cycle_store.h"

#include <stdlib.h>
#include <string.h>

#include "sql_text.h"

int store_cycle_ensure(struct db *db, const char *vault, int64_t next_ms, int64_t now) {
  struct sql_text n = sql_ll(next_ms), t = sql_ll(now);
  const char *p[] = {vault, n.b, t.b};
  return db_exec(db,
                 "INSERT INTO vault_cycles(vault_id, stage_since_ms, next_ms, updated_ms)"
                 " VALUES ($1, $3::BIGINT, $2::BIGINT, $3::BIGINT) ON CONFLICT (vault_id) DO NOTHING",
                 3, p, NULL);
}

int store_cycles_load(struct db *db, char **json) {
  return sql_query_text(db,
                   "SELECT COALESCE(json_agg(json_build_object('vault_id', c.vault_id, 'stage', v.stage,"
                   " 'cycle_no', c.cycle_no, 'stage_since_ms', c.stage_since_ms, 'next_ms', c.next_ms,"
                   " 'expiry_ms', c.expiry_ms, 'k1', COALESCE(c.k1, 0)::TEXT, 'k2', COALESCE(c.k2, 0)::TEXT,"
                   " 'premium', c.premium::TEXT, 'hwm', c.hwm::TEXT)), '[]'::json)::TEXT"
                   " FROM vault_cycles c JOIN vaults v ON v.id = c.vault_id",
                   0, NULL, json);
}

static int parse_i128(const char *s, money_i128 *out) {
  return money_parse_signed(s, strlen(s), 0, out) == MONEY_OK ? STORE_OK : STORE_EINTERNAL;
}

int store_cycle_get(struct db *db, const char *vault, int for_update, struct store_cycle *out) {
  struct pg_result *r = NULL;
  const char *p[] = {vault};
  int st = db_exec(db,
                   for_update
                       ? "SELECT v.stage, c.cycle_no, c.stage_since_ms, c.next_ms, COALESCE(c.expiry_ms, 0),"
                         " COALESCE(c.k1, 0)::TEXT, COALESCE(c.k2, 0)::TEXT, c.premium::TEXT, c.hwm::TEXT"
                         " FROM vault_cycles c JOIN vaults v ON v.id = c.vault_id WHERE c.vault_id = $1"
                         " FOR UPDATE"
                       : "SELECT v.stage, c.cycle_no, c.stage_since_ms, c.next_ms, COALESCE(c.expiry_ms, 0),"
                         " COALESCE(c.k1, 0)::TEXT, COALESCE(c.k2, 0)::TEXT, c.premium::TEXT, c.hwm::TEXT"
                         " FROM vault_cycles c JOIN vaults v ON v.id = c.vault_id WHERE c.vault_id = $1",
                   1, p, &r);
  if (st) return st;
  if (db_rows(r) != 1) {
    db_result_free(r);
    return STORE_ENOTFOUND;
  }
  struct store_cycle c;
  memset(&c, 0, sizeof c);
  snprintf(c.vault_id, sizeof c.vault_id, "%s", vault);
  snprintf(c.stage, sizeof c.stage, "%s", db_value(r, 0, 0));
  c.cycle_no = strtoll(db_value(r, 0, 1), NULL, 10);
  c.stage_since_ms = strtoll(db_value(r, 0, 2), NULL, 10);
  c.next_ms = strtoll(db_value(r, 0, 3), NULL, 10);
  c.expiry_ms = strtoll(db_value(r, 0, 4), NULL, 10);
  st = sql_num(db_value(r, 0, 5), &c.k1);
  if (!st) st = sql_num(db_value(r, 0, 6), &c.k2);
  if (!st) st = parse_i128(db_value(r, 0, 7), &c.premium);
  if (!st) st = sql_num(db_value(r, 0, 8), &c.hwm);
  db_result_free(r);
  if (!st) *out = c;
  return st;
}

int store_cycle_save(struct db *db, const struct store_cycle *c, int64_t now) {
  struct sql_text no = sql_ll(c->cycle_no), since = sql_ll(c->stage_since_ms), next = sql_ll(c->next_ms),
                  exp = sql_ll(c->expiry_ms), k1 = sql_u128(c->k1), k2 = sql_u128(c->k2),
                  prem = sql_i128(c->premium), hwm = sql_u128(c->hwm), t = sql_ll(now);
  const char *p[] = {c->vault_id, no.b, since.b, next.b, exp.b, k1.b, k2.b, prem.b, hwm.b, t.b};
  int st = sql_exec_one(db,
                        "UPDATE vault_cycles SET cycle_no = $2::BIGINT, stage_since_ms = $3::BIGINT,"
                        " next_ms = $4::BIGINT, expiry_ms = NULLIF($5::BIGINT, 0), k1 = NULLIF($6::NUMERIC, 0),"
                        " k2 = NULLIF($7::NUMERIC, 0), premium = $8::NUMERIC, hwm = $9::NUMERIC,"
                        " updated_ms = $10::BIGINT WHERE vault_id = $1 RETURNING vault_id",
                        10, p, STORE_ENOTFOUND, "no cycle row for the vault");
  if (st) return st;
  const char *vp[] = {c->vault_id, c->stage};
  return db_exec(db, "UPDATE vaults SET stage = $2 WHERE id = $1", 2, vp, NULL);
}

int store_transition_insert(struct db *db, const struct store_transition *t) {
  struct sql_text no = sql_ll(t->cycle_no), ms = sql_ll(t->business_ms), ta = sql_u128(t->total_assets),
                  ts = sql_u128(t->total_supply), pps = sql_u128(t->price_per_share),
                  usdc = sql_i128(t->usdc), open = sql_u128(t->open_spreads), qp = sql_ll(t->queue_paid),
                  fs = sql_u128(t->perf_fee_shares), fa = sql_u128(t->perf_fee_assets);
  const char *p[] = {t->vault, no.b, t->from, t->to, t->reason, ms.b, ta.b, ts.b, pps.b, usdc.b, open.b,
                     qp.b, fs.b, fa.b};
  return db_exec(db,
                 "INSERT INTO cycle_transitions(vault_id, cycle_no, from_stage, to_stage, reason,"
                 " business_ms, total_assets, total_supply, price_per_share, usdc_balance, open_spreads,"
                 " queue_paid, perf_fee_shares, perf_fee_assets) VALUES ($1, $2::BIGINT, $3, $4, $5,"
                 " $6::BIGINT, $7::NUMERIC, $8::NUMERIC, $9::NUMERIC, $10::NUMERIC, $11::NUMERIC,"
                 " $12::INT, $13::NUMERIC, $14::NUMERIC)",
                 14, p, NULL);
}

int store_vault_settlement_insert(struct db *db, const struct store_vault_settlement *s) {
  struct sql_text no = sql_ll(s->cycle_no), exp = sql_ll(s->expiry_ms), ms = sql_ll(s->business_ms),
                  price = sql_u128(s->price), k1 = sql_u128(s->k1), k2 = sql_u128(s->k2),
                  n = sql_u128(s->spreads), sp = sql_u128(s->short_payout), lp = sql_u128(s->long_payout),
                  prem = sql_i128(s->premium), nl = sql_i128(s->net_loss), ub = sql_i128(s->usdc_before),
                  ua = sql_i128(s->usdc_after);
  const char *p[] = {s->vault, no.b, exp.b, price.b, k1.b, k2.b, n.b, prem.b, sp.b, lp.b, nl.b, ub.b, ua.b, ms.b};
  return sql_exec_one(db,
                      "INSERT INTO vault_settlements(vault_id, cycle_no, expiry_ms, settlement_price, k1, k2,"
                      " spreads, premium, short_payout, long_payout, net_loss, usdc_before, usdc_after,"
                      " business_ms) VALUES ($1, $2::BIGINT, $3::BIGINT, $4::NUMERIC, $5::NUMERIC,"
                      " $6::NUMERIC, $7::NUMERIC, $8::NUMERIC, $9::NUMERIC, $10::NUMERIC, $11::NUMERIC,"
                      " $12::NUMERIC, $13::NUMERIC, $14::BIGINT) ON CONFLICT DO NOTHING RETURNING vault_id",
                      14, p, STORE_ECONFLICT, "the cycle was settled already");
}

int store_vault_book_set(struct db *db, const char *vault, money_i128 usdc, money_u128 open_spreads) {
  struct sql_text u = sql_i128(usdc), o = sql_u128(open_spreads);
  const char *p[] = {vault, u.b, o.b};
  return db_exec(db, "UPDATE vaults SET usdc_balance = $2::NUMERIC, open_spreads = $3::NUMERIC WHERE id = $1",
                 3, p, NULL);
}
