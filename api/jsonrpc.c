/* jsonrpc: JSON-RPC 2.0 envelope checks, method table, login and subscriptions. */
#include "jsonrpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels.h"
#include "desk.h"
#include "log.h"
#include "roles.h"
#include "rpc_errors.h"

struct rpc_ctx {
  struct engine *e;
  struct engine_session *s;
  const char *method;
  int err_code;
  const char *err_msg;
  json_t *err_data;
  char *result_text; /* a method's result as JSON text (malloc'ed), instead of *result */
};

static int fail(struct rpc_ctx *c, int code, const char *msg, json_t *data) {
  c->err_code = code;
  c->err_msg = msg;
  c->err_data = data;
  return -1;
}

typedef int (*rpc_fn)(struct rpc_ctx *c, json_t *params, json_t **result);

#define RPC_FLAG_NEED_LOGIN 1
#define RPC_FLAG_WS_ONLY 2

struct rpc_method {
  const char *name;
  int flags;
  int roles; /* 0: any (after login when RPC_FLAG_NEED_LOGIN) */
  rpc_fn fn;
};

static int m_login(struct rpc_ctx *c, json_t *params, json_t **result) {
  const char *key = json_string_value(json_object_get(params, "api_key"));
  json_t *ts = json_object_get(params, "timestamp");
  const char *sig = json_string_value(json_object_get(params, "signature"));
  char tsbuf[32] = "";
  if (json_is_integer(ts)) snprintf(tsbuf, sizeof tsbuf, "%lld", (long long)json_integer_value(ts));
  else if (json_is_string(ts)) snprintf(tsbuf, sizeof tsbuf, "%s", json_string_value(ts));
  if (!key || !*tsbuf || !sig)
    return fail(c, RPC_INVALID_PARAMS, "login needs api_key, timestamp and signature",
                json_pack("{s:s}", "hint", "signature = hex HMAC-SHA256(secret, timestamp + \"GET/ws\")"));
  struct auth_identity who;
  int rc = auth_verify(c->e->app->keyring, key, tsbuf, sig, "GET", "/ws", "", 0, clock_real_ms(),
                       &who);
  if (rc != AUTH_OK) {
    log_event(LOG_WARN, "ws_login_refused", "code=%s", auth_error_code(rc));
    return fail(c, RPC_BAD_SIGNATURE, auth_error_message(rc),
                json_pack("{s:s}", "reason", auth_error_code(rc)));
  }
  if (c->s->logged_in && strcmp(c->s->who.account, who.account) != 0) {
    /* a session speaks for one account: its subscriptions were authorised for it */
    return fail(c, RPC_INVALID_PARAMS, "this connection is logged in as another account", NULL);
  }
  if (!c->s->logged_in && c->s->conn &&
      engine_account_sessions(c->e, who.account) >= c->e->app->config->ws_max_connections_per_account)
    return fail(c, RPC_FORBIDDEN, "too many connections for this account",
                json_pack("{s:i}", "max_connections_per_account",
                          c->e->app->config->ws_max_connections_per_account));
  c->s->who = who;
  c->s->logged_in = 1;
  json_t *roles = json_array();
  for (int i = 0; i < ROLE_COUNT; i++)
    if (who.roles & (1 << i)) json_array_append_new(roles, json_string(role_name(1 << i)));
  *result = json_pack("{s:s,s:o,s:[s]}", "account", who.account, "roles", roles, "subaccounts",
                      who.account);
  return 0;
}

static int m_get_time(struct rpc_ctx *c, json_t *params, json_t **result) {
  (void)params;
  *result = json_integer(clock_now_ms(&c->e->app->clock));
  return 0;
}

