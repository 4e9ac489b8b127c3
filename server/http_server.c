/* http_server: libmicrohttpd adapter for the REST surface. */
#include "http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "rest.h"

struct http_server {
  struct MHD_Daemon *d;
  struct app *app;
  char *tls_cert, *tls_key;
  MHD_socket quiesced_fd; /* ours to close once the daemon stopped */
};

/* Per-request state, created by the URI log callback (the only place that sees the raw
 * request target with its query, which the signature covers). */
struct request {
  char *uri;
  char *body;
  size_t len, cap;
  int too_large;
  int started;
  struct timespec t0;
  struct MHD_Connection *conn;
};

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *conn) {
  (void)cls;
  struct request *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->uri = strdup(uri ? uri : "/");
  r->conn = conn;
  clock_gettime(CLOCK_MONOTONIC, &r->t0);
  return r;
}

static const char *get_header(void *ctx, const char *name) {
  return MHD_lookup_connection_value((struct MHD_Connection *)ctx, MHD_HEADER_KIND, name);
}

static int append_body(struct request *r, const char *data, size_t n, size_t limit) {
  if (r->too_large) return 0;
  if (r->len + n > limit) {
    r->too_large = 1; /* keep draining the upload; the answer is 413 */
    return 0;
  }
  if (r->len + n + 1 > r->cap) {
    size_t ncap = r->cap ? r->cap * 2 : 1024;
    while (ncap < r->len + n + 1) ncap *= 2;
    char *nb = realloc(r->body, ncap);
    if (!nb) return -1;
    r->body = nb;
    r->cap = ncap;
  }
  memcpy(r->body + r->len, data, n);
  r->len += n;
  r->body[r->len] = 0;
  return 0;
}

/* A streamed body (rest_stream): MHD pulls it through stream_read and frees it with
 * stream_done once the response is gone. */
struct stream_body {
  rest_stream_read read;
  void (*free_fn)(void *cls);
  void *cls;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
  (void)pos;
  struct stream_body *b = cls;
  ssize_t n = b->read(b->cls, buf, max);
  if (n > 0) return n;
  return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_done(void *cls) {
  struct stream_body *b = cls;
  if (b->free_fn) b->free_fn(b->cls);
  free(b);
}

static struct MHD_Response *stream_response(struct rest_response *resp) {
  struct stream_body *b = malloc(sizeof *b);
  if (!b) {
    if (resp->stream_free) resp->stream_free(resp->stream_cls);
    return NULL;
  }
  b->read = resp->stream_read;
  b->free_fn = resp->stream_free;
  b->cls = resp->stream_cls;
  struct MHD_Response *m =
      MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, stream_read, b, stream_done);
  if (!m) stream_done(b);
  return m;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls) {
  (void)version;
  struct http_server *s = cls;
  struct request *r = *con_cls;
  if (!r) return MHD_NO;
  if (!r->started) { /* first call: headers only; answer on a later call (keeps keep-alive) */
    r->started = 1;
    return MHD_YES;
  }
  if (*upload_data_size) {
    /* a body 16x over the limit is not worth draining: drop the connection */
    if (r->too_large && r->len + *upload_data_size > s->app->config->max_body_bytes * 16)
      return MHD_NO;
    if (append_body(r, upload_data, *upload_data_size, s->app->config->max_body_bytes) != 0)
      return MHD_NO;
    *upload_data_size = 0;
    return MHD_YES;
  }
  struct rest_request req = {
      .method = method,
      .path = url,
      .path_query = r->uri,
      .body = r->body ? r->body : "",
      .body_len = r->len,
      .body_too_large = r->too_large,
      .header = get_header,
      .header_ctx = conn,
  };
  struct rest_response resp;
  memset(&resp, 0, sizeof resp);
  resp.route = -1;
  rest_handle(s->app, &req, &resp);

  struct MHD_Response *m = resp.stream_read
                               ? stream_response(&resp)
                               : MHD_create_response_from_buffer(resp.body_len, resp.body,
                                                                 MHD_RESPMEM_MUST_FREE);
  if (!m) {
    free(resp.body);
    return MHD_NO;
  }
  MHD_add_response_header(m, "Content-Type", resp.content_type ? resp.content_type
                                                               : "application/json");
  MHD_add_response_header(m, "Cache-Control", "no-store");
  if (resp.retry_after_s > 0) {
    char ra[16];
    snprintf(ra, sizeof ra, "%d", resp.retry_after_s);
    MHD_add_response_header(m, "Retry-After", ra);
  }
  enum MHD_Result rc = MHD_queue_response(conn, (unsigned)resp.status, m);
  MHD_destroy_response(m);

  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  int64_t us = (t1.tv_sec - r->t0.tv_sec) * 1000000LL + (t1.tv_nsec - r->t0.tv_nsec) / 1000;
  metrics_http_observe(resp.route, resp.status, us);
  if (resp.status >= 500)
    log_event(LOG_WARN, "http_response", "method=%s path=%s status=%d us=%lld", method, url,
              resp.status, (long long)us);
  else
    log_event(LOG_DEBUG, "http_response", "method=%s path=%s status=%d us=%lld", method, url,
              resp.status, (long long)us);
  return rc;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)conn;
  (void)toe;
  struct request *r = *con_cls;
  if (!r) return;
  free(r->uri);
  free(r->body);
  free(r);
  *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  size_t n = strlen(msg);
  while (n && (msg[n - 1] == '\n')) msg[--n] = 0;
  for (char *p = msg; *p; p++)
    if (*p == '"') *p = '\'';
  log_event(LOG_WARN, "http_library", "msg=\"%s\"", msg);
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = n >= 0 && n < (1 << 20) ? malloc((size_t)n + 1) : NULL;
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  if (buf) buf[n] = 0;
  fclose(f);
  return buf;
}

