/* desk: auctions run in the engine: marks from the oracles, auction events, the mandate,
 * fills committed by the desk writer before anyone is told, channel notifications. */
#include "desk_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asset.h"
#include "black_scholes.h"
#include "calendar.h"
#include "channels.h"
#include "instrument.h"
#include "log.h"
#include "mandate_spot.h"
#include "mandate_spread.h"
#include "mandate_structure.h"
#include "oracles.h"
#include "params.h"
#include "desk_fill_job.h"
#include "json_text.h"
#include "roles.h"
#include "to_money.h"

#define CONTRACT_DECIMALS 8

json_t *desk_amount(money_u128 v, unsigned decimals) {
  char buf[MONEY_FMT_MAX];
  if (money_format(v, decimals, buf, sizeof buf) < 0) buf[0] = 0;
  return json_string(buf);
}

static json_t *id_json(uint64_t id) {
  char buf[24];
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)id);
  return json_string(buf);
}

static void fmt_id(uint64_t id, char buf[24]) { snprintf(buf, 24, "%llu", (unsigned long long)id); }

struct desk_vault *desk_vault_find(struct desk *d, const char *id) {
  for (int i = 0; i < d->nvaults; i++)
    if (strcmp(d->vaults[i].id, id) == 0) return &d->vaults[i];
  return NULL;
}

struct desk_vault *desk_rfq_vault(struct desk *d, uint64_t rfq_id) {
  for (int i = 0; i < d->nvaults; i++)
    if (d->vaults[i].rfq_status && d->vaults[i].rfq_id == rfq_id) return &d->vaults[i];
  return NULL;
}

unsigned desk_amount_decimals(const struct desk_vault *v) {
  return v->spot_order ? v->collateral_decimals : CONTRACT_DECIMALS;
}

uint64_t desk_maker_num(struct desk *d, const char *maker) {
  uintptr_t n = (uintptr_t)strmap_get(d->maker_nums, maker);
  if (!n) {
    n = (uintptr_t)++d->next_maker_num;
    if (strmap_put(d->maker_nums, maker, (void *)n) != 0) return 0;
  }
  return (uint64_t)n;
}

json_t *desk_rfq_json(const struct desk_vault *v) {
  json_t *legs = json_array();
  for (int k = 0; k < v->nlegs; k++)
    json_array_append_new(legs, json_pack("{s:s,s:s,s:o}", "instrument_name", v->legs[k].instrument,
                                          "direction", v->legs[k].sell ? "sell" : "buy", "amount",
                                          desk_amount(v->rfq_amount, desk_amount_decimals(v))));
  return json_pack("{s:o,s:s,s:s,s:o,s:I,s:I,s:s}", "rfq_id", id_json(v->rfq_id), "vault_id", v->id,
                   "status", v->rfq_status ? v->rfq_status : "closed", "legs", legs, "valid_until",
                   (json_int_t)v->rfq_valid_until, "creation_timestamp", (json_int_t)v->rfq_created,
                   "filled_pct", strcmp(v->rfq_status ? v->rfq_status : "", "filled") ? "0" : "100");
}

json_t *desk_quote_json(const struct desk_quote *q) {
  json_t *legs = json_array();
  for (int k = 0; k < q->v->nlegs; k++)
    json_array_append_new(
        legs, json_pack("{s:s,s:s,s:o,s:o}", "instrument_name", q->v->legs[k].instrument, "direction",
                        q->v->legs[k].sell ? "sell" : "buy", "amount",
                        desk_amount(q->amount, desk_amount_decimals(q->v)), "price",
                        desk_amount(q->price[k], 6)));
  return json_pack("{s:o,s:o,s:s,s:s,s:o,s:o,s:o,s:I,s:I,s:s,s:s,s:s,s:s,s:I,s:I}", "quote_id",
                   id_json(q->id), "rfq_id", id_json(q->rfq_id), "vault_id", q->v->id, "direction",
                   "sell", "legs", legs, "credit", desk_amount(q->credit, 6), "max_fee",
                   desk_amount(q->max_fee, 6), "nonce", (json_int_t)q->nonce, "signature_expiry_sec",
                   (json_int_t)(q->expiry_ms / 1000), "label", q->label, "status", q->status,
                   "cancel_reason", q->cancel_reason, "fill_pct",
                   strcmp(q->status, "filled") ? "0" : "100", "creation_timestamp",
                   (json_int_t)q->created_ms, "last_update_timestamp", (json_int_t)q->updated_ms);
}

/* The quote's legs array, as desk_quote_json holds it. */
static void legs_text(struct json_text *t, const struct desk_quote *q) {
  unsigned dec = desk_amount_decimals(q->v);
  json_text_raw(t, "[");
  for (int k = 0; k < q->v->nlegs; k++) {
    json_text_str(t, k ? ",{\"instrument_name\":" : "{\"instrument_name\":", q->v->legs[k].instrument);
    json_text_raw(t, q->v->legs[k].sell ? ",\"direction\":\"sell\"" : ",\"direction\":\"buy\"");
    json_text_amount(t, ",\"amount\":", q->amount, dec);
    json_text_amount(t, ",\"price\":", q->price[k], 6);
    json_text_raw(t, "}");
  }
  json_text_raw(t, "]");
}

long desk_quote_text(const struct desk_quote *q, char *buf, size_t cap) {
  struct json_text t;
  json_text_init(&t, buf, cap);
  char id[24], rfq[24]; /* ids are decimal strings */
  snprintf(id, sizeof id, "%llu", (unsigned long long)q->id);
  snprintf(rfq, sizeof rfq, "%llu", (unsigned long long)q->rfq_id);
  json_text_str(&t, "{\"quote_id\":", id);
  json_text_str(&t, ",\"rfq_id\":", rfq);
  json_text_str(&t, ",\"vault_id\":", q->v->id);
  json_text_raw(&t, ",\"direction\":\"sell\",\"legs\":");
  legs_text(&t, q);
  json_text_amount(&t, ",\"credit\":", q->credit, 6);
  json_text_amount(&t, ",\"max_fee\":", q->max_fee, 6);
  json_text_int(&t, ",\"nonce\":", q->nonce);
  json_text_int(&t, ",\"signature_expiry_sec\":", (long long)(q->expiry_ms / 1000));
  json_text_str(&t, ",\"label\":", q->label);
  json_text_str(&t, ",\"status\":", q->status);
  json_text_str(&t, ",\"cancel_reason\":", q->cancel_reason);
  json_text_str(&t, ",\"fill_pct\":", strcmp(q->status, "filled") ? "0" : "100");
  json_text_int(&t, ",\"creation_timestamp\":", (long long)q->created_ms);
  json_text_int(&t, ",\"last_update_timestamp\":", (long long)q->updated_ms);
  json_text_raw(&t, "}");
  return json_text_finish(&t, buf);
}

static void publish_to(struct desk *d, const char *account, const char *suffix, json_t *data) {
  char name[96];
  snprintf(name, sizeof name, "%s.%s", account, suffix);
  channels_publish(d->e, name, data);
}

/* 1 when someone listens on account.suffix; otherwise the channel's seq still advances and
 * the caller need not build the notification (JSON is the desk's main CPU cost). */
static int wanted(struct desk *d, const char *account, const char *suffix) {
  char name[96];
  snprintf(name, sizeof name, "%s.%s", account, suffix);
  return channels_wanted(d->e, name);
}

