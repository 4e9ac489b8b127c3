/* Unit tests: civil dates, maturity rules and listing (pricing/calendar.h). */
#include "calendar.h"
#include "testlib.h"

#define DAY PRICING_MS_PER_DAY

static int64_t at(int64_t y, unsigned m, unsigned d) {
  int64_t ms = 0;
  if (pricing_expiry_ms(y, m, d, &ms) != PRICING_OK) testlib_fail(__FILE__, __LINE__, "bad date");
  return ms;
}

static const char *why_of(int64_t now, int64_t m) {
  enum pricing_maturity_reason why = PRICING_MATURITY_OK;
  int rc = pricing_maturity_check(now, m, &why);
  if (rc == PRICING_OK) return "ok";
  CHECK_INT_EQ(rc, PRICING_EINVALID);
  return pricing_maturity_reason_str(why);
}

TEST(civil_dates) {
  CHECK_INT_EQ(pricing_days_from_civil(1970, 1, 1), 0);
  CHECK_INT_EQ(pricing_days_from_civil(2000, 3, 1), 11017);
  CHECK_INT_EQ(pricing_days_from_civil(1969, 12, 31), -1);
  CHECK_INT_EQ(at(2023, 2, 24), 1677225600000); /* SPEC 9: Fri 2023-02-24 08:00 UTC */
  CHECK_INT_EQ(pricing_weekday_from_days(0), PRICING_THURSDAY);
  CHECK_INT_EQ(pricing_weekday_from_days(-1), PRICING_WEDNESDAY);
  CHECK_INT_EQ(pricing_weekday_from_days(pricing_days_from_civil(2023, 2, 24)), PRICING_FRIDAY);
  CHECK_INT_EQ(pricing_weekday_from_days(pricing_days_from_civil(2026, 11, 27)), PRICING_FRIDAY);
  CHECK_INT_EQ(pricing_weekday_from_days(pricing_days_from_civil(2024, 2, 29)), PRICING_THURSDAY);
  /* Round trip and continuity over 5 million days (~13 700 years, both sides of 1970). */
  int64_t y0;
  unsigned m0, d0;
  pricing_civil_from_days(-2500001, &y0, &m0, &d0);
  for (int64_t z = -2500000; z <= 2500000; z++) {
    int64_t y;
    unsigned m, d;
    pricing_civil_from_days(z, &y, &m, &d);
    if (pricing_days_from_civil(y, m, d) != z || !pricing_civil_valid(y, m, d)) {
      testlib_fail(__FILE__, __LINE__, "day %lld", (long long)z);
      return;
    }
    int next_day = y == y0 && m == m0 && d == d0 + 1;
    int next_month = y == y0 && m == m0 + 1 && d == 1 && d0 == pricing_days_in_month(y0, m0);
    int next_year = y == y0 + 1 && m == 1 && d == 1 && m0 == 12 && d0 == 31;
    if (!(next_day || next_month || next_year)) {
      testlib_fail(__FILE__, __LINE__, "discontinuity at day %lld", (long long)z);
      return;
    }
    CHECK_INT_EQ(pricing_weekday_from_days(z), (pricing_weekday_from_days(z - 1) + 1) % 7);
    y0 = y, m0 = m, d0 = d;
  }
}

TEST(leap_years_and_month_ends) {
  CHECK(pricing_is_leap_year(2024));
  CHECK(pricing_is_leap_year(2000));
  CHECK(!pricing_is_leap_year(2100));
  CHECK(!pricing_is_leap_year(1900));
  CHECK(!pricing_is_leap_year(2023));
  CHECK_INT_EQ(pricing_days_in_month(2024, 2), 29);
  CHECK_INT_EQ(pricing_days_in_month(2100, 2), 28);
  CHECK_INT_EQ(pricing_days_in_month(2023, 4), 30);
  CHECK_INT_EQ(pricing_days_in_month(2023, 12), 31);
  CHECK_INT_EQ(pricing_days_in_month(2023, 13), 0);
  CHECK(pricing_civil_valid(2024, 2, 29));
  CHECK(!pricing_civil_valid(2023, 2, 29));
  CHECK(!pricing_civil_valid(2100, 2, 29));
  CHECK(!pricing_civil_valid(2023, 4, 31));
  CHECK(!pricing_civil_valid(2023, 0, 1));
  CHECK(!pricing_civil_valid(2023, 1, 0));
  int64_t ms = 5;
  CHECK_INT_EQ(pricing_expiry_ms(2100, 2, 29, &ms), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_expiry_ms(1969, 12, 31, &ms), PRICING_EDOMAIN);
  CHECK_INT_EQ(pricing_expiry_ms(10000, 1, 1, &ms), PRICING_EDOMAIN);
  CHECK_INT_EQ(ms, 5);
  CHECK_INT_EQ(at(2024, 3, 1) - at(2024, 2, 28), 2 * DAY);
  CHECK_INT_EQ(at(2100, 3, 1) - at(2100, 2, 28), 1 * DAY);
  CHECK_INT_EQ(at(2024, 1, 1) - at(2023, 12, 31), 1 * DAY);
  CHECK_INT_EQ(pricing_days_from_ms(-1), -1);
  CHECK_INT_EQ(pricing_ms_of_day(-1), DAY - 1);
}

