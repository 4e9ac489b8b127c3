/* ws_server: the market-maker WebSocket listener (libwebsockets, path /ws). Its service
 * thread is the engine thread: it owns the engine and calls it for every message. Limits:
 * message size (close 1009), outbound queue (close 1008), invalid UTF-8 (close 1007),
 * inbound silence (ping, then hang up after ws.idle_timeout_s). */
#ifndef OPTDESK_WS_SERVER_H
#define OPTDESK_WS_SERVER_H

#include <stddef.h>

#include "app.h"

struct ws_server;

/* Creates the listener and the engine (app->engine). NULL with err on failure. */
struct ws_server *ws_server_start(struct app *app, char *err, size_t errcap);
/* Serves until ws_server_interrupt is called (runs on the calling thread). */
void ws_server_run(struct ws_server *s);
/* Thread-safe and async-signal-tolerant: makes ws_server_run return. */
void ws_server_interrupt(struct ws_server *s);
/* Closes every connection and frees the listener and the engine. */
void ws_server_stop(struct ws_server *s);

#endif
