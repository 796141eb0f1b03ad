// Query-level analysis: FROM resolution, target list expansion and naming,
// WHERE, GROUP BY / HAVING with aggregate rewriting, DISTINCT, ORDER BY
// (ordinals, output names, or expressions added as hidden columns), LIMIT.
#include "sql/analyzer/analyzer.h"

#include <functional>

#include "sql/analyzer/analyzer_impl.h"
#include "sql/parser/lexer.h"
#include "sql/session_context.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {

TExprPtr TExpr::Clone() const {
  auto c = std::make_unique<TExpr>(kind, type);
  c->typmod = typmod;
  c->value = value;
  c->index = index;
  c->fn = fn;
  c->strict = strict;
  c->aux = aux;
  c->type_a = type_a;
  c->type_b = type_b;
  c->call_typmod = call_typmod;
  c->location = location;
  for (const auto& a : args) c->args.push_back(a->Clone());
  if (else_expr) c->else_expr = else_expr->Clone();
  c->sub = sub;
  if (combine) c->combine = combine->Clone();
  c->correlated = correlated;
  return c;
}

bool TExpr::Equals(const TExpr& o) const {
  if (kind != o.kind || type != o.type || index != o.index || fn != o.fn || aux != o.aux || type_a != o.type_a ||
      type_b != o.type_b || args.size() != o.args.size() || sub != o.sub || (else_expr == nullptr) != (o.else_expr == nullptr)) {
    return false;
  }
  if (kind == TKind::kConst) {
    if (value.null != o.value.null) return false;
    if (!value.null && (value.i != o.value.i || value.b != o.value.b || value.s != o.value.s ||
                        value.n.Compare(o.value.n) != 0 || value.f != o.value.f)) {
      return false;
    }
    if (!value.null && (value.arr || o.value.arr) && (!value.arr || !o.value.arr || CompareDatum(type, value, o.value))) {
      return false;
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i]->Equals(*o.args[i])) return false;
  }
  return !else_expr || else_expr->Equals(*o.else_expr);
}

std::string FigureColname(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kColumnRef: return e.star ? "?column?" : e.names.back();
    case ExprKind::kFunc: return e.names.back();
    case ExprKind::kSqlValue: return e.str;
    case ExprKind::kCoalesce: return "coalesce";
    case ExprKind::kGreatest: return "greatest";
    case ExprKind::kLeast: return "least";
    case ExprKind::kNullIf: return "nullif";
    case ExprKind::kConst: return "?column?";
    case ExprKind::kArray: return "array";
    case ExprKind::kSubscript: return FigureColname(*e.args[0]);
    case ExprKind::kSubLink: return e.sublink == SubLinkKind::kArray ? "array" : "?column?";
    case ExprKind::kCast: {
      std::string inner = FigureColname(*e.args[0]);
      // A cast keeps a "strong" inner name (column, function); otherwise the
      // type name is used.
      const Expr* base = e.args[0].get();
      while (base->kind == ExprKind::kSubscript) base = base->args[0].get();  // a[1] is named by a
      const Expr& a = *base;
      bool strong = a.kind == ExprKind::kArray || (a.kind == ExprKind::kSubLink && a.sublink == SubLinkKind::kArray) ||
                    a.kind == ExprKind::kColumnRef || a.kind == ExprKind::kFunc || a.kind == ExprKind::kSqlValue ||
                    a.kind == ExprKind::kCoalesce || a.kind == ExprKind::kGreatest || a.kind == ExprKind::kLeast ||
                    a.kind == ExprKind::kNullIf || (a.kind == ExprKind::kCast && inner != "?column?" &&
                                                    FigureColname(*a.args[0]) == inner);
      return strong ? inner : e.type->names.back();
    }
    case ExprKind::kCase: {
      if (e.case_else) {
        std::string inner = FigureColname(*e.case_else);
        const Expr& a = *e.case_else;
        if (a.kind == ExprKind::kColumnRef || a.kind == ExprKind::kFunc || a.kind == ExprKind::kSqlValue) return inner;
      }
      return "case";
    }
    default: return "?column?";
  }
}

namespace {

// Rewrites an expression over input rows into one over aggregate output
// rows [group keys..., aggregate results...].
TExprPtr RewriteForAgg(TExprPtr e, const std::vector<TExprPtr>& keys, const std::vector<ScopeColumn>& scope,
                       const std::vector<RangeEntry>& rtes, const std::string& query) {
  for (size_t k = 0; k < keys.size(); ++k) {
    if (e->Equals(*keys[k])) {
      auto c = std::make_unique<TExpr>(TKind::kColumn, e->type);
      c->index = static_cast<int>(k);
      return c;
    }
  }
  if (e->kind == TKind::kAgg) {
    e->kind = TKind::kColumn;
    e->index += static_cast<int>(keys.size());
    return e;
  }
  if (e->kind == TKind::kColumn) {
    const ScopeColumn& sc = scope[e->index];
    std::string name = sc.rte < 0 ? sc.name : rtes[sc.rte].name + "." + sc.name;
    throw PgError(sqlstate::kGroupingError,
                  "column \"" + name + "\" must appear in the GROUP BY clause or be used in an aggregate function")
        .Position(e->location >= 0 ? CharPosition(query, e->location) : 0);
  }
  if (e->kind == TKind::kSubLink && e->correlated) {
    throw PgError(sqlstate::kFeatureNotSupported, "correlated subqueries in aggregated queries are not supported yet")
        .Position(e->location >= 0 ? CharPosition(query, e->location) : 0);
  }
  for (auto& a : e->args) a = RewriteForAgg(std::move(a), keys, scope, rtes, query);
  if (e->else_expr) e->else_expr = RewriteForAgg(std::move(e->else_expr), keys, scope, rtes, query);
  return e;
}

}  // namespace

