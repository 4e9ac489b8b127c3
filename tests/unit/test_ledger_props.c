/* test_ledger_props: the a16z erc4626-tests properties and the SPEC 6 invariants, over random
 * vault states, with zero tolerance.
 *
 * Port of a16z/erc4626-tests (ERC4626.test.sol drives ERC4626.prop.sol): 18 single-call
 * tests and 8 round trips. Their setUpVault is reproduced: 4 holders deposit random amounts
 * and keep random loose asset balances, then a random signed yield moves total assets.
 * Here also: asset decimals {6, 8, 18} x offsets {0, 10, 12}, empty vaults (no deposit,
 * possibly a yield), management fee accrued during set-up (fee account = a 5th holder), some
 * assets locked (depot), some actions closed. Amounts are bounded as a16z bounds them
 * (_max_deposit = the caller's loose assets, _max_mint = convertToShares of them,
 * _max_withdraw = convertToAssets of the owner's shares, _max_redeem = the owner's shares).
 * _delta_ = 0: "on the right side" becomes "equal" where our operation executes its preview.
 * Every rounding is checked against a 256-bit oracle written here, not against money_muldiv.
 *
 *   a16z test                 here                                   checked
 *   P1  test_asset            p01_asset                              state well-formed, decimals stable
 *   P2  test_totalAssets      p02_total_assets                       A = deposits + yield, never fails
 *   P3  test_convertToShares  p03_convert_to_shares_rounds_down      caller-free, floor, overflow exact
 *   P4  test_convertToAssets  p04_convert_to_assets_rounds_down      caller-free, floor, overflow exact
 *   P5  test_maxDeposit       p05_max_deposit                        never fails, 0 closed, exact bound
 *   P6  test_previewDeposit   p06_preview_deposit_equals_deposit     preview == shares minted
 *   P7  test_deposit          p07_deposit_moves_exact_amounts        balances, totals, min_shares_out
 *   P8  test_maxMint          p08_max_mint                           never fails, 0 closed, exact bound
 *   P9  test_previewMint      p09_preview_mint_equals_mint           preview == assets taken
 *   P10 test_mint             p10_mint_moves_exact_amounts           balances, totals, max_assets_in
 *   P11 test_maxWithdraw      p11_max_withdraw                       <= convertToAssets(balance), <= free
 *   P12 test_previewWithdraw  p12_preview_withdraw_equals_withdraw   preview == shares burned
 *   P13 test_withdraw         p13_withdraw_moves_exact_amounts       balances, allowance, access control
 *   P14 testFail_withdraw     p14_withdraw_without_allowance_fails   EALLOWANCE, state untouched
 *   P15 test_maxRedeem        p15_max_redeem                         <= balance, exact bound
 *   P16 test_previewRedeem    p16_preview_redeem_equals_redeem       preview == assets paid
 *   P17 test_redeem           p17_redeem_moves_exact_amounts         balances, allowance, access control
 *   P18 testFail_redeem       p18_redeem_without_allowance_fails     EALLOWANCE, state untouched
 *   RT1 test_RT_deposit_redeem   rt1_deposit_redeem     redeem(deposit(a)) <= a
 *   RT2 test_RT_deposit_withdraw rt2_deposit_withdraw   withdraw(a) burns >= deposit(a) minted
 *   RT3 test_RT_redeem_deposit   rt3_redeem_deposit     deposit(redeem(s)) <= s
 *   RT4 test_RT_redeem_mint      rt4_redeem_mint        mint(s) costs >= redeem(s) paid
 *   RT5 test_RT_mint_withdraw    rt5_mint_withdraw      withdraw(mint(s)) >= s
 *   RT6 test_RT_mint_redeem      rt6_mint_redeem        redeem(s) pays <= mint(s) cost
 *   RT7 test_RT_withdraw_mint    rt7_withdraw_mint      mint(withdraw(a)) >= a
 *   RT8 test_RT_withdraw_deposit rt8_withdraw_deposit   deposit(a) mints <= withdraw(a) burned
 * Each round trip also checks the caller's wealth (loose assets + shares valued at
 * convertToAssets) never rises and no other holder's value falls.
 *
 * SPEC 6 invariants (random walks of operations, fee accruals, donations and losses):
 *   inv_supply_equals_sum_of_balances, inv_redeemable_le_total_assets,
 *   inv_preview_equals_executed, inv_conversions_monotone, inv_ceil_minus_floor_0_or_1,
 *   inv_donation_never_lowers_value. Fees and 2^128 edges: test_ledger_fee.c,
 *   test_ledger_edge.c. */
#include "ledger.h"
#include "ledger_fee.h"
#include "ledger_ops.h"
#include "testlib.h"

#include <stdint.h>

#define N 4          /* holders, as in a16z */
#define ITER 9000    /* random states per property: 1000 per (decimals, offset) pair */

/* ---- random numbers (splitmix64, fixed seed per test) ---- */

static uint64_t rng_state;

static void rng_seed(const char *name) {
  uint64_t h = 0x0D65CAFE5EEDull;
  for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001B3ull;
  rng_state = h;
}
#define SEED() rng_seed(__func__)

