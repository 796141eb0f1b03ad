// Value formatting, sorting and hashing for sqllogictest results. PostgreSQL
// returns booleans and numerics where SQLite would return integers, so the I
// and R formats convert from any numeric-looking text (and t/f).
#include "slt_result.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <regex>

namespace slt {
namespace {

// Parses numeric-looking text the way a lenient C conversion would: the
// longest numeric prefix, booleans as 1/0, anything else as 0.
long double NumericValue(const std::string& s) {
  if (s == "t" || s == "true") return 1;
  if (s == "f" || s == "false") return 0;
  const char* begin = s.c_str();
  char* end = nullptr;
  long double v = std::strtold(begin, &end);
  if (end == begin || std::isnan(v)) return 0;
  return v;
}

std::string FormatInteger(const std::string& s) {
  const char* begin = s.c_str();
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(begin, &end, 10);
  if (end != begin && *end == '\0' && errno == 0) return std::to_string(v);
  long double d = std::truncl(NumericValue(s));
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.0Lf", d);
  std::string out = buf;
  return out == "-0" ? "0" : out;
}

std::string FormatReal(const std::string& s) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(NumericValue(s)));
  return buf;
}

std::string FormatText(const std::string& s) {
  if (s.empty()) return "(empty)";
  std::string out = s;
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7E) c = '@';
  }
  return out;
}

}  // namespace

std::string FormatValue(const Cell& cell, char type) {
  if (cell.is_null) return "NULL";
  switch (type) {
    case 'I':
      return FormatInteger(cell.text);
    case 'R':
      return FormatReal(cell.text);
    default:
      return FormatText(cell.text);
  }
}

std::vector<std::string> CanonicalValues(
    const std::vector<Row>& rows, const std::string& types,
    const std::string& sort_mode,
    std::vector<std::vector<std::string>>* rows_out) {
  std::vector<std::vector<std::string>> formatted;
  formatted.reserve(rows.size());
  for (const Row& row : rows) {
    std::vector<std::string> f;
    for (size_t c = 0; c < row.size(); ++c)
      f.push_back(FormatValue(row[c], c < types.size() ? types[c] : 'T'));
    formatted.push_back(std::move(f));
  }
  if (sort_mode == "rowsort") std::sort(formatted.begin(), formatted.end());
  std::vector<std::string> values;
  for (const auto& r : formatted) values.insert(values.end(), r.begin(), r.end());
  if (sort_mode == "valuesort") std::sort(values.begin(), values.end());
  if (rows_out) *rows_out = std::move(formatted);
  return values;
}

std::string HashValues(const std::vector<std::string>& values) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_md5(), nullptr);
  for (const std::string& v : values) {
    EVP_DigestUpdate(ctx, v.data(), v.size());
    EVP_DigestUpdate(ctx, "\n", 1);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

std::string HashLine(const std::vector<std::string>& values) {
  return std::to_string(values.size()) + " values hashing to " +
         HashValues(values);
}

bool IsHashLine(const std::vector<std::string>& expected) {
  static const std::regex hash_re(R"(^\s*\d+ values hashing to [0-9a-fA-F]{32}\s*$)");
  return expected.size() == 1 && std::regex_match(expected[0], hash_re);
}

Comparison Compare(const std::vector<std::string>& values,
                   const std::vector<std::vector<std::string>>& rows,
                   const std::vector<std::string>& expected,
                   long hash_threshold) {
  Comparison cmp;
  if (IsHashLine(expected)) {
    std::string line = HashLine(values);
    std::string want = expected[0];
    while (!want.empty() && (want.back() == ' ' || want.back() == '\t'))
      want.pop_back();
    std::transform(want.begin(), want.end(), want.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    cmp.match = line == want;
    cmp.got = {line};
    return cmp;
  }
  if (values == expected) {
    cmp.match = true;
    return cmp;
  }
  // One row per line, values separated by spaces.
  if (!rows.empty() && rows.size() == expected.size() && rows[0].size() > 1) {
    bool ok = true;
    for (size_t r = 0; r < rows.size() && ok; ++r) {
      std::string joined;
      for (size_t c = 0; c < rows[r].size(); ++c)
        joined += (c ? " " : "") + rows[r][c];
      ok = joined == expected[r];
    }
    if (ok) {
      cmp.match = true;
      return cmp;
    }
  }
  if (hash_threshold > 0 && static_cast<long>(values.size()) > hash_threshold)
    cmp.got = {HashLine(values)};
  else
    cmp.got = values;
  return cmp;
}

}  // namespace slt
