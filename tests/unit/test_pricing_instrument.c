/* Unit tests: option and spot pair names (pricing/instrument.h). */
#include "calendar.h"
#include "instrument.h"
#include "testlib.h"

#include <string.h>

static int parse(const char *s, struct pricing_instrument *out) {
  return pricing_instrument_parse(s, strlen(s), out);
}

static void round_trip(const char *s) {
  struct pricing_instrument in;
  char buf[PRICING_INSTRUMENT_NAME_MAX];
  if (parse(s, &in) != PRICING_OK) {
    testlib_fail(__FILE__, __LINE__, "parse refused %s", s);
    return;
  }
  int n = pricing_instrument_format(&in, buf, sizeof buf);
  CHECK_INT_EQ(n, (long long)strlen(s));
  CHECK_STR_EQ(buf, s);
}

TEST(instrument_parse_and_format) {
  struct pricing_instrument in;
  REQUIRE(parse("BTC-20261127-56000-P", &in) == PRICING_OK);
  CHECK_STR_EQ(in.underlying, "BTC");
  int64_t exp = 0;
  REQUIRE(pricing_expiry_ms(2026, 11, 27, &exp) == PRICING_OK);
  CHECK_INT_EQ(in.expiry_ms, exp);
  CHECK_INT_EQ(pricing_ms_of_day(in.expiry_ms), 8 * PRICING_MS_PER_HOUR);
  CHECK_U128_EQ(in.strike, (money_u128)56000 * 1000000);
  CHECK_INT_EQ(in.type, PRICING_PUT);
  REQUIRE(parse("ETH-20230303-0.5-C", &in) == PRICING_OK);
  CHECK_U128_EQ(in.strike, 500000);
  CHECK_INT_EQ(in.type, PRICING_CALL);
  round_trip("BTC-20261127-56000-P");
  round_trip("BTC-20261127-54000-P");
  round_trip("ETH-20230303-1100-C");
  round_trip("ETH-20230303-0.5-C");
  round_trip("A-19700101-0.000001-C");
  round_trip("ABCDEFGHIJ-99991231-123456789.123456-P");
  round_trip("LBTC2-20240229-1-P");
  /* Not NUL-terminated input: only len characters are read. */
  const char raw[] = "BTC-20261127-56000-PXYZ";
  REQUIRE(pricing_instrument_parse(raw, 20, &in) == PRICING_OK);
  CHECK_INT_EQ(in.type, PRICING_PUT);
  /* Formatting errors. */
  char small[10];
  REQUIRE(parse("BTC-20261127-56000-P", &in) == PRICING_OK);
  CHECK_INT_EQ(pricing_instrument_format(&in, small, sizeof small), PRICING_ECAPACITY);
  char exact[21];
  CHECK_INT_EQ(pricing_instrument_format(&in, exact, sizeof exact), 20);
  CHECK_INT_EQ(pricing_instrument_format(&in, exact, 20), PRICING_ECAPACITY);
  struct pricing_instrument bad = in;
  bad.expiry_ms += 1;
  CHECK_INT_EQ(pricing_instrument_format(&bad, exact, sizeof exact), PRICING_EDOMAIN);
  bad = in;
  bad.strike = 0;
  CHECK_INT_EQ(pricing_instrument_format(&bad, exact, sizeof exact), PRICING_EDOMAIN);
  bad = in;
  bad.underlying[0] = 'b';
  CHECK_INT_EQ(pricing_instrument_format(&bad, exact, sizeof exact), PRICING_EDOMAIN);
}

