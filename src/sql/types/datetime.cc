// Calendar arithmetic (proleptic Gregorian via days-from-civil), ISO
// formatting, and time zone offsets. Named zones are resolved with the C
// library's tz database by switching TZ; backends are single-threaded
// processes, so the process-global TZ is safe to use here.
#include "sql/types/datetime.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "utils/error.h"

namespace tusk::sql {
namespace {

// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm idea).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

constexpr int64_t kPgEpochDays = 10957;  // 2000-01-01 in days since 1970

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string YearText(int64_t y) {
  char buf[32];
  if (y > 0) {
    std::snprintf(buf, sizeof buf, "%04lld", static_cast<long long>(y));
  } else {
    std::snprintf(buf, sizeof buf, "%04lld", static_cast<long long>(1 - y));
  }
  return buf;
}

std::string FormatDateTime(int64_t pg_us, bool with_time) {
  int64_t days = FloorDiv(pg_us, kUsecPerDay);
  int64_t rem = pg_us - days * kUsecPerDay;
  int64_t y;
  int m, d;
  CivilFromDays(days + kPgEpochDays, &y, &m, &d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%02d-%02d", YearText(y).c_str(), m, d);
  std::string out = buf;
  if (with_time) {
    int64_t secs = rem / kUsecPerSec, frac = rem % kUsecPerSec;
    std::snprintf(buf, sizeof buf, " %02d:%02d:%02d", static_cast<int>(secs / 3600),
                  static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
    out += buf;
    if (frac) {
      std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
      std::string f = buf;
      while (f.back() == '0') f.pop_back();
      out += f;
    }
  }
  if (y <= 0) out += " BC";
  return out;
}

[[noreturn]] void BadDatetime(const char* type, std::string_view text) {
  throw PgError(sqlstate::kInvalidDatetimeFormat,
                std::string("invalid input syntax for type ") + type + ": \"" + std::string(text) + "\"");
}

// Parses "[+-]HH[:MM[:SS]]" offsets; returns false if not an offset.
bool ParseOffset(std::string_view s, int* secs) {
  if (s.empty() || (s[0] != '+' && s[0] != '-')) return false;
  int sign = s[0] == '-' ? -1 : 1;
  int parts[3] = {0, 0, 0}, n = 0;
  size_t i = 1;
  while (i < s.size() && n < 3) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    int v = 0, digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && digits < 2) v = v * 10 + (s[i++] - '0'), ++digits;
    parts[n++] = v;
    if (i < s.size() && s[i] == ':') ++i;
  }
  if (i != s.size() || n == 0) return false;
  *secs = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  return true;
}

}  // namespace

int64_t UnixMicrosToPg(int64_t unix_us) { return unix_us - kPgEpochUnixSecs * kUsecPerSec; }

int UtcOffsetAt(const std::string& zone, int64_t pg_us) {
  std::string z;
  for (char c : zone) z.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (z == "utc" || z == "gmt" || z == "etc/utc" || z == "z" || z == "zulu" || z == "etc/gmt" || z == "uct") return 0;
  int off;
  if (ParseOffset(zone, &off)) return off;  // ISO-8601 sign convention
  // POSIX "UTC+3" style: sign reversed, as in PostgreSQL's POSIX zones.
  if ((z.rfind("utc", 0) == 0 || z.rfind("gmt", 0) == 0) && ParseOffset(zone.substr(3), &off)) return -off;
  // SET TIME ZONE 5 / -7.5: hours east of Greenwich.
  if (!zone.empty() && std::isdigit(static_cast<unsigned char>(zone[0]))) {
    char* end;
    double h = std::strtod(zone.c_str(), &end);
    if (*end == '\0') return static_cast<int>(h * 3600);
  }
  static std::string current;
  if (current != zone) {
    std::string path = "/usr/share/zoneinfo/" + zone;
    std::FILE* f = zone.find("..") == std::string::npos ? std::fopen(path.c_str(), "rb") : nullptr;
    if (!f) {
      throw PgError(sqlstate::kInvalidParameterValue, "time zone \"" + zone + "\" not recognized");
    }
    std::fclose(f);
    setenv("TZ", zone.c_str(), 1);
    tzset();
    current = zone;
  }
  time_t t = static_cast<time_t>(FloorDiv(pg_us, kUsecPerSec) + kPgEpochUnixSecs);
  struct tm tm;
  localtime_r(&t, &tm);
  return static_cast<int>(tm.tm_gmtoff);
}

std::string FormatDate(int64_t days) {
  if (days == INT32_MAX) return "infinity";
  if (days == INT32_MIN) return "-infinity";
  return FormatDateTime(days * kUsecPerDay, false);
}

std::string FormatTimestamp(int64_t us) {
  if (us == INT64_MAX) return "infinity";
  if (us == INT64_MIN) return "-infinity";
  return FormatDateTime(us, true);
}

std::string FormatTimestamptz(int64_t us, const std::string& zone) {
  if (us == INT64_MAX) return "infinity";
  if (us == INT64_MIN) return "-infinity";
  int off = UtcOffsetAt(zone, us);
  std::string out = FormatDateTime(us + off * kUsecPerSec, true);
  bool bc = out.size() > 3 && out.compare(out.size() - 3, 3, " BC") == 0;
  if (bc) out.resize(out.size() - 3);
  int a = off < 0 ? -off : off;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%02d", off < 0 ? '-' : '+', a / 3600);
  out += buf;
  if (a % 3600) {
    std::snprintf(buf, sizeof buf, ":%02d", a / 60 % 60);
    out += buf;
    if (a % 60) {
      std::snprintf(buf, sizeof buf, ":%02d", a % 60);
      out += buf;
    }
  }
  if (bc) out += " BC";
  return out;
}

std::string FormatInterval(int32_t months, int32_t days, int64_t us) {
  std::string out;
  auto part = [&](int64_t v, const char* unit) {
    if (!v) return;
    if (!out.empty()) out += " ";
    out += std::to_string(v) + " " + unit + (v == 1 ? "" : "s");  // PostgreSQL: "-1 days"
  };
  part(months / 12, "year");
  int32_t mons = months % 12;
  if (mons) {
    if (!out.empty()) out += " ";
    out += std::to_string(mons) + (mons == 1 ? " mon" : " mons");
  }
  part(days, "day");
  if (us != 0 || out.empty()) {
    bool neg = us < 0;
    uint64_t a = neg ? -static_cast<uint64_t>(us) : us;
    uint64_t secs = a / kUsecPerSec, frac = a % kUsecPerSec;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%02llu:%02llu:%02llu", neg ? "-" : (out.empty() ? "" : "+"),
                  static_cast<unsigned long long>(secs / 3600), static_cast<unsigned long long>(secs / 60 % 60),
                  static_cast<unsigned long long>(secs % 60));
    std::string t = buf;
    if (!out.empty() && !neg) t.erase(0, 1);  // PostgreSQL shows no '+' for positive times
    if (frac) {
      std::snprintf(buf, sizeof buf, ".%06llu", static_cast<unsigned long long>(frac));
      std::string f = buf;
      while (f.back() == '0') f.pop_back();
      t += f;
    }
    if (!out.empty()) out += " ";
    out += t;
  }
  return out;
}

