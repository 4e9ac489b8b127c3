/* test_ledger_edge: fixed examples, refusals, malformed states and values near 2^128. */
#include "ledger.h"
#include "ledger_fee.h"
#include "ledger_ops.h"
#include "testlib.h"

#define T0 ((int64_t)1700000000000LL)
#define E18 ((money_u128)1000000000000000000ULL)
#define MAX MONEY_U128_MAX

static struct ledger_vault vault(unsigned dec, unsigned off, money_u128 a, money_u128 s) {
  struct ledger_vault v = {0};
  v.total_assets = a;
  v.total_supply = s;
  v.asset_decimals = dec;
  v.decimals_offset = off;
  v.flags = LEDGER_ALL_ENABLED;
  v.fee_accrued_ms = T0;
  return v;
}

/* Pre-fill an output with a pattern, and check after a refusal that it was not written. */
static unsigned char pattern[sizeof(struct ledger_result)];
static void poison(struct ledger_result *r) {
  memset(pattern, 0xC3, sizeof pattern);
  memset(r, 0xC3, sizeof *r);
}
static int untouched(const struct ledger_result *r) { return memcmp(r, pattern, sizeof *r) == 0; }

TEST(edge_first_deposit_one_share_per_asset_unit) {
  struct ledger_result r;
  money_u128 price;
  static const struct { unsigned dec, off; money_u128 one; } cases[3] = {
      {6, 12, 1000000}, {8, 10, 100000000}, {18, 0, E18}};
  for (int i = 0; i < 3; i++) {
    struct ledger_vault v = vault(cases[i].dec, cases[i].off, 0, 0);
    REQUIRE(ledger_price_per_share(&v, &price) == LEDGER_OK);
    CHECK_U128_EQ(price, cases[i].one); /* one whole asset per whole share */
    REQUIRE(ledger_deposit(&v, T0, cases[i].one, LEDGER_NO_MIN, &r) == LEDGER_OK);
    CHECK_U128_EQ(r.shares, E18);
    CHECK_U128_EQ(r.vault.total_supply, E18);
    REQUIRE(ledger_price_per_share(&r.vault, &price) == LEDGER_OK);
    CHECK_U128_EQ(price, cases[i].one);
  }
}

TEST(edge_zero_sides_refused) {
  struct ledger_vault v = vault(6, 12, 1000000, E18);
  struct ledger_owner o = {E18, 0, true};
  struct ledger_result r;
  poison(&r);
  CHECK_INT_EQ(ledger_deposit(&v, T0, 0, LEDGER_NO_MIN, &r), LEDGER_EZERO);
  CHECK_INT_EQ(ledger_mint(&v, T0, 0, LEDGER_NO_MAX, &r), LEDGER_EZERO);
  CHECK_INT_EQ(ledger_withdraw(&v, T0, &o, 0, LEDGER_NO_MAX, &r), LEDGER_EZERO);
  CHECK_INT_EQ(ledger_redeem(&v, T0, &o, 0, LEDGER_NO_MIN, &r), LEDGER_EZERO);
  /* Redeeming less than one base unit's worth pays 0: refused, shares kept. */
  CHECK_INT_EQ(ledger_redeem(&v, T0, &o, 999999999999ULL, LEDGER_NO_MIN, &r), LEDGER_EZERO);
  /* A price so high that 1 base unit buys no share: the deposit is refused. */
  struct ledger_vault rich = vault(18, 0, (money_u128)1 << 100, 10);
  CHECK_INT_EQ(ledger_deposit(&rich, T0, 1000, LEDGER_NO_MIN, &r), LEDGER_EZERO);
  CHECK(untouched(&r));
  money_u128 shares = 1;
  CHECK_INT_EQ(ledger_preview_deposit(&rich, 1000, &shares), LEDGER_OK);
  CHECK_U128_EQ(shares, 0);
}

