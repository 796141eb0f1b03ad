// Function calls in FROM: generate_series / unnest (set-returning, streamed
// by a Function Scan) and any scalar function call (one row). The column
// takes PostgreSQL's names: a column alias, else the table alias, else the
// function name; WITH ORDINALITY adds a bigint column "ordinality".
// Arguments may read earlier FROM items of the same level (functions in FROM
// are implicitly LATERAL); such an item is re-run per row of the join's left
// input, so it must be the right side of a join whose left side holds every
// column its arguments read.
#include "sql/analyzer/analyzer_impl.h"
#include "sql/functions/srf.h"
#include "sql/parser/deparse.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

// Lowest input column an argument reads at this level (correlated subqueries
// count as reading column 0 when earlier items exist); -1 if none.
void LowestColumn(const TExpr& e, bool earlier_items, int* lowest) {
  auto note = [&](int idx) {
    if (*lowest < 0 || idx < *lowest) *lowest = idx;
  };
  if (e.kind == TKind::kColumn) note(e.index);
  if (e.kind == TKind::kSubLink && e.correlated && earlier_items) note(0);
  for (const auto& a : e.args) LowestColumn(*a, earlier_items, lowest);
  if (e.else_expr) LowestColumn(*e.else_expr, earlier_items, lowest);
  if (e.combine) LowestColumn(*e.combine, earlier_items, lowest);
}

}  // namespace

std::unique_ptr<AnalyzedFrom> Analyzer::AnalyzeFunctionFrom(const FromItem& f, std::vector<int>* star) {
  auto item = std::make_unique<AnalyzedFrom>();
  item->kind = AnalyzedFrom::kFunction;
  item->ordinality = f.with_ordinality;
  const Expr& call = *f.func;
  const char* saved_clause = agg_forbidden_clause_;
  bool saved_allowed = agg_allowed_;
  const char* saved_srf_clause = srf_clause_;
  agg_forbidden_clause_ = "functions in FROM";
  agg_allowed_ = false;
  srf_clause_ = kSrfInFrom;
  const char* saved_win = win_clause_;
  win_clause_ = "functions in FROM";
  std::string fname;
  uint32_t type;
  try {
    bool srf = call.kind == ExprKind::kFunc && IsSetFunctionName(call.names.back()) && !call.agg_star &&
               !call.agg_distinct && call.agg_order.empty() && !call.agg_filter && !call.over &&
               (call.names.size() == 1 ||
                (call.names.size() == 2 && (call.names[0] == "pg_catalog" || call.names[0] == "information_schema")));
    for (const auto& n : call.arg_names) {
      if (!n.empty()) srf = false;
    }
    if (srf) {
      std::vector<TExprPtr> args;
      for (const auto& a : call.args) args.push_back(Transform(*a));
      TExprPtr resolved = ResolveFunction(call, std::move(args), &AllSetFunctions());
      item->srf = resolved->aux;
      type = resolved->type;
      item->func_args = std::move(resolved->args);
      fname = call.names.back();
    } else {
      TExprPtr value = Transform(call);
      type = value->type == oid::kUnknown ? oid::kText : value->type;
      if (value->type != type) value = Coerce(std::move(value), type, -1, CoercionContext::kImplicit, call.location);
      item->func_args.push_back(std::move(value));
      fname = FigureColname(call);
    }
  } catch (...) {
    agg_forbidden_clause_ = saved_clause;
    agg_allowed_ = saved_allowed;
    srf_clause_ = saved_srf_clause;
    win_clause_ = saved_win;
    throw;
  }
  agg_forbidden_clause_ = saved_clause;
  agg_allowed_ = saved_allowed;
  srf_clause_ = saved_srf_clause;
  win_clause_ = saved_win;
  int lowest = -1;
  for (const auto& a : item->func_args) LowestColumn(*a, !scope_.empty(), &lowest);
  item->lateral = lowest >= 0;
  item->lateral_min = lowest;
  if (lowest >= 0 && lowest < static_cast<int>(scope_.size()) && scope_[lowest].rte >= 0) {
    item->lateral_table = rtes_[scope_[lowest].rte].name;
  }
  std::string name = f.alias ? *f.alias : fname;
  item->label = fname + (f.alias && *f.alias != fname ? " " + *f.alias : "");
  std::vector<std::string> names = {name};
  std::vector<uint32_t> types = {type};
  if (const std::vector<OutColumn>* out = item->srf >= 0 ? SetFunctionOutColumns(item->srf) : nullptr) {
    names.clear();
    types.clear();
    for (const OutColumn& c : *out) {
      names.push_back(c.name);
      types.push_back(c.type == oid::kAnyElement ? ElementTypeOf(item->func_args[0]->type) : c.type);
    }
  }
  if (item->ordinality) {
    names.push_back("ordinality");
    types.push_back(oid::kInt8);
  }
  AddRangeEntry(name, names, f.column_aliases, types, *item, star, f.location);
  return item;
}

// A lateral function item must be the right input of a join whose left
// input holds the columns it reads, and the join must be INNER or LEFT.
void CheckLateralFunction(const AnalyzedFrom& j) {
  auto refuse = [&](const std::string& msg) { throw PgError(sqlstate::kFeatureNotSupported, msg); };
  if (j.left->kind == AnalyzedFrom::kFunction && j.left->lateral) {
    refuse("a function in FROM that references earlier FROM items must be the right side of a join");
  }
  if (j.right->kind != AnalyzedFrom::kFunction || !j.right->lateral) return;
  if (j.join == JoinKind::kRight || j.join == JoinKind::kFull) {
    PgError err(sqlstate::kInvalidColumnReference,
                "invalid reference to FROM-clause entry for table \"" + j.right->lateral_table + "\"");
    err.Detail("The combining JOIN type must be INNER or LEFT for a LATERAL reference.");
    throw err;
  }
  if (j.right->lateral_min < j.left->start) {
    refuse("a function in FROM may reference only the FROM items directly to its left");
  }
}

}  // namespace tusk::sql
