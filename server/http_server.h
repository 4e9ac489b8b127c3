/* http_server: the REST listener on libmicrohttpd: a small internal thread pool; each
 * request's target, headers and body are collected (the body up to the configured limit)
 * and handed to rest_handle, whose response is queued on the final handler call. */
#ifndef OPTDESK_HTTP_SERVER_H
#define OPTDESK_HTTP_SERVER_H

#include <stddef.h>

#include "app.h"

struct http_server;

/* Starts listening on config http.addr (TLS when configured). NULL with err on failure. */
struct http_server *http_server_start(struct app *app, char *err, size_t errcap);
/* Stops accepting new connections (in-flight requests go on). */
void http_server_quiesce(struct http_server *s);
/* Waits for in-flight requests, stops the threads, frees. NULL is a no-op. */
void http_server_stop(struct http_server *s);

#endif