TEST(edge_closed_actions) {
  static const unsigned flags[4] = {LEDGER_DEPOSIT_ENABLED, LEDGER_MINT_ENABLED,
                                    LEDGER_WITHDRAW_ENABLED, LEDGER_REDEEM_ENABLED};
  for (int i = 0; i < 4; i++) {
    struct ledger_vault v = vault(6, 12, 5000000, 5 * E18);
    v.flags = LEDGER_ALL_ENABLED & ~flags[i];
    struct ledger_owner o = {E18, 0, true};
    struct ledger_result r;
    money_u128 p;
    poison(&r);
    int rc;
    switch (i) {
    case 0:
      CHECK_U128_EQ(ledger_max_deposit(&v), 0);
      rc = ledger_deposit(&v, T0, 1000000, LEDGER_NO_MIN, &r);
      CHECK(ledger_preview_deposit(&v, 1000000, &p) == LEDGER_OK && p > 0);
      break;
    case 1:
      CHECK_U128_EQ(ledger_max_mint(&v), 0);
      rc = ledger_mint(&v, T0, E18, LEDGER_NO_MAX, &r);
      CHECK(ledger_preview_mint(&v, E18, &p) == LEDGER_OK && p > 0);
      break;
    case 2:
      CHECK_U128_EQ(ledger_max_withdraw(&v, E18), 0);
      rc = ledger_withdraw(&v, T0, &o, 1000, LEDGER_NO_MAX, &r);
      CHECK(ledger_preview_withdraw(&v, 1000, &p) == LEDGER_OK && p > 0);
      break;
    default:
      CHECK_U128_EQ(ledger_max_redeem(&v, E18), 0);
      rc = ledger_redeem(&v, T0, &o, E18, LEDGER_NO_MIN, &r);
      CHECK(ledger_preview_redeem(&v, E18, &p) == LEDGER_OK && p > 0);
      break;
    }
    CHECK_INT_EQ(rc, LEDGER_EDISABLED);
    CHECK(untouched(&r));
    /* The other three stay open. */
    for (int j = 0; j < 4; j++)
      if (j != i) CHECK((v.flags & flags[j]) != 0);
  }
}

TEST(edge_locked_assets_limit_payouts) {
  /* A depot: 1000 USDC, 700 locked as collateral; a holder of 60 % of the shares. */
  struct ledger_vault v = vault(6, 12, 1000000000, 1000 * E18);
  v.locked_assets = 700000000;
  struct ledger_owner o = {600 * E18, 0, true};
  struct ledger_result r;
  CHECK_U128_EQ(ledger_free_assets(&v), 300000000);
  CHECK_U128_EQ(ledger_max_withdraw(&v, o.shares), 300000000);
  money_u128 mr = ledger_max_redeem(&v, o.shares), pay;
  REQUIRE(ledger_preview_redeem(&v, mr, &pay) == LEDGER_OK);
  CHECK(pay <= 300000000);
  REQUIRE(ledger_preview_redeem(&v, mr + 1, &pay) == LEDGER_OK);
  CHECK(pay > 300000000); /* the redeem limit is exact */
  poison(&r);
  CHECK_INT_EQ(ledger_withdraw(&v, T0, &o, 300000001, LEDGER_NO_MAX, &r), LEDGER_EILLIQUID);
  CHECK_INT_EQ(ledger_redeem(&v, T0, &o, mr + 1, LEDGER_NO_MIN, &r), LEDGER_EILLIQUID);
  CHECK(untouched(&r));
  REQUIRE(ledger_withdraw(&v, T0, &o, 300000000, LEDGER_NO_MAX, &r) == LEDGER_OK);
  CHECK_U128_EQ(r.vault.total_assets, 700000000);
  CHECK_U128_EQ(ledger_free_assets(&r.vault), 0);
  CHECK_U128_EQ(ledger_max_withdraw(&r.vault, r.owner.shares), 0);
  /* Locked above total assets (after a loss): nothing is free, nothing fails. */
  v.locked_assets = 2000000000;
  CHECK_U128_EQ(ledger_free_assets(&v), 0);
  CHECK_U128_EQ(ledger_max_redeem(&v, o.shares), 0);
  /* Deposits are not limited by locked assets. */
  CHECK(ledger_max_deposit(&v) > 0);
}

TEST(edge_allowance_and_balance) {
  struct ledger_vault v = vault(6, 12, 1000000000, 1000 * E18);
  struct ledger_result r;
  struct ledger_owner o = {10 * E18, 4 * E18, false};
  poison(&r);
  CHECK_INT_EQ(ledger_redeem(&v, T0, &o, 5 * E18, LEDGER_NO_MIN, &r), LEDGER_EALLOWANCE);
  CHECK_INT_EQ(ledger_redeem(&v, T0, &o, 11 * E18, LEDGER_NO_MIN, &r), LEDGER_EBALANCE);
  CHECK(untouched(&r));
  REQUIRE(ledger_redeem(&v, T0, &o, 4 * E18, LEDGER_NO_MIN, &r) == LEDGER_OK);
  CHECK_U128_EQ(r.owner.allowance, 0);
  CHECK_U128_EQ(r.owner.shares, 6 * E18);
  o.allowance = LEDGER_ALLOWANCE_UNLIMITED;
  REQUIRE(ledger_withdraw(&v, T0, &o, 1000000, LEDGER_NO_MAX, &r) == LEDGER_OK);
  CHECK_U128_EQ(r.owner.allowance, LEDGER_ALLOWANCE_UNLIMITED);
  /* An owner said to hold more than the whole supply is a malformed input. */
  o.shares = 1001 * E18;
  CHECK_INT_EQ(ledger_redeem(&v, T0, &o, E18, LEDGER_NO_MIN, &r), LEDGER_EINVALID);
  CHECK_U128_EQ(ledger_max_redeem(&v, o.shares), 0);
  CHECK_U128_EQ(ledger_max_withdraw(&v, o.shares), 0);
}

