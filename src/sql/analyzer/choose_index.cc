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
  const size_t ncols = f.stored->columns.size();
  // A column of this table on one side, a row-free value of its type on the other.
  auto match = [&](const Expr& col, const Expr& val, size_t* pos) -> TExprPtr {
    if (col.kind != ExprKind::kColumnRef || col.star || !IsRowFree(val)) return nullptr;
    try {
      TExprPtr ref = Transform(col);
      if (ref->kind != TKind::kColumn || ref->index < lo || ref->index >= hi) return nullptr;
      *pos = static_cast<size_t>(ref->index - lo);
      TExprPtr v = Transform(val);
      if (v->type != ref->type) v = Coerce(std::move(v), ref->type, -1, CoercionContext::kImplicit, val.location);
      return v;
    } catch (const PgError&) {
      return nullptr;
    }
  };
  struct Range {
    TExprPtr lower, upper;
    bool lower_incl = true, upper_incl = true;
    std::vector<const Expr*> ast;
  };
  std::vector<TExprPtr> eq(ncols);
  std::vector<const Expr*> eq_ast(ncols, nullptr);
  std::vector<Range> range(ncols);
  std::vector<std::vector<TExprPtr>> in_list(ncols);
  std::vector<const Expr*> in_ast(ncols, nullptr);
  for (const Expr* c : conj) {
    if (c->kind == ExprKind::kIn && !c->negated && c->args.size() >= 2) {
      size_t pos = 0;
      std::vector<TExprPtr> values;
      bool ok = true;
      for (size_t k = 1; k < c->args.size() && ok; ++k) {
        size_t p = 0;
        TExprPtr v = match(*c->args[0], *c->args[k], &p);
        ok = v != nullptr && (k == 1 || p == pos);
        pos = p;
        if (ok) values.push_back(std::move(v));
      }
      if (ok && in_list[pos].empty()) {
        in_list[pos] = std::move(values);
        in_ast[pos] = c;
      }
      continue;
    }
    if (c->kind == ExprKind::kBetween && !c->negated && !c->symmetric && c->args.size() == 3) {
      size_t pos = 0, pos2 = 0;
      TExprPtr l = match(*c->args[0], *c->args[1], &pos);
      TExprPtr u = l ? match(*c->args[0], *c->args[2], &pos2) : nullptr;
      if (l && u && !range[pos].lower && !range[pos].upper) {
        range[pos].lower = std::move(l);
        range[pos].upper = std::move(u);
        range[pos].ast.push_back(c);
      }
      continue;
    }
    if (c->kind != ExprKind::kOp || c->args.size() != 2) continue;
    const std::string& op = c->str;
    if (op != "=" && op != "<" && op != "<=" && op != ">" && op != ">=") continue;
    for (int side = 0; side < 2; ++side) {
      size_t pos = 0;
      TExprPtr v = match(*c->args[side], *c->args[1 - side], &pos);
      if (!v) continue;
      if (op == "=") {
        if (!eq[pos]) {
          eq[pos] = std::move(v);
          eq_ast[pos] = c;
        }
        break;
      }
      // Normalize to "column OP value".
      bool greater = (op[0] == '>') == (side == 0);
      bool incl = op.size() == 2;
      Range& r = range[pos];
      if (greater && !r.lower) {
        r.lower = std::move(v);
        r.lower_incl = incl;
        r.ast.push_back(c);
      } else if (!greater && !r.upper) {
        r.upper = std::move(v);
        r.upper_incl = incl;
        r.ast.push_back(c);
      }
      break;
    }
  }
  int best = -1;
  size_t best_len = 0;
  bool best_full_unique = false, best_range = false;
  for (size_t i = 0; i < f.stored->indexes.size(); ++i) {
    const StoredIndex& ix = f.stored->indexes[i];
    size_t n = 0;
    while (n < ix.columns.size() && ix.columns[n] >= 0 && eq[ix.columns[n]]) ++n;
    bool full_unique = ix.unique && n == ix.columns.size();
    bool has_range = n < ix.columns.size() && ix.columns[n] >= 0 &&
                     (range[ix.columns[n]].lower || range[ix.columns[n]].upper);
    if (n == 0 && !has_range) continue;
    auto better = [&] {
      if (best < 0) return true;
      if (full_unique != best_full_unique) return full_unique;
      if (n != best_len) return n > best_len;
      return has_range && !best_range;
    };
    if (better()) {
      best = static_cast<int>(i);
      best_len = n;
      best_full_unique = full_unique;
      best_range = has_range && !full_unique;
    }
  }
  if (best < 0) {
    // No equality or range: an IN list on an index's first column runs one
    // equality scan per distinct value.
    for (size_t i = 0; i < f.stored->indexes.size(); ++i) {
      const StoredIndex& ix = f.stored->indexes[i];
      if (ix.columns.empty() || ix.columns[0] < 0 || in_list[ix.columns[0]].empty()) continue;
      f.index = static_cast<int>(i);
      f.index_in = std::move(in_list[ix.columns[0]]);
      try {
        f.index_cond = DeparseExpr(*in_ast[ix.columns[0]]);
      } catch (const PgError&) {
        f.index_cond = "(...)";
      }
      return;
    }
    return;
  }
  f.index = best;
  const StoredIndex& ix = f.stored->indexes[best];
  std::vector<std::string> texts;
  auto text_of = [](const Expr* e) {
    try {
      return DeparseExpr(*e);
    } catch (const PgError&) {
      return std::string("(...)");
    }
  };
  for (size_t k = 0; k < best_len; ++k) {
    f.index_eq.push_back(std::move(eq[ix.columns[k]]));
    texts.push_back(text_of(eq_ast[ix.columns[k]]));
  }
  if (best_range) {
    Range& r = range[ix.columns[best_len]];
    f.index_lower = std::move(r.lower);
    f.index_upper = std::move(r.upper);
    f.index_lower_incl = r.lower_incl;
    f.index_upper_incl = r.upper_incl;
    for (const Expr* e : r.ast) texts.push_back(text_of(e));
  }
  for (size_t k = 0; k < texts.size(); ++k) f.index_cond += (k ? " AND " : "") + texts[k];
  if (texts.size() > 1) f.index_cond = "(" + f.index_cond + ")";
}