TEST(maturity_0800_and_future) {
  int64_t now = at(2023, 2, 24);
  int64_t m = at(2023, 2, 25);
  CHECK_STR_EQ(why_of(now, m), "ok");
  CHECK_STR_EQ(why_of(now, m - 1), "not_0800");                       /* 07:59:59.999 */
  CHECK_STR_EQ(why_of(now, m + 1), "not_0800");                       /* 08:00:00.001 */
  CHECK_STR_EQ(why_of(now, m - 8 * PRICING_MS_PER_HOUR), "not_0800"); /* midnight */
  CHECK_STR_EQ(why_of(now, now), "not_future");
  CHECK_STR_EQ(why_of(now + 1, now), "not_future");
  CHECK_STR_EQ(why_of(now, now - DAY), "not_future");
  CHECK_STR_EQ(why_of(now - 1, now), "ok"); /* 1 ms before expiry */
  CHECK_INT_EQ(pricing_maturity_check(now, m, NULL), PRICING_OK);
}

TEST(maturity_3_and_35_days) {
  /* Under 3 days any weekday; exactly 3 days needs a Friday. */
  int64_t sat = at(2023, 3, 4);
  CHECK_STR_EQ(why_of(at(2023, 3, 2), sat), "ok");                     /* 2 days, Saturday */
  CHECK_STR_EQ(why_of(at(2023, 3, 1) + 1, sat), "ok");                 /* 3 days - 1 ms */
  CHECK_STR_EQ(why_of(at(2023, 3, 1), sat), "not_friday");             /* exactly 3 days */
  CHECK_STR_EQ(why_of(at(2023, 2, 28), at(2023, 3, 3)), "ok");         /* exactly 3, Friday */
  CHECK_STR_EQ(why_of(at(2023, 2, 24), at(2023, 3, 8)), "not_friday"); /* 12 days, Wednesday */
  /* Exactly 35 days: a Friday suffices (2023-04-07 is not April's last Friday). */
  int64_t fri = at(2023, 4, 7);
  CHECK_INT_EQ(fri - at(2023, 3, 3), 35 * DAY);
  CHECK_STR_EQ(why_of(at(2023, 3, 3), fri), "ok");
  CHECK_STR_EQ(why_of(at(2023, 3, 3) + 1, fri), "ok");                     /* 35 days - 1 ms */
  CHECK_STR_EQ(why_of(at(2023, 3, 3) - 1, fri), "not_last_friday");        /* 35 days + 1 ms */
  CHECK_STR_EQ(why_of(at(2023, 3, 3), at(2023, 4, 6)), "not_friday");      /* 34 days, Thursday */
  CHECK_STR_EQ(why_of(at(2023, 3, 3), at(2023, 4, 8)), "not_last_friday"); /* 36 d, Saturday */
}