/* An RFQ change goes to every logged-in maker's {wallet}.rfqs, once per account. */
static void publish_rfq(struct desk *d, struct desk_vault *v) {
  struct strmap *seen = strmap_new();
  for (struct engine_session *s = d->e->sessions; s; s = s->next) {
    if (!s->logged_in || !(s->who.roles & ROLE_MAKER) || !seen || strmap_get(seen, s->who.account))
      continue;
    strmap_put(seen, s->who.account, (void *)1);
    publish_to(d, s->who.account, "rfqs", json_pack("[o]", desk_rfq_json(v)));
  }
  strmap_free(seen);
  desk_publish_auction(d, v);
}

void desk_publish_quote(struct desk *d, const struct desk_quote *q) {
  if (wanted(d, q->maker, "quotes")) publish_to(d, q->maker, "quotes", json_pack("[o]", desk_quote_json(q)));
}

static json_t *auction_json(struct desk *d, struct desk_vault *v) {
  int64_t now = clock_now_ms(&d->app->clock);
  struct auction_view view;
  const char *stage = v->cy.enabled ? desk_stage_name(v->cy.stage)
                      : v->a && !v->finished ? "option_auction"
                                             : "collateral_only";
  if (!v->a || auction_view(v->a, now, &view) != AUCTION_OK)
    return json_pack("{s:s,s:s,s:n}", "vault_id", v->id, "stage", stage, "auction");
  unsigned dec = desk_amount_decimals(v);
  json_t *legs = json_array();
  for (int k = 0; k < v->nlegs; k++)
    json_array_append_new(legs, json_pack("{s:s,s:s}", "instrument_name", v->legs[k].instrument,
                                          "direction", v->legs[k].sell ? "sell" : "buy"));
  json_t *a = json_pack("{s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:I,s:I,s:I}", "auction_id", id_json(v->auction_id),
                        "kind", v->spot_order ? "spot" : "spread", "state", v->finished ? "finished" : "running",
                        "legs", legs, "total", desk_amount(view.total, dec), "sold",
                        desk_amount(view.sold, dec), "remaining", desk_amount(view.remaining, dec),
                        "lots_filled",
                        (json_int_t)view.lots_filled, "started_ms", (json_int_t)view.started_ms,
                        "hard_stop_at_ms", (json_int_t)view.hard_stop_at_ms);
  if (v->rfq_status) json_object_set_new(a, "rfq", desk_rfq_json(v));
  if (v->finished) {
    json_object_set_new(a, "finish_reason", json_string(v->finish_reason));
    json_object_set_new(a, "unfilled", desk_amount(v->unfilled, dec));
  }
  if (v->spot_order) {
    json_object_set_new(a, "side", json_string(v->spot_side == CYCLE_SIDE_BUY ? "buy" : "sell"));
    json_object_set_new(a, "limit_price", desk_amount(v->spot_limit, 6));
  }
  return json_pack("{s:s,s:s,s:o}", "vault_id", v->id, "stage", stage, "auction", a);
}

void desk_publish_auction(struct desk *d, struct desk_vault *v) {
  char name[96];
  snprintf(name, sizeof name, "auction.%s", v->id);
  channels_publish(d->e, name, json_pack("[o]", auction_json(d, v)));
}

/* ---- audit rows, written behind the fast path ---- */

/* A vault's jobs go to one writer shard, in order (its rows depend on each other). */
void desk_post(struct desk *d, const struct desk_vault *v, struct desk_job *j) {
  j->shard = (unsigned)(v - d->vaults);
  desk_writer_post(d->writer, j);
}

static void audit_job(struct desk *d, const struct desk_vault *v, const char *sql, int n,
                      const char *const *p, int urgent) {
  struct desk_job *j = desk_job_new(0);
  if (!j) return;
  j->urgent = urgent;
  if (desk_job_stmt(j, sql, n, p, 0) != 0) {
    desk_job_free(j);
    return;
  }
  desk_post(d, v, j);
}

static void audit(struct desk *d, const struct desk_vault *v, const char *sql, int n,
                  const char *const *p) {
  audit_job(d, v, sql, n, p, 0);
}

static void audit_rfq(struct desk *d, struct desk_vault *v, int insert) {
  char id[24], auction[24], amount[MONEY_FMT_MAX], created[24], until[24];
  fmt_id(v->rfq_id, id);
  fmt_id(v->auction_id, auction);
  if (money_format(v->rfq_amount, 0, amount, sizeof amount) < 0) amount[0] = 0;
  snprintf(created, sizeof created, "%lld", (long long)v->rfq_created);
  snprintf(until, sizeof until, "%lld", (long long)v->rfq_valid_until);
  if (insert) {
    const char *p[] = {id, auction, amount, created, until, v->rfq_status};
    audit(d, v, "INSERT INTO rfqs(id, auction_id, amount, created_ms, valid_until, status)"
             " VALUES ($1::BIGINT, $2::BIGINT, $3::NUMERIC, $4::BIGINT, $5::BIGINT, $6)"
             " ON CONFLICT (id) DO NOTHING",
          6, p);
  } else {
    const char *p[] = {id, v->rfq_status};
    audit(d, v, "UPDATE rfqs SET status = $2 WHERE id = $1::BIGINT AND status <> 'filled'", 2, p);
  }
}

/* 1 when text can sit between JSON quotes as it is. */
/* The quote's legs as the JSON text desk_quote_json holds (the audit row's legs column),
 * written directly: every quote's audit row needs it, and the DOM was the desk's main cost.
 * Instruments are parsed names, so plain; anything else goes through jansson. */
static char *quote_legs_text(const struct desk_quote *q) {
  size_t cap = 3 + (size_t)q->v->nlegs * (sizeof q->v->legs[0].instrument + 2 * MONEY_FMT_MAX + 80);
  char *out = malloc(cap);
  if (!out) return NULL;
  struct json_text t;
  json_text_init(&t, out, cap);
  legs_text(&t, q);
  if (json_text_finish(&t, out) >= 0) return out;
  free(out);
  json_t *holder = desk_quote_json(q);
  char *s = json_dumps(json_object_get(holder, "legs"), JSON_COMPACT);
  json_decref(holder);
  return s;
}

/* The quote's audit row in its state now (a no-op when its fill wrote the row first). */
static int quote_row_stmt(struct desk_job *j, const struct desk_quote *q) {
  char id[24], rfq[24], nonce[24], credit[MONEY_FMT_MAX], fee[MONEY_FMT_MAX], expiry[24], created[24];
  fmt_id(q->id, id);
  fmt_id(q->rfq_id, rfq);
  snprintf(nonce, sizeof nonce, "%lld", q->nonce);
  if (money_format(q->credit, 0, credit, sizeof credit) < 0) credit[0] = 0;
  if (money_format(q->max_fee, 0, fee, sizeof fee) < 0) fee[0] = 0;
  snprintf(expiry, sizeof expiry, "%lld", (long long)q->expiry_ms);
  snprintf(created, sizeof created, "%lld", (long long)q->created_ms);
  char *legs = quote_legs_text(q);
  const char *p[] = {id,      rfq,      q->maker, nonce,     legs ? legs : "[]", credit,
                     fee,     expiry,   q->label, created,   q->status,          q->cancel_reason};
  int rc = desk_job_stmt(j, "INSERT INTO quotes(id, rfq_id, maker_id, nonce, legs, credit, max_fee,"
                            " expiry_ms, label, created_ms, status, cancel_reason) VALUES ($1::BIGINT,"
                            " $2::BIGINT, $3, $4::BIGINT, $5::JSONB, $6::NUMERIC, $7::NUMERIC,"
                            " $8::BIGINT, $9, $10::BIGINT, $11, $12) ON CONFLICT (id) DO NOTHING",
                         12, p, 0);
  free(legs);
  return rc;
}

