/* ws_load: a libwebsockets client load generator for the desk benchmark (bench/desk_bench.py).
 *
 * N connections to a ws:// URL on loopback, each optionally logged in (public/login, HMAC-SHA256
 * over timestamp + "GET/ws"), then JSON-RPC requests for a warm-up and a measured window:
 * closed loop (one request in flight per connection, as fast as the server answers) or open
 * loop at a target total rate. Responses are matched by JSON-RPC id; the latency is send (the
 * lws_write) to the complete response. Connections that close are reconnected (and logged in
 * again) until the window ends; their requests in flight count as lost.
 *
 * Modes:
 *   echo        {"jsonrpc":"2.0","id":N,"method":"echo","params":{...pad...}}; the answer is the
 *               same text (bench/lws_echo).
 *   send_quote  private/send_quote on the RFQ(s) given, a fresh nonce per request; the desk
 *               answers with a result or an error: both are counted, errors by code/reason.
 *               --replace: once a connection's quote is accepted, its next quotes are
 *               private/replace_quote of that quote, so each connection holds at most one
 *               open quote (the desk caps an RFQ's book at 256 open quotes). With --rate,
 *               a connection keeps one request in flight: a request due while the previous
 *               answer is awaited waits for it (counted as deferred).
 *
 * Prints one line: `ws_load mode=… conns=… ready=… count=… per_s=… p50_us=… p99_us=…
 * results=… errors=… …` (count and per_s: responses completed inside the measured window).
 *
 * Usage: ws_load --url ws://127.0.0.1:PORT/ws --conns N --duration S [--warmup S] [--rate R]
 *          [--threads T] [--mode echo|send_quote] [--replace] [--creds FILE]
 *          [--cancel-on-disconnect] [--rfq ID[,ID…]] [--leg NAME,DIR,AMOUNT,PRICE]…
 *          [--expiry-sec UNIX_S] [--nonce-base N] [--pad BYTES] [--connect-timeout S]
 * FILE holds one "api_key secret" pair a line; connection i uses pair i mod count and RFQ
 * i mod count. */
#include <errno.h>
#include <getopt.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hmac.h"

#define LOAD_PEND_MAX 64 /* requests in flight per connection (open loop) */
#define LOAD_TX_MAX 4096 /* one request's text */
#define LOAD_MAX_CREDS 256
#define LOAD_MAX_RFQS 64
#define LOAD_MAX_LEGS 8
#define LOAD_ERRKINDS 16
#define LOAD_RETRY_US (200 * LWS_US_PER_MS)
#define LOAD_DRAIN_US (2 * LWS_USEC_PER_SEC)
#define LOAD_CLOSE_US (1 * LWS_USEC_PER_SEC)

enum load_mode { LOAD_ECHO, LOAD_SEND_QUOTE };
enum load_phase { PH_WAIT, PH_WARM, PH_MEASURE, PH_DRAIN, PH_DONE };
enum load_state { ST_DOWN, ST_CONNECTING, ST_LOGIN, ST_COD, ST_READY, ST_CLOSING, ST_FAILED };
enum load_kind { K_LOGIN, K_COD, K_REQ };

struct load_cred {
  char key[128], secret[160];
};

struct load_cfg {
  char host[64], path[128];
  int port;
  int conns, threads;
  double duration_s, warmup_s, rate, connect_timeout_s;
  enum load_mode mode;
  int replace, cancel_on_disconnect;
  struct load_cred creds[LOAD_MAX_CREDS];
  int ncreds;
  char rfqs[LOAD_MAX_RFQS][24];
  int nrfqs;
  char legs_json[1024];
  int nlegs;
  long long expiry_sec;
  int pad;
};

struct load_errkind {
  int code;
  char reason[48];
  uint64_t n;
};

struct load_stats {
  uint64_t count, results, errors, sent, lost, late, reconnects, skipped, login_failed;
  uint64_t deferred; /* open loop with --replace: a due request waited for the answer before */
  uint32_t *lat; /* µs, completions inside the window */
  size_t nlat, caplat;
  struct load_errkind kinds[LOAD_ERRKINDS];
  int nkinds;
  uint64_t kinds_other;
};

struct load_worker;

struct load_conn {
  struct load_worker *w;
  struct lws *wsi;
  lws_sorted_usec_list_t retry;
  int idx;
  enum load_state state;
  int established, counted_ready, want_ctrl;
  const struct load_cred *cred;
  const char *rfq;
  char quote_id[24]; /* --replace: this connection's open quote */
  uint64_t next_id;
  int credit; /* open loop: requests due */
  int npend;
  uint64_t pend_id[LOAD_PEND_MAX];
  int64_t pend_ts[LOAD_PEND_MAX];
  unsigned char pend_kind[LOAD_PEND_MAX];
  char *rx;
  size_t rx_len, rx_cap;
};

