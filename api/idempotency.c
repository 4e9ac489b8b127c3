/* idempotency: Idempotency-Key handling around one database transaction. */
#include "idempotency.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "hmac.h"
#include "idempotency_store.h"
#include "secretbox.h"

#define IDEM_KEY_MAX 128

struct idem_tx {
  struct rest_ctx *ctx;
  idem_op op;
  void *arg;
  const char *key;
  char hash[CRYPTO_SHA256_HEX_SIZE];
  char aad[200];
  int replayed;
};

static int replay(struct idem_tx *t, int status, const char *box) {
  size_t cap = strlen(box) / 2 + 1, n = 0;
  char *plain = malloc(cap);
  char err[128];
  if (!plain || crypto_secretbox_open(t->ctx->app->master_key, t->aad, strlen(t->aad), box,
                                      plain, cap, &n, err, sizeof err)) {
    free(plain);
    rest_error(t->ctx, 500, "internal_error", "a stored response could not be read", NULL);
    return 1;
  }
  plain[n] = 0;
  rest_text(t->ctx, status, "application/json", plain, n);
  t->replayed = 1;
  return 0;
}

static int body(struct db *db, void *p) {
  struct idem_tx *t = p;
  struct rest_ctx *ctx = t->ctx;
  t->replayed = 0;
  if (t->key) {
    char stored_hash[65];
    int status = 0;
    char *box = NULL;
    int st = store_idem_get(db, ctx->who.account, t->key, stored_hash, &status, &box);
    if (st == STORE_OK) {
      int rc;
      if (strcmp(stored_hash, t->hash) == 0) {
        rc = replay(t, status, box);
      } else {
        rest_error(ctx, 422, "idempotency_key_reused",
                   "this Idempotency-Key was used for a different request", NULL);
        rc = 1;
      }
      free(box);
      return rc;
    }
    if (st != STORE_ENOTFOUND) return -1;
  }
  int rc = t->op(db, ctx, t->arg);
  if (rc != 0 || !t->key) return rc;
  const struct rest_response *r = ctx->resp;
  size_t cap = r->body_len * 2 + 128;
  char *box = malloc(cap);
  char err[128];
  if (!box || crypto_secretbox_seal(ctx->app->master_key, t->aad, strlen(t->aad), r->body,
                                    r->body_len, box, cap, err, sizeof err)) {
    free(box);
    rest_error(ctx, 500, "internal_error", "could not record the response", NULL);
    return 1;
  }
  int st = store_idem_put(db, ctx->who.account, t->key, t->hash, r->status, box,
                          clock_real_ms());
  free(box);
  return st ? -1 : 0;
}

int idem_run(struct rest_ctx *ctx, idem_op op, void *arg, int *replayed) {
  struct idem_tx t;
  memset(&t, 0, sizeof t);
  t.ctx = ctx;
  t.op = op;
  t.arg = arg;
  t.key = ctx->req->header(ctx->req->header_ctx, "Idempotency-Key");
  if (t.key && (strlen(t.key) == 0 || strlen(t.key) > IDEM_KEY_MAX)) {
    rest_error(ctx, 400, "invalid_idempotency_key", "Idempotency-Key must be 1-128 characters",
               NULL);
    return 1;
  }
  if (t.key) {
    /* the request's identity: method, target and body */
    struct crypto_span parts[] = {{ctx->req->method, strlen(ctx->req->method)},
                                  {" ", 1},
                                  {ctx->req->path_query, strlen(ctx->req->path_query)},
                                  {"\n", 1},
                                  {ctx->req->body, ctx->req->body_len}};
    if (crypto_hmac_sha256_hex_parts("optdesk-idem", 12, parts, 5, t.hash)) {
      rest_error(ctx, 500, "internal_error", "hash failed", NULL);
      return 1;
    }
    snprintf(t.aad, sizeof t.aad, "idem:%s:%s", ctx->who.account, t.key);
  }
  struct db *db = app_db(ctx->app);
  int fn_status = 0;
  /* one more round when a concurrent twin recorded the key first: we then replay it */
  for (int round = 0; round < 2; round++) {
    int st = db ? db_tx(db, DB_READ_COMMITTED, body, &t, &fn_status) : STORE_EINTERNAL;
    if (st == STORE_OK) {
      if (replayed) *replayed = t.replayed;
      return 0;
    }
    if (st == STORE_EABORT) return 1;
    if (st == STORE_ECONFLICT && t.key && round == 0) continue;
    if (st == STORE_ECONFLICT) {
      rest_error(ctx, 409, "conflict", "the write conflicts with existing data", NULL);
      return 1;
    }
    rest_store_error(ctx, st);
    return 1;
  }
  return 1;
}