struct http_server *http_server_start(struct app *app, char *err, size_t errcap) {
  const struct app_config *c = app->config;
  struct http_server *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errcap, "out of memory");
    return NULL;
  }
  s->app = app;
  s->quiesced_fd = MHD_INVALID_SOCKET;
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)c->http.port);
  inet_pton(AF_INET, c->http.host, &sa.sin_addr);

  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;
  if (*c->http.tls_cert) {
    s->tls_cert = read_file(c->http.tls_cert);
    s->tls_key = read_file(c->http.tls_key);
    if (!s->tls_cert || !s->tls_key) {
      snprintf(err, errcap, "http.tls: cannot read %s or %s", c->http.tls_cert, c->http.tls_key);
      http_server_stop(s);
      return NULL;
    }
    flags |= MHD_USE_TLS;
  }
  /* A pool of threads, not one epoll thread: see STYLE.md (the 128-ready-connections stall). */
  s->d = MHD_start_daemon(
      flags, (uint16_t)c->http.port, NULL, NULL, handler, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
      NULL, MHD_OPTION_SOCK_ADDR, &sa,
      MHD_OPTION_THREAD_POOL_SIZE, (unsigned)c->http_threads, MHD_OPTION_URI_LOG_CALLBACK,
      uri_logger, s, MHD_OPTION_NOTIFY_COMPLETED, completed, s, MHD_OPTION_CONNECTION_TIMEOUT,
      (unsigned)60, MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384, /* headers and a read buffer: bodies are copied out as they arrive */
      s->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->tls_cert,
      MHD_OPTION_HTTPS_MEM_KEY, s->tls_key, MHD_OPTION_END);
  if (!s->d) {
    snprintf(err, errcap, "cannot listen on %s:%d for HTTP (in use?)", c->http.host, c->http.port);
    http_server_stop(s);
    return NULL;
  }
  return s;
}

void http_server_quiesce(struct http_server *s) {
  if (!s || !s->d) return;
  s->quiesced_fd = MHD_quiesce_daemon(s->d);
}

void http_server_stop(struct http_server *s) {
  if (!s) return;
  if (s->d) MHD_stop_daemon(s->d);
  if (s->quiesced_fd != MHD_INVALID_SOCKET) close(s->quiesced_fd);
  free(s->tls_cert);
  free(s->tls_key);
  free(s);
}
