// to_char: PostgreSQL's formatting.c templates, in English ("TM" is
// accepted and changes nothing, as under lc_time = C).
//   Dates (timestamp, timestamptz, date): the keywords of DCH_keywords, matched
//   case-sensitively (YYYY or yyyy; Month/MONTH/month choose the case), FM
//   (no padding) and FX/TM prefixes, TH/th ordinal suffixes, "quoted" text
//   and backslash escapes.
//   Numbers: 9, 0, . and D, , and G, S, MI, PL, SG, PR, FM and L; a number
//   wider than the template prints as #.
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "sql/functions/civil.h"
#include "sql/functions/registry.h"
#include "sql/types/datetime.h"
#include "sql/types/numeric.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};
constexpr const char* kDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr const char* kRoman[] = {"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"};

enum class Key {
  kYComma, kYYYY, kYYY, kYY, kY, kIYYY, kIYY, kIY, kI, kHH24, kHH12, kHH, kMI, kSSSSS, kSSSS, kSS, kMS, kUS,
  kFF1, kFF2, kFF3, kFF4, kFF5, kFF6, kAMdots, kPMdots, kAM, kPM, kADdots, kBCdots, kAD, kBC, kMonth, kMon,
  kMM, kDay, kDy, kDDD, kDD, kD, kIDDD, kID, kIW, kWW, kW, kCC, kQ, kJ, kRM, kTZH, kTZM, kTZ, kOF,
};

struct Keyword {
  const char* text;
  Key key;
};

// Longer spellings first, as the first match wins. Upper, capitalized and
// lower forms are separate entries, as in PostgreSQL.
constexpr Keyword kKeywords[] = {
    {"Y,YYY", Key::kYComma}, {"y,yyy", Key::kYComma}, {"YYYY", Key::kYYYY}, {"yyyy", Key::kYYYY},
    {"YYY", Key::kYYY},      {"yyy", Key::kYYY},      {"YY", Key::kYY},     {"yy", Key::kYY},
    {"Y", Key::kY},          {"y", Key::kY},          {"IYYY", Key::kIYYY}, {"iyyy", Key::kIYYY},
    {"IYY", Key::kIYY},      {"iyy", Key::kIYY},      {"IDDD", Key::kIDDD}, {"iddd", Key::kIDDD},
    {"IY", Key::kIY},        {"iy", Key::kIY},        {"ID", Key::kID},     {"id", Key::kID},
    {"IW", Key::kIW},        {"iw", Key::kIW},        {"I", Key::kI},       {"i", Key::kI},
    {"HH24", Key::kHH24},    {"hh24", Key::kHH24},    {"HH12", Key::kHH12}, {"hh12", Key::kHH12},
    {"HH", Key::kHH},        {"hh", Key::kHH},        {"MI", Key::kMI},     {"mi", Key::kMI},
    {"SSSSS", Key::kSSSSS},  {"sssss", Key::kSSSSS},  {"SSSS", Key::kSSSS}, {"ssss", Key::kSSSS},
    {"SS", Key::kSS},        {"ss", Key::kSS},        {"MS", Key::kMS},     {"ms", Key::kMS},
    {"US", Key::kUS},        {"us", Key::kUS},        {"FF1", Key::kFF1},   {"ff1", Key::kFF1},
    {"FF2", Key::kFF2},      {"ff2", Key::kFF2},      {"FF3", Key::kFF3},   {"ff3", Key::kFF3},
    {"FF4", Key::kFF4},      {"ff4", Key::kFF4},      {"FF5", Key::kFF5},   {"ff5", Key::kFF5},
    {"FF6", Key::kFF6},      {"ff6", Key::kFF6},      {"A.M.", Key::kAMdots}, {"a.m.", Key::kAMdots},
    {"P.M.", Key::kPMdots},  {"p.m.", Key::kPMdots},  {"AM", Key::kAM},     {"am", Key::kAM},
    {"PM", Key::kPM},        {"pm", Key::kPM},        {"A.D.", Key::kADdots}, {"a.d.", Key::kADdots},
    {"B.C.", Key::kBCdots},  {"b.c.", Key::kBCdots},  {"AD", Key::kAD},     {"ad", Key::kAD},
    {"BC", Key::kBC},        {"bc", Key::kBC},        {"MONTH", Key::kMonth}, {"Month", Key::kMonth},
    {"month", Key::kMonth},  {"MON", Key::kMon},      {"Mon", Key::kMon},   {"mon", Key::kMon},
    {"MM", Key::kMM},        {"mm", Key::kMM},        {"DAY", Key::kDay},   {"Day", Key::kDay},
    {"day", Key::kDay},      {"DY", Key::kDy},        {"Dy", Key::kDy},     {"dy", Key::kDy},
    {"DDD", Key::kDDD},      {"ddd", Key::kDDD},      {"DD", Key::kDD},     {"dd", Key::kDD},
    {"D", Key::kD},          {"d", Key::kD},          {"WW", Key::kWW},     {"ww", Key::kWW},
    {"W", Key::kW},          {"w", Key::kW},          {"CC", Key::kCC},     {"cc", Key::kCC},
    {"Q", Key::kQ},          {"q", Key::kQ},          {"J", Key::kJ},       {"j", Key::kJ},
    {"RM", Key::kRM},        {"rm", Key::kRM},        {"TZH", Key::kTZH},   {"tzh", Key::kTZH},
    {"TZM", Key::kTZM},      {"tzm", Key::kTZM},      {"TZ", Key::kTZ},     {"tz", Key::kTZ},
    {"OF", Key::kOF},        {"of", Key::kOF},
};

