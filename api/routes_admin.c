/* routes_admin: account creation and the manual business clock (SPEC 9, 10). */
#include <openssl/crypto.h>
#include <string.h>

#include "accounts.h"
#include "accounts_store.h"
#include "db.h"
#include "idempotency.h"
#include "log.h"
#include "roles.h"
#include "routes.h"

struct create_arg {
  const char *name;
  int roles;
  struct account_credentials cred;
};

static json_t *roles_array(int roles) {
  json_t *a = json_array();
  for (int i = 0; i < ROLE_COUNT; i++)
    if (roles & (1 << i)) json_array_append_new(a, json_string(role_name(1 << i)));
  return a;
}

static int create_op(struct db *db, struct rest_ctx *ctx, void *p) {
  struct create_arg *a = p;
  int exists = 0;
  if (store_account_exists(db, a->name, &exists)) return -1;
  if (exists) {
    rest_error(ctx, 409, "account_exists", "an account with this name exists",
               json_pack("{s:s}", "account", a->name));
    return 1;
  }
  if (accounts_insert(ctx->app, db, a->name, a->roles, ctx->who.account,
                      clock_real_ms(), &a->cred))
    return -1;
  rest_json(ctx, 201,
            json_pack("{s:s,s:s,s:s,s:o}", "account", a->cred.account, "api_key",
                      a->cred.api_key, "secret", a->cred.secret, "roles", roles_array(a->roles)));
  return 0;
}

void route_admin_accounts_create(struct rest_ctx *ctx) {
  json_t *body = rest_body_object(ctx);
  if (!body) return;
  struct create_arg a;
  memset(&a, 0, sizeof a);
  json_t *name = json_object_get(body, "name"), *roles = json_object_get(body, "roles");
  if (!json_is_string(name) || !account_name_valid(json_string_value(name))) {
    rest_error(ctx, 400, "invalid_param", "name must be 1-64 characters of a-z, 0-9, '_', '-'",
               json_pack("{s:s}", "param", "name"));
    goto done;
  }
  if (!json_is_array(roles) || json_array_size(roles) == 0) {
    rest_error(ctx, 400, "invalid_param", "roles must be a non-empty array of role names",
               json_pack("{s:s}", "param", "roles"));
    goto done;
  }
  size_t i;
  json_t *r;
  json_array_foreach(roles, i, r) {
    int bit = json_is_string(r) ? role_from_name(json_string_value(r)) : 0;
    if (!bit) {
      rest_error(ctx, 400, "invalid_param",
                 "unknown role (admin, operator, oracle, maker, buyer, depositor, reporter)",
                 json_pack("{s:s,s:O}", "param", "roles", "value", r));
      goto done;
    }
    a.roles |= bit;
  }
  a.name = json_string_value(name);
  int replayed = 0;
  if (idem_run(ctx, create_op, &a, &replayed) == 0 && !replayed) {
    if (accounts_publish(ctx->app, &a.cred) != 0) {
      rest_error(ctx, 500, "internal_error", "out of memory", NULL);
    } else {
      char rolecsv[128];
      roles_to_csv(a.roles, rolecsv, sizeof rolecsv);
      log_event(LOG_INFO, "account_created", "account=%s roles=%s by=%s", a.cred.account,
                rolecsv, ctx->who.account);
    }
  }
done:
  OPENSSL_cleanse(&a.cred, sizeof a.cred);
  json_decref(body);
}

struct clock_arg {
  int64_t ms;
};

static int clock_tx(struct db *db, struct rest_ctx *ctx, void *p) {
  struct clock_arg *a = p;
  int rc = clock_set(&ctx->app->clock, a->ms);
  if (rc == -1) {
    rest_error(ctx, 409, "clock_not_manual",
               "the clock can be set only when the service runs with OPTDESK_CLOCK=manual",
               json_pack("{s:s}", "clock", clock_mode_name(&ctx->app->clock)));
    return 1;
  }
  if (rc == -3) {
    rest_error(ctx, 400, "invalid_param", "now_ms must be at most the end of year 9999",
               json_pack("{s:s}", "param", "now_ms"));
    return 1;
  }
  if (rc == -2) {
    rest_error(ctx, 409, "clock_backwards", "the business clock never moves backwards",
               json_pack("{s:I}", "now_ms", (json_int_t)clock_now_ms(&ctx->app->clock)));
    return 1;
  }
  /* the in-memory clock moved first; a failed commit leaves it ahead of the record, which
   * only ever errs towards later: the record catches up at the next setting */
  if (store_clock_set(db, a->ms)) return -1;
  rest_json(ctx, 200, json_pack("{s:I}", "now_ms", (json_int_t)a->ms));
  return 0;
}

void route_admin_clock_set(struct rest_ctx *ctx) {
  json_t *body = rest_body_object(ctx);
  if (!body) return;
  json_t *now = json_object_get(body, "now_ms");
  if (!json_is_integer(now) || json_integer_value(now) < 0) {
    rest_error(ctx, 400, "invalid_param", "now_ms must be a non-negative integer (ms)",
               json_pack("{s:s}", "param", "now_ms"));
  } else {
    struct clock_arg a = {json_integer_value(now)};
    if (idem_run(ctx, clock_tx, &a, NULL) == 0)
      log_event(LOG_INFO, "clock_set", "now_ms=%lld by=%s", (long long)a.ms, ctx->who.account);
  }
  json_decref(body);
}