/* A new quote's row is not posted at once: it waits for the next flush (every tick, or
 * DESK_UNWRITTEN_MAX new quotes), and goes in the state the quote has then. Most quotes of
 * a busy maker are replaced within that time, and one INSERT of the closed quote replaces an
 * INSERT and an UPDATE: the database's work per quote, the desk's ceiling, is halved. Audit
 * rows trail the fast path anyway (a fill writes its own quote row); this delays them by at
 * most one tick (100 ms). */
void desk_audit_quote(struct desk *d, struct desk_quote *q, int insert) {
  if (!insert) {
    if (q->unwritten) return; /* its row will carry this state */
    char id[24];
    fmt_id(q->id, id);
    const char *p[] = {id, q->status, q->cancel_reason};
    audit(d, q->v, "UPDATE quotes SET status = $2, cancel_reason = $3 WHERE id = $1::BIGINT AND status = 'open'",
          3, p);
    return;
  }
  if (d->nunwritten == d->capunwritten) {
    size_t cap = d->capunwritten ? d->capunwritten * 2 : DESK_UNWRITTEN_MAX;
    uint64_t *u = realloc(d->unwritten, cap * sizeof *u);
    if (!u) { /* no room to defer it: post it now */
      struct desk_job *j = desk_job_new(0);
      if (j && quote_row_stmt(j, q) == 0) desk_post(d, q->v, j);
      else desk_job_free(j);
      return;
    }
    d->unwritten = u;
    d->capunwritten = cap;
  }
  q->unwritten = 1;
  d->unwritten[d->nunwritten++] = q->id;
  if (d->nunwritten >= DESK_UNWRITTEN_MAX) desk_flush_quote_rows(d);
}

static struct desk_quote *quote_get(struct desk *d, uint64_t id);

void desk_flush_quote_rows(struct desk *d) {
  for (size_t k = 0; k < d->nunwritten; k++) {
    struct desk_quote *q = quote_get(d, d->unwritten[k]);
    if (!q || !q->unwritten) continue;
    q->unwritten = 0;
    struct desk_job *j = desk_job_new(0);
    if (!j) continue;
    if (quote_row_stmt(j, q) != 0) {
      desk_job_free(j);
      continue;
    }
    desk_post(d, q->v, j);
  }
  d->nunwritten = 0;
}

static struct desk_quote *quote_get(struct desk *d, uint64_t id) {
  char key[24];
  fmt_id(id, key);
  return strmap_get(d->quotes, key);
}

static void quote_close(struct desk *d, struct desk_quote *q, const char *status, const char *why) {
  if (!q || strcmp(q->status, "open") != 0) return;
  q->status = status;
  snprintf(q->cancel_reason, sizeof q->cancel_reason, "%s", why ? why : "");
  q->updated_ms = clock_now_ms(&d->app->clock);
  desk_audit_quote(d, q, 0);
  desk_publish_quote(d, q);
  desk_quote_closed(d, q);
}

void desk_quote_closed(struct desk *d, const struct desk_quote *q) {
  if (d->nclosed == d->capclosed) {
    size_t cap = d->capclosed ? d->capclosed * 2 : 2 * DESK_CLOSED_KEEP;
    uint64_t *c = realloc(d->closed, cap * sizeof *c);
    if (!c) return; /* kept until its RFQ's quotes are pruned */
    d->closed = c;
    d->capclosed = cap;
  }
  d->closed[d->nclosed++] = q->id;
}

/* Frees the closed quotes beyond the newest DESK_CLOSED_KEEP (their rows are in the
 * database): memory stays bounded while makers replace quotes on one long RFQ. */
static void trim_closed(struct desk *d) {
  if (d->nclosed <= DESK_CLOSED_KEEP) return;
  size_t drop = d->nclosed - DESK_CLOSED_KEEP;
  for (size_t k = 0; k < drop; k++) {
    char key[24];
    fmt_id(d->closed[k], key);
    struct desk_quote *q = strmap_get(d->quotes, key);
    if (q && strcmp(q->status, "open") != 0) free(strmap_del(d->quotes, key));
  }
  memmove(d->closed, d->closed + drop, DESK_CLOSED_KEEP * sizeof *d->closed);
  d->nclosed = DESK_CLOSED_KEEP;
}

/* ---- marks ---- */

/* The spread's marks at now: Black–Scholes puts on the oracle's spot and surface. */
static void update_mark(struct desk *d, struct desk_vault *v, int64_t now) {
  v->mark_ok = 0;
  struct oracle_market m;
  struct oracle_problem p;
  if (v->spot_order) { /* stage 4: the limit is the auction's fixed mark; the spot feeds the mandate */
    int stale = 0;
    if (oracles_spot(d->app->oracles, v->legs[0].underlying, now, &v->spot, &v->spot_ms, &stale) !=
        ORACLE_OK)
      return;
    v->mark_credit = v->spot_limit;
    v->mark_ok = 1;
    return;
  }
  if (v->nlegs != 2 || oracles_market(d->app->oracles, v->legs[0].underlying, now, &m, &p) != ORACLE_OK)
    return;
  double price[2];
  for (int k = 0; k < 2; k++) {
    double sigma = 0;
    if (oracles_iv(&m, v->legs[k].strike, v->legs[k].expiry_ms, &sigma) != ORACLE_OK) return;
    double K = pricing_from_money(v->legs[k].strike, 6);
    if (pricing_bs_price(v->legs[k].put ? PRICING_PUT : PRICING_CALL, m.S, K,
                         pricing_tau_years(now, v->legs[k].expiry_ms), sigma, m.rate, &price[k]))
      return;
  }
  int hi = v->legs[0].sell ? 0 : 1; /* the leg the vault sells */
  double credit = price[hi] - price[1 - hi];
  money_u128 mark = 0;
  /* the mark credit sets the floor: rounded down it never asks the maker for more */
  if (credit < 0 || pricing_to_money_down(credit, 6, &mark)) return;
  v->mark_credit = mark;
  v->spread_mark = mark;
  v->spot = m.spot;
  v->spot_ms = m.spot_ts;
  v->surface_ms = m.surface_ts;
  v->mark_ok = 1;
}

/* ---- execution: mandate, then the durable fill ---- */

static void record_refusal(struct desk *d, struct desk_vault *v, const struct desk_quote *q,
                           const struct mandate_refusal *why, int code, int64_t now) {
  char auction[24], quote[24], t[24], value[MONEY_FMT_MAX], bound[MONEY_FMT_MAX];
  fmt_id(v->auction_id, auction);
  fmt_id(q->id, quote);
  snprintf(t, sizeof t, "%lld", (long long)now);
  if (money_format_signed(why->value, 0, value, sizeof value) < 0) value[0] = 0;
  if (money_format_signed(why->bound, 0, bound, sizeof bound) < 0) bound[0] = 0;
  json_t *det = json_pack("{s:s,s:s,s:s,s:s,s:i}", "what", why->what ? why->what : "", "unit",
                          mandate_unit_name(why->unit), "value", value, "bound", bound, "leg", why->leg);
  char *dj = json_dumps(det, JSON_COMPACT);
  json_decref(det);
  const char *p[] = {v->id, auction, quote, q->maker, mandate_strerror(code), dj ? dj : "{}", t};
  audit(d, v, "INSERT INTO mandate_refusals(vault_id, auction_id, quote_id, maker_id, reason, details,"
           " business_ms) VALUES ($1, $2::BIGINT, $3::BIGINT, $4, $5, $6::JSONB, $7::BIGINT)",
        7, p);
  free(dj);
  log_event(LOG_WARN, "mandate_refused", "vault=%s quote=%s maker=%s reason=%s value=%s bound=%s",
            v->id, quote, q->maker, mandate_strerror(code), value, bound);
}