bool StartsWith(std::string_view s, size_t at, std::string_view w) { return s.substr(at, w.size()) == w; }

// Upper (MONTH), capitalized (Month) or lower (month), from how the keyword was written.
std::string InCase(std::string word, const char* written) {
  const bool upper1 = std::isupper(static_cast<unsigned char>(written[0]));
  const bool upper2 = written[1] && std::isupper(static_cast<unsigned char>(written[1]));
  for (size_t k = 0; k < word.size(); ++k) {
    unsigned char ch = static_cast<unsigned char>(word[k]);
    word[k] = static_cast<char>(k == 0 ? (upper1 ? std::toupper(ch) : std::tolower(ch))
                                       : (upper2 ? std::toupper(ch) : std::tolower(ch)));
  }
  return word;
}

std::string Padded(int64_t v, int width, bool fm) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", fm ? 0 : width, static_cast<long long>(v));
  return buf;
}

std::string Ordinal(int64_t n, bool upper) {
  const int64_t last2 = n % 100, last = n % 10;
  const char* s = (last2 >= 11 && last2 <= 13) ? "th" : last == 1 ? "st" : last == 2 ? "nd" : last == 3 ? "rd" : "th";
  std::string out = s;
  if (upper)
    for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

struct Moment {
  Civil c;
  int64_t year;    // 1 BC is 1 with BC
  bool bc;
  int64_t doy;
  int dow;         // 0 Sunday
  int64_t second;  // within the minute
  int64_t usec;    // within the second
  int offset;      // seconds east of UTC (timestamptz), 0 otherwise
  bool zoned;
  std::string zone;
};

std::string ZoneOffset(int offset, bool with_minutes_always) {
  char buf[16];
  const int a = std::abs(offset);
  if (with_minutes_always || a % 3600 != 0) {
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset < 0 ? '-' : '+', a / 3600, a % 3600 / 60);
  } else {
    std::snprintf(buf, sizeof buf, "%c%02d", offset < 0 ? '-' : '+', a / 3600);
  }
  return buf;
}

