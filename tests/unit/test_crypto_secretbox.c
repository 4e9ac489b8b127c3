/* test_crypto_secretbox: AES-256-GCM known answers, round trips and every refusal of open(). */
#include "crypto_status.h"
#include "hex.h"
#include "secretbox.h"
#include "testlib.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>

static const uint8_t test_key[CRYPTO_SECRETBOX_KEY_LEN] = {
    0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
    0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4};
static const char account[] = "acct-000042";

/* Decodes a hex literal of a test vector; aborts the case (returns 0) on a bad literal. */
static size_t unhex(const char *hex, uint8_t *out, size_t outcap) {
  size_t n = 0;
  if (crypto_hex_decode(hex, strlen(hex), out, outcap, &n) != CRYPTO_OK) return 0;
  return n;
}

/* Seals plain under test_key / account into text (capacity cap); returns the status. */
static int seal(const void *plain, size_t len, char *text, size_t cap) {
  char err[256] = "";
  int rc = crypto_secretbox_seal(test_key, account, strlen(account), plain, len, text, cap,
                                 err, sizeof err);
  if (rc != CRYPTO_OK) fprintf(stderr, "seal: %s\n", err);
  return rc;
}

/* Opens text under key/aad into a sentinel-filled buffer; checks the sentinel survives a
 * failure and that err was filled. Returns the status. */
static int open_expect_untouched(const uint8_t *key, const char *aad, const char *text) {
  uint8_t out[2048];
  size_t outlen = 777;
  char err[256] = "";
  memset(out, 0xa5, sizeof out);
  int rc = crypto_secretbox_open(key, aad, strlen(aad), text, out, sizeof out, &outlen, err,
                                 sizeof err);
  if (rc != CRYPTO_OK) {
    CHECK_INT_EQ(outlen, 777);
    CHECK_INT_EQ(out[0], 0xa5);
    CHECK_INT_EQ(out[sizeof out - 1], 0xa5);
    CHECK(err[0] != '\0');
  }
  CHECK_INT_EQ(ERR_peek_error(), 0); /* no stale OpenSSL errors left for later TLS calls */
  return rc;
}

/* Flips the low bit of the hex digit at index i of text (doing it twice restores it). */
static void flip_hex(char *text, size_t i) {
  static const char digits[] = "0123456789abcdef";
  const char *at = strchr(digits, text[i]);
  if (at && *at) text[i] = digits[(at - digits) ^ 1];
}

TEST(secretbox_gcm_kat_with_aad) {
  /* McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16 (AES-256, 96-bit
   * IV, AAD, 60-byte plaintext), the vector NIST SP 800-38D points to: box = IV || C || T. */
  uint8_t key[32], aad[20], plain[60], got[64];
  REQUIRE(unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", key,
                sizeof key) == 32);
  REQUIRE(unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, sizeof aad) == 20);
  REQUIRE(unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
                plain, sizeof plain) == 60);
  const char *text = "v1:cafebabefacedbaddecaf888"
                     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
                     "76fc6ece0f4e1768cddf8853bb2d551b";
  size_t n = 0;
  char err[256] = "";
  CHECK_INT_EQ(crypto_secretbox_open(key, aad, sizeof aad, text, got, sizeof got, &n, err,
                                     sizeof err),
               CRYPTO_OK);
  CHECK_INT_EQ(n, 60);
  CHECK(memcmp(got, plain, 60) == 0);
  CHECK_INT_EQ(got[60], 0); /* NUL after the plaintext */
  /* The same box under AAD with its last byte changed must fail. */
  aad[19] ^= 1;
  CHECK_INT_EQ(crypto_secretbox_open(key, aad, sizeof aad, text, got, sizeof got, &n, err,
                                     sizeof err),
               CRYPTO_EAUTH);
}

TEST(secretbox_gcm_kat_empty_plaintext) {
  /* GCM spec test case 13: zero key, zero IV, no AAD, empty plaintext. */
  uint8_t zero_key[32] = {0};
  char got[4] = "xyz";
  size_t n = 99;
  const char *text = "v1:000000000000000000000000530f8afbc74536b9a963b4f1c4cb738b";
  CHECK_INT_EQ(crypto_secretbox_open(zero_key, NULL, 0, text, got, sizeof got, &n, NULL, 0),
               CRYPTO_OK);
  CHECK_INT_EQ(n, 0);
  CHECK_STR_EQ(got, "");
  /* Test case 14: the same with a 16-byte zero plaintext. */
  uint8_t plain[17];
  text = "v1:000000000000000000000000cea7403d4d606b6e074ec5d3baf39d18"
         "d0d1c8a799996bf0265b98b5d48ab919";
  CHECK_INT_EQ(crypto_secretbox_open(zero_key, NULL, 0, text, plain, sizeof plain, &n, NULL, 0),
               CRYPTO_OK);
  CHECK_INT_EQ(n, 16);
  static const uint8_t zeros[16];
  CHECK(memcmp(plain, zeros, 16) == 0);
}