static money_u128 tvl_usd(const struct desk_vault *v) {
  money_u128 unit = 1, tvl = 0;
  for (unsigned k = 0; k < v->collateral_decimals; k++) unit *= 10;
  if (money_muldiv_down(v->collateral, v->spot, unit, &tvl)) tvl = 0;
  return tvl;
}

/* The mandate's view of the legs, each for `amount` spreads. */
static void mandate_legs(const struct desk_leg *nl, int n, money_u128 amount, struct mandate_leg *out) {
  for (int k = 0; k < n; k++) {
    out[k].type = nl[k].put ? MANDATE_PUT : MANDATE_CALL;
    out[k].strike = nl[k].strike;
    out[k].expiry_ms = nl[k].expiry_ms;
    out[k].side = nl[k].sell ? MANDATE_SELL : MANDATE_BUY;
    out[k].amount = amount;
  }
}

/* A quote as the mandate's spread trade at the vault's current marks (legs: 2 slots). */
static struct mandate_spread_trade spread_trade(const struct desk_vault *v, const struct desk_quote *q,
                                                struct mandate_leg *legs) {
  mandate_legs(v->legs, v->nlegs, q->amount, legs);
  struct mandate_spread_trade t = {legs, (size_t)v->nlegs, (money_i128)q->credit, v->mark_credit,
                                   v->spread_mark, {v->spot_ms, v->surface_ms}};
  return t;
}

/* USD that moves for a quote's lot. A spread: credit per spread × spreads, received, rounded
 * down. A spot order: price × amount / 10^decimals, rounded in the vault's favour: down when
 * it pays (buys), up when it receives (sells). */
static int quote_premium(const struct desk_quote *q, money_u128 *premium) {
  if (!q->v->spot_order) return money_muldiv_down(q->credit, q->amount, (money_u128)100000000, premium);
  money_u128 unit = 1;
  for (unsigned k = 0; k < q->v->collateral_decimals; k++) unit *= 10;
  return q->v->spot_side == CYCLE_SIDE_BUY ? money_muldiv_down(q->credit, q->amount, unit, premium)
                                          : money_muldiv_up(q->credit, q->amount, unit, premium);
}

static int mandate_ok(struct desk_vault *v, const struct desk_quote *q, int64_t now,
                      struct mandate_refusal *why) {
  if (v->spot_order) {
    struct mandate_spot_trade t = {v->spot_side == CYCLE_SIDE_BUY ? MANDATE_BUY : MANDATE_SELL,
                                   q->amount, q->credit, v->mark_ok ? v->spot_ms : 0};
    struct mandate_vault_state vs = {v->collateral, v->collateral_decimals, v->spot ? v->spot : 1,
                                     v->open_spreads, v->usdc, tvl_usd(v)};
    return mandate_check_spot(&v->mandate, &t, &vs, v->loss, now, why);
  }
  struct mandate_leg legs[2];
  struct mandate_spread_trade t = spread_trade(v, q, legs);
  if (!v->mark_ok) { /* no fresh marks: the oracle times make the mandate refuse as stale */
    t.oracle.spot_ms = 0;
    t.oracle.surface_ms = 0;
  }
  struct mandate_vault_state vs = {v->collateral, v->collateral_decimals, v->spot ? v->spot : 1,
                                   v->open_spreads, v->usdc, tvl_usd(v)};
  return mandate_check_spread(&v->mandate, &t, &vs, v->loss, now, why);
}

static void execute(struct desk *d, struct desk_vault *v, const struct auction_event *ev, int64_t now) {
  struct desk_quote *q = quote_get(d, ev->quote_id);
  struct mandate_refusal why;
  memset(&why, 0, sizeof why);
  int st = q ? mandate_ok(v, q, now, &why) : MANDATE_EINVALID;
  if (st != MANDATE_OK) {
    if (q) record_refusal(d, v, q, &why, st, now);
    if (auction_execution_result(v->a, now, ev->quote_id, 0) != AUCTION_OK)
      log_event(LOG_ERROR, "auction_result_failed", "vault=%s", v->id);
    char reason[48];
    snprintf(reason, sizeof reason, "mandate:%s", mandate_strerror(st));
    quote_close(d, q, "cancelled", reason);
    return;
  }
  /* durable before acknowledged: the fill, the quote, the RFQ, the auction and the vault's
   * book change in one transaction; the maker hears of it after the commit */
  money_u128 premium = 0;
  if (quote_premium(q, &premium) || premium == 0) {
    if (auction_execution_result(v->a, now, ev->quote_id, 0) != AUCTION_OK) return;
    quote_close(d, q, "cancelled", "premium_rounds_to_zero");
    return;
  }
  char *legs = quote_legs_text(q);
  struct desk_fill_row row = {
      .quote_id = q->id, .rfq_id = q->rfq_id, .auction_id = v->auction_id,
      .vault_id = v->id, .maker_id = q->maker, .label = q->label, .legs = legs ? legs : "[]",
      .amount = q->amount, .credit = q->credit, .max_fee = q->max_fee, .premium = premium,
      .mark_credit = v->mark_credit, .nonce = q->nonce, .expiry_ms = q->expiry_ms,
      .quote_created_ms = q->created_ms, .rfq_amount = v->rfq_amount,
      .rfq_created_ms = v->rfq_created, .rfq_valid_until = v->rfq_valid_until,
      .business_ms = now, .spot = v->spot_order, .buy = v->spot_side == CYCLE_SIDE_BUY};
  struct desk_job *j = desk_fill_job_new(&row);
  free(legs);
  if (!j) { /* out of memory: the lot is not executed, the auction goes on */
    if (auction_execution_result(v->a, now, ev->quote_id, 0) != AUCTION_OK)
      log_event(LOG_ERROR, "auction_result_failed", "vault=%s", v->id);
    quote_close(d, q, "cancelled", "execution_failed");
    return;
  }
  j->ctx = v;
  j->tag = q->id;
  j->urgent = 1;
  v->executing = q->id;
  desk_post(d, v, j);
}

