// Reader for postgresql.conf-style files: tokenizes lines of `name [=] value`
// with PostgreSQL's lexical rules and follows include, include_if_exists and
// include_dir. It only collects name/value pairs; utils/guc applies them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "utils/error.h"

namespace tusk::guc {

struct ConfigItem {
  std::string name;
  std::string value;     // quotes removed and escapes processed
  std::string filename;  // absolute path of the file it came from
  int sourceline = 0;
  bool ignore = false;   // superseded by a later line for the same name
};

// Nesting limit for include directives, as in PostgreSQL.
inline constexpr int kMaxIncludeDepth = 10;

// Resolves a file named in an include directive relative to the directory of
// the file containing it (or the current directory for top-level files).
std::string AbsoluteConfigPath(const std::string& path, const std::string& calling_file);

// Parses the file at `path` and appends its items (and those of included
// files). Missing files are errors when strict, otherwise skipped. Problems
// are appended to *messages at `elevel`; returns false if there were any.
bool ParseConfigFile(const std::string& path, const std::string& calling_file, bool strict,
                     int depth, ErrLevel elevel, std::vector<ConfigItem>* items,
                     std::vector<ErrorData>* messages);

// Parses text already read from `filename` (used by ParseConfigFile and tests).
bool ParseConfigText(std::string_view text, const std::string& filename, int depth,
                     ErrLevel elevel, std::vector<ConfigItem>* items,
                     std::vector<ErrorData>* messages);

// Reads every "*.conf" file (not starting with '.') in a directory, in name
// order.
bool ParseConfigDirectory(const std::string& dir, const std::string& calling_file, int depth,
                          ErrLevel elevel, std::vector<ConfigItem>* items,
                          std::vector<ErrorData>* messages);

}  // namespace tusk::guc
