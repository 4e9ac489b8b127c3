/* calendar: UTC civil dates, option maturities and time to expiry (SPEC 2, 5.1).
 *
 * Time is integer milliseconds since the Unix epoch, UTC; no libc time functions, no time
 * zones. Civil dates use Howard Hinnant's days_from_civil / civil_from_days (proleptic
 * Gregorian; day 0 = 1970-01-01, a Thursday).
 *
 * A maturity m is valid at time now iff, with d = m - now:
 *   - m is at 08:00:00.000 UTC exactly                           else not_0800
 *   - d > 0 (m == now is already expired)                         else not_future
 *   - d <= 365 days (exactly 365 days is valid)                   else too_far
 *   - d <  3 days: any day of the week;
 *     3 days <= d <= 35 days (both ends inclusive): a Friday      else not_friday
 *     d >  35 days: the last Friday of its month                  else not_last_friday
 * So exactly 3 days ahead needs a Friday, exactly 35 days ahead needs a Friday (not the
 * last of the month), 35 days + 1 ms needs the last Friday.
 * tau = (m - now) / 1000 / 31 536 000 years (ACT/365); DTE = (m - now) / 86 400 000 days. */
#ifndef OPTDESK_PRICING_CALENDAR_H
#define OPTDESK_PRICING_CALENDAR_H

#include "common.h"

#include <stddef.h>
#include <stdint.h>

#define PRICING_MS_PER_HOUR INT64_C(3600000)
#define PRICING_MS_PER_DAY INT64_C(86400000)
#define PRICING_EXPIRY_OFFSET_MS (8 * PRICING_MS_PER_HOUR) /* 08:00 UTC */
#define PRICING_SECONDS_PER_YEAR 31536000.0                /* 365 days */
/* Upper bound on the number of valid maturities at any time. */
#define PRICING_MATURITIES_MAX 24

enum pricing_weekday {
  PRICING_SUNDAY = 0,
  PRICING_MONDAY,
  PRICING_TUESDAY,
  PRICING_WEDNESDAY,
  PRICING_THURSDAY,
  PRICING_FRIDAY,
  PRICING_SATURDAY,
};

enum pricing_maturity_reason {
  PRICING_MATURITY_OK = 0,
  PRICING_MATURITY_NOT_0800,
  PRICING_MATURITY_NOT_FUTURE,
  PRICING_MATURITY_TOO_FAR,
  PRICING_MATURITY_NOT_FRIDAY,
  PRICING_MATURITY_NOT_LAST_FRIDAY,
};

/* Civil date helpers (y any year, m 1..12, d 1..31). */
int pricing_is_leap_year(int64_t y);
unsigned pricing_days_in_month(int64_t y, unsigned m); /* 0 for m outside 1..12 */
int pricing_civil_valid(int64_t y, unsigned m, unsigned d);
int64_t pricing_days_from_civil(int64_t y, unsigned m, unsigned d);
void pricing_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
enum pricing_weekday pricing_weekday_from_days(int64_t days);
/* floor(ms / day) and the ms within that day, for negative ms too. */
int64_t pricing_days_from_ms(int64_t ms);
int64_t pricing_ms_of_day(int64_t ms);

/* The date at 08:00 UTC, in ms. PRICING_EDOMAIN for a non-existent date or a year outside
 * 1970..9999. */
PRICING_WUR int pricing_expiry_ms(int64_t y, unsigned m, unsigned d, int64_t *ms);

/* Stable name of a reason ("not_0800", "not_friday", ...). */
const char *pricing_maturity_reason_str(enum pricing_maturity_reason why);
/* PRICING_OK, or PRICING_EINVALID with the reason in *why (if not NULL). */
PRICING_WUR int pricing_maturity_check(int64_t now_ms, int64_t maturity_ms,
                                       enum pricing_maturity_reason *why);
/* Every valid maturity at now, ascending, into out[0..cap), count in *n.
 * PRICING_ECAPACITY if cap is too small (PRICING_MATURITIES_MAX always suffices);
 * PRICING_EDOMAIN for a now within a year of the int64 limits. */
PRICING_WUR int pricing_maturities(int64_t now_ms, int64_t *out, size_t cap, size_t *n);

/* (maturity - now) in years (ACT/365) and in days; negative when maturity is past. */
double pricing_tau_years(int64_t now_ms, int64_t maturity_ms);
double pricing_dte_days(int64_t now_ms, int64_t maturity_ms);

#endif
