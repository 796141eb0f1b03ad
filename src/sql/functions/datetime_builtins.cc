// Builtin date/time functions: date_part (EXTRACT) and date_trunc on
// timestamp, timestamptz, date and interval. timestamptz fields are taken in
// the session time zone.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "sql/functions/civil.h"
#include "sql/functions/registry.h"
#include "sql/session_context.h"
#include "sql/types/datetime.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

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

// ---- EXTRACT (PostgreSQL 14+: numeric results) ----------------------------

enum class Field {
  kMicroseconds, kMilliseconds, kSecond, kMinute, kHour, kDay, kWeek, kMonth, kQuarter, kYear, kDecade,
  kCentury, kMillennium, kEpoch, kJulian, kDow, kIsodow, kDoy, kIsoyear, kTimezone, kTimezoneHour,
  kTimezoneMinute, kUnknown,
};

// Units as PostgreSQL's DecodeUnits/DecodeSpecial know them: lower case,
// compared on their first 10 characters.
Field ParseField(const std::string& text) {
  static const std::pair<const char*, Field> kNames[] = {
      {"microsecon", Field::kMicroseconds}, {"us", Field::kMicroseconds}, {"usec", Field::kMicroseconds},
      {"usecond", Field::kMicroseconds},    {"useconds", Field::kMicroseconds}, {"usecs", Field::kMicroseconds},
      {"millisecon", Field::kMilliseconds}, {"ms", Field::kMilliseconds}, {"msec", Field::kMilliseconds},
      {"msecond", Field::kMilliseconds},    {"mseconds", Field::kMilliseconds}, {"msecs", Field::kMilliseconds},
      {"s", Field::kSecond},    {"sec", Field::kSecond},     {"second", Field::kSecond},  {"seconds", Field::kSecond},
      {"secs", Field::kSecond}, {"m", Field::kMinute},       {"min", Field::kMinute},     {"mins", Field::kMinute},
      {"minute", Field::kMinute}, {"minutes", Field::kMinute}, {"h", Field::kHour},      {"hour", Field::kHour},
      {"hours", Field::kHour},  {"hr", Field::kHour},        {"hrs", Field::kHour},       {"d", Field::kDay},
      {"day", Field::kDay},     {"days", Field::kDay},       {"w", Field::kWeek},         {"week", Field::kWeek},
      {"weeks", Field::kWeek},  {"mon", Field::kMonth},      {"mons", Field::kMonth},     {"month", Field::kMonth},
      {"months", Field::kMonth}, {"qtr", Field::kQuarter},   {"quarter", Field::kQuarter}, {"y", Field::kYear},
      {"year", Field::kYear},   {"years", Field::kYear},     {"yr", Field::kYear},        {"yrs", Field::kYear},
      {"dec", Field::kDecade},  {"decade", Field::kDecade},  {"decades", Field::kDecade}, {"decs", Field::kDecade},
      {"c", Field::kCentury},   {"cent", Field::kCentury},   {"centuries", Field::kCentury},
      {"century", Field::kCentury}, {"mil", Field::kMillennium}, {"millennia", Field::kMillennium},
      {"millennium", Field::kMillennium}, {"mils", Field::kMillennium}, {"epoch", Field::kEpoch},
      {"j", Field::kJulian},    {"julian", Field::kJulian},  {"dow", Field::kDow},        {"isodow", Field::kIsodow},
      {"doy", Field::kDoy},     {"isoyear", Field::kIsoyear}, {"timezone", Field::kTimezone},
      {"timezone_h", Field::kTimezoneHour}, {"timezone_m", Field::kTimezoneMinute}};
  std::string key = Lower(text).substr(0, 10);
  for (const auto& [name, f] : kNames) {
    if (key == name) return f;
  }
  return Field::kUnknown;
}

// v / 10^scale with that many decimals (int64_div_fast_to_numeric).
Numeric Scaled(int64_t v, int scale) {
  bool neg = v < 0;
  uint64_t mag = neg ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  std::string d = std::to_string(mag);
  if (static_cast<int>(d.size()) <= scale) d.insert(0, static_cast<size_t>(scale) - d.size() + 1, '0');
  if (scale > 0) d.insert(d.size() - static_cast<size_t>(scale), ".");
  return Numeric::Parse((neg ? "-" : "") + d);
}

Numeric Int(int64_t v) { return Numeric::FromInt(v); }

