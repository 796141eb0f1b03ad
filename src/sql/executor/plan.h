// Pull-based plan nodes: scans (virtual table, VALUES, subquery, CTE), joins,
// set operations, filter, aggregate, project, distinct, sort and limit. Each
// Next() returns a pointer to a row owned by the node, valid until the next
// call; nullptr at end.
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "sql/analyzer/analyzer.h"
#include "sql/executor/expr_program.h"
#include "sql/table_access.h"

namespace tusk::sql {

using Row = std::vector<Datum>;

struct CompiledQuery;

// A WITH query's rows, materialized on first use; work holds the rows a
// recursive term reads in the current iteration.
struct CteData {
  std::shared_ptr<const CompiledQuery> query;
  bool done = false;
  std::vector<Row> rows;
  std::vector<Row> work;
};

struct ExecState {
  ExecContext ctx;
  const CompiledQuery* top = nullptr;  // the statement's own query (only it may run in parallel)
  std::vector<Datum> params;
  std::unordered_map<int, std::shared_ptr<CteData>> ctes;  // by CTE id
};

class PlanNode {
 public:
  virtual ~PlanNode() = default;
  virtual const Row* Next(ExecState& st) = 0;
};

// An aggregate call without its argument tree (compiled separately).
struct AggSpec {
  const AggDef* def = nullptr;
  bool distinct = false;
  uint32_t arg_type = 0;
  uint32_t result_type = 0;
  uint32_t arg2_type = 0;
  bool has_filter = false;
  std::vector<uint32_t> order_types;  // ORDER BY inside the call
  std::vector<bool> order_desc, order_nulls_first;
};

// Compiled FROM item (see AnalyzedFrom); immutable, shared by executions.
struct CompiledFrom {
  AnalyzedFrom::Kind kind = AnalyzedFrom::kTable;
  int start = 0;
  std::vector<uint32_t> types;
  VirtualTable* table = nullptr;
  std::shared_ptr<StoredTable> stored;
  std::vector<bool> needed;  // see AnalyzedFrom
  int index = -1;
  std::vector<ExprProgram> index_eq;
  std::vector<ExprProgram> index_lower, index_upper;  // 0 or 1 each
  std::vector<ExprProgram> index_in;
  bool index_backward = false;
  bool index_lower_incl = true, index_upper_incl = true;
  std::shared_ptr<const CompiledQuery> subquery;
  int cte_id = -1;
  bool lateral = false;
  JoinKind join = JoinKind::kInner;
  std::shared_ptr<const CompiledFrom> left, right;
  std::vector<ExprProgram> cond;  // 0 or 1
  std::vector<ExprProgram> merged, left_keys, right_keys;
  std::vector<uint32_t> key_types;
  bool merge = false;                          // merge join on the keys (else hash join)
  bool sort_left = false, sort_right = false;  // merge: sort that input first
  int srf = -1;                                // kFunction: see AnalyzedFrom
  std::vector<ExprProgram> func_args;
  bool ordinality = false;
  // Only on a parallel scan's per-execution copies: a stored table's
  // sequential scan reads just the blocks this hands out, without taking
  // the table lock (the leader holds it; see StoredTable::ScanBlocks).
  std::function<bool(uint32_t*)> blocks;
};

// A ProjectSet step (see SrfLevel): one (SrfKind, result type, argument
// programs) per call.
struct CompiledSrfCall {
  int kind = 0;
  uint32_t type = 0;
  std::vector<ExprProgram> args;
};
struct CompiledSrfLevel {
  size_t width = 0;
  std::vector<CompiledSrfCall> calls;
};

// One window function of a window node (see WindowFuncCall).
struct CompiledWindowFunc {
  WinFuncKind kind = WinFuncKind::kRowNumber;
  int column = 0;                  // its result in the window row
  std::vector<ExprProgram> args;   // non-aggregates: the arguments
  AggSpec agg;                     // kAggregate
  std::vector<ExprProgram> agg_arg, agg_arg2, filter;  // kAggregate: 0 or 1 each
};

// One window node (see WindowStep): rows of width `types.size()` laid out
// [pre-window columns | window function results | sort keys].
struct CompiledWindow {
  bool sort = false;
  std::vector<ExprProgram> keys;   // sort: values for the key columns
  int key_base = 0;                // first key column
  std::vector<SortKey> sort_keys;  // sort: over the key columns
  std::vector<uint32_t> types;     // of the window row's columns
  int npartition = 0;              // partition columns: key_base + [0, npartition)
  std::vector<int> order_cols;     // per ORDER BY key of the window: its column
  std::vector<bool> order_desc, order_nulls_first;
  FrameMode mode = FrameMode::kRange;
  FrameBoundKind start = FrameBoundKind::kUnboundedPreceding;
  FrameBoundKind end = FrameBoundKind::kCurrentRow;
  FrameExclusion exclude = FrameExclusion::kNoOthers;
  std::vector<ExprProgram> start_offset, end_offset;  // 0 or 1 each
  // RANGE offsets over date/time keys: key + offset and key - offset over
  // the row [key, offset] (0 or 1 each); other types are shifted natively.
  std::vector<ExprProgram> range_add, range_sub;
  std::vector<CompiledWindowFunc> funcs;
};

// Compiled form of an AnalyzedQuery; BuildPlan copies its programs per
// execution so that register files are private to each cursor.
struct CompiledQuery {
  std::shared_ptr<const CompiledFrom> from;
  size_t input_width = 0;
  std::vector<uint32_t> input_types;
  std::vector<std::vector<ExprProgram>> values;
  std::vector<ExprProgram> where;  // 0 or 1
  bool aggregated = false;
  std::vector<ExprProgram> group_keys;
  std::vector<AggSpec> aggs;
  std::vector<ExprProgram> agg_args;
  std::vector<ExprProgram> agg_args2;    // per aggregate; empty program if none
  std::vector<ExprProgram> agg_filters;  // per aggregate; empty program if none
  std::vector<std::vector<ExprProgram>> agg_orders;
  std::vector<ExprProgram> having;
  std::vector<CompiledSrfLevel> srf_levels, group_srf_levels;
  std::vector<ExprProgram> targets;
  size_t visible = 0;
  bool distinct = false;
  std::vector<int> distinct_on;  // see AnalyzedQuery::distinct_on
  std::vector<SortKey> sort;
  bool sorted_by_index = false;
  bool sorted_by_window = false;
  std::vector<CompiledWindow> windows;  // window nodes after HAVING, bottom first
  size_t window_width = 0;
  std::vector<uint32_t> target_types;
  std::vector<ExprProgram> limit, offset;
  std::vector<RowMark> row_marks;  // FOR UPDATE / SHARE: lock after WHERE (re-checked with `where`)
  std::vector<std::pair<int, std::shared_ptr<const CompiledQuery>>> ctes;
  SetOpKind op = SetOpKind::kNone;
  bool set_all = false;
  std::shared_ptr<const CompiledQuery> larg, rarg;
  std::vector<ExprProgram> larg_cast, rarg_cast;
  bool recursive = false;
  int cte_id = -1;
};

CompiledQuery CompileQuery(const AnalyzedQuery& q, size_t num_params);
inline CompiledQuery CompileQuery(AnalyzedQuery& q) { return CompileQuery(q, q.param_types.size()); }
// ORDER BY ... LIMIT as a top-N sort of the rows below the projection: the
// keys mapped to input columns, the types by input column (only the keys'
// set), the bound offset + limit. TopNOverInput: whether the targets allow
// it (plain columns, no DISTINCT) and the keys and types if so.
struct TopN {
  std::vector<SortKey> keys;
  std::vector<uint32_t> types;
  int64_t bound = -1;
};
bool TopNOverInput(const CompiledQuery& q, TopN* top);
// Builds the node tree for one execution.
std::unique_ptr<PlanNode> BuildPlan(const CompiledQuery& q, ExecState& st);
// Builds the nodes of one FROM item; a join's rows are input-row wide
// (only its own columns set), other items return their own columns.
std::unique_ptr<PlanNode> BuildFrom(const CompiledFrom& f, size_t width, ExecState& st);
std::vector<ExprProgram> BindPrograms(std::vector<ExprProgram> progs, ExecState& st);
// Appends a hashable encoding of d (GROUP BY, DISTINCT, set operations, hash joins).
void AppendKey(uint32_t type, const Datum& d, const IoContext& io, std::string& key);

// Nodes defined in join.cc, merge_join.cc, setop.cc and function_scan.cc.
std::unique_ptr<PlanNode> MakeJoin(const CompiledFrom& f, size_t width, ExecState& st);
std::unique_ptr<PlanNode> MakeMergeJoin(const CompiledFrom& f, size_t width, ExecState& st);
std::unique_ptr<PlanNode> MakeSetOp(const CompiledQuery& q, ExecState& st);
std::unique_ptr<PlanNode> MakeCteScan(int cte_id, bool work_table);
// ProjectSet steps (project_set.cc); no levels: the child itself.
std::vector<CompiledSrfLevel> CompileSrfLevels(const std::vector<SrfLevel>& levels, size_t num_params);
std::unique_ptr<PlanNode> MakeProjectSets(std::unique_ptr<PlanNode> child, const std::vector<CompiledSrfLevel>& levels,
                                          ExecState& st);
// Window nodes (window.cc): WindowKeys widens rows to the window row and
// computes a window's sort keys (a Sort follows it); WindowAgg computes the
// window's functions partition by partition over rows in that order.
std::unique_ptr<PlanNode> MakeWindowKeys(std::unique_ptr<PlanNode> child, const CompiledWindow& w, size_t width,
                                         ExecState& st);
std::unique_ptr<PlanNode> MakeWindowAgg(std::unique_ptr<PlanNode> child, const CompiledWindow& w, size_t width,
                                        ExecState& st);
// ORDER BY's node (plan.cc), also used under window nodes.
std::unique_ptr<PlanNode> MakeSort(std::unique_ptr<PlanNode> child, std::vector<SortKey> keys,
                                   std::vector<uint32_t> types, int64_t bound);
// Function Scan (function_scan.cc): streams a function call's rows.
std::unique_ptr<PlanNode> MakeFunctionScan(const CompiledFrom& f, size_t width, ExecState& st);

}  // namespace tusk::sql
