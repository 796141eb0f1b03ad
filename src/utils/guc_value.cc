// Parsing and printing parameter values: booleans, integers and reals with
// memory and time units, enums, and the string parameters that PostgreSQL
// validates and canonicalises (DateStyle, TimeZone, client_encoding, lc_*).
#include <dirent.h>
#include <strings.h>
#include <sys/stat.h>

#include <cctype>
#include <clocale>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <locale.h>

#include "utils/guc_tables.h"

namespace tusk::guc {
namespace {

struct UnitInfo {
  const char* name;
  double size;  // bytes for memory units, microseconds for time units
};

// Largest first: printing picks the largest unit that divides the value.
constexpr UnitInfo kMemoryUnits[] = {
    {"TB", 1099511627776.0}, {"GB", 1073741824.0}, {"MB", 1048576.0}, {"kB", 1024.0}, {"B", 1.0}};
constexpr UnitInfo kTimeUnits[] = {{"d", 86400e6}, {"h", 3600e6}, {"min", 60e6},
                                   {"s", 1e6},     {"ms", 1e3},   {"us", 1.0}};

constexpr char kMemoryHint[] =
    "Valid units for this parameter are \"B\", \"kB\", \"MB\", \"GB\", and \"TB\".";
constexpr char kTimeHint[] =
    "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".";

bool IsMemoryUnit(const char* unit) { return unit && std::strchr(unit, 'B') != nullptr; }

// Size of the parameter's base unit in bytes or microseconds.
double BaseSize(const char* unit) {
  if (std::strcmp(unit, "8kB") == 0) return 8192.0;
  for (const auto& u : kMemoryUnits)
    if (std::strcmp(u.name, unit) == 0) return u.size;
  for (const auto& u : kTimeUnits)
    if (std::strcmp(u.name, unit) == 0) return u.size;
  return 1.0;
}

// Converts "number unit" to the base unit. unit_text is what follows the
// number (leading blanks already skipped); units are case-sensitive.
bool ConvertToBase(double value, const char* unit_text, const char* base, double* out) {
  std::string unit;
  const char* p = unit_text;
  while (*p && !std::isspace(static_cast<unsigned char>(*p))) unit += *p++;
  while (std::isspace(static_cast<unsigned char>(*p))) p++;
  if (*p != '\0') return false;
  const bool memory = IsMemoryUnit(base);
  const UnitInfo* begin = memory ? std::begin(kMemoryUnits) : std::begin(kTimeUnits);
  const UnitInfo* end = memory ? std::end(kMemoryUnits) : std::end(kTimeUnits);
  for (const UnitInfo* u = begin; u != end; ++u) {
    if (unit == u->name) {
      *out = value * (u->size / BaseSize(base));
      return true;
    }
  }
  return false;
}

std::string FormatG(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// " kB" after a number in range messages; empty for unitless parameters.
std::string UnitSuffix(const ParamDef& def) {
  return def.unit ? std::string(" ") + def.unit : std::string();
}

void Invalid(const ParamDef& def, const std::string& text, ErrorData* err,
             std::string hint = {}, std::string detail = {}) {
  err->sqlstate = sqlstate::kInvalidParameterValue;
  err->message = "invalid value for parameter \"" + std::string(def.name) + "\": \"" + text + "\"";
  err->hint = std::move(hint);
  err->detail = std::move(detail);
}

// The number parsed from `text` ended at `end`: anything after it must be a
// unit this parameter accepts; converts `*val` to the parameter's base unit.
bool ApplyUnit(const ParamDef& def, const std::string& text, const char* s, const char* end, double* val,
               ErrorData* err) {
  if (end == s || errno == ERANGE || std::isnan(*val)) {
    Invalid(def, text, err);
    return false;
  }
  while (std::isspace(static_cast<unsigned char>(*end))) end++;
  if (*end != '\0') {
    if (!def.unit) {
      Invalid(def, text, err);
      return false;
    }
    if (!ConvertToBase(*val, end, def.unit, val)) {
      Invalid(def, text, err, IsMemoryUnit(def.unit) ? kMemoryHint : kTimeHint);
      return false;
    }
  }
  return true;
}

bool ParseInt(const ParamDef& def, const std::string& text, Value* out, ErrorData* err) {
  const char* s = text.c_str();
  char* end = nullptr;
  errno = 0;
  double val = static_cast<double>(std::strtol(s, &end, 0));
  // Fractions and exponents are allowed ("1.5MB", "1e3"); then round.
  if (*end == '.' || *end == 'e' || *end == 'E' || errno == ERANGE) {
    errno = 0;
    val = std::strtod(s, &end);
  }
  if (!ApplyUnit(def, text, s, end, &val, err)) return false;
  val = std::rint(val);
  if (val > 2147483647.0 || val < -2147483648.0) {
    Invalid(def, text, err, "Value exceeds integer range.");
    return false;
  }
  if (val < def.min || val > def.max) {
    err->sqlstate = sqlstate::kInvalidParameterValue;
    const std::string u = UnitSuffix(def);
    err->message = std::to_string(static_cast<int>(val)) + u +
                   " is outside the valid range for parameter \"" + def.name + "\" (" +
                   std::to_string(static_cast<int>(def.min)) + " .. " +
                   std::to_string(static_cast<int>(def.max)) + ")";
    return false;
  }
  out->num = val;
  return true;
}

bool ParseReal(const ParamDef& def, const std::string& text, Value* out, ErrorData* err) {
  const char* s = text.c_str();
  char* end = nullptr;
  errno = 0;
  double val = std::strtod(s, &end);
  if (!ApplyUnit(def, text, s, end, &val, err)) return false;
  if (val < def.min || val > def.max) {
    err->sqlstate = sqlstate::kInvalidParameterValue;
    err->message = FormatG(val) + UnitSuffix(def) + " is outside the valid range for parameter \"" +
                   def.name + "\" (" + FormatG(def.min) + " .. " + FormatG(def.max) + ")";
    return false;
  }
  out->num = val;
  return true;
}

bool ParseEnum(const ParamDef& def, const std::string& text, Value* out, ErrorData* err) {
  for (int i = 0; def.options[i].name; ++i) {
    if (strcasecmp(def.options[i].name, text.c_str()) == 0) {
      out->num = def.options[i].hidden ? def.options[i].value : i;  // store the canonical option
      return true;
    }
  }
  std::string hint = "Available values: ";
  bool first = true;
  for (int i = 0; def.options[i].name; ++i) {
    if (def.options[i].hidden) continue;
    if (!first) hint += ", ";
    hint += def.options[i].name;
    first = false;
  }
  Invalid(def, text, err, hint + ".");
  return false;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// DateStyle: "output style, field order" with either part optional; the
// missing part is kept from the current value, as PostgreSQL does.
bool ParseDateStyle(const ParamDef& def, const std::string& text, const Value& current,
                    Value* out, ErrorData* err) {
  std::string style, order;
  {
    const std::string& cur = current.str;
    const auto comma = cur.find(',');
    if (comma != std::string::npos) {
      style = cur.substr(0, comma);
      order = cur.substr(cur.find_first_not_of(' ', comma + 1));
    } else {
      style = "ISO";
      order = "MDY";
    }
  }
  std::string new_style, new_order;
  bool german_without_order = false;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (std::isspace(static_cast<unsigned char>(text[i])) || text[i] == ','))
      i++;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) && text[i] != ',')
      i++;
    if (start == i) break;
    const std::string word = text.substr(start, i - start);
    const std::string w = Lower(word);
    std::string* slot = nullptr;
    std::string val;
    if (w == "iso") slot = &new_style, val = "ISO";
    else if (w == "sql") slot = &new_style, val = "SQL";
    else if (w.size() >= 4 && std::string("postgres").compare(0, w.size(), w) == 0)
      slot = &new_style, val = "Postgres";
    else if (w == "german") slot = &new_style, val = "German";
    else if (w == "ymd") slot = &new_order, val = "YMD";
    else if (w == "dmy" || (w.size() >= 4 && std::string("european").compare(0, w.size(), w) == 0))
      slot = &new_order, val = "DMY";
    else if (w == "mdy" || w == "us" ||
             (w.size() >= 7 && std::string("noneuropean").compare(0, w.size(), w) == 0))
      slot = &new_order, val = "MDY";
    else if (w == "default") {
      new_style = new_style.empty() ? "ISO" : new_style;
      new_order = new_order.empty() ? "MDY" : new_order;
      continue;
    } else {
      Invalid(def, text, err, {}, "Unrecognized key word: \"" + word + "\".");
      return false;
    }
    if (!slot->empty() && *slot != val) {
      Invalid(def, text, err, {}, "Conflicting \"datestyle\" specifications.");
      return false;
    }
    *slot = val;
  }
  if (!new_style.empty()) {
    german_without_order = new_style == "German" && new_order.empty();
    style = new_style;
  }
  if (!new_order.empty()) order = new_order;
  if (german_without_order) order = "DMY";  // German implies day-first unless told otherwise
  out->str = style + ", " + order;
  return true;
}

