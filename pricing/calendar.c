/* calendar: Hinnant civil-date algorithms, maturity rules and the maturity listing. */
#include "calendar.h"

int pricing_is_leap_year(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

unsigned pricing_days_in_month(int64_t y, unsigned m) {
  static const unsigned char len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12) return 0;
  return m == 2 && pricing_is_leap_year(y) ? 29 : len[m - 1];
}

int pricing_civil_valid(int64_t y, unsigned m, unsigned d) {
  return d >= 1 && d <= pricing_days_in_month(y, m);
}

int64_t pricing_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;                                            /* [0, 399] */
  int64_t doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                    /* [0, 146096] */
  return era * 146097 + doe - 719468;
}

void pricing_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;                                      /* [0, 146096] */
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
  int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
  *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
  *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

enum pricing_weekday pricing_weekday_from_days(int64_t z) {
  return (enum pricing_weekday)(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

int64_t pricing_days_from_ms(int64_t ms) {
  int64_t q = ms / PRICING_MS_PER_DAY;
  return ms % PRICING_MS_PER_DAY < 0 ? q - 1 : q;
}

int64_t pricing_ms_of_day(int64_t ms) {
  int64_t r = ms % PRICING_MS_PER_DAY;
  return r < 0 ? r + PRICING_MS_PER_DAY : r;
}

int pricing_expiry_ms(int64_t y, unsigned m, unsigned d, int64_t *ms) {
  if (y < 1970 || y > 9999 || !pricing_civil_valid(y, m, d)) return PRICING_EDOMAIN;
  *ms = pricing_days_from_civil(y, m, d) * PRICING_MS_PER_DAY + PRICING_EXPIRY_OFFSET_MS;
  return PRICING_OK;
}

const char *pricing_maturity_reason_str(enum pricing_maturity_reason why) {
  switch (why) {
    case PRICING_MATURITY_OK: return "ok";
    case PRICING_MATURITY_NOT_0800: return "not_0800";
    case PRICING_MATURITY_NOT_FUTURE: return "not_future";
    case PRICING_MATURITY_TOO_FAR: return "too_far";
    case PRICING_MATURITY_NOT_FRIDAY: return "not_friday";
    case PRICING_MATURITY_NOT_LAST_FRIDAY: return "not_last_friday";
  }
  return "unknown";
}

static enum pricing_maturity_reason maturity_reason(int64_t now, int64_t m) {
  if (pricing_ms_of_day(m) != PRICING_EXPIRY_OFFSET_MS) return PRICING_MATURITY_NOT_0800;
  if (m <= now) return PRICING_MATURITY_NOT_FUTURE;
  uint64_t d = (uint64_t)m - (uint64_t)now; /* m > now: no overflow */
  const uint64_t day = (uint64_t)PRICING_MS_PER_DAY;
  if (d > 365 * day) return PRICING_MATURITY_TOO_FAR;
  if (d < 3 * day) return PRICING_MATURITY_OK;
  int64_t days = pricing_days_from_ms(m);
  int friday = pricing_weekday_from_days(days) == PRICING_FRIDAY;
  if (d <= 35 * day) return friday ? PRICING_MATURITY_OK : PRICING_MATURITY_NOT_FRIDAY;
  int64_t y;
  unsigned mon, dd;
  pricing_civil_from_days(days, &y, &mon, &dd);
  if (friday && dd + 7 > pricing_days_in_month(y, mon)) return PRICING_MATURITY_OK;
  return PRICING_MATURITY_NOT_LAST_FRIDAY;
}

int pricing_maturity_check(int64_t now_ms, int64_t maturity_ms, enum pricing_maturity_reason *why) {
  enum pricing_maturity_reason r = maturity_reason(now_ms, maturity_ms);
  if (r == PRICING_MATURITY_OK) return PRICING_OK;
  if (why) *why = r;
  return PRICING_EINVALID;
}

int pricing_maturities(int64_t now_ms, int64_t *out, size_t cap, size_t *n) {
  const int64_t margin = 400 * PRICING_MS_PER_DAY;
  if (now_ms < INT64_MIN + margin || now_ms > INT64_MAX - margin) return PRICING_EDOMAIN;
  int64_t tmp[PRICING_MATURITIES_MAX];
  size_t count = 0;
  int64_t first = pricing_days_from_ms(now_ms);
  for (int64_t day = first; day <= first + 366; day++) {
    int64_t m = day * PRICING_MS_PER_DAY + PRICING_EXPIRY_OFFSET_MS;
    if (maturity_reason(now_ms, m) != PRICING_MATURITY_OK) continue;
    if (count == PRICING_MATURITIES_MAX) return PRICING_ECAPACITY; /* unreachable */
    tmp[count++] = m;
  }
  if (count > cap) return PRICING_ECAPACITY;
  for (size_t i = 0; i < count; i++) out[i] = tmp[i];
  *n = count;
  return PRICING_OK;
}

double pricing_tau_years(int64_t now_ms, int64_t maturity_ms) {
  return ((double)maturity_ms - (double)now_ms) / 1000.0 / PRICING_SECONDS_PER_YEAR;
}

double pricing_dte_days(int64_t now_ms, int64_t maturity_ms) {
  return ((double)maturity_ms - (double)now_ms) / (double)PRICING_MS_PER_DAY;
}
