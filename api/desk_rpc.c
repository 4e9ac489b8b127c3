/* desk_rpc: the makers' JSON-RPC methods (SPEC 4, Derive's names): quotes are validated in
 * full before anything changes; every failure is a stable JSON-RPC error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk_internal.h"
#include "rpc_errors.h"

#define QUOTE_MIN_LIFE_MS 10000
#define QUOTE_MAX_LIFE_MS 1800000

static int fail(struct desk_error *err, int code, const char *msg, json_t *data) {
  err->code = code;
  err->message = msg;
  err->data = data;
  return -1;
}

static int bad(struct desk_error *err, const char *reason, const char *msg) {
  return fail(err, RPC_INVALID_PARAMS, msg, json_pack("{s:s}", "reason", reason));
}

/* An id given as a string or an integer. */
static int read_id(json_t *v, uint64_t *out) {
  if (json_is_integer(v) && json_integer_value(v) > 0) {
    *out = (uint64_t)json_integer_value(v);
    return 0;
  }
  const char *s = json_string_value(v);
  if (!s || !*s || strlen(s) > 20) return -1;
  char *end;
  unsigned long long x = strtoull(s, &end, 10);
  if (*end || x == 0) return -1;
  *out = x;
  return 0;
}

static struct desk_quote *find_quote(struct desk *d, uint64_t id) {
  char key[24];
  snprintf(key, sizeof key, "%llu", (unsigned long long)id);
  return strmap_get(d->quotes, key);
}

/* Everything send_quote checks, into a quote not yet registered (q). */
static int parse_quote(struct desk *d, struct engine_session *s, json_t *p, int64_t now,
                       struct desk_quote *q, struct desk_error *err) {
  memset(q, 0, sizeof *q);
  /* back-pressure: the quotes' audit rows wait in the writer's queue; past this many the
   * desk asks makers to slow down rather than let its memory grow without bound */
  if (desk_writer_backlog(d->writer) > DESK_AUDIT_BACKLOG_MAX)
    return fail(err, RPC_RATE_LIMITED, "rate limited, retry after 200 ms (the desk's audit queue is full)",
                json_pack("{s:i,s:s}", "retry_after_ms", 200, "reason", "audit_backlog"));
  uint64_t rfq_id = 0;
  if (read_id(json_object_get(p, "rfq_id"), &rfq_id))
    return bad(err, "rfq_id", "rfq_id is required");
  struct desk_vault *v = NULL;
  for (int i = 0; i < d->nvaults; i++)
    if (d->vaults[i].rfq_status && d->vaults[i].rfq_id == rfq_id) v = &d->vaults[i];
  if (!v) return fail(err, RPC_RFQ_NOT_FOUND, "RFQ not found", NULL);
  if (strcmp(v->rfq_status, "open") != 0)
    return fail(err, RPC_RFQ_NOT_OPEN, "RFQ is not open", json_pack("{s:s}", "status", v->rfq_status));
  const char *dir = json_string_value(json_object_get(p, "direction"));
  if (!dir || strcmp(dir, "sell") != 0)
    return bad(err, "direction", "direction must be \"sell\": the maker sells the vault the package as stated");
  json_t *legs = json_object_get(p, "legs");
  if (!json_is_array(legs) || json_array_size(legs) != (size_t)v->nlegs)
    return fail(err, RPC_LEGS_MISMATCH, "legs must equal the RFQ's legs", NULL);
  int seen[2] = {0, 0};
  size_t i;
  json_t *l;
  json_array_foreach(legs, i, l) {
    const char *name = json_string_value(json_object_get(l, "instrument_name"));
    const char *ld = json_string_value(json_object_get(l, "direction"));
    const char *amt = json_string_value(json_object_get(l, "amount"));
    money_u128 a = 0;
    int k = -1;
    for (int j = 0; j < v->nlegs; j++)
      if (name && strcmp(name, v->legs[j].instrument) == 0) k = j;
    if (k < 0 || seen[k] || !ld || strcmp(ld, v->legs[k].sell ? "sell" : "buy") != 0 || !amt ||
        money_parse(amt, strlen(amt), desk_amount_decimals(v), &a) != MONEY_OK || a != v->rfq_amount)
      return fail(err, RPC_LEGS_MISMATCH, "legs must equal the RFQ's instruments, directions and amounts",
                  json_pack("{s:i}", "leg", (int)i));
    seen[k] = 1;
    const char *price = json_string_value(json_object_get(l, "price"));
    money_u128 pr = 0;
    if (!price || money_parse(price, strlen(price), 6, &pr) != MONEY_OK || pr == 0)
      return fail(err, RPC_INVALID_PARAMS, "price must be a positive decimal string",
                  json_pack("{s:s,s:i}", "reason", "price_not_positive", "leg", (int)i));
    if (pr % DESK_TICK_USD)
      return fail(err, RPC_INVALID_PARAMS, "price is not on the 0.01 tick",
                  json_pack("{s:s,s:i}", "reason", "price_not_on_tick", "leg", (int)i));
    q->price[k] = pr;
  }
  money_u128 sells = 0, buys = 0;
  for (int k = 0; k < v->nlegs; k++) {
    if (v->legs[k].sell) sells += q->price[k];
    else buys += q->price[k];
  }
  if (v->spot_order) { /* a spot order is judged on its price (the auction knows the side) */
    q->credit = q->price[0];
  } else {
    if (sells <= buys) return bad(err, "credit_not_positive", "the vault's credit must be positive");
    q->credit = sells - buys;
  }
  const char *fee = json_string_value(json_object_get(p, "max_fee"));
  if (fee && money_parse(fee, strlen(fee), 6, &q->max_fee) != MONEY_OK)
    return bad(err, "max_fee", "max_fee must be a decimal string");
  /* the desk charges makers no fee today: any max_fee >= 0 covers it */
  json_t *nonce = json_object_get(p, "nonce");
  if (!json_is_integer(nonce)) return bad(err, "nonce", "nonce must be an integer");
  q->nonce = (long long)json_integer_value(nonce);
  if (desk_nonce_used(d->nonces, s->who.account, q->nonce))
    return fail(err, RPC_NONCE_REUSED, "nonce already used (or below the last 4096 of this maker: use increasing nonces)",
                NULL);
  json_t *exp = json_object_get(p, "signature_expiry_sec");
  if (!json_is_integer(exp)) return bad(err, "signature_expiry_sec", "signature_expiry_sec (unix seconds) is required");
  q->expiry_ms = (int64_t)json_integer_value(exp) * 1000;
  if (q->expiry_ms < now + QUOTE_MIN_LIFE_MS || q->expiry_ms > now + QUOTE_MAX_LIFE_MS)
    return fail(err, RPC_INVALID_PARAMS, "signature_expiry_sec must be within [now + 10 s, now + 1800 s]",
                json_pack("{s:s,s:I}", "reason", "signature_expiry_out_of_range", "now_ms", (json_int_t)now));
  const char *label = json_string_value(json_object_get(p, "label"));
  snprintf(q->label, sizeof q->label, "%s", label ? label : "");
  q->rfq_id = rfq_id;
  q->v = v;
  q->amount = v->rfq_amount;
  snprintf(q->maker, sizeof q->maker, "%s", s->who.account);
  q->session = s->conn ? s : NULL;
  q->created_ms = q->updated_ms = now;
  q->status = "open";
  return 0;
}

