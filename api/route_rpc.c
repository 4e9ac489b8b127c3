/* route_rpc: POST /v1/rpc — the WebSocket's JSON-RPC methods, one call per request, run on
 * the engine thread as the signing account (or anonymously for public methods). */
#include <string.h>

#include "engine.h"
#include "routes.h"

#define RPC_ENGINE_TIMEOUT_MS 5000

void route_rpc(struct rest_ctx *ctx) {
  char *reply = NULL;
  if (engine_call_rpc(ctx->app->engine, &ctx->who, ctx->req->body, ctx->req->body_len, &reply,
                      RPC_ENGINE_TIMEOUT_MS) != 0) {
    rest_error(ctx, 503, "engine_unavailable", "the engine did not answer; retry",
               json_pack("{s:b}", "retryable", 1));
    ctx->resp->retry_after_s = 1;
    return;
  }
  if (!reply) { /* a notification: nothing to say */
    rest_text(ctx, 204, "application/json", strdup(""), 0);
    return;
  }
  rest_text(ctx, 200, "application/json", reply, strlen(reply));
}