TEST(secretbox_seal_is_standard_gcm) {
  /* Re-encrypt with EVP under the nonce seal chose: ciphertext and tag must match. */
  const char *secret = "b5d2c0f1e4a3968778695a4b3c2d1e0f";
  char text[CRYPTO_SECRETBOX_TEXT_SIZE(32)];
  REQUIRE(seal(secret, 32, text, sizeof text) == CRYPTO_OK);
  uint8_t box[12 + 32 + 16];
  REQUIRE(unhex(text + 3, box, sizeof box) == sizeof box);
  uint8_t ct[32], tag[16];
  int n = 0;
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  REQUIRE(ctx);
  CHECK(EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, test_key, box) == 1);
  CHECK(EVP_EncryptUpdate(ctx, NULL, &n, (const uint8_t *)account, (int)strlen(account)) == 1);
  CHECK(EVP_EncryptUpdate(ctx, ct, &n, (const uint8_t *)secret, 32) == 1);
  CHECK(EVP_EncryptFinal_ex(ctx, ct + 32, &n) == 1);
  CHECK(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1);
  EVP_CIPHER_CTX_free(ctx);
  CHECK(memcmp(box + 12, ct, 32) == 0);
  CHECK(memcmp(box + 44, tag, 16) == 0);
}

TEST(secretbox_round_trip_empty) {
  char text[CRYPTO_SECRETBOX_TEXT_SIZE(0)];
  REQUIRE(seal(NULL, 0, text, sizeof text) == CRYPTO_OK);
  CHECK_INT_EQ(strlen(text), 3 + 2 * 28);
  CHECK(strncmp(text, "v1:", 3) == 0);
  CHECK_INT_EQ(strspn(text + 3, "0123456789abcdef"), 56);
  char out[1] = {'x'};
  size_t n = 5;
  CHECK_INT_EQ(crypto_secretbox_open(test_key, account, strlen(account), text, out, sizeof out,
                                     &n, NULL, 0),
               CRYPTO_OK);
  CHECK_INT_EQ(n, 0);
  CHECK_INT_EQ(out[0], '\0');
}

TEST(secretbox_round_trip_1kib) {
  uint8_t plain[1024];
  for (size_t i = 0; i < sizeof plain; i++) plain[i] = (uint8_t)(i * 7 + 3); /* zeros too */
  char text[CRYPTO_SECRETBOX_TEXT_SIZE(1024)];
  REQUIRE(seal(plain, sizeof plain, text, sizeof text) == CRYPTO_OK);
  CHECK_INT_EQ(strlen(text), sizeof text - 1);
  CHECK_INT_EQ(strspn(text + 3, "0123456789abcdef"), sizeof text - 4);
  uint8_t out[1025];
  size_t n = 0;
  CHECK_INT_EQ(crypto_secretbox_open(test_key, account, strlen(account), text, out, sizeof out,
                                     &n, NULL, 0),
               CRYPTO_OK);
  CHECK_INT_EQ(n, 1024);
  CHECK(memcmp(out, plain, sizeof plain) == 0);
  /* strlen(text) / 2 is documented as always enough room. */
  CHECK(strlen(text) / 2 >= n + 1);
}

TEST(secretbox_fresh_nonce_per_seal) {
  const char *secret = "same secret";
  char a[CRYPTO_SECRETBOX_TEXT_SIZE(11)], b[CRYPTO_SECRETBOX_TEXT_SIZE(11)];
  REQUIRE(seal(secret, 11, a, sizeof a) == CRYPTO_OK);
  REQUIRE(seal(secret, 11, b, sizeof b) == CRYPTO_OK);
  CHECK(strncmp(a + 3, b + 3, 24) != 0); /* nonces differ */
  CHECK(strcmp(a, b) != 0);
  char out[16];
  size_t n = 0;
  CHECK_INT_EQ(crypto_secretbox_open(test_key, account, strlen(account), b, out, sizeof out,
                                     &n, NULL, 0),
               CRYPTO_OK);
  CHECK_STR_EQ(out, "same secret");
}