TEST(instrument_rejections) {
  static const char *bad[] = {
      "",
      "BTC",
      "BTC-20261127-56000",    /* missing type */
      "BTC-20261127-P",        /* missing strike */
      "-20261127-56000-P",     /* empty underlying */
      "BTC--56000-P",          /* empty date */
      "BTC-20261127--P",       /* empty strike */
      "BTC-20261127-56000-",   /* empty type */
      "BTC-20261127-56000-P-", /* extra part */
      "BTC-20261127-56000-P-X",
      "btc-20261127-56000-P", /* lowercase */
      "Btc-20261127-56000-P",
      "BTC-20261127-56000-p",
      "BTC-20261127-56000-X", /* bad type */
      "BTC-20261127-56000-CP",
      "BTC-20261127-56000-PUT",
      "ABCDEFGHIJK-20261127-56000-P", /* 11 characters */
      "B_C-20261127-56000-P",
      "BTC -20261127-56000-P",
      "BTC-20230230-1000-C",   /* 30 February */
      "BTC-20230229-1000-C",   /* 2023 not leap */
      "BTC-21000229-1000-C",   /* 2100 not leap */
      "BTC-20231301-1000-C",   /* month 13 */
      "BTC-20230001-1000-C",   /* month 0 */
      "BTC-20230100-1000-C",   /* day 0 */
      "BTC-20230431-1000-C",   /* 31 April */
      "BTC-19691231-1000-C",   /* before 1970 */
      "BTC-2026112-56000-P",   /* 7 digits */
      "BTC-202611270-56000-P", /* 9 digits */
      "BTC-2026-11-27-56000-P",
      "BTC-2026112A-56000-P",
      "BTC-20261127-056000-P",  /* leading zero */
      "BTC-20261127-56000.0-P", /* trailing fractional zero */
      "BTC-20261127-0.50-P",
      "BTC-20261127-0-P",         /* zero strike */
      "BTC-20261127-0.0000001-P", /* 7 decimals */
      "BTC-20261127-.5-P",
      "BTC-20261127-5.-P",
      "BTC-20261127-+5-P",
      "BTC-20261127-5e3-P",
      "BTC-20261127-1,000-P",
      "BTC-20261127-999999999999999999999999999999999999999-P", /* overflow */
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    struct pricing_instrument out;
    memset(&out, 0x5a, sizeof out);
    int rc = parse(bad[i], &out);
    if (rc != PRICING_ESYNTAX)
      testlib_fail(__FILE__, __LINE__, "accepted \"%s\" (rc %d)", bad[i], rc);
    CHECK(out.underlying[0] == 0x5a); /* untouched */
  }
  struct pricing_instrument out;
  CHECK_INT_EQ(pricing_instrument_parse(NULL, 0, &out), PRICING_ESYNTAX);
  /* Leap day of a leap year is fine. */
  CHECK_INT_EQ(parse("BTC-20240229-1000-C", &out), PRICING_OK);
}

TEST(spot_pairs) {
  struct pricing_spot_pair p;
  REQUIRE(pricing_spot_pair_parse("LBTC-USDC", 9, &p) == PRICING_OK);
  CHECK_STR_EQ(p.base, "LBTC");
  CHECK_STR_EQ(p.quote, "USDC");
  char buf[PRICING_PAIR_NAME_MAX];
  CHECK_INT_EQ(pricing_spot_pair_format(&p, buf, sizeof buf), 9);
  CHECK_STR_EQ(buf, "LBTC-USDC");
  CHECK_INT_EQ(pricing_spot_pair_format(&p, buf, 9), PRICING_ECAPACITY);
  static const char *bad[] = {
      "",          "LBTC",        "LBTC-",     "-USDC",     "lbtc-USDC",
      "LBTC-usdc", "LBTC-USDC-X", "LBTC-LBTC", "LBTC_USDC", "ABCDEFGHIJK-USDC",
      "LBTC--USDC"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    int rc = pricing_spot_pair_parse(bad[i], strlen(bad[i]), &p);
    if (rc != PRICING_ESYNTAX) testlib_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
  }
  CHECK_STR_EQ(p.base, "LBTC");
}

TEST(expiry_text) {
  int64_t ms = 0;
  char buf[9];
  REQUIRE(pricing_expiry_parse("20230303", 8, &ms) == PRICING_OK);
  CHECK_INT_EQ(pricing_expiry_format(ms, buf, sizeof buf), 8);
  CHECK_STR_EQ(buf, "20230303");
  CHECK_INT_EQ(pricing_expiry_format(ms, buf, 8), PRICING_ECAPACITY);
  CHECK_INT_EQ(pricing_expiry_format(ms - 1, buf, sizeof buf), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_expiry_parse("2023033", 7, &ms), PRICING_ESYNTAX);
  /* Every day of 1970..2400 round-trips. */
  int64_t first, last;
  REQUIRE(pricing_expiry_ms(1970, 1, 1, &first) == PRICING_OK);
  REQUIRE(pricing_expiry_ms(2400, 12, 31, &last) == PRICING_OK);
  for (int64_t t = first; t <= last; t += PRICING_MS_PER_DAY) {
    int64_t back = 0;
    if (pricing_expiry_format(t, buf, sizeof buf) != 8 ||
        pricing_expiry_parse(buf, 8, &back) != PRICING_OK || back != t) {
      testlib_fail(__FILE__, __LINE__, "expiry %lld", (long long)t);
      return;
    }
  }
}
