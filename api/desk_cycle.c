/* desk_cycle: the covered put spread vault's weekly cycle (SPEC 4), run by the desk on the
 * engine thread. Four stages:
 *   collateral_only    waits until next_ms (previous expiry + 310 min) and an expiry in the
 *                      selection window; then, with collateral to write against, -> 2
 *   option_auction     selects the spread (retry every 60 s), sells collateral - open
 *                      spreads in lots; when its auction ends (sold out or hard stop) -> 3
 *   await_settlement   at the expiry, once the settlement price is published, settles the
 *                      spread into the USDC balance -> 4
 *   collateral_auction from expiry + 60 min converts the USDC balance back to collateral by
 *                      spot RFQs on LBTC-USDC until it is within dust (or 2700 s passed and
 *                      no debt remains, or what is left is below one step: carried) -> 1,
 *                      with the performance fee and the withdrawal queue paid.
 * Every transition is a writer job committed (with its NAV row) before this copy moves;
 * figures the engine does not own (deposits change the collateral) are read by a refresh
 * job before each decision that needs them. Nothing here blocks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asset.h"
#include "cycle_status.h"
#include "desk_cycle_tx.h"
#include "desk_internal.h"
#include "instrument.h"
#include "ledger.h"
#include "log.h"
#include "mandate_structure.h"
#include "oracles.h"
#include "params.h"

#define RETRY_MS 1000 /* after a failed job, or while an oracle value is missing */
#define MINUTE_MS INT64_C(60000)

enum purpose { PURPOSE_NONE = 0, PURPOSE_STAGE1, PURPOSE_SELECT, PURPOSE_CONVERT };

static const char *const stage_names[] = {"collateral_only", "option_auction", "await_settlement",
                                          "collateral_auction"};

const char *desk_stage_name(enum desk_stage s) {
  return (unsigned)s < 4 ? stage_names[s] : "collateral_only";
}

static int stage_parse(const char *s, enum desk_stage *out) {
  for (int k = 0; k < 4; k++)
    if (s && strcmp(s, stage_names[k]) == 0) {
      *out = (enum desk_stage)k;
      return 0;
    }
  return -1;
}

