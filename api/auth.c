/* auth: HMAC request-signature and timestamp checks against the keyring. */
#include "auth.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "hmac.h"

int auth_verify(struct keyring *k, const char *api_key, const char *timestamp,
                const char *signature, const char *method, const char *path_with_query,
                const char *body, size_t body_len, int64_t real_now_ms,
                struct auth_identity *out) {
  if (!api_key || !*api_key || !timestamp || !*timestamp || !signature || !*signature)
    return AUTH_MISSING;
  char *end;
  errno = 0;
  long long ts = strtoll(timestamp, &end, 10);
  if (*end || errno || ts <= 0 || strlen(timestamp) > 15) return AUTH_BAD_TIMESTAMP;
  long long skew = ts - (long long)real_now_ms;
  if (skew > AUTH_MAX_SKEW_MS || skew < -AUTH_MAX_SKEW_MS) return AUTH_STALE;
  struct keyring_entry e;
  if (keyring_get(k, api_key, &e) != 0) return AUTH_UNKNOWN_KEY;
  struct crypto_span parts[] = {{timestamp, strlen(timestamp)},
                                {method, strlen(method)},
                                {path_with_query, strlen(path_with_query)},
                                {body, body ? body_len : 0}};
  char expected[CRYPTO_SHA256_HEX_SIZE];
  int rc = crypto_hmac_sha256_hex_parts(e.secret, strlen(e.secret), parts, 4, expected);
  int ok = rc == 0 && crypto_sig_equal(expected, signature);
  OPENSSL_cleanse(e.secret, sizeof e.secret);
  if (!ok) return AUTH_BAD_SIGNATURE;
  memcpy(out->account, e.account, sizeof out->account);
  out->roles = e.roles;
  return AUTH_OK;
}

const char *auth_error_code(int result) {
  switch (result) {
  case AUTH_MISSING: return "missing_credentials";
  case AUTH_BAD_TIMESTAMP: return "invalid_timestamp";
  case AUTH_STALE: return "stale_timestamp";
  case AUTH_UNKNOWN_KEY: return "invalid_api_key";
  case AUTH_BAD_SIGNATURE: return "invalid_signature";
  default: return "unauthorized";
  }
}

const char *auth_error_message(int result) {
  switch (result) {
  case AUTH_MISSING: return "X-Api-Key, X-Timestamp and X-Signature are required";
  case AUTH_BAD_TIMESTAMP: return "X-Timestamp must be integer milliseconds since the epoch";
  case AUTH_STALE: return "X-Timestamp is more than 30 s from the server's clock";
  case AUTH_UNKNOWN_KEY: return "unknown API key";
  case AUTH_BAD_SIGNATURE:
    return "signature does not match HMAC-SHA256(secret, timestamp + METHOD + path + body)";
  default: return "unauthorized";
  }
}