// One keyword's text; *number gets the value a TH suffix orders.
std::string KeywordText(Key key, const char* written, bool fm, const Moment& m, int64_t* number) {
  const Civil& c = m.c;
  int64_t iso_year = 0, iso_week = 0;
  if (key == Key::kIYYY || key == Key::kIYY || key == Key::kIY || key == Key::kI || key == Key::kIW ||
      key == Key::kIDDD)
    IsoWeek(c.days, &iso_year, &iso_week);
  const int hour12 = c.hour % 12 == 0 ? 12 : c.hour % 12;
  auto num = [&](int64_t v, int width) {
    *number = v;
    return Padded(v, width, fm);
  };
  auto name = [&](const char* full, size_t pad) {
    std::string s = InCase(full, written);
    if (!fm && s.size() < pad) s.append(pad - s.size(), ' ');
    return s;
  };
  switch (key) {
    case Key::kYComma: {
      *number = m.year;
      char buf[32];
      std::snprintf(buf, sizeof buf, "%lld,%03lld", static_cast<long long>(m.year / 1000),
                    static_cast<long long>(m.year % 1000));
      return buf;
    }
    case Key::kYYYY: return num(m.year, 4);
    case Key::kYYY: return num(m.year % 1000, 3);
    case Key::kYY: return num(m.year % 100, 2);
    case Key::kY: return num(m.year % 10, 1);
    case Key::kIYYY: return num(iso_year, 4);
    case Key::kIYY: return num(iso_year % 1000, 3);
    case Key::kIY: return num(iso_year % 100, 2);
    case Key::kI: return num(iso_year % 10, 1);
    case Key::kHH24: return num(c.hour, 2);
    case Key::kHH12:
    case Key::kHH: return num(hour12, 2);
    case Key::kMI: return num(c.minute, 2);
    case Key::kSS: return num(m.second, 2);
    case Key::kSSSS:
    case Key::kSSSSS: return num(c.hour * 3600 + c.minute * 60 + m.second, 0);
    case Key::kMS: return num(m.usec / 1000, 3);
    case Key::kUS: return num(m.usec, 6);
    case Key::kFF1: return num(m.usec / 100000, 1);
    case Key::kFF2: return num(m.usec / 10000, 2);
    case Key::kFF3: return num(m.usec / 1000, 3);
    case Key::kFF4: return num(m.usec / 100, 4);
    case Key::kFF5: return num(m.usec / 10, 5);
    case Key::kFF6: return num(m.usec, 6);
    case Key::kAM:
    case Key::kPM: return InCase(c.hour >= 12 ? "PM" : "AM", written);
    case Key::kAMdots:
    case Key::kPMdots: return std::islower(static_cast<unsigned char>(written[0])) ? (c.hour >= 12 ? "p.m." : "a.m.")
                                                                                   : (c.hour >= 12 ? "P.M." : "A.M.");
    case Key::kAD:
    case Key::kBC: return InCase(m.bc ? "BC" : "AD", written);
    case Key::kADdots:
    case Key::kBCdots: return std::islower(static_cast<unsigned char>(written[0])) ? (m.bc ? "b.c." : "a.d.")
                                                                                   : (m.bc ? "B.C." : "A.D.");
    case Key::kMonth: return name(kMonths[c.month - 1], 9);
    case Key::kMon: return InCase(std::string(kMonths[c.month - 1]).substr(0, 3), written);
    case Key::kMM: return num(c.month, 2);
    case Key::kDay: return name(kDays[m.dow], 9);
    case Key::kDy: return InCase(std::string(kDays[m.dow]).substr(0, 3), written);
    case Key::kDDD: return num(m.doy, 3);
    case Key::kDD: return num(c.day, 2);
    case Key::kD: return num(m.dow + 1, 1);
    case Key::kIDDD: return num(c.days - (YmdToDays(iso_year, 1, 4) - ((YmdToDays(iso_year, 1, 4) + 5) % 7 + 7) % 7) + 1, 3);
    case Key::kID: return num(m.dow == 0 ? 7 : m.dow, 1);
    case Key::kIW: return num(iso_week, 2);
    case Key::kWW: return num((m.doy - 1) / 7 + 1, 2);
    case Key::kW: return num((c.day - 1) / 7 + 1, 1);
    case Key::kCC: return num(m.bc ? -((m.year + 99) / 100) : (m.year + 99) / 100, 2);
    case Key::kQ: return num((c.month - 1) / 3 + 1, 1);
    case Key::kJ: return num(c.days + 2451545, 0);
    case Key::kRM: {
      std::string r = kRoman[c.month - 1];
      if (std::islower(static_cast<unsigned char>(written[0])))
        for (char& ch : r) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (!fm && r.size() < 4) r.append(4 - r.size(), ' ');
      return r;
    }
    case Key::kTZH: {
      if (!m.zoned) return "";
      char buf[8];
      std::snprintf(buf, sizeof buf, "%c%02d", m.offset < 0 ? '-' : '+', std::abs(m.offset) / 3600);
      return buf;
    }
    case Key::kTZM: return m.zoned ? Padded(std::abs(m.offset) % 3600 / 60, 2, false) : "";
    case Key::kTZ: {
      if (!m.zoned) return "";
      std::string z = m.zone;
      if (std::islower(static_cast<unsigned char>(written[0])))
        for (char& ch : z) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return z;
    }
    case Key::kOF: return m.zoned ? ZoneOffset(m.offset, false) : "+00";
  }
  return "";
}