TEST(edge_malformed_states) {
  struct ledger_vault v = vault(6, 39, 0, 0);
  money_u128 x = 5;
  struct ledger_result r;
  CHECK_INT_EQ(ledger_vault_check(&v), LEDGER_EINVALID);
  CHECK_INT_EQ(ledger_convert_to_shares(&v, 1, &x), LEDGER_EINVALID);
  CHECK_U128_EQ(x, 5);
  CHECK_U128_EQ(ledger_max_deposit(&v), 0);
  CHECK_U128_EQ(ledger_max_mint(&v), 0);
  CHECK_INT_EQ(ledger_deposit(&v, T0, 1, LEDGER_NO_MIN, &r), LEDGER_EINVALID);
  v = vault(6, 12, 0, 0);
  v.flags = 0x10;
  CHECK_INT_EQ(ledger_vault_check(&v), LEDGER_EINVALID);
  v = vault(6, 12, 0, 0);
  v.mgmt_fee_rate = LEDGER_WAD + 1;
  CHECK_INT_EQ(ledger_vault_check(&v), LEDGER_EINVALID);
  v = vault(30, 12, 0, 0); /* 42 share decimals: no price of a whole share */
  CHECK_INT_EQ(ledger_vault_check(&v), LEDGER_OK);
  CHECK_INT_EQ(ledger_price_per_share(&v, &x), LEDGER_EINVALID);
  v = vault(6, 12, 0, 0);
  CHECK_INT_EQ(ledger_deposit(&v, T0 - 1, 1000000, LEDGER_NO_MIN, &r), LEDGER_ECLOCK);
}

TEST(edge_overflow_near_2_128_is_an_error) {
  struct ledger_result r;
  money_u128 x = 9;
  /* A = 2^128 - 1: A + 1 does not fit. */
  struct ledger_vault v = vault(18, 0, MAX, 0);
  CHECK_INT_EQ(ledger_vault_check(&v), LEDGER_EOVERFLOW);
  CHECK_INT_EQ(ledger_convert_to_assets(&v, 1, &x), LEDGER_EOVERFLOW);
  CHECK_U128_EQ(ledger_max_deposit(&v), 0);
  CHECK_U128_EQ(x, 9);
  /* A = 2^128 - 2: valid, but not one more base unit fits. */
  v = vault(18, 0, MAX - 1, 5);
  CHECK_INT_EQ(ledger_vault_check(&v), LEDGER_OK);
  CHECK_U128_EQ(ledger_max_deposit(&v), 0);
  CHECK_U128_EQ(ledger_max_mint(&v), 0);
  poison(&r);
  CHECK_INT_EQ(ledger_deposit(&v, T0, MAX / 2, LEDGER_NO_MIN, &r), LEDGER_EOVERFLOW);
  CHECK_INT_EQ(ledger_mint(&v, T0, 1, LEDGER_NO_MAX, &r), LEDGER_EOVERFLOW);
  CHECK(untouched(&r));
  /* S + V = 2^128 - 1: no share can be minted. */
  v = vault(6, 12, 1000000, MAX - 1000000000000ULL);
  CHECK_INT_EQ(ledger_vault_check(&v), LEDGER_OK);
  CHECK_U128_EQ(ledger_max_mint(&v), 0);
  CHECK_U128_EQ(ledger_max_deposit(&v), 0);
  CHECK_INT_EQ(ledger_mint(&v, T0, 1, LEDGER_NO_MAX, &r), LEDGER_EOVERFLOW);
  CHECK(untouched(&r));
  v.total_supply += 1;
  CHECK_INT_EQ(ledger_vault_check(&v), LEDGER_EOVERFLOW);
  /* Conversions whose quotient exceeds 2^128 - 1. */
  v = vault(6, 12, 0, (money_u128)1 << 100);
  CHECK_INT_EQ(ledger_convert_to_shares(&v, MAX, &x), LEDGER_EOVERFLOW);
  CHECK_INT_EQ(ledger_preview_withdraw(&v, (money_u128)1 << 40, &x), LEDGER_EOVERFLOW);
  CHECK_INT_EQ(ledger_preview_deposit(&v, (money_u128)1 << 27, &x), LEDGER_OK);
  CHECK_INT_EQ(ledger_preview_deposit(&v, (money_u128)1 << 28, &x), LEDGER_EOVERFLOW);
  v = vault(18, 0, (money_u128)1 << 120, 0);
  CHECK_INT_EQ(ledger_preview_mint(&v, (money_u128)1 << 8, &x), LEDGER_EOVERFLOW);
  CHECK_INT_EQ(ledger_convert_to_assets(&v, (money_u128)1 << 7, &x), LEDGER_OK);
  CHECK_U128_EQ(x, ((money_u128)1 << 127) + (1 << 7));
  CHECK_INT_EQ(ledger_price_per_share(&v, &x), LEDGER_EOVERFLOW);
  /* Deposit exactly to the limit, then one more. */
  v = vault(6, 12, MAX / 3, MAX / 5);
  money_u128 m = ledger_max_deposit(&v);
  REQUIRE(m > 0 && m < MAX);
  REQUIRE(ledger_deposit(&v, T0, m, LEDGER_NO_MIN, &r) == LEDGER_OK);
  CHECK_INT_EQ(ledger_vault_check(&r.vault), LEDGER_OK);
  CHECK_U128_EQ(ledger_max_deposit(&r.vault), 0);
  poison(&r);
  CHECK_INT_EQ(ledger_deposit(&v, T0, m + 1, LEDGER_NO_MIN, &r), LEDGER_EOVERFLOW);
  CHECK(untouched(&r));
  m = ledger_max_mint(&v);
  REQUIRE(m > 0 && m < MAX);
  REQUIRE(ledger_mint(&v, T0, m, LEDGER_NO_MAX, &r) == LEDGER_OK);
  CHECK_INT_EQ(ledger_mint(&v, T0, m + 1, LEDGER_NO_MAX, &r), LEDGER_EOVERFLOW);
}

