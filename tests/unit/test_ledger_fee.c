/* test_ledger_fee: management fee by dilution, high-water-mark and spread performance fees. */
#include "ledger.h"
#include "ledger_fee.h"
#include "ledger_ops.h"
#include "testlib.h"

#define T0 ((int64_t)1700000000000LL)
#define E18 ((money_u128)1000000000000000000ULL)

static uint64_t fee_rng = 0x5EED0FEEull;
static uint64_t fee_rnd(void) { /* xorshift64 */
  fee_rng ^= fee_rng << 13;
  fee_rng ^= fee_rng >> 7;
  fee_rng ^= fee_rng << 17;
  return fee_rng;
}
static money_u128 fee_rnd_bits(unsigned bits) {
  money_u128 x = ((money_u128)fee_rnd() << 64) | fee_rnd();
  return bits ? x >> (128 - bits) : 0;
}

/* A USDC vault (6 + 12 decimals) holding `assets` for `supply` shares, fee 2 %/yr. */
static struct ledger_vault usdc(money_u128 assets, money_u128 supply) {
  struct ledger_vault v = {0};
  v.total_assets = assets;
  v.total_supply = supply;
  v.asset_decimals = 6;
  v.decimals_offset = 12;
  v.flags = LEDGER_ALL_ENABLED;
  v.mgmt_fee_rate = LEDGER_WAD / 50;
  v.fee_accrued_ms = T0;
  return v;
}

TEST(fee_zero_dt_mints_nothing) {
  for (int i = 0; i < 5000; i++) {
    struct ledger_vault v = usdc(fee_rnd_bits((unsigned)(fee_rnd() % 100)),
                                 fee_rnd_bits((unsigned)(fee_rnd() % 120)));
    v.mgmt_fee_rate = (money_u128)(fee_rnd() % 4) * LEDGER_WAD / 3;
    v.fee_accrued_ms = T0 + (int64_t)(fee_rnd() % 1000000);
    struct ledger_vault out;
    money_u128 minted = 1, pending = 1;
    REQUIRE(ledger_accrue(&v, v.fee_accrued_ms, &out, &minted) == LEDGER_OK);
    REQUIRE(ledger_fee_pending(&v, v.fee_accrued_ms, &pending) == LEDGER_OK);
    CHECK_U128_EQ(minted, 0);
    CHECK_U128_EQ(pending, 0);
    CHECK_U128_EQ(out.total_supply, v.total_supply);
    CHECK_U128_EQ(out.total_assets, v.total_assets);
    /* And an operation at the accrual time mints no fee shares either. */
    struct ledger_result r;
    if (ledger_deposit(&v, v.fee_accrued_ms, 1000000, LEDGER_NO_MIN, &r) == LEDGER_OK)
      CHECK_U128_EQ(r.fee_shares, 0);
  }
}

TEST(fee_two_percent_one_year) {
  /* 1M shares, one year at 2 %: S*0.02/0.98 = 20408.163265306122448979... shares. */
  struct ledger_vault v = usdc(1000000 * (money_u128)1000000, 1000000 * E18), out;
  money_u128 minted;
  REQUIRE(ledger_accrue(&v, T0 + LEDGER_YEAR_MS, &out, &minted) == LEDGER_OK);
  CHECK_U128_EQ(minted, (money_u128)20408163265306122ULL * 1000000 + 448979);
  CHECK_U128_EQ(out.total_supply, v.total_supply + minted);
  CHECK_U128_EQ(out.total_assets, v.total_assets); /* dilution: assets do not move */
  CHECK(out.fee_accrued_ms == T0 + LEDGER_YEAR_MS);
  /* The fee account holds 2 % of the new supply, to within the rounding of one unit. */
  money_u128 two_pct = out.total_supply / 50;
  CHECK(minted <= two_pct && two_pct - minted <= 1);
  /* Half a year, twice, mints no more than a year at once (dilution compounds down). */
  struct ledger_vault half;
  money_u128 m1, m2;
  REQUIRE(ledger_accrue(&v, T0 + LEDGER_YEAR_MS / 2, &half, &m1) == LEDGER_OK);
  REQUIRE(ledger_accrue(&half, T0 + LEDGER_YEAR_MS, &out, &m2) == LEDGER_OK);
  CHECK(m1 + m2 <= minted);
}