static uint64_t rnd64(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static uint64_t rnd_below(uint64_t n) { return n ? rnd64() % n : 0; }
static money_u128 rnd128(void) { return ((money_u128)rnd64() << 64) | rnd64(); }
static money_u128 rnd_bits(unsigned bits) { return bits ? rnd128() >> (128 - bits) : 0; }

static unsigned bitlen(money_u128 x) {
  unsigned n = 0;
  while (x) { n++; x >>= 1; }
  return n;
}

/* In [0, max], skewed to the edges and spread over magnitudes. */
static money_u128 rnd_upto(money_u128 max) {
  switch (rnd_below(8)) {
  case 0: return 0;
  case 1: return max;
  case 2: return max < 3 ? max : rnd_below(4);
  case 3: return max - (max < 3 ? max : rnd_below(4));
  case 4: case 5: {
    money_u128 x = rnd_bits((unsigned)rnd_below(bitlen(max) + 1));
    return x <= max ? x : max;
  }
  default: return max == MONEY_U128_MAX ? rnd128() : rnd128() % (max + 1);
  }
}

static money_u128 pow10u(unsigned n) {
  money_u128 p = 1;
  while (n--) p *= 10;
  return p;
}

/* ---- a 256-bit oracle for x*y vs q*d ---- */

struct u256 { money_u128 hi, lo; };

static struct u256 mul256(money_u128 x, money_u128 y) {
  uint64_t a[2] = {(uint64_t)x, (uint64_t)(x >> 64)}, b[2] = {(uint64_t)y, (uint64_t)(y >> 64)};
  uint64_t r[4] = {0, 0, 0, 0};
  for (int i = 0; i < 2; i++) {
    money_u128 carry = 0;
    for (int j = 0; j < 2; j++) {
      money_u128 t = (money_u128)a[i] * b[j] + r[i + j] + carry;
      r[i + j] = (uint64_t)t;
      carry = t >> 64;
    }
    r[i + 2] = (uint64_t)carry;
  }
  struct u256 o = {((money_u128)r[3] << 64) | r[2], ((money_u128)r[1] << 64) | r[0]};
  return o;
}
static struct u256 add256(struct u256 x, money_u128 y) {
  struct u256 o = {x.hi + (x.lo + y < x.lo), x.lo + y};
  return o;
}
static int cmp256(struct u256 x, struct u256 y) {
  if (x.hi != y.hi) return x.hi < y.hi ? -1 : 1;
  if (x.lo != y.lo) return x.lo < y.lo ? -1 : 1;
  return 0;
}
/* floor(x*y/d) fits in 128 bits ⟺ x*y < d*2^128 ⟺ hi(x*y) < d. */
static bool quotient_fits(money_u128 x, money_u128 y, money_u128 d) { return mul256(x, y).hi < d; }
/* q == floor(x*y/d) ⟺ q*d <= x*y < q*d + d. */
static bool is_floor(money_u128 x, money_u128 y, money_u128 d, money_u128 q) {
  struct u256 p = mul256(x, y), qd = mul256(q, d);
  return cmp256(qd, p) <= 0 && cmp256(p, add256(qd, d)) < 0;
}
/* q == ceil(x*y/d) ⟺ q*d >= x*y > q*d - d. */
static bool is_ceil(money_u128 x, money_u128 y, money_u128 d, money_u128 q) {
  struct u256 p = mul256(x, y), qd = mul256(q, d);
  if (cmp256(qd, p) < 0) return false;
  return q == 0 || cmp256(add256(p, d), qd) > 0;
}

/* ---- a16z's world: 4 holders with shares and loose assets, a fee account ---- */

static const struct { unsigned dec, off; } CFG[9] = {
    {6, 0}, {6, 10}, {6, 12}, {8, 0}, {8, 10}, {8, 12}, {18, 0}, {18, 10}, {18, 12}};

struct world {
  struct ledger_vault v;
  money_u128 shares[N], loose[N], fee_shares;
  money_u128 deposited;  /* model of A: deposits in, payouts out, yield */
  int64_t now;
  int scale;             /* 0 tiny, 1 realistic, 2 wide (up to 2^120) */
  unsigned iter;
};

static money_u128 rnd_amount(const struct world *w) {
  switch (w->scale) {
  case 0: return rnd_below(1000);
  case 1: return rnd_upto(pow10u((unsigned)rnd_below(w->v.asset_decimals + 10)));
  default: return rnd_bits((unsigned)rnd_below(121));
  }
}

static money_u128 ns_of(const struct ledger_vault *v) {
  return v->total_supply + pow10u(v->decimals_offset);
}
static money_u128 na_of(const struct ledger_vault *v) { return v->total_assets + 1; }

static money_u128 value_of(const struct ledger_vault *v, money_u128 shares) {
  money_u128 a = 0;
  if (ledger_convert_to_assets(v, shares, &a) != LEDGER_OK) return MONEY_U128_MAX;
  return a;
}

static struct u256 wealth(const struct world *w, int i) {
  struct u256 x = {0, w->loose[i]};
  return add256(x, value_of(&w->v, w->shares[i]));
}

static void gen_world(struct world *w, unsigned iter) {
  struct ledger_result r;
  memset(w, 0, sizeof *w);
  w->iter = iter;
  w->v.asset_decimals = CFG[iter % 9].dec;
  w->v.decimals_offset = CFG[iter % 9].off;
  w->v.flags = LEDGER_ALL_ENABLED;
  uint64_t s = rnd_below(10);
  w->scale = s < 1 ? 0 : s < 3 ? 2 : 1;
  switch (rnd_below(4)) {
  case 0: w->v.mgmt_fee_rate = 0; break;
  case 1: w->v.mgmt_fee_rate = LEDGER_WAD / 50; break; /* 2 %/yr */
  default: w->v.mgmt_fee_rate = rnd_upto(LEDGER_WAD / 2); break;
  }
  w->now = 1700000000000LL + (int64_t)rnd_below(100000000000ull);
  w->v.fee_accrued_ms = w->now;
  bool empty = rnd_below(5) == 0;
  for (int i = 0; i < N; i++) {
    w->loose[i] = rnd_amount(w);
    if (empty) continue;
    money_u128 a = rnd_amount(w);
    if (rnd_below(3) == 0) w->now += (int64_t)rnd_below(LEDGER_YEAR_MS / 4);
    if (ledger_deposit(&w->v, w->now, a, LEDGER_NO_MIN, &r) == LEDGER_OK) {
      w->v = r.vault;
      w->shares[i] += r.shares;
      w->fee_shares += r.fee_shares;
      w->deposited += a;
    }
  }
  money_u128 fee;
  if (ledger_accrue(&w->v, w->now, &r.vault, &fee) == LEDGER_OK) {
    w->v = r.vault;
    w->fee_shares += fee;
  } else {
    w->now = w->v.fee_accrued_ms; /* the fee would overflow a supply near 2^128 */
  }
  /* a16z setUpYield: a signed yield on total assets. */
  switch (rnd_below(6)) {
  case 0: case 1: break;
  case 2: w->deposited += rnd_amount(w); break;
  case 3: w->deposited -= rnd_upto(w->deposited); break;
  case 4: w->deposited += rnd_below(4); break;
  default: w->deposited -= rnd_upto(w->deposited < 3 ? w->deposited : 3); break;
  }
  w->v.total_assets = w->deposited;
  if (rnd_below(4) == 0) w->v.locked_assets = rnd_upto(w->v.total_assets + rnd_below(3));
  if (rnd_below(8) == 0) w->v.flags = (unsigned)rnd_below(16);
}

static const char *u128s(money_u128 v, char *buf) { /* buf: 40 bytes */
  char tmp[40];
  int n = 0, k = 0;
  do { tmp[n++] = (char)('0' + (int)(v % 10)); v /= 10; } while (v);
  while (n) buf[k++] = tmp[--n];
  buf[k] = 0;
  return buf;
}

static void fail_world(const char *file, int line, const char *what, const struct world *w) {
  char b[5][40];
  fprintf(stderr, "  iter %u: dec %u off %u flags %x scale %d now %lld accrued %lld\n",
          w->iter, w->v.asset_decimals, w->v.decimals_offset, w->v.flags, w->scale,
          (long long)w->now, (long long)w->v.fee_accrued_ms);
  fprintf(stderr, "  A %s S %s locked %s rate %s\n", u128s(w->v.total_assets, b[0]),
          u128s(w->v.total_supply, b[1]), u128s(w->v.locked_assets, b[2]),
          u128s(w->v.mgmt_fee_rate, b[3]));
  fprintf(stderr, "  shares %s %s %s %s fee %s\n", u128s(w->shares[0], b[0]),
          u128s(w->shares[1], b[1]), u128s(w->shares[2], b[2]), u128s(w->shares[3], b[3]),
          u128s(w->fee_shares, b[4]));
  fprintf(stderr, "  loose %s %s %s %s\n", u128s(w->loose[0], b[0]), u128s(w->loose[1], b[1]),
          u128s(w->loose[2], b[2]), u128s(w->loose[3], b[3]));
  testlib_fail(file, line, "%s", what);
}

static bool vault_eq(const struct ledger_vault *a, const struct ledger_vault *b) {
  return a->total_assets == b->total_assets && a->total_supply == b->total_supply &&
         a->locked_assets == b->locked_assets && a->asset_decimals == b->asset_decimals &&
         a->decimals_offset == b->decimals_offset && a->flags == b->flags &&
         a->mgmt_fee_rate == b->mgmt_fee_rate && a->fee_accrued_ms == b->fee_accrued_ms;
}

static bool result_eq(const struct ledger_result *a, const struct ledger_result *b) {
  return vault_eq(&a->vault, &b->vault) && a->assets == b->assets && a->shares == b->shares &&
         a->fee_shares == b->fee_shares && a->owner.shares == b->owner.shares &&
         a->owner.allowance == b->owner.allowance && a->owner.is_caller == b->owner.is_caller;
}

/* Check a property on world w; on failure report the world and leave the test. */
#define PCHECK(w, c)                                                                    \
  do { if (!(c)) { fail_world(__FILE__, __LINE__, "PCHECK(" #c ")", &(w)); return; } } while (0)

/* ---- operations on the world (Δt = 0: the state is accrued to w->now) ---- */

#define CANT_PAY 1 /* the caller lacks the loose assets: the asset transfer would fail */

static int w_deposit(struct world *w, int caller, int receiver, money_u128 a, money_u128 min,
                     struct ledger_result *r) {
  if (a > w->loose[caller]) return CANT_PAY;
  int rc = ledger_deposit(&w->v, w->now, a, min, r);
  if (rc != LEDGER_OK) return rc;
  w->v = r->vault;
  w->loose[caller] -= a;
  w->shares[receiver] += r->shares;
  w->fee_shares += r->fee_shares;
  w->deposited += a;
  return LEDGER_OK;
}

static int w_mint(struct world *w, int caller, int receiver, money_u128 s, money_u128 max_in,
                  struct ledger_result *r) {
  int rc = ledger_mint(&w->v, w->now, s, max_in, r);
  if (rc != LEDGER_OK) return rc;
  if (r->assets > w->loose[caller]) return CANT_PAY;
  w->v = r->vault;
  w->loose[caller] -= r->assets;
  w->shares[receiver] += r->shares;
  w->fee_shares += r->fee_shares;
  w->deposited += r->assets;
  return LEDGER_OK;
}

static void w_paid(struct world *w, int receiver, int owner, const struct ledger_result *r) {
  w->v = r->vault;
  w->shares[owner] = r->owner.shares;
  w->loose[receiver] += r->assets;
  w->fee_shares += r->fee_shares;
  w->deposited -= r->assets;
}

static int w_withdraw(struct world *w, int caller, int receiver, int owner, money_u128 a,
                      money_u128 allowance, struct ledger_result *r) {
  struct ledger_owner o = {w->shares[owner], allowance, caller == owner};
  int rc = ledger_withdraw(&w->v, w->now, &o, a, LEDGER_NO_MAX, r);
  if (rc == LEDGER_OK) w_paid(w, receiver, owner, r);
  return rc;
}

static int w_redeem(struct world *w, int caller, int receiver, int owner, money_u128 s,
                    money_u128 allowance, struct ledger_result *r) {
  struct ledger_owner o = {w->shares[owner], allowance, caller == owner};
  int rc = ledger_redeem(&w->v, w->now, &o, s, LEDGER_NO_MIN, r);
  if (rc == LEDGER_OK) w_paid(w, receiver, owner, r);
  return rc;
}

/* a16z bounds. */
static money_u128 bound_deposit(const struct world *w, int i) { return rnd_upto(w->loose[i]); }
static money_u128 bound_mint(const struct world *w, int i) {
  money_u128 s = 0;
  if (ledger_convert_to_shares(&w->v, w->loose[i], &s) != LEDGER_OK) s = 0;
  return rnd_upto(s);
}
static money_u128 bound_withdraw(const struct world *w, int i) {
  return rnd_upto(value_of(&w->v, w->shares[i]));
}
static money_u128 bound_redeem(const struct world *w, int i) { return rnd_upto(w->shares[i]); }

/* Status an operation must return, from the limits alone (max* are exact). */
static int expect_deposit(const struct ledger_vault *v, money_u128 a) {
  money_u128 s;
  if (!(v->flags & LEDGER_DEPOSIT_ENABLED)) return LEDGER_EDISABLED;
  if (ledger_preview_deposit(v, a, &s) != LEDGER_OK) return LEDGER_EOVERFLOW;
  if (s == 0) return LEDGER_EZERO;
  return a <= ledger_max_deposit(v) ? LEDGER_OK : LEDGER_EOVERFLOW;
}
static int expect_mint(const struct ledger_vault *v, money_u128 s) {
  if (!(v->flags & LEDGER_MINT_ENABLED)) return LEDGER_EDISABLED;
  if (s == 0) return LEDGER_EZERO;
  return s <= ledger_max_mint(v) ? LEDGER_OK : LEDGER_EOVERFLOW;
}
/* Withdraw/redeem with enough allowance: OK or one of the refusals the limit predicts. */
static bool withdraw_status_ok(const struct ledger_vault *v, money_u128 owner_shares,
                               money_u128 a, int rc) {
  if (!(v->flags & LEDGER_WITHDRAW_ENABLED)) return rc == LEDGER_EDISABLED;
  if (a == 0) return rc == LEDGER_EZERO;
  if (a <= ledger_max_withdraw(v, owner_shares)) return rc == LEDGER_OK;
  return rc == LEDGER_EBALANCE || rc == LEDGER_EILLIQUID || rc == LEDGER_EOVERFLOW;
}
static bool redeem_status_ok(const struct ledger_vault *v, money_u128 owner_shares,
                             money_u128 s, int rc) {
  money_u128 a;
  if (!(v->flags & LEDGER_REDEEM_ENABLED)) return rc == LEDGER_EDISABLED;
  if (s == 0) return rc == LEDGER_EZERO;
  if (s > owner_shares) return rc == LEDGER_EBALANCE;
  if (ledger_preview_redeem(v, s, &a) != LEDGER_OK) return false;
  if (a == 0) return rc == LEDGER_EZERO;
  return rc == (s <= ledger_max_redeem(v, owner_shares) ? LEDGER_OK : LEDGER_EILLIQUID);
}

/* ---- P1-P4 ---- */

TEST(p01_asset) {
  struct world w;
  SEED();
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    PCHECK(w, ledger_vault_check(&w.v) == LEDGER_OK);
    PCHECK(w, w.v.asset_decimals == CFG[it % 9].dec && w.v.decimals_offset == CFG[it % 9].off);
    PCHECK(w, ledger_share_decimals(&w.v) == CFG[it % 9].dec + CFG[it % 9].off);
    /* The price of one whole share fits unless the vault is (nearly) empty of shares. */
    money_u128 p, one = pow10u(ledger_share_decimals(&w.v));
    int rc = ledger_price_per_share(&w.v, &p);
    if (quotient_fits(one, na_of(&w.v), ns_of(&w.v)))
      PCHECK(w, rc == LEDGER_OK && is_floor(one, na_of(&w.v), ns_of(&w.v), p));
    else
      PCHECK(w, rc == LEDGER_EOVERFLOW);
  }
}

TEST(p02_total_assets) {
  struct world w;
  SEED();
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    PCHECK(w, w.v.total_assets == w.deposited);
    money_u128 sum = w.fee_shares;
    for (int i = 0; i < N; i++) sum += w.shares[i];
    PCHECK(w, w.v.total_supply == sum);
  }
}

static void convert_prop(bool to_shares) {
  struct world w;
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    money_u128 x;
    switch (rnd_below(3)) {
    case 0: x = rnd_amount(&w); break;
    case 1: x = rnd128() >> rnd_below(128); break;
    default: x = to_shares ? w.loose[0] : w.shares[0]; break;
    }
    struct ledger_vault other = w.v;
    money_u128 r1 = 0, r2 = 0;
    int rc1 = to_shares ? ledger_convert_to_shares(&w.v, x, &r1)  /* caller 1 */
                        : ledger_convert_to_assets(&w.v, x, &r1);
    int rc2 = to_shares ? ledger_convert_to_shares(&other, x, &r2) /* caller 2 */
                        : ledger_convert_to_assets(&other, x, &r2);
    PCHECK(w, rc1 == rc2 && r1 == r2);
    PCHECK(w, vault_eq(&other, &w.v));
    money_u128 num = to_shares ? ns_of(&w.v) : na_of(&w.v);
    money_u128 den = to_shares ? na_of(&w.v) : ns_of(&w.v);
    if (quotient_fits(x, num, den)) {
      PCHECK(w, rc1 == LEDGER_OK);
      PCHECK(w, is_floor(x, num, den, r1));
    } else {
      PCHECK(w, rc1 == LEDGER_EOVERFLOW);
    }
  }
}

TEST(p03_convert_to_shares_rounds_down) { SEED(); convert_prop(true); }
TEST(p04_convert_to_assets_rounds_down) { SEED(); convert_prop(false); }

/* ---- P5-P10: deposit and mint ---- */

TEST(p05_max_deposit) {
  struct world w;
  struct ledger_result r;
  SEED();
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    money_u128 m = ledger_max_deposit(&w.v); /* has no failure path */
    if (!(w.v.flags & LEDGER_DEPOSIT_ENABLED)) { PCHECK(w, m == 0); continue; }
    /* Push the vault near 2^128 now and then so the bound matters. */
    if (rnd_below(3) == 0) {
      w.v.total_assets = MONEY_U128_MAX - 1 - rnd_bits((unsigned)rnd_below(128));
      if (rnd_below(2)) w.v.total_supply = MONEY_U128_MAX - ns_of(&w.v) - 1 +
                                           w.v.total_supply - rnd_bits((unsigned)rnd_below(100));
      if (ledger_vault_check(&w.v) != LEDGER_OK) continue;
      m = ledger_max_deposit(&w.v);
    }
    PCHECK(w, ledger_deposit(&w.v, w.now, m, 0, &r) == (m ? LEDGER_OK : LEDGER_EZERO));
    if (m < MONEY_U128_MAX) {
      int rc = ledger_deposit(&w.v, w.now, m + 1, 0, &r); /* EZERO if it rounds to 0 shares */
      PCHECK(w, rc == LEDGER_EOVERFLOW || rc == LEDGER_EZERO);
    }
    money_u128 a = rnd_upto(m);
    PCHECK(w, ledger_deposit(&w.v, w.now, a, 0, &r) == expect_deposit(&w.v, a));
  }
}

