// Finds SELECT constructs the parser accepts but the analyzer and executor
// cannot run yet, so the engine can refuse them with 0A000 instead of
// ignoring AST fields it does not know about.
#include <algorithm>

#include "sql/parser/ast.h"

namespace tusk::sql {
namespace {

const char* CheckExpr(const Expr* e, int* loc);
const char* CheckSelect(const SelectStmt& s, int* loc);

const char* CheckFrom(const FromItem& f, int* loc) {
  const char* what = nullptr;
  if (f.only) what = "ONLY";
  if (f.join_using_alias) what = "JOIN USING alias";
  if (what) {
    *loc = f.location;
    return what;
  }
  if (f.kind == FromKind::kSubquery) return CheckSelect(*f.subquery, loc);
  if (f.kind == FromKind::kFunction) return CheckExpr(f.func.get(), loc);
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
  if (s.limit_with_ties) return at("FETCH ... WITH TIES", s.location);
  for (const auto& f : s.from) {
    if (const char* w = CheckFrom(f, loc)) return w;
  }
  for (const auto& win : s.windows) {
    for (const auto& p : win.partition_by) {
      if (const char* w = CheckExpr(p.get(), loc)) return w;
    }
    for (const auto& o : win.order_by) {
      if (const char* w = CheckExpr(o.expr.get(), loc)) return w;
    }
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
    case ExprKind::kDefault: what = "DEFAULT in this context"; break;
    case ExprKind::kFunc:
      if (e->agg_within_group) what = "WITHIN GROUP";
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
  if (e->over) {
    for (const auto& p : e->over->partition_by) {
      if (const char* w = CheckExpr(p.get(), loc)) return w;
    }
    for (const auto& o : e->over->order_by) {
      if (const char* w = CheckExpr(o.expr.get(), loc)) return w;
    }
  }
  return CheckExpr(e->case_else.get(), loc);
}

using RelationList = std::vector<std::pair<std::string, std::string>>;

void RelationsOfSelect(const SelectStmt& s, std::vector<std::string> ctes, RelationList* out);

void RelationsOfExpr(const Expr* e, const std::vector<std::string>& ctes, RelationList* out);

void RelationsOfWindow(const WindowDef& w, const std::vector<std::string>& ctes, RelationList* out) {
  for (const auto& p : w.partition_by) RelationsOfExpr(p.get(), ctes, out);
  for (const auto& o : w.order_by) RelationsOfExpr(o.expr.get(), ctes, out);
  RelationsOfExpr(w.start.offset.get(), ctes, out);
  RelationsOfExpr(w.end.offset.get(), ctes, out);
}

void RelationsOfExpr(const Expr* e, const std::vector<std::string>& ctes, RelationList* out) {
  if (!e) return;
  if (e->over) RelationsOfWindow(*e->over, ctes, out);
  if (e->subquery) RelationsOfSelect(*e->subquery, ctes, out);
  for (const auto& a : e->args) RelationsOfExpr(a.get(), ctes, out);
  RelationsOfExpr(e->case_arg.get(), ctes, out);
  RelationsOfExpr(e->case_else.get(), ctes, out);
  RelationsOfExpr(e->agg_filter.get(), ctes, out);
  for (const auto& sb : e->agg_order) RelationsOfExpr(sb.expr.get(), ctes, out);
}

void RelationsOfFrom(const FromItem& f, const std::vector<std::string>& ctes, RelationList* out) {
  switch (f.kind) {
    case FromKind::kRelation: {
      bool cte = f.schema.empty() && std::find(ctes.begin(), ctes.end(), f.name) != ctes.end();
      if (!cte) out->push_back({f.schema, f.name});
      break;
    }
    case FromKind::kJoin:
      RelationsOfFrom(*f.left, ctes, out);
      RelationsOfFrom(*f.right, ctes, out);
      RelationsOfExpr(f.join_cond.get(), ctes, out);
      break;
    case FromKind::kSubquery: RelationsOfSelect(*f.subquery, ctes, out); break;
    case FromKind::kFunction: RelationsOfExpr(f.func.get(), ctes, out); break;
  }
}

void RelationsOfSelect(const SelectStmt& s, std::vector<std::string> ctes, RelationList* out) {
  if (s.with) {
    for (const auto& c : s.with->ctes) ctes.push_back(c.name);
    for (const auto& c : s.with->ctes) RelationsOfSelect(*c.query, ctes, out);
  }
  if (s.op != SetOpKind::kNone) {
    RelationsOfSelect(*s.larg, ctes, out);
    RelationsOfSelect(*s.rarg, ctes, out);
  }
  for (const auto& f : s.from) RelationsOfFrom(f, ctes, out);
  for (const auto& t : s.targets) RelationsOfExpr(t.expr.get(), ctes, out);
  for (const auto& row : s.values) {
    for (const auto& x : row) RelationsOfExpr(x.get(), ctes, out);
  }
  for (const auto& x : s.distinct_on) RelationsOfExpr(x.get(), ctes, out);
  for (const auto& x : s.group_by) RelationsOfExpr(x.get(), ctes, out);
  for (const auto& sb : s.order_by) RelationsOfExpr(sb.expr.get(), ctes, out);
  RelationsOfExpr(s.where.get(), ctes, out);
  RelationsOfExpr(s.having.get(), ctes, out);
  RelationsOfExpr(s.limit.get(), ctes, out);
  RelationsOfExpr(s.offset.get(), ctes, out);
  for (const auto& w : s.windows) RelationsOfWindow(w, ctes, out);
}

}  // namespace

const char* FindUnplannableSelectFeature(const SelectStmt& s, int* location) { return CheckSelect(s, location); }

std::vector<std::pair<std::string, std::string>> ReferencedRelations(const SelectStmt& s) {
  RelationList out;
  RelationsOfSelect(s, {}, &out);
  return out;
}

}  // namespace tusk::sql
