// Query-level analysis: FROM resolution, target list expansion and naming,
// WHERE, GROUP BY / HAVING with aggregate rewriting, DISTINCT, ORDER BY
// (ordinals, output names, or expressions added as hidden columns), LIMIT.
#include "sql/analyzer/analyzer.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
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

namespace {

// PostgreSQL's FigureColnameInternal: a name and its strength (0 none, 1 a
// type name from a cast or "case", 2 a real name). A cast keeps a strong
// inner name; CASE takes its ELSE's name only when that is strong.
int FigureColnameStrength(const Expr& e, const SublinkNames* sublinks, std::string* name) {
  switch (e.kind) {
    case ExprKind::kColumnRef:
      if (e.names.empty()) return 0;
      *name = e.names.back();
      return 2;
    case ExprKind::kFunc: *name = e.names.back(); return 2;
    case ExprKind::kSqlValue: *name = e.str; return 2;
    case ExprKind::kCoalesce: *name = "coalesce"; return 2;
    case ExprKind::kGreatest: *name = "greatest"; return 2;
    case ExprKind::kLeast: *name = "least"; return 2;
    case ExprKind::kNullIf: *name = "nullif"; return 2;
    case ExprKind::kArray: *name = "array"; return 2;
    case ExprKind::kRow: *name = "row"; return 2;
    case ExprKind::kFieldSelect:
      if (e.star) return 0;
      *name = e.str;
      return 2;
    case ExprKind::kSubscript:
    case ExprKind::kCollate: return FigureColnameStrength(*e.args[0], sublinks, name);
    case ExprKind::kSubLink:
      if (e.sublink == SubLinkKind::kExists) {
        *name = "exists";
        return 2;
      }
      if (e.sublink == SubLinkKind::kArray) {
        *name = "array";
        return 2;
      }
      if (e.sublink == SubLinkKind::kExpr && sublinks) {
        // (SELECT x ...) is named by the subquery's only output column.
        auto it = sublinks->find(&e);
        if (it != sublinks->end()) {
          *name = it->second;
          return 2;
        }
      }
      return 0;
    case ExprKind::kCast: {
      int strength = FigureColnameStrength(*e.args[0], sublinks, name);
      if (strength <= 1 && e.type && !e.type->names.empty()) {
        *name = e.type->names.back();
        return 1;
      }
      return strength;
    }
    case ExprKind::kCase: {
      int strength = e.case_else ? FigureColnameStrength(*e.case_else, sublinks, name) : 0;
      if (strength <= 1) {
        *name = "case";
        return 1;
      }
      return strength;
    }
    default: return 0;
  }
}

}  // namespace

std::string FigureColname(const Expr& e, const SublinkNames* sublinks) {
  std::string name;
  if (FigureColnameStrength(e, sublinks, &name) == 0) return "?column?";
  return name;
}

namespace {

// A correlated subquery in an aggregated query's targets or HAVING runs
// with the aggregate row as its outer row: its references to this level
// (kOuterColumn whose levels-up count reaches us, `depth`) are remapped
// from input columns to the group keys they are; any other column is
// PostgreSQL's 42803 "subquery uses ungrouped column".
struct OuterRemap {
  const std::vector<TExprPtr>& keys;
  const std::vector<ScopeColumn>& scope;
  const std::vector<RangeEntry>& rtes;
  const std::string& query;

