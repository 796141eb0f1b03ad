// Parser for sqllogictest scripts. Records are separated by blank lines;
// condition lines (skipif/onlyif) precede the header of the record they guard,
// and lines starting with '#' outside a record are comments.
#include "slt_script.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace slt {
namespace {

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::vector<std::string> Words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool IsBlank(const std::string& s) { return Trim(s).empty(); }

}  // namespace

bool Record::AppliesTo(const std::string& engine) const {
  for (const auto& e : skipif)
    if (e == engine) return false;
  for (const auto& e : onlyif)
    if (e != engine) return false;
  return true;
}

std::vector<Record> ParseScript(const std::string& text) {
  std::vector<std::string> lines;
  {
    std::string cur;
    for (char c : text) {
      if (c == '\r') continue;
      if (c == '\n') {
        lines.push_back(cur);
        cur.clear();
      } else {
        cur.push_back(c);
      }
    }
    if (!cur.empty()) lines.push_back(cur);
  }

  std::vector<Record> records;
  size_t i = 0;
  const size_t n = lines.size();
  while (i < n) {
    if (IsBlank(lines[i]) || lines[i][0] == '#') {
      ++i;
      continue;
    }
    Record rec;
    // Condition lines, then the header.
    while (i < n && !IsBlank(lines[i])) {
      std::vector<std::string> w = Words(lines[i]);
      if (w.size() >= 2 && w[0] == "skipif") {
        rec.skipif.push_back(w[1]);
      } else if (w.size() >= 2 && w[0] == "onlyif") {
        rec.onlyif.push_back(w[1]);
      } else if (lines[i][0] != '#') {
        break;
      }
      ++i;
    }
    if (i >= n || IsBlank(lines[i])) continue;  // dangling conditions
    rec.line = static_cast<int>(i) + 1;
    rec.header = Trim(lines[i]);
    std::vector<std::string> w = Words(lines[i]);
    ++i;

    auto take_sql = [&](bool stop_at_dashes) {
      std::string sql;
      while (i < n && !IsBlank(lines[i])) {
        if (stop_at_dashes && Trim(lines[i]) == "----") break;
        if (!sql.empty()) sql += '\n';
        sql += lines[i];
        ++i;
      }
      return sql;
    };

    if (w[0] == "statement" && w.size() >= 2 &&
        (w[1] == "ok" || w[1] == "error")) {
      rec.kind = RecordKind::kStatement;
      rec.expect_error = w[1] == "error";
      if (rec.expect_error) {
        size_t pos = rec.header.find("error");
        rec.error_pattern = Trim(rec.header.substr(pos + 5));
      }
      rec.sql = take_sql(false);
    } else if (w[0] == "query" && w.size() >= 2) {
      rec.kind = RecordKind::kQuery;
      rec.types = w[1];
      if (w.size() >= 3) rec.sort_mode = w[2];
      if (w.size() >= 4) rec.label = w[3];
      rec.sql = take_sql(true);
      if (i < n && Trim(lines[i]) == "----") {
        ++i;
        while (i < n && !IsBlank(lines[i])) rec.expected.push_back(lines[i++]);
      }
    } else if (w[0] == "hash-threshold" && w.size() >= 2) {
      rec.kind = RecordKind::kHashThreshold;
      rec.threshold = std::strtol(w[1].c_str(), nullptr, 10);
    } else if (w[0] == "halt") {
      rec.kind = RecordKind::kHalt;
    } else {
      rec.kind = RecordKind::kUnknown;
      take_sql(false);
    }
    // Skip anything left in this block (e.g. stray lines after a header).
    while (i < n && !IsBlank(lines[i])) ++i;
    records.push_back(std::move(rec));
  }
  return records;
}

bool LoadScript(const std::string& path, Script* script, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open " + path;
    return false;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  script->path = path;
  script->records = ParseScript(buf.str());
  return true;
}

int CountRunnable(const Script& script, const std::string& engine) {
  int count = 0;
  for (const Record& r : script.records) {
    if (!r.AppliesTo(engine)) continue;
    if (r.kind == RecordKind::kHalt) break;
    if (r.kind == RecordKind::kStatement || r.kind == RecordKind::kQuery)
      ++count;
  }
  return count;
}

std::vector<std::string> CreatedObjects(const Script& script) {
  static const std::regex create_re(
      R"(^\s*CREATE\s+(?:UNIQUE\s+)?(?:TEMP\s+|TEMPORARY\s+)?(TABLE|VIEW|INDEX|SEQUENCE)\s+(?:IF\s+NOT\s+EXISTS\s+)?("[^"]+"|[A-Za-z_][A-Za-z0-9_$.]*))",
      std::regex::icase);
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const Record& r : script.records) {
    if (r.kind != RecordKind::kStatement && r.kind != RecordKind::kQuery)
      continue;
    std::smatch m;
    if (!std::regex_search(r.sql, m, create_re)) continue;
    std::string kind = m[1].str();
    std::transform(kind.begin(), kind.end(), kind.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    std::string name = kind + ":" + m[2].str();
    if (seen.insert(name).second) out.push_back(name);
  }
  return out;
}

}  // namespace slt