// Finds a zone file case-insensitively under the zoneinfo tree and returns
// its canonical spelling (the path as stored).
bool FindZone(const std::string& name, std::string* canonical) {
  static const char* const kRoots[] = {"/usr/share/zoneinfo"};
  for (const char* root : kRoots) {
    std::string dir = root, result;
    size_t pos = 0;
    bool ok = true;
    while (ok && pos <= name.size()) {
      size_t slash = name.find('/', pos);
      std::string part = name.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
      if (part.empty() || part == "." || part == "..") return false;
      DIR* d = opendir(dir.c_str());
      if (!d) return false;
      ok = false;
      while (dirent* e = readdir(d)) {
        if (strcasecmp(e->d_name, part.c_str()) == 0) {
          dir += "/";
          dir += e->d_name;
          result += (result.empty() ? "" : "/") + std::string(e->d_name);
          ok = true;
          break;
        }
      }
      closedir(d);
      if (slash == std::string::npos) break;
      pos = slash + 1;
    }
    struct stat st;
    if (ok && stat(dir.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      *canonical = result;
      return true;
    }
  }
  return false;
}

bool ParseTimeZone(const ParamDef& def, const std::string& text, Value* out, ErrorData* err) {
  // A bare number is an offset in hours east of Greenwich (SQL sign
  // convention), shown as a POSIX zone name like "<+05>-05".
  char* end = nullptr;
  double hours = std::strtod(text.c_str(), &end);
  if (!text.empty() && end != text.c_str() && *end == '\0' && std::isfinite(hours)) {
    long secs = std::lround(hours * 3600.0);
    if (secs > 14 * 3600 * 24 || secs < -14 * 3600 * 24) {
      Invalid(def, text, err);
      return false;
    }
    long a = secs < 0 ? -secs : secs;
    char off[32];
    if (a % 3600 == 0) std::snprintf(off, sizeof off, "%02ld", a / 3600);
    else if (a % 60 == 0) std::snprintf(off, sizeof off, "%02ld:%02ld", a / 3600, (a / 60) % 60);
    else std::snprintf(off, sizeof off, "%02ld:%02ld:%02ld", a / 3600, (a / 60) % 60, a % 60);
    const bool west = secs < 0;
    out->str = std::string("<") + (west ? "-" : "+") + off + ">" + (west ? "+" : "-") + off;
    return true;
  }
  if (strcasecmp(text.c_str(), "UTC") == 0) { out->str = "UTC"; return true; }
  if (strcasecmp(text.c_str(), "GMT") == 0) { out->str = "GMT"; return true; }
  std::string canonical;
  if (FindZone(text, &canonical)) {
    out->str = canonical;
    return true;
  }
  Invalid(def, text, err);
  return false;
}

bool ParseEncoding(const ParamDef& def, const std::string& text, Value* out, ErrorData* err) {
  // Compare ignoring case and punctuation, as PostgreSQL's encoding lookup does.
  std::string clean;
  for (char c : text)
    if (std::isalnum(static_cast<unsigned char>(c)))
      clean += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (clean == "utf8" || clean == "unicode") {
    out->str = "UTF8";
    return true;
  }
  Invalid(def, text, err);
  return false;
}

bool ParseLocale(const ParamDef& def, const std::string& text, Value* out, ErrorData* err) {
  if (!text.empty() && text != "C" && text != "POSIX") {
    locale_t loc = newlocale(LC_ALL_MASK, text.c_str(), static_cast<locale_t>(0));
    if (!loc) {
      Invalid(def, text, err);
      return false;
    }
    freelocale(loc);
  }
  out->str = text;
  return true;
}

}  // namespace

