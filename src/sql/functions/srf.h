// Set-returning functions usable in FROM (generate_series, unnest,
// regexp_matches, regexp_split_to_table). They
// are resolved like other builtins but kept out of AllFunctions(), so a
// set-returning call in an expression stays an unknown function. Each call
// yields its rows one at a time from an SrfIterator; nothing is
// materialized.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sql/functions/registry.h"

namespace tusk::sql {

enum SrfKind : int {
  kSrfSeriesInt = 0,
  kSrfSeriesNumeric,
  kSrfSeriesTimestamp,
  kSrfUnnest,
  kSrfBackupStop,
  kSrfRegexpMatches,     // regexp_matches(text, pattern [, flags]): text[] per match
  kSrfRegexpSplitTable,  // regexp_split_to_table(text, pattern [, flags]): the pieces between matches
  kSrfExpandArray,       // information_schema._pg_expandarray(anyarray): (x element, n position from 1)
};

// The record type (x, n) of _pg_expandarray over an array of elem_type.
int32_t ExpandArrayTypmod(uint32_t elem_type);
// Functions of information_schema rather than pg_catalog: callable only
// qualified, as information_schema is not on the search path.
bool IsInformationSchemaFunction(const std::string& name);

// A function whose result is a row of named OUT columns (pg_backup_stop);
// nullptr for the single-column ones.
struct OutColumn {
  const char* name;
  uint32_t type;  // anyelement: the element type of the call's array argument
};
const std::vector<OutColumn>* SetFunctionOutColumns(int kind);

// Signatures for overload resolution; FuncDef::aux is the SrfKind and
// FuncDef::fn is never called.
const std::vector<FuncDef>& AllSetFunctions();
bool IsSetFunctionName(const std::string& name);

class SrfIterator {
 public:
  virtual ~SrfIterator() = default;
  // Writes the next value and returns true, or returns false at the end.
  virtual bool Next(Datum& out, ExecContext& ctx) = 0;
  // The next row of a function with OUT columns (one Datum per column).
  virtual bool NextRow(Datum* out, ExecContext& ctx) { return Next(out[0], ctx); }
};

// Starts a call with its (coerced, non-NULL) argument values; result_type
// is the call's resolved result type. Raises the function's argument errors
// (22023 "step size cannot equal zero", ...).
std::unique_ptr<SrfIterator> StartSetFunction(int kind, uint32_t result_type, std::vector<Datum> args,
                                              ExecContext& ctx);

}  // namespace tusk::sql
