/* desk: the vault RFQ desk inside the engine (SPEC 4): per vault the running auction (the
 * pure auction engine), its RFQs, the makers' quotes, the mandate's state, and the fills
 * committed through the desk writer before anyone is told. Engine thread only. */
#ifndef OPTDESK_DESK_H
#define OPTDESK_DESK_H

#include <jansson.h>
#include <stdint.h>

#include "engine_internal.h"

struct desk;

struct desk *desk_new(struct engine *e);
void desk_free(struct desk *d);

/* Periodic work (the engine calls it every ~100 ms): auction timers, expiries. */
void desk_tick(struct desk *d);
/* Writer completions (after a wake). */
void desk_drain(struct desk *d);
/* A session closed: cancel-on-disconnect. */
void desk_session_closed(struct desk *d, struct engine_session *s);

/* Channel snapshots (arrays). */
json_t *desk_snapshot_rfqs(struct desk *d, const char *account);
json_t *desk_snapshot_quotes(struct desk *d, const char *account);
json_t *desk_snapshot_trades(struct desk *d, const char *account);
json_t *desk_snapshot_auction(struct desk *d, const char *vault);

/* JSON-RPC methods (maker role, logged in). Return 0 with *result, or with *result_text (the
 * result as malloc'ed JSON text, for the hot quote replies), or fill the error. */
struct desk_error {
  int code;
  const char *message;
  json_t *data;
};
int desk_rpc(struct desk *d, struct engine_session *s, const char *method, json_t *params,
             json_t **result, char **result_text, struct desk_error *err);

#endif