// The abbreviation PostgreSQL prints for TZ: UTC for the UTC zones, else the
// numeric offset (Tusk keeps no abbreviation table).
std::string ZoneAbbreviation(const std::string& zone, int offset) {
  std::string lower;
  for (char ch : zone) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  if (offset == 0 && (lower == "utc" || lower == "etc/utc" || lower == "gmt" || lower == "etc/gmt" ||
                      lower == "universal" || lower == "zulu" || lower == "etc/universal"))
    return lower.find("gmt") != std::string::npos ? "GMT" : "UTC";
  return ZoneOffset(offset, false);
}

std::string FormatDateTime(const Moment& m, std::string_view fmt) {
  std::string out;
  size_t i = 0;
  while (i < fmt.size()) {
    bool fm = false;
    for (;;) {  // prefixes
      if (StartsWith(fmt, i, "FM") || StartsWith(fmt, i, "fm")) {
        fm = true;
        i += 2;
      } else if (StartsWith(fmt, i, "FX") || StartsWith(fmt, i, "fx") || StartsWith(fmt, i, "TM") ||
                 StartsWith(fmt, i, "tm")) {
        i += 2;
      } else {
        break;
      }
    }
    if (i >= fmt.size()) break;
    if (fmt[i] == '"') {  // literal text; \" inside it is a quote
      for (++i; i < fmt.size() && fmt[i] != '"'; ++i) {
        if (fmt[i] == '\\' && i + 1 < fmt.size()) ++i;
        out.push_back(fmt[i]);
      }
      ++i;
      continue;
    }
    if (fmt[i] == '\\' && i + 1 < fmt.size() && fmt[i + 1] == '"') {
      out.push_back('"');
      i += 2;
      continue;
    }
    const Keyword* found = nullptr;
    for (const Keyword& k : kKeywords) {
      if (StartsWith(fmt, i, k.text)) {
        found = &k;
        break;
      }
    }
    if (!found) {
      out.push_back(fmt[i++]);
      continue;
    }
    i += std::char_traits<char>::length(found->text);
    int64_t number = -1;
    out += KeywordText(found->key, found->text, fm, m, &number);
    if (number >= 0 && (StartsWith(fmt, i, "TH") || StartsWith(fmt, i, "th"))) {
      out += Ordinal(number, fmt[i] == 'T');
      i += 2;
    }
  }
  return out;
}

Moment MomentOf(uint32_t type, const Datum& v, const ExecContext& ctx) {
  Moment m{};
  int64_t local = v.i;
  if (type == oid::kDate) local = v.i * kUsecPerDay;
  if (type == oid::kTimestamptz) {
    m.zoned = true;
    m.offset = UtcOffsetAt(ctx.io.timezone, v.i);
    m.zone = ZoneAbbreviation(ctx.io.timezone, m.offset);
    local = v.i + static_cast<int64_t>(m.offset) * kUsecPerSec;
  }
  m.c = Split(local);
  m.bc = m.c.year <= 0;
  m.year = m.bc ? 1 - m.c.year : m.c.year;
  m.doy = m.c.days - YmdToDays(m.c.year, 1, 1) + 1;
  m.dow = static_cast<int>(((m.c.days + 6) % 7 + 7) % 7);
  m.second = m.c.usec / kUsecPerSec;
  m.usec = m.c.usec % kUsecPerSec;
  return m;
}