namespace {

[[noreturn]] void FieldOutOfRange(std::string_view text) {
  throw PgError(sqlstate::kDatetimeFieldOverflow, "date/time field value out of range: \"" + std::string(text) + "\"");
}

// Parses "YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][zone][ BC| AD]" into local µs
// and the zone suffix (empty if none). False on bad syntax; a field out of
// range (month 13, February 30, year 0, hour 25) throws 22008 as PostgreSQL.
// A month's name, full or abbreviated as PostgreSQL reads them ("jan",
// "sept", "january"); 0 if none.
int MonthFromName(std::string_view w) {
  static constexpr std::string_view kNames[] = {"january", "february", "march",     "april",   "may",      "june",
                                                "july",    "august",   "september", "october", "november", "december"};
  if (w.size() < 3 || w.size() > 9) return 0;
  char lw[9];
  for (size_t k = 0; k < w.size(); ++k) lw[k] = static_cast<char>(std::tolower(static_cast<unsigned char>(w[k])));
  const std::string_view word(lw, w.size());
  for (int m = 0; m < 12; ++m) {
    if (word == kNames[m] || word == kNames[m].substr(0, 3) || (m == 8 && word == "sept")) return m + 1;
  }
  return 0;
}

// The date spellings other than ISO's, in the field order of DateStyle's
// default (MDY): "01/02/2020", "1-2-2020", "2020/01/02" and "2020.01.02" (a
// first field of three or more digits is the year), "20200102"
// and "200102", and a month name with the day and the year around it in
// either order ("January 8, 1999", "8 Jan 1999", "1999-Jan-08"). Stops at a
// time ("10:00"). *year_digits tells a two-digit year apart.
bool ParseDateFields(std::string_view s, size_t* pos, int64_t* y, int64_t* mo, int64_t* d, int* year_digits) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  auto separator = [](char c) { return c == ' ' || c == ',' || c == '-' || c == '/' || c == '.'; };
  struct Field {
    int64_t v = 0;
    int digits = 0;
    int month = 0;  // a month's name
  };
  Field f[3];
  int n = 0;
  size_t i = *pos;
  while (n < 3) {
    size_t k = i;
    if (n > 0) {
      while (k < s.size() && separator(s[k])) ++k;
      if (k == i) break;
    }
    Field field;
    if (k < s.size() && digit(s[k])) {
      while (k < s.size() && digit(s[k]) && field.digits < 9) field.v = field.v * 10 + (s[k++] - '0'), ++field.digits;
      if (k < s.size() && (digit(s[k]) || s[k] == ':')) break;  // a time, or too long
    } else if (k < s.size() && alpha(s[k])) {
      const size_t b = k;
      while (k < s.size() && alpha(s[k])) ++k;
      field.month = MonthFromName(s.substr(b, k - b));
      if (!field.month) break;
    } else {
      break;
    }
    f[n++] = field;
    i = k;
  }
  if (n == 1 && !f[0].month && (f[0].digits == 8 || f[0].digits == 6)) {
    const int64_t v = f[0].v;
    *y = f[0].digits == 8 ? v / 10000 : v / 10000 % 100;
    *year_digits = f[0].digits == 8 ? 4 : 2;
    *mo = v / 100 % 100;
    *d = v % 100;
    *pos = i;
    return true;
  }
  if (n != 3) return false;
  const int names = (f[0].month != 0) + (f[1].month != 0) + (f[2].month != 0);
  auto is_year = [](const Field& x) { return x.digits > 2 || x.v > 31; };
  const Field* year;
  const Field* day;
  if (names == 1) {
    const int k = f[0].month ? 0 : f[1].month ? 1 : 2;
    const Field& a = f[k == 0 ? 1 : 0];
    const Field& b = f[k == 2 ? 1 : 2];
    *mo = f[k].month;
    const bool a_is_year = is_year(a) || (!is_year(b) && k == 2);
    year = a_is_year ? &a : &b;
    day = a_is_year ? &b : &a;
  } else if (names == 0) {
    if (f[0].digits > 2) {  // "99-01-02" is month 99 in MDY order, as PostgreSQL reads it
      year = &f[0], *mo = f[1].v, day = &f[2];
    } else {
      *mo = f[0].v, day = &f[1], year = &f[2];
    }
  } else {
    return false;
  }
  *y = year->v;
  *year_digits = year->digits;
  *d = day->v;
  *pos = i;
  return true;
}

