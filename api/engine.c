/* engine: sessions, inbound rate limits, and calls posted from other threads. */
#include "engine_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channels.h"
#include "desk.h"
#include "jsonrpc.h"
#include "log.h"
#include "metrics.h"
#include "rpc_errors.h"

/* A call posted by another thread; the poster waits on `done`. */
struct engine_job {
  struct auth_identity who;
  int anonymous;
  int internal;
  char *body;
  size_t len;
  char *reply;
  int finished, abandoned;
  pthread_cond_t done;
  struct engine_job *next;
};

struct engine *engine_new(struct app *app, const struct engine_transport *t) {
  struct engine *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  e->app = app;
  e->t = *t;
  e->channels = strmap_new();
  e->account_rate = strmap_new();
  if (!e->channels || !e->account_rate) {
    strmap_free(e->channels);
    strmap_free(e->account_rate);
    free(e);
    return NULL;
  }
  pthread_mutex_init(&e->lock, NULL);
  e->desk = desk_new(e);
  if (!e->desk) log_event(LOG_ERROR, "desk_start_failed", NULL);
  return e;
}

static void job_free(struct engine_job *j) {
  pthread_cond_destroy(&j->done);
  free(j->body);
  free(j->reply);
  free(j);
}

static void free_bucket(const char *key, void *value, void *arg) {
  (void)key;
  (void)arg;
  free(value);
}

void engine_free(struct engine *e) {
  if (!e) return;
  engine_close(e);
  while (e->sessions) engine_session_close(e, e->sessions);
  desk_free(e->desk);
  e->desk = NULL;
  channels_free_all(e);
  strmap_each(e->account_rate, free_bucket, NULL);
  strmap_free(e->account_rate);
  pthread_mutex_destroy(&e->lock);
  free(e);
}

int engine_send_json(struct engine *e, struct engine_session *s, json_t *msg) {
  char *text = json_dumps(msg, JSON_COMPACT | JSON_REAL_PRECISION(15));
  json_decref(msg);
  if (!text || !s->conn) {
    free(text);
    return -1;
  }
  int rc = e->t.send(s->conn, text, strlen(text));
  free(text);
  return rc;
}

struct engine_session *engine_session_open(struct engine *e, void *conn) {
  struct engine_session *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->conn = conn;
  s->conn_rate.tokens = e->app->config->ws_burst;
  s->conn_rate.refill_ms = clock_real_ms();
  s->next = e->sessions;
  if (e->sessions) e->sessions->prev = s;
  e->sessions = s;
  return s;
}

void engine_session_close(struct engine *e, struct engine_session *s) {
  if (!s) return;
  if (e->desk) desk_session_closed(e->desk, s);
  channels_session_gone(e, s);
  if (s->prev) s->prev->next = s->next;
  else e->sessions = s->next;
  if (s->next) s->next->prev = s->prev;
  free(s);
}

const char *engine_session_account(const struct engine_session *s) {
  return s && s->logged_in ? s->who.account : "-";
}

int engine_account_sessions(struct engine *e, const char *account) {
  int n = 0;
  for (struct engine_session *s = e->sessions; s; s = s->next)
    if (s->logged_in && strcmp(s->who.account, account) == 0) n++;
  return n;
}

/* Token bucket: rate_per_sec tokens a second, up to burst. Returns ms to wait, 0 if allowed. */
static int64_t take_token(struct engine *e, struct rate_bucket *b) {
  const struct app_config *c = e->app->config;
  int64_t now = clock_real_ms();
  b->tokens += (double)(now - b->refill_ms) * c->ws_rate_per_sec / 1000.0;
  if (b->tokens > c->ws_burst) b->tokens = c->ws_burst;
  b->refill_ms = now;
  if (b->tokens >= 1.0) {
    b->tokens -= 1.0;
    return 0;
  }
  return (int64_t)((1.0 - b->tokens) * 1000.0 / c->ws_rate_per_sec) + 1;
}

/* The per-account bucket (a maker's connections share one limit). */
static struct rate_bucket *account_bucket(struct engine *e, const char *account) {
  struct rate_bucket *b = strmap_get(e->account_rate, account);
  if (!b) {
    b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->tokens = e->app->config->ws_burst;
    b->refill_ms = clock_real_ms();
    if (strmap_put(e->account_rate, account, b) != 0) {
      free(b);
      return NULL;
    }
  }
  return b;
}

