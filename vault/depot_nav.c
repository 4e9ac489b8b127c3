/* depot_nav: value of the open shorts, net asset value, price per share. */
#include "depot_nav.h"

#include "calendar.h"
#include "to_money.h"

static int unsettled(const struct depot_book *b, int64_t now_ms) {
  return b->n_positions > 0 && b->positions[0].maturity_ms <= now_ms;
}

int depot_shorts_value(const struct depot_params *p, const struct depot_book *b, money_u128 spot,
                       double rate, int64_t now_ms, depot_vol_fn vol, void *ctx,
                       money_u128 *value) {
  int rc;
  if ((rc = depot_params_check(p)) != DEPOT_OK) return rc;
  if ((rc = depot_book_check(b)) != DEPOT_OK) return rc;
  if (!vol) return DEPOT_EINVALID;
  if (unsettled(b, now_ms)) return DEPOT_EUNSETTLED;
  money_u128 sum = 0;
  for (size_t i = 0; i < b->n_positions; i++) {
    const struct depot_position *q = &b->positions[i];
    double tau = pricing_tau_years(now_ms, q->maturity_ms), sigma, fair, delta;
    money_u128 v;
    if (vol(ctx, q->strike, q->maturity_ms, tau, &sigma) != 0) return DEPOT_EMARKET;
    rc = depot_fair_value(p, spot, q->strike, tau, sigma, rate, &fair, &delta);
    if (rc != DEPOT_OK) return rc;
    /* A liability: rounded up. */
    rc = pricing_to_money_up(fair * ((double)q->size / 1e8), p->asset_decimals, &v);
    if (rc != PRICING_OK) return rc == PRICING_EOVERFLOW ? DEPOT_EOVERFLOW : DEPOT_EMARKET;
    if (money_add(sum, v, &sum) != MONEY_OK) return DEPOT_EOVERFLOW;
  }
  *value = sum;
  return DEPOT_OK;
}

int depot_nav(const struct depot_book *b, int64_t now_ms, money_u128 shorts_value,
              money_u128 *nav) {
  money_u128 spread, n;
  int rc;
  if ((rc = depot_book_check(b)) != DEPOT_OK) return rc;
  if (unsettled(b, now_ms)) return DEPOT_EUNSETTLED;
  if ((rc = depot_locked_spread(b, now_ms, &spread)) != DEPOT_OK) return rc;
  if (money_sub(b->total_assets, spread, &n) != MONEY_OK) return DEPOT_EBOOK;
  *nav = n > shorts_value ? n - shorts_value : 0;
  return DEPOT_OK;
}

int depot_price_per_share(const struct depot_params *p, const struct depot_book *b, int64_t now_ms,
                          money_u128 shorts_value, money_u128 supply, money_u128 pending_fee_shares,
                          unsigned share_decimals, money_u128 *price) {
  money_u128 nav, shares, one_share, r;
  int rc;
  if ((rc = depot_params_check(p)) != DEPOT_OK) return rc;
  if (share_decimals > MONEY_MAX_DECIMALS) return DEPOT_EINVALID;
  if ((rc = depot_nav(b, now_ms, shorts_value, &nav)) != DEPOT_OK) return rc;
  if (money_add(supply, pending_fee_shares, &shares) != MONEY_OK) return DEPOT_EOVERFLOW;
  if (shares == 0) {
    if (money_pow10(p->asset_decimals, &r) != MONEY_OK) return DEPOT_EINVALID;
  } else {
    if (money_pow10(share_decimals, &one_share) != MONEY_OK) return DEPOT_EINVALID;
    if (money_muldiv_down(nav, one_share, shares, &r) != MONEY_OK) return DEPOT_EOVERFLOW;
  }
  *price = r;
  return DEPOT_OK;
}