TEST(p06_preview_deposit_equals_deposit) {
  struct world w;
  struct ledger_result r;
  unsigned done = 0;
  SEED();
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    money_u128 a = bound_deposit(&w, 0), preview = 0, closed_preview = 0;
    int prc = ledger_preview_deposit(&w.v, a, &preview); /* "other" previews */
    struct ledger_vault closed = w.v;
    closed.flags = 0;                                     /* previews ignore limits */
    PCHECK(w, ledger_preview_deposit(&closed, a, &closed_preview) == prc);
    PCHECK(w, closed_preview == preview);
    int want = expect_deposit(&w.v, a);
    int rc = w_deposit(&w, 0, 1, a, LEDGER_NO_MIN, &r);
    PCHECK(w, rc == want);
    if (rc != LEDGER_OK) continue;
    PCHECK(w, prc == LEDGER_OK && r.shares == preview && r.assets == a);
    done++;
  }
  CHECK(done > ITER / 3);
}

TEST(p07_deposit_moves_exact_amounts) {
  struct world w, b;
  struct ledger_result r, r2;
  unsigned done = 0;
  SEED();
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    b = w;
    int caller = 0, receiver = rnd_below(2) ? 1 : 0;
    money_u128 a = bound_deposit(&w, caller);
    if (w_deposit(&w, caller, receiver, a, LEDGER_NO_MIN, &r) != LEDGER_OK) continue;
    done++;
    PCHECK(w, w.loose[caller] == b.loose[caller] - a);
    PCHECK(w, w.shares[receiver] == b.shares[receiver] + r.shares);
    PCHECK(w, w.v.total_assets == b.v.total_assets + a);
    PCHECK(w, w.v.total_supply == b.v.total_supply + r.shares);
    PCHECK(w, r.fee_shares == 0 && w.v.fee_accrued_ms == b.v.fee_accrued_ms);
    for (int j = 2; j < N; j++) PCHECK(w, w.shares[j] == b.shares[j] && w.loose[j] == b.loose[j]);
    /* min_shares_out: met exactly passes, one more is refused with its own status. */
    PCHECK(w, ledger_deposit(&b.v, b.now, a, r.shares, &r2) == LEDGER_OK);
    PCHECK(w, result_eq(&r2, &r));
    struct ledger_result untouched;
    memset(&r2, 0xA5, sizeof r2);
    memset(&untouched, 0xA5, sizeof untouched);
    PCHECK(w, ledger_deposit(&b.v, b.now, a, r.shares + 1, &r2) == LEDGER_EMIN_SHARES_OUT);
    PCHECK(w, memcmp(&r2, &untouched, sizeof r2) == 0);
  }
  CHECK(done > ITER / 3);
}

