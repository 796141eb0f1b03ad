// Semantic analysis of SELECT / VALUES: name resolution against the FROM
// items (joins, derived tables, CTEs), type resolution with PostgreSQL's rules for unknown literals and
// parameters, operator/function overload selection, aggregates and output
// column naming. Produces an AnalyzedQuery the planner turns into nodes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sql/analyzer/texpr.h"
#include "sql/functions/registry.h"
#include "sql/parser/statement.h"

namespace tusk::sql {

class SessionContext;
class VirtualTable;
class StoredTable;

struct OutputColumn {
  std::string name;
  uint32_t type;
  int32_t typmod = -1;
};

struct AggOrderKey {
  TExprPtr expr;  // over input rows
  bool desc = false;
  bool nulls_first = false;
};

struct AggCall {
  const AggDef* def = nullptr;
  TExprPtr arg;  // null for count(*)
  TExprPtr arg2;  // second argument (string_agg delimiter) or null
  TExprPtr filter;  // FILTER (WHERE ...) over input rows, or null
  std::vector<AggOrderKey> order;  // ORDER BY inside the call
  bool distinct = false;
  uint32_t arg_type = 0;
  uint32_t arg2_type = 0;
  uint32_t result_type = 0;
};

// Window functions (invariant 47). A window is the PARTITION BY / ORDER BY /
// frame of one OVER clause or WINDOW entry; its expressions are over the
// rows the window node reads ("pre-window" rows: input rows, or aggregate
// rows [group keys..., aggregate results...] in an aggregated query).
enum class WinFuncKind : uint8_t {
  kAggregate, kRowNumber, kRank, kDenseRank, kPercentRank, kCumeDist, kNtile, kLag, kLead,
  kFirstValue, kLastValue, kNthValue,
};

struct WindowClause {
  std::string name;      // WINDOW name AS (...); empty for OVER (...)
  int entry = -1;        // its position in the WINDOW clause
  std::string ref_name;  // OVER (w ...): the window copied
  std::vector<TExprPtr> partition;
  std::vector<AggOrderKey> order;
  bool has_frame = false;
  FrameMode mode = FrameMode::kRange;
  FrameBoundKind start = FrameBoundKind::kUnboundedPreceding;
  FrameBoundKind end = FrameBoundKind::kCurrentRow;
  FrameExclusion exclude = FrameExclusion::kNoOthers;
  // Offsets of kOffset* bounds (no columns of this level): bigint for ROWS
  // and GROUPS, for RANGE the offset type of the ORDER BY column's type.
  TExprPtr start_offset, end_offset;
  // RANGE offsets over date, timestamp[tz] or interval keys: key + offset
  // and key - offset over the row [key, offset] (a date key gives a timestamp).
  TExprPtr range_add, range_sub;
  bool used = false;                   // some window function reads it
  std::vector<std::string> partition_text, order_text;  // EXPLAIN (Sort Key)
};

struct WindowFuncCall {
  int window = 0;
  WinFuncKind kind = WinFuncKind::kRowNumber;
  AggCall agg;                  // kAggregate: def, arguments, FILTER
  std::vector<TExprPtr> args;   // the others: resolved arguments
  uint32_t result_type = 0;
  int location = -1;
};

// One window node of the plan, over windows[window]. Its rows are sorted
// by `keys` first when `sort`; otherwise an earlier step's sort already
// orders them so (keys is a prefix of that step's). Rows of one partition
// are equal on keys[0, npartition); order_pos gives, per ORDER BY key of
// the window, its position in keys (an ORDER BY key that is also a
// PARTITION BY key is sorted once).
struct WindowStep {
  int window = 0;
  bool sort = false;
  std::vector<AggOrderKey> keys;
  std::vector<std::string> key_text;  // EXPLAIN's Sort Key
  int npartition = 0;
  std::vector<int> order_pos;
};

struct SortKey {
  int column;  // index into targets
  bool desc;
  bool nulls_first;
};

enum class JoinKind : uint8_t { kInner, kLeft, kRight, kFull };

// A join conjunct `left = right` whose sides use only the left / only the
// right item's columns and have the same type. Hashable: any type but
// float4/float8 (AppendKey's text encoding); mergeable: a type whose `=` is
// CompareDatum(...) == 0 under a total order the B-tree indexes share (bool,
// integers, oid, floats, numeric, text-like, bytea, date, timestamps,
// interval).
struct JoinKey {
  TExprPtr left, right;
  bool hashable = false, mergeable = false;
  int conjunct = -1;                   // index into AnalyzedFrom::conjuncts; -1 for USING
  std::string left_text, right_text;  // EXPLAIN: "a.x", "b.y"
};

// One FROM item. Every item owns the columns [start, start + types.size())
// of the query's input row; a join's columns are its left item's, then its
// right item's, then its USING/NATURAL merged columns. Join expressions are
// over the input row with only the join's own columns filled in.
struct AnalyzedFrom {
  enum Kind : uint8_t { kTable, kSubquery, kCte, kWorkTable, kJoin, kFunction } kind = kTable;
  int start = 0;
  std::vector<uint32_t> types;
  VirtualTable* table = nullptr;             // kTable: a view over process memory, or
  std::shared_ptr<StoredTable> stored;       // kTable: a stored table; its rows end with a hidden ctid (int8)
  std::vector<bool> needed;                  // stored: per column, whether the query reads it (empty: all)
  int index = -1;                            // stored: index scan on stored->indexes[index]
  std::vector<TExprPtr> index_eq;            // stored: equality keys (no input columns), leading columns
  TExprPtr index_lower, index_upper;         // stored: range on the next index column (either may be null)
  std::vector<TExprPtr> index_in;            // stored: IN list on the index's first column (one scan per value)
  bool index_backward = false;               // stored: scan the index from its end (ORDER BY ... DESC)
  bool index_lower_incl = true, index_upper_incl = true;
  std::string label;                         // EXPLAIN: "table" or "table alias"
  std::string index_cond;                    // EXPLAIN: the conjuncts the index scan uses
  std::string join_cond;                     // EXPLAIN: ON condition as written
  std::shared_ptr<AnalyzedQuery> subquery;   // kSubquery
  int cte_id = -1;                           // kCte / kWorkTable
  bool lateral = false;                      // kSubquery / kFunction: re-run per left row
  // kFunction: a set-returning builtin (SrfKind, functions/srf.h) over
  // func_args, or (srf < 0) one row holding the value of the scalar call
  // func_args[0]; WITH ORDINALITY appends a bigint row number. A lateral
  // function's arguments read input columns from lateral_min on.
  int srf = -1;
  std::vector<TExprPtr> func_args;
  bool ordinality = false;
  int lateral_min = -1;
  std::string lateral_table;                 // kFunction: FROM entry of that column (errors)
  JoinKind join = JoinKind::kInner;
  std::unique_ptr<AnalyzedFrom> left, right;
  TExprPtr cond;                             // null = true
  std::vector<TExprPtr> merged;              // values of the merged columns
  std::vector<JoinKey> join_keys;            // equi-join conjuncts usable as hash or merge keys
  std::vector<std::string> conjuncts;        // EXPLAIN: the ON condition's top-level AND parts
  // The chosen method's keys (choose_join.cc): empty = nested loop; else a
  // hash join, or a merge join when `merge` (keys in merge order, inputs
  // delivered in that order by an index scan or by a sort under the join).
  std::vector<TExprPtr> left_keys, right_keys;
  std::vector<std::string> left_key_text, right_key_text;  // EXPLAIN, parallel to the keys
  bool merge = false;
  bool sort_left = false, sort_right = false;  // merge: sort that input by its keys
  std::string join_filter;                   // EXPLAIN: ON conjuncts other than the keys
};

// SELECT ... FOR UPDATE/SHARE: rows of this stored FROM item are locked
// after WHERE (its columns and ctid at [start, start + width]).
struct RowMark {
  std::shared_ptr<StoredTable> table;
  int start = 0;
  int width = 0;  // user columns; the ctid follows
  uint8_t strength = 0;  // LockingClause::Strength
  uint8_t wait = 0;      // LockingClause::WaitPolicy
};

// One ProjectSet step (analyze_srf.cc): for each input row its
// set-returning calls (TKind::kSrf, arguments over that row) run in
// lockstep; each output row is the input row, padded to `width` columns,
// followed by one column per call (NULL once that call is exhausted).
struct SrfLevel {
  size_t width = 0;
  std::vector<TExprPtr> calls;
};

struct AnalyzedCte {
  int id;
  std::shared_ptr<AnalyzedQuery> query;
};

struct AnalyzedQuery {
  std::unique_ptr<AnalyzedFrom> from;        // FROM tree, or null (values)
  std::vector<uint32_t> input_types;         // input row layout
  std::vector<std::vector<TExprPtr>> values; // VALUES rows (no FROM relation)
  TExprPtr where;                            // over input rows
  bool aggregated = false;
  std::vector<TExprPtr> group_keys;          // over input rows
  std::vector<AggCall> aggs;                 // over input rows
  TExprPtr having;                           // over [group keys..., agg results...]
  std::vector<TExprPtr> targets;             // over input or aggregate rows; resjunk at the end
  // Set-returning calls in the select list: ProjectSet steps between HAVING
  // and the projection (srf_levels; targets read their columns), and before
  // aggregation for GROUP BY keys (group_srf_levels). srf_result (and
  // group_srf_result): a target (a key) computes over a call's value, which
  // EXPLAIN draws as a Result above the steps.
  std::vector<SrfLevel> srf_levels, group_srf_levels;
  bool srf_result = false, group_srf_result = false;
  size_t visible = 0;                        // number of non-resjunk targets
  std::vector<OutputColumn> columns;
  bool distinct = false;
  // DISTINCT ON: target columns; `sort` then starts with them (in some
  // order) and rows equal on them are consecutive, the first one is kept.
  std::vector<int> distinct_on;
  std::vector<SortKey> sort;
  bool sorted_by_index = false;              // the FROM index scan already yields `sort` order
  // Window functions: computed after HAVING over pre-window rows of types
  // window_input_types; their results are the columns [W, W + F) of the
  // window rows that targets (and `sort`) read, W = window_input_types.size().
  std::vector<WindowClause> windows;
  std::vector<WindowFuncCall> window_funcs;
  std::vector<uint32_t> window_input_types;
  std::vector<WindowStep> window_steps;      // nodes in plan order, bottom first
  bool sorted_by_window = false;             // the last window's sort already yields `sort` order
  TExprPtr limit, offset;                    // constant or parameter expressions (int8)
  std::vector<uint32_t> param_types;
  std::vector<AnalyzedCte> ctes;             // WITH queries defined at this level
  std::vector<RowMark> row_marks;            // FOR UPDATE / FOR SHARE
  // Set operation (op != kNone): the branches replace FROM..targets; their
  // outputs are cast by *_cast (over the branch row) when non-empty. A
  // recursive union's right branch reads the work table of cte_id.
  SetOpKind op = SetOpKind::kNone;
  bool set_all = false;
  std::shared_ptr<AnalyzedQuery> larg, rarg;
  std::vector<TExprPtr> larg_cast, rarg_cast;
  bool recursive = false;
  int cte_id = -1;
};

// INSERT, UPDATE and DELETE on a stored table. Row layouts: the scan of an
// UPDATE/DELETE yields [ctid, new (UPDATE) or old (DELETE) column values...];
// checks, RETURNING and the READ COMMITTED re-check are over a table row
// [column values..., ctid].
struct AnalyzedModify {
  enum Kind : uint8_t { kInsert, kUpdate, kDelete } kind = kInsert;
  std::shared_ptr<StoredTable> table;
  AnalyzedQuery source;               // INSERT: the rows (VALUES or a query); else the scan
  std::vector<TExprPtr> new_row;      // INSERT: one per table column, over a source row
  TExprPtr recheck_where;             // UPDATE/DELETE re-check (null = true)
  std::vector<TExprPtr> recheck_set;  // UPDATE re-check: new column values
  bool can_recheck = true;            // false when FROM/USING joins other tables
  std::vector<std::string> check_names;
  std::vector<TExprPtr> checks;
  std::vector<TExprPtr> returning;
  std::vector<OutputColumn> returning_columns;
  bool on_conflict_nothing = false;
  std::vector<uint32_t> arbiters;  // ON CONFLICT's unique indexes (OIDs); empty: all of them
  // ON CONFLICT DO UPDATE: new column values and the optional WHERE, over
  // [existing row..., ctid, proposed row (EXCLUDED)..., 0].
  bool on_conflict_update = false;
  std::vector<TExprPtr> conflict_set;
  TExprPtr conflict_where;
  std::vector<uint32_t> param_types;
  std::vector<std::shared_ptr<const Statement>> keep;  // parsed DEFAULT and CHECK texts
};

AnalyzedModify AnalyzeModify(const Statement& stmt, const std::vector<uint32_t>& param_type_hints,
                             SessionContext& ctx);

// A generate_series/unnest call in e outside subqueries, or nullptr: DDL
// refuses them in DEFAULT and CHECK expressions, which it does not analyze.
const Expr* FindSetReturningCall(const Expr& e);

AnalyzedQuery AnalyzeSelect(const Statement& stmt, const std::vector<uint32_t>& param_type_hints,
                            SessionContext& ctx);

}  // namespace tusk::sql
