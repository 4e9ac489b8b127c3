/* ledger_ops: ERC4626 previews, limits and the four operations on a struct ledger_vault.
 *
 * Rounding, always against the caller and for the vault (SPEC 6):
 *   deposit(a)  mints  to_shares_down(a)     mint(s)   takes  to_assets_up(s)
 *   withdraw(a) burns  to_shares_up(a)       redeem(s) pays   to_assets_down(s)
 *
 * Previews and limits read the state exactly as given. The operations first accrue the
 * management fee to now_ms (ledger_fee.h; a no-op when the state is already accrued to
 * now_ms), then execute on the accrued state; so an operation moves exactly the amounts its
 * preview gives on ledger_accrue(v, now_ms) - and on v itself when v is already accrued.
 * Previews ignore limits and flags. Limits never fail: 0 while the action is closed or the
 * state is malformed.
 *
 * An operation refuses (with its own status, state untouched) a closed action, an amount of
 * 0, a deposit that would mint 0 shares and a redeem that would pay 0 assets (EZERO), more
 * shares than the owner holds (EBALANCE), a caller other than the owner without enough
 * allowance (EALLOWANCE), a payout above the free assets (EILLIQUID), a state that would no
 * longer fit (EOVERFLOW), and a tripped slippage guard (one status per guard). */
#ifndef OPTDESK_LEDGER_OPS_H
#define OPTDESK_LEDGER_OPS_H

#include "ledger.h"

/* Slippage guards that guard nothing. */
#define LEDGER_NO_MIN ((money_u128)0)
#define LEDGER_NO_MAX MONEY_U128_MAX
/* An allowance that is never spent (ERC20 convention). */
#define LEDGER_ALLOWANCE_UNLIMITED MONEY_U128_MAX

/* The owner of the shares a withdraw or redeem burns, as the durable side read it. When the
 * owner is the fee account, result.owner.shares does not include the result.fee_shares
 * credited to it in the same call: add them. */
struct ledger_owner {
  money_u128 shares;    /* the owner's share balance */
  money_u128 allowance; /* shares the caller may burn for the owner; ignored when is_caller */
  bool is_caller;       /* the caller is the owner */
};

struct ledger_result {
  struct ledger_vault vault; /* the state after: fee accrued to now, then the operation */
  money_u128 assets;         /* assets in (deposit, mint) or paid out (withdraw, redeem) */
  money_u128 shares;         /* shares minted to the receiver or burned from the owner */
  money_u128 fee_shares;     /* management-fee shares minted to the fee account first */
  struct ledger_owner owner; /* withdraw/redeem: the owner after (balance, allowance);
                                deposit/mint: all zero */
};

/* Previews: the exact amounts the operation would move on this state. EOVERFLOW when the
 * conversion does not fit. */
LEDGER_WUR int ledger_preview_deposit(const struct ledger_vault *v, money_u128 assets,
                                      money_u128 *shares);
LEDGER_WUR int ledger_preview_mint(const struct ledger_vault *v, money_u128 shares,
                                   money_u128 *assets);
LEDGER_WUR int ledger_preview_withdraw(const struct ledger_vault *v, money_u128 assets,
                                       money_u128 *shares);
LEDGER_WUR int ledger_preview_redeem(const struct ledger_vault *v, money_u128 shares,
                                     money_u128 *assets);

/* Limits: the largest amount the operation accepts on this state; every amount from 1 to
 * the limit executes (unless it rounds to 0 shares or assets, EZERO) and limit + 1 does not.
 * A limit that would itself round to 0 shares (deposit) or 0 assets (redeem) is 0.
 * Deposit and mint: bounded only by 128-bit headroom (limit + 1: EOVERFLOW). Withdraw: the
 * owner's shares in assets rounded down, at most the free assets. Redeem: the owner's shares,
 * at most those whose redemption the free assets pay (limit + 1: EBALANCE or EILLIQUID). */
money_u128 ledger_max_deposit(const struct ledger_vault *v);
money_u128 ledger_max_mint(const struct ledger_vault *v);
money_u128 ledger_max_withdraw(const struct ledger_vault *v, money_u128 owner_shares);
money_u128 ledger_max_redeem(const struct ledger_vault *v, money_u128 owner_shares);

/* Deposit `assets` for the receiver; refuses fewer than min_shares_out shares. */
LEDGER_WUR int ledger_deposit(const struct ledger_vault *v, int64_t now_ms, money_u128 assets,
                              money_u128 min_shares_out, struct ledger_result *out);
/* Mint `shares` to the receiver; refuses taking more than max_assets_in assets. */
LEDGER_WUR int ledger_mint(const struct ledger_vault *v, int64_t now_ms, money_u128 shares,
                           money_u128 max_assets_in, struct ledger_result *out);
/* Pay out `assets`, burning the owner's shares; refuses burning more than max_shares_in. */
LEDGER_WUR int ledger_withdraw(const struct ledger_vault *v, int64_t now_ms,
                               const struct ledger_owner *owner, money_u128 assets,
                               money_u128 max_shares_in, struct ledger_result *out);
/* Burn `shares` of the owner for assets; refuses paying fewer than min_assets_out. */
LEDGER_WUR int ledger_redeem(const struct ledger_vault *v, int64_t now_ms,
                             const struct ledger_owner *owner, money_u128 shares,
                             money_u128 min_assets_out, struct ledger_result *out);

#endif