TEST(p08_max_mint) {
  struct world w;
  struct ledger_result r;
  SEED();
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    money_u128 m = ledger_max_mint(&w.v);
    if (!(w.v.flags & LEDGER_MINT_ENABLED)) { PCHECK(w, m == 0); continue; }
    if (rnd_below(3) == 0) {
      w.v.total_assets = MONEY_U128_MAX - 1 - rnd_bits((unsigned)rnd_below(128));
      if (rnd_below(2)) w.v.total_supply = MONEY_U128_MAX - ns_of(&w.v) - 1 +
                                           w.v.total_supply - rnd_bits((unsigned)rnd_below(100));
      if (ledger_vault_check(&w.v) != LEDGER_OK) continue;
      m = ledger_max_mint(&w.v);
    }
    PCHECK(w, ledger_mint(&w.v, w.now, m, LEDGER_NO_MAX, &r) == expect_mint(&w.v, m));
    if (m < MONEY_U128_MAX)
      PCHECK(w, ledger_mint(&w.v, w.now, m + 1, LEDGER_NO_MAX, &r) == LEDGER_EOVERFLOW);
    money_u128 s = rnd_upto(m);
    PCHECK(w, ledger_mint(&w.v, w.now, s, LEDGER_NO_MAX, &r) == expect_mint(&w.v, s));
  }
}

