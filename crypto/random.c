/* random: cryptographically secure random bytes and hex tokens (OpenSSL RAND_bytes, fail closed). */
#include "random.h"

#include "hex.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <string.h>

int crypto_random_bytes(void *out, size_t len) {
  if (len == 0) return CRYPTO_OK;
  if (!out || len > INT_MAX) return CRYPTO_EINVAL;
  if (RAND_bytes(out, (int)len) != 1) {
    ERR_clear_error();
    OPENSSL_cleanse(out, len);
    return CRYPTO_ERANDOM;
  }
  return CRYPTO_OK;
}

int crypto_random_hex(size_t nbytes, char *out, size_t outcap) {
  if (!out || nbytes == 0 || nbytes > CRYPTO_TOKEN_MAX_BYTES) return CRYPTO_EINVAL;
  if (outcap < CRYPTO_TOKEN_HEX_SIZE(nbytes)) return CRYPTO_EBUFFER;
  unsigned char raw[CRYPTO_TOKEN_MAX_BYTES];
  int rc = crypto_random_bytes(raw, nbytes);
  if (rc == CRYPTO_OK) crypto_hex_encode(raw, nbytes, out);
  OPENSSL_cleanse(raw, sizeof raw);
  return rc;
}