TEST(maturity_last_friday_and_365) {
  int64_t now = at(2023, 2, 24);
  CHECK_STR_EQ(why_of(now, at(2023, 4, 28)), "ok"); /* last Friday of April */
  CHECK_STR_EQ(why_of(now, at(2023, 4, 21)), "not_last_friday");
  CHECK_STR_EQ(why_of(now, at(2023, 3, 31)), "ok"); /* 35 days, and last Friday */
  CHECK_STR_EQ(why_of(now, at(2023, 6, 30)), "ok"); /* month's last day */
  CHECK_STR_EQ(why_of(now, at(2023, 6, 23)), "not_last_friday");
  CHECK_STR_EQ(why_of(now, at(2023, 12, 29)), "ok");
  CHECK_STR_EQ(why_of(now, at(2023, 12, 31)), "not_last_friday"); /* Sunday */
  /* Leap February: 2024-02-29 is a Thursday, so the 23rd is the last Friday. */
  CHECK_STR_EQ(why_of(now, at(2024, 2, 23)), "ok");
  CHECK_STR_EQ(why_of(now, at(2024, 2, 16)), "not_last_friday");
  CHECK_STR_EQ(why_of(now, at(2024, 3, 29)), "too_far");
  /* 365 days inclusive. */
  int64_t m = at(2024, 2, 23);
  int64_t n365 = m - 365 * DAY;
  CHECK_INT_EQ(n365, at(2023, 2, 23));
  CHECK_STR_EQ(why_of(n365, m), "ok");
  CHECK_STR_EQ(why_of(n365 - 1, m), "too_far");
  /* A 2100 February: 28 days, last Friday the 26th. */
  CHECK_STR_EQ(why_of(at(2099, 6, 1), at(2100, 2, 26)), "ok");
  CHECK_STR_EQ(why_of(at(2099, 6, 1), at(2100, 2, 19)), "not_last_friday");
}

TEST(maturity_listing) {
  int64_t now = at(2023, 2, 24);
  int64_t out[PRICING_MATURITIES_MAX];
  size_t n = 0;
  REQUIRE(pricing_maturities(now, out, PRICING_MATURITIES_MAX, &n) == PRICING_OK);
  /* 25, 26 Feb (1, 2 days); Fridays 3..31 Mar; last Fridays Apr 2023 .. Feb 2024. */
  CHECK_INT_EQ(n, 18);
  CHECK_INT_EQ(out[0], at(2023, 2, 25));
  CHECK_INT_EQ(out[1], at(2023, 2, 26));
  CHECK_INT_EQ(out[2], at(2023, 3, 3));
  CHECK_INT_EQ(out[6], at(2023, 3, 31));
  CHECK_INT_EQ(out[7], at(2023, 4, 28));
  CHECK_INT_EQ(out[17], at(2024, 2, 23));
  /* The listing is exactly the set that passes the check, at many different nows. */
  size_t max = 0;
  for (int64_t t = now - 40 * DAY; t < now + 800 * DAY; t += 3 * PRICING_MS_PER_HOUR + 7) {
    REQUIRE(pricing_maturities(t, out, PRICING_MATURITIES_MAX, &n) == PRICING_OK);
    size_t j = 0;
    int64_t first = pricing_days_from_ms(t);
    for (int64_t d = first - 1; d <= first + 370; d++) {
      int64_t m = d * DAY + PRICING_EXPIRY_OFFSET_MS;
      int ok = pricing_maturity_check(t, m, NULL) == PRICING_OK;
      if (ok) {
        if (j >= n || out[j] != m) {
          testlib_fail(__FILE__, __LINE__, "listing differs at now %lld", (long long)t);
          return;
        }
        j++;
      }
    }
    CHECK_INT_EQ(j, n);
    if (n > max) max = n;
  }
  CHECK(max <= PRICING_MATURITIES_MAX);
  printf("maturities: at most %zu listed\n", max);
  int64_t small[4] = {0};
  size_t m = 99;
  CHECK_INT_EQ(pricing_maturities(now, small, 4, &m), PRICING_ECAPACITY);
  CHECK_INT_EQ(m, 99);
  CHECK_INT_EQ(small[0], 0);
  CHECK_INT_EQ(pricing_maturities(INT64_MAX - 5, out, PRICING_MATURITIES_MAX, &n), PRICING_EDOMAIN);
}

TEST(tau_and_dte) {
  int64_t now = at(2023, 2, 24);
  CHECK_NEAR(pricing_tau_years(now, now + 7 * DAY), 7.0 / 365, 1e-17);
  CHECK_NEAR(pricing_dte_days(now, now + 7 * DAY), 7, 0);
  CHECK_NEAR(pricing_dte_days(now, now + 3 * PRICING_MS_PER_HOUR), 0.125, 0);
  CHECK_NEAR(pricing_tau_years(now, now - 365 * DAY), -1, 1e-15);
}