static int register_quote(struct desk *d, struct desk_quote *tmp, struct desk_quote **out) {
  struct desk_quote *q = malloc(sizeof *q);
  if (!q) return -1;
  *q = *tmp;
  q->id = ++d->next_id;
  char key[24];
  snprintf(key, sizeof key, "%llu", (unsigned long long)q->id);
  if (strmap_put(d->quotes, key, q) != 0 || desk_nonce_add(d->nonces, q->maker, q->nonce) != 0) {
    strmap_del(d->quotes, key);
    free(q);
    return -1;
  }
  *out = q;
  return 0;
}

static int auction_error(int st, struct desk_error *err) {
  if (st == AUCTION_ERFQ_NOT_OPEN) return fail(err, RPC_RFQ_NOT_OPEN, "RFQ is not open", NULL);
  if (st == AUCTION_ERFQ_UNKNOWN) return fail(err, RPC_RFQ_NOT_FOUND, "RFQ not found", NULL);
  return fail(err, RPC_INVALID_PARAMS, "the quote cannot be accepted",
              json_pack("{s:s}", "reason", auction_strerror(st)));
}

/* A quote reply as text: {"<key>":<q>} pieces written without a DOM (NULL: use jansson). */
static char *quotes_text(const char *k1, const struct desk_quote *q1, const char *k2,
                         const struct desk_quote *q2) {
  enum { QUOTE_TEXT_MAX = 2048 };
  char *out = malloc(2 * QUOTE_TEXT_MAX + 64);
  if (!out) return NULL;
  size_t n = 0;
  const char *keys[] = {k1, k2};
  const struct desk_quote *qs[] = {q1, q2};
  for (int i = 0; i < 2 && qs[i]; i++) {
    if (keys[i]) n += (size_t)sprintf(out + n, "%s\"%s\":", i ? "," : "{", keys[i]);
    long len = desk_quote_text(qs[i], out + n, QUOTE_TEXT_MAX);
    if (len < 0) {
      free(out);
      return NULL;
    }
    n += (size_t)len;
  }
  if (k1) out[n++] = '}';
  out[n] = 0;
  return out;
}