static int channel_list(struct rpc_ctx *c, json_t *params, json_t **list) {
  *list = json_object_get(params, "channels");
  if (!json_is_array(*list) || json_array_size(*list) == 0 || json_array_size(*list) > 64)
    return fail(c, RPC_INVALID_PARAMS, "channels must be an array of 1-64 channel names", NULL);
  size_t i;
  json_t *ch;
  json_array_foreach(*list, i, ch) if (!json_is_string(ch))
      return fail(c, RPC_INVALID_PARAMS, "channel names are strings", NULL);
  return 0;
}

static json_t *current_subscriptions(struct engine_session *s);

/* subscribe and unsubscribe: apply op to each named channel, report per-channel status. */
static int each_channel(struct rpc_ctx *c, json_t *params, json_t **result,
                        const char *(*op)(struct engine *, struct engine_session *, const char *),
                        const char *list_key) {
  json_t *list;
  if (channel_list(c, params, &list)) return -1;
  json_t *status = json_object();
  size_t i;
  json_t *ch;
  json_array_foreach(list, i, ch) {
    const char *name = json_string_value(ch);
    json_object_set_new(status, name, json_string(op(c->e, c->s, name)));
  }
  *result = json_pack("{s:o,s:o}", "status", status, list_key, current_subscriptions(c->s));
  return 0;
}

static int m_subscribe(struct rpc_ctx *c, json_t *params, json_t **result) {
  return each_channel(c, params, result, channels_subscribe, "current_subscriptions");
}

static int m_unsubscribe(struct rpc_ctx *c, json_t *params, json_t **result) {
  return each_channel(c, params, result, channels_unsubscribe, "remaining_subscriptions");
}

static json_t *current_subscriptions(struct engine_session *s) {
  json_t *a = json_array();
  for (int i = 0; i < s->nsubs; i++)
    json_array_append_new(a, json_string(channels_name(s->subs[i])));
  return a;
}

/* The RFQ desk's methods (desk_rpc.c). */
static int m_desk(struct rpc_ctx *c, json_t *params, json_t **result) {
  struct desk_error err = {0, NULL, NULL};
  if (!c->e->desk) return fail(c, RPC_UNAVAILABLE, "the desk is not running", NULL);
  if (desk_rpc(c->e->desk, c->s, c->method, params, result, &c->result_text, &err) == 0) return 0;
  return fail(c, err.code, err.message, err.data);
}

static const struct rpc_method methods[] = {
    {"public/login", RPC_FLAG_WS_ONLY, 0, m_login},
    {"public/get_time", 0, 0, m_get_time},
    {"subscribe", RPC_FLAG_WS_ONLY, 0, m_subscribe},
    {"unsubscribe", RPC_FLAG_WS_ONLY, 0, m_unsubscribe},
    {"private/send_quote", RPC_FLAG_NEED_LOGIN, ROLE_MAKER, m_desk},
    {"private/replace_quote", RPC_FLAG_NEED_LOGIN, ROLE_MAKER, m_desk},
    {"private/cancel_quote", RPC_FLAG_NEED_LOGIN, ROLE_MAKER, m_desk},
    {"private/cancel_batch_quotes", RPC_FLAG_NEED_LOGIN, ROLE_MAKER, m_desk},
    {"private/get_quotes", RPC_FLAG_NEED_LOGIN, ROLE_MAKER, m_desk},
    {"private/poll_rfqs", RPC_FLAG_NEED_LOGIN, ROLE_MAKER, m_desk},
    {"private/set_cancel_on_disconnect", RPC_FLAG_NEED_LOGIN | RPC_FLAG_WS_ONLY, ROLE_MAKER, m_desk},
    {"operator/start_auction", RPC_FLAG_NEED_LOGIN, ROLE_ADMIN | ROLE_OPERATOR, m_desk},
    {"operator/cycle", RPC_FLAG_NEED_LOGIN, 0, m_desk},
};

json_t *jsonrpc_error(json_t *id, int code, const char *message, json_t *data) {
  json_t *err = json_pack("{s:i,s:s}", "code", code, "message", message);
  if (data) json_object_set_new(err, "data", data);
  return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error", err);
}