bool ParseIsoDateTime(std::string_view s, int64_t* us, std::string* zone, bool* has_time) {
  size_t i = 0;
  // Plain character tests, no libc calls: COPY parses every timestamp here.
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto blank = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };  // C-locale isspace
  auto num = [&](int maxd, int64_t* v) {
    int n = 0;
    *v = 0;
    while (i < s.size() && digit(s[i]) && n < maxd) *v = *v * 10 + (s[i++] - '0'), ++n;
    return n > 0;
  };
  while (i < s.size() && blank(s[i])) ++i;
  int64_t y, mo, d;
  const size_t start = i;
  // ISO's year-month-day first: what COPY and the drivers send.
  if (!num(7, &y) || i - start < 3 || i >= s.size() || s[i++] != '-' || !num(2, &mo) || i >= s.size() ||
      s[i++] != '-' || !num(2, &d) || (i < s.size() && digit(s[i]))) {
    i = start;
    int year_digits;
    if (!ParseDateFields(s, &i, &y, &mo, &d, &year_digits)) return false;
    if (year_digits <= 2) y += y < 70 ? 2000 : 1900;  // PostgreSQL's two-digit years: 1970-2069
  }
  int64_t t = 0;
  *has_time = false;
  if (i < s.size() && (s[i] == ' ' || s[i] == 'T' || s[i] == 't')) {
    size_t save = i++;
    while (i < s.size() && s[i] == ' ') ++i;
    int64_t h, mi, sec = 0;
    if (num(2, &h) && i < s.size() && s[i] == ':') {
      ++i;
      if (!num(2, &mi)) return false;
      if (i < s.size() && s[i] == ':') {
        ++i;
        if (!num(2, &sec)) return false;
      }
      int64_t frac = 0;
      if (i < s.size() && s[i] == '.') {
        ++i;
        int n = 0;
        while (i < s.size() && digit(s[i])) {
          if (n < 7) frac = frac * 10 + (s[i] - '0');
          ++n, ++i;
        }
        for (; n < 7; ++n) frac *= 10;
        frac = (frac + 5) / 10;  // round to microseconds
      }
      if (h > 24 || mi > 59 || sec > 60) FieldOutOfRange(s);
      t = ((h * 60 + mi) * 60 + sec) * kUsecPerSec + frac;
      *has_time = true;
    } else {
      i = save;
    }
  }
  while (i < s.size() && s[i] == ' ') ++i;
  size_t end = s.size();
  while (end > i && blank(s[end - 1])) --end;
  // A trailing era word: BC counts years backwards (1 BC is year 0 of the
  // proleptic calendar the day numbers use); AD changes nothing.
  auto era = [&](char a, char b) {
    return end - i >= 2 && std::tolower(static_cast<unsigned char>(s[end - 2])) == a &&
           std::tolower(static_cast<unsigned char>(s[end - 1])) == b && (end - i == 2 || s[end - 3] == ' ');
  };
  const bool bc = era('b', 'c');
  if (bc || era('a', 'd')) {
    end -= 2;
    while (end > i && s[end - 1] == ' ') --end;
  }
  // The date is checked in the calendar year the era gives (leap years of BC dates differ).
  if (y == 0 || mo < 1 || mo > 12 || d < 1 || d > 31) FieldOutOfRange(s);
  const int64_t year = bc ? 1 - y : y;
  static constexpr int kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  if (d > kMonthDays[mo - 1] + (mo == 2 && leap)) FieldOutOfRange(s);
  const int64_t days = DaysFromCivil(year, static_cast<int>(mo), static_cast<int>(d));
  zone->assign(s.substr(i, end - i));
  *us = (days - kPgEpochDays) * kUsecPerDay + t;
  return true;
}