void ToCharDateTime(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  const Datum& v = *a[0];
  if (a[1]->s.empty()) {
    out = Datum::Null();  // PostgreSQL: an empty template gives NULL
    return;
  }
  if (v.i == INT64_MAX || v.i == INT64_MIN) {
    out = Datum::Null();  // infinite timestamps have no fields to print
    return;
  }
  out = Datum::Text(FormatDateTime(MomentOf(static_cast<uint32_t>(st.aux), v, ctx), a[1]->s));
}

// ---- numbers ----

struct NumTemplate {
  int pre = 0, post = 0;      // digit positions before and after the point
  int zero_start = -1;        // first integer position (0-based) written as 0
  bool fm = false;
  bool sign_anywhere = false;  // MI, PL, SG, or S after the digits: the sign goes where written
  bool leading_s = false;      // S before the digits: + or - just before the first digit
  bool pr = false;             // <negative>
};

NumTemplate ParseNumTemplate(std::string_view fmt) {
  NumTemplate t;
  bool after_point = false;
  for (size_t i = 0; i < fmt.size(); ++i) {
    const char ch = fmt[i];
    if (StartsWith(fmt, i, "FM") || StartsWith(fmt, i, "fm")) {
      t.fm = true;
      ++i;
    } else if (ch == '9' || ch == '0') {
      if (after_point) {
        ++t.post;
      } else {
        if (ch == '0' && t.zero_start < 0) t.zero_start = t.pre;
        ++t.pre;
      }
    } else if (ch == '.' || ch == 'D' || ch == 'd') {
      if (after_point) throw PgError(sqlstate::kSyntaxError, "multiple decimal points");
      after_point = true;
    } else if (StartsWith(fmt, i, "PR") || StartsWith(fmt, i, "pr")) {
      t.pr = true;
      ++i;
    } else if (StartsWith(fmt, i, "MI") || StartsWith(fmt, i, "mi") || StartsWith(fmt, i, "SG") ||
               StartsWith(fmt, i, "sg")) {
      t.sign_anywhere = true;
      ++i;
    } else if (StartsWith(fmt, i, "PL") || StartsWith(fmt, i, "pl") || StartsWith(fmt, i, "TH") ||
               StartsWith(fmt, i, "th")) {
      ++i;  // PL adds a + of its own; the usual sign stays
    } else if (ch == 'S' || ch == 's') {
      if (t.pre == 0 && !after_point) {
        t.leading_s = true;
      } else {
        t.sign_anywhere = true;
      }
    }
  }
  return t;
}