TEST(p09_preview_mint_equals_mint) {
  struct world w;
  struct ledger_result r;
  unsigned done = 0;
  SEED();
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    money_u128 s = bound_mint(&w, 0), preview = 0;
    int prc = ledger_preview_mint(&w.v, s, &preview);
    int want = expect_mint(&w.v, s);
    int rc = ledger_mint(&w.v, w.now, s, LEDGER_NO_MAX, &r);
    PCHECK(w, rc == want);
    if (rc != LEDGER_OK) continue;
    PCHECK(w, prc == LEDGER_OK && r.assets == preview && r.shares == s);
    PCHECK(w, is_ceil(s, na_of(&w.v), ns_of(&w.v), r.assets));
    done++;
  }
  CHECK(done > ITER / 3);
}

TEST(p10_mint_moves_exact_amounts) {
  struct world w, b;
  struct ledger_result r, r2;
  unsigned done = 0;
  SEED();
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    b = w;
    int caller = 0, receiver = rnd_below(2) ? 1 : 0;
    money_u128 s = bound_mint(&w, caller);
    if (w_mint(&w, caller, receiver, s, LEDGER_NO_MAX, &r) != LEDGER_OK) continue;
    done++;
    PCHECK(w, w.loose[caller] == b.loose[caller] - r.assets);
    PCHECK(w, w.shares[receiver] == b.shares[receiver] + s);
    PCHECK(w, w.v.total_assets == b.v.total_assets + r.assets);
    PCHECK(w, w.v.total_supply == b.v.total_supply + s);
    for (int j = 2; j < N; j++) PCHECK(w, w.shares[j] == b.shares[j] && w.loose[j] == b.loose[j]);
    PCHECK(w, ledger_mint(&b.v, b.now, s, r.assets, &r2) == LEDGER_OK);
    PCHECK(w, ledger_mint(&b.v, b.now, s, r.assets - 1, &r2) == LEDGER_EMAX_ASSETS_IN);
  }
  CHECK(done > ITER / 3);
}

/* ---- P11-P18: withdraw and redeem ---- */

TEST(p11_max_withdraw) {
  struct world w;
  struct ledger_result r;
  SEED();
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    int owner = 1;
    money_u128 m = ledger_max_withdraw(&w.v, w.shares[owner]);
    if (!(w.v.flags & LEDGER_WITHDRAW_ENABLED)) { PCHECK(w, m == 0); continue; }
    money_u128 conv = value_of(&w.v, w.shares[owner]), free_assets = ledger_free_assets(&w.v);
    PCHECK(w, m <= conv && m <= free_assets);
    PCHECK(w, m == (conv < free_assets ? conv : free_assets));
    struct ledger_owner o = {w.shares[owner], 0, true};
    if (m > 0) PCHECK(w, ledger_withdraw(&w.v, w.now, &o, m, LEDGER_NO_MAX, &r) == LEDGER_OK);
    int rc = ledger_withdraw(&w.v, w.now, &o, m + 1, LEDGER_NO_MAX, &r);
    PCHECK(w, rc == LEDGER_EBALANCE || rc == LEDGER_EILLIQUID);
  }
}

TEST(p12_preview_withdraw_equals_withdraw) {
  struct world w;
  struct ledger_result r;
  unsigned done = 0;
  SEED();
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    int caller = 0, receiver = 1, owner = 2;
    money_u128 a = bound_withdraw(&w, owner), preview = 0;
    int prc = ledger_preview_withdraw(&w.v, a, &preview); /* "other" previews */
    struct ledger_vault before = w.v;
    money_u128 owner_shares = w.shares[owner];
    int rc = w_withdraw(&w, caller, receiver, owner, a, LEDGER_ALLOWANCE_UNLIMITED, &r);
    PCHECK(w, withdraw_status_ok(&before, owner_shares, a, rc));
    if (rc != LEDGER_OK) continue;
    PCHECK(w, prc == LEDGER_OK && r.shares == preview && r.assets == a);
    PCHECK(w, is_ceil(a, ns_of(&before), na_of(&before), r.shares));
    done++;
  }
  CHECK(done > ITER / 3);
}