bool Special(std::string_view text, int64_t* us) {
  // Every special word starts (after blanks) with a letter or "-i": an
  // ordinary date or time, starting with a digit, is refused at once.
  size_t first = 0;
  while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
  if (first == text.size() || std::isdigit(static_cast<unsigned char>(text[first]))) return false;
  std::string t;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (t == "infinity") *us = INT64_MAX;
  else if (t == "-infinity") *us = INT64_MIN;
  else if (t == "epoch") *us = -kPgEpochUnixSecs * kUsecPerSec;
  else return false;
  return true;
}

}  // namespace

int64_t ParseDate(std::string_view text) {
  int64_t us;
  if (Special(text, &us)) return us == INT64_MAX ? INT32_MAX : us == INT64_MIN ? INT32_MIN : -kPgEpochDays;
  std::string zone;
  bool has_time;
  if (!ParseIsoDateTime(text, &us, &zone, &has_time)) BadDatetime("date", text);
  return FloorDiv(us, kUsecPerDay);
}

int64_t ParseTimestamp(std::string_view text) {
  int64_t us;
  if (Special(text, &us)) return us;
  std::string zone;
  bool has_time;
  if (!ParseIsoDateTime(text, &us, &zone, &has_time)) BadDatetime("timestamp", text);
  // A time zone is ignored for timestamp without time zone, but it must be one.
  if (!zone.empty()) {
    try {
      UtcOffsetAt(zone, us);
    } catch (const PgError&) {
      BadDatetime("timestamp", text);
    }
  }
  return us;
}

