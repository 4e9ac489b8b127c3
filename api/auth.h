/* auth: checks a signed request (SPEC 10). The signature is lowercase hex of
 * HMAC-SHA256(secret, timestamp + METHOD + path-with-query + body); the timestamp (ms) must
 * be within 30 s of the real wall clock. WebSocket login signs timestamp + "GET/ws". */
#ifndef OPTDESK_AUTH_H
#define OPTDESK_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "keyring.h"

#define AUTH_MAX_SKEW_MS 30000

struct auth_identity {
  char account[KEYRING_ID_MAX];
  int roles;
};

enum auth_result {
  AUTH_OK = 0,
  AUTH_MISSING = -1,       /* a credential is absent */
  AUTH_BAD_TIMESTAMP = -2, /* not an integer of ms */
  AUTH_STALE = -3,         /* more than 30 s from the real clock */
  AUTH_UNKNOWN_KEY = -4,
  AUTH_BAD_SIGNATURE = -5,
};

/* Fills *out on AUTH_OK. real_now_ms: the real wall clock, never the business clock. */
__attribute__((warn_unused_result)) int auth_verify(
    struct keyring *k, const char *api_key, const char *timestamp, const char *signature,
    const char *method, const char *path_with_query, const char *body, size_t body_len,
    int64_t real_now_ms, struct auth_identity *out);

/* Stable error code for a failed result ("missing_credentials", "invalid_timestamp",
 * "stale_timestamp", "invalid_api_key", "invalid_signature"). */
const char *auth_error_code(int result);
const char *auth_error_message(int result);

#endif