static int64_t cfg_int(json_t *cfg, const char *key, int64_t dflt) {
  json_t *v = json_object_get(cfg, key);
  return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

void desk_cycle_configure(struct desk_vault *v, json_t *cfg) {
  struct desk_cycle *c = &v->cy;
  json_t *on = json_object_get(cfg, "cycle");
  c->enabled = !json_is_false(on);
  const char *u = json_string_value(json_object_get(cfg, "underlying"));
  snprintf(c->underlying, sizeof c->underlying, "%s", u ? u : "BTC");
  c->auction_delay_ms = cfg_int(cfg, "auction_start_delay_min", 310) * MINUTE_MS;
  c->convert_delay_ms = cfg_int(cfg, "collateral_auction_delay_min", 60) * MINUTE_MS;
  c->select = cycle_select_params_default(param_cfg_decimal(cfg, "strike_diff", 6, (money_u128)2000000000));
  c->select.expiry_min_ms = cfg_int(cfg, "expiry_min_hours", 144) * CYCLE_HOUR_MS;
  c->select.expiry_max_ms = cfg_int(cfg, "expiry_max_hours", 168) * CYCLE_HOUR_MS;
  c->select.target_ppm = (uint32_t)param_cfg_decimal(cfg, "target_ratio", 6, 70000);
  c->select.min_ppm = (uint32_t)param_cfg_decimal(cfg, "min_ratio", 6, 20000);
  c->select.max_ppm = (uint32_t)param_cfg_decimal(cfg, "max_ratio", 6, 120000);
  /* the LBTC-USDC order step: 0.00001 collateral units, so one step is worth less than the
   * 1 USDC dust up to a price of 100 000 and the stage ends within dust */
  money_u128 unit = 1;
  for (unsigned k = 0; k < v->collateral_decimals; k++) unit *= 10;
  money_u128 step = param_cfg_decimal(cfg, "spot_step", v->collateral_decimals, unit / 100000 ? unit / 100000 : 1);
  c->convert = cycle_convert_params_default(v->collateral_decimals, step ? step : 1);
  c->convert.dust_usdc = param_cfg_decimal(cfg, "dust_usdc", 6, c->convert.dust_usdc);
  c->convert.reprice_usdc = param_cfg_decimal(cfg, "reprice_usdc", 6, c->convert.reprice_usdc);
  c->convert.slippage_ppm = (uint32_t)param_cfg_decimal(cfg, "spot_slippage", 6, c->convert.slippage_ppm);
  c->convert.duration_ms = cfg_int(cfg, "collateral_auction_s", 2700) * 1000;
  c->perf_fee_rate = param_cfg_decimal(cfg, "performance_fee", 18, 0);
}

/* ---- restart ---- */

void desk_cycle_restore(struct desk *d, const char *json) {
  json_t *list = json ? json_loads(json, 0, NULL) : NULL;
  size_t i;
  json_t *r;
  json_array_foreach(list, i, r) {
    struct desk_vault *v = desk_vault_find(d, json_string_value(json_object_get(r, "vault_id")));
    if (!v) continue;
    struct desk_cycle *c = &v->cy;
    if (stage_parse(json_string_value(json_object_get(r, "stage")), &c->stage) != 0) {
      log_event(LOG_ERROR, "cycle_restore_failed", "vault=%s", v->id);
      continue;
    }
    c->cycle_no = json_integer_value(json_object_get(r, "cycle_no"));
    c->stage_since_ms = json_integer_value(json_object_get(r, "stage_since_ms"));
    c->next_ms = json_integer_value(json_object_get(r, "next_ms"));
    c->expiry_ms = json_integer_value(json_object_get(r, "expiry_ms"));
    c->k1 = param_cfg_decimal(r, "k1", 0, 0);
    c->k2 = param_cfg_decimal(r, "k2", 0, 0);
    c->hwm = param_cfg_decimal(r, "hwm", 0, 0);
    const char *p = json_string_value(json_object_get(r, "premium"));
    money_i128 prem = 0;
    if (p && money_parse_signed(p, strlen(p), 0, &prem) == MONEY_OK) c->premium = prem;
    if (c->enabled)
      log_event(LOG_INFO, "cycle_resumed", "vault=%s stage=%s cycle=%lld", v->id, desk_stage_name(c->stage),
                (long long)c->cycle_no);
  }
  json_decref(list);
}

/* ---- jobs ---- */

static struct desk_job *cycle_job(struct desk_vault *v, enum cycle_tx_op op, int64_t now) {
  struct desk_job *j = desk_job_new(1);
  struct cycle_tx_in *in = calloc(1, sizeof *in);
  struct cycle_tx_out *out = calloc(1, sizeof *out);
  if (!j || !in || !out) {
    free(j);
    free(in);
    free(out);
    return NULL;
  }
  in->op = op;
  in->now = now;
  snprintf(in->vault, sizeof in->vault, "%s", v->id);
  snprintf(in->from, sizeof in->from, "%s", desk_stage_name(v->cy.stage));
  j->fn = desk_cycle_tx;
  j->fn_in = in;
  j->fn_out = out;
  j->kind = DESK_JOB_CYCLE;
  j->urgent = 1; /* ordered with the fills and auction rows it depends on */
  j->ctx = v;
  return j;
}

static void post(struct desk *d, struct desk_vault *v, struct desk_job *j) {
  if (!j) {
    v->cy.retry_real_ms = clock_real_ms() + RETRY_MS;
    return;
  }
  v->cy.pending = 1;
  desk_post(d, v, j);
}

static void refresh(struct desk *d, struct desk_vault *v, enum purpose why, int64_t now) {
  struct desk_job *j = cycle_job(v, CYCLE_TX_REFRESH, now);
  if (j) ((struct cycle_tx_in *)j->fn_in)->purpose = why;
  post(d, v, j);
}

/* The cycle row as it stands in memory, moved to `to` at now. */
static struct store_cycle row_at(const struct desk_vault *v, enum desk_stage to, int64_t now, int64_t next_ms) {
  const struct desk_cycle *c = &v->cy;
  struct store_cycle r;
  memset(&r, 0, sizeof r);
  snprintf(r.vault_id, sizeof r.vault_id, "%s", v->id);
  snprintf(r.stage, sizeof r.stage, "%s", desk_stage_name(to));
  r.cycle_no = c->cycle_no;
  r.stage_since_ms = to == c->stage ? c->stage_since_ms : now;
  r.next_ms = next_ms;
  r.expiry_ms = c->expiry_ms;
  r.k1 = c->k1;
  r.k2 = c->k2;
  r.premium = c->premium;
  r.hwm = c->hwm;
  return r;
}

#define TX_IN(j) ((struct cycle_tx_in *)(j)->fn_in)

/* A transition job to `to` (not posted: the caller sets what happens on the way, then posts
 * it); NULL when out of memory. */
static struct desk_job *transition(struct desk_vault *v, enum desk_stage to, const char *reason, int64_t now,
                                   int64_t next_ms) {
  struct desk_job *j = cycle_job(v, CYCLE_TX_TRANSITION, now);
  if (!j) return NULL;
  snprintf(TX_IN(j)->reason, sizeof TX_IN(j)->reason, "%s", reason);
  TX_IN(j)->next = row_at(v, to, now, next_ms);
  return j;
}

/* Writes the selected spread into the cycle row, the stage unchanged. */
static void save_selection(struct desk *d, struct desk_vault *v, int64_t now) {
  struct desk_job *j = cycle_job(v, CYCLE_TX_SAVE, now);
  if (j) TX_IN(j)->next = row_at(v, v->cy.stage, now, v->cy.next_ms);
  post(d, v, j);
}

/* The end of the cycle: stage 4 -> 1 (the next cycle), fee and queue on the way. */
static void end_cycle(struct desk *d, struct desk_vault *v, const char *reason, int64_t now) {
  struct desk_cycle *c = &v->cy;
  int64_t next = c->expiry_ms ? c->expiry_ms + c->auction_delay_ms : now;
  struct desk_job *j = transition(v, DESK_STAGE_COLLATERAL_ONLY, reason, now, next > now ? next : now);
  if (j) {
    struct cycle_tx_in *in = TX_IN(j);
    in->end_cycle = 1;
    in->perf_rate = c->perf_fee_rate;
    in->next.cycle_no = c->cycle_no + 1;
    in->next.expiry_ms = 0;
    in->next.k1 = in->next.k2 = 0;
    in->next.premium = 0;
  }
  post(d, v, j);
}

/* ---- the demo's skipping clock ---- */

static void skip_to(struct desk *d, int64_t target) {
  if (d->app->demo && clock_skip_to(&d->app->clock, target) == 0)
    log_event(LOG_DEBUG, "demo_clock_skip", "to_ms=%lld", (long long)target);
}

/* The first hour from now at which the selection window holds an expiry (8 days at most). */
static int64_t window_opens(const struct desk_cycle *c, int64_t now) {
  int64_t e;
  for (int64_t t = now; t < now + 8 * 24 * CYCLE_HOUR_MS; t += CYCLE_HOUR_MS)
    if (cycle_select_expiry(&c->select, t, &e) == CYCLE_OK) return t;
  return now + CYCLE_HOUR_MS;
}

/* ---- stage 2: selection ---- */

static int surface(void *ctx, money_u128 strike, int64_t expiry_ms, double *sigma, double *rate) {
  const struct oracle_market *m = ctx;
  if (oracles_iv(m, strike, expiry_ms, sigma) != ORACLE_OK) return -1;
  *rate = m->rate;
  return 0;
}

static int put_leg(const char *underlying, int64_t expiry, money_u128 strike, int sell, struct desk_leg *l) {
  struct pricing_instrument ins;
  memset(&ins, 0, sizeof ins);
  size_t n = strlen(underlying);
  if (n >= sizeof ins.underlying) return -1;
  memcpy(ins.underlying, underlying, n + 1);
  ins.expiry_ms = expiry;
  ins.strike = strike;
  ins.type = PRICING_PUT;
  memset(l, 0, sizeof *l);
  if (pricing_instrument_format(&ins, l->instrument, sizeof l->instrument) < 0) return -1;
  snprintf(l->underlying, sizeof l->underlying, "%s", underlying);
  l->sell = sell;
  l->strike = strike;
  l->expiry_ms = expiry;
  l->put = 1;
  return 0;
}

/* Waits until business time `until` (a rule's own period: 60 s between selections). */
static void wait_with(struct desk_cycle *c, int64_t until, const char *fmt, const char *why) {
  snprintf(c->problem, sizeof c->problem, fmt, why);
  c->retry_at_ms = until;
}

/* Waits RETRY_MS of real time (a missing oracle value, a failed job): on a manual clock the
 * business time may not move at all until the value arrives. */
static void retry_soon(struct desk_cycle *c, const char *fmt, const char *why) {
  snprintf(c->problem, sizeof c->problem, fmt, why);
  c->retry_real_ms = clock_real_ms() + RETRY_MS;
}

static void select_and_start(struct desk *d, struct desk_vault *v, int64_t now) {
  struct desk_cycle *c = &v->cy;
  money_u128 desired = 0;
  /* this cycle's auction already ran (its end committed, the transition not: a restart in
   * between): the spreads it sold await their settlement */
  if (c->expiry_ms && v->open_spreads > 0) {
    post(d, v, transition(v, DESK_STAGE_AWAIT_SETTLEMENT, "auction_ended", now, c->expiry_ms));
    return;
  }
  if (v->open_spreads > 0) { /* spreads without a known expiry: never back to stage 1 */
    retry_soon(c, "%s", "open spreads without a selected spread: operator attention");
    log_event(LOG_ERROR, "cycle_inconsistent", "vault=%s reason=open_spreads_without_spread", v->id);
    return;
  }
  if (cycle_desired_spreads(v->collateral, v->collateral_decimals, v->open_spreads, &desired) != CYCLE_OK ||
      desired < v->params.lot_rounding) {
    post(d, v, transition(v, DESK_STAGE_COLLATERAL_ONLY, "nothing_to_sell", now, now + CYCLE_SELECT_RETRY_MS));
    return;
  }
  struct oracle_market m;
  struct oracle_problem why;
  if (oracles_market(d->app->oracles, c->underlying, now, &m, &why) != ORACLE_OK) {
    retry_soon(c, "oracle: %s missing or stale", why.what ? why.what : "market");
    return;
  }
  struct cycle_spread sp;
  int st = cycle_select_spread(&c->select, now, m.spot, surface, &m, &sp);
  if (st != CYCLE_OK) {
    wait_with(c, now + CYCLE_SELECT_RETRY_MS, "no spread to sell: %s (retry in 60 s)", cycle_strerror(st));
    log_event(LOG_INFO, "cycle_no_spread", "vault=%s reason=%s", v->id, cycle_strerror(st));
    return;
  }
  struct desk_leg nl[2];
  if (put_leg(c->underlying, sp.expiry_ms, sp.k1, 1, &nl[0]) || put_leg(c->underlying, sp.expiry_ms, sp.k2, 0, &nl[1])) {
    wait_with(c, now + CYCLE_SELECT_RETRY_MS, "%s", "instrument name does not format");
    return;
  }
  struct mandate_leg ml[2];
  for (int k = 0; k < 2; k++)
    ml[k] = (struct mandate_leg){MANDATE_PUT, nl[k].strike, nl[k].expiry_ms, k ? MANDATE_BUY : MANDATE_SELL, desired};
  struct mandate_refusal refusal;
  if ((st = mandate_check_structure(&v->mandate, ml, 2, &refusal)) != MANDATE_OK) {
    wait_with(c, now + CYCLE_SELECT_RETRY_MS, "the mandate refuses the structure: %s", mandate_strerror(st));
    return;
  }
  struct desk_error err = {0, NULL, NULL};
  if (desk_launch_auction(d, v, nl, 2, desired, NULL, now, &err) != 0) {
    wait_with(c, now + CYCLE_SELECT_RETRY_MS, "%s", err.message);
    json_decref(err.data);
    return;
  }
  c->expiry_ms = sp.expiry_ms;
  c->k1 = sp.k1;
  c->k2 = sp.k2;
  c->problem[0] = 0;
  log_event(LOG_INFO, "cycle_spread_selected", "vault=%s expiry_ms=%lld k1=%s k2=%s ratio_ppm=%llu", v->id,
            (long long)sp.expiry_ms, nl[0].instrument, nl[1].instrument, (unsigned long long)sp.ratio_ppm);
  save_selection(d, v, now);
}

/* ---- stage 4: the spot orders ---- */

static void convert_next(struct desk *d, struct desk_vault *v, int64_t now) {
  struct desk_cycle *c = &v->cy;
  enum cycle_convert_state cs = cycle_convert_state(&c->convert, v->usdc, c->next_ms, now);
  if (cs != CYCLE_CONVERT_RUNNING) {
    end_cycle(d, v, cs == CYCLE_CONVERT_DONE_DUST ? "converted" : "convert_time_up", now);
    return;
  }
  money_u128 spot = 0;
  int64_t ts = 0;
  int stale = 1;
  if (oracles_spot(d->app->oracles, c->underlying, now, &spot, &ts, &stale) != ORACLE_OK || stale) {
    retry_soon(c, "%s", "oracle: spot missing or stale");
    return;
  }
  struct cycle_order o;
  int st = cycle_convert_order(&c->convert, v->usdc, spot, &o);
  if (st == CYCLE_EDUST || st == CYCLE_EBELOW_STEP) { /* below one step: carried to the next cycle */
    end_cycle(d, v, st == CYCLE_EDUST ? "converted" : "below_step", now);
    return;
  }
  if (st != CYCLE_OK) {
    retry_soon(c, "conversion: %s", cycle_strerror(st));
    return;
  }
  struct desk_leg leg;
  memset(&leg, 0, sizeof leg);
  snprintf(leg.instrument, sizeof leg.instrument, "%s-USDC", v->collateral_asset);
  snprintf(leg.underlying, sizeof leg.underlying, "%s", c->underlying);
  leg.sell = o.side == CYCLE_SIDE_SELL;
  v->spot_side = o.side;
  v->spot_limit = o.limit;
  struct desk_error err = {0, NULL, NULL};
  if (desk_launch_auction(d, v, &leg, 1, o.amount, NULL, now, &err) != 0) {
    retry_soon(c, "%s", err.message);
    json_decref(err.data);
    return;
  }
  c->problem[0] = 0;
}

/* A running spot order whose limit moved by more than reprice_usdc is withdrawn; the next
 * tick sends a fresh one. */
static void maybe_reprice(struct desk *d, struct desk_vault *v, int64_t now) {
  money_u128 spot = 0, limit = 0;
  int64_t ts = 0;
  int stale = 1;
  if (oracles_spot(d->app->oracles, v->cy.underlying, now, &spot, &ts, &stale) != ORACLE_OK || stale ||
      cycle_convert_limit(&v->cy.convert, v->spot_side, spot, &limit) != CYCLE_OK)
    return;
  if (cycle_convert_should_reprice(&v->cy.convert, v->spot_limit, limit)) desk_abort_auction(d, v, "repriced");
}

/* ---- the tick ---- */

void desk_cycle_tick(struct desk *d, struct desk_vault *v, int64_t now) {
  struct desk_cycle *c = &v->cy;
  if (c->pending || now < c->retry_at_ms || clock_real_ms() < c->retry_real_ms) return;
  switch (c->stage) {
  case DESK_STAGE_COLLATERAL_ONLY: {
    if (now < c->next_ms) {
      skip_to(d, c->next_ms);
      return;
    }
    int64_t e;
    if (cycle_select_expiry(&c->select, now, &e) != CYCLE_OK) {
      wait_with(c, now + MINUTE_MS, "%s", "waiting for an expiry 144-168 h ahead");
      skip_to(d, window_opens(c, now));
      return;
    }
    refresh(d, v, PURPOSE_STAGE1, now);
    return;
  }
  case DESK_STAGE_OPTION_AUCTION:
    if (v->a && !v->spot_order && v->auction_cycle_no == c->cycle_no) {
      if (v->finished)
        post(d, v, transition(v, DESK_STAGE_AWAIT_SETTLEMENT, v->finish_reason, now, c->expiry_ms));
      return;
    }
    refresh(d, v, PURPOSE_SELECT, now);
    return;
  case DESK_STAGE_AWAIT_SETTLEMENT: {
    if (now < c->expiry_ms) {
      skip_to(d, c->expiry_ms);
      return;
    }
    money_u128 price = 0;
    if (oracles_settlement(d->app->oracles, c->underlying, c->expiry_ms, &price) != ORACLE_OK) {
      retry_soon(c, "%s", "awaiting the settlement price");
      return;
    }
    c->problem[0] = 0;
    struct desk_job *j = transition(v, DESK_STAGE_COLLATERAL_AUCTION, "settled", now, c->expiry_ms + c->convert_delay_ms);
    if (j) {
      TX_IN(j)->settle = 1;
      TX_IN(j)->settle_price = price;
    }
    post(d, v, j);
    return;
  }
  case DESK_STAGE_COLLATERAL_AUCTION:
    if (now < c->next_ms) {
      skip_to(d, c->next_ms);
      return;
    }
    if (v->a && v->spot_order && !v->finished) {
      maybe_reprice(d, v, now);
      return;
    }
    refresh(d, v, PURPOSE_CONVERT, now);
    return;
  }
}

/* ---- completions ---- */

static void apply_book(struct desk_vault *v, const struct cycle_tx_out *out) {
  v->collateral = out->total_assets;
  v->open_spreads = out->open_spreads;
  v->usdc = out->usdc;
}

static void after_refresh(struct desk *d, struct desk_vault *v, int purpose, int64_t now) {
  struct desk_cycle *c = &v->cy;
  money_u128 desired = 0;
  switch (purpose) {
  case PURPOSE_STAGE1:
    if (c->stage != DESK_STAGE_COLLATERAL_ONLY) return;
    if (cycle_desired_spreads(v->collateral, v->collateral_decimals, v->open_spreads, &desired) != CYCLE_OK ||
        desired < v->params.lot_rounding) {
      wait_with(c, now + MINUTE_MS, "%s", "no collateral to write against");
      return;
    }
    c->problem[0] = 0;
    struct desk_job *j = transition(v, DESK_STAGE_OPTION_AUCTION, "auction_start", now, now);
    if (j) TX_IN(j)->begin_cycle = 1;
    post(d, v, j);
    return;
  case PURPOSE_SELECT:
    if (c->stage == DESK_STAGE_OPTION_AUCTION && !(v->a && !v->finished)) select_and_start(d, v, now);
    return;
  case PURPOSE_CONVERT:
    if (c->stage == DESK_STAGE_COLLATERAL_AUCTION && !(v->a && !v->finished)) convert_next(d, v, now);
    return;
  }
}

void desk_cycle_done(struct desk *d, struct desk_job *j) {
  struct desk_vault *v = j->ctx;
  struct desk_cycle *c = &v->cy;
  const struct cycle_tx_in *in = j->fn_in;
  struct cycle_tx_out *out = j->fn_out;
  int64_t now = clock_now_ms(&d->app->clock);
  c->pending = 0;
  if (j->status != 0) {
    c->retry_real_ms = clock_real_ms() + RETRY_MS;
    log_event(LOG_WARN, "cycle_job_failed", "vault=%s op=%d from=%s status=%d", v->id, (int)in->op, in->from,
              j->status);
  } else {
    apply_book(v, out);
    if (in->op == CYCLE_TX_REFRESH) {
      after_refresh(d, v, in->purpose, now);
    } else if (in->op == CYCLE_TX_TRANSITION) {
      enum desk_stage to = c->stage;
      if (stage_parse(in->next.stage, &to) == 0) c->stage = to;
      c->cycle_no = in->next.cycle_no;
      c->stage_since_ms = in->next.stage_since_ms;
      c->next_ms = in->next.next_ms;
      c->expiry_ms = in->next.expiry_ms;
      c->k1 = in->next.k1;
      c->k2 = in->next.k2;
      c->premium = in->next.premium;
      c->hwm = out->hwm;
      c->retry_at_ms = c->retry_real_ms = 0;
      if (in->settle) {
        c->settled = 1;
        c->settle_price = in->settle_price;
        c->settled_usdc = out->settlement.usdc;
      }
      char pps[MONEY_FMT_MAX], usdc[MONEY_FMT_MAX];
      if (money_format(out->price_per_share, 0, pps, sizeof pps) < 0) pps[0] = 0;
      if (money_format_signed(out->usdc, 6, usdc, sizeof usdc) < 0) usdc[0] = 0;
      log_event(LOG_INFO, "cycle_stage", "vault=%s cycle=%lld from=%s to=%s reason=%s usdc=%s pps_units=%s"
                " queue_paid=%d", v->id, (long long)c->cycle_no, in->from, desk_stage_name(c->stage),
                in->reason, usdc, pps, out->queue_paid);
      desk_publish_auction(d, v);
      desk_cycle_tick(d, v, now); /* the new stage acts at once */
    }
  }
  free(j->fn_in);
  free(j->fn_out);
  j->fn_in = j->fn_out = NULL;
}

/* ---- the operator ---- */

int desk_cycle_allow_operator(struct desk *d, struct desk_vault *v, struct desk_error *err) {
  (void)d;
  if (v->cy.pending ||
      (v->cy.stage != DESK_STAGE_COLLATERAL_ONLY && v->cy.stage != DESK_STAGE_OPTION_AUCTION)) {
    *err = (struct desk_error){-32602, "the vault's cycle is not in a stage that sells spreads",
                               json_pack("{s:s}", "stage", desk_stage_name(v->cy.stage))};
    return -1;
  }
  return 0;
}

void desk_cycle_adopt(struct desk *d, struct desk_vault *v, int64_t now) {
  struct desk_cycle *c = &v->cy;
  c->expiry_ms = v->legs[0].expiry_ms;
  c->k1 = v->legs[0].sell ? v->legs[0].strike : v->legs[1].strike;
  c->k2 = v->legs[0].sell ? v->legs[1].strike : v->legs[0].strike;
  if (c->stage == DESK_STAGE_COLLATERAL_ONLY) {
    struct desk_job *j = transition(v, DESK_STAGE_OPTION_AUCTION, "operator_auction", now, now);
    if (j) TX_IN(j)->begin_cycle = 1;
    post(d, v, j);
  } else {
    save_selection(d, v, now);
  }
}

/* ---- the view ---- */

json_t *desk_cycle_json(struct desk *d, struct desk_vault *v, int64_t now) {
  (void)d;
  const struct desk_cycle *c = &v->cy;
  json_t *j = json_pack("{s:b,s:s,s:I,s:I,s:I}", "enabled", c->enabled, "stage", desk_stage_name(c->stage),
                        "cycle_no", (json_int_t)c->cycle_no, "stage_since_ms", (json_int_t)c->stage_since_ms,
                        "next_ms", (json_int_t)c->next_ms);
  if (c->expiry_ms) {
    struct desk_leg l[2];
    if (!put_leg(c->underlying, c->expiry_ms, c->k1, 1, &l[0]) &&
        !put_leg(c->underlying, c->expiry_ms, c->k2, 0, &l[1]))
      json_object_set_new(j, "spread",
                          json_pack("{s:I,s:o,s:o,s:s,s:s}", "expiry_ms", (json_int_t)c->expiry_ms, "k1",
                                    desk_amount(c->k1, 6), "k2", desk_amount(c->k2, 6), "short",
                                    l[0].instrument, "long", l[1].instrument));
  } else {
    json_object_set_new(j, "spread", json_null());
  }
  char usdc[MONEY_FMT_MAX], prem[MONEY_FMT_MAX];
  if (money_format_signed(v->usdc, 6, usdc, sizeof usdc) < 0) usdc[0] = 0;
  if (money_format_signed(c->premium, 6, prem, sizeof prem) < 0) prem[0] = 0;
  json_object_set_new(j, "usdc_balance", json_string(usdc));
  json_object_set_new(j, "premium", json_string(prem));
  json_object_set_new(j, "open_spreads", desk_amount(v->open_spreads, 8));
  json_object_set_new(j, "collateral", desk_amount(v->collateral, v->collateral_decimals));
  if (c->settled) {
    char su[MONEY_FMT_MAX];
    if (money_format_signed(c->settled_usdc, 6, su, sizeof su) < 0) su[0] = 0;
    json_object_set_new(j, "settlement", json_pack("{s:o,s:s}", "price", desk_amount(c->settle_price, 6),
                                                   "usdc_after", su));
  }
  int waiting = now < c->retry_at_ms || clock_real_ms() < c->retry_real_ms;
  json_object_set_new(j, "waiting_for", c->problem[0] && waiting ? json_string(c->problem) : json_null());
  return j;
}
