/* mandate_params: the SPEC 4 mandate defaults and the parameters' sanity check. */
#include "mandate_params.h"

#include <stddef.h>

struct mandate_params mandate_params_default(money_u128 strike_diff) {
  struct mandate_params p = {
      .strike_diff = strike_diff,
      .min_tte_ms = 144 * MANDATE_HOUR_MS,
      .max_tte_ms = 8 * MANDATE_DAY_MS,
      .min_moneyness_ppm = 5000,
      .max_moneyness_ppm = 200000,
      .min_price_ratio_ppm = 300000,
      .max_price_ratio_ppm = 5000000,
      .spot_max_age_ms = 30 * INT64_C(1000),
      .surface_max_age_ms = 300 * INT64_C(1000),
      .max_loss_pct_tvl_ppm = 50000,
      .loss_bound_ppm = 2000,
      .loss_window_ms = MANDATE_HOUR_MS,
      .spot_buy_max_ratio_ppm = 1020000,
      .spot_sell_min_ratio_ppm = 980000,
      .spot_notional_max_ratio_ppm = 1050000,
  };
  return p;
}

int mandate_params_check(const struct mandate_params *p) {
  if (p == NULL) return MANDATE_EINVALID;
  if (p->strike_diff == 0) return MANDATE_EINVALID;
  if (p->min_tte_ms < 0 || p->min_tte_ms > p->max_tte_ms) return MANDATE_EINVALID;
  if (p->min_moneyness_ppm > p->max_moneyness_ppm) return MANDATE_EINVALID;
  if (p->min_price_ratio_ppm > p->max_price_ratio_ppm) return MANDATE_EINVALID;
  if (p->spot_max_age_ms < 0 || p->surface_max_age_ms < 0) return MANDATE_EINVALID;
  if (p->loss_window_ms <= 0) return MANDATE_EINVALID;
  if (p->spot_sell_min_ratio_ppm > MANDATE_PPM || p->spot_buy_max_ratio_ppm < MANDATE_PPM)
    return MANDATE_EINVALID;
  return MANDATE_OK;
}
