// Semantic analysis of SELECT / VALUES: name resolution against the FROM
// relation, type resolution with PostgreSQL's rules for unknown literals and
// parameters, operator/function overload selection, aggregates and output
// column naming. Produces an AnalyzedQuery the planner turns into nodes.
#pragma once

#include <string>
#include <vector>

#include "sql/analyzer/texpr.h"
#include "sql/functions/registry.h"
#include "sql/parser/statement.h"

namespace tusk::sql {

class SessionContext;
class VirtualTable;

struct OutputColumn {
  std::string name;
  uint32_t type;
  int32_t typmod = -1;
};

struct AggCall {
  const AggDef* def;
  TExprPtr arg;  // null for count(*)
  bool distinct = false;
  uint32_t arg_type = 0;
  uint32_t result_type = 0;
};

struct SortKey {
  int column;  // index into targets
  bool desc;
  bool nulls_first;
};

struct AnalyzedQuery {
  VirtualTable* table = nullptr;             // FROM relation, or null
  std::vector<uint32_t> input_types;         // input row layout
  std::vector<std::vector<TExprPtr>> values; // VALUES rows (no FROM relation)
  TExprPtr where;                            // over input rows
  bool aggregated = false;
  std::vector<TExprPtr> group_keys;          // over input rows
  std::vector<AggCall> aggs;                 // over input rows
  TExprPtr having;                           // over [group keys..., agg results...]
  std::vector<TExprPtr> targets;             // over input or aggregate rows; resjunk at the end
  size_t visible = 0;                        // number of non-resjunk targets
  std::vector<OutputColumn> columns;
  bool distinct = false;
  std::vector<SortKey> sort;
  TExprPtr limit, offset;                    // constant or parameter expressions (int8)
  std::vector<uint32_t> param_types;
};

AnalyzedQuery AnalyzeSelect(const Statement& stmt, const std::vector<uint32_t>& param_type_hints,
                            SessionContext& ctx);

}  // namespace tusk::sql