void Analyzer::ChooseIndexOrder(AnalyzedQuery& q) {
  AnalyzedFrom& f = *q.from;
  if (f.kind != AnalyzedFrom::kTable || !f.stored || !f.index_in.empty()) return;
  const int lo = f.start, hi = f.start + static_cast<int>(f.stored->columns.size());
  // The sort keys as table columns.
  std::vector<int> cols;
  for (const SortKey& k : q.sort) {
    const TExpr& t = *q.targets[k.column];
    if (t.kind != TKind::kColumn || t.index < lo || t.index >= hi) return;
    cols.push_back(t.index - lo);
  }
  auto fits = [&](const StoredIndex& ix, size_t skip, bool* backward) {
    if (skip + cols.size() > ix.columns.size()) return false;
    int dir = 0;  // +1 forward, -1 backward
    for (size_t i = 0; i < cols.size(); ++i) {
      size_t c = skip + i;
      if (ix.columns[c] != cols[i]) return false;
      bool desc = c < ix.descending.size() && ix.descending[c];
      bool nf = c < ix.nulls_first.size() && ix.nulls_first[c];
      int d = q.sort[i].desc == desc && q.sort[i].nulls_first == nf     ? 1
              : q.sort[i].desc != desc && q.sort[i].nulls_first != nf ? -1
                                                                        : 0;
      if (d == 0 || (dir != 0 && d != dir)) return false;
      dir = d;
    }
    *backward = dir < 0;
    return true;
  };
  bool backward = false;
  if (f.index >= 0) {
    // An equality prefix already chosen: the order must follow right after it.
    if (f.index_lower || f.index_upper) {
      if (!f.index_eq.empty() || !fits(f.stored->indexes[f.index], 0, &backward)) return;
    } else if (!fits(f.stored->indexes[f.index], f.index_eq.size(), &backward)) {
      return;
    }
  } else {
    int chosen = -1;
    for (size_t i = 0; i < f.stored->indexes.size() && chosen < 0; ++i)
      if (fits(f.stored->indexes[i], 0, &backward)) chosen = static_cast<int>(i);
    if (chosen < 0) return;
    f.index = chosen;
  }
  f.index_backward = backward;
  q.sorted_by_index = true;
}

}  // namespace tusk::sql
