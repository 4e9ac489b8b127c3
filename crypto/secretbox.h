/* secretbox: AES-256-GCM seal/open of API secrets at rest, as self-describing text for a TEXT column.
 *
 * Sealed text: "v1:" + lowercase hex(nonce 12 bytes || ciphertext || tag 16 bytes), with a
 * fresh random nonce per seal. The additional authenticated data (AAD) is not stored: the
 * caller passes the same bytes to seal and open (the account id, so a sealed secret copied
 * to another row fails to open). The AAD is exactly the caller's bytes (no version prefix
 * is mixed in), so any AES-256-GCM implementation can open a box given key, AAD and text.
 *
 * Buffers are the caller's, with capacities; nothing here allocates memory the caller must
 * free (temporary plaintext is wiped before release). Keys are CRYPTO_SECRETBOX_KEY_LEN
 * bytes, normally the master key (master_key.h). */
#ifndef OPTDESK_CRYPTO_SECRETBOX_H
#define OPTDESK_CRYPTO_SECRETBOX_H

#include "crypto_status.h"

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SECRETBOX_KEY_LEN 32
#define CRYPTO_SECRETBOX_NONCE_LEN 12
#define CRYPTO_SECRETBOX_TAG_LEN 16
#define CRYPTO_SECRETBOX_PREFIX "v1:"
/* Largest plaintext accepted by seal (API secrets are tens of bytes). */
#define CRYPTO_SECRETBOX_PLAIN_MAX (1u << 20)
/* Buffer size for the sealed text of a plaintext of n bytes, NUL included. */
#define CRYPTO_SECRETBOX_TEXT_SIZE(n)                                                     \
  (sizeof CRYPTO_SECRETBOX_PREFIX +                                                       \
   2 * (CRYPTO_SECRETBOX_NONCE_LEN + (size_t)(n) + CRYPTO_SECRETBOX_TAG_LEN))

/* Seals plainlen bytes of plain under key, bound to aad, into out as NUL-terminated text
 * (strlen = CRYPTO_SECRETBOX_TEXT_SIZE(plainlen) - 1). plain and aad may be NULL when
 * their length is 0. EINVAL: NULL key/out, NULL with a nonzero length, or plainlen above
 * CRYPTO_SECRETBOX_PLAIN_MAX; EBUFFER: outcap < CRYPTO_SECRETBOX_TEXT_SIZE(plainlen);
 * ERANDOM; ENOMEM; ELIB. out untouched on failure. */
CRYPTO_WUR int crypto_secretbox_seal(const uint8_t key[CRYPTO_SECRETBOX_KEY_LEN],
                                     const void *aad, size_t aadlen, const void *plain,
                                     size_t plainlen, char *out, size_t outcap, char *err,
                                     size_t errcap);

/* Opens the NUL-terminated sealed text under key and aad. On success writes the plaintext
 * to out followed by a NUL (so a text secret is ready as a C string) and its length, NUL
 * not counted, to *outlen; outcap must be at least plaintext length + 1, and
 * strlen(text) / 2 always suffices. Out and *outlen are untouched on failure.
 *   EVERSION   text does not start with "v1:"
 *   ETRUNCATED text too short for nonce + tag, or an odd number of hex characters
 *   ESYNTAX    a non-hex character after the prefix
 *   EAUTH      tag check failed: tampered nonce/ciphertext/tag, wrong key or wrong AAD
 *              (GCM cannot tell these apart; a text cut short by whole bytes also lands here)
 *   EBUFFER    outcap too small;  EINVAL: NULL key/text/out/outlen, NULL aad with aadlen > 0
 *   ENOMEM, ELIB */
CRYPTO_WUR int crypto_secretbox_open(const uint8_t key[CRYPTO_SECRETBOX_KEY_LEN],
                                     const void *aad, size_t aadlen, const char *text,
                                     void *out, size_t outcap, size_t *outlen, char *err,
                                     size_t errcap);

#endif
