/* desk_cycle_tx: the cycle's transactions (see the header): settlement, performance fee,
 * withdrawal queue, NAV row. */
#include "desk_cycle_tx.h"

#include <string.h>

#include "db.h"
#include "desk_writer.h"
#include "ledger_fee.h"
#include "ledger_service.h"
#include "ledger_store.h"
#include "log.h"

#define TREASURY "treasury"

/* The locked vault row and its book, into out (price per share included). */
static int read_book(struct db *db, const char *vault, struct store_vault *sv, struct cycle_tx_out *out) {
  int st = store_vault_get(db, vault, 1, sv);
  if (st) return st;
  if ((st = store_vault_book(db, vault, &out->open_spreads, &out->usdc))) return st;
  struct ledger_vault lv;
  ledger_view(sv, &lv);
  if (ledger_price_per_share(&lv, &out->price_per_share))
    return db_fail(db, STORE_EINTERNAL, "price per share does not fit");
  out->total_assets = sv->total_assets;
  out->total_supply = sv->total_supply;
  return STORE_OK;
}

/* Stage 3 -> 4: the spread's payoffs at the settlement price, into the USDC balance. */
static int settle(struct db *db, const struct cycle_tx_in *in, const struct store_cycle *c,
                  struct cycle_tx_out *out) {
  struct cycle_position pos = {c->k1, c->k2, out->open_spreads, out->open_spreads, out->usdc};
  struct cycle_settlement s;
  if (cycle_settle(&pos, in->settle_price, &s) != CYCLE_OK)
    return db_fail(db, STORE_EINTERNAL, "the settlement does not compute");
  struct store_vault_settlement row = {in->vault, c->cycle_no, c->expiry_ms, in->now, in->settle_price,
                                       c->k1, c->k2, out->open_spreads, s.short_payout, s.long_payout,
                                       c->premium, s.net_loss, out->usdc, s.usdc};
  int st = store_vault_settlement_insert(db, &row);
  if (!st) st = store_vault_book_set(db, in->vault, s.usdc, 0);
  if (st) return st;
  out->settlement = s;
  out->usdc = s.usdc;
  out->open_spreads = 0;
  return STORE_OK;
}

/* Stage 4 -> 1: the performance fee over the high-water mark (shares to the treasury). */
static int perf_fee(struct db *db, const struct cycle_tx_in *in, struct store_vault *sv, money_u128 hwm,
                    struct cycle_tx_out *out) {
  struct ledger_vault lv;
  ledger_view(sv, &lv);
  struct ledger_perf_result r;
  int st = ledger_perf_fee_hwm(&lv, in->now, hwm, in->perf_rate, &r);
  if (st) return db_fail(db, STORE_EINTERNAL, "the performance fee does not compute");
  money_u128 shares = r.mgmt_fee_shares + r.perf_fee_shares;
  sv->total_supply = r.vault.total_supply;
  sv->fee_accrued_ms = r.vault.fee_accrued_ms;
  if ((shares && store_shares_add(db, in->vault, TREASURY, (money_i128)shares, 0)) ||
      store_vault_save(db, sv))
    return db_fail(db, STORE_EINTERNAL, "writing the performance fee failed");
  out->fee_shares = r.perf_fee_shares;
  out->fee_assets = r.perf_fee_assets;
  out->hwm = r.hwm;
  return STORE_OK;
}

int desk_cycle_tx(struct db *db, struct desk_job *j) {
  const struct cycle_tx_in *in = j->fn_in;
  struct cycle_tx_out *out = j->fn_out;
  memset(out, 0, sizeof *out);
  struct store_vault sv;
  int st = read_book(db, in->vault, &sv, out);
  if (st || in->op == CYCLE_TX_REFRESH) return st;
  struct store_cycle c;
  if ((st = store_cycle_get(db, in->vault, 1, &c))) return st;
  if (strcmp(c.stage, in->from) != 0)
    return db_fail(db, STORE_ECONFLICT, "the vault's cycle is not in the stage the engine holds");
  struct store_cycle next = in->next;
  out->hwm = next.hwm;
  if (in->op == CYCLE_TX_SAVE) return store_cycle_save(db, &next, in->now);
  if (in->settle && (st = settle(db, in, &c, out))) return st;
  if (in->begin_cycle && next.hwm == 0) next.hwm = out->price_per_share;
  if (in->end_cycle) {
    if ((st = perf_fee(db, in, &sv, c.hwm ? c.hwm : out->price_per_share, out))) return st;
    next.hwm = out->hwm;
    int paid = 0;
    /* the queue is paid at the stage-1 price, after the fee: the vault is already in stage 1 */
    if ((st = store_cycle_save(db, &next, in->now))) return st;
    if (ledger_pay_queue(db, in->vault, in->now, &paid))
      return db_fail(db, STORE_EINTERNAL, "paying the withdrawal queue failed");
    out->queue_paid = paid;
    struct store_vault after;
    if ((st = read_book(db, in->vault, &after, out))) return st;
  }
  out->hwm = next.hwm;
  if ((st = store_cycle_save(db, &next, in->now))) return st;
  struct store_transition t = {in->vault, in->from, next.stage, in->reason, c.cycle_no, in->now,
                               out->total_assets, out->total_supply, out->price_per_share,
                               out->open_spreads, out->usdc, out->queue_paid, out->fee_shares,
                               out->fee_assets};
  return store_transition_insert(db, &t);
}
