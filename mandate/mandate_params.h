/* mandate_params: the per-vault mandate parameters (SPEC 4 "Mandate") and their defaults.
 *
 * Every figure is an integer: durations in ms, ratios in parts per million (MANDATE_PPM =
 * 1.0), strike_diff in USD base units. The config file's decimal keys map one to one:
 * max_loss_pct_tvl 0.05 -> max_loss_pct_tvl_ppm 50000, loss_bound_bp 20 -> loss_bound_ppm
 * 2000 (1 bp = 100 ppm), min_tte_hours 144 -> min_tte_ms, max_tte_days 8 -> max_tte_ms. */
#ifndef OPTDESK_MANDATE_PARAMS_H
#define OPTDESK_MANDATE_PARAMS_H

#include "mandate.h"

struct mandate_params {
  /* Rule 1: the spread's width, USD base units (BTC 2000, ETH 100). */
  money_u128 strike_diff;
  /* Rule 2: time to expiry, both bounds inclusive: min_tte_ms <= expiry - now <= max. */
  int64_t min_tte_ms, max_tte_ms; /* 144 h, 8 d */
  /* Rule 3: spread mark / strike_diff within [min, max], inclusive. */
  uint64_t min_moneyness_ppm, max_moneyness_ppm; /* 5000 (0.005), 200000 (0.2) */
  /* Rule 4: min_price_ratio * mark credit <= credit <= max_price_ratio * mark credit. */
  uint64_t min_price_ratio_ppm; /* 300000 (0.3): the hard backstop */
  uint64_t max_price_ratio_ppm; /* 5000000 (5.0): the fat-finger bound */
  /* Rule 4 (and 7): an oracle value is stale when now - its timestamp > its max age. */
  int64_t spot_max_age_ms;    /* 30 s (SPEC 3) */
  int64_t surface_max_age_ms; /* 5 min (SPEC 3) */
  /* Rule 5: (open + new)·strike_diff <= collateral·spot·max_loss_pct_tvl. */
  uint64_t max_loss_pct_tvl_ppm; /* 50000 (0.05) */
  /* Rule 6: mark loss over the last loss_window_ms <= loss_bound · TVL. */
  uint64_t loss_bound_ppm; /* 2000 (20 bp) */
  int64_t loss_window_ms;  /* 1 h */
  /* Rule 7: buy price <= spot·buy_max, sell price >= spot·sell_min,
   * notional <= |usdc|·notional_max. */
  uint64_t spot_buy_max_ratio_ppm;      /* 1020000 (1.02) */
  uint64_t spot_sell_min_ratio_ppm;     /* 980000 (0.98) */
  uint64_t spot_notional_max_ratio_ppm; /* 1050000 (1.05) */
};

/* The SPEC 4 defaults, with strike_diff the given width (USD base units; BTC 2000000000). */
struct mandate_params mandate_params_default(money_u128 strike_diff);

/* MANDATE_OK when p is usable: strike_diff > 0; 0 <= min_tte_ms <= max_tte_ms;
 * min_moneyness <= max_moneyness; min_price_ratio <= max_price_ratio; max ages >= 0;
 * loss_window_ms > 0; spot_sell_min <= 1.0 <= spot_buy_max. Else MANDATE_EINVALID. */
MANDATE_WUR int mandate_params_check(const struct mandate_params *p);

#endif