TEST(fee_rounds_down_in_holders_favour) {
  for (int i = 0; i < 5000; i++) {
    struct ledger_vault v = usdc(fee_rnd_bits(80), fee_rnd_bits((unsigned)(fee_rnd() % 110)));
    v.mgmt_fee_rate = fee_rnd() % (LEDGER_WAD + 1);
    int64_t dt = (int64_t)(fee_rnd() % (uint64_t)LEDGER_YEAR_MS);
    struct ledger_vault out;
    money_u128 minted, pending;
    REQUIRE(ledger_accrue(&v, T0 + dt, &out, &minted) == LEDGER_OK);
    REQUIRE(ledger_fee_pending(&v, T0 + dt, &pending) == LEDGER_OK);
    CHECK_U128_EQ(pending, minted);
    /* minted = floor(S*k/(F-k)), k = rate*dt, F = WAD*year: minted*(F-k) <= S*k. */
    money_u128 k = v.mgmt_fee_rate * (money_u128)dt, f = LEDGER_WAD * (money_u128)LEDGER_YEAR_MS;
    money_u128 lo, hi;
    REQUIRE(money_muldiv_down(v.total_supply, k, f - k, &lo) == MONEY_OK);
    REQUIRE(money_muldiv_up(v.total_supply, k, f - k, &hi) == MONEY_OK);
    CHECK_U128_EQ(minted, lo);
    CHECK(hi - lo <= 1);
  }
}

TEST(fee_accrues_before_every_supply_change) {
  struct ledger_vault v = usdc(500000 * (money_u128)1000000, 400000 * E18), acc;
  struct ledger_owner owner = {100000 * E18, 0, true};
  int64_t now = T0 + 86400000LL * 30;
  money_u128 fee, preview;
  REQUIRE(ledger_accrue(&v, now, &acc, &fee) == LEDGER_OK);
  CHECK(fee > 0);
  struct ledger_result r;
  REQUIRE(ledger_deposit(&v, now, 12345678, LEDGER_NO_MIN, &r) == LEDGER_OK);
  REQUIRE(ledger_preview_deposit(&acc, 12345678, &preview) == LEDGER_OK);
  CHECK_U128_EQ(r.fee_shares, fee);
  CHECK_U128_EQ(r.shares, preview);
  CHECK_U128_EQ(r.vault.total_supply, v.total_supply + fee + preview);
  REQUIRE(ledger_mint(&v, now, 5 * E18, LEDGER_NO_MAX, &r) == LEDGER_OK);
  REQUIRE(ledger_preview_mint(&acc, 5 * E18, &preview) == LEDGER_OK);
  CHECK_U128_EQ(r.fee_shares, fee);
  CHECK_U128_EQ(r.assets, preview);
  REQUIRE(ledger_withdraw(&v, now, &owner, 777777, LEDGER_NO_MAX, &r) == LEDGER_OK);
  REQUIRE(ledger_preview_withdraw(&acc, 777777, &preview) == LEDGER_OK);
  CHECK_U128_EQ(r.fee_shares, fee);
  CHECK_U128_EQ(r.shares, preview);
  REQUIRE(ledger_redeem(&v, now, &owner, 3 * E18, LEDGER_NO_MIN, &r) == LEDGER_OK);
  REQUIRE(ledger_preview_redeem(&acc, 3 * E18, &preview) == LEDGER_OK);
  CHECK_U128_EQ(r.fee_shares, fee);
  CHECK_U128_EQ(r.assets, preview);
  CHECK(r.vault.fee_accrued_ms == now);
  /* On the accrued state the same operation mints no second fee. */
  REQUIRE(ledger_redeem(&acc, now, &owner, 3 * E18, LEDGER_NO_MIN, &r) == LEDGER_OK);
  CHECK_U128_EQ(r.fee_shares, 0);
  CHECK_U128_EQ(r.assets, preview);
}

