/* lws_echo: a bare libwebsockets echo server, the WebSocket ceiling the desk benchmark
 * compares optdesk with. One protocol, one service thread, each complete text message
 * queued and written back on the next writable callback (one message per callback, as
 * server/ws_server.c does), so the two servers differ only in what they do per message.
 *
 * Usage: lws_echo <port>      (listens on 127.0.0.1:<port> until SIGINT/SIGTERM) */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct echo_msg {
  struct echo_msg *next;
  size_t len;
  unsigned char data[]; /* LWS_PRE bytes of headroom, then the text */
};

struct echo_conn {
  char *rx;
  size_t rx_len, rx_cap;
  struct echo_msg *head, *tail;
};

static volatile sig_atomic_t echo_interrupted;

static void echo_on_signal(int sig) {
  (void)sig;
  echo_interrupted = 1;
}

static void echo_conn_cleanup(struct echo_conn *c) {
  while (c->head) {
    struct echo_msg *m = c->head;
    c->head = m->next;
    free(m);
  }
  c->tail = NULL;
  free(c->rx);
  c->rx = NULL;
  c->rx_len = c->rx_cap = 0;
}

/* Appends a fragment; a complete message is queued for the echo. 0 ok, -1 close. */
static int echo_receive(struct echo_conn *c, struct lws *wsi, const void *in, size_t len) {
  if (lws_is_first_fragment(wsi)) c->rx_len = 0;
  if (c->rx_len + len > c->rx_cap) {
    size_t ncap = c->rx_cap ? c->rx_cap : 1024;
    while (ncap < c->rx_len + len)
      ncap *= 2;
    char *n = realloc(c->rx, ncap);
    if (!n) return -1;
    c->rx = n;
    c->rx_cap = ncap;
  }
  memcpy(c->rx + c->rx_len, in, len);
  c->rx_len += len;
  if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi)) return 0;
  struct echo_msg *m = malloc(sizeof *m + LWS_PRE + c->rx_len);
  if (!m) return -1;
  m->next = NULL;
  m->len = c->rx_len;
  memcpy(m->data + LWS_PRE, c->rx, c->rx_len);
  if (c->tail)
    c->tail->next = m;
  else
    c->head = m;
  c->tail = m;
  c->rx_len = 0;
  lws_callback_on_writable(wsi);
  return 0;
}

static int echo_writeable(struct echo_conn *c, struct lws *wsi) {
  struct echo_msg *m = c->head;
  if (!m) return 0;
  c->head = m->next;
  if (!c->head) c->tail = NULL;
  int n = lws_write(wsi, m->data + LWS_PRE, m->len, LWS_WRITE_TEXT);
  free(m);
  if (n < 0) return -1;
  if (c->head) lws_callback_on_writable(wsi);
  return 0;
}

static int echo_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len) {
  struct echo_conn *c = user;
  switch (reason) {
  case LWS_CALLBACK_ESTABLISHED:
    memset(c, 0, sizeof *c);
    return 0;
  case LWS_CALLBACK_RECEIVE:
    return echo_receive(c, wsi, in, len);
  case LWS_CALLBACK_SERVER_WRITEABLE:
    return echo_writeable(c, wsi);
  case LWS_CALLBACK_CLOSED:
    echo_conn_cleanup(c);
    return 0;
  default:
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

static const struct lws_protocols echo_protocols[] = {
    {"echo", echo_callback, sizeof(struct echo_conn), 16384, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

int main(int argc, char **argv) {
  if (argc != 2 || atoi(argv[1]) <= 0 || atoi(argv[1]) > 65535) {
    fprintf(stderr, "usage: %s <port>\n", argv[0]);
    return 2;
  }
  signal(SIGINT, echo_on_signal);
  signal(SIGTERM, echo_on_signal);
  lws_set_log_level(LLL_ERR, NULL);

  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  info.port = atoi(argv[1]);
  info.iface = "127.0.0.1";
  info.protocols = echo_protocols;
  info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
  info.timeout_secs = 10;
  struct lws_context *ctx = lws_create_context(&info);
  if (!ctx) {
    fprintf(stderr, "lws_echo: cannot listen on 127.0.0.1:%s\n", argv[1]);
    return 1;
  }
  printf("lws_echo listening on 127.0.0.1:%s\n", argv[1]);
  fflush(stdout);
  while (!echo_interrupted)
    if (lws_service(ctx, 0) < 0) break;
  lws_context_destroy(ctx);
  return 0;
}
