/* mandate_status: the stable names of the mandate's statuses and refusal units. */
#include "mandate.h"

const char *mandate_strerror(int status) {
  switch (status) {
  case MANDATE_OK:
    return "ok";
  case MANDATE_EINVALID:
    return "invalid";
  case MANDATE_EOVERFLOW:
    return "overflow";
  case MANDATE_ELEGS_NOT_TWO:
    return "legs_not_two";
  case MANDATE_ENOT_PUTS:
    return "not_puts";
  case MANDATE_EEXPIRY_MISMATCH:
    return "expiry_mismatch";
  case MANDATE_ESTRIKE_WIDTH:
    return "strike_width";
  case MANDATE_EZERO_AMOUNT:
    return "zero_amount";
  case MANDATE_EAMOUNTS_NOT_OPPOSITE:
    return "amounts_not_opposite";
  case MANDATE_ENOT_NET_SHORT:
    return "not_net_short";
  case MANDATE_ETTE_OUT_OF_BOUNDS:
    return "tte_out_of_bounds";
  case MANDATE_EORACLE_STALE:
    return "oracle_stale";
  case MANDATE_EMONEYNESS_OUT_OF_BAND:
    return "moneyness_out_of_band";
  case MANDATE_EPRICE_BELOW_ORACLE_BOUND:
    return "price_below_oracle_bound";
  case MANDATE_EPRICE_ABOVE_FAT_FINGER:
    return "price_above_fat_finger_bound";
  case MANDATE_ESIZE_ABOVE_TVL_BOUND:
    return "size_above_tvl_bound";
  case MANDATE_EMORE_SPREADS_THAN_COLLATERAL:
    return "more_spreads_than_collateral";
  case MANDATE_ELOSS_BOUND:
    return "loss_bound";
  case MANDATE_ESPOT_SIDE:
    return "spot_side";
  case MANDATE_ESPOT_PRICE_BOUND:
    return "spot_price_bound";
  case MANDATE_ESPOT_NOTIONAL:
    return "spot_notional";
  default:
    return "unknown";
  }
}

int mandate_is_refusal(int status) {
  return status <= MANDATE_ELEGS_NOT_TWO && status >= MANDATE_ESPOT_NOTIONAL;
}

const char *mandate_unit_name(enum mandate_unit unit) {
  switch (unit) {
  case MANDATE_UNIT_COUNT:
    return "count";
  case MANDATE_UNIT_OPTION_TYPE:
    return "option_type";
  case MANDATE_UNIT_TIME_MS:
    return "time_ms";
  case MANDATE_UNIT_DURATION_MS:
    return "duration_ms";
  case MANDATE_UNIT_USD:
    return "usd";
  case MANDATE_UNIT_CONTRACTS:
    return "contracts";
  case MANDATE_UNIT_COLLATERAL:
    return "collateral";
  case MANDATE_UNIT_PPM:
    return "ppm";
  default:
    return "unknown";
  }
}
