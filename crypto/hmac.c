/* hmac: HMAC-SHA256 request signatures as lowercase hex, their constant-time check, SHA-256 hex. */
#include "hmac.h"

#include <pthread.h>

#include "crypto_internal.h"
#include "hex.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>

#define DIGEST_LEN 32

/* The HMAC algorithm is fetched once per process: fetching it is most of the cost of
 * signing a short message (measured by the fuzz harness), and every signed request pays it. */
static EVP_MAC *hmac_alg;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;
static void fetch_hmac(void) { hmac_alg = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL); }

int crypto_hmac_sha256_hex_parts(const void *key, size_t keylen,
                                 const struct crypto_span *parts, size_t nparts,
                                 char out[CRYPTO_SHA256_HEX_SIZE]) {
  if (!out || (!key && keylen) || (!parts && nparts)) return CRYPTO_EINVAL;
  for (size_t i = 0; i < nparts; i++)
    if (!parts[i].ptr && parts[i].len) return CRYPTO_EINVAL;

  static const unsigned char empty_key[1];
  int rc = CRYPTO_ELIB;
  unsigned char mac[DIGEST_LEN];
  size_t maclen = 0;
  pthread_once(&hmac_once, fetch_hmac);
  EVP_MAC_CTX *ctx = hmac_alg ? EVP_MAC_CTX_new(hmac_alg) : NULL;
  if (!ctx) goto cleanup;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
      OSSL_PARAM_construct_end(),
  };
  if (!EVP_MAC_init(ctx, key ? key : empty_key, keylen, params)) goto cleanup;
  for (size_t i = 0; i < nparts; i++)
    if (parts[i].len && !EVP_MAC_update(ctx, parts[i].ptr, parts[i].len)) goto cleanup;
  if (!EVP_MAC_final(ctx, mac, &maclen, sizeof mac) || maclen != DIGEST_LEN) goto cleanup;
  crypto_hex_encode(mac, DIGEST_LEN, out);
  rc = CRYPTO_OK;
cleanup:
  if (rc != CRYPTO_OK) ERR_clear_error();
  OPENSSL_cleanse(mac, sizeof mac);
  EVP_MAC_CTX_free(ctx); /* frees the keyed state with it */
  return rc;
}

int crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *msg, size_t msglen,
                           char out[CRYPTO_SHA256_HEX_SIZE]) {
  if (!msg && msglen) return CRYPTO_EINVAL;
  struct crypto_span part = {msg, msglen};
  return crypto_hmac_sha256_hex_parts(key, keylen, &part, 1, out);
}

int crypto_sha256_hex(const void *buf, size_t len, char out[CRYPTO_SHA256_HEX_SIZE]) {
  if (!out || (!buf && len)) return CRYPTO_EINVAL;
  static const unsigned char empty[1];
  unsigned char md[DIGEST_LEN];
  unsigned int mdlen = 0;
  if (!EVP_Digest(buf ? buf : empty, len, md, &mdlen, EVP_sha256(), NULL) ||
      mdlen != DIGEST_LEN) {
    ERR_clear_error();
    return CRYPTO_ELIB;
  }
  crypto_hex_encode(md, DIGEST_LEN, out);
  return CRYPTO_OK;
}

bool crypto_sig_equal(const char *expected, const char *given) {
  if (!expected || !given) return false;
  size_t elen = strnlen(expected, CRYPTO_SIG_MAX);
  size_t glen = strnlen(given, CRYPTO_SIG_MAX);
  /* Unequal lengths are refused before any byte comparison, so a prefix never matches and
   * nothing is read past either string's end. */
  if (elen == 0 || elen >= CRYPTO_SIG_MAX || elen != glen) return false;
  return CRYPTO_memcmp(expected, given, elen) == 0;
}
