/* auction_lot_floor: SPEC 4 numbers: default parameters, lot sizing, the decaying floor. */
#include "auction.h"

const char *auction_strerror(int status) {
  switch (status) {
  case AUCTION_OK:
    return "ok";
  case AUCTION_EINVALID:
    return "invalid";
  case AUCTION_EOVERFLOW:
    return "overflow";
  case AUCTION_ECAPACITY:
    return "capacity";
  case AUCTION_ENOMEM:
    return "no_memory";
  case AUCTION_ECLOCK:
    return "clock_backwards";
  case AUCTION_ERFQ_UNKNOWN:
    return "rfq_unknown";
  case AUCTION_ERFQ_NOT_OPEN:
    return "rfq_not_open";
  case AUCTION_EQUOTE_UNKNOWN:
    return "quote_unknown";
  case AUCTION_EQUOTE_DUPLICATE:
    return "quote_duplicate";
  case AUCTION_EQUOTE_BUSY:
    return "quote_executing";
  case AUCTION_ENOT_EXECUTING:
    return "not_executing";
  case AUCTION_ENO_RFQ:
    return "no_rfq";
  case AUCTION_ENO_MARK:
    return "no_mark";
  default:
    return "unknown";
  }
}

void auction_params_default(struct auction_params *out) {
  *out = (struct auction_params){
      .lot_size = 2 * AUCTION_CONTRACT,
      .lot_rounding = AUCTION_CONTRACT,
      .rfq_life_ms = 120000,
      .grace_ms = 15000,
      .hard_stop_ms = 7200000,
      .backoff_base_ms = 4000,
      .min_credit = 20 * AUCTION_USD,
      .max_credit = 2000 * AUCTION_USD,
      .floor_slope_ppm_per_min = 500000,
      .floor_spread_cap_ppm = AUCTION_PPM,
  };
}

int auction_params_check(const struct auction_params *p) {
  if (!p) return AUCTION_EINVALID;
  if (p->lot_rounding == 0 || p->lot_size < p->lot_rounding) return AUCTION_EINVALID;
  if (p->rfq_life_ms <= 0 || p->grace_ms < 0 || p->grace_ms >= p->rfq_life_ms)
    return AUCTION_EINVALID;
  if (p->hard_stop_ms <= 0 || p->backoff_base_ms < 0) return AUCTION_EINVALID;
  if (p->min_credit > p->max_credit) return AUCTION_EINVALID;
  if (p->lowest_wins && p->floor_slope_ppm_per_min != 0) return AUCTION_EINVALID;
  return AUCTION_OK;
}

int auction_lot_amount(const struct auction_params *p, money_u128 remaining, money_u128 *out) {
  if (auction_params_check(p) != AUCTION_OK || !out) return AUCTION_EINVALID;
  money_u128 lot = remaining < p->lot_size ? remaining : p->lot_size;
  *out = lot - lot % p->lot_rounding;
  return AUCTION_OK;
}

/* ---- the floor (integer semantics in auction.h) -------------------------------------- */

int auction_spread_ppm(const struct auction_params *p, int64_t elapsed_ms, uint32_t *out) {
  if (!p || !out) return AUCTION_EINVALID;
  uint32_t spread = 0;
  if (elapsed_ms > 0) {
    /* < 2^63 * 2^32: fits; rounded down (the smaller spread keeps the floor higher). */
    money_u128 s = (money_u128)elapsed_ms * p->floor_slope_ppm_per_min / 60000u;
    spread = s < p->floor_spread_cap_ppm ? (uint32_t)s : p->floor_spread_cap_ppm;
  }
  *out = spread;
  return AUCTION_OK;
}

int auction_floor(const struct auction_params *p, money_u128 mark_credit, int64_t elapsed_ms,
                  money_u128 *out) {
  if (auction_params_check(p) != AUCTION_OK || !out) return AUCTION_EINVALID;
  uint32_t spread;
  int rc = auction_spread_ppm(p, elapsed_ms, &spread);
  if (rc != AUCTION_OK) return rc;
  money_u128 f;
  /* mark / (1 + spread), rounded up: the higher floor is the vault's side. */
  if (money_muldiv_up(mark_credit, AUCTION_PPM, (money_u128)AUCTION_PPM + spread, &f) != MONEY_OK)
    return AUCTION_EOVERFLOW; /* cannot happen: the divisor exceeds the multiplier */
  if (f < p->min_credit) f = p->min_credit;
  if (f > p->max_credit) f = p->max_credit;
  *out = f;
  return AUCTION_OK;
}