static int m_send_quote(struct desk *d, struct engine_session *s, json_t *p, int64_t now,
                        json_t **result, char **result_text, struct desk_error *err) {
  struct desk_quote tmp, *q = NULL;
  if (parse_quote(d, s, p, now, &tmp, err)) return -1;
  if (register_quote(d, &tmp, &q)) return fail(err, RPC_INTERNAL_ERROR, "out of memory", NULL);
  int st = auction_quote_add(q->v->a, now, desk_maker_num(d, q->maker), q->id, q->rfq_id, q->credit,
                             q->expiry_ms);
  if (st != AUCTION_OK) {
    char key[24];
    snprintf(key, sizeof key, "%llu", (unsigned long long)q->id);
    strmap_del(d->quotes, key);
    free(q); /* the nonce stays used: a refused quote still spent it */
    return auction_error(st, err);
  }
  desk_audit_quote(d, q, 1);
  desk_publish_quote(d, q);
  *result_text = quotes_text(NULL, q, NULL, NULL);
  if (!*result_text) *result = desk_quote_json(q);
  return 0;
}

static struct desk_quote *own_quote(struct desk *d, struct engine_session *s, json_t *id,
                                    struct desk_error *err) {
  uint64_t qid = 0;
  struct desk_quote *q = read_id(id, &qid) ? NULL : find_quote(d, qid);
  if (!q || strcmp(q->maker, s->who.account) != 0) {
    fail(err, RPC_INVALID_PARAMS, "quote not found", json_pack("{s:s}", "reason", "quote_not_found"));
    return NULL;
  }
  return q;
}

static int m_replace_quote(struct desk *d, struct engine_session *s, json_t *p, int64_t now,
                           json_t **result, char **result_text, struct desk_error *err) {
  struct desk_quote *old = own_quote(d, s, json_object_get(p, "quote_id_to_cancel"), err);
  if (!old) return -1;
  if (strcmp(old->status, "open") != 0)
    return fail(err, RPC_INVALID_PARAMS, "the quote to cancel is not open",
                json_pack("{s:s,s:s}", "reason", "quote_not_open", "status", old->status));
  struct desk_quote tmp, *q = NULL;
  if (parse_quote(d, s, p, now, &tmp, err)) return -1;
  if (tmp.rfq_id != old->rfq_id) return bad(err, "rfq_id", "a replacement quotes the same RFQ");
  if (register_quote(d, &tmp, &q)) return fail(err, RPC_INTERNAL_ERROR, "out of memory", NULL);
  int st = auction_quote_replace(q->v->a, now, old->id, desk_maker_num(d, q->maker), q->id,
                                 q->rfq_id, q->credit, q->expiry_ms);
  if (st != AUCTION_OK) {
    char key[24];
    snprintf(key, sizeof key, "%llu", (unsigned long long)q->id);
    strmap_del(d->quotes, key);
    free(q);
    return auction_error(st, err);
  }
  old->status = "cancelled";
  snprintf(old->cancel_reason, sizeof old->cancel_reason, "replaced");
  old->updated_ms = now;
  desk_audit_quote(d, old, 0);
  desk_audit_quote(d, q, 1);
  desk_publish_quote(d, old);
  desk_publish_quote(d, q);
  desk_quote_closed(d, old);
  *result_text = quotes_text("cancelled_quote", old, "quote", q);
  if (!*result_text)
    *result = json_pack("{s:o,s:o}", "cancelled_quote", desk_quote_json(old), "quote", desk_quote_json(q));
  return 0;
}