bool ParseBool(const std::string& text, bool* out) {
  const std::string v = Lower(text);
  auto prefix_of = [&](const char* word, size_t min_len) {
    return v.size() >= min_len && std::strlen(word) >= v.size() && std::strncmp(word, v.c_str(), v.size()) == 0;
  };
  if (prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) || v == "1") {
    *out = true;
    return true;
  }
  if (prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || v == "0") {
    *out = false;
    return true;
  }
  return false;
}

bool ParseValue(const ParamDef& def, const std::string& text, const Value& current, Value* out,
                ErrorData* err) {
  *out = Value{};
  switch (def.type) {
    case ParamType::kBool: {
      bool b = false;
      if (!ParseBool(text, &b)) {
        err->sqlstate = sqlstate::kInvalidParameterValue;
        err->message = "parameter \"" + std::string(def.name) + "\" requires a Boolean value";
        return false;
      }
      out->num = b ? 1 : 0;
      return true;
    }
    case ParamType::kInt:
      return ParseInt(def, text, out, err);
    case ParamType::kReal:
      return ParseReal(def, text, out, err);
    case ParamType::kEnum:
      return ParseEnum(def, text, out, err);
    case ParamType::kString:
      break;
  }
  const std::string name = Lower(def.name);
  if (name == "datestyle") return ParseDateStyle(def, text, current, out, err);
  if (name == "timezone" || name == "log_timezone") return ParseTimeZone(def, text, out, err);
  if (name == "client_encoding") return ParseEncoding(def, text, out, err);
  if (name == "lc_messages" || name == "lc_monetary" || name == "lc_numeric" || name == "lc_time")
    return ParseLocale(def, text, out, err);
  out->str = text;
  return true;
}