AnalyzedQuery Analyzer::Run() {
  AnalyzedQuery q = RunQuery();
  for (size_t i = 0; i < params_.size(); ++i) {
    if (params_[i] == 0 || params_[i] == oid::kUnknown) {
      throw PgError(sqlstate::kIndeterminateDatatype, "could not determine data type of parameter $" + std::to_string(i + 1));
    }
  }
  q.param_types = params_;
  return q;
}

AnalyzedQuery Analyzer::RunSelect() {
  const SelectStmt& s = *sel_;
  AnalyzedQuery q;
  if (auto tz = ctx_.GetConfig("timezone", true)) io_.timezone = *tz;

  if (!s.values.empty()) {
    // VALUES: columns column1..N with a common type per column.
    size_t width = s.values[0].size();
    for (const auto& row : s.values) {
      if (row.size() != width) {
        Error(sqlstate::kSyntaxError, "VALUES lists must all be the same length", row.empty() ? -1 : row[0]->location);
      }
      std::vector<TExprPtr> trow;
      for (const auto& x : row) trow.push_back(Transform(*x));
      q.values.push_back(std::move(trow));
    }
    for (size_t c = 0; c < width; ++c) {
      std::vector<TExpr*> col;
      for (auto& row : q.values) col.push_back(row[c].get());
      uint32_t t = CommonType(col, "VALUES");
      for (auto& row : q.values) row[c] = Coerce(std::move(row[c]), t, -1, CoercionContext::kImplicit, row[c]->location);
      std::string name = "column" + std::to_string(c + 1);
      scope_.push_back({name, t});
      q.input_types.push_back(t);
      auto ref = std::make_unique<TExpr>(TKind::kColumn, t);
      ref->index = static_cast<int>(c);
      q.targets.push_back(std::move(ref));
      q.columns.push_back({name, t});
    }
    q.visible = q.targets.size();
  } else {
    if (!s.from.empty()) {
      AnalyzeFromClause(q);
    } else {
      q.values.emplace_back();  // one empty input row
    }
    if (s.where) {
      agg_forbidden_clause_ = "WHERE";
      q.where = CoerceToBool(Transform(*s.where), "WHERE");
      if (q.from) ChooseIndexScans(*q.from, *s.where);
    }
    if (q.from) ChooseJoinMethods(*q.from);
    agg_allowed_ = true;
    for (const auto& t : s.targets) {
      if (!t.expr || (t.expr->kind == ExprKind::kColumnRef && t.expr->star)) {
        ExpandStar(t, q);
        continue;
      }
      TExprPtr te = Transform(*t.expr);
      // Unknown-typed literals in the output become text; parameters must be
      // typed by context instead (42P18 below).
      if (te->type == oid::kUnknown && te->kind != TKind::kParam && !keep_unknown_) te = Coerce(std::move(te), oid::kText, -1, CoercionContext::kImplicit, t.location);
      q.columns.push_back({t.alias ? *t.alias : FigureColname(*t.expr), te->type, te->typmod});
      q.targets.push_back(std::move(te));
    }
    q.visible = q.targets.size();
    agg_allowed_ = false;
    agg_forbidden_clause_ = "GROUP BY";
    for (const auto& g : s.group_by) {
      if (g->kind == ExprKind::kConst && g->const_kind == ConstKind::kInteger) {
        int64_t n = std::stoll(g->str);
        if (n < 1 || n > static_cast<int64_t>(q.visible)) {
          Error(sqlstate::kInvalidColumnReference, "GROUP BY position " + g->str + " is not in select list", g->location);
        }
        q.group_keys.push_back(q.targets[n - 1]->Clone());
        continue;
      }
      q.group_keys.push_back(Transform(*g));
    }
    if (s.having) {
      agg_allowed_ = true;
      q.having = CoerceToBool(Transform(*s.having), "HAVING");
    }
  }
  q.aggregated = !aggs_.empty() || !q.group_keys.empty() || q.having;

  // ORDER BY: ordinal, output column name, or an expression.
  agg_allowed_ = q.aggregated || s.values.empty();
  for (const auto& sb : s.order_by) {
    int col = -1;
    const Expr& x = *sb.expr;
    if (x.kind == ExprKind::kConst && x.const_kind == ConstKind::kInteger) {
      int64_t n = std::stoll(x.str);
      if (n < 1 || n > static_cast<int64_t>(q.visible)) {
        Error(sqlstate::kInvalidColumnReference, "ORDER BY position " + x.str + " is not in select list", x.location);
      }
      col = static_cast<int>(n - 1);
    } else if (x.kind == ExprKind::kColumnRef && x.names.size() == 1 && !x.star) {
      for (size_t i = 0; i < q.visible; ++i) {
        if (q.columns[i].name == x.names[0]) {
          col = static_cast<int>(i);
          break;
        }
      }
    }
    if (col < 0) {
      TExprPtr te = Transform(x);
      if (te->type == oid::kUnknown) te = Coerce(std::move(te), oid::kText, -1, CoercionContext::kImplicit, x.location);
      for (size_t i = 0; i < q.targets.size(); ++i) {
        if (q.targets[i]->Equals(*te)) col = static_cast<int>(i);
      }
      if (col < 0) {
        if (s.distinct) {
          Error(sqlstate::kInvalidColumnReference, "for SELECT DISTINCT, ORDER BY expressions must appear in select list",
                x.location);
        }
        col = static_cast<int>(q.targets.size());
        q.columns.push_back({"?column?", te->type});
        q.targets.push_back(std::move(te));
      }
    }
    // Ordering needs a comparison operator for the type.
    uint32_t t = q.targets[col]->type;
    if (!LookupType(t) || t == oid::kVoid) {
      Error(sqlstate::kUndefinedFunction, "could not identify an ordering operator for type " + TypeSqlName(t), x.location);
    }
    q.sort.push_back({col, sb.desc, sb.nulls_first ? *sb.nulls_first : sb.desc});
  }

  if (q.aggregated) {
    for (auto& t : q.targets) t = RewriteForAgg(std::move(t), q.group_keys, scope_, rtes_, stmt_.query());
    if (q.having) q.having = RewriteForAgg(std::move(q.having), q.group_keys, scope_, rtes_, stmt_.query());
  }
  q.aggs = std::move(aggs_);
  q.distinct = s.distinct;
  if (!s.distinct_on.empty()) Error(sqlstate::kFeatureNotSupported, "DISTINCT ON is not supported", s.distinct_on[0]->location);

  if (!s.locking.empty()) AnalyzeLocking(s, q);
  if (!q.sort.empty() && q.from && !q.aggregated && !q.distinct) ChooseIndexOrder(q);
  agg_allowed_ = false;
  agg_forbidden_clause_ = "LIMIT";
  auto limit_expr = [&](const ExprPtr& e) -> TExprPtr {
    if (!e) return nullptr;
    auto saved = scope_;
    scope_.clear();  // LIMIT cannot reference columns
    TExprPtr t = Coerce(Transform(*e), oid::kInt8, -1, CoercionContext::kImplicit, e->location);
    scope_ = saved;
    return t;
  };
  q.limit = limit_expr(s.limit);
  q.offset = limit_expr(s.offset);

  return q;
}