  void Expr(TExpr& e, int depth) {
    if (e.kind == TKind::kOuterColumn && e.aux == depth && e.type_b == kOuterAggregateRef) {
      // An aggregate of this level used inside the subquery.
      e.index += static_cast<int>(keys.size());
      e.type_b = 0;
      return;
    }
    if (e.kind == TKind::kOuterColumn && e.aux == depth) {
      for (size_t k = 0; k < keys.size(); ++k) {
        if (keys[k]->kind == TKind::kColumn && keys[k]->index == e.index) {
          e.index = static_cast<int>(k);
          return;
        }
      }
      const ScopeColumn& sc = scope[e.index];
      std::string name = sc.rte < 0 ? sc.name : rtes[sc.rte].name + "." + sc.name;
      throw PgError(sqlstate::kGroupingError, "subquery uses ungrouped column \"" + name + "\" from outer query")
          .Position(e.location >= 0 ? CharPosition(query, e.location) : 0);
    }
    for (auto& a : e.args) Expr(*a, depth);
    if (e.else_expr) Expr(*e.else_expr, depth);
    if (e.combine) Expr(*e.combine, depth);
    if (e.kind == TKind::kSubLink && e.sub) Query(*e.sub, depth + 1);
  }
  void Opt(TExprPtr& e, int depth) {
    if (e) Expr(*e, depth);
  }
  void From(AnalyzedFrom& f, int depth) {
    for (auto& x : f.index_eq) Opt(x, depth);
    for (auto& x : f.index_in) Opt(x, depth);
    Opt(f.index_lower, depth);
    Opt(f.index_upper, depth);
    // Derived tables skip their own level unless LATERAL.
    if (f.subquery) Query(*f.subquery, f.lateral ? depth + 1 : depth);
    if (f.left) From(*f.left, depth);
    if (f.right) From(*f.right, depth);
    Opt(f.cond, depth);
    for (auto& x : f.merged) Opt(x, depth);
    for (auto& x : f.left_keys) Opt(x, depth);
    for (auto& x : f.right_keys) Opt(x, depth);
  }
  void Query(AnalyzedQuery& q, int depth) {
    if (q.from) From(*q.from, depth);
    for (auto& row : q.values) {
      for (auto& x : row) Opt(x, depth);
    }
    Opt(q.where, depth);
    for (auto& x : q.group_keys) Opt(x, depth);
    for (auto& a : q.aggs) {
      Opt(a.arg, depth);
      Opt(a.arg2, depth);
      Opt(a.filter, depth);
      for (auto& o : a.order) Opt(o.expr, depth);
    }
    for (auto& w : q.windows) {
      for (auto& p : w.partition) Opt(p, depth);
      for (auto& o : w.order) Opt(o.expr, depth);
      Opt(w.start_offset, depth);
      Opt(w.end_offset, depth);
    }
    for (auto& st : q.window_steps) {
      for (auto& k : st.keys) Opt(k.expr, depth);
    }
    for (auto& f : q.window_funcs) {
      for (auto& a : f.args) Opt(a, depth);
      Opt(f.agg.arg, depth);
      Opt(f.agg.arg2, depth);
      Opt(f.agg.filter, depth);
    }
    Opt(q.having, depth);
    for (auto& x : q.targets) Opt(x, depth);
    for (auto* levels : {&q.srf_levels, &q.group_srf_levels}) {
      for (auto& l : *levels) {
        for (auto& c : l.calls) Opt(c, depth);
      }
    }
    Opt(q.limit, depth);
    Opt(q.offset, depth);
    for (auto& c : q.ctes) Query(*c.query, depth);
    if (q.larg) Query(*q.larg, depth);
    if (q.rarg) Query(*q.rarg, depth);
    for (auto& x : q.larg_cast) Opt(x, depth);
    for (auto& x : q.rarg_cast) Opt(x, depth);
  }
};

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
    OuterRemap remap{keys, scope, rtes, query};
    remap.Query(*e->sub, 1);
  }
  for (auto& a : e->args) a = RewriteForAgg(std::move(a), keys, scope, rtes, query);
  if (e->else_expr) e->else_expr = RewriteForAgg(std::move(e->else_expr), keys, scope, rtes, query);
  return e;
}

}  // namespace

namespace {

bool ContainsAggregate(const TExpr& e) {
  if (e.kind == TKind::kAgg) return true;
  for (const auto& a : e.args) {
    if (ContainsAggregate(*a)) return true;
  }
  return e.else_expr && ContainsAggregate(*e.else_expr);
}

int FirstAggregateLocation(const TExpr& e) {
  if (e.kind == TKind::kAgg) return e.location;
  for (const auto& a : e.args) {
    int loc = FirstAggregateLocation(*a);
    if (loc >= 0) return loc;
  }
  return e.else_expr ? FirstAggregateLocation(*e.else_expr) : -1;
}

// Location of the first window function call in e, -2 when there is none.
int FirstWindowFuncLocation(const TExpr& e) {
  if (e.kind == TKind::kWindowFunc) return e.location;
  for (const auto& a : e.args) {
    int loc = FirstWindowFuncLocation(*a);
    if (loc != -2) return loc;
  }
  return e.else_expr ? FirstWindowFuncLocation(*e.else_expr) : -2;
}

// Location of the first column of this query level in e (-1 when it has
// none recorded), -2 when there is no such column.
int FirstColumnLocation(const TExpr& e) {
  if (e.kind == TKind::kColumn) return e.location;
  for (const auto& a : e.args) {
    int loc = FirstColumnLocation(*a);
    if (loc != -2) return loc;
  }
  return e.else_expr ? FirstColumnLocation(*e.else_expr) : -2;
}

}  // namespace

