/* secretbox: AES-256-GCM seal/open of API secrets at rest, as self-describing text for a TEXT column. */
#include "secretbox.h"

#include "crypto_internal.h"
#include "hex.h"
#include "random.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <string.h>

#define PREFIX_LEN (sizeof CRYPTO_SECRETBOX_PREFIX - 1)
#define OVERHEAD (CRYPTO_SECRETBOX_NONCE_LEN + CRYPTO_SECRETBOX_TAG_LEN)

int crypto_secretbox_seal(const uint8_t key[CRYPTO_SECRETBOX_KEY_LEN], const void *aad,
                          size_t aadlen, const void *plain, size_t plainlen, char *out,
                          size_t outcap, char *err, size_t errcap) {
  if (!key || !out || (!aad && aadlen) || (!plain && plainlen)) return CRYPTO_EINVAL;
  if (aadlen > INT_MAX || plainlen > CRYPTO_SECRETBOX_PLAIN_MAX) {
    crypto_err_set(err, errcap, "secretbox: plaintext or AAD too long");
    return CRYPTO_EINVAL;
  }
  size_t need = CRYPTO_SECRETBOX_TEXT_SIZE(plainlen);
  if (outcap < need) {
    crypto_err_set(err, errcap, "secretbox: sealed text needs %zu bytes, buffer has %zu",
                   need, outcap);
    return CRYPTO_EBUFFER;
  }

  int rc = CRYPTO_ENOMEM;
  size_t boxlen = OVERHEAD + plainlen;
  uint8_t *box = OPENSSL_malloc(boxlen), *nonce = NULL, *ct = NULL, *tag = NULL;
  EVP_CIPHER_CTX *ctx = NULL;
  int n = 0;
  if (!box) goto cleanup;
  nonce = box;
  ct = box + CRYPTO_SECRETBOX_NONCE_LEN;
  tag = ct + plainlen;
  rc = crypto_random_bytes(nonce, CRYPTO_SECRETBOX_NONCE_LEN);
  if (rc != CRYPTO_OK) {
    crypto_err_set(err, errcap, "secretbox: random generator failed making a nonce");
    goto cleanup;
  }
  rc = CRYPTO_ELIB;
  /* GCM's default IV length is 12 bytes, our nonce length. */
  ctx = EVP_CIPHER_CTX_new();
  if (!ctx || !EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce)) goto cleanup;
  if (aadlen && !EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aadlen)) goto cleanup;
  if (plainlen && !EVP_EncryptUpdate(ctx, ct, &n, plain, (int)plainlen)) goto cleanup;
  if (!EVP_EncryptFinal_ex(ctx, tag, &n)) goto cleanup; /* GCM: writes nothing */
  if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, CRYPTO_SECRETBOX_TAG_LEN, tag))
    goto cleanup;
  memcpy(out, CRYPTO_SECRETBOX_PREFIX, PREFIX_LEN);
  crypto_hex_encode(box, boxlen, out + PREFIX_LEN);
  rc = CRYPTO_OK;
cleanup:
  if (rc == CRYPTO_ELIB) crypto_err_ossl(err, errcap, "secretbox: AES-256-GCM seal");
  if (rc == CRYPTO_ENOMEM) crypto_err_set(err, errcap, "secretbox: out of memory");
  EVP_CIPHER_CTX_free(ctx); /* wipes the key schedule */
  OPENSSL_free(box);
  return rc;
}