static char *dump(json_t *reply) {
  char *text = reply ? json_dumps(reply, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
  json_decref(reply);
  return text;
}

/* {"jsonrpc":"2.0","id":<id>,"result":<result>}: what json_pack below gives, around a
 * result that is already text. */
static char *envelope(json_t *id, const char *result) {
  char *idt = json_dumps(id, JSON_COMPACT | JSON_ENCODE_ANY);
  if (!idt) return NULL;
  size_t n = strlen(idt) + strlen(result) + 40;
  char *out = malloc(n);
  if (out) snprintf(out, n, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":%s}", idt, result);
  free(idt);
  return out;
}

char *jsonrpc_handle(struct engine *e, struct engine_session *s, const char *text, size_t len) {
  json_error_t je;
  json_t *req = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
  if (!req)
    return dump(jsonrpc_error(NULL, RPC_PARSE_ERROR, "parse error: not valid JSON (UTF-8)",
                              json_pack("{s:s,s:i}", "reason", je.text, "position", je.position)));
  json_t *reply = NULL;
  char *out = NULL;
  if (json_is_array(req)) {
    reply = jsonrpc_error(NULL, RPC_INVALID_REQUEST, "batch requests are not supported", NULL);
    goto done;
  }
  json_t *id = json_object_get(req, "id");
  const char *version = json_string_value(json_object_get(req, "jsonrpc"));
  json_t *method = json_object_get(req, "method");
  json_t *params = json_object_get(req, "params");
  if (!json_is_object(req) || !version || strcmp(version, "2.0") != 0 || !json_is_string(method) ||
      (id && !json_is_string(id) && !json_is_integer(id) && !json_is_null(id)) ||
      (params && !json_is_object(params))) {
    reply = jsonrpc_error(json_is_object(req) && (json_is_string(id) || json_is_integer(id)) ? id : NULL,
                          RPC_INVALID_REQUEST,
                          "invalid request: need jsonrpc \"2.0\", a string method, an integer or "
                          "string id and object params",
                          NULL);
    goto done;
  }
  const struct rpc_method *m = NULL;
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
    if (strcmp(methods[i].name, json_string_value(method)) == 0) m = &methods[i];
  int code = 0;
  const char *msg = NULL;
  json_t *data = NULL;
  if (!m) {
    code = RPC_METHOD_NOT_FOUND;
    msg = "method not found";
    data = json_pack("{s:s}", "method", json_string_value(method));
  } else if ((m->flags & RPC_FLAG_WS_ONLY) && !s->conn) {
    code = RPC_WS_ONLY;
    msg = "this method needs the WebSocket connection";
  } else if ((m->flags & RPC_FLAG_NEED_LOGIN) && !s->logged_in) {
    code = RPC_NOT_LOGGED_IN;
    msg = "call public/login first";
  } else if (m->roles && !(s->who.roles & m->roles)) {
    code = RPC_FORBIDDEN;
    msg = "this account's roles do not allow the method";
  }
  if (code) {
    /* a notification (no id) is never answered, not even with an error */
    if (id) reply = jsonrpc_error(id, code, msg, data);
    else json_decref(data);
    goto done;
  }
  json_t *empty = NULL;
  if (!params) params = empty = json_object();
  struct rpc_ctx c = {e, s, m->name, 0, NULL, NULL, NULL};
  json_t *result = NULL;
  int rc = m->fn(&c, params, &result);
  json_decref(empty);
  if (!id) { /* a notification: no reply */
    json_decref(result);
    json_decref(c.err_data);
    free(c.result_text);
    goto done;
  }
  if (rc != 0)
    reply = jsonrpc_error(id, c.err_code, c.err_msg, c.err_data);
  else if (c.result_text)
    out = envelope(id, c.result_text);
  else
    reply = json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result",
                      result ? result : json_null());
  if (rc == 0 && c.result_text) json_decref(result);
  free(c.result_text);
done:
  json_decref(req);
  return out ? out : dump(reply);
}