TEST(secretbox_tampered_nonce_refused) {
  char text[CRYPTO_SECRETBOX_TEXT_SIZE(32)];
  REQUIRE(seal("0123456789abcdef0123456789abcdef", 32, text, sizeof text) == CRYPTO_OK);
  flip_hex(text, 3); /* first nonce char */
  CHECK_INT_EQ(open_expect_untouched(test_key, account, text), CRYPTO_EAUTH);
  flip_hex(text, 3);
  flip_hex(text, 3 + 23); /* last nonce char */
  CHECK_INT_EQ(open_expect_untouched(test_key, account, text), CRYPTO_EAUTH);
  flip_hex(text, 3 + 23);
  CHECK_INT_EQ(open_expect_untouched(test_key, account, text), CRYPTO_OK);
}

TEST(secretbox_tampered_ciphertext_refused) {
  char text[CRYPTO_SECRETBOX_TEXT_SIZE(32)];
  REQUIRE(seal("0123456789abcdef0123456789abcdef", 32, text, sizeof text) == CRYPTO_OK);
  flip_hex(text, 3 + 24); /* first ciphertext char */
  CHECK_INT_EQ(open_expect_untouched(test_key, account, text), CRYPTO_EAUTH);
  flip_hex(text, 3 + 24);
  flip_hex(text, 3 + 24 + 63); /* last ciphertext char */
  CHECK_INT_EQ(open_expect_untouched(test_key, account, text), CRYPTO_EAUTH);
}

TEST(secretbox_tampered_tag_refused) {
  char text[CRYPTO_SECRETBOX_TEXT_SIZE(32)];
  REQUIRE(seal("0123456789abcdef0123456789abcdef", 32, text, sizeof text) == CRYPTO_OK);
  size_t len = strlen(text);
  flip_hex(text, len - 32); /* first tag char */
  CHECK_INT_EQ(open_expect_untouched(test_key, account, text), CRYPTO_EAUTH);
  flip_hex(text, len - 32);
  flip_hex(text, len - 1); /* last tag char */
  CHECK_INT_EQ(open_expect_untouched(test_key, account, text), CRYPTO_EAUTH);
}

TEST(secretbox_tampered_version_refused) {
  char text[CRYPTO_SECRETBOX_TEXT_SIZE(8)];
  REQUIRE(seal("12345678", 8, text, sizeof text) == CRYPTO_OK);
  text[1] = '2'; /* "v2:" */
  CHECK_INT_EQ(open_expect_untouched(test_key, account, text), CRYPTO_EVERSION);
  text[1] = '1';
  text[0] = 'V'; /* "V1:" */
  CHECK_INT_EQ(open_expect_untouched(test_key, account, text), CRYPTO_EVERSION);
  text[0] = 'v';
  text[2] = '-'; /* "v1-" */
  CHECK_INT_EQ(open_expect_untouched(test_key, account, text), CRYPTO_EVERSION);
  text[2] = ':';
  CHECK_INT_EQ(open_expect_untouched(test_key, account, text + 3), CRYPTO_EVERSION); /* bare hex */
  CHECK_INT_EQ(open_expect_untouched(test_key, account, text), CRYPTO_OK);
}

TEST(secretbox_wrong_key_refused) {
  char text[CRYPTO_SECRETBOX_TEXT_SIZE(32)];
  REQUIRE(seal("0123456789abcdef0123456789abcdef", 32, text, sizeof text) == CRYPTO_OK);
  uint8_t other[CRYPTO_SECRETBOX_KEY_LEN];
  memcpy(other, test_key, sizeof other);
  other[31] ^= 0x80;
  CHECK_INT_EQ(open_expect_untouched(other, account, text), CRYPTO_EAUTH);
}

TEST(secretbox_wrong_aad_refused) {
  char text[CRYPTO_SECRETBOX_TEXT_SIZE(32)];
  REQUIRE(seal("0123456789abcdef0123456789abcdef", 32, text, sizeof text) == CRYPTO_OK);
  CHECK_INT_EQ(open_expect_untouched(test_key, "acct-000043", text), CRYPTO_EAUTH);
  CHECK_INT_EQ(open_expect_untouched(test_key, "acct-00004", text), CRYPTO_EAUTH);
  CHECK_INT_EQ(open_expect_untouched(test_key, "", text), CRYPTO_EAUTH);
  CHECK_INT_EQ(open_expect_untouched(test_key, account, text), CRYPTO_OK);
}

