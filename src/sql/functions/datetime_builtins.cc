// Builtin date/time functions: date_part (EXTRACT) and date_trunc on
// timestamp, timestamptz, date and interval. timestamptz fields are taken in
// the session time zone.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "sql/functions/registry.h"
#include "sql/types/datetime.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

struct Civil {
  int64_t year;
  int month, day, hour, minute;
  int64_t usec;  // microseconds within the minute
  int64_t days;  // days since 2000-01-01
};

// Gregorian calendar from a day count (proleptic, arithmetic on 400-year eras).
void DaysToYmd(int64_t days, int64_t* y, int* m, int* d) {
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

int64_t YmdToDays(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468 - 10957;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

Civil Split(int64_t us) {
  Civil c;
  c.days = FloorDiv(us, kUsecPerDay);
  int64_t t = us - c.days * kUsecPerDay;
  DaysToYmd(c.days, &c.year, &c.month, &c.day);
  c.hour = static_cast<int>(t / (3600 * kUsecPerSec));
  c.minute = static_cast<int>(t / (60 * kUsecPerSec) % 60);
  c.usec = t % (60 * kUsecPerSec);
  return c;
}

std::string Lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

[[noreturn]] void BadUnit(const std::string& unit, uint32_t type) {
  throw PgError("22023", "unit \"" + unit + "\" not recognized for type " + TypeSqlName(type));
}

// Local microseconds of a timestamp-like argument (dates at midnight).
int64_t LocalMicros(uint32_t type, const Datum& v, const ExecContext& ctx) {
  if (type == oid::kDate) return v.i * kUsecPerDay;
  if (type == oid::kTimestamptz) return v.i + static_cast<int64_t>(UtcOffsetAt(ctx.io.timezone, v.i)) * kUsecPerSec;
  return v.i;
}

void DatePart(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  std::string unit = Lower(a[0]->s);
  const Datum& v = *a[1];
  uint32_t type = static_cast<uint32_t>(st.aux);
  if (type == oid::kInterval) {
    int64_t us = v.i;
    if (unit == "epoch") {
      out.f = static_cast<double>(us) / 1e6 + (v.months / 12) * 365.25 * 86400.0 + (v.months % 12) * 30.0 * 86400.0 +
              v.days * 86400.0;
    } else if (unit == "year") out.f = v.months / 12;
    else if (unit == "month") out.f = v.months % 12;
    else if (unit == "day") out.f = v.days;
    else if (unit == "hour") out.f = static_cast<double>(us / (3600 * kUsecPerSec));
    else if (unit == "minute") out.f = static_cast<double>(us / (60 * kUsecPerSec) % 60);
    else if (unit == "second") out.f = static_cast<double>(us % (60 * kUsecPerSec)) / 1e6;
    else BadUnit(a[0]->s, type);
    return;
  }
  if (type != oid::kDate && (v.i == INT64_MAX || v.i == INT64_MIN)) {
    out.f = unit == "epoch" || unit == "year" ? (v.i > 0 ? INFINITY : -INFINITY) : NAN;
    return;
  }
  if (unit == "epoch") {
    int64_t us = type == oid::kTimestamptz ? v.i : LocalMicros(type, v, ctx);
    out.f = static_cast<double>(us) / 1e6 + static_cast<double>(kPgEpochUnixSecs);
    return;
  }
  Civil c = Split(LocalMicros(type, v, ctx));
  bool date_only = type == oid::kDate;
  if (unit == "year") out.f = static_cast<double>(c.year > 0 ? c.year : c.year - 1);
  else if (unit == "month") out.f = c.month;
  else if (unit == "day") out.f = c.day;
  else if (unit == "dow") out.f = static_cast<double>(((c.days + 6) % 7 + 7) % 7);
  else if (unit == "doy") out.f = static_cast<double>(c.days - YmdToDays(c.year, 1, 1) + 1);
  else if (!date_only && unit == "hour") out.f = c.hour;
  else if (!date_only && unit == "minute") out.f = c.minute;
  else if (!date_only && unit == "second") out.f = static_cast<double>(c.usec) / 1e6;
  else BadUnit(a[0]->s, type);
}

void DateTrunc(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  std::string unit = Lower(a[0]->s);
  const Datum& v = *a[1];
  uint32_t type = static_cast<uint32_t>(st.aux);
  out.i = v.i;
  if (v.i == INT64_MAX || v.i == INT64_MIN) return;
  int64_t local = LocalMicros(type, v, ctx);
  Civil c = Split(local);
  int64_t day_us = c.days * kUsecPerDay;
  int64_t r;
  if (unit == "microseconds") r = local;
  else if (unit == "milliseconds") r = local - (((local % 1000) + 1000) % 1000);
  else if (unit == "second") r = local - (((local % kUsecPerSec) + kUsecPerSec) % kUsecPerSec);
  else if (unit == "minute") r = day_us + (c.hour * 60LL + c.minute) * 60 * kUsecPerSec;
  else if (unit == "hour") r = day_us + c.hour * 3600LL * kUsecPerSec;
  else if (unit == "day") r = day_us;
  else if (unit == "week") r = (c.days - ((c.days + 5) % 7 + 7) % 7) * kUsecPerDay;
  else if (unit == "month") r = YmdToDays(c.year, c.month, 1) * kUsecPerDay;
  else if (unit == "quarter") r = YmdToDays(c.year, (c.month - 1) / 3 * 3 + 1, 1) * kUsecPerDay;
  else if (unit == "year") r = YmdToDays(c.year, 1, 1) * kUsecPerDay;
  else BadUnit(a[0]->s, type);
  if (type == oid::kTimestamptz) {
    // Re-interpret the truncated local time in the session zone.
    int64_t guess = r - static_cast<int64_t>(UtcOffsetAt(ctx.io.timezone, r)) * kUsecPerSec;
    r = r - static_cast<int64_t>(UtcOffsetAt(ctx.io.timezone, guess)) * kUsecPerSec;
  }
  out.i = r;
}

}  // namespace

void AddDatetimeBuiltins(std::vector<FuncDef>& f) {
  constexpr uint32_t kText = oid::kText, kF8 = oid::kFloat8;
  for (uint32_t t : {oid::kTimestamp, oid::kTimestamptz, oid::kDate, oid::kInterval}) {
    f.push_back({"date_part", {kText, t}, kF8, DatePart, true, false, static_cast<int>(t)});
  }
  f.push_back({"date_trunc", {kText, oid::kTimestamp}, oid::kTimestamp, DateTrunc, true, false, static_cast<int>(oid::kTimestamp)});
  f.push_back({"date_trunc", {kText, oid::kTimestamptz}, oid::kTimestamptz, DateTrunc, true, false, static_cast<int>(oid::kTimestamptz)});
}

}  // namespace tusk::sql
