// Turning a query result into sqllogictest's canonical text: per-type value
// formatting (I, R, T), the three sort modes, MD5 hashing of long results, and
// the comparison with the expected block of a query record.
#pragma once

#include <string>
#include <vector>

namespace slt {

// A result as text cells; a null cell is represented by `is_null`.
struct Cell {
  std::string text;
  bool is_null = false;
};
using Row = std::vector<Cell>;

// Formats one value for column type `type` ('I', 'R', 'T'; anything else is
// treated like 'T').
std::string FormatValue(const Cell& cell, char type);

// Formats every cell and applies the sort mode; returns the flat value list
// in output order. Rows are also returned (formatted, sorted) in `rows_out`.
std::vector<std::string> CanonicalValues(
    const std::vector<Row>& rows, const std::string& types,
    const std::string& sort_mode, std::vector<std::vector<std::string>>* rows_out);

// Lower-case hex MD5 of every value followed by a newline.
std::string HashValues(const std::vector<std::string>& values);

// "N values hashing to HASH" for `values`.
std::string HashLine(const std::vector<std::string>& values);

// True when `expected` is a single "N values hashing to H" line.
bool IsHashLine(const std::vector<std::string>& expected);

struct Comparison {
  bool match = false;
  std::vector<std::string> got;  // what the runner produced, for diagnostics
};

// Compares a formatted result with a record's expected lines. Expected blocks
// may be a hash line, one value per line, or one row per line with the values
// separated by single spaces. `hash_threshold` > 0 makes results with more
// values than that print as a hash line in diagnostics.
Comparison Compare(const std::vector<std::string>& values,
                   const std::vector<std::vector<std::string>>& rows,
                   const std::vector<std::string>& expected,
                   long hash_threshold);

}  // namespace slt
