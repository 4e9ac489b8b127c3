/* ledger_fee: management-fee accrual by dilution, high-water-mark and spread performance fees. */
#include "ledger_fee.h"

#include <assert.h>

/* Management-fee shares for supply S over dt ms at rate (WAD):
 * floor(S * rate*dt / (WAD*YEAR - rate*dt)). */
static int mgmt_fee_shares(const struct ledger_vault *v, int64_t now_ms, money_u128 *shares) {
  int rc = ledger_vault_check(v);
  if (rc != LEDGER_OK) return rc;
  if (now_ms < v->fee_accrued_ms) return LEDGER_ECLOCK;
  /* now >= last, so the difference fits in an unsigned 64-bit value. */
  money_u128 dt = (money_u128)((uint64_t)now_ms - (uint64_t)v->fee_accrued_ms);
  if (dt == 0 || v->mgmt_fee_rate == 0 || v->total_supply == 0) {
    *shares = 0;
    return LEDGER_OK;
  }
  /* rate <= 2^60 and dt < 2^64: rate*dt < 2^124 fits; WAD*YEAR < 2^95. */
  money_u128 rate_dt = v->mgmt_fee_rate * dt;
  money_u128 full = LEDGER_WAD * (money_u128)LEDGER_YEAR_MS;
  if (rate_dt >= full) return LEDGER_EFEE_PERIOD;
  rc = money_muldiv_down(v->total_supply, rate_dt, full - rate_dt, shares);
  assert(rc == MONEY_OK || rc == MONEY_EOVERFLOW);
  return rc == MONEY_OK ? LEDGER_OK : LEDGER_EOVERFLOW;
}

int ledger_fee_pending(const struct ledger_vault *v, int64_t now_ms, money_u128 *fee_shares) {
  return mgmt_fee_shares(v, now_ms, fee_shares);
}

int ledger_accrue(const struct ledger_vault *v, int64_t now_ms, struct ledger_vault *out,
                  money_u128 *fee_shares) {
  money_u128 minted;
  int rc = mgmt_fee_shares(v, now_ms, &minted);
  if (rc != LEDGER_OK) return rc;
  struct ledger_vault n = *v;
  if (money_add(n.total_supply, minted, &n.total_supply) != MONEY_OK) return LEDGER_EOVERFLOW;
  n.fee_accrued_ms = now_ms;
  if ((rc = ledger_vault_check(&n)) != LEDGER_OK) return rc;
  *out = n;
  *fee_shares = minted;
  return LEDGER_OK;
}

int ledger_perf_fee_hwm(const struct ledger_vault *v, int64_t now_ms, money_u128 hwm,
                        money_u128 rate, struct ledger_perf_result *out) {
  struct ledger_perf_result r = {0};
  money_u128 price, one_share, virt, gain;
  int rc;
  if (rate > LEDGER_WAD) return LEDGER_EINVALID;
  if ((rc = ledger_accrue(v, now_ms, &r.vault, &r.mgmt_fee_shares)) != LEDGER_OK) return rc;
  if ((rc = ledger_price_per_share(&r.vault, &price)) != LEDGER_OK) return rc;
  r.hwm = hwm;
  if (price <= hwm || rate == 0 || r.vault.total_supply == 0) goto done;

  /* gain = floor((p - hwm) * S / one_share) <= (A + 1) * S / (S + V) < A + 1. */
  rc = money_pow10(ledger_share_decimals(&r.vault), &one_share);
  assert(rc == MONEY_OK); /* price_per_share succeeded */
  rc = money_muldiv_down(price - hwm, r.vault.total_supply, one_share, &gain);
  assert(rc == MONEY_OK);
  rc = money_muldiv_down(gain, rate, LEDGER_WAD, &r.perf_fee_assets);
  assert(rc == MONEY_OK);
  if (r.perf_fee_assets == 0) goto done;

  /* Shares worth fee_assets once minted: f = F * (S + V) / (A + 1 - F), F < A + 1. */
  rc = money_pow10(r.vault.decimals_offset, &virt);
  assert(rc == MONEY_OK);
  rc = money_muldiv_down(r.perf_fee_assets, r.vault.total_supply + virt,
                         r.vault.total_assets + 1 - r.perf_fee_assets, &r.perf_fee_shares);
  if (rc != MONEY_OK) return LEDGER_EOVERFLOW;
  if (money_add(r.vault.total_supply, r.perf_fee_shares, &r.vault.total_supply) != MONEY_OK)
    return LEDGER_EOVERFLOW;
  if ((rc = ledger_vault_check(&r.vault)) != LEDGER_OK) return rc;
  if ((rc = ledger_price_per_share(&r.vault, &price)) != LEDGER_OK) return rc;
  r.hwm = price > hwm ? price : hwm; /* the fee takes at most the gain: price stays >= hwm */

done:
  *out = r;
  return LEDGER_OK;
}

int ledger_spread_fee(money_u128 spread, money_u128 rate, money_u128 *fee, money_u128 *rest) {
  money_u128 f;
  if (rate > LEDGER_WAD) return LEDGER_EINVALID;
  int rc = money_muldiv_down(spread, rate, LEDGER_WAD, &f);
  assert(rc == MONEY_OK); /* rate <= WAD: f <= spread */
  (void)rc;
  *fee = f;
  *rest = spread - f;
  return LEDGER_OK;
}