static void fill_done(struct desk *d, struct desk_job *j) {
  struct desk_vault *v = j->ctx;
  struct desk_quote *q = quote_get(d, j->tag);
  int64_t now = clock_now_ms(&d->app->clock);
  v->executing = 0;
  int ok = j->status == 0 && q;
  if (auction_execution_result(v->a, now, j->tag, ok) != AUCTION_OK)
    log_event(LOG_ERROR, "auction_result_failed", "vault=%s quote=%llu", v->id,
              (unsigned long long)j->tag);
  if (!q) return;
  if (!ok) {
    quote_close(d, q, "cancelled", "execution_failed");
    return;
  }
  money_u128 premium = 0;
  if (quote_premium(q, &premium)) premium = 0;
  money_i128 loss = 0;
  int loss_ok;
  if (v->spot_order) {
    int buy = v->spot_side == CYCLE_SIDE_BUY;
    v->usdc += buy ? -(money_i128)premium : (money_i128)premium;
    v->collateral = buy ? v->collateral + q->amount : v->collateral - q->amount;
    struct mandate_spot_trade t = {buy ? MANDATE_BUY : MANDATE_SELL, q->amount, q->credit, v->spot_ms};
    struct mandate_vault_state vs = {v->collateral, v->collateral_decimals, v->spot ? v->spot : 1,
                                     v->open_spreads, v->usdc, tvl_usd(v)};
    loss_ok = mandate_spot_loss(&t, &vs, &loss) == MANDATE_OK;
  } else {
    v->open_spreads += q->amount;
    v->usdc += (money_i128)premium;
    v->cy.premium += (money_i128)premium;
    struct mandate_leg legs[2];
    struct mandate_spread_trade t = spread_trade(v, q, legs);
    loss_ok = mandate_spread_loss(&t, &loss) == MANDATE_OK;
  }
  if (loss_ok && mandate_loss_record(v->loss, now, loss) != MANDATE_OK)
    log_event(LOG_WARN, "mandate_loss_record_failed", "vault=%s", v->id);
  q->status = "filled";
  q->updated_ms = now;
  desk_quote_closed(d, q);
  struct desk_fill *f = &d->fills[d->nfills++ % DESK_RECENT_FILLS];
  memset(f, 0, sizeof *f);
  f->quote_id = q->id;
  f->rfq_id = q->rfq_id;
  snprintf(f->maker, sizeof f->maker, "%s", q->maker);
  snprintf(f->vault, sizeof f->vault, "%s", v->id);
  f->amount = q->amount;
  f->decimals = desk_amount_decimals(v);
  f->credit = q->credit;
  f->price[0] = q->price[0];
  f->price[1] = q->price[1];
  f->time = now;
  log_event(LOG_INFO, "fill", "vault=%s quote=%llu maker=%s amount_units=%llu", v->id,
            (unsigned long long)q->id, q->maker, (unsigned long long)q->amount);
  json_t *trades = json_array();
  for (int k = 0; k < v->nlegs; k++) {
    char trade_id[40];
    snprintf(trade_id, sizeof trade_id, "%llu-%d", (unsigned long long)q->id, k);
    json_array_append_new(
        trades, json_pack("{s:s,s:o,s:o,s:s,s:s,s:o,s:o,s:s,s:I}", "trade_id", trade_id, "quote_id",
                          id_json(q->id), "rfq_id", id_json(q->rfq_id), "instrument_name",
                          v->legs[k].instrument, "direction", v->legs[k].sell ? "buy" : "sell",
                          "amount", desk_amount(q->amount, desk_amount_decimals(v)), "price",
                          desk_amount(q->price[k], 6), "fee", "0", "timestamp", (json_int_t)now));
  }
  publish_to(d, q->maker, "trades", trades);
  desk_publish_quote(d, q);
  desk_publish_auction(d, v);
}

void desk_drain(struct desk *d) {
  struct desk_job *j = desk_writer_take_done(d->writer);
  int any = j != NULL;
  while (j) {
    struct desk_job *next = j->next;
    if (j->kind == DESK_JOB_CYCLE) desk_cycle_done(d, j);
    else fill_done(d, j);
    desk_job_free(j);
    j = next;
  }
  if (any) { /* a filled lot closes on this tick and its next RFQ opens on the following one */
    desk_tick(d);
    desk_tick(d);
  }
}

/* Closed quotes of a vault's earlier RFQs leave memory when a new RFQ opens (their rows stay
 * in the database): a long auction's memory stays bounded by what is live. */
struct prune {
  struct desk_vault *v;
  uint64_t keep_rfq;
  char (*keys)[24];
  size_t n, cap;
};

static void prune_collect(const char *key, void *value, void *arg) {
  struct prune *p = arg;
  struct desk_quote *q = value;
  if (q->v == p->v && q->rfq_id != p->keep_rfq && strcmp(q->status, "open") != 0 && p->n < p->cap)
    snprintf(p->keys[p->n++], 24, "%s", key);
}

static void prune_quotes(struct desk *d, struct desk_vault *v, uint64_t keep_rfq) {
  desk_flush_quote_rows(d); /* the rows of the quotes freed here */
  struct prune p = {v, keep_rfq, NULL, 0, strmap_count(d->quotes)};
  if (!p.cap) return;
  p.keys = calloc(p.cap, sizeof *p.keys);
  if (!p.keys) return;
  strmap_each(d->quotes, prune_collect, &p);
  for (size_t k = 0; k < p.n; k++) free(strmap_del(d->quotes, p.keys[k]));
  free(p.keys);
}

/* ---- the auction's events ---- */

static void on_event(struct desk *d, struct desk_vault *v, const struct auction_event *ev, int64_t now) {
  char auction[24];
  fmt_id(v->auction_id, auction);
  switch (ev->type) {
  case AUCTION_EV_RFQ_OPENED:
    v->rfq_id = ev->rfq_id;
    v->rfq_amount = ev->amount;
    v->rfq_created = ev->created_ms;
    v->rfq_valid_until = ev->valid_until_ms;
    v->rfq_status = "open";
    audit_rfq(d, v, 1);
    publish_rfq(d, v);
    prune_quotes(d, v, ev->rfq_id);
    break;
  case AUCTION_EV_EXECUTE:
    execute(d, v, ev, now);
    break;
  case AUCTION_EV_RFQ_FILLED:
  case AUCTION_EV_RFQ_EXPIRED:
  case AUCTION_EV_RFQ_CANCELLED:
    if (v->rfq_status && v->rfq_id == ev->rfq_id) {
      v->rfq_status = ev->type == AUCTION_EV_RFQ_FILLED    ? "filled"
                      : ev->type == AUCTION_EV_RFQ_EXPIRED ? "expired"
                                                           : "cancelled";
      if (ev->type != AUCTION_EV_RFQ_FILLED) audit_rfq(d, v, 0);
      publish_rfq(d, v);
    }
    break;
  case AUCTION_EV_QUOTE_EXPIRED:
    quote_close(d, quote_get(d, ev->quote_id), "expired", "");
    break;
  case AUCTION_EV_QUOTE_CANCELLED:
    quote_close(d, quote_get(d, ev->quote_id), "cancelled",
                ev->reason == AUCTION_REASON_RFQ_FILLED    ? "rfq_filled"
                : ev->reason == AUCTION_REASON_RFQ_EXPIRED ? "rfq_expired"
                                                           : "auction_ended");
    break;
  case AUCTION_EV_FINISHED: {
    v->finished = 1;
    v->unfilled = ev->unfilled;
    snprintf(v->finish_reason, sizeof v->finish_reason, "%s",
             ev->reason == AUCTION_REASON_SOLD_OUT ? "sold_out" : "hard_stop");
    char sold[MONEY_FMT_MAX], t[24];
    if (money_format(ev->amount, 0, sold, sizeof sold) < 0) sold[0] = 0;
    snprintf(t, sizeof t, "%lld", (long long)now);
    const char *p[] = {auction, t};
    /* urgent: the cycle's next stage may start the vault's next auction right after */
    audit_job(d, v, "UPDATE auctions SET status = 'finished', finished_ms = $2::BIGINT WHERE id = $1::BIGINT",
              2, p, 1);
    log_event(LOG_INFO, "auction_finished", "vault=%s auction=%s reason=%s sold=%s", v->id, auction,
              v->finish_reason, sold);
    desk_publish_auction(d, v);
    break;
  }
  }
}

void desk_tick(struct desk *d) {
  int64_t now = clock_now_ms(&d->app->clock);
  desk_flush_quote_rows(d); /* before closed quotes are freed */
  trim_closed(d);
  static struct auction_event events[AUCTION_TICK_EVENTS_MAX]; /* engine thread only */
  for (int i = 0; i < d->nvaults; i++) {
    struct desk_vault *v = &d->vaults[i];
    if (v->cy.enabled) desk_cycle_tick(d, v, now);
    if (!v->a || v->finished) continue;
    update_mark(d, v, now);
    if (v->mark_ok && auction_set_mark(v->a, v->mark_credit, now) != AUCTION_OK) continue;
    size_t n = 0;
    int st = auction_tick(v->a, now, events, AUCTION_TICK_EVENTS_MAX, &n);
    if (st) {
      log_event(LOG_ERROR, "auction_tick_failed", "vault=%s status=%s", v->id, auction_strerror(st));
      continue;
    }
    for (size_t k = 0; k < n; k++) on_event(d, v, &events[k], now);
  }
}

