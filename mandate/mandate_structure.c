/* mandate_structure: rule 1, two put legs of one expiry, strike_diff apart, sold net short. */
#include "mandate_structure.h"

#include "mandate_util.h"

/* A leg's amount signed from the vault's side: + bought, - sold (clamped for display). */
static money_i128 signed_amount(const struct mandate_leg *l) {
  money_i128 a = mandate_shown(l->amount);
  return l->side == MANDATE_BUY ? a : -a;
}

/* The rules on a valid p and a two-leg array; fills *r on a refusal. */
static int check_legs(const struct mandate_params *p, const struct mandate_leg *legs, size_t n_legs,
                      struct mandate_refusal *r) {
  if (n_legs != 2)
    return mandate_refuse(r, MANDATE_ELEGS_NOT_TWO, -1, "legs", MANDATE_UNIT_COUNT,
                          mandate_shown(n_legs), 2);
  for (int i = 0; i < 2; i++)
    if (legs[i].type != MANDATE_PUT)
      return mandate_refuse(r, MANDATE_ENOT_PUTS, i, "option_type", MANDATE_UNIT_OPTION_TYPE,
                            (money_i128)legs[i].type, MANDATE_PUT);
  if (legs[1].expiry_ms != legs[0].expiry_ms)
    return mandate_refuse(r, MANDATE_EEXPIRY_MISMATCH, 1, "expiry_ms", MANDATE_UNIT_TIME_MS,
                          legs[1].expiry_ms, legs[0].expiry_ms);
  int k1 = legs[0].strike >= legs[1].strike ? 0 : 1; /* the higher strike */
  money_u128 width = legs[k1].strike - legs[1 - k1].strike;
  if (width != p->strike_diff)
    return mandate_refuse(r, MANDATE_ESTRIKE_WIDTH, -1, "strike_width", MANDATE_UNIT_USD,
                          mandate_shown(width), mandate_shown(p->strike_diff));
  for (int i = 0; i < 2; i++)
    if (legs[i].amount == 0)
      return mandate_refuse(r, MANDATE_EZERO_AMOUNT, i, "amount", MANDATE_UNIT_CONTRACTS, 0, 1);
  if (legs[0].side == legs[1].side || legs[0].amount != legs[1].amount ||
      (legs[0].side != MANDATE_BUY && legs[0].side != MANDATE_SELL) ||
      (legs[1].side != MANDATE_BUY && legs[1].side != MANDATE_SELL))
    return mandate_refuse(r, MANDATE_EAMOUNTS_NOT_OPPOSITE, 1, "signed_amount",
                          MANDATE_UNIT_CONTRACTS, signed_amount(&legs[1]),
                          -signed_amount(&legs[0]));
  if (legs[k1].side != MANDATE_SELL)
    return mandate_refuse(r, MANDATE_ENOT_NET_SHORT, k1, "k1_signed_amount", MANDATE_UNIT_CONTRACTS,
                          signed_amount(&legs[k1]), -signed_amount(&legs[k1]));
  return MANDATE_OK;
}

int mandate_check_structure(const struct mandate_params *p, const struct mandate_leg *legs,
                            size_t n_legs, struct mandate_refusal *why) {
  if (why == NULL || (legs == NULL && n_legs > 0)) return MANDATE_EINVALID;
  int st = mandate_params_check(p);
  if (st != MANDATE_OK) return st;
  struct mandate_refusal r;
  st = check_legs(p, legs, n_legs, &r);
  if (mandate_is_refusal(st)) *why = r;
  return st;
}
