// pg_lsn text form (see pg_lsn.h).
#include "sql/types/pg_lsn.h"

#include <cstdio>

#include "utils/error.h"
#include "utils/hex.h"

namespace tusk::sql {
namespace {

// Reads 1..8 hex digits from the front of s; false if there are none or more.
bool ReadHalf(std::string_view& s, uint32_t* out) {
  size_t n = 0;
  uint32_t v = 0;
  while (n < s.size() && HexDigitValue(s[n]) >= 0) {
    if (n == 8) return false;
    v = v << 4 | static_cast<uint32_t>(HexDigitValue(s[n]));
    ++n;
  }
  if (n == 0) return false;
  s.remove_prefix(n);
  *out = v;
  return true;
}

}  // namespace

std::optional<uint64_t> ParsePgLsn(std::string_view text) {
  std::string_view s = text;
  uint32_t hi = 0, lo = 0;
  if (!ReadHalf(s, &hi) || s.empty() || s.front() != '/') return std::nullopt;
  s.remove_prefix(1);
  if (!ReadHalf(s, &lo) || !s.empty()) return std::nullopt;
  return static_cast<uint64_t>(hi) << 32 | lo;
}

uint64_t PgLsnIn(std::string_view text) {
  auto v = ParsePgLsn(text);
  if (!v) {
    throw PgError(sqlstate::kInvalidTextRepresentation,
                  "invalid input syntax for type pg_lsn: \"" + std::string(text) + "\"");
  }
  return *v;
}

std::string FormatPgLsn(uint64_t lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn));
  return buf;
}

uint64_t NumericToLsn(const Numeric& n) {
  if (n.is_nan()) throw PgError(sqlstate::kFeatureNotSupported, "cannot convert NaN to pg_lsn");
  if (n.is_inf()) throw PgError(sqlstate::kInvalidParameterValue, "pg_lsn out of range");
  Numeric r = n.Round(0);
  static const Numeric kMax = Numeric::Parse("18446744073709551615");
  if (r.negative() || r.Compare(kMax) > 0) throw PgError(sqlstate::kInvalidParameterValue, "pg_lsn out of range");
  std::string s = r.ToString();
  uint64_t v = 0;
  for (char c : s) {
    if (c >= '0' && c <= '9') v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

Numeric LsnToNumeric(uint64_t lsn) { return Numeric::Parse(std::to_string(lsn)); }

}  // namespace tusk::sql