struct collect {
  struct engine_session *s;
  const char *maker;
  struct desk_quote **list;
  size_t n, cap;
};

static void collect_quote(const char *key, void *value, void *arg) {
  (void)key;
  struct collect *c = arg;
  struct desk_quote *q = value;
  int match = c->s ? q->session == c->s : strcmp(q->maker, c->maker) == 0;
  if (match && c->n < c->cap) c->list[c->n++] = q;
}

/* The quotes of a session (s) or of a maker (s NULL), in a malloc'ed array. */
struct desk_quote **desk_quotes_of(struct desk *d, struct engine_session *s, const char *maker,
                                   size_t *n) {
  struct collect c = {s, maker, NULL, 0, strmap_count(d->quotes)};
  c.list = calloc(c.cap ? c.cap : 1, sizeof *c.list);
  if (c.list) strmap_each(d->quotes, collect_quote, &c);
  *n = c.n;
  return c.list;
}

void desk_cancel_quote(struct desk *d, struct desk_quote *q, const char *why) {
  if (strcmp(q->status, "open") != 0) return;
  if (q->v->a && auction_quote_cancel(q->v->a, q->id) == AUCTION_EQUOTE_BUSY) return;
  quote_close(d, q, "cancelled", why);
}

void desk_session_closed(struct desk *d, struct engine_session *s) {
  size_t n = 0;
  struct desk_quote **list = desk_quotes_of(d, s, NULL, &n);
  for (size_t k = 0; list && k < n; k++) {
    if (s->cancel_on_disconnect) desk_cancel_quote(d, list[k], "disconnected");
    list[k]->session = NULL;
  }
  free(list);
}

/* ---- snapshots ---- */

json_t *desk_snapshot_rfqs(struct desk *d, const char *account) {
  (void)account; /* every maker may quote every RFQ */
  json_t *a = json_array();
  for (int i = 0; i < d->nvaults; i++)
    if (d->vaults[i].rfq_status && strcmp(d->vaults[i].rfq_status, "open") == 0)
      json_array_append_new(a, desk_rfq_json(&d->vaults[i]));
  return a;
}

json_t *desk_snapshot_quotes(struct desk *d, const char *account) {
  size_t n = 0;
  struct desk_quote **list = desk_quotes_of(d, NULL, account, &n);
  json_t *a = json_array();
  for (size_t k = 0; list && k < n; k++)
    if (strcmp(list[k]->status, "open") == 0) json_array_append_new(a, desk_quote_json(list[k]));
  free(list);
  return a;
}

json_t *desk_snapshot_trades(struct desk *d, const char *account) {
  json_t *a = json_array();
  size_t n = d->nfills < DESK_RECENT_FILLS ? d->nfills : DESK_RECENT_FILLS;
  for (size_t k = 0; k < n; k++) {
    const struct desk_fill *f = &d->fills[k];
    if (strcmp(f->maker, account) != 0) continue;
    json_array_append_new(a, json_pack("{s:o,s:o,s:s,s:o,s:o,s:I}", "quote_id", id_json(f->quote_id),
                                       "rfq_id", id_json(f->rfq_id), "vault_id", f->vault, "amount",
                                       desk_amount(f->amount, f->decimals), "credit",
                                       desk_amount(f->credit, 6), "timestamp", (json_int_t)f->time));
  }
  return a;
}

json_t *desk_cycle_view(struct desk *d, const char *vault, int with_floor) {
  struct desk_vault *v = desk_vault_find(d, vault);
  if (!v) return json_null();
  json_t *j = auction_json(d, v);
  struct auction_view view;
  json_t *a = json_object_get(j, "auction");
  if (v->a && json_is_object(a) && auction_view(v->a, clock_now_ms(&d->app->clock), &view) == AUCTION_OK) {
    json_object_set_new(a, "lot_size", desk_amount(v->params.lot_size, CONTRACT_DECIMALS));
    json_object_set_new(a, "mark_credit", view.has_mark ? desk_amount(view.mark_credit, 6) : json_null());
    if (with_floor)
      json_object_set_new(a, "floor_now", view.has_floor ? desk_amount(view.floor, 6) : json_null());
  }
  json_object_set_new(j, "cycle", desk_cycle_json(d, v, clock_now_ms(&d->app->clock)));
  return j;
}

json_t *desk_snapshot_auction(struct desk *d, const char *vault) {
  struct desk_vault *v = desk_vault_find(d, vault);
  if (!v) return json_array();
  return json_pack("[o]", auction_json(d, v));
}

/* ---- lifecycle ---- */

static int64_t cfg_ms(json_t *obj, const char *key, int64_t dflt) {
  json_t *v = json_object_get(obj, key);
  return json_is_integer(v) ? (int64_t)json_integer_value(v) * 1000 : dflt;
}

struct desk *desk_new(struct engine *e) {
  struct desk *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->e = e;
  d->app = e->app;
  d->quotes = strmap_new();
  d->nonces = desk_nonces_new();
  d->maker_nums = strmap_new();
  /* ids unique across restarts: the start's real time in the high bits */
  d->next_id = (uint64_t)clock_real_ms() << 20;
  size_t i;
  json_t *cfg;
  json_array_foreach(e->app->config->vaults, i, cfg) {
    if (d->nvaults == DESK_MAX_VAULTS) break;
    struct desk_vault *v = &d->vaults[d->nvaults];
    snprintf(v->id, sizeof v->id, "%s", json_string_value(json_object_get(cfg, "id")));
    const char *coll = json_string_value(json_object_get(cfg, "collateral"));
    const struct asset *a = asset_find(coll);
    snprintf(v->collateral_asset, sizeof v->collateral_asset, "%s", coll);
    v->collateral_decimals = a ? a->decimals : 8;
    auction_params_default(&v->params);
    v->params.lot_size = param_cfg_decimal(cfg, "lot_size", 8, v->params.lot_size);
    v->params.lot_rounding = param_cfg_decimal(cfg, "lot_rounding", 8, v->params.lot_rounding);
    v->params.rfq_life_ms = cfg_ms(cfg, "rfq_life_s", v->params.rfq_life_ms);
    v->params.grace_ms = cfg_ms(cfg, "rfq_grace_s", v->params.grace_ms);
    v->params.hard_stop_ms = cfg_ms(cfg, "hard_stop_s", v->params.hard_stop_ms);
    v->params.min_credit = param_cfg_decimal(cfg, "min_credit", 6, v->params.min_credit);
    v->params.max_credit = param_cfg_decimal(cfg, "max_credit", 6, v->params.max_credit);
    v->mandate = mandate_params_default(param_cfg_decimal(cfg, "strike_diff", 6, (money_u128)2000000000));
    desk_cycle_configure(v, cfg);
    v->loss = calloc(1, sizeof *v->loss);
    if (!v->loss || mandate_loss_init(v->loss, v->mandate.loss_window_ms) != MANDATE_OK) {
      desk_free(d);
      return NULL;
    }
    d->nvaults++;
  }
  if (!d->quotes || !d->nonces || !d->maker_nums) {
    desk_free(d);
    return NULL;
  }
  d->writer = desk_writer_start(e->app, e->app->config->desk_writers, e->t.wake, e->t.wake_arg);
  if (!d->writer) {
    desk_free(d);
    return NULL;
  }
  desk_cycle_restore(d, e->app->restore_cycles); /* before the auctions: they check the stage */
  desk_restore(d, e->app->restore_auctions);
  return d;
}

static void free_quote(const char *key, void *value, void *arg) {
  (void)key;
  (void)arg;
  free(value);
}

