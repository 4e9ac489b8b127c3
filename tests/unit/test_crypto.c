/* test_crypto: hex, HMAC-SHA256 (RFC 4231), SHA-256, signature comparison and random tokens. */
#include "crypto_status.h"
#include "hex.h"
#include "hmac.h"
#include "random.h"
#include "testlib.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* HMAC of (key, msg) through crypto_hmac_sha256_hex, compared with the expected hex. */
static void check_hmac(const void *key, size_t keylen, const void *msg, size_t msglen,
                       const char *expected_hex) {
  char out[CRYPTO_SHA256_HEX_SIZE];
  CHECK_INT_EQ(crypto_hmac_sha256_hex(key, keylen, msg, msglen, out), CRYPTO_OK);
  CHECK_STR_EQ(out, expected_hex);
}

/* The same HMAC computed by OpenSSL's one-shot HMAC(), hex-encoded here, as a cross-check. */
static void oneshot_hmac_hex(const void *key, size_t keylen, const void *msg, size_t msglen,
                             char out[CRYPTO_SHA256_HEX_SIZE]) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int maclen = 0;
  static const char digits[] = "0123456789abcdef";
  if (!HMAC(EVP_sha256(), key, (int)keylen, msg, msglen, mac, &maclen) || maclen != 32) {
    out[0] = '\0';
    return;
  }
  for (unsigned i = 0; i < maclen; i++) {
    out[2 * i] = digits[mac[i] >> 4];
    out[2 * i + 1] = digits[mac[i] & 15];
  }
  out[64] = '\0';
}

TEST(hex_encode_lowercase) {
  const uint8_t in[] = {0x00, 0x01, 0x09, 0x0a, 0x7f, 0x80, 0xab, 0xff};
  char out[2 * sizeof in + 1];
  crypto_hex_encode(in, sizeof in, out);
  CHECK_STR_EQ(out, "0001090a7f80abff");
  crypto_hex_encode(in, 0, out);
  CHECK_STR_EQ(out, "");
}

TEST(hex_decode_strict) {
  uint8_t out[4] = {0x55, 0x55, 0x55, 0x55};
  size_t n = 0;
  CHECK_INT_EQ(crypto_hex_decode("00aBfF9a", 8, out, sizeof out, &n), CRYPTO_OK);
  CHECK_INT_EQ(n, 4);
  CHECK_INT_EQ(out[0], 0x00);
  CHECK_INT_EQ(out[1], 0xab);
  CHECK_INT_EQ(out[2], 0xff);
  CHECK_INT_EQ(out[3], 0x9a);
  uint8_t keep[2] = {0x55, 0x55};
  CHECK_INT_EQ(crypto_hex_decode("abc", 3, keep, sizeof keep, &n), CRYPTO_ESYNTAX);
  CHECK_INT_EQ(crypto_hex_decode("0g", 2, keep, sizeof keep, &n), CRYPTO_ESYNTAX);
  CHECK_INT_EQ(crypto_hex_decode("a:", 2, keep, sizeof keep, &n), CRYPTO_ESYNTAX);
  CHECK_INT_EQ(crypto_hex_decode("ab G", 4, keep, sizeof keep, &n), CRYPTO_ESYNTAX);
  CHECK_INT_EQ(crypto_hex_decode("ab/0", 4, keep, sizeof keep, &n), CRYPTO_ESYNTAX);
  CHECK_INT_EQ(crypto_hex_decode("abcdef", 6, keep, sizeof keep, &n), CRYPTO_EBUFFER);
  CHECK_INT_EQ(keep[0], 0x55); /* untouched on failure */
  CHECK_INT_EQ(keep[1], 0x55);
  CHECK_INT_EQ(n, 4);
}