TEST(fee_errors_leave_output_untouched) {
  struct ledger_vault v = usdc(1000, 1000 * E18), out, untouched;
  money_u128 minted = 42;
  memset(&out, 0x77, sizeof out);
  memset(&untouched, 0x77, sizeof untouched);
  CHECK_INT_EQ(ledger_accrue(&v, T0 - 1, &out, &minted), LEDGER_ECLOCK);
  v.mgmt_fee_rate = LEDGER_WAD; /* 100 %/yr for a whole year: gamma = 1 */
  CHECK_INT_EQ(ledger_accrue(&v, T0 + LEDGER_YEAR_MS, &out, &minted), LEDGER_EFEE_PERIOD);
  CHECK_INT_EQ(ledger_accrue(&v, T0 + LEDGER_YEAR_MS - 1, &out, &minted), LEDGER_OK);
  memset(&out, 0x77, sizeof out);
  minted = 42;
  v.mgmt_fee_rate = LEDGER_WAD + 1;
  CHECK_INT_EQ(ledger_accrue(&v, T0 + 1, &out, &minted), LEDGER_EINVALID);
  CHECK(memcmp(&out, &untouched, sizeof out) == 0);
  CHECK_U128_EQ(minted, 42);
  /* A supply near 2^128: the fee shares do not fit. */
  v = usdc(1000, MONEY_U128_MAX - 1000000000000ULL - 10);
  CHECK_INT_EQ(ledger_accrue(&v, T0 + LEDGER_YEAR_MS, &out, &minted), LEDGER_EOVERFLOW);
  CHECK(memcmp(&out, &untouched, sizeof out) == 0);
  /* An operation after an accrual that fails refuses too, state untouched. */
  struct ledger_result r;
  CHECK_INT_EQ(ledger_deposit(&v, T0 + LEDGER_YEAR_MS, 1, LEDGER_NO_MIN, &r), LEDGER_EOVERFLOW);
}

TEST(perf_fee_hwm_takes_rate_of_gain) {
  /* 1M USDC deposited at 1.0, grown to 1.1M: 10 % of the 100k gain = 10k USDC. */
  struct ledger_vault v = usdc(1100000 * (money_u128)1000000, 1000000 * E18);
  v.mgmt_fee_rate = 0;
  struct ledger_perf_result r;
  money_u128 hwm = 1000000, price;
  REQUIRE(ledger_perf_fee_hwm(&v, T0, hwm, LEDGER_WAD / 10, &r) == LEDGER_OK);
  REQUIRE(ledger_price_per_share(&v, &price) == LEDGER_OK);
  CHECK_U128_EQ(price, 1099999); /* the virtual share and asset round it: 1.099999 */
  /* gain = floor((1099999 - 1000000) * 1e6 shares) = 99999 USDC; fee = 9999.9 USDC. */
  CHECK_U128_EQ(r.perf_fee_assets, 9999900000ULL);
  money_u128 fee_value;
  REQUIRE(ledger_convert_to_assets(&r.vault, r.perf_fee_shares, &fee_value) == LEDGER_OK);
  CHECK(fee_value <= r.perf_fee_assets && r.perf_fee_assets - fee_value <= 1);
  CHECK_U128_EQ(r.vault.total_assets, v.total_assets);
  CHECK_U128_EQ(r.vault.total_supply, v.total_supply + r.perf_fee_shares);
  REQUIRE(ledger_price_per_share(&r.vault, &price) == LEDGER_OK);
  CHECK_U128_EQ(r.hwm, price);
  CHECK_U128_EQ(r.hwm, 1090000); /* 1.1 - 0.01: the holders keep 90 % of the gain */
  /* At the new mark nothing more is due. */
  struct ledger_perf_result again;
  REQUIRE(ledger_perf_fee_hwm(&r.vault, T0, r.hwm, LEDGER_WAD / 10, &again) == LEDGER_OK);
  CHECK_U128_EQ(again.perf_fee_shares, 0);
  CHECK_U128_EQ(again.hwm, r.hwm);
}