/* P13 and P17 share their checks: "share", "asset", "allowance", "access control". */
static void withdraw_redeem_prop(bool redeem) {
  struct world w, b;
  struct ledger_result r, r2;
  unsigned done = 0;
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    b = w;
    int caller = (int)rnd_below(N), receiver = 1, owner = 2;
    money_u128 x = redeem ? bound_redeem(&w, owner) : bound_withdraw(&w, owner), need = 0;
    int prc = redeem ? ledger_preview_redeem(&w.v, x, &need)
                     : ledger_preview_withdraw(&w.v, x, &need);
    money_u128 shares_needed = redeem ? x : need;
    money_u128 allowance;
    switch (rnd_below(4)) {
    case 0: allowance = LEDGER_ALLOWANCE_UNLIMITED; break;
    case 1: allowance = shares_needed; break;
    case 2: allowance = shares_needed + rnd_upto(shares_needed); break;
    default: allowance = rnd_upto(shares_needed); break;
    }
    int rc = redeem ? w_redeem(&w, caller, receiver, owner, x, allowance, &r)
                    : w_withdraw(&w, caller, receiver, owner, x, allowance, &r);
    bool allowed = caller == owner || allowance >= shares_needed;
    if (!allowed) {
      bool other_refusal = rc == LEDGER_EDISABLED || rc == LEDGER_EZERO;
      PCHECK(w, rc == LEDGER_EALLOWANCE || other_refusal);
      continue;
    }
    PCHECK(w, redeem ? redeem_status_ok(&b.v, b.shares[owner], x, rc)
                     : withdraw_status_ok(&b.v, b.shares[owner], x, rc));
    if (rc != LEDGER_OK) continue;
    done++;
    money_u128 shares = r.shares, assets = r.assets;
    PCHECK(w, prc == LEDGER_OK && (redeem ? assets == need : shares == need));
    PCHECK(w, w.shares[owner] == b.shares[owner] - shares);                      /* share */
    PCHECK(w, w.loose[receiver] == b.loose[receiver] + assets);                  /* asset */
    if (caller != owner && allowance != LEDGER_ALLOWANCE_UNLIMITED)
      PCHECK(w, r.owner.allowance == allowance - shares);                        /* allowance */
    else
      PCHECK(w, r.owner.allowance == allowance);
    PCHECK(w, caller == owner || allowance != 0 || (shares == 0 && assets == 0)); /* access */
    PCHECK(w, w.v.total_assets == b.v.total_assets - assets);
    PCHECK(w, w.v.total_supply == b.v.total_supply - shares);
    /* The slippage guards, each with its own status. */
    struct ledger_owner o = {b.shares[owner], LEDGER_ALLOWANCE_UNLIMITED, true};
    if (redeem) {
      PCHECK(w, ledger_redeem(&b.v, b.now, &o, x, assets, &r2) == LEDGER_OK);
      PCHECK(w, ledger_redeem(&b.v, b.now, &o, x, assets + 1, &r2) == LEDGER_EMIN_ASSETS_OUT);
    } else {
      PCHECK(w, ledger_withdraw(&b.v, b.now, &o, x, shares, &r2) == LEDGER_OK);
      PCHECK(w, ledger_withdraw(&b.v, b.now, &o, x, shares - 1, &r2) == LEDGER_EMAX_SHARES_IN);
    }
  }
  CHECK(done > ITER / 4);
}

TEST(p13_withdraw_moves_exact_amounts) { SEED(); withdraw_redeem_prop(false); }

/* testFail_withdraw / testFail_redeem: a caller without allowance burns nothing. */
static void no_allowance_prop(bool redeem) {
  struct world w;
  struct ledger_result r;
  unsigned done = 0;
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    int owner = 2;
    money_u128 x = redeem ? bound_redeem(&w, owner) : bound_withdraw(&w, owner);
    if (x == 0) continue; /* vm.assume(assets > 0) */
    struct ledger_owner o = {w.shares[owner], 0, false};
    struct ledger_vault before = w.v;
    struct ledger_result untouched;
    memset(&r, 0x5A, sizeof r);
    memset(&untouched, 0x5A, sizeof untouched);
    int rc = redeem ? ledger_redeem(&w.v, w.now, &o, x, LEDGER_NO_MIN, &r)
                    : ledger_withdraw(&w.v, w.now, &o, x, LEDGER_NO_MAX, &r);
    unsigned flag = redeem ? LEDGER_REDEEM_ENABLED : LEDGER_WITHDRAW_ENABLED;
    PCHECK(w, rc == ((w.v.flags & flag) ? LEDGER_EALLOWANCE : LEDGER_EDISABLED));
    PCHECK(w, memcmp(&r, &untouched, sizeof r) == 0);
    PCHECK(w, vault_eq(&before, &w.v));
    done++;
  }
  CHECK(done > ITER / 3);
}

TEST(p14_withdraw_without_allowance_fails) { SEED(); no_allowance_prop(false); }

TEST(p15_max_redeem) {
  struct world w;
  struct ledger_result r;
  SEED();
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    int owner = 1;
    money_u128 m = ledger_max_redeem(&w.v, w.shares[owner]);
    if (!(w.v.flags & LEDGER_REDEEM_ENABLED)) { PCHECK(w, m == 0); continue; }
    PCHECK(w, m <= w.shares[owner]);
    struct ledger_owner o = {w.shares[owner], 0, true};
    money_u128 pay;
    PCHECK(w, ledger_preview_redeem(&w.v, w.shares[owner], &pay) == LEDGER_OK);
    if (w.v.locked_assets == 0 && pay > 0) PCHECK(w, m == w.shares[owner]);
    PCHECK(w, ledger_preview_redeem(&w.v, m, &pay) == LEDGER_OK);
    PCHECK(w, pay <= ledger_free_assets(&w.v));
    PCHECK(w, (m == 0) == (pay == 0)); /* a limit that pays nothing is 0 */
    if (m > 0) PCHECK(w, ledger_redeem(&w.v, w.now, &o, m, 0, &r) == LEDGER_OK);
    int rc = ledger_redeem(&w.v, w.now, &o, m + 1, 0, &r);
    PCHECK(w, ledger_preview_redeem(&w.v, m + 1, &pay) == LEDGER_OK);
    PCHECK(w, rc == LEDGER_EBALANCE || rc == LEDGER_EILLIQUID || (rc == LEDGER_EZERO && pay == 0));
  }
}

