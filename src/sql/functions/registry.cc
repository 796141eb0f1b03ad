// Builds the builtin tables once per process and provides the shared total
// order over values of each type.
#include "sql/functions/registry.h"

#include <algorithm>
#include <cmath>

#include "sql/types/array.h"
#include "sql/types/record.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

struct Tables {
  std::vector<FuncDef> fns;
  std::vector<OperDef> ops;
  std::vector<AggDef> aggs;
  Tables() {
    AddOperatorBuiltins(ops, fns);
    AddStringBuiltins(fns);
    AddMathBuiltins(fns);
    AddMathExtraBuiltins(fns);
    AddDatetimeBuiltins(fns);
    AddCatalogBuiltins(fns);
    AddSessionBuiltins(fns);
    AddArrayBuiltins(ops, fns);
    AddRegexBuiltins(ops, fns);
    AddAdminBuiltins(ops, fns);
    AddDescribeBuiltins(fns);
    AddByteaBuiltins(ops, fns);
    AddSequenceBuiltins(fns);
    AddToCharBuiltins(fns);
    AddSchemaBuiltins(fns);
    AddUuidBuiltins(fns);
    AddTimeBuiltins(ops, fns);
    aggs.push_back({"count", AggKind::kCountStar, 0, oid::kInt8});
    aggs.push_back({"count", AggKind::kCount, kAnyArg, oid::kInt8});
    // sum/avg result types follow PostgreSQL (sum(int4) is bigint, etc.).
    aggs.push_back({"sum", AggKind::kSum, oid::kInt2, oid::kInt8});
    aggs.push_back({"sum", AggKind::kSum, oid::kInt4, oid::kInt8});
    aggs.push_back({"sum", AggKind::kSum, oid::kInt8, oid::kNumeric});
    aggs.push_back({"sum", AggKind::kSum, oid::kNumeric, oid::kNumeric});
    aggs.push_back({"sum", AggKind::kSum, oid::kFloat4, oid::kFloat4});
    aggs.push_back({"sum", AggKind::kSum, oid::kFloat8, oid::kFloat8});
    aggs.push_back({"sum", AggKind::kSum, oid::kInterval, oid::kInterval});
    aggs.push_back({"avg", AggKind::kAvg, oid::kInt2, oid::kNumeric});
    aggs.push_back({"avg", AggKind::kAvg, oid::kInt4, oid::kNumeric});
    aggs.push_back({"avg", AggKind::kAvg, oid::kInt8, oid::kNumeric});
    aggs.push_back({"avg", AggKind::kAvg, oid::kNumeric, oid::kNumeric});
    aggs.push_back({"avg", AggKind::kAvg, oid::kFloat4, oid::kFloat8});
    aggs.push_back({"avg", AggKind::kAvg, oid::kFloat8, oid::kFloat8});
    aggs.push_back({"avg", AggKind::kAvg, oid::kInterval, oid::kInterval});
    // variance/stddev: numeric for integer and numeric inputs, float8 for floats.
    const std::pair<const char*, AggKind> kStats[] = {
        {"variance", AggKind::kVarSamp},  {"var_samp", AggKind::kVarSamp},       {"var_pop", AggKind::kVarPop},
        {"stddev", AggKind::kStddevSamp}, {"stddev_samp", AggKind::kStddevSamp}, {"stddev_pop", AggKind::kStddevPop}};
    for (const auto& [name, kind] : kStats) {
      for (uint32_t t : {oid::kInt2, oid::kInt4, oid::kInt8, oid::kNumeric}) aggs.push_back({name, kind, t, oid::kNumeric});
      for (uint32_t t : {oid::kFloat4, oid::kFloat8}) aggs.push_back({name, kind, t, oid::kFloat8});
    }
    aggs.push_back({"min", AggKind::kMin, kAnyArg, 0});
    aggs.push_back({"max", AggKind::kMax, kAnyArg, 0});
    aggs.push_back({"bool_and", AggKind::kBoolAnd, oid::kBool, oid::kBool});
    aggs.push_back({"bool_or", AggKind::kBoolOr, oid::kBool, oid::kBool});
    aggs.push_back({"every", AggKind::kBoolAnd, oid::kBool, oid::kBool});
    aggs.push_back({"string_agg", AggKind::kStringAgg, oid::kText, oid::kText, oid::kText});
    // Same concatenation over raw bytes (PostgreSQL's bytea_string_agg).
    aggs.push_back({"string_agg", AggKind::kStringAgg, oid::kBytea, oid::kBytea, oid::kBytea});
    // array_agg(anynonarray): the result is the argument's array type.
    aggs.push_back({"array_agg", AggKind::kArrayAgg, kAnyArg, 0});
  }
};