TEST(perf_fee_hwm_properties) {
  static const unsigned offs[3] = {0, 10, 12}, decs[3] = {6, 8, 18};
  for (int i = 0; i < 6000; i++) {
    struct ledger_vault v = usdc(fee_rnd_bits((unsigned)(fee_rnd() % 100)),
                                 fee_rnd_bits((unsigned)(fee_rnd() % 100)));
    v.asset_decimals = decs[i % 3];
    v.decimals_offset = offs[(i / 3) % 3];
    v.mgmt_fee_rate = fee_rnd() % 2 ? 0 : LEDGER_WAD / 50;
    money_u128 price0, hwm, rate = fee_rnd() % (LEDGER_WAD + 1);
    if (ledger_price_per_share(&v, &price0) != LEDGER_OK) continue;
    hwm = fee_rnd() % 2 ? fee_rnd_bits(64) % (price0 + 1) : fee_rnd_bits(70);
    struct ledger_perf_result r;
    int64_t now = T0 + (int64_t)(fee_rnd() % 1000000000ULL);
    if (ledger_perf_fee_hwm(&v, now, hwm, rate, &r) != LEDGER_OK) continue;
    money_u128 p_acc, p_after;
    REQUIRE(ledger_price_per_share(&r.vault, &p_after) == LEDGER_OK);
    struct ledger_vault acc;
    money_u128 mf;
    REQUIRE(ledger_accrue(&v, now, &acc, &mf) == LEDGER_OK);
    CHECK_U128_EQ(mf, r.mgmt_fee_shares);
    REQUIRE(ledger_price_per_share(&acc, &p_acc) == LEDGER_OK);
    CHECK(r.hwm >= hwm);                 /* the mark never falls */
    CHECK(p_after <= p_acc);             /* a fee never raises the price */
    if (p_acc <= hwm) {                  /* at or below the mark: no fee */
      CHECK_U128_EQ(r.perf_fee_shares, 0);
      CHECK_U128_EQ(r.hwm, hwm);
    } else {
      CHECK(p_after >= hwm);             /* the fee takes at most the gain */
      money_u128 fee_value;
      REQUIRE(ledger_convert_to_assets(&r.vault, r.perf_fee_shares, &fee_value) == LEDGER_OK);
      CHECK(fee_value <= r.perf_fee_assets); /* rounds against the fee account */
    }
    if (rate == 0) CHECK_U128_EQ(r.perf_fee_shares, 0);
  }
  struct ledger_vault v = usdc(1, 1);
  struct ledger_perf_result r;
  CHECK_INT_EQ(ledger_perf_fee_hwm(&v, T0, 0, LEDGER_WAD + 1, &r), LEDGER_EINVALID);
  CHECK_INT_EQ(ledger_perf_fee_hwm(&v, T0 - 1, 0, LEDGER_WAD, &r), LEDGER_ECLOCK);
}

TEST(spread_fee_floor) {
  money_u128 fee, rest;
  /* SPEC 5.1 fixture: spread 27.599 USDC, 5 % performance: 1.37995 -> 1.379950. */
  REQUIRE(ledger_spread_fee(27599000, LEDGER_WAD / 20, &fee, &rest) == LEDGER_OK);
  CHECK_U128_EQ(fee, 1379950);
  CHECK_U128_EQ(rest, 27599000 - 1379950);
  REQUIRE(ledger_spread_fee(27599999, LEDGER_WAD / 20, &fee, &rest) == LEDGER_OK);
  CHECK_U128_EQ(fee, 1379999); /* 1379999.95 rounds down */
  CHECK_U128_EQ(fee + rest, 27599999);
  REQUIRE(ledger_spread_fee(9, LEDGER_WAD / 5, &fee, &rest) == LEDGER_OK);
  CHECK_U128_EQ(fee, 1); /* 20 % of 9 = 1.8 */
  REQUIRE(ledger_spread_fee(MONEY_U128_MAX, LEDGER_WAD, &fee, &rest) == LEDGER_OK);
  CHECK_U128_EQ(fee, MONEY_U128_MAX);
  CHECK_U128_EQ(rest, 0);
  REQUIRE(ledger_spread_fee(0, LEDGER_WAD / 5, &fee, &rest) == LEDGER_OK);
  CHECK_U128_EQ(fee, 0);
  fee = rest = 7;
  CHECK_INT_EQ(ledger_spread_fee(100, LEDGER_WAD + 1, &fee, &rest), LEDGER_EINVALID);
  CHECK_U128_EQ(fee, 7);
  CHECK_U128_EQ(rest, 7);
}
