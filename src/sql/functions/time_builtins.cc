// Functions and operators of time without time zone: arithmetic with
// intervals and dates, EXTRACT / date_part of its fields, and localtime.
// Comparisons are the generic ones over CompareDatum (operator_builtins.cc).
#include <cctype>

#include "sql/functions/registry.h"
#include "sql/session_context.h"
#include "sql/types/datetime.h"
#include "sql/types/time.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr uint32_t kTime = oid::kTime, kInterval = oid::kInterval, kDate = oid::kDate;

enum TimeOp { kTimePlusInterval, kIntervalPlusTime, kTimeMinusInterval };

// time ± interval: only the interval's time part counts, wrapped to a day.
void TimeInterval(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const Datum& t = st.aux == kIntervalPlusTime ? *a[1] : *a[0];
  const Datum& span = st.aux == kIntervalPlusTime ? *a[0] : *a[1];
  out.i = TimeOfDay(st.aux == kTimeMinusInterval ? t.i - span.i % kUsecPerDay : t.i + span.i % kUsecPerDay);
}

void TimeMinusTime(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  out.i = a[0]->i - a[1]->i;
  out.days = 0;
  out.months = 0;
}

// date + time (aux 0) or time + date (aux 1): the timestamp at that time.
void DatePlusTime(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const Datum& d = st.aux == 0 ? *a[0] : *a[1];
  const Datum& t = st.aux == 0 ? *a[1] : *a[0];
  if (d.i == INT32_MAX || d.i == INT32_MIN) {
    out.i = d.i == INT32_MAX ? INT64_MAX : INT64_MIN;
    return;
  }
  out.i = d.i * kUsecPerDay + t.i;
}

std::string Lower(const std::string& s) {
  std::string out;
  for (char c : s) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

enum class TimeField { kMicroseconds, kMilliseconds, kSecond, kMinute, kHour, kEpoch, kOther, kUnknown };

// PostgreSQL's unit spellings; kOther for units of other types (day, year,
// timezone, ...), which are "not supported" rather than "not recognized".
TimeField ParseTimeField(const std::string& unit) {
  static const std::pair<const char*, TimeField> kUnits[] = {
      {"microsecond", TimeField::kMicroseconds}, {"microseconds", TimeField::kMicroseconds},
      {"us", TimeField::kMicroseconds},          {"usec", TimeField::kMicroseconds},
      {"usecs", TimeField::kMicroseconds},       {"useconds", TimeField::kMicroseconds},
      {"millisecond", TimeField::kMilliseconds}, {"milliseconds", TimeField::kMilliseconds},
      {"ms", TimeField::kMilliseconds},          {"msec", TimeField::kMilliseconds},
      {"msecs", TimeField::kMilliseconds},       {"mseconds", TimeField::kMilliseconds},
      {"second", TimeField::kSecond},            {"seconds", TimeField::kSecond},
      {"s", TimeField::kSecond},                 {"sec", TimeField::kSecond},
      {"secs", TimeField::kSecond},              {"minute", TimeField::kMinute},
      {"minutes", TimeField::kMinute},           {"m", TimeField::kMinute},
      {"min", TimeField::kMinute},               {"mins", TimeField::kMinute},
      {"hour", TimeField::kHour},                {"hours", TimeField::kHour},
      {"h", TimeField::kHour},                   {"hr", TimeField::kHour},
      {"hrs", TimeField::kHour},                 {"epoch", TimeField::kEpoch},
  };
  static const char* kOtherUnits[] = {
      "day",    "days",     "d",         "week",       "weeks",     "w",        "month",   "months",
      "mon",    "mons",     "quarter",   "qtr",        "year",      "years",    "y",       "yr",
      "yrs",    "decade",   "decades",   "dec",        "decs",      "century",  "centuries", "c",
      "cent",   "millennium", "millennia", "millenniums", "mil",   "mils",     "julian",  "j",
      "dow",    "isodow",   "doy",       "isoyear",    "timezone",  "timezone_h", "timezone_m",
  };
  for (const auto& [name, field] : kUnits)
    if (unit == name) return field;
  for (const char* name : kOtherUnits)
    if (unit == name) return TimeField::kOther;
  return TimeField::kUnknown;
}

// EXTRACT (aux 1: numeric) and date_part (aux 0: float8) of a time.
void TimePart(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const std::string unit = Lower(a[0]->s);
  const TimeField f = ParseTimeField(unit);
  if (f == TimeField::kUnknown) {
    throw PgError(sqlstate::kInvalidParameterValue,
                  "unit \"" + unit + "\" not recognized for type time without time zone");
  }
  if (f == TimeField::kOther) {
    throw PgError(sqlstate::kFeatureNotSupported, "unit \"" + unit + "\" not supported for type time without time zone");
  }
  const int64_t us = a[1]->i;
  const int64_t sec_us = us % (60 * kUsecPerSec);
  int64_t value;  // in units of 10^-scale
  int scale = 0;
  switch (f) {
    case TimeField::kMicroseconds: value = sec_us; break;
    case TimeField::kMilliseconds:
      value = sec_us;
      scale = 3;
      break;
    case TimeField::kSecond:
      value = sec_us;
      scale = 6;
      break;
    case TimeField::kMinute: value = us / (60 * kUsecPerSec) % 60; break;
    case TimeField::kHour: value = us / (3600 * kUsecPerSec); break;
    default:  // epoch
      value = us;
      scale = 6;
      break;
  }
  if (st.aux == 0) {
    double v = static_cast<double>(value);
    for (int k = 0; k < scale; ++k) v /= 10;
    out.f = v;
    return;
  }
  std::string digits = std::to_string(value);
  if (scale > 0) {
    if (static_cast<int>(digits.size()) <= scale) digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
    digits.insert(digits.size() - static_cast<size_t>(scale), ".");
  }
  out.n = Numeric::Parse(digits);
}

// localtime: the transaction's start as a time of day in the session zone.
void LocalTime(const Step&, const Datum* const*, Datum& out, ExecContext& ctx) {
  const int64_t ts = UnixMicrosToPg(ctx.session->TransactionStartMicros());
  out.i = TimeOfDay(ts + UtcOffsetAt(ctx.io.timezone, ts) * kUsecPerSec);
}

}  // namespace

void AddTimeBuiltins(std::vector<OperDef>& ops, std::vector<FuncDef>& f) {
  ops.push_back({"+", kTime, kInterval, kTime, TimeInterval, kTimePlusInterval});
  ops.push_back({"+", kInterval, kTime, kTime, TimeInterval, kIntervalPlusTime});
  ops.push_back({"-", kTime, kInterval, kTime, TimeInterval, kTimeMinusInterval});
  ops.push_back({"-", kTime, kTime, kInterval, TimeMinusTime, 0});
  ops.push_back({"+", kDate, kTime, oid::kTimestamp, DatePlusTime, 0});
  ops.push_back({"+", kTime, kDate, oid::kTimestamp, DatePlusTime, 1});
  f.push_back({"date_part", {oid::kText, kTime}, oid::kFloat8, TimePart, true, false, 0});
  f.push_back({"extract", {oid::kText, kTime}, oid::kNumeric, TimePart, true, false, 1});
  f.push_back({"localtime", {}, kTime, LocalTime});
}

}  // namespace tusk::sql