int engine_session_message(struct engine *e, struct engine_session *s, const char *text,
                           size_t len) {
  metrics_ws_message_in();
  int64_t wait = take_token(e, &s->conn_rate);
  if (!wait && s->logged_in) {
    struct rate_bucket *b = account_bucket(e, s->who.account);
    if (b) wait = take_token(e, b);
  }
  if (wait) {
    metrics_ws_rejected("rate");
    /* a client that keeps sending while refused is flooding: cut it off */
    if (++s->conn_rate.refused_in_row > e->app->config->ws_burst) return -1;
    char msg[64];
    snprintf(msg, sizeof msg, "rate limited, retry after %lld ms", (long long)wait);
    return engine_send_json(e, s,
                            jsonrpc_error(NULL, RPC_RATE_LIMITED, msg,
                                          json_pack("{s:I}", "retry_after_ms", (json_int_t)wait))) < 0
               ? -1
               : 0;
  }
  s->conn_rate.refused_in_row = 0;
  char *reply = jsonrpc_handle(e, s, text, len);
  if (!reply) return 0;
  metrics_ws_message_out();
  int rc = s->conn ? e->t.send(s->conn, reply, strlen(reply)) : -1;
  free(reply);
  return rc < 0 ? -1 : 0;
}

static void run_job(struct engine *e, struct engine_job *j) {
  struct engine_session s;
  memset(&s, 0, sizeof s);
  if (!j->anonymous) {
    s.who = j->who;
    s.logged_in = 1;
  }
  s.internal = j->internal;
  j->reply = jsonrpc_handle(e, &s, j->body, j->len);
}

void engine_tick(struct engine *e) {
  if (e->desk) desk_tick(e->desk);
}

void engine_drain(struct engine *e) {
  if (e->desk) desk_drain(e->desk);
  for (;;) {
    pthread_mutex_lock(&e->lock);
    struct engine_job *j = e->jobs_head;
    if (j) {
      e->jobs_head = j->next;
      if (!e->jobs_head) e->jobs_tail = NULL;
    }
    pthread_mutex_unlock(&e->lock);
    if (!j) return;
    run_job(e, j);
    pthread_mutex_lock(&e->lock);
    j->finished = 1;
    int abandoned = j->abandoned;
    pthread_cond_signal(&j->done);
    pthread_mutex_unlock(&e->lock);
    if (abandoned) job_free(j); /* the poster timed out and left it to us */
  }
}

static int call(struct engine *e, const struct auth_identity *who, const char *body, size_t len,
                char **reply, int timeout_ms, int internal);

int engine_call_rpc(struct engine *e, const struct auth_identity *who, const char *body,
                    size_t len, char **reply, int timeout_ms) {
  return call(e, who, body, len, reply, timeout_ms, 0);
}

int engine_call_internal(struct engine *e, const struct auth_identity *who, const char *body,
                         size_t len, char **reply, int timeout_ms) {
  return call(e, who, body, len, reply, timeout_ms, 1);
}

static int call(struct engine *e, const struct auth_identity *who, const char *body, size_t len,
                char **reply, int timeout_ms, int internal) {
  struct engine_job *j = calloc(1, sizeof *j);
  if (!j) return -1;
  j->body = malloc(len + 1);
  if (!j->body) {
    free(j);
    return -1;
  }
  memcpy(j->body, body, len);
  j->body[len] = 0;
  j->len = len;
  if (who && who->account[0]) j->who = *who;
  else j->anonymous = 1;
  j->internal = internal;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&j->done, &attr);
  pthread_condattr_destroy(&attr);

  pthread_mutex_lock(&e->lock);
  if (e->closed) {
    pthread_mutex_unlock(&e->lock);
    job_free(j);
    return -1;
  }
  if (e->jobs_tail) e->jobs_tail->next = j;
  else e->jobs_head = j;
  e->jobs_tail = j;
  pthread_mutex_unlock(&e->lock);
  e->t.wake(e->t.wake_arg);

  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += timeout_ms / 1000;
  until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&e->lock);
  int rc = 0;
  while (!j->finished && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&j->done, &e->lock, &until);
  if (!j->finished) {
    j->abandoned = 1; /* the engine frees it when it gets to it */
    pthread_mutex_unlock(&e->lock);
    return -1;
  }
  pthread_mutex_unlock(&e->lock);
  *reply = j->reply;
  j->reply = NULL;
  job_free(j);
  return 0;
}

void engine_close(struct engine *e) {
  pthread_mutex_lock(&e->lock);
  e->closed = 1;
  pthread_mutex_unlock(&e->lock);
  engine_drain(e); /* answer what was queued before the close */
}