TEST(edge_donation_attack_bounded_by_offset) {
  /* The classic first-depositor attack on a USDC vault: mint 1 share unit, donate
   * 1M USDC, hope the victim's 1M USDC deposit rounds to nothing. With offset 12 the
   * victim keeps all but a sliver and the attacker loses most of the donation. */
  struct ledger_vault v = vault(6, 12, 0, 0);
  struct ledger_result r;
  REQUIRE(ledger_mint(&v, T0, 1, LEDGER_NO_MAX, &r) == LEDGER_OK);
  CHECK_U128_EQ(r.assets, 1);
  money_u128 attacker_shares = r.shares;
  v = r.vault;
  v.total_assets += 1000000000000ULL; /* donation of 1M USDC */
  REQUIRE(ledger_deposit(&v, T0, 1000000000000ULL, LEDGER_NO_MIN, &r) == LEDGER_OK);
  money_u128 victim_shares = r.shares, victim_value, attacker_value;
  v = r.vault;
  REQUIRE(ledger_convert_to_assets(&v, victim_shares, &victim_value) == LEDGER_OK);
  REQUIRE(ledger_convert_to_assets(&v, attacker_shares, &attacker_value) == LEDGER_OK);
  CHECK(victim_value >= 1000000000000ULL - 1000000); /* loses at most 1 USDC */
  CHECK(attacker_value < 1000000);                   /* gets back under 1 USDC of 1M */
}

TEST(edge_strerror_names) {
  static const int codes[] = {
      LEDGER_OK, LEDGER_EOVERFLOW, LEDGER_EINVALID, LEDGER_EDISABLED, LEDGER_EZERO,
      LEDGER_EBALANCE, LEDGER_EALLOWANCE, LEDGER_EILLIQUID, LEDGER_EMIN_SHARES_OUT,
      LEDGER_EMAX_ASSETS_IN, LEDGER_EMAX_SHARES_IN, LEDGER_EMIN_ASSETS_OUT, LEDGER_ECLOCK,
      LEDGER_EFEE_PERIOD};
  int n = (int)(sizeof codes / sizeof codes[0]);
  for (int i = 0; i < n; i++) {
    CHECK(strcmp(ledger_strerror(codes[i]), "unknown") != 0);
    for (int j = 0; j < i; j++) CHECK(strcmp(ledger_strerror(codes[i]), ledger_strerror(codes[j])) != 0);
  }
  CHECK_STR_EQ(ledger_strerror(-99), "unknown");
}
