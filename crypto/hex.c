/* hex: lowercase hex encoding and strict decoding, without secret-dependent branches or tables. */
#include "hex.h"

#include <stdint.h>

/* 0..15 -> '0'..'9', 'a'..'f' by arithmetic: 9 - n wraps (top bit set) exactly when n > 9. */
static char nibble_char(unsigned n) {
  unsigned over9 = (9u - n) >> 31;
  return (char)('0' + n + over9 * ('a' - '0' - 10));
}

/* Value of one hex character in the low 4 bits; *bad |= 1 if it is not a hex character. */
static unsigned char_nibble(unsigned char c, unsigned *bad) {
  unsigned d = (unsigned)c - '0';           /* 0..9 for a digit */
  unsigned l = ((unsigned)c | 0x20u) - 'a'; /* 0..5 for a letter of either case */
  unsigned is_d = d <= 9;
  unsigned is_l = l <= 5;
  *bad |= (is_d | is_l) ^ 1u;
  return (is_d * d + is_l * (l + 10)) & 0x0fu;
}

void crypto_hex_encode(const void *in, size_t len, char *out) {
  const uint8_t *p = in;
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = nibble_char(p[i] >> 4);
    out[2 * i + 1] = nibble_char(p[i] & 0x0fu);
  }
  out[2 * len] = '\0';
}

int crypto_hex_decode(const char *hex, size_t hexlen, void *out, size_t outcap,
                      size_t *outlen) {
  if (!hex || (!out && hexlen)) return CRYPTO_EINVAL;
  if (hexlen % 2) return CRYPTO_ESYNTAX;
  if (outcap < hexlen / 2) return CRYPTO_EBUFFER;
  /* First pass validates, so out stays untouched on failure. */
  unsigned bad = 0;
  for (size_t i = 0; i < hexlen; i++) (void)char_nibble((unsigned char)hex[i], &bad);
  if (bad) return CRYPTO_ESYNTAX;
  uint8_t *o = out;
  for (size_t i = 0; i < hexlen / 2; i++) {
    unsigned hi = char_nibble((unsigned char)hex[2 * i], &bad);
    unsigned lo = char_nibble((unsigned char)hex[2 * i + 1], &bad);
    o[i] = (uint8_t)(hi << 4 | lo);
  }
  if (outlen) *outlen = hexlen / 2;
  return CRYPTO_OK;
}