std::string FormatNumber(const Numeric& value, std::string_view fmt) {
  const NumTemplate t = ParseNumTemplate(fmt);
  const bool negative = !value.is_nan() && value.negative();
  const Numeric abs = value.Abs();
  std::string digits = abs.is_nan() ? std::string() : abs.Round(t.post).ToString();
  std::string int_part = digits.substr(0, digits.find('.'));
  std::string frac = digits.find('.') == std::string::npos ? "" : digits.substr(digits.find('.') + 1);
  frac.resize(static_cast<size_t>(t.post), '0');
  if (int_part == "0" && t.post > 0) int_part.clear();  // 0.5 under 9.99 is ".50", under 0.99 "0.50"
  const bool overflow = static_cast<int>(int_part.size()) > t.pre || abs.is_nan();
  const int lead = t.pre - static_cast<int>(int_part.size());  // template positions before the first digit

  std::string out;
  // The sign written just before the first digit (nothing when the template places it).
  std::string sign_text = t.leading_s  ? (negative ? "-" : "+")
                          : t.pr       ? (negative ? "<" : (t.fm ? "" : " "))
                          : t.sign_anywhere ? ""
                          : negative   ? "-"
                                       : (t.fm ? "" : " ");
  bool sign_done = sign_text.empty();
  bool started = false;  // a digit (or a zero filler) has been written
  int pos = 0;           // integer digit positions seen
  int fpos = 0;          // fraction digit positions seen
  bool after_point = false;
  size_t trailing_nines_from = std::string::npos;  // FM drops trailing 9-zeros of the fraction
  auto start = [&]() {
    if (!started && !sign_done) out += sign_text;
    sign_done = true;
    started = true;
  };
  for (size_t i = 0; i < fmt.size(); ++i) {
    const char ch = fmt[i];
    if (StartsWith(fmt, i, "FM") || StartsWith(fmt, i, "fm")) {
      ++i;
      continue;
    }
    if (StartsWith(fmt, i, "TH") || StartsWith(fmt, i, "th")) {
      if (!overflow && !abs.is_nan()) {
        int64_t last2 = 0;  // the integer part's last two digits decide the suffix
        for (char d : int_part) last2 = (last2 * 10 + (d - '0')) % 100;
        out += Ordinal(last2, fmt[i] == 'T');
      }
      ++i;
      continue;
    }
    if (StartsWith(fmt, i, "SG") || StartsWith(fmt, i, "sg")) {
      out += negative ? "-" : "+";
      ++i;
      continue;
    }
    if (ch == '9' || ch == '0') {
      if (!after_point) {
        if (overflow) {
          out.push_back('#');
        } else if (pos >= lead) {
          start();
          out.push_back(int_part[static_cast<size_t>(pos - lead)]);
        } else if (t.zero_start >= 0 && pos >= t.zero_start) {
          start();
          out.push_back('0');
        } else if (!t.fm) {
          out.push_back(' ');
        }
        ++pos;
      } else {
        const char d = overflow ? '#' : frac[static_cast<size_t>(fpos)];
        if (ch == '9' && d == '0') {
          if (trailing_nines_from == std::string::npos) trailing_nines_from = out.size();
        } else {
          trailing_nines_from = std::string::npos;
        }
        out.push_back(d);
        ++fpos;
      }
    } else if (ch == '.' || ch == 'D' || ch == 'd') {
      if (!started && !overflow) start();
      out.push_back('.');
      after_point = true;
    } else if (ch == ',' || ch == 'G' || ch == 'g') {
      if (started || overflow) {
        out.push_back(',');
      } else if (!t.fm) {
        out.push_back(' ');
      }
    } else if (ch == 'S' || ch == 's') {
      if (!t.leading_s) out += negative ? "-" : "+";
    } else if (StartsWith(fmt, i, "MI") || StartsWith(fmt, i, "mi")) {
      out += negative ? "-" : (t.fm ? "" : " ");
      ++i;
    } else if (StartsWith(fmt, i, "PL") || StartsWith(fmt, i, "pl")) {
      out += negative ? (t.fm ? "" : " ") : "+";
      ++i;
    } else if (StartsWith(fmt, i, "PR") || StartsWith(fmt, i, "pr")) {
      out += negative ? ">" : (t.fm ? "" : " ");
      ++i;
    } else if (ch == 'L' || ch == 'l') {
      out.push_back(' ');  // lc_monetary = C has no currency symbol
    } else {
      out.push_back(ch);
    }
  }
  if (t.fm && trailing_nines_from != std::string::npos) out.erase(trailing_nines_from, out.size() - trailing_nines_from);
  if (!sign_done) out.insert(0, sign_text);
  return out;
}

void ToCharNumber(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  if (a[1]->s.empty()) {
    out = Datum::Null();
    return;
  }
  const Datum& v = *a[0];
  Numeric n;
  switch (static_cast<uint32_t>(st.aux)) {
    case oid::kNumeric: n = v.n; break;
    case oid::kFloat4:
    case oid::kFloat8: {
      n = std::isfinite(v.f) ? Numeric::FromDouble(v.f) : Numeric::NaN();
      break;
    }
    default: n = Numeric::FromInt(v.i); break;
  }
  out = Datum::Text(FormatNumber(n, a[1]->s));
}

}  // namespace

void AddToCharBuiltins(std::vector<FuncDef>& f) {
  for (uint32_t t : {oid::kTimestamp, oid::kTimestamptz})
    f.push_back({"to_char", {t, oid::kText}, oid::kText, ToCharDateTime, true, false, static_cast<int>(t)});
  for (uint32_t t : {oid::kNumeric, oid::kInt4, oid::kInt8, oid::kFloat4, oid::kFloat8})
    f.push_back({"to_char", {t, oid::kText}, oid::kText, ToCharNumber, true, false, static_cast<int>(t)});
}

}  // namespace tusk::sql
