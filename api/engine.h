/* engine: the live state of the desk — sessions, channels and (later) auctions — owned by
 * exactly one thread, the WebSocket loop. Transports feed it messages on that thread; other
 * threads (HTTP workers) post calls through engine_call_rpc, which queues the call, wakes
 * the loop and waits for the reply. Nothing here blocks on I/O. */
#ifndef OPTDESK_ENGINE_H
#define OPTDESK_ENGINE_H

#include <stddef.h>

#include "app.h"
#include "auth.h"

struct engine;
struct engine_session;

/* What the transport provides; all called on the engine thread. */
struct engine_transport {
  /* queue one text message to the client; returns 0, or -1 when the client's outbound
   * queue is over its limit (the transport then closes it) */
  int (*send)(void *conn, const char *text, size_t len);
  /* wake the loop thread so it calls engine_drain (thread-safe; e.g. lws_cancel_service) */
  void (*wake)(void *arg);
  void *wake_arg;
};

struct engine *engine_new(struct app *app, const struct engine_transport *t);
void engine_free(struct engine *e);

/* A client connected / disconnected (engine thread). */
struct engine_session *engine_session_open(struct engine *e, void *conn);
void engine_session_close(struct engine *e, struct engine_session *s);
/* The session's account, or "-" before login (for logs). */
const char *engine_session_account(const struct engine_session *s);

/* One inbound text message from a session (engine thread). Replies go out through send.
 * Returns 0, or -1 when the session must be closed (sustained flood). */
int engine_session_message(struct engine *e, struct engine_session *s, const char *text,
                           size_t len);

/* Runs the calls other threads posted and the desk writer's completions (engine thread,
 * after a wake). */
void engine_drain(struct engine *e);
/* Periodic work: auction timers (engine thread, every ~100 ms). */
void engine_tick(struct engine *e);

/* From any other thread: runs one JSON-RPC request on the engine thread as `who` (NULL:
 * anonymous) and waits for the reply (malloc'ed into *reply). 0, or -1 when the engine is
 * closed or did not answer within timeout_ms. */
int engine_call_rpc(struct engine *e, const struct auth_identity *who, const char *body,
                    size_t len, char **reply, int timeout_ms);
/* The same for a trusted REST route: the call may use internal methods. */
int engine_call_internal(struct engine *e, const struct auth_identity *who, const char *body,
                         size_t len, char **reply, int timeout_ms);

/* Stops taking posted calls (they fail at once) and answers those still queued. */
void engine_close(struct engine *e);

#endif
