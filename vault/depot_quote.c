/* depot_quote: preconditions, the ten filters in SPEC 5.1's order, then premium + spread + fee. */
#include "depot_quote.h"

#include <assert.h>
#include <math.h>

#include "clevel.h"
#include "ledger.h"
#include "mint_fee.h"
#include "strike_grid.h"
#include "to_money.h"

static int market_ok(const struct depot_market *m) {
  return m->spot > 0 && isfinite(m->sigma) && m->sigma > 0 && isfinite(m->rate) && m->now_ms >= 0 &&
         m->now_ms <= DEPOT_TIME_MAX;
}

static int refuse(struct depot_refusal *out, struct depot_refusal *r, int code) {
  r->code = code;
  *out = *r;
  return code;
}

/* The price of the option once every filter before the premium cap has passed. */
static int price(const struct depot_params *p, const struct depot_book *b,
                 const struct depot_market *m, const struct depot_request *req,
                 struct depot_quote *q) {
  money_u128 u_after_num, cw;
  int rc;
  /* premium = floor(fair * size): one conversion of the model value. */
  rc = pricing_to_money_down(q->fair * ((double)req->size / 1e8), p->asset_decimals, &q->premium);
  if (rc != PRICING_OK) return rc == PRICING_EOVERFLOW ? DEPOT_EOVERFLOW : DEPOT_EMARKET;

  /* Utilisation before and after; the funds filter passed, so total > locked + collateral. */
  if (money_add(b->locked, q->collateral, &u_after_num) != MONEY_OK) return DEPOT_EOVERFLOW;
  assert(b->total_assets > u_after_num);
  q->u_before = (double)b->locked / (double)b->total_assets;
  q->u_after = (double)u_after_num / (double)b->total_assets;
  if (q->u_after > 1) q->u_after = 1; /* double rounding only */
  q->hours = (double)(m->now_ms - b->last_trade_ms) / (double)PRICING_MS_PER_HOUR;
  struct pricing_clevel_params cp = {p->alpha, p->c_min, p->c_max, p->hourly_decay};
  if (pricing_clevel(&cp, q->u_before, q->u_after, q->hours, &q->clevel) != PRICING_OK)
    return DEPOT_EINVALID;

  /* spread = floor(premium * floor((C - 1) * 1e18) / 1e18). */
  rc = pricing_to_money_down(q->clevel > 1 ? q->clevel - 1 : 0, 18, &cw);
  if (rc != PRICING_OK) return DEPOT_EINVALID;
  if (money_add(LEDGER_WAD, cw, &q->clevel_wad) != MONEY_OK) return DEPOT_EOVERFLOW;
  if (money_muldiv_down(q->premium, cw, LEDGER_WAD, &q->spread) != MONEY_OK) return DEPOT_EOVERFLOW;

  rc = p->type == PRICING_CALL ? pricing_mint_fee_call(req->size, p->asset_decimals, &q->mint_fee)
                               : pricing_mint_fee_put(req->size, req->strike, &q->mint_fee);
  if (rc != PRICING_OK) return DEPOT_EOVERFLOW;
  if (money_add(q->premium, q->spread, &q->total) != MONEY_OK ||
      money_add(q->total, q->mint_fee, &q->total) != MONEY_OK)
    return DEPOT_EOVERFLOW;
  return DEPOT_OK;
}