// Fields shared by timestamps and dates (astronomical year: 0 is 1 BC).
bool CalendarField(Field f, int64_t days, const Civil& c, Numeric* out) {
  int64_t y = c.year;
  switch (f) {
    case Field::kDay: *out = Int(c.day); return true;
    case Field::kMonth: *out = Int(c.month); return true;
    case Field::kQuarter: *out = Int((c.month - 1) / 3 + 1); return true;
    case Field::kWeek: {
      int64_t iy, w;
      IsoWeek(days, &iy, &w);
      *out = Int(w);
      return true;
    }
    case Field::kYear: *out = Int(y > 0 ? y : y - 1); return true;
    case Field::kDecade: *out = Int(y >= 0 ? y / 10 : -((8 - (y - 1)) / 10)); return true;
    case Field::kCentury: *out = Int(y > 0 ? (y + 99) / 100 : -((99 - (y - 1)) / 100)); return true;
    case Field::kMillennium: *out = Int(y > 0 ? (y + 999) / 1000 : -((999 - (y - 1)) / 1000)); return true;
    case Field::kIsoyear: {
      int64_t iy, w;
      IsoWeek(days, &iy, &w);
      *out = Int(iy <= 0 ? iy - 1 : iy);
      return true;
    }
    case Field::kDow: *out = Int(((days + 6) % 7 + 7) % 7); return true;
    case Field::kIsodow: *out = Int(((days + 5) % 7 + 7) % 7 + 1); return true;
    case Field::kDoy: *out = Int(days - YmdToDays(y, 1, 1) + 1); return true;
    default: return false;
  }
}

// Fields that are +/-Infinity for infinite timestamps and dates; the
// others are NULL.
bool MonotonicField(Field f) {
  return f == Field::kEpoch || f == Field::kYear || f == Field::kDecade || f == Field::kCentury ||
         f == Field::kMillennium || f == Field::kJulian || f == Field::kIsoyear;
}

constexpr int64_t kJulianOf2000 = 2451545;  // date2j(2000, 1, 1)

