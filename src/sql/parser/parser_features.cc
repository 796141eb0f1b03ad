// Finds SELECT constructs the parser accepts but the analyzer and executor
// cannot run yet, so the engine can refuse them with 0A000 instead of
// ignoring AST fields it does not know about.
#include "sql/parser/ast.h"

namespace tusk::sql {
namespace {

const char* CheckExpr(const Expr* e, int* loc);
const char* CheckSelect(const SelectStmt& s, int* loc);

const char* CheckFrom(const FromItem& f, int* loc) {
  const char* what = nullptr;
  if (f.kind == FromKind::kFunction) what = "function in FROM";
  if (f.only) what = "ONLY";
  if (f.join_using_alias) what = "JOIN USING alias";
  if (what) {
    *loc = f.location;
    return what;
  }
  if (f.kind == FromKind::kSubquery) return CheckSelect(*f.subquery, loc);
  if (f.kind == FromKind::kJoin) {
    if (const char* w = CheckFrom(*f.left, loc)) return w;
    if (const char* w = CheckFrom(*f.right, loc)) return w;
    return CheckExpr(f.join_cond.get(), loc);
  }
  return nullptr;
}

const char* CheckSelect(const SelectStmt& s, int* loc) {
  auto at = [&](const char* what, int where) {
    *loc = where;
    return what;
  };
  if (s.with) {
    for (const auto& c : s.with->ctes) {
      if (const char* w = CheckSelect(*c.query, loc)) return w;
    }
  }
  if (s.op != SetOpKind::kNone) {
    if (const char* w = CheckSelect(*s.larg, loc)) return w;
    if (const char* w = CheckSelect(*s.rarg, loc)) return w;
  }
  if (!s.windows.empty()) return at("WINDOW", s.windows[0].location);
  if (s.limit_with_ties) return at("FETCH ... WITH TIES", s.location);
  for (const auto& f : s.from) {
    if (const char* w = CheckFrom(f, loc)) return w;
  }
  std::vector<const Expr*> exprs;
  for (const auto& t : s.targets) exprs.push_back(t.expr.get());
  for (const auto& x : s.distinct_on) exprs.push_back(x.get());
  for (const auto& x : s.group_by) exprs.push_back(x.get());
  for (const auto& o : s.order_by) exprs.push_back(o.expr.get());
  for (const auto& row : s.values) {
    for (const auto& x : row) exprs.push_back(x.get());
  }
  exprs.push_back(s.where.get());
  exprs.push_back(s.having.get());
  exprs.push_back(s.limit.get());
  exprs.push_back(s.offset.get());
  for (const Expr* e : exprs) {
    if (const char* w = CheckExpr(e, loc)) return w;
  }
  return nullptr;
}

const char* CheckExpr(const Expr* e, int* loc) {
  if (!e) return nullptr;
  const char* what = nullptr;
  switch (e->kind) {
    case ExprKind::kCollate: what = "COLLATE"; break;
    case ExprKind::kDefault: what = "DEFAULT in this context"; break;
    case ExprKind::kFunc:
      if (e->over) what = "window functions";
      else if (e->agg_within_group) what = "WITHIN GROUP";
      else if (!e->arg_names.empty()) what = "named function arguments";
      else if (e->func_variadic) what = "VARIADIC";
      break;
    default: break;
  }
  if (what) {
    *loc = e->location;
    return what;
  }
  if (e->kind == ExprKind::kSubLink && e->subquery) {
    if (const char* w = CheckSelect(*e->subquery, loc)) return w;
  }
  for (const auto& a : e->args) {
    if (const char* w = CheckExpr(a.get(), loc)) return w;
  }
  if (const char* w = CheckExpr(e->case_arg.get(), loc)) return w;
  return CheckExpr(e->case_else.get(), loc);
}

}  // namespace

const char* FindUnplannableSelectFeature(const SelectStmt& s, int* location) { return CheckSelect(s, location); }

}  // namespace tusk::sql
