/* engine_internal: engine and session structures shared by engine.c, jsonrpc.c and
 * channels.c. Not for use outside api/. */
#ifndef OPTDESK_ENGINE_INTERNAL_H
#define OPTDESK_ENGINE_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "engine.h"
#include "strmap.h"

#define SESSION_MAX_CHANNELS 64

/* A token bucket (rate_per_sec, burst) for inbound messages. */
struct rate_bucket {
  double tokens;
  int64_t refill_ms;
  int64_t refused_in_row;
};

struct channel;

struct engine_session {
  void *conn; /* transport's handle; NULL for an HTTP call */
  int logged_in;
  struct auth_identity who;
  struct channel *subs[SESSION_MAX_CHANNELS];
  int nsubs;
  struct rate_bucket conn_rate; /* per connection */
  int cancel_on_disconnect;     /* private/set_cancel_on_disconnect */
  int internal;                 /* a call posted by a trusted REST route */
  struct engine_session *next, *prev;
};

struct engine_job; /* a posted call */
struct desk;



struct engine {
  struct app *app;
  struct engine_transport t;
  struct engine_session *sessions;
  struct strmap *channels; /* name -> struct channel* */
  struct strmap *account_rate; /* account -> struct rate_bucket*: per-maker limit */
  struct desk *desk;
  pthread_mutex_t lock;    /* guards the job queue and closed */
  struct engine_job *jobs_head, *jobs_tail;
  int closed;
};

/* Logged-in sessions of an account. */
int engine_account_sessions(struct engine *e, const char *account);

/* Sends a JSON value to a session (compact); steals the reference. */
int engine_send_json(struct engine *e, struct engine_session *s, json_t *msg);

#endif
