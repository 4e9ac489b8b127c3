/* crypto_status: the status codes every fallible crypto_ function returns, and their names.
 *
 * Contract for the whole crypto library: a fallible function returns CRYPTO_OK (0) or a
 * negative enum crypto_status and writes its outputs only on success (crypto_random_bytes
 * is the one documented exception: on failure it zeroes its buffer). Where a message helps,
 * a function also fills the caller's `char *err, size_t errcap` buffer (NUL-terminated,
 * truncated to fit; err may be NULL). Messages never contain key material or secrets.
 * Nothing here prints or logs; the outer layer does. All functions are thread-safe and
 * leave the calling thread's OpenSSL error queue empty. */
#ifndef OPTDESK_CRYPTO_STATUS_H
#define OPTDESK_CRYPTO_STATUS_H

#define CRYPTO_WUR __attribute__((warn_unused_result))

enum crypto_status {
  CRYPTO_OK = 0,
  CRYPTO_EINVAL = -1,     /* an argument outside its domain (NULL pointer, length too big) */
  CRYPTO_EBUFFER = -2,    /* output buffer too small */
  CRYPTO_ENOMEM = -3,     /* allocation failed */
  CRYPTO_ELIB = -4,       /* an OpenSSL call failed unexpectedly */
  CRYPTO_ERANDOM = -5,    /* the random generator failed (we fail closed) */
  CRYPTO_ESYNTAX = -6,    /* text is not of the expected form (non-hex, wrong length) */
  CRYPTO_EVERSION = -7,   /* sealed text does not start with a known version ("v1:") */
  CRYPTO_ETRUNCATED = -8, /* sealed text too short to hold a nonce and a tag, or cut mid-byte */
  CRYPTO_EAUTH = -9,      /* authentication failed: tampered text, wrong key or wrong AAD */
  CRYPTO_EIO = -10,       /* a file-system call failed */
  CRYPTO_EPERM = -11,     /* key file not a regular file, or readable/writable by group/other */
};

/* Stable lowercase name of a status ("auth", "syntax", ...); "unknown" for other values. */
const char *crypto_strerror(int status);

#endif