struct load_worker {
  int id;
  pthread_t thread;
  struct lws_context *ctx;
  lws_sorted_usec_list_t tick;
  struct load_conn *conns;
  int nconns, nopen, rr, kicked, closing, quit;
  int64_t closing_at;
  double rate;     /* this worker's share of --rate */
  uint64_t issued; /* open loop: requests made due so far */
  struct load_stats st;
  unsigned char tx[LWS_PRE + LOAD_TX_MAX];
};

static struct load_cfg g_cfg;
static _Atomic int64_t g_t0 = INT64_MAX; /* warm-up start, monotonic µs */
static atomic_int g_ready, g_ctx_up;
static atomic_ullong g_nonce;

static int64_t load_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t load_real_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t load_warm_us(void) {
  return (int64_t)(g_cfg.warmup_s * 1e6);
}
static int64_t load_dur_us(void) {
  return (int64_t)(g_cfg.duration_s * 1e6);
}

static enum load_phase load_phase_at(int64_t now) {
  int64_t t0 = atomic_load(&g_t0);
  if (t0 == INT64_MAX || now < t0) return PH_WAIT;
  if (now < t0 + load_warm_us()) return PH_WARM;
  if (now < t0 + load_warm_us() + load_dur_us()) return PH_MEASURE;
  if (now < t0 + load_warm_us() + load_dur_us() + LOAD_DRAIN_US) return PH_DRAIN;
  return PH_DONE;
}

static int load_sending(enum load_phase p) {
  return p == PH_WARM || p == PH_MEASURE;
}

/* ---- statistics ---- */

