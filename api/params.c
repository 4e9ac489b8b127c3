/* params: typed request parameters with stable 400 errors. */
#include "params.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asset.h"
#include "instrument.h"

static int bad(struct rest_ctx *ctx, const char *code, const char *key, const char *msg) {
  rest_error(ctx, 400, code, msg, json_pack("{s:s}", "param", key));
  return -1;
}

static int amount_text(struct rest_ctx *ctx, const char *key, const char *s, size_t len,
                       unsigned decimals, int positive, money_u128 *out) {
  money_u128 v;
  int rc = money_parse(s, len, decimals, &v);
  if (rc != MONEY_OK) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s must be a decimal string with at most %u decimals (%s)", key,
             decimals, money_strerror(rc));
    rest_error(ctx, 400, "invalid_amount", msg,
               json_pack("{s:s,s:s,s:i}", "param", key, "reason", money_strerror(rc), "decimals",
                         (int)decimals));
    return -1;
  }
  if (positive && v == 0) return bad(ctx, "invalid_amount", key, "the amount must be positive");
  *out = v;
  return 0;
}

int param_amount(struct rest_ctx *ctx, json_t *obj, const char *key, unsigned decimals,
                 int positive, money_u128 *out) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_string(v))
    return bad(ctx, "invalid_amount", key, "amounts are JSON strings of decimals, e.g. \"1.5\"");
  return amount_text(ctx, key, json_string_value(v), json_string_length(v), decimals, positive,
                     out);
}

int param_real(struct rest_ctx *ctx, json_t *obj, const char *key, double *out) {
  json_t *v = json_object_get(obj, key);
  double d;
  if (json_is_number(v)) {
    d = json_number_value(v);
  } else if (json_is_string(v)) {
    const char *s = json_string_value(v);
    char *end;
    errno = 0;
    d = strtod(s, &end);
    if (!*s || *end || errno || strchr(s, 'x') || strchr(s, 'X') || strpbrk(s, "nNiI"))
      return bad(ctx, "invalid_param", key, "expected a decimal number");
  } else {
    return bad(ctx, "invalid_param", key, "expected a number");
  }
  if (!isfinite(d)) return bad(ctx, "invalid_param", key, "expected a finite number");
  *out = d;
  return 0;
}

int param_underlying(struct rest_ctx *ctx, json_t *obj, const char *key, const char **out) {
  const char *s = json_string_value(json_object_get(obj, key));
  if (!s || !asset_find(s))
    return bad(ctx, "invalid_param", key, "unknown underlying (BTC, ETH, ...)");
  *out = s;
  return 0;
}

int param_expiry(struct rest_ctx *ctx, json_t *obj, const char *key, int64_t *out) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_string(v) ||
      pricing_expiry_parse(json_string_value(v), json_string_length(v), out) != 0)
    return bad(ctx, "invalid_param", key, "expiry must be a date YYYYMMDD");
  return 0;
}

int query_underlying(struct rest_ctx *ctx, const char *key, char *buf, size_t cap) {
  if (rest_query(ctx, key, buf, cap) != 1 || !asset_find(buf))
    return bad(ctx, "invalid_param", key, "underlying=<asset> is required (BTC, ETH, ...)");
  return 0;
}

int query_expiry(struct rest_ctx *ctx, const char *key, int required, int64_t *out) {
  char buf[16];
  int rc = rest_query(ctx, key, buf, sizeof buf);
  if (rc == 0 && !required) return 1;
  if (rc != 1 || pricing_expiry_parse(buf, strlen(buf), out) != 0)
    return bad(ctx, "invalid_param", key, "expiry must be a date YYYYMMDD");
  return 0;
}

int query_amount(struct rest_ctx *ctx, const char *key, unsigned decimals, money_u128 *out) {
  char buf[128];
  if (rest_query(ctx, key, buf, sizeof buf) != 1)
    return bad(ctx, "invalid_amount", key, "a decimal amount is required");
  return amount_text(ctx, key, buf, strlen(buf), decimals, 1, out);
}

money_u128 param_cfg_decimal(json_t *obj, const char *key, unsigned decimals, money_u128 dflt) {
  const char *s = json_string_value(json_object_get(obj, key));
  money_u128 v;
  return s && money_parse(s, strlen(s), decimals, &v) == MONEY_OK ? v : dflt;
}

double param_cfg_real(json_t *obj, const char *key, double dflt) {
  const char *s = json_string_value(json_object_get(obj, key));
  return s ? strtod(s, NULL) : dflt;
}
