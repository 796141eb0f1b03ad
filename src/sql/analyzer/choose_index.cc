// Index choice for stored-table scans: WHERE conjuncts `column = value`
// whose value uses no column of the query (constants, parameters, operators
// over them) become the equality keys of an index scan on the index whose
// leading columns they cover best. The whole WHERE clause is still applied
// above the scan, so the choice never changes a result.
#include "sql/analyzer/analyzer_impl.h"
#include "sql/parser/deparse.h"
#include "sql/table_access.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

bool IsRowFree(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kConst:
    case ExprKind::kParam:
    case ExprKind::kSqlValue: return true;
    case ExprKind::kCast:
    case ExprKind::kOp:
      for (const auto& a : e.args)
        if (!a || !IsRowFree(*a)) return false;
      return true;
    default: return false;
  }
}

void CollectConjuncts(const Expr& e, std::vector<const Expr*>* out) {
  if (e.kind == ExprKind::kAnd) {
    for (const auto& a : e.args) CollectConjuncts(*a, out);
    return;
  }
  out->push_back(&e);
}

}  // namespace

void Analyzer::ChooseIndexScans(AnalyzedFrom& f, const Expr& where) {
  if (f.kind == AnalyzedFrom::kJoin) {
    ChooseIndexScans(*f.left, where);
    ChooseIndexScans(*f.right, where);
    return;
  }
  if (f.kind != AnalyzedFrom::kTable || !f.stored || f.stored->indexes.empty()) return;
  std::vector<const Expr*> conj;
  CollectConjuncts(where, &conj);
  const int lo = f.start, hi = f.start + static_cast<int>(f.stored->columns.size());
  // Per table column: the first usable equality value.
  std::vector<TExprPtr> eq(f.stored->columns.size());
  std::vector<const Expr*> eq_ast(f.stored->columns.size(), nullptr);
  for (const Expr* c : conj) {
    if (c->kind != ExprKind::kOp || c->str != "=" || c->args.size() != 2) continue;
    for (int side = 0; side < 2; ++side) {
      const Expr& col = *c->args[side];
      const Expr& val = *c->args[1 - side];
      if (col.kind != ExprKind::kColumnRef || col.star || !IsRowFree(val)) continue;
      TExprPtr ref;
      try {
        ref = Transform(col);
      } catch (const PgError&) {
        continue;
      }
      if (ref->kind != TKind::kColumn || ref->index < lo || ref->index >= hi) continue;
      size_t pos = static_cast<size_t>(ref->index - lo);
      if (eq[pos]) continue;
      try {
        TExprPtr v = Transform(val);
        if (v->type != ref->type) v = Coerce(std::move(v), ref->type, -1, CoercionContext::kImplicit, val.location);
        eq[pos] = std::move(v);
        eq_ast[pos] = c;
      } catch (const PgError&) {
      }
    }
  }
  int best = -1;
  size_t best_len = 0;
  bool best_full_unique = false;
  for (size_t i = 0; i < f.stored->indexes.size(); ++i) {
    const StoredIndex& ix = f.stored->indexes[i];
    size_t n = 0;
    while (n < ix.columns.size() && eq[ix.columns[n]]) ++n;
    bool full_unique = ix.unique && n == ix.columns.size();
    if (n == 0) continue;
    if (best < 0 || (full_unique && !best_full_unique) || (full_unique == best_full_unique && n > best_len)) {
      best = static_cast<int>(i);
      best_len = n;
      best_full_unique = full_unique;
    }
  }
  if (best < 0) return;
  f.index = best;
  const StoredIndex& ix = f.stored->indexes[best];
  for (size_t k = 0; k < best_len; ++k) {
    f.index_eq.push_back(std::move(eq[ix.columns[k]]));
    std::string text;
    try {
      text = DeparseExpr(*eq_ast[ix.columns[k]]);
    } catch (const PgError&) {
      text = "(...)";
    }
    f.index_cond += (k ? " AND " : "") + text;
  }
  if (best_len > 1) f.index_cond = "(" + f.index_cond + ")";
}

}  // namespace tusk::sql
