/* ledger_exec: deposit, mint, withdraw and redeem on a vault state (fee accrued first). */
#include "ledger_fee.h"
#include "ledger_ops.h"

#include <string.h>

/* Accrue the management fee and check the action is open: the common first step. */
static int begin(const struct ledger_vault *v, int64_t now_ms, unsigned flag,
                 struct ledger_vault *w, money_u128 *fee_shares) {
  int rc = ledger_accrue(v, now_ms, w, fee_shares);
  if (rc != LEDGER_OK) return rc;
  return (w->flags & flag) ? LEDGER_OK : LEDGER_EDISABLED;
}

/* The state after adding (deposit, mint) or removing (withdraw, redeem) assets and shares;
 * EOVERFLOW when it would no longer fit (A + 1 or S + V). */
static int apply(const struct ledger_vault *w, bool add, money_u128 assets, money_u128 shares,
                 struct ledger_vault *after) {
  struct ledger_vault n = *w;
  int rc;
  if (add) {
    rc = money_add(n.total_assets, assets, &n.total_assets);
    if (rc == MONEY_OK) rc = money_add(n.total_supply, shares, &n.total_supply);
  } else {
    rc = money_sub(n.total_assets, assets, &n.total_assets);
    if (rc == MONEY_OK) rc = money_sub(n.total_supply, shares, &n.total_supply);
  }
  if (rc != MONEY_OK) return LEDGER_EOVERFLOW;
  rc = ledger_vault_check(&n);
  if (rc != LEDGER_OK) return rc;
  *after = n;
  return LEDGER_OK;
}

/* The owner may give up `shares`: holds them and, if not the caller, is allowed to. */
static int spend(const struct ledger_vault *w, const struct ledger_owner *owner,
                 money_u128 shares, struct ledger_owner *after) {
  if (owner->shares > w->total_supply) return LEDGER_EINVALID;
  if (shares > owner->shares) return LEDGER_EBALANCE;
  struct ledger_owner o = *owner;
  o.shares -= shares;
  if (!o.is_caller && o.allowance != LEDGER_ALLOWANCE_UNLIMITED) {
    if (shares > o.allowance) return LEDGER_EALLOWANCE;
    o.allowance -= shares;
  }
  *after = o;
  return LEDGER_OK;
}

static void finish(struct ledger_result *out, const struct ledger_vault *after,
                   money_u128 assets, money_u128 shares, money_u128 fee_shares,
                   const struct ledger_owner *owner) {
  memset(out, 0, sizeof *out);
  out->vault = *after;
  out->assets = assets;
  out->shares = shares;
  out->fee_shares = fee_shares;
  if (owner) out->owner = *owner;
}

int ledger_deposit(const struct ledger_vault *v, int64_t now_ms, money_u128 assets,
                   money_u128 min_shares_out, struct ledger_result *out) {
  struct ledger_vault w, after;
  money_u128 fee, shares;
  int rc = begin(v, now_ms, LEDGER_DEPOSIT_ENABLED, &w, &fee);
  if (rc != LEDGER_OK) return rc;
  if ((rc = ledger_preview_deposit(&w, assets, &shares)) != LEDGER_OK) return rc;
  if (shares == 0) return LEDGER_EZERO; /* also covers assets == 0 */
  if (shares < min_shares_out) return LEDGER_EMIN_SHARES_OUT;
  if ((rc = apply(&w, true, assets, shares, &after)) != LEDGER_OK) return rc;
  finish(out, &after, assets, shares, fee, NULL);
  return LEDGER_OK;
}

int ledger_mint(const struct ledger_vault *v, int64_t now_ms, money_u128 shares,
                money_u128 max_assets_in, struct ledger_result *out) {
  struct ledger_vault w, after;
  money_u128 fee, assets;
  int rc = begin(v, now_ms, LEDGER_MINT_ENABLED, &w, &fee);
  if (rc != LEDGER_OK) return rc;
  if (shares == 0) return LEDGER_EZERO;
  if ((rc = ledger_preview_mint(&w, shares, &assets)) != LEDGER_OK) return rc;
  /* assets >= 1 here: ceil(shares * (A+1) / (S+V)) with both factors >= 1. */
  if (assets > max_assets_in) return LEDGER_EMAX_ASSETS_IN;
  if ((rc = apply(&w, true, assets, shares, &after)) != LEDGER_OK) return rc;
  finish(out, &after, assets, shares, fee, NULL);
  return LEDGER_OK;
}

int ledger_withdraw(const struct ledger_vault *v, int64_t now_ms,
                    const struct ledger_owner *owner, money_u128 assets,
                    money_u128 max_shares_in, struct ledger_result *out) {
  struct ledger_vault w, after;
  struct ledger_owner o;
  money_u128 fee, shares;
  int rc = begin(v, now_ms, LEDGER_WITHDRAW_ENABLED, &w, &fee);
  if (rc != LEDGER_OK) return rc;
  if (assets == 0) return LEDGER_EZERO;
  if ((rc = ledger_preview_withdraw(&w, assets, &shares)) != LEDGER_OK) return rc;
  if ((rc = spend(&w, owner, shares, &o)) != LEDGER_OK) return rc;
  if (assets > ledger_free_assets(&w)) return LEDGER_EILLIQUID;
  if (shares > max_shares_in) return LEDGER_EMAX_SHARES_IN;
  if ((rc = apply(&w, false, assets, shares, &after)) != LEDGER_OK) return rc;
  finish(out, &after, assets, shares, fee, &o);
  return LEDGER_OK;
}

int ledger_redeem(const struct ledger_vault *v, int64_t now_ms,
                  const struct ledger_owner *owner, money_u128 shares,
                  money_u128 min_assets_out, struct ledger_result *out) {
  struct ledger_vault w, after;
  struct ledger_owner o;
  money_u128 fee, assets;
  int rc = begin(v, now_ms, LEDGER_REDEEM_ENABLED, &w, &fee);
  if (rc != LEDGER_OK) return rc;
  if (shares == 0) return LEDGER_EZERO;
  if ((rc = spend(&w, owner, shares, &o)) != LEDGER_OK) return rc;
  if ((rc = ledger_preview_redeem(&w, shares, &assets)) != LEDGER_OK) return rc;
  if (assets == 0) return LEDGER_EZERO;
  if (assets > ledger_free_assets(&w)) return LEDGER_EILLIQUID;
  if (assets < min_assets_out) return LEDGER_EMIN_ASSETS_OUT;
  if ((rc = apply(&w, false, assets, shares, &after)) != LEDGER_OK) return rc;
  finish(out, &after, assets, shares, fee, &o);
  return LEDGER_OK;
}