void Analyzer::AnalyzeDistinctOn(const SelectStmt& s, AnalyzedQuery& q) {
  // Each expression names a target like an ORDER BY item (output name,
  // ordinal, or an expression, added as a hidden column when new).
  std::vector<int> cols;
  for (const auto& e : s.distinct_on) {
    int col = -1;
    if (e->kind == ExprKind::kConst) {
      col = OutputOrdinal(q, *e, "DISTINCT ON");
    } else if (e->kind == ExprKind::kColumnRef && e->names.size() == 1 && !e->star) {
      col = FindOutputColumn(q, e->names[0], "DISTINCT ON", e->location);
    }
    if (col < 0) {
      TExprPtr te = Transform(*e);
      if (te->type == oid::kUnknown) te = Coerce(std::move(te), oid::kText, -1, CoercionContext::kImplicit, e->location);
      for (size_t i = 0; i < q.targets.size() && col < 0; ++i) {
        if (q.targets[i]->Equals(*te)) col = static_cast<int>(i);
      }
      if (col < 0) {
        col = static_cast<int>(q.targets.size());
        q.columns.push_back({"?column?", te->type});
        q.targets.push_back(std::move(te));
      }
    }
    cols.push_back(col);
  }
  // PostgreSQL's rule: ORDER BY must start with the DISTINCT ON columns (in
  // any order); the ones ORDER BY leaves out are sorted ascending after it.
  auto location_of = [&](int col) {
    for (size_t i = 0; i < cols.size(); ++i) {
      if (cols[i] == col) return s.distinct_on[i]->location;
    }
    return -1;
  };
  auto mismatch = [&](int location) {
    Error(sqlstate::kInvalidColumnReference, "SELECT DISTINCT ON expressions must match initial ORDER BY expressions",
          location);
  };
  bool skipped = false;
  std::vector<int> covered;
  for (const SortKey& k : q.sort) {
    if (std::find(cols.begin(), cols.end(), k.column) != cols.end()) {
      if (skipped) mismatch(location_of(k.column));
      covered.push_back(k.column);
    } else {
      skipped = true;
    }
  }
  for (size_t i = 0; i < cols.size(); ++i) {
    if (std::find(covered.begin(), covered.end(), cols[i]) != covered.end()) continue;
    if (skipped) mismatch(s.distinct_on[i]->location);
    covered.push_back(cols[i]);
    q.sort.push_back({cols[i], false, false});
  }
  q.distinct_on = std::move(cols);
}

TExprPtr Analyzer::AnalyzeLimit(const ExprPtr& e, const char* clause) {
  if (!e) return nullptr;
  const char* saved = agg_forbidden_clause_;
  const char* saved_win = win_clause_;
  agg_forbidden_clause_ = clause;
  srf_clause_ = clause;
  win_clause_ = clause;
  TExprPtr t = Transform(*e);
  agg_forbidden_clause_ = saved;
  win_clause_ = saved_win;
  if (!CanCoerce(t->type, oid::kInt8, CoercionContext::kAssignment)) {
    Error(sqlstate::kDatatypeMismatch,
          std::string("argument of ") + clause + " must be type bigint, not type " + TypeSqlName(t->type), e->location);
  }
  t = Coerce(std::move(t), oid::kInt8, -1, CoercionContext::kAssignment, e->location);
  int var = FirstColumnLocation(*t);
  if (var != -2) Error("42P10", std::string("argument of ") + clause + " must not contain variables", var);
  return t;
}

int Analyzer::FindOutputColumn(const AnalyzedQuery& q, const std::string& name, const char* clause, int location) {
  int found = -1;
  for (size_t i = 0; i < q.visible; ++i) {
    if (q.columns[i].name != name) continue;
    // Set operations have no target expressions: equal names always differ.
    if (found >= 0 && (q.targets.size() <= i || !q.targets[found]->Equals(*q.targets[i]))) {
      Error(sqlstate::kAmbiguousColumn, std::string(clause) + " \"" + name + "\" is ambiguous", location);
    }
    if (found < 0) found = static_cast<int>(i);
  }
  return found;
}