static int m_cancel_quote(struct desk *d, struct engine_session *s, json_t *p, json_t **result,
                          struct desk_error *err) {
  struct desk_quote *q = own_quote(d, s, json_object_get(p, "quote_id"), err);
  if (!q) return -1;
  if (strcmp(q->status, "open") != 0)
    return fail(err, RPC_INVALID_PARAMS, "the quote is not open",
                json_pack("{s:s,s:s}", "reason", "quote_not_open", "status", q->status));
  if (q->v->a && auction_quote_cancel(q->v->a, q->id) == AUCTION_EQUOTE_BUSY)
    return fail(err, RPC_INVALID_PARAMS, "the quote is being executed",
                json_pack("{s:s}", "reason", "quote_executing"));
  desk_cancel_quote(d, q, "user_request");
  *result = desk_quote_json(q);
  return 0;
}

static int m_cancel_batch(struct desk *d, struct engine_session *s, json_t *p, json_t **result) {
  uint64_t rfq = 0;
  int by_rfq = json_object_get(p, "rfq_id") && read_id(json_object_get(p, "rfq_id"), &rfq) == 0;
  const char *label = json_string_value(json_object_get(p, "label"));
  size_t n = 0;
  struct desk_quote **list = desk_quotes_of(d, NULL, s->who.account, &n);
  json_t *ids = json_array();
  for (size_t k = 0; list && k < n; k++) {
    struct desk_quote *q = list[k];
    if (strcmp(q->status, "open") || (by_rfq && q->rfq_id != rfq) || (label && strcmp(q->label, label)))
      continue;
    desk_cancel_quote(d, q, "user_request");
    if (strcmp(q->status, "cancelled") == 0) {
      char id[24];
      snprintf(id, sizeof id, "%llu", (unsigned long long)q->id);
      json_array_append_new(ids, json_string(id));
    }
  }
  free(list);
  *result = json_pack("{s:o}", "cancelled_ids", ids);
  return 0;
}

static int m_get_quotes(struct desk *d, struct engine_session *s, json_t *p, json_t **result) {
  uint64_t rfq = 0;
  int by_rfq = json_object_get(p, "rfq_id") && read_id(json_object_get(p, "rfq_id"), &rfq) == 0;
  const char *status = json_string_value(json_object_get(p, "status"));
  size_t n = 0;
  struct desk_quote **list = desk_quotes_of(d, NULL, s->who.account, &n);
  json_t *a = json_array();
  for (size_t k = 0; list && k < n; k++) {
    struct desk_quote *q = list[k];
    if ((by_rfq && q->rfq_id != rfq) || (status && strcmp(q->status, status))) continue;
    json_array_append_new(a, desk_quote_json(q));
  }
  free(list);
  *result = json_pack("{s:o}", "quotes", a);
  return 0;
}

int desk_rpc(struct desk *d, struct engine_session *s, const char *method, json_t *params,
             json_t **result, char **result_text, struct desk_error *err) {
  int64_t now = clock_now_ms(&d->app->clock);
  if (strcmp(method, "operator/start_auction") == 0) {
    if (!s->internal)
      return fail(err, RPC_FORBIDDEN, "use POST /v1/admin/vaults/{id}/auctions", NULL);
    return desk_start_auction(d, params, s->who.account, result, err);
  }
  if (strcmp(method, "operator/cycle") == 0) {
    if (!s->internal) return fail(err, RPC_FORBIDDEN, "use GET /v1/vaults/{id}/cycle", NULL);
    const char *vid = json_string_value(json_object_get(params, "vault"));
    *result = desk_cycle_view(d, vid ? vid : "", json_is_true(json_object_get(params, "with_floor")));
    return 0;
  }
  if (strcmp(method, "private/send_quote") == 0) return m_send_quote(d, s, params, now, result, result_text, err);
  if (strcmp(method, "private/replace_quote") == 0)
    return m_replace_quote(d, s, params, now, result, result_text, err);
  if (strcmp(method, "private/cancel_quote") == 0) return m_cancel_quote(d, s, params, result, err);
  if (strcmp(method, "private/cancel_batch_quotes") == 0) return m_cancel_batch(d, s, params, result);
  if (strcmp(method, "private/get_quotes") == 0) return m_get_quotes(d, s, params, result);
  if (strcmp(method, "private/poll_rfqs") == 0) {
    *result = json_pack("{s:o}", "rfqs", desk_snapshot_rfqs(d, s->who.account));
    return 0;
  }
  if (strcmp(method, "private/set_cancel_on_disconnect") == 0) {
    json_t *en = json_object_get(params, "enabled");
    if (!json_is_boolean(en)) return bad(err, "enabled", "enabled must be true or false");
    s->cancel_on_disconnect = json_is_true(en);
    *result = json_string("ok");
    return 0;
  }
  return fail(err, RPC_METHOD_NOT_FOUND, "method not found", NULL);
}
