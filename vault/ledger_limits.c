/* ledger_limits: ERC4626 previews (exact amounts, no limits) and max* limits (never fail). */
#include "ledger_ops.h"

int ledger_preview_deposit(const struct ledger_vault *v, money_u128 assets, money_u128 *shares) {
  return ledger_to_shares_down(v, assets, shares);
}

int ledger_preview_mint(const struct ledger_vault *v, money_u128 shares, money_u128 *assets) {
  return ledger_to_assets_up(v, shares, assets);
}

int ledger_preview_withdraw(const struct ledger_vault *v, money_u128 assets,
                            money_u128 *shares) {
  return ledger_to_shares_up(v, assets, shares);
}

int ledger_preview_redeem(const struct ledger_vault *v, money_u128 shares, money_u128 *assets) {
  return ledger_to_assets_down(v, shares, assets);
}

/* Headroom left by a well-formed state: the assets (keeping A + 1 representable) and the
 * shares (keeping S + V representable) that can still be added, and the rate terms. */
struct headroom {
  money_u128 assets, shares;  /* room to add */
  money_u128 ns, na;          /* S + V, A + 1 */
};

static bool headroom_of(const struct ledger_vault *v, struct headroom *h) {
  money_u128 virt;
  if (ledger_vault_check(v) != LEDGER_OK) return false;
  if (money_pow10(v->decimals_offset, &virt) != MONEY_OK) return false;
  h->ns = v->total_supply + virt;
  h->na = v->total_assets + 1;
  h->assets = MONEY_U128_MAX - h->na;
  h->shares = MONEY_U128_MAX - h->ns;
  return true;
}

money_u128 ledger_max_deposit(const struct ledger_vault *v) {
  struct headroom h;
  if (!(v->flags & LEDGER_DEPOSIT_ENABLED) || !headroom_of(v, &h)) return 0;
  /* deposit(a) mints floor(a*ns/na) <= room ⟺ a*ns < (room+1)*na
   *                                       ⟺ a <= ceil((room+1)*na/ns) - 1.
   * room + 1 cannot overflow: ns >= V >= 1. */
  money_u128 by_shares;
  if (money_muldiv_up(h.shares + 1, h.na, h.ns, &by_shares) != MONEY_OK)
    by_shares = MONEY_U128_MAX;
  else
    by_shares -= 1; /* >= 1: (room+1)*na >= 1 */
  money_u128 limit = by_shares < h.assets ? by_shares : h.assets, shares;
  /* A limit that would mint no share is no limit at all. */
  if (ledger_preview_deposit(v, limit, &shares) != LEDGER_OK || shares == 0) return 0;
  return limit;
}

money_u128 ledger_max_mint(const struct ledger_vault *v) {
  struct headroom h;
  if (!(v->flags & LEDGER_MINT_ENABLED) || !headroom_of(v, &h)) return 0;
  /* mint(s) takes ceil(s*na/ns) <= room ⟺ s*na <= room*ns ⟺ s <= floor(room*ns/na). */
  money_u128 by_assets;
  if (money_muldiv_down(h.assets, h.ns, h.na, &by_assets) != MONEY_OK)
    by_assets = MONEY_U128_MAX;
  return by_assets < h.shares ? by_assets : h.shares;
}

money_u128 ledger_max_withdraw(const struct ledger_vault *v, money_u128 owner_shares) {
  money_u128 assets;
  if (!(v->flags & LEDGER_WITHDRAW_ENABLED)) return 0;
  if (owner_shares > v->total_supply) return 0; /* malformed: nobody holds more than S */
  /* <= A + 1 - 1 since owner_shares < S + V: cannot overflow on a well-formed state. */
  if (ledger_to_assets_down(v, owner_shares, &assets) != LEDGER_OK) return 0;
  money_u128 free_assets = ledger_free_assets(v);
  return assets < free_assets ? assets : free_assets;
}

money_u128 ledger_max_redeem(const struct ledger_vault *v, money_u128 owner_shares) {
  struct headroom h;
  if (!(v->flags & LEDGER_REDEEM_ENABLED) || !headroom_of(v, &h)) return 0;
  if (owner_shares > v->total_supply) return 0; /* malformed: nobody holds more than S */
  /* redeem(s) pays floor(s*na/ns) <= free ⟺ s*na < (free+1)*ns
   *                                     ⟺ s <= ceil((free+1)*ns/na) - 1,
   * which fits (free + 1 <= na) and is >= S when nothing is locked. */
  money_u128 payable;
  if (money_muldiv_up(ledger_free_assets(v) + 1, h.ns, h.na, &payable) != MONEY_OK) return 0;
  payable -= 1; /* >= 0: (free+1)*ns >= 1 */
  money_u128 limit = owner_shares < payable ? owner_shares : payable, assets;
  /* A limit that would pay nothing is no limit at all. */
  if (ledger_preview_redeem(v, limit, &assets) != LEDGER_OK || assets == 0) return 0;
  return limit;
}
