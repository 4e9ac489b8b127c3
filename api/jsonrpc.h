/* jsonrpc: the JSON-RPC 2.0 dispatcher behind the WebSocket and POST /v1/rpc. Parses one
 * request, checks the envelope, login and roles, runs the method, and returns the reply.
 * Runs on the engine thread only. */
#ifndef OPTDESK_JSONRPC_H
#define OPTDESK_JSONRPC_H

#include <jansson.h>
#include <stddef.h>

#include "engine_internal.h"

/* The reply's text to send (malloc'ed, the caller frees it), or NULL for a notification (no
 * id) that needs none (or when memory is short). */
char *jsonrpc_handle(struct engine *e, struct engine_session *s, const char *text, size_t len);

/* Builds an error reply for id (NULL id: JSON null). data may be NULL; it is stolen. */
json_t *jsonrpc_error(json_t *id, int code, const char *message, json_t *data);

#endif