TEST(secretbox_truncated_refused) {
  char text[CRYPTO_SECRETBOX_TEXT_SIZE(4)];
  REQUIRE(seal("abcd", 4, text, sizeof text) == CRYPTO_OK);
  char cut[sizeof text];
  size_t len = strlen(text);
  memcpy(cut, text, len + 1);
  cut[len - 1] = '\0'; /* cut mid-byte: odd hex count */
  CHECK_INT_EQ(open_expect_untouched(test_key, account, cut), CRYPTO_ETRUNCATED);
  cut[3 + 55] = '\0'; /* one hex char short of nonce + tag */
  CHECK_INT_EQ(open_expect_untouched(test_key, account, cut), CRYPTO_ETRUNCATED);
  cut[3 + 54] = '\0'; /* whole bytes but less than nonce + tag */
  CHECK_INT_EQ(open_expect_untouched(test_key, account, cut), CRYPTO_ETRUNCATED);
  CHECK_INT_EQ(open_expect_untouched(test_key, account, "v1:"), CRYPTO_ETRUNCATED);
  CHECK_INT_EQ(open_expect_untouched(test_key, account, "v1"), CRYPTO_ETRUNCATED);
  CHECK_INT_EQ(open_expect_untouched(test_key, account, ""), CRYPTO_ETRUNCATED);
  /* Cut by whole bytes but still long enough: the tag check catches it. */
  memcpy(cut, text, len + 1);
  cut[len - 2] = '\0';
  CHECK_INT_EQ(open_expect_untouched(test_key, account, cut), CRYPTO_EAUTH);
}

TEST(secretbox_non_hex_refused) {
  char text[CRYPTO_SECRETBOX_TEXT_SIZE(4)];
  REQUIRE(seal("abcd", 4, text, sizeof text) == CRYPTO_OK);
  text[10] = 'g';
  CHECK_INT_EQ(open_expect_untouched(test_key, account, text), CRYPTO_ESYNTAX);
}

TEST(secretbox_buffer_sizes) {
  char text[CRYPTO_SECRETBOX_TEXT_SIZE(5)];
  memset(text, 'z', sizeof text);
  char err[128] = "";
  CHECK_INT_EQ(crypto_secretbox_seal(test_key, account, strlen(account), "hello", 5, text,
                                     sizeof text - 1, err, sizeof err),
               CRYPTO_EBUFFER);
  CHECK(err[0] != '\0');
  CHECK_INT_EQ(text[0], 'z'); /* untouched */
  REQUIRE(seal("hello", 5, text, sizeof text) == CRYPTO_OK);
  char out[6];
  size_t n = 42;
  /* The plaintext and its NUL need 6 bytes. */
  CHECK_INT_EQ(crypto_secretbox_open(test_key, account, strlen(account), text, out, 5, &n,
                                     NULL, 0),
               CRYPTO_EBUFFER);
  CHECK_INT_EQ(n, 42);
  CHECK_INT_EQ(crypto_secretbox_open(test_key, account, strlen(account), text, out, 6, &n,
                                     NULL, 0),
               CRYPTO_OK);
  CHECK_STR_EQ(out, "hello");
}

TEST(secretbox_invalid_arguments) {
  char text[CRYPTO_SECRETBOX_TEXT_SIZE(4)];
  CHECK_INT_EQ(crypto_secretbox_seal(NULL, "a", 1, "abcd", 4, text, sizeof text, NULL, 0),
               CRYPTO_EINVAL);
  CHECK_INT_EQ(crypto_secretbox_seal(test_key, NULL, 1, "abcd", 4, text, sizeof text, NULL, 0),
               CRYPTO_EINVAL);
  CHECK_INT_EQ(crypto_secretbox_seal(test_key, "a", 1, NULL, 4, text, sizeof text, NULL, 0),
               CRYPTO_EINVAL);
  size_t too_big = (size_t)CRYPTO_SECRETBOX_PLAIN_MAX + 1;
  char *plain = calloc(1, too_big), *big = malloc(CRYPTO_SECRETBOX_TEXT_SIZE(too_big));
  REQUIRE(plain && big);
  CHECK_INT_EQ(crypto_secretbox_seal(test_key, "a", 1, plain, too_big, big,
                                     CRYPTO_SECRETBOX_TEXT_SIZE(too_big), NULL, 0),
               CRYPTO_EINVAL);
  free(plain);
  free(big);
  size_t n;
  char out[8];
  CHECK_INT_EQ(crypto_secretbox_open(test_key, "a", 1, NULL, out, sizeof out, &n, NULL, 0),
               CRYPTO_EINVAL);
  CHECK_INT_EQ(crypto_secretbox_open(test_key, "a", 1, "v1:", out, sizeof out, NULL, NULL, 0),
               CRYPTO_EINVAL);
}
