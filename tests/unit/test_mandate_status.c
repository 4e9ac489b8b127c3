/* test_mandate_status: the stable names of statuses and units, and the params' defaults. */
#include "mandate_params.h"
#include "testlib.h"

TEST(status_names_are_stable) {
  static const struct {
    int code;
    const char *name;
  } names[] = {
      {MANDATE_OK, "ok"},
      {MANDATE_EINVALID, "invalid"},
      {MANDATE_EOVERFLOW, "overflow"},
      {MANDATE_ELEGS_NOT_TWO, "legs_not_two"},
      {MANDATE_ENOT_PUTS, "not_puts"},
      {MANDATE_EEXPIRY_MISMATCH, "expiry_mismatch"},
      {MANDATE_ESTRIKE_WIDTH, "strike_width"},
      {MANDATE_EZERO_AMOUNT, "zero_amount"},
      {MANDATE_EAMOUNTS_NOT_OPPOSITE, "amounts_not_opposite"},
      {MANDATE_ENOT_NET_SHORT, "not_net_short"},
      {MANDATE_ETTE_OUT_OF_BOUNDS, "tte_out_of_bounds"},
      {MANDATE_EORACLE_STALE, "oracle_stale"},
      {MANDATE_EMONEYNESS_OUT_OF_BAND, "moneyness_out_of_band"},
      {MANDATE_EPRICE_BELOW_ORACLE_BOUND, "price_below_oracle_bound"},
      {MANDATE_EPRICE_ABOVE_FAT_FINGER, "price_above_fat_finger_bound"},
      {MANDATE_ESIZE_ABOVE_TVL_BOUND, "size_above_tvl_bound"},
      {MANDATE_EMORE_SPREADS_THAN_COLLATERAL, "more_spreads_than_collateral"},
      {MANDATE_ELOSS_BOUND, "loss_bound"},
      {MANDATE_ESPOT_SIDE, "spot_side"},
      {MANDATE_ESPOT_PRICE_BOUND, "spot_price_bound"},
      {MANDATE_ESPOT_NOTIONAL, "spot_notional"},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    CHECK_STR_EQ(mandate_strerror(names[i].code), names[i].name);
    CHECK_INT_EQ(mandate_is_refusal(names[i].code), i >= 3);
  }
  CHECK_STR_EQ(mandate_strerror(-9), "unknown");
  CHECK_STR_EQ(mandate_strerror(-28), "unknown");
  CHECK_INT_EQ(mandate_is_refusal(-9), 0);
  CHECK_INT_EQ(mandate_is_refusal(-28), 0);
}

TEST(unit_names_are_stable) {
  CHECK_STR_EQ(mandate_unit_name(MANDATE_UNIT_COUNT), "count");
  CHECK_STR_EQ(mandate_unit_name(MANDATE_UNIT_OPTION_TYPE), "option_type");
  CHECK_STR_EQ(mandate_unit_name(MANDATE_UNIT_TIME_MS), "time_ms");
  CHECK_STR_EQ(mandate_unit_name(MANDATE_UNIT_DURATION_MS), "duration_ms");
  CHECK_STR_EQ(mandate_unit_name(MANDATE_UNIT_USD), "usd");
  CHECK_STR_EQ(mandate_unit_name(MANDATE_UNIT_CONTRACTS), "contracts");
  CHECK_STR_EQ(mandate_unit_name(MANDATE_UNIT_COLLATERAL), "collateral");
  CHECK_STR_EQ(mandate_unit_name(MANDATE_UNIT_PPM), "ppm");
  CHECK_STR_EQ(mandate_unit_name((enum mandate_unit)99), "unknown");
}

TEST(params_defaults_are_spec_4) {
  struct mandate_params p = mandate_params_default(2000000000u);
  CHECK_U128_EQ(p.strike_diff, 2000000000u);
  CHECK_INT_EQ(p.min_tte_ms, 144 * INT64_C(3600000));
  CHECK_INT_EQ(p.max_tte_ms, 8 * INT64_C(86400000));
  CHECK_INT_EQ(p.min_moneyness_ppm, 5000);
  CHECK_INT_EQ(p.max_moneyness_ppm, 200000);
  CHECK_INT_EQ(p.min_price_ratio_ppm, 300000);
  CHECK_INT_EQ(p.max_price_ratio_ppm, 5000000);
  CHECK_INT_EQ(p.spot_max_age_ms, 30000);
  CHECK_INT_EQ(p.surface_max_age_ms, 300000);
  CHECK_INT_EQ(p.max_loss_pct_tvl_ppm, 50000);
  CHECK_INT_EQ(p.loss_bound_ppm, 2000);
  CHECK_INT_EQ(p.loss_window_ms, 3600000);
  CHECK_INT_EQ(p.spot_buy_max_ratio_ppm, 1020000);
  CHECK_INT_EQ(p.spot_sell_min_ratio_ppm, 980000);
  CHECK_INT_EQ(p.spot_notional_max_ratio_ppm, 1050000);
  CHECK_INT_EQ(mandate_params_check(&p), MANDATE_OK);
}

TEST(params_check_refuses_nonsense) {
  const struct mandate_params d = mandate_params_default(2000000000u);
  struct mandate_params p;
  CHECK_INT_EQ(mandate_params_check(NULL), MANDATE_EINVALID);
  p = d, p.strike_diff = 0;
  CHECK_INT_EQ(mandate_params_check(&p), MANDATE_EINVALID);
  p = d, p.min_tte_ms = p.max_tte_ms + 1;
  CHECK_INT_EQ(mandate_params_check(&p), MANDATE_EINVALID);
  p = d, p.min_tte_ms = -1;
  CHECK_INT_EQ(mandate_params_check(&p), MANDATE_EINVALID);
  p = d, p.min_moneyness_ppm = p.max_moneyness_ppm + 1;
  CHECK_INT_EQ(mandate_params_check(&p), MANDATE_EINVALID);
  p = d, p.min_price_ratio_ppm = p.max_price_ratio_ppm + 1;
  CHECK_INT_EQ(mandate_params_check(&p), MANDATE_EINVALID);
  p = d, p.spot_max_age_ms = -1;
  CHECK_INT_EQ(mandate_params_check(&p), MANDATE_EINVALID);
  p = d, p.loss_window_ms = 0;
  CHECK_INT_EQ(mandate_params_check(&p), MANDATE_EINVALID);
  p = d, p.spot_buy_max_ratio_ppm = MANDATE_PPM - 1;
  CHECK_INT_EQ(mandate_params_check(&p), MANDATE_EINVALID);
  p = d, p.spot_sell_min_ratio_ppm = MANDATE_PPM + 1;
  CHECK_INT_EQ(mandate_params_check(&p), MANDATE_EINVALID);
  p = d, p.min_tte_ms = p.max_tte_ms; /* a single allowed tte is fine */
  CHECK_INT_EQ(mandate_params_check(&p), MANDATE_OK);
}