static void stats_latency(struct load_stats *st, int64_t us) {
  if (st->nlat == st->caplat) {
    size_t ncap = st->caplat ? st->caplat * 2 : 65536;
    uint32_t *n = realloc(st->lat, ncap * sizeof *n);
    if (!n) return;
    st->lat = n;
    st->caplat = ncap;
  }
  st->lat[st->nlat++] = us < 0 ? 0 : us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static void stats_errkind(struct load_stats *st, int code, const char *reason, uint64_t n) {
  for (int i = 0; i < st->nkinds; i++)
    if (st->kinds[i].code == code && strcmp(st->kinds[i].reason, reason) == 0) {
      st->kinds[i].n += n;
      return;
    }
  if (st->nkinds == LOAD_ERRKINDS) {
    st->kinds_other += n;
    return;
  }
  struct load_errkind *k = &st->kinds[st->nkinds++];
  k->code = code;
  snprintf(k->reason, sizeof k->reason, "%s", reason);
  k->n = n;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static uint32_t percentile(const uint32_t *v, size_t n, double p) {
  if (!n) return 0;
  size_t i = (size_t)(p * (double)(n - 1) + 0.5);
  return v[i < n ? i : n - 1];
}

/* ---- the requests ---- */

/* Text of a small JSON string field after `key` (e.g. "\"reason\":\""), or "" */
static void json_str_after(const char *msg, const char *key, char *out, size_t cap) {
  out[0] = 0;
  const char *p = strstr(msg, key);
  if (!p) return;
  p += strlen(key);
  size_t n = 0;
  while (p[n] && p[n] != '"' && n + 1 < cap)
    n++;
  memcpy(out, p, n);
  out[n] = 0;
}

/* Writes one message (text in w->tx + LWS_PRE); records it in flight. 0 ok, -1 close. */
static int conn_write(struct load_conn *c, struct lws *wsi, int len, enum load_kind kind,
                      uint64_t id) {
  struct load_worker *w = c->w;
  if (len <= 0 || len >= LOAD_TX_MAX) {
    fprintf(stderr, "ws_load: request too long\n");
    return -1;
  }
  if (c->npend == LOAD_PEND_MAX) {
    w->st.skipped++;
    return 0;
  }
  int64_t now = load_now_us();
  if (lws_write(wsi, w->tx + LWS_PRE, (size_t)len, LWS_WRITE_TEXT) < len) return -1;
  c->pend_id[c->npend] = id;
  c->pend_ts[c->npend] = now;
  c->pend_kind[c->npend] = (unsigned char)kind;
  c->npend++;
  if (kind == K_REQ) w->st.sent++;
  return 0;
}

static int send_login(struct load_conn *c, struct lws *wsi) {
  char *t = (char *)c->w->tx + LWS_PRE;
  long long ts = (long long)load_real_ms();
  char msg[64], sig[CRYPTO_SHA256_HEX_SIZE];
  int mlen = snprintf(msg, sizeof msg, "%lldGET/ws", ts);
  if (crypto_hmac_sha256_hex(c->cred->secret, strlen(c->cred->secret), msg, (size_t)mlen, sig)) {
    fprintf(stderr, "ws_load: HMAC failed\n");
    return -1;
  }
  int n = snprintf(t, LOAD_TX_MAX,
                   "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"public/login\",\"params\":{"
                   "\"api_key\":\"%s\",\"timestamp\":%lld,\"signature\":\"%s\"}}",
                   c->cred->key, ts, sig);
  return conn_write(c, wsi, n, K_LOGIN, 1);
}

static int send_cod(struct load_conn *c, struct lws *wsi) {
  char *t = (char *)c->w->tx + LWS_PRE;
  int n = snprintf(t, LOAD_TX_MAX,
                   "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"private/set_cancel_on_disconnect\","
                   "\"params\":{\"enabled\":true}}");
  return conn_write(c, wsi, n, K_COD, 2);
}

static int send_request(struct load_conn *c, struct lws *wsi) {
  char *t = (char *)c->w->tx + LWS_PRE;
  uint64_t id = c->next_id++;
  int n;
  if (g_cfg.mode == LOAD_ECHO) {
    static const char pad[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                              "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    n = snprintf(t, LOAD_TX_MAX,
                 "{\"jsonrpc\":\"2.0\",\"id\":%llu,\"method\":\"echo\",\"params\":{\"conn\":%d,"
                 "\"pad\":\"%.*s\"}}",
                 (unsigned long long)id, c->idx, g_cfg.pad, pad);
  } else {
    unsigned long long nonce = atomic_fetch_add(&g_nonce, 1);
    if (g_cfg.replace && c->quote_id[0])
      n = snprintf(t, LOAD_TX_MAX,
                   "{\"jsonrpc\":\"2.0\",\"id\":%llu,\"method\":\"private/replace_quote\","
                   "\"params\":{\"quote_id_to_cancel\":\"%s\",\"rfq_id\":\"%s\",\"direction\":"
                   "\"sell\",\"legs\":%s,\"max_fee\":\"0\",\"nonce\":%llu,"
                   "\"signature_expiry_sec\":%lld,\"label\":\"bench\"}}",
                   (unsigned long long)id, c->quote_id, c->rfq, g_cfg.legs_json, nonce,
                   g_cfg.expiry_sec);
    else
      n = snprintf(t, LOAD_TX_MAX,
                   "{\"jsonrpc\":\"2.0\",\"id\":%llu,\"method\":\"private/send_quote\","
                   "\"params\":{\"rfq_id\":\"%s\",\"direction\":\"sell\",\"legs\":%s,"
                   "\"max_fee\":\"0\",\"nonce\":%llu,\"signature_expiry_sec\":%lld,"
                   "\"label\":\"bench\"}}",
                   (unsigned long long)id, c->rfq, g_cfg.legs_json, nonce, g_cfg.expiry_sec);
  }
  return conn_write(c, wsi, n, K_REQ, id);
}

/* ---- connections ---- */

static void conn_connect(struct load_conn *c);

static void conn_retry_cb(lws_sorted_usec_list_t *sul) {
  struct load_conn *c = lws_container_of(sul, struct load_conn, retry);
  if (load_phase_at(load_now_us()) >= PH_DRAIN || c->w->closing) return;
  c->w->st.reconnects++;
  conn_connect(c);
}

static void conn_schedule_retry(struct load_conn *c) {
  c->state = ST_DOWN;
  if (load_phase_at(load_now_us()) >= PH_DRAIN || c->w->closing) return;
  lws_sul_schedule(c->w->ctx, 0, &c->retry, conn_retry_cb, LOAD_RETRY_US);
}

static void conn_connect(struct load_conn *c) {
  struct lws_client_connect_info i;
  memset(&i, 0, sizeof i);
  i.context = c->w->ctx;
  i.address = g_cfg.host;
  i.port = g_cfg.port;
  i.path = g_cfg.path;
  i.host = g_cfg.host;
  i.origin = g_cfg.host;
  i.local_protocol_name = "ws-load";
  i.opaque_user_data = c;
  c->state = ST_CONNECTING;
  c->npend = 0;
  c->credit = 0;
  c->quote_id[0] = 0;
  c->rx_len = 0;
  if (!lws_client_connect_via_info(&i)) conn_schedule_retry(c);
}

static void conn_set_ready(struct load_conn *c, struct lws *wsi) {
  c->state = ST_READY;
  if (!c->counted_ready) {
    c->counted_ready = 1;
    atomic_fetch_add(&g_ready, 1);
  }
  if (load_sending(load_phase_at(load_now_us())) && g_cfg.rate <= 0) lws_callback_on_writable(wsi);
}

static void conn_lost(struct load_conn *c) {
  enum load_phase p = load_phase_at(load_now_us());
  for (int k = 0; k < c->npend; k++)
    if (c->pend_kind[k] == K_REQ && p < PH_DONE) c->w->st.lost++;
  c->npend = 0;
  if (c->counted_ready) {
    c->counted_ready = 0;
    atomic_fetch_sub(&g_ready, 1);
  }
}

/* Records one answer to a request. */
static void on_answer(struct load_conn *c, const char *msg, int64_t sent_us, int64_t now) {
  struct load_stats *st = &c->w->st;
  int is_error = strstr(msg, "\"error\":{") != NULL;
  if (g_cfg.mode == LOAD_SEND_QUOTE && g_cfg.replace) {
    char qid[24];
    if (!is_error) {
      json_str_after(msg, "\"quote\":{\"quote_id\":\"", qid, sizeof qid);
      if (!qid[0]) json_str_after(msg, "\"result\":{\"quote_id\":\"", qid, sizeof qid);
      if (qid[0]) memcpy(c->quote_id, qid, sizeof qid);
    } else if (c->quote_id[0] && strstr(msg, "quote_not_open")) {
      c->quote_id[0] = 0; /* our quote left the book: start a new one */
    }
  }
  enum load_phase p = load_phase_at(now);
  int64_t t0 = atomic_load(&g_t0);
  if (p == PH_MEASURE) {
    st->count++;
    stats_latency(st, now - sent_us);
    if (!is_error) {
      st->results++;
    } else {
      st->errors++;
      const char *cp = strstr(msg, "\"code\":");
      int code = cp ? atoi(cp + 7) : 0;
      char reason[48];
      json_str_after(msg, "\"reason\":\"", reason, sizeof reason);
      stats_errkind(st, code, reason[0] ? reason : "-", 1);
    }
  } else if (now >= t0 + load_warm_us() + load_dur_us()) {
    st->late++;
  }
}

static void on_message(struct load_conn *c, struct lws *wsi, const char *msg) {
  int64_t now = load_now_us();
  const char *ip = strstr(msg, "\"id\":");
  if (!ip) return; /* a notification */
  ip += 5;
  int k = -1;
  if (*ip == 'n') { /* id null: refused before its id was read (rate limit): the oldest request */
    for (int j = 0; j < c->npend && k < 0; j++)
      if (c->pend_kind[j] == K_REQ) k = j;
  } else {
    uint64_t id = strtoull(ip, NULL, 10);
    for (int j = 0; j < c->npend && k < 0; j++)
      if (c->pend_id[j] == id) k = j;
  }
  if (k < 0) return;
  enum load_kind kind = (enum load_kind)c->pend_kind[k];
  int64_t sent = c->pend_ts[k];
  memmove(&c->pend_id[k], &c->pend_id[k + 1], (size_t)(c->npend - k - 1) * sizeof c->pend_id[0]);
  memmove(&c->pend_ts[k], &c->pend_ts[k + 1], (size_t)(c->npend - k - 1) * sizeof c->pend_ts[0]);
  memmove(&c->pend_kind[k], &c->pend_kind[k + 1], (size_t)(c->npend - k - 1));
  c->npend--;
  if (kind == K_LOGIN || kind == K_COD) {
    if (strstr(msg, "\"error\":{")) {
      c->w->st.login_failed++;
      fprintf(stderr, "ws_load: connection %d: %s refused: %.300s\n", c->idx,
              kind == K_LOGIN ? "login" : "set_cancel_on_disconnect", msg);
      c->state = ST_FAILED;
      lws_callback_on_writable(wsi); /* closes it */
      return;
    }
    if (kind == K_LOGIN && g_cfg.cancel_on_disconnect) {
      c->state = ST_COD;
      c->want_ctrl = 1;
      lws_callback_on_writable(wsi);
    } else {
      conn_set_ready(c, wsi);
    }
    return;
  }
  on_answer(c, msg, sent, now);
  if ((g_cfg.rate <= 0 || (g_cfg.replace && c->credit > 0)) && c->state == ST_READY &&
      load_sending(load_phase_at(now)))
    lws_callback_on_writable(wsi);
}

static int on_receive(struct load_conn *c, struct lws *wsi, const void *in, size_t len) {
  if (lws_is_first_fragment(wsi)) c->rx_len = 0;
  if (c->rx_len + len + 1 > c->rx_cap) {
    size_t ncap = c->rx_cap ? c->rx_cap : 4096;
    while (ncap < c->rx_len + len + 1)
      ncap *= 2;
    char *n = realloc(c->rx, ncap);
    if (!n) return -1;
    c->rx = n;
    c->rx_cap = ncap;
  }
  memcpy(c->rx + c->rx_len, in, len);
  c->rx_len += len;
  if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi)) return 0;
  c->rx[c->rx_len] = 0;
  c->rx_len = 0;
  on_message(c, wsi, c->rx);
  return 0;
}