int64_t ParseTimestamptz(std::string_view text, const std::string& session_zone) {
  int64_t us;
  if (Special(text, &us)) return us;
  std::string zone;
  bool has_time;
  if (!ParseIsoDateTime(text, &us, &zone, &has_time)) BadDatetime("timestamp with time zone", text);
  int off;
  if (!zone.empty()) {
    if (ParseOffset(zone, &off)) return us - off * kUsecPerSec;
    off = UtcOffsetAt(zone, us);
    return us - off * kUsecPerSec;
  }
  // Local time in the session zone: guess with the offset at that instant,
  // then correct once for a DST boundary in between.
  off = UtcOffsetAt(session_zone, us);
  int off2 = UtcOffsetAt(session_zone, us - off * kUsecPerSec);
  return us - off2 * kUsecPerSec;
}

void ParseInterval(std::string_view text, int32_t* months, int32_t* days, int64_t* us) {
  *months = 0;
  *days = 0;
  *us = 0;
  std::string s(text);
  size_t i = 0;
  bool any = false;
  auto bad = [&] {
    throw PgError(sqlstate::kInvalidDatetimeFormat,
                  "invalid input syntax for type interval: \"" + std::string(text) + "\"");
  };
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size()) break;
    if (s[i] == '@') { ++i; continue; }
    size_t start = i;
    if (s[i] == '+' || s[i] == '-') ++i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i < s.size() && s[i] == ':') {  // hh:mm[:ss]
      while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == ':' || s[i] == '.')) ++i;
      std::string t = s.substr(start, i - start);
      bool neg = t[0] == '-';
      if (t[0] == '-' || t[0] == '+') t.erase(0, 1);
      double parts[3] = {0, 0, 0};
      int n = 0;
      size_t p = 0;
      while (p <= t.size() && n < 3) {
        size_t c = t.find(':', p);
        parts[n++] = std::atof(t.substr(p, c == std::string::npos ? std::string::npos : c - p).c_str());
        if (c == std::string::npos) break;
        p = c + 1;
      }
      int64_t v = static_cast<int64_t>((parts[0] * 3600 + parts[1] * 60 + parts[2]) * kUsecPerSec + 0.5);
      *us += neg ? -v : v;
      any = true;
      continue;
    }
    if (i == start) bad();
    double v = std::atof(s.substr(start, i - start).c_str());
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t us_start = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    std::string unit;
    for (size_t k = us_start; k < i; ++k) unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(s[k]))));
    if (unit.empty() || unit == "s" || unit.rfind("sec", 0) == 0 || unit == "second" || unit == "seconds") {
      *us += static_cast<int64_t>(v * kUsecPerSec);
    } else if (unit.rfind("min", 0) == 0 || unit == "m") {
      *us += static_cast<int64_t>(v * 60 * kUsecPerSec);
    } else if (unit.rfind("hour", 0) == 0 || unit == "h" || unit == "hr" || unit == "hrs") {
      *us += static_cast<int64_t>(v * 3600 * kUsecPerSec);
    } else if (unit.rfind("day", 0) == 0 || unit == "d") {
      *days += static_cast<int32_t>(v);
    } else if (unit.rfind("week", 0) == 0 || unit == "w") {
      *days += static_cast<int32_t>(v * 7);
    } else if (unit.rfind("mon", 0) == 0) {
      *months += static_cast<int32_t>(v);
    } else if (unit.rfind("year", 0) == 0 || unit == "y" || unit == "yr" || unit == "yrs") {
      *months += static_cast<int32_t>(v * 12);
    } else if (unit.rfind("ms", 0) == 0 || unit.rfind("millisecond", 0) == 0) {
      *us += static_cast<int64_t>(v * 1000);
    } else if (unit.rfind("us", 0) == 0 || unit.rfind("microsecond", 0) == 0) {
      *us += static_cast<int64_t>(v);
    } else {
      bad();
    }
    any = true;
  }
  if (!any) bad();
}

}  // namespace tusk::sql
