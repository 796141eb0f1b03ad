// Catalog of built-in functions, operators and aggregates. Overload
// resolution (analyzer) picks an entry; the executor calls its FnImpl.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sql/executor/expr_program.h"

namespace tusk::sql {

// Marks an argument position that accepts any type (converted to text by the
// analyzer for concat/concat_ws/format-like functions).
inline constexpr uint32_t kAnyArg = 2276;

struct FuncDef {
  std::string name;
  std::vector<uint32_t> args;
  uint32_t result;
  FnImpl fn;
  bool strict = true;
  bool variadic = false;  // last arg type repeats
  int aux = 0;            // passed to the implementation via Step::aux
};

struct OperDef {
  std::string name;
  uint32_t left;  // 0 for prefix operators
  uint32_t right;
  uint32_t result;
  FnImpl fn;
  int aux = 0;
  bool strict = true;
};

enum class AggKind : uint8_t {
  kCountStar, kCount, kSum, kAvg, kMin, kMax, kBoolAnd, kBoolOr, kStringAgg, kArrayAgg,
  kVarSamp, kVarPop, kStddevSamp, kStddevPop,  // statistics over numeric (exact) or float8 inputs
};

struct AggDef {
  std::string name;
  AggKind kind;
  uint32_t arg;  // 0 for count(*), kAnyArg for count/min/max of any type
  uint32_t result;  // 0 = same as argument
  uint32_t arg2 = 0;  // second argument type (string_agg delimiter), 0 = none
};

const std::vector<FuncDef>& AllFunctions();
const std::vector<OperDef>& AllOperators();
const std::vector<AggDef>& AllAggregates();

// Total order used by comparison operators, ORDER BY, DISTINCT, GROUP BY,
// min/max, GREATEST/LEAST (NaN sorts last like PostgreSQL).
int CompareDatum(uint32_t type, const Datum& a, const Datum& b);

// Registration hooks implemented by the individual builtin files.
void AddOperatorBuiltins(std::vector<OperDef>& ops, std::vector<FuncDef>& fns);
void AddStringBuiltins(std::vector<FuncDef>& fns);
void AddMathBuiltins(std::vector<FuncDef>& fns);
void AddMathExtraBuiltins(std::vector<FuncDef>& fns);
void AddDatetimeBuiltins(std::vector<FuncDef>& fns);
void AddCatalogBuiltins(std::vector<FuncDef>& fns);  // catalog_builtins.cc
void AddSessionBuiltins(std::vector<FuncDef>& fns);
void AddArrayBuiltins(std::vector<OperDef>& ops, std::vector<FuncDef>& fns);
void AddRegexBuiltins(std::vector<OperDef>& ops, std::vector<FuncDef>& fns);
void AddAdminBuiltins(std::vector<OperDef>& ops, std::vector<FuncDef>& fns);
void AddDescribeBuiltins(std::vector<FuncDef>& fns);  // describe_builtins.cc
void AddByteaBuiltins(std::vector<OperDef>& ops, std::vector<FuncDef>& fns);  // bytea_builtins.cc
void AddSequenceBuiltins(std::vector<FuncDef>& fns);  // sequence_builtins.cc
void AddToCharBuiltins(std::vector<FuncDef>& fns);    // to_char.cc
void AddSchemaBuiltins(std::vector<FuncDef>& fns);  // schema_builtins.cc
void AddUuidBuiltins(std::vector<FuncDef>& fns);                              // uuid_builtins.cc
void AddTimeBuiltins(std::vector<OperDef>& ops, std::vector<FuncDef>& fns);   // time_builtins.cc

// Array expressions the analyzer builds calls to (array_builtins.cc).
// ARRAY[a, b, ...] (not strict; type_a = element type).
void ArrayBuildFn(const Step& st, const Datum* const* args, Datum& out, ExecContext& ctx);
// a[i]: NULL when i is outside the array.
void ArraySubscriptFn(const Step& st, const Datum* const* args, Datum& out, ExecContext& ctx);
// a[i] := v (array, subscript, value; type_a = element type): array_assign.cc.
void ArrayAssignFn(const Step& st, const Datum* const* args, Datum& out, ExecContext& ctx);
// a[i:j]: args are the array, then the bounds written (aux bit 0: lower,
// bit 1: upper); result lower bound 1.
void ArraySliceFn(const Step& st, const Datum* const* args, Datum& out, ExecContext& ctx);
// a[i][j]...: more subscripts than dimensions; NULL, or an empty array when
// any subscript is a slice (aux = 1).
void ArrayMultiSubscriptFn(const Step& st, const Datum* const* args, Datum& out, ExecContext& ctx);

// pg_typeof("any"): the analyzer keeps the argument's own type in Step::aux
// (session_builtins.cc).
void PgTypeofFn(const Step& st, const Datum* const* args, Datum& out, ExecContext& ctx);

// quote_ident's rule (string_builtins.cc): quoted unless a plain lower-case
// name that is not a keyword PostgreSQL would misread.
std::string QuoteIdent(const std::string& s);

// Shared error helpers with PostgreSQL's wording.
[[noreturn]] void ThrowIntOutOfRange(uint32_t type);
[[noreturn]] void ThrowDivisionByZero();

}  // namespace tusk::sql