static int on_writeable(struct load_conn *c, struct lws *wsi) {
  if (c->state == ST_CLOSING || c->state == ST_FAILED) {
    lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
    return -1;
  }
  if (c->want_ctrl) {
    c->want_ctrl = 0;
    if (c->state == ST_LOGIN) return send_login(c, wsi);
    if (c->state == ST_COD) return send_cod(c, wsi);
    return 0;
  }
  if (c->state != ST_READY || !load_sending(load_phase_at(load_now_us()))) return 0;
  if (g_cfg.rate > 0) {
    if (c->credit <= 0) return 0;
    if (g_cfg.replace && c->npend) { /* one in flight: the next replaces the answer's quote */
      c->w->st.deferred++;
      return 0;
    }
    c->credit--;
    if (send_request(c, wsi)) return -1;
    if (c->credit > 0) lws_callback_on_writable(wsi);
    return 0;
  }
  if (c->npend) return 0; /* closed loop: one in flight */
  return send_request(c, wsi);
}

static int load_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len) {
  struct load_conn *c = wsi ? lws_get_opaque_user_data(wsi) : NULL;
  switch (reason) {
  case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    if (!c) return 0;
    c->wsi = NULL;
    conn_lost(c);
    conn_schedule_retry(c);
    return 0;
  case LWS_CALLBACK_CLIENT_ESTABLISHED:
    if (!c) return -1;
    c->wsi = wsi;
    c->established = 1;
    c->w->nopen++;
    if (c->w->closing) {
      c->state = ST_CLOSING;
      lws_callback_on_writable(wsi);
    } else if (c->cred) {
      c->state = ST_LOGIN;
      c->want_ctrl = 1;
      lws_callback_on_writable(wsi);
    } else {
      conn_set_ready(c, wsi);
    }
    return 0;
  case LWS_CALLBACK_CLIENT_RECEIVE:
    return c ? on_receive(c, wsi, in, len) : 0;
  case LWS_CALLBACK_CLIENT_WRITEABLE:
    return c ? on_writeable(c, wsi) : 0;
  case LWS_CALLBACK_CLIENT_CLOSED:
    if (!c) return 0;
    c->wsi = NULL;
    if (c->established) {
      c->established = 0;
      c->w->nopen--;
    }
    conn_lost(c);
    if (c->state != ST_CLOSING && c->state != ST_FAILED)
      conn_schedule_retry(c);
    else
      c->state = ST_DOWN;
    return 0;
  default:
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

static const struct lws_protocols load_protocols[] = {
    {"ws-load", load_callback, 0, 16384, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- a worker: one lws context and its share of the connections ---- */

static void worker_tick(lws_sorted_usec_list_t *sul) {
  struct load_worker *w = lws_container_of(sul, struct load_worker, tick);
  int64_t now = load_now_us();
  enum load_phase p = load_phase_at(now);
  if (load_sending(p)) {
    if (g_cfg.rate > 0) {
      double due_f = w->rate * (double)(now - atomic_load(&g_t0)) / 1e6;
      uint64_t due = due_f > 0 ? (uint64_t)due_f : 0;
      for (int guard = 0; w->issued < due && guard < w->nconns * LOAD_PEND_MAX; guard++) {
        struct load_conn *c = &w->conns[w->rr];
        w->rr = (w->rr + 1) % w->nconns;
        if (c->state != ST_READY || !c->wsi) continue;
        c->credit++;
        w->issued++;
        lws_callback_on_writable(c->wsi);
      }
      if (w->issued < due) { /* nobody ready to take them: not sent, not owed */
        w->st.skipped += due - w->issued;
        w->issued = due;
      }
    } else if (!w->kicked) {
      w->kicked = 1;
      for (int i = 0; i < w->nconns; i++)
        if (w->conns[i].state == ST_READY && w->conns[i].wsi)
          lws_callback_on_writable(w->conns[i].wsi);
    }
  }
  int idle = p == PH_DRAIN; /* the drain ends early once every answer is in */
  for (int i = 0; idle && i < w->nconns; i++)
    if (w->conns[i].npend) idle = 0;
  if ((p == PH_DONE || idle) && !w->closing) {
    w->closing = 1;
    w->closing_at = now;
    for (int i = 0; i < w->nconns; i++) {
      struct load_conn *c = &w->conns[i];
      lws_sul_cancel(&c->retry);
      if (c->wsi) {
        c->state = ST_CLOSING;
        lws_callback_on_writable(c->wsi);
      }
    }
  }
  if (w->closing && (w->nopen == 0 || now - w->closing_at > LOAD_CLOSE_US)) {
    w->quit = 1;
    lws_cancel_service(w->ctx); /* the poll this tick ran in front of must not wait on */
    return;
  }
  lws_sul_schedule(w->ctx, 0, &w->tick, worker_tick,
                   g_cfg.rate > 0 ? LWS_US_PER_MS : 5 * LWS_US_PER_MS);
}

static void *worker_main(void *arg) {
  struct load_worker *w = arg;
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = load_protocols;
  info.fd_limit_per_thread = (unsigned int)(w->nconns + 16);
  info.timeout_secs = 10;
  w->ctx = lws_create_context(&info);
  atomic_fetch_add(&g_ctx_up, 1);
  if (!w->ctx) {
    fprintf(stderr, "ws_load: worker %d: lws_create_context failed\n", w->id);
    return NULL;
  }
  for (int i = 0; i < w->nconns; i++)
    conn_connect(&w->conns[i]);
  lws_sul_schedule(w->ctx, 0, &w->tick, worker_tick, LWS_US_PER_MS);
  while (!w->quit)
    if (lws_service(w->ctx, 0) < 0) break;
  lws_context_destroy(w->ctx);
  return NULL;
}

/* ---- command line ---- */

static int parse_url(const char *url) {
  const char *p = url;
  if (strncmp(p, "ws://", 5) != 0) return -1;
  p += 5;
  const char *colon = strchr(p, ':'), *slash = strchr(p, '/');
  if (!colon || !slash || colon > slash || (size_t)(colon - p) >= sizeof g_cfg.host) return -1;
  memcpy(g_cfg.host, p, (size_t)(colon - p));
  g_cfg.host[colon - p] = 0;
  g_cfg.port = atoi(colon + 1);
  snprintf(g_cfg.path, sizeof g_cfg.path, "%s", slash);
  /* loopback only: this tool floods whatever it is pointed at */
  if (strcmp(g_cfg.host, "127.0.0.1") != 0 && strcmp(g_cfg.host, "localhost") != 0) return -1;
  return g_cfg.port > 0 && g_cfg.port < 65536 ? 0 : -1;
}

static int read_creds(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  while (g_cfg.ncreds < LOAD_MAX_CREDS) {
    struct load_cred *c = &g_cfg.creds[g_cfg.ncreds];
    if (fscanf(f, "%127s %159s", c->key, c->secret) != 2) break;
    g_cfg.ncreds++;
  }
  fclose(f);
  return g_cfg.ncreds > 0 ? 0 : -1;
}

static int add_leg(const char *spec) {
  char name[64], dir[8], amount[32], price[32];
  if (g_cfg.nlegs == LOAD_MAX_LEGS ||
      sscanf(spec, "%63[^,],%7[^,],%31[^,],%31s", name, dir, amount, price) != 4)
    return -1;
  size_t n = strlen(g_cfg.legs_json);
  snprintf(g_cfg.legs_json + n, sizeof g_cfg.legs_json - n,
           "%s{\"instrument_name\":\"%s\",\"direction\":\"%s\",\"amount\":\"%s\",\"price\":\"%s\"}",
           g_cfg.nlegs ? "," : "[", name, dir, amount, price);
  g_cfg.nlegs++;
  return 0;
}

static int add_rfqs(const char *list) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", list);
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (g_cfg.nrfqs == LOAD_MAX_RFQS || strlen(t) >= sizeof g_cfg.rfqs[0]) return -1;
    snprintf(g_cfg.rfqs[g_cfg.nrfqs++], sizeof g_cfg.rfqs[0], "%s", t);
  }
  return g_cfg.nrfqs ? 0 : -1;
}

static void usage(void) {
  fprintf(stderr,
          "usage: ws_load --url ws://127.0.0.1:PORT/ws --conns N --duration S [--warmup S]\n"
          "               [--rate R] [--threads T] [--mode echo|send_quote] [--replace]\n"
          "               [--creds FILE] [--cancel-on-disconnect] [--rfq ID[,ID...]]\n"
          "               [--leg NAME,DIR,AMOUNT,PRICE]... [--expiry-sec S] [--nonce-base N]\n"
          "               [--pad BYTES] [--connect-timeout S]\n");
}

static int parse_args(int argc, char **argv) {
  static const struct option opts[] = {{"url", required_argument, 0, 'u'},
                                       {"conns", required_argument, 0, 'n'},
                                       {"duration", required_argument, 0, 'd'},
                                       {"warmup", required_argument, 0, 'w'},
                                       {"rate", required_argument, 0, 'r'},
                                       {"threads", required_argument, 0, 't'},
                                       {"mode", required_argument, 0, 'm'},
                                       {"replace", no_argument, 0, 'R'},
                                       {"creds", required_argument, 0, 'c'},
                                       {"cancel-on-disconnect", no_argument, 0, 'C'},
                                       {"rfq", required_argument, 0, 'q'},
                                       {"leg", required_argument, 0, 'l'},
                                       {"expiry-sec", required_argument, 0, 'e'},
                                       {"nonce-base", required_argument, 0, 'b'},
                                       {"pad", required_argument, 0, 'p'},
                                       {"connect-timeout", required_argument, 0, 'T'},
                                       {0, 0, 0, 0}};
  g_cfg.conns = 100;
  g_cfg.threads = 1;
  g_cfg.duration_s = 5;
  g_cfg.warmup_s = 1;
  g_cfg.connect_timeout_s = 20;
  g_cfg.pad = 32;
  int have_url = 0, o;
  while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (o) {
    case 'u':
      if (parse_url(optarg)) return -1;
      have_url = 1;
      break;
    case 'n':
      g_cfg.conns = atoi(optarg);
      break;
    case 'd':
      g_cfg.duration_s = atof(optarg);
      break;
    case 'w':
      g_cfg.warmup_s = atof(optarg);
      break;
    case 'r':
      g_cfg.rate = atof(optarg);
      break;
    case 't':
      g_cfg.threads = atoi(optarg);
      break;
    case 'm':
      if (strcmp(optarg, "echo") == 0)
        g_cfg.mode = LOAD_ECHO;
      else if (strcmp(optarg, "send_quote") == 0)
        g_cfg.mode = LOAD_SEND_QUOTE;
      else
        return -1;
      break;
    case 'R':
      g_cfg.replace = 1;
      break;
    case 'c':
      if (read_creds(optarg)) return -1;
      break;
    case 'C':
      g_cfg.cancel_on_disconnect = 1;
      break;
    case 'q':
      if (add_rfqs(optarg)) return -1;
      break;
    case 'l':
      if (add_leg(optarg)) return -1;
      break;
    case 'e':
      g_cfg.expiry_sec = atoll(optarg);
      break;
    case 'b':
      atomic_store(&g_nonce, strtoull(optarg, NULL, 10));
      break;
    case 'p':
      g_cfg.pad = atoi(optarg);
      break;
    case 'T':
      g_cfg.connect_timeout_s = atof(optarg);
      break;
    default:
      return -1;
    }
  }
  if (!have_url || g_cfg.conns < 1 || g_cfg.conns > 100000 || g_cfg.threads < 1 ||
      g_cfg.threads > 64 || g_cfg.duration_s <= 0 || g_cfg.duration_s > 600 || g_cfg.warmup_s < 0 ||
      g_cfg.warmup_s > 60 || g_cfg.pad < 0 || g_cfg.pad > 128)
    return -1;
  if (g_cfg.mode == LOAD_SEND_QUOTE &&
      (!g_cfg.ncreds || !g_cfg.nrfqs || !g_cfg.nlegs || g_cfg.expiry_sec <= 0)) {
    fprintf(stderr, "ws_load: send_quote needs --creds, --rfq, --leg and --expiry-sec\n");
    return -1;
  }
  if (g_cfg.replace && g_cfg.mode != LOAD_SEND_QUOTE) {
    fprintf(stderr, "ws_load: --replace is for send_quote\n");
    return -1;
  }
  strcat(g_cfg.legs_json, "]");
  if (g_cfg.threads > g_cfg.conns) g_cfg.threads = g_cfg.conns;
  return 0;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) && errno == EINTR) {
  }
}

