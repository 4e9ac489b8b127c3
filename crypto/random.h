/* random: cryptographically secure random bytes and hex tokens (OpenSSL RAND_bytes, fail closed). */
#ifndef OPTDESK_CRYPTO_RANDOM_H
#define OPTDESK_CRYPTO_RANDOM_H

#include "crypto_status.h"

#include <stddef.h>

/* Largest token crypto_random_hex makes: 64 bytes (128 hex characters). */
#define CRYPTO_TOKEN_MAX_BYTES 64
/* Buffer size for a token of n random bytes: 2n hex characters + NUL. */
#define CRYPTO_TOKEN_HEX_SIZE(n) (2 * (n) + 1)

/* Fills out with len random bytes (len 0: nothing to do). EINVAL: NULL out with len > 0 or
 * len > INT_MAX; ERANDOM: the generator failed. Exception to the library rule: on failure
 * the buffer is zeroed, so a caller ignoring the status never uses half-random bytes. */
CRYPTO_WUR int crypto_random_bytes(void *out, size_t len);

/* A token of nbytes random bytes (1..CRYPTO_TOKEN_MAX_BYTES) as 2*nbytes lowercase hex chars
 * and a NUL into out (API keys: 16 bytes, API secrets: 32). EINVAL: nbytes out of range or
 * NULL out; EBUFFER: outcap < CRYPTO_TOKEN_HEX_SIZE(nbytes); ERANDOM. out untouched on failure. */
CRYPTO_WUR int crypto_random_hex(size_t nbytes, char *out, size_t outcap);

#endif
