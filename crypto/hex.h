/* hex: lowercase hex encoding and strict decoding, without secret-dependent branches or tables.
 *
 * Used for signatures, tokens, sealed boxes and the master key, so both directions avoid
 * data-dependent table lookups and branches on the byte values. */
#ifndef OPTDESK_CRYPTO_HEX_H
#define OPTDESK_CRYPTO_HEX_H

#include "crypto_status.h"

#include <stddef.h>

/* Writes 2*len lowercase hex characters and a NUL to out, which must hold 2*len + 1 chars
 * (the caller's duty; this cannot fail). in and out must not overlap. */
void crypto_hex_encode(const void *in, size_t len, char *out);

/* Decodes exactly hexlen characters of hex (either case) into hexlen/2 bytes at out.
 * ESYNTAX: hexlen odd or a non-hex character; EBUFFER: outcap < hexlen/2.
 * On success *outlen = hexlen/2 (outlen may be NULL). */
CRYPTO_WUR int crypto_hex_decode(const char *hex, size_t hexlen, void *out, size_t outcap,
                                 size_t *outlen);

#endif
