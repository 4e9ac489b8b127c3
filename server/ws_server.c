/* ws_server: libwebsockets adapter: framing, limits and the engine's loop. */
#include "ws_server.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "metrics.h"

struct out_msg {
  struct out_msg *next;
  size_t len;
  unsigned char data[]; /* LWS_PRE bytes of headroom, then the text */
};

struct ws_conn {
  struct lws *wsi;
  struct ws_server *server;
  struct engine_session *session;
  char *rx;
  size_t rx_len, rx_cap;
  int rx_binary;
  struct out_msg *out_head, *out_tail;
  size_t out_bytes;
  int close_code; /* != 0: close with this code at the next writable */
};

struct ws_server {
  struct app *app;
  struct lws_context *ctx;
  lws_sorted_usec_list_t tick; /* the engine's periodic work */
  struct engine *engine;
  lws_retry_bo_t idle_policy;
  volatile int interrupted;
};

static void conn_close_later(struct ws_conn *c, int code) {
  if (!c->close_code) c->close_code = code;
  lws_callback_on_writable(c->wsi);
}

static int transport_send(void *conn, const char *text, size_t len) {
  struct ws_conn *c = conn;
  if (c->close_code) return -1;
  if (c->out_bytes + len > c->server->app->config->ws_max_outbound_bytes) {
    /* a client that does not read its messages is cut off, not buffered forever */
    metrics_ws_rejected("slow_consumer");
    log_event(LOG_WARN, "ws_slow_consumer", "account=%s queued=%zu",
              engine_session_account(c->session), c->out_bytes);
    conn_close_later(c, LWS_CLOSE_STATUS_POLICY_VIOLATION);
    return -1;
  }
  struct out_msg *m = malloc(sizeof *m + LWS_PRE + len);
  if (!m) return -1;
  m->next = NULL;
  m->len = len;
  memcpy(m->data + LWS_PRE, text, len);
  if (c->out_tail) c->out_tail->next = m;
  else c->out_head = m;
  c->out_tail = m;
  c->out_bytes += len;
  lws_callback_on_writable(c->wsi);
  return 0;
}

static void transport_wake(void *arg) {
  struct ws_server *s = arg;
  if (s->ctx) lws_cancel_service(s->ctx);
}

static void conn_free_queues(struct ws_conn *c) {
  while (c->out_head) {
    struct out_msg *m = c->out_head;
    c->out_head = m->next;
    free(m);
  }
  c->out_tail = NULL;
  c->out_bytes = 0;
  free(c->rx);
  c->rx = NULL;
  c->rx_len = c->rx_cap = 0;
}

static int on_receive(struct ws_server *s, struct ws_conn *c, struct lws *wsi, const void *in,
                      size_t len) {
  size_t max = s->app->config->ws_max_message_bytes;
  if (c->close_code) return 0; /* closing: what it still sends is dropped */
  if (lws_is_first_fragment(wsi)) {
    c->rx_len = 0;
    c->rx_binary = lws_frame_is_binary(wsi);
  }
  if (c->rx_len + len > max) {
    metrics_ws_rejected("too_large");
    lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)"message too large",
                     17);
    return -1;
  }
  if (c->rx_len + len + 1 > c->rx_cap) {
    size_t ncap = c->rx_cap ? c->rx_cap : 1024;
    while (ncap < c->rx_len + len + 1) ncap *= 2;
    char *n = realloc(c->rx, ncap);
    if (!n) return -1;
    c->rx = n;
    c->rx_cap = ncap;
  }
  memcpy(c->rx + c->rx_len, in, len);
  c->rx_len += len;
  if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi)) return 0;
  c->rx[c->rx_len] = 0;
  if (c->rx_binary) {
    metrics_ws_rejected("binary");
    lws_close_reason(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
                     (unsigned char *)"text frames only", 16);
    return -1;
  }
  if (engine_session_message(s->engine, c->session, c->rx, c->rx_len) != 0) {
    /* flush the refusals already queued so the client learns why, then close */
    log_event(LOG_WARN, "ws_flood_closed", "account=%s", engine_session_account(c->session));
    conn_close_later(c, LWS_CLOSE_STATUS_POLICY_VIOLATION);
  }
  if (c->rx_cap > 65536) { /* do not keep a huge buffer for a once-large message */
    free(c->rx);
    c->rx = NULL;
    c->rx_cap = 0;
  }
  c->rx_len = 0;
  return 0;
}

