/* rest: the REST surface, independent of the HTTP library. The server hands over a parsed
 * request; rest_handle authenticates it, checks the route's roles, runs the handler and
 * fills a response. Errors are {"error":{"code","message","details"}} (SPEC 9). */
#ifndef OPTDESK_REST_H
#define OPTDESK_REST_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "app.h"
#include "auth.h"

#define REST_MAX_PARAMS 4

struct rest_request {
  const char *method;     /* "GET", "POST", ... */
  const char *path;       /* without the query */
  const char *path_query; /* the request target exactly as sent, for the signature */
  const char *body;       /* NUL-terminated copy of the body ("" when none) */
  size_t body_len;
  int body_too_large;     /* the server stopped reading past the configured limit */
  /* header lookup (case-insensitive), NULL when absent */
  const char *(*header)(void *header_ctx, const char *name);
  void *header_ctx;
};

/* A streamed body: the server calls read(cls, buf, max) until it returns 0 (the end) or
 * < 0 (a failure: the body is cut short and the connection closed), then free_fn(cls) once,
 * whatever happened (also when the client went away). read may block (a worker thread). */
typedef ssize_t (*rest_stream_read)(void *cls, char *buf, size_t max);

struct rest_response {
  int status;
  const char *content_type; /* static string */
  char *body;               /* malloc'ed */
  size_t body_len;
  int retry_after_s;        /* > 0: send Retry-After */
  int route;                /* metrics route index, -1 unmatched */
  rest_stream_read stream_read; /* non-NULL: the body is streamed (body unused) */
  void (*stream_free)(void *cls);
  void *stream_cls;
};

/* Per-request state handed to a route handler. */
struct rest_ctx {
  struct app *app;
  const struct rest_request *req;
  struct rest_response *resp;
  struct auth_identity who; /* who.account is "" for anonymous requests */
  const char *params[REST_MAX_PARAMS]; /* {name} path segments, in order */
  char param_buf[512];
};

typedef void (*rest_handler)(struct rest_ctx *ctx);

/* Registers the routes' metrics labels; call once at start-up before serving. */
void rest_init(void);
/* Handles one request; always fills resp (status, body). */
void rest_handle(struct app *app, const struct rest_request *req, struct rest_response *resp);

/* Response helpers for handlers. rest_json steals the reference to body. */
void rest_json(struct rest_ctx *ctx, int status, json_t *body);
void rest_text(struct rest_ctx *ctx, int status, const char *content_type, char *body,
               size_t len);
/* Answers with a streamed body (chunked); the server owns cls from here (see above). */
void rest_stream(struct rest_ctx *ctx, int status, const char *content_type,
                 rest_stream_read read, void (*free_fn)(void *cls), void *cls);
void rest_error(struct rest_ctx *ctx, int status, const char *code, const char *message,
                json_t *details);
/* 503 with a retryable code, for infrastructure failures (store status from db.h). */
void rest_store_error(struct rest_ctx *ctx, int store_status);
/* Parses the body as a JSON object; on failure answers 400 and returns NULL. */
json_t *rest_body_object(struct rest_ctx *ctx);
/* Query parameter (URL-decoded) into buf; 1 found, 0 absent, -1 malformed/too long. */
int rest_query(const struct rest_ctx *ctx, const char *name, char *buf, size_t cap);

#endif