int main(int argc, char **argv) {
  if (parse_args(argc, argv)) {
    usage();
    return 2;
  }
  lws_set_log_level(LLL_ERR, NULL);
  int nw = g_cfg.threads;
  struct load_worker *workers = calloc((size_t)nw, sizeof *workers);
  struct load_conn *conns = calloc((size_t)g_cfg.conns, sizeof *conns);
  if (!workers || !conns) {
    fprintf(stderr, "ws_load: out of memory\n");
    return 1;
  }
  for (int k = 0, first = 0; k < nw; k++) {
    struct load_worker *w = &workers[k];
    int n = g_cfg.conns / nw + (k < g_cfg.conns % nw);
    w->id = k;
    w->conns = conns + first;
    w->nconns = n;
    w->rate = g_cfg.rate * n / g_cfg.conns;
    for (int i = 0; i < n; i++) {
      struct load_conn *c = &w->conns[i];
      c->w = w;
      c->idx = first + i;
      c->cred = g_cfg.ncreds ? &g_cfg.creds[c->idx % g_cfg.ncreds] : NULL;
      c->rfq = g_cfg.nrfqs ? g_cfg.rfqs[c->idx % g_cfg.nrfqs] : "";
      c->next_id = 10;
    }
    first += n;
  }
  int64_t started = load_now_us();
  int created = 0;
  for (int k = 0; k < nw; k++)
    if (pthread_create(&workers[k].thread, NULL, worker_main, &workers[k]) == 0) created++;
  if (created != nw) {
    fprintf(stderr, "ws_load: cannot start threads\n");
    return 1;
  }
  /* the window starts when every connection is ready, or at the connect timeout */
  while (atomic_load(&g_ready) < g_cfg.conns &&
         load_now_us() - started < (int64_t)(g_cfg.connect_timeout_s * 1e6))
    sleep_ms(10);
  int ready = atomic_load(&g_ready);
  double connect_s = (double)(load_now_us() - started) / 1e6;
  while (atomic_load(&g_ctx_up) < nw)
    sleep_ms(1);
  atomic_store(&g_t0, load_now_us());
  for (int k = 0; k < nw; k++)
    if (workers[k].ctx) lws_cancel_service(workers[k].ctx);
  for (int k = 0; k < nw; k++)
    pthread_join(workers[k].thread, NULL);

  struct load_stats all;
  memset(&all, 0, sizeof all);
  for (int k = 0; k < nw; k++) {
    struct load_stats *s = &workers[k].st;
    all.count += s->count;
    all.results += s->results;
    all.errors += s->errors;
    all.sent += s->sent;
    all.lost += s->lost;
    all.late += s->late;
    all.reconnects += s->reconnects;
    all.skipped += s->skipped;
    all.login_failed += s->login_failed;
    all.deferred += s->deferred;
    all.kinds_other += s->kinds_other;
    for (int i = 0; i < s->nkinds; i++)
      stats_errkind(&all, s->kinds[i].code, s->kinds[i].reason, s->kinds[i].n);
    if (s->nlat) {
      uint32_t *n = realloc(all.lat, (all.nlat + s->nlat) * sizeof *n);
      if (n) {
        memcpy(n + all.nlat, s->lat, s->nlat * sizeof *n);
        all.lat = n;
        all.nlat += s->nlat;
      }
    }
    free(s->lat);
  }
  qsort(all.lat, all.nlat, sizeof *all.lat, cmp_u32);
  printf("ws_load mode=%s%s conns=%d ready=%d threads=%d connect_s=%.2f duration_s=%.2f "
         "count=%llu per_s=%.0f p50_us=%u p99_us=%u max_us=%u results=%llu errors=%llu "
         "sent=%llu lost=%llu late=%llu reconnects=%llu skipped=%llu login_failed=%llu "
         "errkinds=",
         g_cfg.mode == LOAD_ECHO ? "echo" : "send_quote", g_cfg.replace ? "+replace" : "",
         g_cfg.conns, ready, nw, connect_s, g_cfg.duration_s, (unsigned long long)all.count,
         (double)all.count / g_cfg.duration_s, percentile(all.lat, all.nlat, 0.50),
         percentile(all.lat, all.nlat, 0.99), all.nlat ? all.lat[all.nlat - 1] : 0,
         (unsigned long long)all.results, (unsigned long long)all.errors,
         (unsigned long long)all.sent, (unsigned long long)all.lost, (unsigned long long)all.late,
         (unsigned long long)all.reconnects, (unsigned long long)all.skipped,
         (unsigned long long)all.login_failed);
  if (!all.nkinds) printf("-");
  for (int i = 0; i < all.nkinds; i++)
    printf("%s%d/%s:%llu", i ? "," : "", all.kinds[i].code, all.kinds[i].reason,
           (unsigned long long)all.kinds[i].n);
  if (all.kinds_other) printf(",other:%llu", (unsigned long long)all.kinds_other);
  printf(" deferred=%llu\n", (unsigned long long)all.deferred);
  free(all.lat);
  for (int i = 0; i < g_cfg.conns; i++)
    free(conns[i].rx);
  free(conns);
  free(workers);
  return ready > 0 ? 0 : 1;
}