/* Checks the prefix and the hex length; on success *hex and *boxlen locate the hex body. */
static int parse_text(const char *text, const char **hex, size_t *boxlen, char *err,
                      size_t errcap) {
  size_t limit = CRYPTO_SECRETBOX_TEXT_SIZE(CRYPTO_SECRETBOX_PLAIN_MAX);
  size_t tlen = strnlen(text, limit);
  if (strncmp(text, CRYPTO_SECRETBOX_PREFIX, PREFIX_LEN) != 0) {
    if (tlen < PREFIX_LEN && strncmp(text, CRYPTO_SECRETBOX_PREFIX, tlen) == 0) {
      crypto_err_set(err, errcap, "secretbox: sealed text truncated (%zu chars)", tlen);
      return CRYPTO_ETRUNCATED;
    }
    crypto_err_set(err, errcap, "secretbox: sealed text lacks the \"%s\" version prefix",
                   CRYPTO_SECRETBOX_PREFIX);
    return CRYPTO_EVERSION;
  }
  if (tlen >= limit) {
    crypto_err_set(err, errcap, "secretbox: sealed text too long");
    return CRYPTO_ESYNTAX;
  }
  size_t hexlen = tlen - PREFIX_LEN;
  if (hexlen < 2 * OVERHEAD || hexlen % 2) {
    crypto_err_set(err, errcap,
                   "secretbox: sealed text truncated (%zu hex chars, need an even count "
                   ">= %d)", hexlen, 2 * OVERHEAD);
    return CRYPTO_ETRUNCATED;
  }
  *hex = text + PREFIX_LEN;
  *boxlen = hexlen / 2;
  return CRYPTO_OK;
}

int crypto_secretbox_open(const uint8_t key[CRYPTO_SECRETBOX_KEY_LEN], const void *aad,
                          size_t aadlen, const char *text, void *out, size_t outcap,
                          size_t *outlen, char *err, size_t errcap) {
  if (!key || !text || !out || !outlen || (!aad && aadlen)) return CRYPTO_EINVAL;
  if (aadlen > INT_MAX) {
    crypto_err_set(err, errcap, "secretbox: AAD too long");
    return CRYPTO_EINVAL;
  }
  const char *hex = NULL;
  size_t boxlen = 0;
  int rc = parse_text(text, &hex, &boxlen, err, errcap);
  if (rc != CRYPTO_OK) return rc;
  size_t plainlen = boxlen - OVERHEAD;
  if (outcap < plainlen + 1) {
    crypto_err_set(err, errcap, "secretbox: plaintext needs %zu bytes, buffer has %zu",
                   plainlen + 1, outcap);
    return CRYPTO_EBUFFER;
  }

  rc = CRYPTO_ENOMEM;
  uint8_t *box = OPENSSL_malloc(boxlen), *nonce = NULL, *ct = NULL, *tag = NULL;
  uint8_t *plain = OPENSSL_malloc(plainlen + 1); /* decrypted before the tag is checked */
  EVP_CIPHER_CTX *ctx = NULL;
  int n = 0;
  if (!box || !plain) goto cleanup;
  nonce = box;
  ct = box + CRYPTO_SECRETBOX_NONCE_LEN;
  tag = ct + plainlen;
  rc = crypto_hex_decode(hex, 2 * boxlen, box, boxlen, NULL);
  if (rc != CRYPTO_OK) {
    crypto_err_set(err, errcap, "secretbox: sealed text has a non-hex character");
    goto cleanup;
  }
  rc = CRYPTO_ELIB;
  ctx = EVP_CIPHER_CTX_new();
  if (!ctx || !EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce)) goto cleanup;
  if (aadlen && !EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aadlen)) goto cleanup;
  if (plainlen && !EVP_DecryptUpdate(ctx, plain, &n, ct, (int)plainlen)) goto cleanup;
  if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CRYPTO_SECRETBOX_TAG_LEN, tag))
    goto cleanup;
  if (EVP_DecryptFinal_ex(ctx, plain + plainlen, &n) <= 0) {
    ERR_clear_error();
    crypto_err_set(err, errcap,
                   "secretbox: authentication failed (tampered text, wrong key or wrong AAD)");
    rc = CRYPTO_EAUTH;
    goto cleanup;
  }
  memcpy(out, plain, plainlen);
  ((char *)out)[plainlen] = '\0';
  *outlen = plainlen;
  rc = CRYPTO_OK;
cleanup:
  if (rc == CRYPTO_ELIB) crypto_err_ossl(err, errcap, "secretbox: AES-256-GCM open");
  if (rc == CRYPTO_ENOMEM) crypto_err_set(err, errcap, "secretbox: out of memory");
  EVP_CIPHER_CTX_free(ctx);
  OPENSSL_clear_free(plain, plainlen + 1);
  OPENSSL_free(box);
  return rc;
}