TEST(p16_preview_redeem_equals_redeem) {
  struct world w;
  struct ledger_result r;
  unsigned done = 0;
  SEED();
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    int caller = 0, receiver = 1, owner = 2;
    money_u128 s = bound_redeem(&w, owner), preview = 0;
    int prc = ledger_preview_redeem(&w.v, s, &preview);
    struct ledger_vault before = w.v;
    money_u128 owner_shares = w.shares[owner];
    int rc = w_redeem(&w, caller, receiver, owner, s, LEDGER_ALLOWANCE_UNLIMITED, &r);
    PCHECK(w, redeem_status_ok(&before, owner_shares, s, rc));
    if (rc != LEDGER_OK) continue;
    PCHECK(w, prc == LEDGER_OK && r.assets == preview && r.shares == s);
    PCHECK(w, is_floor(s, na_of(&before), ns_of(&before), r.assets));
    done++;
  }
  CHECK(done > ITER / 3);
}

TEST(p17_redeem_moves_exact_amounts) { SEED(); withdraw_redeem_prop(true); }
TEST(p18_redeem_without_allowance_fails) { SEED(); no_allowance_prop(true); }

/* ---- RT1-RT8: round trips, caller = holder 0 ---- */

/* No free profit for the caller, no loss for anyone else. */
static bool fair(const struct world *b, const struct world *w) {
  if (cmp256(wealth(w, 0), wealth(b, 0)) > 0) return false;
  for (int j = 1; j < N; j++)
    if (value_of(&w->v, w->shares[j]) < value_of(&b->v, b->shares[j])) return false;
  return value_of(&w->v, w->fee_shares) >= value_of(&b->v, b->fee_shares);
}

enum rt_op { RT_DEPOSIT, RT_MINT, RT_WITHDRAW, RT_REDEEM };

/* One leg of a round trip by holder 0 for itself: returns the status, the other side's
 * amount in *out (shares for deposit/withdraw, assets for mint/redeem). */
static int rt_leg(struct world *w, enum rt_op op, money_u128 x, money_u128 *out) {
  struct ledger_result r;
  int rc;
  switch (op) {
  case RT_DEPOSIT: rc = w_deposit(w, 0, 0, x, LEDGER_NO_MIN, &r); break;
  case RT_MINT: rc = w_mint(w, 0, 0, x, LEDGER_NO_MAX, &r); break; /* fills r on CANT_PAY */
  case RT_WITHDRAW: rc = w_withdraw(w, 0, 0, 0, x, 0, &r); break;
  default: rc = w_redeem(w, 0, 0, 0, x, 0, &r); break;
  }
  /* A mint the caller cannot pay still tells what it would cost. */
  if (rc == LEDGER_OK || (rc == CANT_PAY && op == RT_MINT))
    *out = (op == RT_DEPOSIT || op == RT_WITHDRAW) ? r.shares : r.assets;
  return rc;
}

/* first(x) -> y; then second(second_on_y ? y : x) -> z; z must be <= or >= (want_le) y. */
static void round_trip(enum rt_op first, enum rt_op second, bool second_on_y, bool want_le) {
  struct world w, b;
  unsigned done = 0;
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    b = w;
    money_u128 x, y = 0, z = 0;
    switch (first) {
    case RT_DEPOSIT: x = bound_deposit(&w, 0); break;
    case RT_MINT: x = bound_mint(&w, 0); break;
    case RT_WITHDRAW: x = bound_withdraw(&w, 0); break;
    default: x = bound_redeem(&w, 0); break;
    }
    if (rt_leg(&w, first, x, &y) != LEDGER_OK) continue;
    int rc = rt_leg(&w, second, second_on_y ? y : x, &z);
    PCHECK(w, fair(&b, &w)); /* after one leg or both */
    if (rc != LEDGER_OK && rc != CANT_PAY) {
      /* The second leg may be refused: closed, rounds to 0, lacks liquidity, or burns more
       * shares than the caller holds (then it would have burned more than y: s' >= s). */
      PCHECK(w, rc == LEDGER_EDISABLED || rc == LEDGER_EZERO || rc == LEDGER_EILLIQUID ||
                    rc == LEDGER_EBALANCE);
      continue;
    }
    PCHECK(w, want_le ? z <= (second_on_y ? x : y) : z >= (second_on_y ? x : y));
    done++;
  }
  CHECK(done > ITER / 4);
}

/* redeem(deposit(a)) <= a */
TEST(rt1_deposit_redeem) { SEED(); round_trip(RT_DEPOSIT, RT_REDEEM, true, true); }
/* s = deposit(a), s' = withdraw(a): s' >= s */
TEST(rt2_deposit_withdraw) { SEED(); round_trip(RT_DEPOSIT, RT_WITHDRAW, false, false); }
/* deposit(redeem(s)) <= s */
TEST(rt3_redeem_deposit) { SEED(); round_trip(RT_REDEEM, RT_DEPOSIT, true, true); }
/* a = redeem(s), a' = mint(s): a' >= a */
TEST(rt4_redeem_mint) { SEED(); round_trip(RT_REDEEM, RT_MINT, false, false); }
/* withdraw(mint(s)) >= s */
TEST(rt5_mint_withdraw) { SEED(); round_trip(RT_MINT, RT_WITHDRAW, true, false); }
/* a = mint(s), a' = redeem(s): a' <= a */
TEST(rt6_mint_redeem) { SEED(); round_trip(RT_MINT, RT_REDEEM, false, true); }
/* mint(withdraw(a)) >= a */
TEST(rt7_withdraw_mint) { SEED(); round_trip(RT_WITHDRAW, RT_MINT, true, false); }
/* s = withdraw(a), s' = deposit(a): s' <= s */
TEST(rt8_withdraw_deposit) { SEED(); round_trip(RT_WITHDRAW, RT_DEPOSIT, false, true); }

/* ---- SPEC 6 invariants over random walks ---- */

enum { INV_SUPPLY = 1, INV_REDEEMABLE = 2, INV_PREVIEW = 4 };

/* One random step: an operation by a random holder (sometimes after time passes, so the
 * fee accrues first), a donation or a loss. */
