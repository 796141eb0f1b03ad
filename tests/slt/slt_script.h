// sqllogictest scripts: the record model and the parser that turns a .test
// file into records (statements, queries, hash-threshold, halt) together with
// their skipif/onlyif conditions.
#pragma once

#include <string>
#include <vector>

namespace slt {

enum class RecordKind { kStatement, kQuery, kHashThreshold, kHalt, kUnknown };

struct Record {
  RecordKind kind = RecordKind::kUnknown;
  int line = 0;                       // 1-based line of the record header
  std::vector<std::string> skipif;    // engines this record must not run on
  std::vector<std::string> onlyif;    // engines this record is limited to
  std::string header;                 // the header line, for diagnostics
  std::string sql;
  // statement
  bool expect_error = false;
  std::string error_pattern;          // optional regex after "statement error"
  // query
  std::string types;                  // one letter per column: I, R or T
  std::string sort_mode = "nosort";   // nosort, rowsort or valuesort
  std::string label;
  std::vector<std::string> expected;  // lines after "----"
  // hash-threshold
  long threshold = 0;

  // True when the skipif/onlyif conditions let this record run on `engine`.
  bool AppliesTo(const std::string& engine) const;
};

struct Script {
  std::string path;
  std::vector<Record> records;
};

// Reads and parses `path`. Returns false and fills `error` when the file
// cannot be read; malformed records become kUnknown records.
bool LoadScript(const std::string& path, Script* script, std::string* error);

// Parses script text (CR characters are ignored).
std::vector<Record> ParseScript(const std::string& text);

// Records that are run (and counted) for `engine`: statements and queries
// whose conditions apply, up to the first applicable halt.
int CountRunnable(const Script& script, const std::string& engine);

// Names created by CREATE TABLE / VIEW / INDEX statements anywhere in the
// script, for --reuse-db cleanup. Each entry is "table:x", "view:x", "index:x".
std::vector<std::string> CreatedObjects(const Script& script);

}  // namespace slt