int Analyzer::OutputOrdinal(const AnalyzedQuery& q, const Expr& c, const char* clause) {
  int64_t n = 0;
  bool integer = c.const_kind == ConstKind::kInteger;
  if (integer) {
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(c.str.c_str(), &end, 10);
    // Integer literals beyond int4 are numeric constants in PostgreSQL.
    integer = errno == 0 && *end == '\0' && v >= INT32_MIN && v <= INT32_MAX;
    n = v;
  }
  if (!integer) Error(sqlstate::kSyntaxError, std::string("non-integer constant in ") + clause, c.location);
  if (n < 1 || n > static_cast<int64_t>(q.visible)) {
    Error(sqlstate::kInvalidColumnReference, std::string(clause) + " position " + std::to_string(n) + " is not in select list",
          c.location);
  }
  return static_cast<int>(n - 1);
}

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
  io_.session = &ctx_;

  if (!s.values.empty()) {
    // VALUES: columns column1..N with a common type per column.
    srf_clause_ = "VALUES";
    size_t width = s.values[0].size();
    win_clause_ = "VALUES";
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
      srf_clause_ = "WHERE";
      win_clause_ = "WHERE";
      q.where = CoerceToBool(Transform(*s.where), "WHERE");
      if (q.from) ChooseIndexScans(*q.from, *s.where);
    }
    if (q.from) ChooseJoinMethods(*q.from);
    agg_allowed_ = true;
    srf_allowed_ = true;
    win_clause_ = nullptr;
    for (const auto& t : s.targets) {
      if (!t.expr || (t.expr->kind == ExprKind::kColumnRef && t.expr->star)) {
        ExpandStar(t, q);
        continue;
      }
      if (t.expr->kind == ExprKind::kFieldSelect && t.expr->star) {
        ExpandFieldStar(*t.expr, q);
        continue;
      }
      TExprPtr te = Transform(*t.expr);
      // Unknown-typed outputs become text, literals and parameters alike
      // (PostgreSQL's resolveTargetListUnknowns: SELECT $1 takes a text $1).
      if (te->type == oid::kUnknown && !keep_unknown_) te = Coerce(std::move(te), oid::kText, -1, CoercionContext::kImplicit, t.location);
      q.columns.push_back({t.alias ? *t.alias : FigureColname(*t.expr, &sublink_names_), te->type, te->typmod});
      q.targets.push_back(std::move(te));
    }
    q.visible = q.targets.size();
    agg_allowed_ = false;
    agg_forbidden_clause_ = "GROUP BY";
    win_clause_ = "GROUP BY";
    for (const auto& g : s.group_by) {
      // A bare name that is no input column may name an output column; an
      // integer constant is an ordinal (PostgreSQL's SQL92 rules).
      int col = -1;
      if (g->kind == ExprKind::kColumnRef && g->names.size() == 1 && !g->star) {
        bool rte_found;
        if (LookupColumn(nullptr, g->names[0], g->location, &rte_found) < 0) {
          col = FindOutputColumn(q, g->names[0], "GROUP BY", g->location);
        }
      } else if (g->kind == ExprKind::kConst) {
        col = OutputOrdinal(q, *g, "GROUP BY");
      }
      if (col >= 0) {
        if (ContainsAggregate(*q.targets[col])) {
          Error(sqlstate::kGroupingError, "aggregate functions are not allowed in GROUP BY",
                FirstAggregateLocation(*q.targets[col]));
        }
        if (int loc = FirstWindowFuncLocation(*q.targets[col]); loc != -2) WindowNotAllowed(loc);
        q.group_keys.push_back(q.targets[col]->Clone());
        continue;
      }
      q.group_keys.push_back(Transform(*g));
    }
    if (s.having) {
      agg_allowed_ = true;
      srf_allowed_ = false;
      srf_clause_ = "HAVING";
      win_clause_ = "HAVING";
      q.having = CoerceToBool(Transform(*s.having), "HAVING");
    }
  }
  q.aggregated = !aggs_.empty() || !q.group_keys.empty() || q.having;

  // ORDER BY: ordinal, output column name, or an expression.
  agg_allowed_ = q.aggregated || s.values.empty();
  srf_allowed_ = s.values.empty();
  win_clause_ = s.values.empty() ? nullptr : "VALUES";
  for (const auto& sb : s.order_by) {
    int col = -1;
    const Expr& x = *sb.expr;
    if (x.kind == ExprKind::kConst) {
      col = OutputOrdinal(q, x, "ORDER BY");
    } else if (x.kind == ExprKind::kColumnRef && x.names.size() == 1 && !x.star) {
      col = FindOutputColumn(q, x.names[0], "ORDER BY", x.location);
    }
    if (col < 0) {
      TExprPtr te = Transform(x);
      if (te->type == oid::kUnknown) te = Coerce(std::move(te), oid::kText, -1, CoercionContext::kImplicit, x.location);
      for (size_t i = 0; i < q.targets.size(); ++i) {
        if (q.targets[i]->Equals(*te)) col = static_cast<int>(i);
      }
      if (col < 0) {
        if (s.distinct && s.distinct_on.empty()) {
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

  if (!s.distinct_on.empty()) AnalyzeDistinctOn(s, q);
  win_clause_ = "WHERE";
  FinishWindows(q);
  // Aggregates in ORDER BY or in window definitions aggregate the query too.
  q.aggregated = !aggs_.empty() || !q.group_keys.empty() || q.having;

  if (q.aggregated) {
    auto rewrite = [&](TExprPtr& e) {
      if (e) e = RewriteForAgg(std::move(e), q.group_keys, scope_, rtes_, stmt_.query());
    };
    // Window functions read aggregate rows: their arguments and windows
    // may use only group keys and aggregates. PostgreSQL checks a window
    // function's arguments with its target, its window after every target.
    std::vector<bool> done(win_funcs_.size());
    std::function<void(const TExpr&)> rewrite_calls = [&](const TExpr& e) {
      if (e.kind == TKind::kWindowFunc && !done[e.index]) {
        done[e.index] = true;
        WindowFuncCall& f = win_funcs_[e.index];
        for (auto& a : f.args) rewrite(a);
        rewrite(f.agg.arg);
        rewrite(f.agg.arg2);
        rewrite(f.agg.filter);
      }
      for (const auto& a : e.args) rewrite_calls(*a);
      if (e.else_expr) rewrite_calls(*e.else_expr);
    };
    for (auto& t : q.targets) {
      rewrite_calls(*t);
      rewrite(t);
    }
    rewrite(q.having);
    for (size_t i = 0; i < win_funcs_.size(); ++i) {
      if (!done[i]) {
        auto ref = std::make_unique<TExpr>(TKind::kWindowFunc, win_funcs_[i].result_type);
        ref->index = static_cast<int>(i);
        rewrite_calls(*ref);
      }
    }
    for (auto& w : windows_) {
      for (auto& p : w.partition) rewrite(p);
      for (auto& o : w.order) rewrite(o.expr);
    }
    for (const auto& k : q.group_keys) q.window_input_types.push_back(k->type);
    for (const auto& a : aggs_) q.window_input_types.push_back(a.result_type);
  } else {
    q.window_input_types = q.input_types;
  }
  q.aggs = std::move(aggs_);
  q.distinct = s.distinct && s.distinct_on.empty();
  q.windows = std::move(windows_);
  q.window_funcs = std::move(win_funcs_);
  if (!q.window_funcs.empty()) PlanWindows(q);

  if (!s.locking.empty()) AnalyzeLocking(s, q);
  if (!q.sort.empty() && q.from && !q.aggregated && !q.distinct && q.distinct_on.empty() && q.window_funcs.empty())
    ChooseIndexOrder(q);
  agg_allowed_ = false;
  srf_allowed_ = false;
  q.limit = AnalyzeLimit(s.limit, "LIMIT");
  q.offset = AnalyzeLimit(s.offset, "OFFSET");
  PlanSrfs(q);

  // Last: every expression of this level, and of the subqueries that read
  // it, is analyzed. Locked rows are re-read whole (FOR UPDATE), so those
  // queries read every column.
  if (q.from && q.row_marks.empty()) MarkNeededColumns(*q.from);
  return q;
}

void Analyzer::AnalyzeLocking(const SelectStmt& s, AnalyzedQuery& q) {
  const LockingClause& first = s.locking[0];
  const char* what = first.strength == LockingClause::kUpdate        ? "FOR UPDATE"
                     : first.strength == LockingClause::kNoKeyUpdate ? "FOR NO KEY UPDATE"
                     : first.strength == LockingClause::kShare       ? "FOR SHARE"
                                                                     : "FOR KEY SHARE";
  // PostgreSQL's CheckSelectLocking order; these errors carry no position.
  auto refuse = [&](const char* with) {
    throw PgError(sqlstate::kFeatureNotSupported, std::string(what) + " is not allowed with " + with);
  };
  if (s.distinct) refuse("DISTINCT clause");
  if (!s.group_by.empty()) refuse("GROUP BY clause");
  if (s.having) refuse("HAVING clause");
  if (!aggs_.empty() || q.aggregated) refuse("aggregate functions");
  if (!q.window_funcs.empty()) refuse("window functions");
  for (const auto& t : q.targets) {
    if (FindSrf(*t)) refuse("set-returning functions in the target list");
  }
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