void Analyzer::AnalyzeLocking(const SelectStmt& s, AnalyzedQuery& q) {
  const LockingClause& first = s.locking[0];
  const char* what = first.strength == LockingClause::kUpdate        ? "FOR UPDATE"
                     : first.strength == LockingClause::kNoKeyUpdate ? "FOR NO KEY UPDATE"
                     : first.strength == LockingClause::kShare       ? "FOR SHARE"
                                                                     : "FOR KEY SHARE";
  if (!aggs_.empty() || q.aggregated)
    Error(sqlstate::kFeatureNotSupported, std::string(what) + " is not allowed with aggregate functions", first.location);
  if (!s.group_by.empty())
    Error(sqlstate::kFeatureNotSupported, std::string(what) + " is not allowed with GROUP BY clause", first.location);
  if (s.distinct)
    Error(sqlstate::kFeatureNotSupported, std::string(what) + " is not allowed with DISTINCT clause", first.location);
  std::function<void(const AnalyzedFrom&)> walk = [&](const AnalyzedFrom& f) {
    if (f.kind == AnalyzedFrom::kJoin) {
      walk(*f.left);
      walk(*f.right);
      return;
    }
    if (f.kind != AnalyzedFrom::kTable || !f.stored) return;
    std::string alias = f.label.substr(f.label.find(' ') == std::string::npos ? 0 : f.label.find(' ') + 1);
    for (const LockingClause& lc : s.locking) {
      bool named = lc.relations.empty();
      for (const auto& r : lc.relations) named |= r == alias;
      if (!named) continue;
      RowMark m;
      m.table = f.stored;
      m.start = f.start;
      m.width = static_cast<int>(f.stored->columns.size());
      m.strength = lc.strength;
      m.wait = lc.wait;
      q.row_marks.push_back(std::move(m));
      return;
    }
  };
  if (q.from) walk(*q.from);
}

AnalyzedQuery AnalyzeSelect(const Statement& stmt, const std::vector<uint32_t>& hints, SessionContext& ctx) {
  Analyzer a(stmt, ctx, hints);
  return a.Run();
}

}  // namespace tusk::sql
