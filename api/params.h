/* params: reading typed values out of request JSON and query strings, with the stable
 * error each failure answers (400 invalid_param / invalid_amount naming the field). */
#ifndef OPTDESK_PARAMS_H
#define OPTDESK_PARAMS_H

#include <jansson.h>
#include <stdint.h>

#include "money.h"
#include "rest.h"

/* Each returns 0, or answers 400 on ctx and returns -1. */
/* A decimal string with at most `decimals` fractional digits; > 0 when positive. */
int param_amount(struct rest_ctx *ctx, json_t *obj, const char *key, unsigned decimals,
                 int positive, money_u128 *out);
/* A model parameter: a JSON number or a decimal string, finite. */
int param_real(struct rest_ctx *ctx, json_t *obj, const char *key, double *out);
/* A known asset symbol usable as an underlying (string). */
int param_underlying(struct rest_ctx *ctx, json_t *obj, const char *key, const char **out);
/* An expiry "YYYYMMDD" -> that date at 08:00 UTC in ms. */
int param_expiry(struct rest_ctx *ctx, json_t *obj, const char *key, int64_t *out);

/* Query-string versions: `required` 0 lets an absent parameter through (returns 1). */
int query_underlying(struct rest_ctx *ctx, const char *key, char *buf, size_t cap);
int query_expiry(struct rest_ctx *ctx, const char *key, int required, int64_t *out);
int query_amount(struct rest_ctx *ctx, const char *key, unsigned decimals, money_u128 *out);

/* Values already validated (the config, the desk's own rows): a decimal string at `key` as
 * base units with `decimals`, or as a model double; dflt when absent or unparsable. */
money_u128 param_cfg_decimal(json_t *obj, const char *key, unsigned decimals, money_u128 dflt);
double param_cfg_real(json_t *obj, const char *key, double dflt);

#endif