void desk_free(struct desk *d) {
  if (!d) return;
  desk_flush_quote_rows(d);
  desk_writer_stop(d->writer); /* runs what is queued first */
  for (int i = 0; i < d->nvaults; i++) {
    auction_free(d->vaults[i].a);
    free(d->vaults[i].loss);
  }
  if (d->quotes) strmap_each(d->quotes, free_quote, NULL);
  strmap_free(d->quotes);
  free(d->closed);
  free(d->unwritten);
  desk_nonces_free(d->nonces);
  strmap_free(d->maker_nums);
  free(d);
}

/* Resumes the auctions that were running (the database's rows, read at start): the same
 * auction id, what was sold, a fresh RFQ for the next lot; the mandate's loss window
 * replays the last hour's fills. A spot order (stage 4) is not resumed: it is closed and the
 * cycle sends a fresh one at the current price; nor is a spread auction whose cycle moved on. */
void desk_restore(struct desk *d, const char *json) {
  json_t *list = json ? json_loads(json, 0, NULL) : NULL;
  size_t i;
  json_t *r;
  json_array_foreach(list, i, r) {
    struct desk_vault *v = desk_vault_find(d, json_string_value(json_object_get(r, "vault_id")));
    const char *id = json_string_value(json_object_get(r, "id"));
    const char *kind = json_string_value(json_object_get(r, "kind"));
    int64_t cycle_no = json_integer_value(json_object_get(r, "cycle_no"));
    struct desk_leg nl[2];
    int spot = kind && strcmp(kind, "spot") == 0;
    int stale = v && v->cy.enabled &&
                (spot || v->cy.stage != DESK_STAGE_OPTION_AUCTION || (cycle_no && cycle_no != v->cy.cycle_no));
    if (v && id && stale) {
      char t[24];
      snprintf(t, sizeof t, "%lld", (long long)clock_now_ms(&d->app->clock));
      const char *p[] = {id, t};
      audit_job(d, v, "UPDATE auctions SET status = 'finished', finished_ms = $2::BIGINT WHERE id = $1::BIGINT",
                2, p, 1);
      log_event(LOG_INFO, "auction_closed_at_restart", "vault=%s auction=%s kind=%s", v->id, id,
                spot ? "spot" : "spread");
      continue;
    }
    if (!v || !id || spot || desk_parse_legs(json_object_get(r, "legs"), nl) != 0) {
      log_event(LOG_ERROR, "auction_restore_failed", "auction=%s", id ? id : "?");
      continue;
    }
    struct auction_snapshot snap;
    memset(&snap, 0, sizeof snap);
    snap.started_ms = json_integer_value(json_object_get(r, "started_ms"));
    snap.total = param_cfg_decimal(r, "total_amount", 0, 0);
    snap.sold = param_cfg_decimal(r, "sold_amount", 0, 0);
    snap.lots_filled = (uint64_t)json_integer_value(json_object_get(r, "lots_filled"));
    snap.first_rfq_id = d->next_id + 1;
    snap.next_rfq_id = d->next_id + 1;
    snap.n_legs = 2;
    d->next_id += 1u << 16;
    struct auction *a = NULL;
    int st = auction_restore(&v->params, &snap, &a);
    if (st != AUCTION_OK) {
      log_event(LOG_ERROR, "auction_restore_failed", "auction=%s reason=%s", id, auction_strerror(st));
      continue;
    }
    v->a = a;
    v->auction_id = strtoull(id, NULL, 10);
    memcpy(v->legs, nl, sizeof nl);
    v->nlegs = 2;
    v->spot_order = 0;
    v->auction_cycle_no = cycle_no ? cycle_no : v->cy.cycle_no;
    v->finished = 0;
    v->rfq_status = NULL;
    v->collateral = param_cfg_decimal(r, "collateral", 0, 0);
    v->open_spreads = param_cfg_decimal(r, "open_spreads", 0, 0);
    const char *u = json_string_value(json_object_get(r, "usdc"));
    money_i128 usdc = 0;
    if (u && money_parse_signed(u, strlen(u), 0, &usdc) == MONEY_OK) v->usdc = usdc;
    if (v->cy.enabled && !v->cy.expiry_ms) { /* selected, but the cycle row's save was lost */
      v->cy.expiry_ms = nl[0].expiry_ms;
      v->cy.k1 = nl[0].sell ? nl[0].strike : nl[1].strike;
      v->cy.k2 = nl[0].sell ? nl[1].strike : nl[0].strike;
    }
    size_t k;
    json_t *f;
    json_array_foreach(json_object_get(r, "fills"), k, f) {
      money_u128 credit = param_cfg_decimal(f, "credit", 0, 0), mark = param_cfg_decimal(f, "mark", 0, 0),
                 amount = param_cfg_decimal(f, "amount", 0, 0), loss = 0;
      if (mark > credit && money_muldiv_up(mark - credit, amount, (money_u128)100000000, &loss) == MONEY_OK &&
          mandate_loss_record(v->loss, json_integer_value(json_object_get(f, "ms")), (money_i128)loss) !=
              MANDATE_OK)
        log_event(LOG_WARN, "mandate_loss_replay_failed", "vault=%s", v->id);
    }
    log_event(LOG_INFO, "auction_resumed", "vault=%s auction=%s", v->id, id);
  }
  json_decref(list);
}

int desk_parse_legs(json_t *legs, struct desk_leg nl[2]) {
  if (!json_is_array(legs) || json_array_size(legs) != 2) return -1;
  memset(nl, 0, 2 * sizeof *nl);
  for (int k = 0; k < 2; k++) {
    json_t *l = json_array_get(legs, (size_t)k);
    const char *name = json_string_value(json_object_get(l, "instrument_name"));
    const char *dir = json_string_value(json_object_get(l, "direction"));
    struct pricing_instrument ins;
    if (!name || !dir || (strcmp(dir, "sell") && strcmp(dir, "buy")) ||
        pricing_instrument_parse(name, strlen(name), &ins) != 0)
      return -1;
    snprintf(nl[k].instrument, sizeof nl[k].instrument, "%s", name);
    snprintf(nl[k].underlying, sizeof nl[k].underlying, "%s", ins.underlying);
    nl[k].sell = strcmp(dir, "sell") == 0;
    nl[k].strike = ins.strike;
    nl[k].expiry_ms = ins.expiry_ms;
    nl[k].put = ins.type == PRICING_PUT;
  }
  return 0;
}

static json_t *legs_json(const struct desk_leg *nl, int n) {
  json_t *a = json_array();
  for (int k = 0; k < n; k++)
    json_array_append_new(a, json_pack("{s:s,s:s}", "instrument_name", nl[k].instrument, "direction",
                                       nl[k].sell ? "sell" : "buy"));
  return a;
}

