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
#include <stdlib.h>
#include <string.h>

#define DIGEST_LEN 32

/* The HMAC algorithm is fetched once per process: fetching it is most of the cost of
 * signing a short message (measured by the fuzz harness), and every signed request pays it. */
static EVP_MAC *hmac_alg;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

/* Keyed contexts, a few per thread. Setting a key costs an allocation and two SHA-256
 * blocks on top of the message's own; most requests are signed by a key seen just before,
 * whose context is re-initialised with its key kept (EVP_MAC_init with a NULL key). The
 * key bytes are kept to compare (in constant time) and cleansed when a slot is reused or
 * the thread exits. Longer keys are not cached. */
#define HMAC_SLOTS 8
#define HMAC_KEY_CACHE_MAX 256
struct keyed_ctx {
  EVP_MAC_CTX *ctx;
  size_t keylen;
  unsigned long long used;
  unsigned char key[HMAC_KEY_CACHE_MAX];
};
struct hmac_cache {
  struct keyed_ctx slot[HMAC_SLOTS];
  unsigned long long tick;
};
static pthread_key_t cache_key;

static void free_cache(void *p) {
  struct hmac_cache *c = p;
  for (int i = 0; i < HMAC_SLOTS; i++) EVP_MAC_CTX_free(c->slot[i].ctx);
  OPENSSL_cleanse(c, sizeof *c);
  free(c);
}

static void fetch_hmac(void) {
  hmac_alg = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
  if (pthread_key_create(&cache_key, free_cache) != 0) hmac_alg = NULL;
}

static int init_with_key(EVP_MAC_CTX *ctx, const void *key, size_t keylen) {
  static const unsigned char empty_key[1];
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
      OSSL_PARAM_construct_end(),
  };
  return EVP_MAC_init(ctx, key ? key : empty_key, keylen, params);
}

/* A context ready for a message under key: the thread's cached one (*owned = 0), or a
 * fresh one the caller frees (*owned = 1). NULL when OpenSSL fails. */
static EVP_MAC_CTX *keyed(const void *key, size_t keylen, int *owned) {
  *owned = 0;
  struct hmac_cache *c = keylen <= HMAC_KEY_CACHE_MAX ? pthread_getspecific(cache_key) : NULL;
  if (!c && keylen <= HMAC_KEY_CACHE_MAX) {
    c = calloc(1, sizeof *c);
    if (c && pthread_setspecific(cache_key, c) != 0) {
      free(c);
      c = NULL;
    }
  }
  if (c) {
    struct keyed_ctx *victim = &c->slot[0];
    for (int i = 0; i < HMAC_SLOTS; i++) {
      struct keyed_ctx *s = &c->slot[i];
      if (s->ctx && s->keylen == keylen && CRYPTO_memcmp(s->key, key ? key : "", keylen) == 0) {
        s->used = ++c->tick;
        if (EVP_MAC_init(s->ctx, NULL, 0, NULL)) return s->ctx; /* same key, fresh state */
        EVP_MAC_CTX_free(s->ctx);
        s->ctx = NULL;
        return NULL;
      }
      if (!s->ctx || s->used < victim->used) victim = s;
    }
    if (!victim->ctx) victim->ctx = EVP_MAC_CTX_new(hmac_alg);
    OPENSSL_cleanse(victim->key, sizeof victim->key);
    victim->keylen = 0;
    if (!victim->ctx || !init_with_key(victim->ctx, key, keylen)) return NULL;
    if (keylen) memcpy(victim->key, key, keylen);
    victim->keylen = keylen;
    victim->used = ++c->tick;
    return victim->ctx;
  }
  EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(hmac_alg);
  if (ctx && !init_with_key(ctx, key, keylen)) {
    EVP_MAC_CTX_free(ctx);
    ctx = NULL;
  }
  *owned = ctx != NULL;
  return ctx;
}

int crypto_hmac_sha256_hex_parts(const void *key, size_t keylen,
                                 const struct crypto_span *parts, size_t nparts,
                                 char out[CRYPTO_SHA256_HEX_SIZE]) {
  if (!out || (!key && keylen) || (!parts && nparts)) return CRYPTO_EINVAL;
  for (size_t i = 0; i < nparts; i++)
    if (!parts[i].ptr && parts[i].len) return CRYPTO_EINVAL;

  int rc = CRYPTO_ELIB, owned = 0;
  unsigned char mac[DIGEST_LEN];
  size_t maclen = 0;
  pthread_once(&hmac_once, fetch_hmac);
  EVP_MAC_CTX *ctx = hmac_alg ? keyed(key, keylen, &owned) : NULL;
  if (!ctx) goto cleanup;
  for (size_t i = 0; i < nparts; i++)
    if (parts[i].len && !EVP_MAC_update(ctx, parts[i].ptr, parts[i].len)) goto cleanup;
  if (!EVP_MAC_final(ctx, mac, &maclen, sizeof mac) || maclen != DIGEST_LEN) goto cleanup;
  crypto_hex_encode(mac, DIGEST_LEN, out);
  rc = CRYPTO_OK;
cleanup:
  if (rc != CRYPTO_OK) ERR_clear_error();
  OPENSSL_cleanse(mac, sizeof mac);
  if (owned) EVP_MAC_CTX_free(ctx); /* frees the keyed state with it */
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
