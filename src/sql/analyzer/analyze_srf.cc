// Set-returning functions in a select list, with PostgreSQL 10's ProjectSet
// semantics. A call becomes a kSrf node while its expression is analyzed;
// PlanSrfs then moves every call into a ProjectSet step (SrfLevel) one level
// above the deepest call among its arguments, so calls at one level run in
// lockstep, and turns each expression that reads a call into a reference to
// the column that step appends. The executor side is executor/project_set.cc.
#include "sql/analyzer/analyzer_impl.h"
#include "sql/functions/srf.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr const char* kSrfHint = "You might be able to move the set-returning function into a LATERAL FROM item.";

// Calls of the same expression share one column; PostgreSQL's planner
// merges equal target entries too, and lockstep makes them equal anyway.
struct SrfPlanner {
  std::vector<std::vector<TExprPtr>> levels;  // originals, as analyzed

  // Records the calls in e; returns 1 + the level of its deepest call (0: none).
  size_t Collect(const TExpr& e) {
    size_t depth = 0;
    for (const auto& a : e.args) depth = std::max(depth, Collect(*a));
    if (e.else_expr) depth = std::max(depth, Collect(*e.else_expr));
    if (e.kind != TKind::kSrf) return depth;
    if (levels.size() <= depth) levels.resize(depth + 1);
    bool seen = false;
    for (const auto& c : levels[depth]) seen |= c->Equals(e);
    if (!seen) levels[depth].push_back(e.Clone());
    return depth + 1;
  }

  // Replaces every call in e with the column its step appends; widths[l]
  // is the input width of level l.
  TExprPtr Rewrite(TExprPtr e, const std::vector<size_t>& widths) const {
    if (e->kind == TKind::kSrf) {
      for (size_t l = 0; l < levels.size(); ++l) {
        for (size_t p = 0; p < levels[l].size(); ++p) {
          if (!levels[l][p]->Equals(*e)) continue;
          auto col = std::make_unique<TExpr>(TKind::kColumn, e->type);
          col->typmod = e->typmod;  // a record call's field list
          col->index = static_cast<int>(widths[l] + p);
          col->location = e->location;
          return col;
        }
      }
      throw PgError(sqlstate::kInternalError, "set-returning function call not planned");
    }
    for (auto& a : e->args) a = Rewrite(std::move(a), widths);
    if (e->else_expr) e->else_expr = Rewrite(std::move(e->else_expr), widths);
    return e;
  }

  // Moves the calls of exprs into steps over rows `base` columns wide.
  std::vector<SrfLevel> Plan(std::vector<TExprPtr>& exprs, size_t base) {
    for (const auto& e : exprs) Collect(*e);
    std::vector<size_t> widths;
    size_t w = base;
    for (const auto& l : levels) {
      widths.push_back(w);
      w += l.size();
    }
    for (auto& e : exprs) e = Rewrite(std::move(e), widths);
    std::vector<SrfLevel> out(levels.size());
    for (size_t l = 0; l < levels.size(); ++l) {
      out[l].width = widths[l];
      for (const auto& c : levels[l]) {
        TExprPtr call = c->Clone();
        for (auto& a : call->args) a = Rewrite(std::move(a), widths);
        out[l].calls.push_back(std::move(call));
      }
    }
    return out;
  }
};

// generate_series and unnest have no scalar overloads; pg_backup_stop,
// also usable in FROM, is a scalar (record) function in expressions.
bool IsSelectListSrf(const std::string& name) {
  if (!IsSetFunctionName(name)) return false;
  for (const auto& f : AllFunctions()) {
    if (f.name == name) return false;
  }
  return true;
}

}  // namespace

const TExpr* FindSrf(const TExpr& e) {
  if (e.kind == TKind::kSrf) return &e;
  for (const auto& a : e.args) {
    if (const TExpr* s = FindSrf(*a)) return s;
  }
  return e.else_expr ? FindSrf(*e.else_expr) : nullptr;
}

bool IsSrfCall(const Expr& e) { return e.kind == ExprKind::kFunc && IsSelectListSrf(e.names.back()); }

const Expr* FindSetReturningCall(const Expr& e) {
  if (IsSrfCall(e)) return &e;
  // In the order the analyzer visits them, so the first is the one reported.
  std::vector<const Expr*> parts = {e.case_arg.get()};
  for (const auto& a : e.args) parts.push_back(a.get());
  parts.push_back(e.case_else.get());
  for (const auto& o : e.agg_order) parts.push_back(o.expr.get());
  parts.push_back(e.agg_filter.get());
  for (const Expr* x : parts) {
    if (const Expr* f = x ? FindSetReturningCall(*x) : nullptr) return f;
  }
  return nullptr;
}

TExprPtr Analyzer::TransformSrfCall(const Expr& e) {
  std::vector<TExprPtr> args;
  for (const auto& a : e.args) args.push_back(Transform(*a));
  TExprPtr call = ResolveFunction(e, std::move(args), &AllSetFunctions());
  if (call->aux == kSrfExpandArray) call->typmod = ExpandArrayTypmod(ElementTypeOf(call->args[0]->type));
  if (!srf_allowed_) {
    if (srf_clause_ == kSrfInFrom) {
      Error(sqlstate::kFeatureNotSupported, "set-returning functions must appear at top level of FROM", e.location);
    }
    Error(sqlstate::kFeatureNotSupported, std::string("set-returning functions are not allowed in ") + srf_clause_,
          e.location);
  }
  if (in_agg_) {
    Error(sqlstate::kFeatureNotSupported, "aggregate function calls cannot contain set-returning function calls",
          e.location, kSrfHint);
  }
  call->kind = TKind::kSrf;
  return call;
}

void Analyzer::RefuseSrfIn(const TExpr& e, const char* construct) {
  if (const TExpr* s = FindSrf(e)) {
    Error(sqlstate::kFeatureNotSupported, std::string("set-returning functions are not allowed in ") + construct,
          s->location, kSrfHint);
  }
}

void Analyzer::RefuseSrfInComparison(const TExpr& test, int location) {
  if (FindSrf(test)) Error(sqlstate::kDatatypeMismatch, "row comparison operator must not return a set", location);
}

void Analyzer::PlanSrfs(AnalyzedQuery& q) {
  for (const auto& t : q.targets) q.srf_result |= t->kind != TKind::kSrf && FindSrf(*t);
  for (const auto& k : q.group_keys) q.group_srf_result |= k->kind != TKind::kSrf && FindSrf(*k);
  if (q.aggregated) {
    q.group_srf_levels = SrfPlanner().Plan(q.group_keys, q.input_types.size());
    q.srf_levels = SrfPlanner().Plan(q.targets, q.group_keys.size() + q.aggs.size());
  } else {
    q.srf_levels = SrfPlanner().Plan(q.targets, q.input_types.size());
  }
}

}  // namespace tusk::sql
