// Pull-based plan nodes: scans (virtual table, VALUES), filter, aggregate,
// project, distinct, sort and limit. Each Next() returns a pointer to a row
// owned by the node, valid until the next call; nullptr at end.
#pragma once

#include <memory>
#include <vector>

#include "sql/analyzer/analyzer.h"
#include "sql/executor/expr_program.h"

namespace tusk::sql {

using Row = std::vector<Datum>;

struct ExecState {
  ExecContext ctx;
  std::vector<Datum> params;
};

class PlanNode {
 public:
  virtual ~PlanNode() = default;
  virtual const Row* Next(ExecState& st) = 0;
};

// An aggregate call without its argument tree (compiled separately).
struct AggSpec {
  const AggDef* def;
  bool distinct;
  uint32_t arg_type;
  uint32_t result_type;
};

// Compiled form of an AnalyzedQuery; copied per execution so that register
// files are private to each cursor.
struct CompiledQuery {
  VirtualTable* table = nullptr;
  std::vector<uint32_t> input_types;
  std::vector<std::vector<ExprProgram>> values;
  std::vector<ExprProgram> where;  // 0 or 1
  bool aggregated = false;
  std::vector<ExprProgram> group_keys;
  std::vector<AggSpec> aggs;
  std::vector<ExprProgram> agg_args;
  std::vector<ExprProgram> having;
  std::vector<ExprProgram> targets;
  size_t visible = 0;
  bool distinct = false;
  std::vector<SortKey> sort;
  std::vector<uint32_t> target_types;
  std::vector<ExprProgram> limit, offset;
};

CompiledQuery CompileQuery(AnalyzedQuery& q);
// Builds the node tree for one execution.
std::unique_ptr<PlanNode> BuildPlan(const CompiledQuery& q, ExecState& st);

}  // namespace tusk::sql