int depot_quote(const struct depot_params *p, const struct depot_book *b,
                const struct depot_market *m, const struct depot_request *req,
                struct depot_quote *quote, struct depot_refusal *refusal) {
  struct depot_quote q = {0};
  struct depot_refusal r = {0};
  money_u128 available;
  int rc;

  /* Preconditions. */
  if ((rc = depot_params_check(p)) != DEPOT_OK) return rc;
  if ((rc = depot_book_check(b)) != DEPOT_OK) return rc;
  if (!market_ok(m)) return DEPOT_EMARKET;
  if (m->now_ms < b->last_trade_ms) return DEPOT_ECLOCK;
  if (b->n_positions > 0 && b->positions[0].maturity_ms <= m->now_ms) return DEPOT_EUNSETTLED;

  /* 1-4: the request itself. */
  if (req->type != p->type) {
    r.want_type = p->type;
    r.got_type = req->type;
    return refuse(refusal, &r, DEPOT_EOPTION_TYPE_MISMATCH);
  }
  if (req->size == 0) return refuse(refusal, &r, DEPOT_EZERO_SIZE);
  if (req->strike == 0) return refuse(refusal, &r, DEPOT_EINVALID_STRIKE);
  if (req->expiry_ms <= m->now_ms) {
    r.expiry_ms = req->expiry_ms;
    r.now_ms = m->now_ms;
    return refuse(refusal, &r, DEPOT_EOPTION_EXPIRED);
  }
  /* From here expiry > now >= 0: expiry - now fits int64. */

  /* 5: free collateral. */
  if ((rc = depot_collateral(p, req->strike, req->size, &q.collateral)) != DEPOT_OK) return rc;
  if ((rc = depot_available(b, m->now_ms, &available)) != DEPOT_OK) return rc;
  if (q.collateral >= available) {
    r.collateral = q.collateral;
    r.available = available;
    return refuse(refusal, &r, DEPOT_EINSUFFICIENT_FUNDS);
  }

  /* 6: days to expiry, exact in ms, bounds inclusive. */
  q.dte_ms = req->expiry_ms - m->now_ms;
  if (q.dte_ms < p->min_dte_ms || q.dte_ms > p->max_dte_ms) {
    r.dte_ms = q.dte_ms;
    r.min_dte_ms = p->min_dte_ms;
    r.max_dte_ms = p->max_dte_ms;
    return refuse(refusal, &r, DEPOT_EOUT_OF_DTE_BOUNDS);
  }

  /* 7: |delta|. */
  q.tau = pricing_tau_years(m->now_ms, req->expiry_ms);
  q.iv = m->sigma;
  rc = depot_fair_value(p, m->spot, req->strike, q.tau, m->sigma, m->rate, &q.fair, &q.delta);
  if (rc != DEPOT_OK) return rc;
  if (!(fabs(q.delta) >= p->min_delta && fabs(q.delta) <= p->max_delta)) {
    r.delta = q.delta;
    r.min_delta = p->min_delta;
    r.max_delta = p->max_delta;
    return refuse(refusal, &r, DEPOT_EOUT_OF_DELTA_BOUNDS);
  }

  /* 8: strike grid. */
  if (!pricing_strike_on_grid(req->strike)) {
    r.strike = req->strike;
    rc = pricing_strike_interval(req->strike, &r.strike_interval);
    assert(rc == PRICING_OK); /* strike > 0 */
    return refuse(refusal, &r, DEPOT_EINVALID_STRIKE_GRID);
  }

  /* 9: the maturity calendar. */
  if (pricing_maturity_check(m->now_ms, req->expiry_ms, &r.maturity_reason) != PRICING_OK)
    return refuse(refusal, &r, DEPOT_EINVALID_MATURITY);

  /* The price. */
  q.type = req->type;
  q.maturity_ms = req->expiry_ms;
  q.strike = req->strike;
  q.size = req->size;
  if ((rc = price(p, b, m, req, &q)) != DEPOT_OK) return rc;

  /* 10: the buyer's cap. */
  if (req->has_max_premium && q.total > req->max_premium) {
    r.total = q.total;
    r.max_premium = req->max_premium;
    return refuse(refusal, &r, DEPOT_EABOVE_MAX_PREMIUM);
  }

  q.quoted_ms = m->now_ms;
  q.book_total_assets = b->total_assets;
  q.book_locked = b->locked;
  q.book_last_trade_ms = b->last_trade_ms;
  q.book_next_id = b->next_id;
  *quote = q;
  return DEPOT_OK;
}
