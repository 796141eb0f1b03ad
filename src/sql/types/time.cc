// Text form of the time type (see time.h). A leading date is read by the
// timestamp parser and dropped, as time_in does with a full date/time.
#include "sql/types/time.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "sql/types/datetime.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

[[noreturn]] void BadTime(std::string_view text) {
  throw PgError(sqlstate::kInvalidDatetimeFormat, "invalid input syntax for type time: \"" + std::string(text) + "\"");
}

[[noreturn]] void TimeOutOfRange(std::string_view text) {
  throw PgError(sqlstate::kDatetimeFieldOverflow, "date/time field value out of range: \"" + std::string(text) + "\"");
}

bool Digit(char c) { return c >= '0' && c <= '9'; }

std::string Lower(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

// A zone after the time: an offset (+05, -08:00, +0530) or a zone name the
// server knows. Its value is not used for time without time zone.
bool ValidZone(std::string_view z) {
  if (z.empty()) return true;
  if (z[0] == '+' || z[0] == '-') {
    size_t digits = 0;
    for (size_t i = 1; i < z.size(); ++i) {
      if (Digit(z[i])) ++digits;
      else if (z[i] != ':') return false;
    }
    return digits >= 1 && digits <= 6;
  }
  try {
    UtcOffsetAt(std::string(z), 0);
    return true;
  } catch (const PgError&) {
    return false;
  }
}

// A fraction's digits after the '.', rounded to microseconds.
int64_t Fraction(std::string_view s, size_t* i) {
  int64_t frac = 0;
  int n = 0;
  while (*i < s.size() && Digit(s[*i])) {
    if (n < 7) frac = frac * 10 + (s[*i] - '0');
    ++n, ++*i;
  }
  for (; n < 7; ++n) frac *= 10;
  return (frac + 5) / 10;
}

}  // namespace

int64_t TimeOfDay(int64_t us) {
  int64_t r = us % kUsecPerDay;
  return r < 0 ? r + kUsecPerDay : r;
}

int64_t ParseTime(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) BadTime(text);
  if (Lower(s) == "allballs") return 0;
  // A date first ("2024-01-02 04:05:06"): the timestamp parser reads it.
  const size_t colon = s.find(':');
  const size_t date_sep = s.find_first_of("-/");
  if (date_sep != std::string_view::npos && date_sep > 0 && (colon == std::string_view::npos || date_sep < colon) &&
      Digit(s[0])) {
    int64_t ts;
    try {
      ts = ParseTimestamp(s);
    } catch (const PgError& e) {
      if (e.data().sqlstate == std::string(sqlstate::kDatetimeFieldOverflow)) TimeOutOfRange(text);
      BadTime(text);
    }
    if (ts == INT64_MAX || ts == INT64_MIN) BadTime(text);
    return TimeOfDay(ts);
  }
  size_t i = 0;
  if (s[0] == 'T' || s[0] == 't') ++i;
  auto number = [&](int max_digits, int64_t* v) {
    int n = 0;
    *v = 0;
    while (i < s.size() && Digit(s[i]) && n < max_digits) *v = *v * 10 + (s[i++] - '0'), ++n;
    return n;
  };
  int64_t h = 0, m = 0, sec = 0, frac = 0;
  const size_t start = i;
  while (i < s.size() && Digit(s[i])) ++i;
  const size_t run = i - start;
  i = start;
  if (i < s.size() && run <= 2 && run > 0 && start + run < s.size() && s[start + run] == ':') {
    number(2, &h);
    ++i;
    if (number(2, &m) == 0) BadTime(text);
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (number(2, &sec) == 0) BadTime(text);
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      frac = Fraction(s, &i);
    }
  } else if (run == 4 || run == 6) {
    // hhmm or hhmmss, as PostgreSQL's undelimited times.
    number(2, &h);
    number(2, &m);
    if (run == 6) number(2, &sec);
    if (i < s.size() && s[i] == '.') {
      ++i;
      frac = Fraction(s, &i);
    }
  } else {
    BadTime(text);
  }
  if (i < s.size() && Digit(s[i])) BadTime(text);
  while (i < s.size() && s[i] == ' ') ++i;
  // am / pm, with or without a blank before it.
  std::string rest = Lower(s.substr(i));
  bool am = rest.rfind("am", 0) == 0;
  bool pm = rest.rfind("pm", 0) == 0;
  if (am || pm) {
    const size_t len = 2;
    if (rest.size() > len && std::isalpha(static_cast<unsigned char>(rest[len]))) {
      am = pm = false;  // a zone name that starts with am/pm
    } else {
      i += len;
      if (h > 12) TimeOutOfRange(text);
      if (pm && h < 12) h += 12;
      if (am && h == 12) h = 0;
    }
  }
  while (i < s.size() && s[i] == ' ') ++i;
  if (!ValidZone(s.substr(i))) BadTime(text);
  if (h > 24 || m > 59 || sec > 60) TimeOutOfRange(text);
  const int64_t us = ((h * 60 + m) * 60 + sec) * kUsecPerSec + frac;
  if (us > kUsecPerDay) TimeOutOfRange(text);
  return us;
}

std::string FormatTime(int64_t us) {
  const int64_t secs = us / kUsecPerSec, frac = us % kUsecPerSec;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  std::string out = buf;
  if (frac) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out;
}

int64_t RoundTime(int64_t us, int32_t precision) {
  if (precision < 0 || precision >= 6 || us == INT64_MAX || us == INT64_MIN) return us;
  int64_t scale = 1;
  for (int k = precision; k < 6; ++k) scale *= 10;
  if (us < 0) return -((-us + scale / 2) / scale * scale);
  return (us + scale / 2) / scale * scale;
}

namespace {

// TIME(p), TIMESTAMP(p), TIMESTAMP(p) WITH TIME ZONE: as PostgreSQL's messages name them.
std::string WrittenTimeType(uint32_t type, int32_t p) {
  return std::string(type == oid::kTime ? "TIME" : "TIMESTAMP") + "(" + std::to_string(p) + ")" +
         (type == oid::kTimestamptz ? " WITH TIME ZONE" : "");
}

}  // namespace

int32_t TimePrecisionTypmod(uint32_t type, int32_t p) {
  if (p < 0)
    throw PgError(sqlstate::kInvalidParameterValue, WrittenTimeType(type, p) + " precision must not be negative");
  return std::min(p, 6);
}

std::string TimePrecisionReducedMessage(uint32_t type, int32_t p) {
  return WrittenTimeType(type, p) + " precision reduced to maximum allowed, 6";
}

}  // namespace tusk::sql