int desk_launch_auction(struct desk *d, struct desk_vault *v, const struct desk_leg *nl, int nlegs,
                        money_u128 amount, const char *by, int64_t now, struct desk_error *err) {
  struct auction_params p = v->params;
  if (nlegs == 1) { /* stage 4: one RFQ for the whole order at a fixed limit */
    p.lot_size = amount;
    p.lot_rounding = v->cy.convert.step;
    p.hard_stop_ms = p.rfq_life_ms;
    /* a limit order: any quote inside the limit is good, so the first is judged at once
     * (the 15 s grace gives every maker a chance at an option lot's decaying floor) */
    p.grace_ms = 0;
    p.floor_slope_ppm_per_min = 0;
    p.min_credit = 1;
    p.max_credit = MONEY_U128_MAX;
    p.lowest_wins = v->spot_side == CYCLE_SIDE_BUY;
  }
  struct auction *a = NULL;
  uint64_t auction_id = ++d->next_id;
  uint64_t first_rfq = d->next_id + 1;
  d->next_id += 1u << 16; /* this auction's RFQ ids */
  int st = auction_new(&p, now, amount, (unsigned)nlegs, first_rfq, &a);
  if (st != AUCTION_OK) {
    *err = (struct desk_error){-32602, "the auction parameters are invalid",
                               json_pack("{s:s}", "reason", auction_strerror(st))};
    return -1;
  }
  auction_free(v->a);
  v->a = a;
  v->auction_id = auction_id;
  memcpy(v->legs, nl, (size_t)nlegs * sizeof *nl);
  v->nlegs = nlegs;
  v->spot_order = nlegs == 1;
  v->auction_cycle_no = v->cy.cycle_no;
  v->finished = 0;
  v->rfq_status = NULL;
  v->executing = 0;
  char id[24], total[MONEY_FMT_MAX], started[24], stop[24], cycle[24], limit[MONEY_FMT_MAX];
  fmt_id(auction_id, id);
  if (money_format(amount, 0, total, sizeof total) < 0) total[0] = 0;
  if (money_format(v->spot_limit, 0, limit, sizeof limit) < 0) limit[0] = 0;
  snprintf(started, sizeof started, "%lld", (long long)now);
  snprintf(stop, sizeof stop, "%lld", (long long)(now + p.hard_stop_ms));
  snprintf(cycle, sizeof cycle, "%lld", (long long)v->cy.cycle_no);
  json_t *lj = legs_json(nl, nlegs);
  char *ljs = json_dumps(lj, JSON_COMPACT);
  json_decref(lj);
  const char *prm[] = {id, v->id, ljs ? ljs : "[]", total, started, stop, by, v->spot_order ? "spot" : "spread",
                       v->spot_order ? limit : NULL, cycle};
  /* urgent: a fill updates this row, and fills jump the audit queue */
  audit_job(d, v, "INSERT INTO auctions(id, vault_id, legs, total_amount, started_ms, hard_stop_ms, started_by,"
               " kind, limit_price, cycle_no) VALUES ($1::BIGINT, $2, $3::JSONB, $4::NUMERIC, $5::BIGINT,"
               " $6::BIGINT, $7, $8, $9::NUMERIC, $10::BIGINT)",
            10, prm, 1);
  free(ljs);
  log_event(LOG_INFO, "auction_started", "vault=%s auction=%s kind=%s amount_units=%s by=%s", v->id, id,
            v->spot_order ? "spot" : "spread", total, by ? by : "cycle");
  desk_tick(d); /* opens the first RFQ now */
  return 0;
}

struct vault_quotes {
  struct desk_vault *v;
  struct desk_quote **list;
  size_t n, cap;
};

static void collect_open_of_vault(const char *key, void *value, void *arg) {
  (void)key;
  struct vault_quotes *c = arg;
  struct desk_quote *q = value;
  if (q->v == c->v && strcmp(q->status, "open") == 0 && c->n < c->cap) c->list[c->n++] = q;
}

/* Every open quote of v is cancelled for `why`. */
static void close_vault_quotes(struct desk *d, struct desk_vault *v, const char *why) {
  struct vault_quotes c = {v, NULL, 0, strmap_count(d->quotes)};
  if (!c.cap) return;
  c.list = calloc(c.cap, sizeof *c.list);
  if (!c.list) return;
  strmap_each(d->quotes, collect_open_of_vault, &c);
  for (size_t k = 0; k < c.n; k++) quote_close(d, c.list[k], "cancelled", why);
  free(c.list);
}

int desk_abort_auction(struct desk *d, struct desk_vault *v, const char *why) {
  if (!v->a || v->finished) return 0;
  if (v->executing) return -1;
  int64_t now = clock_now_ms(&d->app->clock);
  /* the RFQ and its open quotes end as at a hard stop */
  close_vault_quotes(d, v, why);
  if (v->rfq_status && strcmp(v->rfq_status, "open") == 0) {
    v->rfq_status = "cancelled";
    audit_rfq(d, v, 0);
    publish_rfq(d, v);
  }
  v->finished = 1;
  snprintf(v->finish_reason, sizeof v->finish_reason, "%s", why);
  char auction[24], t[24];
  fmt_id(v->auction_id, auction);
  snprintf(t, sizeof t, "%lld", (long long)now);
  const char *p2[] = {auction, t};
  audit_job(d, v, "UPDATE auctions SET status = 'finished', finished_ms = $2::BIGINT WHERE id = $1::BIGINT", 2,
            p2, 1);
  log_event(LOG_INFO, "auction_finished", "vault=%s auction=%s reason=%s", v->id, auction, why);
  desk_publish_auction(d, v);
  return 0;
}

/* operator/start_auction {vault, legs:[{instrument_name, direction}], amount, collateral,
 * open_spreads, usdc}: the book figures come from the REST route's database read. */
int desk_start_auction(struct desk *d, json_t *params, const char *by, json_t **result,
                       struct desk_error *err) {
  const char *vid = json_string_value(json_object_get(params, "vault"));
  struct desk_vault *v = vid ? desk_vault_find(d, vid) : NULL;
  if (!v) {
    *err = (struct desk_error){-32602, "unknown covered put spread vault", NULL};
    return -1;
  }
  if (v->a && !v->finished) {
    *err = (struct desk_error){-32602, "an auction is already running for this vault",
                               json_pack("{s:o}", "auction_id", id_json(v->auction_id))};
    return -1;
  }
  if (v->cy.enabled && desk_cycle_allow_operator(d, v, err) != 0) return -1;
  json_t *legs = json_object_get(params, "legs");
  if (!json_is_array(legs) || json_array_size(legs) != 2) {
    *err = (struct desk_error){-32602, "legs: exactly two put legs", NULL};
    return -1;
  }
  struct desk_leg nl[2];
  if (desk_parse_legs(legs, nl) != 0) {
    *err = (struct desk_error){-32602, "each leg: instrument_name like BTC-20261127-56000-P and"
                                       " direction sell|buy", NULL};
    return -1;
  }
  int64_t now = clock_now_ms(&d->app->clock);
  /* the structure rules of the mandate, before anything is offered */
  struct mandate_leg ml[2];
  money_u128 amount = 0;
  const char *amt = json_string_value(json_object_get(params, "amount"));
  if (!amt || money_parse(amt, strlen(amt), 8, &amount) != MONEY_OK || amount == 0) {
    *err = (struct desk_error){-32602, "amount: a positive decimal string (spreads)", NULL};
    return -1;
  }
  mandate_legs(nl, 2, amount, ml);
  struct mandate_refusal why;
  int st = mandate_check_structure(&v->mandate, ml, 2, &why);
  if (st != MANDATE_OK) {
    *err = (struct desk_error){-32602, "the mandate refuses this structure",
                               json_pack("{s:s,s:s}", "reason", mandate_strerror(st), "what",
                                         why.what ? why.what : "")};
    return -1;
  }
  v->collateral = param_cfg_decimal(params, "collateral", 0, 0);
  v->open_spreads = param_cfg_decimal(params, "open_spreads", 0, 0);
  const char *usdc = json_string_value(json_object_get(params, "usdc"));
  money_i128 u = 0;
  if (usdc && money_parse_signed(usdc, strlen(usdc), 0, &u) == MONEY_OK) v->usdc = u;
  if (desk_launch_auction(d, v, nl, 2, amount, by, now, err) != 0) return -1;
  if (v->cy.enabled) desk_cycle_adopt(d, v, now);
  *result = json_pack("{s:o,s:s,s:I,s:I}", "auction_id", id_json(v->auction_id), "vault_id", v->id,
                      "started_ms", (json_int_t)now, "hard_stop_at_ms",
                      (json_int_t)(now + v->params.hard_stop_ms));
  return 0;
}