TEST(hmac_rfc4231_case1) {
  uint8_t key[20];
  memset(key, 0x0b, sizeof key);
  check_hmac(key, sizeof key, "Hi There", 8,
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(hmac_rfc4231_case2) {
  const char *msg = "what do ya want for nothing?";
  check_hmac("Jefe", 4, msg, strlen(msg),
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(hmac_rfc4231_case3) {
  uint8_t key[20], msg[50];
  memset(key, 0xaa, sizeof key);
  memset(msg, 0xdd, sizeof msg);
  check_hmac(key, sizeof key, msg, sizeof msg,
             "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

TEST(hmac_rfc4231_case4) {
  uint8_t key[25], msg[50];
  for (int i = 0; i < 25; i++) key[i] = (uint8_t)(i + 1);
  memset(msg, 0xcd, sizeof msg);
  check_hmac(key, sizeof key, msg, sizeof msg,
             "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

TEST(hmac_rfc4231_case5_truncated) {
  uint8_t key[20];
  memset(key, 0x0c, sizeof key);
  char out[CRYPTO_SHA256_HEX_SIZE];
  REQUIRE(crypto_hmac_sha256_hex(key, sizeof key, "Test With Truncation", 20, out) ==
          CRYPTO_OK);
  out[32] = '\0'; /* the RFC gives the first 128 bits */
  CHECK_STR_EQ(out, "a3b6167473100ee06e0c796c2955552b");
}

TEST(hmac_rfc4231_case6) {
  uint8_t key[131];
  memset(key, 0xaa, sizeof key);
  const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
  check_hmac(key, sizeof key, msg, strlen(msg),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(hmac_rfc4231_case7) {
  uint8_t key[131];
  memset(key, 0xaa, sizeof key);
  const char *msg = "This is a test using a larger than block-size key and a larger than "
                    "block-size data. The key needs to be hashed before being used by the "
                    "HMAC algorithm.";
  check_hmac(key, sizeof key, msg, strlen(msg),
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(hmac_optdesk_request_signature) {
  const char *secret = "s3cr3t";
  const char *ts = "1700000000000", *method = "POST", *path = "/v1/admin/accounts";
  const char *body = "{\"name\":\"alice\"}";
  char whole[256];
  snprintf(whole, sizeof whole, "%s%s%s%s", ts, method, path, body);

  char expected[CRYPTO_SHA256_HEX_SIZE];
  oneshot_hmac_hex(secret, strlen(secret), whole, strlen(whole), expected);
  CHECK_INT_EQ(strlen(expected), 64);
  /* Also pinned, as computed by Python's hmac module. */
  CHECK_STR_EQ(expected, "626a7e5b934fdb2c587bd472e2960f49264ab80504e7304a785f6f104fe824be");

  char got[CRYPTO_SHA256_HEX_SIZE];
  CHECK_INT_EQ(crypto_hmac_sha256_hex(secret, strlen(secret), whole, strlen(whole), got),
               CRYPTO_OK);
  CHECK_STR_EQ(got, expected);

  struct crypto_span parts[] = {
      {ts, strlen(ts)}, {method, strlen(method)}, {path, strlen(path)}, {body, strlen(body)}};
  char from_parts[CRYPTO_SHA256_HEX_SIZE];
  CHECK_INT_EQ(crypto_hmac_sha256_hex_parts(secret, strlen(secret), parts, 4, from_parts),
               CRYPTO_OK);
  CHECK_STR_EQ(from_parts, expected);
  CHECK(crypto_sig_equal(expected, from_parts));
}

TEST(hmac_websocket_login_signature) {
  /* public/login signs timestamp + "GET/ws" (SPEC 10); empty parts are allowed. */
  const char *secret = "9f86d081884c7d659a2feaa0c55ad015";
  char expected[CRYPTO_SHA256_HEX_SIZE], got[CRYPTO_SHA256_HEX_SIZE];
  oneshot_hmac_hex(secret, strlen(secret), "1700000000000GET/ws", 19, expected);
  struct crypto_span parts[] = {{"1700000000000", 13}, {NULL, 0}, {"GET", 3}, {"/ws", 3}};
  CHECK_INT_EQ(crypto_hmac_sha256_hex_parts(secret, strlen(secret), parts, 4, got), CRYPTO_OK);
  CHECK_STR_EQ(got, expected);
}

TEST(hmac_empty_key_and_message) {
  char expected[CRYPTO_SHA256_HEX_SIZE], got[CRYPTO_SHA256_HEX_SIZE];
  oneshot_hmac_hex("", 0, "", 0, expected);
  CHECK_STR_EQ(expected, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  CHECK_INT_EQ(crypto_hmac_sha256_hex(NULL, 0, NULL, 0, got), CRYPTO_OK);
  CHECK_STR_EQ(got, expected);
}

/* The per-thread keyed contexts: more keys than slots, each coming back in turn, keys that
 * differ in one byte or are prefixes of each other, the empty key and a key too long to
 * cache, all equal to OpenSSL's one-shot HMAC, from this thread and from another one. */
static int keyed_contexts_agree(void) {
  static const char *bases[] = {"k", "key-a", "key-b", "key-a-", "", "0123456789abcdef"};
  char longkey[400];
  memset(longkey, 'L', sizeof longkey);
  int bad = 0;
  for (int round = 0; round < 3; round++)
    for (int i = 0; i < 24; i++) {
      char key[64];
      const char *k = key;
      size_t klen;
      if (i == 23) {
        k = longkey;
        klen = sizeof longkey;
      } else {
        klen = (size_t)snprintf(key, sizeof key, "%s%d", bases[i % 6], i / 6);
        if (i % 6 == 4 && i < 6) klen = 0; /* the empty key */
      }
      char msg[64], expected[CRYPTO_SHA256_HEX_SIZE], got[CRYPTO_SHA256_HEX_SIZE];
      size_t mlen = (size_t)snprintf(msg, sizeof msg, "message %d of round %d", i, round);
      oneshot_hmac_hex(k, klen, msg, mlen, expected);
      if (crypto_hmac_sha256_hex(k, klen, msg, mlen, got) != CRYPTO_OK || strcmp(got, expected))
        bad++;
      /* the same key again at once, another message */
      oneshot_hmac_hex(k, klen, "again", 5, expected);
      if (crypto_hmac_sha256_hex(k, klen, "again", 5, got) != CRYPTO_OK || strcmp(got, expected))
        bad++;
    }
  return bad;
}

static void *keyed_contexts_thread(void *out) {
  *(int *)out = keyed_contexts_agree();
  return NULL;
}

TEST(hmac_keyed_context_cache_matches_oneshot) {
  CHECK_INT_EQ(keyed_contexts_agree(), 0);
  int other = -1;
  pthread_t t;
  REQUIRE(pthread_create(&t, NULL, keyed_contexts_thread, &other) == 0);
  pthread_join(t, NULL);
  CHECK_INT_EQ(other, 0);
}

TEST(hmac_invalid_arguments) {
  char out[CRYPTO_SHA256_HEX_SIZE] = "untouched";
  CHECK_INT_EQ(crypto_hmac_sha256_hex(NULL, 3, "m", 1, out), CRYPTO_EINVAL);
  CHECK_INT_EQ(crypto_hmac_sha256_hex("k", 1, NULL, 3, out), CRYPTO_EINVAL);
  CHECK_INT_EQ(crypto_hmac_sha256_hex("k", 1, "m", 1, NULL), CRYPTO_EINVAL);
  struct crypto_span bad = {NULL, 2};
  CHECK_INT_EQ(crypto_hmac_sha256_hex_parts("k", 1, &bad, 1, out), CRYPTO_EINVAL);
  CHECK_INT_EQ(crypto_hmac_sha256_hex_parts("k", 1, NULL, 1, out), CRYPTO_EINVAL);
  CHECK_STR_EQ(out, "untouched");
}

TEST(sha256_known_values) {
  char out[CRYPTO_SHA256_HEX_SIZE];
  CHECK_INT_EQ(crypto_sha256_hex("abc", 3, out), CRYPTO_OK);
  CHECK_STR_EQ(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK_INT_EQ(crypto_sha256_hex(NULL, 0, out), CRYPTO_OK);
  CHECK_STR_EQ(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK_INT_EQ(crypto_sha256_hex(two_blocks, strlen(two_blocks), out), CRYPTO_OK);
  CHECK_STR_EQ(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK_INT_EQ(crypto_sha256_hex(NULL, 1, out), CRYPTO_EINVAL);
}

TEST(sig_equal_same) {
  const char *a = "626a7e5b934fdb2c587bd472e2960f49264ab80504e7304a785f6f104fe824be";
  char b[CRYPTO_SHA256_HEX_SIZE];
  memcpy(b, a, sizeof b); /* a distinct buffer with the same bytes */
  CHECK(crypto_sig_equal(a, b));
}

TEST(sig_equal_last_char_differs) {
  const char *a = "626a7e5b934fdb2c587bd472e2960f49264ab80504e7304a785f6f104fe824be";
  CHECK(!crypto_sig_equal(a, "626a7e5b934fdb2c587bd472e2960f49264ab80504e7304a785f6f104fe824bf"));
  CHECK(!crypto_sig_equal(a, "726a7e5b934fdb2c587bd472e2960f49264ab80504e7304a785f6f104fe824be"));
  /* Signatures are lowercase hex: the same value in uppercase is not accepted. */
  CHECK(!crypto_sig_equal(a, "626A7E5B934FDB2C587BD472E2960F49264AB80504E7304A785F6F104FE824BE"));
}

TEST(sig_equal_different_lengths) {
  const char *a = "626a7e5b934fdb2c587bd472e2960f49264ab80504e7304a785f6f104fe824be";
  CHECK(!crypto_sig_equal(a, "626a7e5b934fdb2c587bd472e2960f49264ab80504e7304a785f6f104fe824b"));
  CHECK(!crypto_sig_equal(a, "626a7e5b934fdb2c587bd472e2960f49264ab80504e7304a785f6f104fe824be0"));
  CHECK(!crypto_sig_equal(a, "626a"));
  CHECK(!crypto_sig_equal(a, ""));
  CHECK(!crypto_sig_equal("", ""));
  CHECK(!crypto_sig_equal(a, NULL));
  CHECK(!crypto_sig_equal(NULL, a));
  char huge[CRYPTO_SIG_MAX + 8];
  memset(huge, 'a', sizeof huge - 1);
  huge[sizeof huge - 1] = '\0';
  CHECK(!crypto_sig_equal(huge, huge)); /* over the bound: refused, never scanned further */
}

TEST(random_bytes_fill_and_differ) {
  uint8_t a[32] = {0}, b[32] = {0}, zero[32] = {0};
  CHECK_INT_EQ(crypto_random_bytes(a, sizeof a), CRYPTO_OK);
  CHECK_INT_EQ(crypto_random_bytes(b, sizeof b), CRYPTO_OK);
  CHECK(memcmp(a, b, sizeof a) != 0);
  CHECK(memcmp(a, zero, sizeof a) != 0);
  CHECK_INT_EQ(crypto_random_bytes(NULL, 0), CRYPTO_OK);
  CHECK_INT_EQ(crypto_random_bytes(NULL, 1), CRYPTO_EINVAL);
}

TEST(random_hex_token) {
  char a[CRYPTO_TOKEN_HEX_SIZE(32)], b[CRYPTO_TOKEN_HEX_SIZE(32)];
  CHECK_INT_EQ(crypto_random_hex(32, a, sizeof a), CRYPTO_OK);
  CHECK_INT_EQ(crypto_random_hex(32, b, sizeof b), CRYPTO_OK);
  CHECK_INT_EQ(strlen(a), 64);
  CHECK_INT_EQ(strspn(a, "0123456789abcdef"), 64);
  CHECK(strcmp(a, b) != 0);
  char key[CRYPTO_TOKEN_HEX_SIZE(16)];
  CHECK_INT_EQ(crypto_random_hex(16, key, sizeof key), CRYPTO_OK);
  CHECK_INT_EQ(strlen(key), 32);
  CHECK_INT_EQ(strspn(key, "0123456789abcdef"), 32);
}

TEST(random_hex_rejects_bad_sizes) {
  char out[CRYPTO_TOKEN_HEX_SIZE(CRYPTO_TOKEN_MAX_BYTES) + 1] = "untouched";
  CHECK_INT_EQ(crypto_random_hex(16, out, CRYPTO_TOKEN_HEX_SIZE(16) - 1), CRYPTO_EBUFFER);
  CHECK_INT_EQ(crypto_random_hex(0, out, sizeof out), CRYPTO_EINVAL);
  CHECK_INT_EQ(crypto_random_hex(CRYPTO_TOKEN_MAX_BYTES + 1, out, sizeof out), CRYPTO_EINVAL);
  CHECK_INT_EQ(crypto_random_hex(16, NULL, 64), CRYPTO_EINVAL);
  CHECK_STR_EQ(out, "untouched");
  CHECK_INT_EQ(crypto_random_hex(CRYPTO_TOKEN_MAX_BYTES, out, sizeof out), CRYPTO_OK);
  CHECK_INT_EQ(strlen(out), 2 * CRYPTO_TOKEN_MAX_BYTES);
}

TEST(status_names) {
  CHECK_STR_EQ(crypto_strerror(CRYPTO_OK), "ok");
  CHECK_STR_EQ(crypto_strerror(CRYPTO_EAUTH), "authentication failed");
  CHECK_STR_EQ(crypto_strerror(CRYPTO_EVERSION), "unknown version");
  CHECK_STR_EQ(crypto_strerror(CRYPTO_ETRUNCATED), "truncated");
  CHECK_STR_EQ(crypto_strerror(-999), "unknown");
}