static bool walk_step(struct world *w, unsigned checks) {
  struct ledger_result r;
  struct ledger_vault accrued;
  money_u128 fee = 0, preview = 0;
  if (rnd_below(3) == 0) w->now += (int64_t)rnd_below(LEDGER_YEAR_MS / 12);
  if (ledger_accrue(&w->v, w->now, &accrued, &fee) != LEDGER_OK) return true;
  int h = (int)rnd_below(N), op = (int)rnd_below(6), rc;
  money_u128 x;
  bool by_shares = op == 1 || op == 3;
  switch (op) {
  case 0: x = rnd_upto(w->loose[h]); break;
  case 1: x = 0; break; /* below: convertToShares of the loose assets */
  case 2: x = rnd_upto(ledger_max_withdraw(&accrued, w->shares[h])); break;
  case 3: x = rnd_upto(w->shares[h]); break;
  case 4: /* donation */
    x = rnd_amount(w);
    if (accrued.total_assets > MONEY_U128_MAX / 2 || x > MONEY_U128_MAX / 4) return true;
    w->v = accrued;
    w->fee_shares += fee;
    w->v.total_assets += x;
    w->deposited += x;
    return true;
  default: /* loss */
    x = rnd_upto(accrued.total_assets / 8);
    w->v = accrued;
    w->fee_shares += fee;
    w->v.total_assets -= x;
    w->deposited -= x;
    return true;
  }
  if (op == 1) {
    money_u128 s = 0;
    if (ledger_convert_to_shares(&accrued, w->loose[h], &s) != LEDGER_OK) s = 0;
    x = rnd_upto(s);
  }
  int prc;
  switch (op) {
  case 0: prc = ledger_preview_deposit(&accrued, x, &preview); break;
  case 1: prc = ledger_preview_mint(&accrued, x, &preview); break;
  case 2: prc = ledger_preview_withdraw(&accrued, x, &preview); break;
  default: prc = ledger_preview_redeem(&accrued, x, &preview); break;
  }
  switch (op) {
  case 0: rc = w_deposit(w, h, h, x, LEDGER_NO_MIN, &r); break;
  case 1: rc = w_mint(w, h, h, x, LEDGER_NO_MAX, &r); break;
  case 2: rc = w_withdraw(w, h, h, h, x, 0, &r); break;
  default: rc = w_redeem(w, h, h, h, x, 0, &r); break;
  }
  if (rc != LEDGER_OK) return true;
  if (checks & INV_PREVIEW) {
    if (prc != LEDGER_OK || r.fee_shares != fee) return false;
    if ((by_shares ? r.assets : r.shares) != preview) return false;
    if ((by_shares ? r.shares : r.assets) != x) return false;
  }
  return true;
}

static bool walk_invariants(const struct world *w, unsigned checks) {
  if (checks & INV_SUPPLY) {
    money_u128 sum = w->fee_shares;
    for (int i = 0; i < N; i++) sum += w->shares[i];
    if (sum != w->v.total_supply) return false;
    if (w->v.total_assets != w->deposited) return false;
  }
  if (checks & INV_REDEEMABLE) {
    money_u128 sum = value_of(&w->v, w->fee_shares);
    for (int i = 0; i < N; i++) sum += value_of(&w->v, w->shares[i]);
    if (sum > w->v.total_assets) return false;
  }
  return true;
}

static void random_walks(unsigned checks) {
  struct world w;
  for (unsigned it = 0; it < ITER / 8; it++) {
    gen_world(&w, it);
    w.v.flags = LEDGER_ALL_ENABLED;
    PCHECK(w, walk_invariants(&w, checks));
    for (int step = 0; step < 40; step++) {
      PCHECK(w, walk_step(&w, checks));
      PCHECK(w, walk_invariants(&w, checks));
    }
  }
}

TEST(inv_supply_equals_sum_of_balances) { SEED(); random_walks(INV_SUPPLY); }
TEST(inv_redeemable_le_total_assets) { SEED(); random_walks(INV_REDEEMABLE); }
TEST(inv_preview_equals_executed) { SEED(); random_walks(INV_PREVIEW); }

typedef int (*convert_fn)(const struct ledger_vault *, money_u128, money_u128 *);
static const convert_fn CONVERTS[4] = {ledger_to_shares_down, ledger_to_shares_up,
                                       ledger_to_assets_down, ledger_to_assets_up};

TEST(inv_conversions_monotone) {
  struct world w;
  SEED();
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    money_u128 a = rnd_amount(&w), b = a + rnd_upto(rnd_amount(&w));
    if (b < a) continue;
    for (int f = 0; f < 4; f++) {
      money_u128 ra, rb;
      if (CONVERTS[f](&w.v, b, &rb) != LEDGER_OK) continue;
      PCHECK(w, CONVERTS[f](&w.v, a, &ra) == LEDGER_OK); /* a smaller input cannot overflow */
      PCHECK(w, ra <= rb);
    }
  }
}

TEST(inv_ceil_minus_floor_0_or_1) {
  struct world w;
  SEED();
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    money_u128 x = rnd_below(2) ? rnd_amount(&w) : rnd128() >> rnd_below(128);
    for (int f = 0; f < 4; f += 2) {
      money_u128 lo, hi;
      if (CONVERTS[f + 1](&w.v, x, &hi) != LEDGER_OK) continue;
      PCHECK(w, CONVERTS[f](&w.v, x, &lo) == LEDGER_OK);
      PCHECK(w, hi - lo <= 1 && hi >= lo);
      money_u128 num = f == 0 ? ns_of(&w.v) : na_of(&w.v);
      money_u128 den = f == 0 ? na_of(&w.v) : ns_of(&w.v);
      PCHECK(w, is_floor(x, num, den, lo) && is_ceil(x, num, den, hi));
      struct u256 exact = mul256(lo, den), prod = mul256(x, num);
      PCHECK(w, (hi == lo) == (cmp256(exact, prod) == 0));
    }
  }
}

TEST(inv_donation_never_lowers_value) {
  struct world w;
  SEED();
  for (unsigned it = 0; it < ITER; it++) {
    gen_world(&w, it);
    struct ledger_vault d = w.v;
    money_u128 gift = rnd_below(3) ? rnd_amount(&w) : rnd_below(3);
    if (money_add(d.total_assets, gift, &d.total_assets) != MONEY_OK) continue;
    if (ledger_vault_check(&d) != LEDGER_OK) continue;
    for (int i = 0; i < N; i++) PCHECK(w, value_of(&d, w.shares[i]) >= value_of(&w.v, w.shares[i]));
    PCHECK(w, value_of(&d, w.fee_shares) >= value_of(&w.v, w.fee_shares));
    money_u128 p0, p1, s0, s1;
    if (ledger_price_per_share(&w.v, &p0) == LEDGER_OK && ledger_price_per_share(&d, &p1) == LEDGER_OK)
      PCHECK(w, p1 >= p0);
    money_u128 a = rnd_amount(&w);
    if (ledger_convert_to_shares(&w.v, a, &s0) == LEDGER_OK &&
        ledger_convert_to_shares(&d, a, &s1) == LEDGER_OK)
      PCHECK(w, s1 <= s0);
  }
}
