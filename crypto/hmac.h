/* hmac: HMAC-SHA256 request signatures as lowercase hex, their constant-time check, SHA-256 hex.
 *
 * SPEC 10: X-Signature = lowercase hex of HMAC-SHA256(secret, timestamp + METHOD +
 * path-with-query + body). crypto_hmac_sha256_hex_parts signs those pieces without the
 * caller concatenating them. Outputs are 64 lowercase hex characters and a NUL. */
#ifndef OPTDESK_CRYPTO_HMAC_H
#define OPTDESK_CRYPTO_HMAC_H

#include "crypto_status.h"

#include <stdbool.h>
#include <stddef.h>

/* 64 lowercase hex characters + NUL: the size of every hex digest buffer here. */
#define CRYPTO_SHA256_HEX_SIZE 65
/* crypto_sig_equal refuses strings this long or longer without reading further. */
#define CRYPTO_SIG_MAX 256

/* One piece of a message: len bytes at ptr (ptr may be NULL when len is 0). */
struct crypto_span {
  const void *ptr;
  size_t len;
};

/* HMAC-SHA256(key, msg) as hex into out. Any key length, including 0. EINVAL: a NULL
 * pointer with a nonzero length, or a NULL out; ELIB: OpenSSL failed. */
CRYPTO_WUR int crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *msg,
                                      size_t msglen, char out[CRYPTO_SHA256_HEX_SIZE]);

/* Same, over the concatenation of nparts pieces (parts may be NULL when nparts is 0). */
CRYPTO_WUR int crypto_hmac_sha256_hex_parts(const void *key, size_t keylen,
                                            const struct crypto_span *parts, size_t nparts,
                                            char out[CRYPTO_SHA256_HEX_SIZE]);

/* SHA-256(buf) as hex into out. EINVAL: NULL buf with len > 0, or NULL out. */
CRYPTO_WUR int crypto_sha256_hex(const void *buf, size_t len, char out[CRYPTO_SHA256_HEX_SIZE]);

/* True when the two NUL-terminated signatures are byte-for-byte equal. The bytes are
 * compared in constant time (CRYPTO_memcmp); lengths are compared first and are not secret
 * (an expected signature is always 64 chars). Never true for a NULL or empty string, a
 * string of CRYPTO_SIG_MAX chars or more, or a mere prefix. Case-sensitive: signatures are
 * lowercase hex, so an uppercase one does not match. */
CRYPTO_WUR bool crypto_sig_equal(const char *expected, const char *given);

#endif