const Tables& GetTables() {
  static const Tables t;
  return t;
}

template <typename T>
int Cmp3(T a, T b) { return a < b ? -1 : a > b ? 1 : 0; }

// PostgreSQL's btree order for arrays: element by element (a NULL element
// sorts after every non-null one, two NULLs are equal), then the number of
// dimensions (the empty array has none), the length, and the lower bound.
int CompareArrays(const ArrayValue& a, const ArrayValue& b) {
  size_t n = std::min(a.elems.size(), b.elems.size());
  for (size_t i = 0; i < n; ++i) {
    const Datum& x = a.elems[i];
    const Datum& y = b.elems[i];
    if (x.null || y.null) {
      if (x.null != y.null) return x.null ? 1 : -1;
      continue;
    }
    if (int c = CompareDatum(a.elem_type, x, y)) return c;
  }
  if (int c = Cmp3(a.elems.empty(), b.elems.empty())) return -c;
  if (int c = Cmp3(a.elems.size(), b.elems.size())) return c;
  return Cmp3(a.lbound, b.lbound);
}

}  // namespace

const std::vector<FuncDef>& AllFunctions() { return GetTables().fns; }
const std::vector<OperDef>& AllOperators() { return GetTables().ops; }
const std::vector<AggDef>& AllAggregates() { return GetTables().aggs; }

int CompareDatum(uint32_t type, const Datum& a, const Datum& b) {
  switch (type) {
    case oid::kBool: return Cmp3(a.b, b.b);
    case oid::kInt2: case oid::kInt4: case oid::kInt8: case oid::kOid: case oid::kRegtype: case oid::kDate: case oid::kTime:
    case oid::kTimestamp: case oid::kTimestamptz: case oid::kRegclass: case oid::kRegproc: case oid::kRegprocedure:
    case oid::kRegnamespace: case oid::kRegrole:
      return Cmp3(a.i, b.i);
    case oid::kPgLsn: case oid::kXid8: case oid::kTid:
      return Cmp3(static_cast<uint64_t>(a.i), static_cast<uint64_t>(b.i));
    case oid::kFloat4: case oid::kFloat8: {
      bool an = std::isnan(a.f), bn = std::isnan(b.f);
      if (an || bn) return an == bn ? 0 : (an ? 1 : -1);
      return Cmp3(a.f, b.f);
    }
    case oid::kNumeric: return a.n.Compare(b.n);
    case oid::kInterval: {
      // PostgreSQL compares intervals as if months were 30 days.
      __int128 x = (static_cast<__int128>(a.months) * 30 + a.days) * 86400000000LL + a.i;
      __int128 y = (static_cast<__int128>(b.months) * 30 + b.days) * 86400000000LL + b.i;
      return Cmp3(x, y);
    }
    case oid::kBpchar: {
      // Trailing spaces are insignificant for character(n).
      std::string_view x(a.s), y(b.s);
      while (!x.empty() && x.back() == ' ') x.remove_suffix(1);
      while (!y.empty() && y.back() == ' ') y.remove_suffix(1);
      int c = x.compare(y);
      return c < 0 ? -1 : c > 0;
    }
    default: {
      if (a.arr && b.arr) return CompareArrays(*a.arr, *b.arr);
      if (a.rec && b.rec) return CompareRecords(*a.rec, *b.rec);
      int c = a.s.compare(b.s);
      return c < 0 ? -1 : c > 0;
    }
  }
}

void ThrowIntOutOfRange(uint32_t type) {
  const char* msg = type == oid::kInt2 ? "smallint out of range" : type == oid::kInt8 ? "bigint out of range" : "integer out of range";
  throw PgError(sqlstate::kNumericValueOutOfRange, msg);
}

void ThrowDivisionByZero() { throw PgError(sqlstate::kDivisionByZero, "division by zero"); }

}  // namespace tusk::sql
