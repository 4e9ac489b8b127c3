/* ledger_convert: state checks and the share/asset conversions with a virtual offset. */
#include "ledger.h"

#include <assert.h>

const char *ledger_strerror(int status) {
  switch (status) {
  case LEDGER_OK: return "ok";
  case LEDGER_EOVERFLOW: return "overflow";
  case LEDGER_EINVALID: return "invalid";
  case LEDGER_EDISABLED: return "disabled";
  case LEDGER_EZERO: return "zero";
  case LEDGER_EBALANCE: return "insufficient_shares";
  case LEDGER_EALLOWANCE: return "insufficient_allowance";
  case LEDGER_EILLIQUID: return "insufficient_free_assets";
  case LEDGER_EMIN_SHARES_OUT: return "min_shares_out";
  case LEDGER_EMAX_ASSETS_IN: return "max_assets_in";
  case LEDGER_EMAX_SHARES_IN: return "max_shares_in";
  case LEDGER_EMIN_ASSETS_OUT: return "min_assets_out";
  case LEDGER_ECLOCK: return "clock_before_last_accrual";
  case LEDGER_EFEE_PERIOD: return "fee_period_too_long";
  default: return "unknown";
  }
}

int ledger_vault_check(const struct ledger_vault *v) {
  money_u128 virt;
  if (money_pow10(v->decimals_offset, &virt) != MONEY_OK) return LEDGER_EINVALID;
  if ((v->flags & ~(unsigned)LEDGER_ALL_ENABLED) != 0) return LEDGER_EINVALID;
  if (v->mgmt_fee_rate > LEDGER_WAD) return LEDGER_EINVALID;
  if (v->total_assets == MONEY_U128_MAX) return LEDGER_EOVERFLOW; /* A + 1 */
  if (v->total_supply > MONEY_U128_MAX - virt) return LEDGER_EOVERFLOW; /* S + V */
  return LEDGER_OK;
}

unsigned ledger_share_decimals(const struct ledger_vault *v) {
  return v->asset_decimals + v->decimals_offset;
}

money_u128 ledger_free_assets(const struct ledger_vault *v) {
  return v->locked_assets >= v->total_assets ? 0 : v->total_assets - v->locked_assets;
}

/* The two sides of the exchange rate: S + V shares for A + 1 assets. */
static int rate_terms(const struct ledger_vault *v, money_u128 *shares_side,
                      money_u128 *assets_side) {
  int rc = ledger_vault_check(v);
  if (rc != LEDGER_OK) return rc;
  money_u128 virt;
  rc = money_pow10(v->decimals_offset, &virt);
  assert(rc == MONEY_OK); /* checked above */
  *shares_side = v->total_supply + virt;
  *assets_side = v->total_assets + 1;
  return LEDGER_OK;
}

/* Map a mul-div status: the divisors here are never 0, so only overflow can fail. */
static int from_money(int rc) {
  assert(rc == MONEY_OK || rc == MONEY_EOVERFLOW);
  return rc == MONEY_OK ? LEDGER_OK : LEDGER_EOVERFLOW;
}

int ledger_to_shares_down(const struct ledger_vault *v, money_u128 assets, money_u128 *shares) {
  money_u128 ns, na;
  int rc = rate_terms(v, &ns, &na);
  if (rc != LEDGER_OK) return rc;
  return from_money(money_muldiv_down(assets, ns, na, shares));
}

int ledger_to_shares_up(const struct ledger_vault *v, money_u128 assets, money_u128 *shares) {
  money_u128 ns, na;
  int rc = rate_terms(v, &ns, &na);
  if (rc != LEDGER_OK) return rc;
  return from_money(money_muldiv_up(assets, ns, na, shares));
}

int ledger_to_assets_down(const struct ledger_vault *v, money_u128 shares, money_u128 *assets) {
  money_u128 ns, na;
  int rc = rate_terms(v, &ns, &na);
  if (rc != LEDGER_OK) return rc;
  return from_money(money_muldiv_down(shares, na, ns, assets));
}

int ledger_to_assets_up(const struct ledger_vault *v, money_u128 shares, money_u128 *assets) {
  money_u128 ns, na;
  int rc = rate_terms(v, &ns, &na);
  if (rc != LEDGER_OK) return rc;
  return from_money(money_muldiv_up(shares, na, ns, assets));
}

int ledger_convert_to_shares(const struct ledger_vault *v, money_u128 assets,
                             money_u128 *shares) {
  return ledger_to_shares_down(v, assets, shares);
}

int ledger_convert_to_assets(const struct ledger_vault *v, money_u128 shares,
                             money_u128 *assets) {
  return ledger_to_assets_down(v, shares, assets);
}

int ledger_price_per_share(const struct ledger_vault *v, money_u128 *price) {
  money_u128 one_share;
  if (money_pow10(ledger_share_decimals(v), &one_share) != MONEY_OK) return LEDGER_EINVALID;
  return ledger_to_assets_down(v, one_share, price);
}
