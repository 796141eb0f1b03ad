// Calendar arithmetic shared by the date/time functions (date_part,
// date_trunc, to_char): proleptic Gregorian days since 2000-01-01.
#pragma once

#include <cstdint>

#include "sql/types/datetime.h"

namespace tusk::sql {

struct Civil {
  int64_t year;
  int month, day, hour, minute;
  int64_t usec;  // microseconds within the minute
  int64_t days;  // days since 2000-01-01
};

// Gregorian calendar from a day count (proleptic, arithmetic on 400-year eras).
inline void DaysToYmd(int64_t days, int64_t* y, int* m, int* d) {
  int64_t z = days + 10957 + 719468;  // shift to 0000-03-01 based count
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

inline int64_t YmdToDays(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468 - 10957;
}

inline int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

inline Civil Split(int64_t us) {
  Civil c;
  c.days = FloorDiv(us, kUsecPerDay);
  int64_t t = us - c.days * kUsecPerDay;
  DaysToYmd(c.days, &c.year, &c.month, &c.day);
  c.hour = static_cast<int>(t / (3600 * kUsecPerSec));
  c.minute = static_cast<int>(t / (60 * kUsecPerSec) % 60);
  c.usec = t % (60 * kUsecPerSec);
  return c;
}

// ISO 8601 week number and week-numbering year of a day count.
inline void IsoWeek(int64_t days, int64_t* iso_year, int64_t* week) {
  int64_t isodow = ((days + 5) % 7 + 7) % 7 + 1;  // 2000-01-01 was a Saturday (6)
  int64_t thursday = days - isodow + 4;
  int64_t y;
  int m, d;
  DaysToYmd(thursday, &y, &m, &d);
  *iso_year = y;
  *week = (thursday - YmdToDays(y, 1, 1)) / 7 + 1;
}

}  // namespace tusk::sql