std::string FormatRaw(const ParamDef& def, const Value& v) {
  switch (def.type) {
    case ParamType::kBool:
      return v.num != 0 ? "on" : "off";
    case ParamType::kInt:
      return std::to_string(static_cast<long long>(v.num));
    case ParamType::kReal:
      return FormatG(v.num);
    case ParamType::kEnum:
      return def.options[static_cast<int>(v.num)].name;
    case ParamType::kString:
      break;
  }
  return v.str;
}

std::string FormatValue(const ParamDef& def, const Value& v, bool use_units) {
  // Show hooks: values PostgreSQL prints differently from their storage.
  if (def.type == ParamType::kInt &&
      (std::strcmp(def.name, "unix_socket_permissions") == 0 ||
       std::strcmp(def.name, "log_file_mode") == 0 ||
       std::strcmp(def.name, "data_directory_mode") == 0)) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(v.num));
    return buf;
  }
  if (std::strcmp(def.name, "archive_command") == 0) {
    const Vars& vars = CurrentVars();
    if (vars.archive_mode == "off" || vars.wal_level == "minimal") return "(disabled)";
  }
  if (use_units && def.unit && v.num > 0 &&
      (def.type == ParamType::kInt || def.type == ParamType::kReal)) {
    const double base = BaseSize(def.unit);
    const bool memory = IsMemoryUnit(def.unit);
    const UnitInfo* begin = memory ? std::begin(kMemoryUnits) : std::begin(kTimeUnits);
    const UnitInfo* end = memory ? std::end(kMemoryUnits) : std::end(kTimeUnits);
    if (def.type == ParamType::kInt) {
      // Largest unit that holds the value exactly, never below the base unit.
      const int64_t scaled = static_cast<int64_t>(v.num) * static_cast<int64_t>(base);
      for (const UnitInfo* u = begin; u != end; ++u) {
        const int64_t size = static_cast<int64_t>(u->size);
        if (u->size <= base || scaled % size == 0)
          return std::to_string(scaled / size) + u->name;
      }
    } else {
      // Largest unit giving a whole number; otherwise the smallest unit.
      double shown = v.num;
      const char* name = def.unit;
      for (const UnitInfo* u = begin; u != end; ++u) {
        shown = v.num * base / u->size;
        name = u->name;
        if (std::fabs(std::rint(shown) / shown - 1.0) <= 1e-8) break;
      }
      return FormatG(shown) + name;
    }
  }
  return FormatRaw(def, v);
}

}  // namespace tusk::guc