void Extract(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  const std::string& unit = a[0]->s;
  const Datum& v = *a[1];
  uint32_t type = static_cast<uint32_t>(st.aux);
  Field f = ParseField(unit);
  auto not_supported = [&] {
    return PgError(sqlstate::kFeatureNotSupported,
                   "unit \"" + unit + "\" not supported for type " + TypeSqlName(type));
  };
  if (f == Field::kUnknown) {
    throw PgError(sqlstate::kInvalidParameterValue,
                  "unit \"" + unit + "\" not recognized for type " + TypeSqlName(type));
  }
  if (type == oid::kInterval) {
    int64_t year = v.months / 12, mon = v.months % 12, t = v.i;
    int64_t hour = t / (3600 * kUsecPerSec);
    t -= hour * 3600 * kUsecPerSec;
    int64_t minute = t / (60 * kUsecPerSec);
    int64_t sec_us = t - minute * 60 * kUsecPerSec;
    switch (f) {
      case Field::kMicroseconds: out.n = Int(sec_us); return;
      case Field::kMilliseconds: out.n = Scaled(sec_us, 3); return;
      case Field::kSecond: out.n = Scaled(sec_us, 6); return;
      case Field::kMinute: out.n = Int(minute); return;
      case Field::kHour: out.n = Int(hour); return;
      case Field::kDay: out.n = Int(v.days); return;
      case Field::kMonth: out.n = Int(mon); return;
      case Field::kQuarter: out.n = Int(mon / 3 + 1); return;
      case Field::kYear: out.n = Int(year); return;
      case Field::kDecade: out.n = Int(year / 10); return;
      case Field::kCentury: out.n = Int(year / 100); return;
      case Field::kMillennium: out.n = Int(year / 1000); return;
      case Field::kEpoch: {
        // 365.25 days a year, 30 a month, computed exactly.
        __int128 secs = (static_cast<__int128>(1461) * (v.months / 12) + static_cast<__int128>(120) * (v.months % 12) +
                         static_cast<__int128>(4) * v.days) * (86400 / 4);
        __int128 us = secs * kUsecPerSec + v.i;
        if (us > INT64_MAX || us < INT64_MIN) {
          out.n = Int(static_cast<int64_t>(secs)).Add(Scaled(v.i, 6));
        } else {
          out.n = Scaled(static_cast<int64_t>(us), 6);
        }
        return;
      }
      default: throw not_supported();
    }
  }
  if (type == oid::kDate) {
    if (v.i == INT32_MAX || v.i == INT32_MIN) {
      if (!MonotonicField(f)) {
        if (!CalendarField(f, 0, Civil{}, &out.n)) throw not_supported();
        out.null = true;
        return;
      }
      out.n = Numeric::Infinity(v.i == INT32_MIN);
      return;
    }
    Civil c = Split(v.i * kUsecPerDay);
    if (CalendarField(f, v.i, c, &out.n)) return;
    if (f == Field::kJulian) {
      out.n = Int(v.i + kJulianOf2000);
      return;
    }
    if (f == Field::kEpoch) {
      out.n = Int(v.i * 86400 + kPgEpochUnixSecs);
      return;
    }
    throw not_supported();
  }
  // timestamp / timestamptz
  bool tz = type == oid::kTimestamptz;
  if ((f == Field::kTimezone || f == Field::kTimezoneHour || f == Field::kTimezoneMinute) && !tz) {
    throw not_supported();
  }
  if (v.i == INT64_MAX || v.i == INT64_MIN) {
    if (MonotonicField(f)) {
      out.n = Numeric::Infinity(v.i == INT64_MIN);
    } else {
      out.null = true;
    }
    return;
  }
  int64_t local = LocalMicros(type, v, ctx);
  Civil c = Split(local);
  if (CalendarField(f, c.days, c, &out.n)) return;
  switch (f) {
    case Field::kMicroseconds: out.n = Int(c.usec); return;
    case Field::kMilliseconds: out.n = Scaled(c.usec, 3); return;
    case Field::kSecond: out.n = Scaled(c.usec, 6); return;
    case Field::kMinute: out.n = Int(c.minute); return;
    case Field::kHour: out.n = Int(c.hour); return;
    case Field::kEpoch: {
      int64_t us = tz ? v.i : local;
      out.n = Scaled(us + kPgEpochUnixSecs * kUsecPerSec, 6);
      return;
    }
    case Field::kJulian: {
      int64_t day_us = local - c.days * kUsecPerDay;
      out.n = Int(c.days + kJulianOf2000).Add(Int(day_us).Div(Int(kUsecPerDay)));
      return;
    }
    case Field::kTimezone:
    case Field::kTimezoneHour:
    case Field::kTimezoneMinute: {
      int off = UtcOffsetAt(ctx.io.timezone, v.i);
      out.n = Int(f == Field::kTimezone ? off : f == Field::kTimezoneHour ? off / 3600 : (off / 60) % 60);
      return;
    }
    default: throw not_supported();
  }
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

// age(a, b): a - b as years, months, days and time, field by field with
// borrows (PostgreSQL's timestamp_age), so age of 2026-03-31 and
// 2026-02-28 is 1 mon 3 days. Timestamptz fields are local (session zone).
// aux: the argument type; with one argument the first is today's midnight.
void Age(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  const uint32_t type = static_cast<uint32_t>(st.aux);
  int64_t t1, t2;
  if (st.args.size() == 1) {
    const int64_t now = UnixMicrosToPg(ctx.session->TransactionStartMicros());
    const int64_t local_now = LocalMicros(oid::kTimestamptz, Datum::Int(now), ctx);
    t1 = FloorDiv(local_now, kUsecPerDay) * kUsecPerDay;
    t2 = LocalMicros(type, *a[0], ctx);
  } else {
    t1 = LocalMicros(type, *a[0], ctx);
    t2 = LocalMicros(type, *a[1], ctx);
  }
  if (t1 == INT64_MAX || t1 == INT64_MIN || t2 == INT64_MAX || t2 == INT64_MIN)
    throw PgError(sqlstate::kDatetimeFieldOverflow, "timestamp out of range");
  const Civil c1 = Split(t1), c2 = Split(t2);
  const bool flip = t1 < t2;
  const int sign = flip ? -1 : 1;
  int64_t usec = sign * ((c1.usec % kUsecPerSec) - (c2.usec % kUsecPerSec));
  int64_t sec = sign * ((c1.usec / kUsecPerSec) - (c2.usec / kUsecPerSec));
  int64_t min = sign * (c1.minute - c2.minute);
  int64_t hour = sign * (c1.hour - c2.hour);
  int64_t mday = sign * (c1.day - c2.day);
  int64_t mon = sign * (c1.month - c2.month);
  int64_t year = sign * (c1.year - c2.year);
  static constexpr int kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  auto month_days = [](int64_t y, int m) {
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return kMonthDays[m - 1] + (m == 2 && leap ? 1 : 0);
  };
  while (usec < 0) usec += kUsecPerSec, --sec;
  while (sec < 0) sec += 60, --min;
  while (min < 0) min += 60, --hour;
  while (hour < 0) hour += 24, --mday;
  while (mday < 0) {
    // PostgreSQL borrows the days of the earlier argument's month.
    mday += flip ? month_days(c1.year, c1.month) : month_days(c2.year, c2.month);
    --mon;
  }
  while (mon < 0) mon += 12, --year;
  out.null = false;
  out.months = static_cast<int32_t>(sign * (year * 12 + mon));
  out.days = static_cast<int32_t>(sign * mday);
  out.i = sign * (((hour * 60 + min) * 60 + sec) * kUsecPerSec + usec);
}

void AddDatetimeBuiltins(std::vector<FuncDef>& f) {
  constexpr uint32_t kText = oid::kText, kF8 = oid::kFloat8;
  for (uint32_t t : {oid::kTimestamp, oid::kTimestamptz, oid::kDate, oid::kInterval}) {
    f.push_back({"date_part", {kText, t}, kF8, DatePart, true, false, static_cast<int>(t)});
    f.push_back({"extract", {kText, t}, oid::kNumeric, Extract, true, false, static_cast<int>(t)});
  }
  f.push_back({"date_trunc", {kText, oid::kTimestamp}, oid::kTimestamp, DateTrunc, true, false, static_cast<int>(oid::kTimestamp)});
  f.push_back({"date_trunc", {kText, oid::kTimestamptz}, oid::kTimestamptz, DateTrunc, true, false, static_cast<int>(oid::kTimestamptz)});
  for (uint32_t t : {oid::kTimestamp, oid::kTimestamptz}) {
    f.push_back({"age", {t, t}, oid::kInterval, Age, true, false, static_cast<int>(t)});
    f.push_back({"age", {t}, oid::kInterval, Age, true, false, static_cast<int>(t)});
  }
}

}  // namespace tusk::sql