static int on_writeable(struct ws_conn *c, struct lws *wsi) {
  struct out_msg *m = c->out_head;
  if (m) {
    c->out_head = m->next;
    if (!c->out_head) c->out_tail = NULL;
    c->out_bytes -= m->len;
    int n = lws_write(wsi, m->data + LWS_PRE, m->len, LWS_WRITE_TEXT);
    free(m);
    if (n < 0) return -1;
  }
  if (c->out_head) {
    lws_callback_on_writable(wsi);
  } else if (c->close_code) {
    lws_close_reason(wsi, (enum lws_close_status)c->close_code, NULL, 0);
    return -1;
  }
  return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len) {
  struct ws_conn *c = user;
  struct ws_server *s = lws_context_user(lws_get_context(wsi));
  switch (reason) {
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
    char uri[64];
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strcmp(uri, "/ws") != 0)
      return 1; /* only /ws upgrades */
    return 0;
  }
  case LWS_CALLBACK_ESTABLISHED:
    memset(c, 0, sizeof *c);
    c->wsi = wsi;
    c->server = s;
    c->session = engine_session_open(s->engine, c);
    if (!c->session) return -1;
    metrics_ws_connections_add(1);
    return 0;
  case LWS_CALLBACK_RECEIVE:
    return on_receive(s, c, wsi, in, len);
  case LWS_CALLBACK_SERVER_WRITEABLE:
    return on_writeable(c, wsi);
  case LWS_CALLBACK_CLOSED:
    if (c->session) {
      engine_session_close(s->engine, c->session);
      c->session = NULL;
      metrics_ws_connections_add(-1);
    }
    conn_free_queues(c);
    return 0;
  case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
    if (s && s->engine) engine_drain(s->engine);
    return 0;
  default:
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

#define ENGINE_TICK_US (100 * LWS_US_PER_MS)

static void on_tick(lws_sorted_usec_list_t *sul) {
  struct ws_server *s = lws_container_of(sul, struct ws_server, tick);
  engine_tick(s->engine);
  lws_sul_schedule(s->ctx, 0, &s->tick, on_tick, ENGINE_TICK_US);
}

static const struct lws_protocols protocols[] = {
    {"optdesk", callback, sizeof(struct ws_conn), 16384, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void lws_logger(int level, const char *line) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s", line);
  size_t n = strlen(msg);
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) msg[--n] = 0;
  for (char *p = msg; *p; p++)
    if (*p == '"') *p = '\'';
  log_event(level == LLL_ERR ? LOG_ERROR : LOG_WARN, "ws_library", "msg=\"%s\"", msg);
}

struct ws_server *ws_server_start(struct app *app, char *err, size_t errcap) {
  const struct app_config *cfg = app->config;
  struct ws_server *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errcap, "out of memory");
    return NULL;
  }
  s->app = app;
  struct engine_transport t = {transport_send, transport_wake, s};
  s->engine = engine_new(app, &t);
  if (!s->engine) {
    snprintf(err, errcap, "out of memory");
    free(s);
    return NULL;
  }
  app->engine = s->engine;
  lws_set_log_level(LLL_ERR | LLL_WARN, lws_logger);

  /* Inbound-silence watchdog: ping when idle, hang up when nothing (not even a pong) came. */
  s->idle_policy.secs_since_valid_ping = (uint16_t)(cfg->ws_idle_timeout_s / 3);
  s->idle_policy.secs_since_valid_hangup = (uint16_t)cfg->ws_idle_timeout_s;

  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  info.port = cfg->ws.port;
  info.iface = cfg->ws.host;
  info.protocols = protocols;
  info.user = s;
  info.retry_and_idle_policy = &s->idle_policy;
  info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
  info.timeout_secs = 10;
  if (*cfg->ws.tls_cert) {
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.ssl_cert_filepath = cfg->ws.tls_cert;
    info.ssl_private_key_filepath = cfg->ws.tls_key;
  }
  s->ctx = lws_create_context(&info);
  if (!s->ctx) {
    snprintf(err, errcap, "cannot listen on %s:%d for WebSocket (in use, or bad TLS files?)",
             cfg->ws.host, cfg->ws.port);
    engine_free(s->engine);
    app->engine = NULL;
    free(s);
    return NULL;
  }
  lws_sul_schedule(s->ctx, 0, &s->tick, on_tick, ENGINE_TICK_US);
  return s;
}

void ws_server_run(struct ws_server *s) {
  while (!s->interrupted)
    if (lws_service(s->ctx, 0) < 0) break;
}

void ws_server_interrupt(struct ws_server *s) {
  s->interrupted = 1;
  if (s->ctx) lws_cancel_service(s->ctx);
}

void ws_server_stop(struct ws_server *s) {
  if (!s) return;
  engine_close(s->engine);
  lws_context_destroy(s->ctx); /* closes connections: their sessions leave the engine */
  s->ctx = NULL;
  engine_free(s->engine);
  s->app->engine = NULL;
  free(s);
}
