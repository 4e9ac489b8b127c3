/* json_text: JSON written straight into a bounded buffer, for hot answers whose jansson DOM,
 * hashing and dump cost more than the work behind them. Each writer emits exactly what
 * jansson's compact dump of the same value gives; a value it cannot write that way (a string
 * needing escapes or beyond ASCII, a non-finite real) or a full buffer sets `bad`, and the
 * caller then builds that answer with jansson. */
#ifndef OPTDESK_JSON_TEXT_H
#define OPTDESK_JSON_TEXT_H

#include <stddef.h>

#include "money.h"

struct json_text {
  char *p, *end; /* next byte, and the last usable one (room is kept for a NUL) */
  int bad;
};

/* Writes into buf[0..cap-1]; json_text_finish NUL-terminates and gives the length or -1. */
void json_text_init(struct json_text *t, char *buf, size_t cap);
long json_text_finish(struct json_text *t, char *buf);

void json_text_raw(struct json_text *t, const char *s);                  /* as it is */
void json_text_str(struct json_text *t, const char *key, const char *v); /* key then "v" */
void json_text_amount(struct json_text *t, const char *key, money_u128 v, unsigned decimals);
void json_text_int(struct json_text *t, const char *key, long long v);
void json_text_real(struct json_text *t, const char *key, double v);     /* as %.15g */

#endif
