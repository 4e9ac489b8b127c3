/* The withdrawal queue's payment (SPEC 6), run as the vault cycle will run it: against the
 * suite's real PostgreSQL, on a covered put spread vault of its own. Shares queued outside
 * stage 1 are paid FIFO at the stage-1 price, burned, and the receivers credited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounts_store.h"
#include "db.h"
#include "itest_db.h"
#include "ledger_service.h"
#include "ledger_store.h"
#include "testlib.h"

#define T0 1677225600000LL
#define ONE_LBTC ((money_u128)100000000)
#define ONE_SHARE ((money_u128)1000000000000000000ULL)

static void make_account(struct db *db, const char *id) {
  struct store_account a;
  memset(&a, 0, sizeof a);
  snprintf(a.id, sizeof a.id, "%s", id);
  snprintf(a.roles, sizeof a.roles, "depositor");
  snprintf(a.api_key, sizeof a.api_key, "odk_test_%s_00000000", id);
  snprintf(a.secret_box, sizeof a.secret_box, "none");
  a.created_at_ms = T0;
  CHECK(store_account_insert(db, &a, NULL) == STORE_OK);
}

struct op {
  struct ledger_request req;
  struct ledger_outcome out;
  int64_t now;
  int status;
};

static int op_tx(struct db *db, void *p) {
  struct op *o = p;
  o->status = ledger_execute(db, &o->req, o->now, &o->out);
  return o->status == LSVC_ESTORE ? -1 : o->status ? 1 : 0;
}

static int run_op(struct db *db, struct op *o) {
  int fn = 0;
  int st = db_tx(db, DB_READ_COMMITTED, op_tx, o, &fn);
  return st == STORE_EABORT ? o->status : st;
}

struct pay {
  const char *vault;
  int64_t now;
  int paid, status;
};

static int pay_tx(struct db *db, void *p) {
  struct pay *q = p;
  q->status = ledger_pay_queue(db, q->vault, q->now, &q->paid);
  return q->status ? -1 : 0;
}

static money_u128 balance(struct db *db, const char *acct) {
  money_u128 b = 0;
  CHECK(store_balance_get(db, acct, "LBTC", 0, &b) == STORE_OK);
  return b;
}

TEST(queue_paid_fifo_at_stage_one_price) {
  struct db *db = itest_db_open();
  REQUIRE(db != NULL);
  char vault[64], alice[64], bob[64];
  long tag = (long)getpid();
  snprintf(vault, sizeof vault, "qtest-%ld", tag);
  snprintf(alice, sizeof alice, "qa%ld", tag);
  snprintf(bob, sizeof bob, "qb%ld", tag);
  make_account(db, alice);
  make_account(db, bob);
  struct store_vault v;
  memset(&v, 0, sizeof v);
  snprintf(v.id, sizeof v.id, "%s", vault);
  snprintf(v.kind, sizeof v.kind, "covered_put_spread");
  snprintf(v.asset, sizeof v.asset, "LBTC");
  v.asset_decimals = 8;
  v.decimals_offset = 10;
  v.fee_accrued_ms = T0;
  v.created_at_ms = T0;
  REQUIRE(store_vault_ensure(db, &v) == STORE_OK);
  REQUIRE(store_balance_add(db, alice, "LBTC", (money_i128)(10 * ONE_LBTC), "credit", NULL, NULL, T0) ==
          STORE_OK);
  REQUIRE(store_balance_add(db, bob, "LBTC", (money_i128)(10 * ONE_LBTC), "credit", NULL, NULL, T0) ==
          STORE_OK);
  struct op dep = {{vault, alice, alice, alice, LEDGER_OP_DEPOSIT, 4 * ONE_LBTC, 0, NULL, NULL}, {0}, T0, 0};
  REQUIRE(run_op(db, &dep) == 0);
  struct op dep2 = {{vault, bob, bob, bob, LEDGER_OP_DEPOSIT, 2 * ONE_LBTC, 0, NULL, NULL}, {0}, T0, 0};
  REQUIRE(run_op(db, &dep2) == 0);

  /* stage 2: withdrawals queue, shares locked at once */
  const char *p[] = {vault};
  REQUIRE(db_exec(db, "UPDATE vaults SET stage = 'option_auction' WHERE id = $1", 1, p, NULL) == 0);
  struct op w1 = {{vault, alice, alice, alice, LEDGER_OP_REDEEM, 1 * ONE_SHARE, 0, NULL, NULL}, {0}, T0 + 1000, 0};
  REQUIRE(run_op(db, &w1) == 0);
  CHECK(w1.out.queued == 1);
  struct op w2 = {{vault, bob, bob, bob, LEDGER_OP_WITHDRAW, ONE_LBTC / 2, MONEY_U128_MAX, NULL, NULL}, {0},
                  T0 + 2000, 0};
  REQUIRE(run_op(db, &w2) == 0);
  CHECK(w2.out.queued == 1);
  CHECK(w2.out.queue_id > w1.out.queue_id);
  money_u128 s, q;
  REQUIRE(store_shares_get(db, vault, alice, 0, &s, &q) == STORE_OK);
  CHECK_U128_EQ(q, ONE_SHARE);
  CHECK_U128_EQ(s, dep.out.shares - ONE_SHARE);
  /* a stage-1 price above the queue time: the vault earned 0.6 LBTC of premium */
  REQUIRE(db_exec(db,
                  "UPDATE vaults SET total_assets = total_assets + 60000000, stage = 'collateral_only'"
                  " WHERE id = $1",
                  1, p, NULL) == 0);
  struct store_vault before;
  REQUIRE(store_vault_get(db, vault, 0, &before) == STORE_OK);
  money_u128 alice_before = balance(db, alice), bob_before = balance(db, bob);

  struct pay pay = {vault, T0 + 3000, 0, 0};
  int fn = 0;
  REQUIRE(db_tx(db, DB_READ_COMMITTED, pay_tx, &pay, &fn) == STORE_OK);
  CHECK_INT_EQ(pay.paid, 2);
  /* independent recomputation: redeem at A' = 6.6 LBTC, S' = supply, offset 10, rounding down */
  money_u128 A = before.total_assets, S = before.total_supply;
  money_u128 expect_a = ONE_SHARE * (A + 1) / (S + 10000000000ULL);
  CHECK_U128_EQ(balance(db, alice) - alice_before, expect_a);
  money_u128 A2 = A - expect_a, S2 = S - ONE_SHARE;
  money_u128 bob_shares = w2.out.shares;
  money_u128 expect_b = bob_shares * (A2 + 1) / (S2 + 10000000000ULL);
  CHECK_U128_EQ(balance(db, bob) - bob_before, expect_b);
  CHECK(expect_b > ONE_LBTC / 2); /* the premium made the queued withdrawal worth more */
  struct store_vault after;
  REQUIRE(store_vault_get(db, vault, 0, &after) == STORE_OK);
  CHECK_U128_EQ(after.total_supply, S - ONE_SHARE - bob_shares);
  CHECK_U128_EQ(after.total_assets, A - expect_a - expect_b);
  REQUIRE(store_shares_get(db, vault, alice, 0, &s, &q) == STORE_OK);
  CHECK_U128_EQ(q, 0);
  /* supply = sum of balances */
  struct pg_result *r = NULL;
  REQUIRE(db_exec(db,
                  "SELECT (SELECT total_supply FROM vaults WHERE id = $1) ="
                  " (SELECT COALESCE(sum(shares + queued_shares), 0) FROM share_balances"
                  " WHERE vault_id = $1)",
                  1, p, &r) == 0);
  CHECK_STR_EQ(db_value(r, 0, 0), "t");
  db_result_free(r);
  /* paying again finds an empty queue */
  struct pay again = {vault, T0 + 4000, 0, 0};
  REQUIRE(db_tx(db, DB_READ_COMMITTED, pay_tx, &again, &fn) == STORE_OK);
  CHECK_INT_EQ(again.paid, 0);
  db_free(db);
}
