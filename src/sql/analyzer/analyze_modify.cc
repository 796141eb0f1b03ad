// Analysis of INSERT, UPDATE and DELETE on stored tables: target columns,
// assignment coercion, DEFAULT, the scan of the rows to change (with the
// same index choice as SELECT), CHECK constraints and RETURNING.
#include <algorithm>

#include "sql/analyzer/analyze_array.h"
#include "sql/analyzer/analyzer_impl.h"
#include "sql/parser/parser.h"
#include "sql/session_context.h"
#include "sql/table_access.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr char kUndefinedColumn[] = "42703";

std::shared_ptr<StoredTable> OpenTarget(const RangeVar& rv, uint32_t privs, SessionContext& ctx) {
  std::shared_ptr<StoredTable> t = ctx.LookupTable(rv.schema, rv.name);
  if (!t && ctx.LookupView(rv.schema, rv.name))
    throw PgError(sqlstate::kFeatureNotSupported, "changing view \"" + rv.name + "\" is not supported yet")
        .Hint("Views are read-only in Tusk for now; change the underlying table.");
  if (!t) {
    std::string shown = rv.schema.empty() ? rv.name : rv.schema + "." + rv.name;
    PgError e(sqlstate::kUndefinedTable, "relation \"" + shown + "\" does not exist");
    throw e;
  }
  if (t->is_catalog) throw PgError("42809", "cannot change system catalog \"" + t->name + "\"");
  if (t->relkind == 'S') throw PgError("42809", "cannot change sequence \"" + t->name + "\"");
  ctx.CheckRelationPrivilege(t->relkind, t->name, t->owner, t->acl, privs, 0);
  return t;
}

// A SELECT whose only FROM item is the target table, so that an analyzer
// over it sees the table's columns (and `*` expands to them).
std::shared_ptr<SelectStmt> TargetSelect(const RangeVar& rv) {
  auto s = std::make_shared<SelectStmt>();
  FromItem f;
  f.kind = FromKind::kRelation;
  f.schema = rv.schema;
  f.name = rv.name;
  f.alias = rv.alias;
  f.location = rv.location;
  s->from.push_back(std::move(f));
  return s;
}

int ColumnIndex(const StoredTable& t, const std::string& name) {
  for (size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i].name == name) return static_cast<int>(i);
  return -1;
}

TExprPtr ColumnRef(int index, uint32_t type) {
  auto r = std::make_unique<TExpr>(TKind::kColumn, type);
  r->index = index;
  return r;
}

TExprPtr NullOf(uint32_t type) {
  auto c = std::make_unique<TExpr>(TKind::kConst, type);
  c->value = Datum::Null();
  return c;
}

std::shared_ptr<const Statement> ParseSelectOf(const std::string& expr_sql) {
  auto stmts = ParseStatements("SELECT " + expr_sql);
  if (stmts.size() != 1 || stmts[0]->kind() != StmtKind::kSelect || stmts[0]->select().targets.size() != 1)
    throw PgError(sqlstate::kInternalError, "unreadable stored expression: " + expr_sql);
  return std::shared_ptr<const Statement>(std::move(stmts[0]));
}

}  // namespace

// Assignment of an expression to a table column: PostgreSQL's assignment
// coercion and its 42804 message. Length limits are applied when the row is
// stored (they raise 22001 rather than truncate).
static TExprPtr AssignTo(Analyzer& a, TExprPtr e, const StoredColumn& col, int location) {
  if (e->type == col.type) return e;
  if (e->type != oid::kUnknown && !CanCoerce(e->type, col.type, CoercionContext::kAssignment)) {
    PgError err(sqlstate::kDatatypeMismatch, "column \"" + col.name + "\" is of type " + TypeSqlName(col.type) +
                                                 " but expression is of type " + TypeSqlName(e->type));
    err.Hint("You will need to rewrite or cast the expression.");
    err.Position(a.Pos(location));
    throw err;
  }
  return a.Coerce(std::move(e), col.type, -1, CoercionContext::kAssignment, location);
}

static TExprPtr DefaultFor(AnalyzedModify& m, const StoredColumn& col, SessionContext& ctx) {
  if (col.default_sql.empty()) return NullOf(col.type);
  auto stmt = ParseSelectOf(col.default_sql);
  m.keep.push_back(stmt);
  SelectStmt empty;
  Analyzer a(*stmt, empty, ctx, {});
  a.srf_clause_ = "DEFAULT expressions";
  a.win_clause_ = "DEFAULT expressions";
  TExprPtr e = a.Transform(*stmt->select().targets[0].expr);
  return AssignTo(a, std::move(e), col, -1);
}

static void AnalyzeChecksAndReturning(AnalyzedModify& m, const RangeVar& target,
                                      const std::vector<ResTarget>& returning, Analyzer* main,
                                      SessionContext& ctx) {
  for (const StoredCheck& c : m.table->checks) {
    auto stmt = ParseSelectOf(c.expr_sql);
    m.keep.push_back(stmt);
    auto sel = TargetSelect(target);
    Analyzer a(*stmt, *sel, ctx, {});
    a.target_unchecked_ = true;
    a.srf_clause_ = "check constraints";
    AnalyzedQuery scope;
    a.AnalyzeFromClause(scope);
    m.check_names.push_back(c.name);
    a.win_clause_ = "check constraints";
    m.checks.push_back(a.CoerceToBool(a.Transform(*stmt->select().targets[0].expr), "CHECK"));
  }
  if (returning.empty()) return;
  main->srf_allowed_ = false;
  main->srf_clause_ = "RETURNING";
  AnalyzedQuery out;
  main->win_clause_ = "RETURNING";
  for (const auto& t : returning) {
    if (!t.expr || (t.expr->kind == ExprKind::kColumnRef && t.expr->star)) {
      main->ExpandStar(t, out);
      continue;
    }
    TExprPtr te = main->Transform(*t.expr);
    if (te->type == oid::kUnknown && te->kind != TKind::kParam)
      te = main->Coerce(std::move(te), oid::kText, -1, CoercionContext::kImplicit, t.location);
    out.columns.push_back({t.alias ? *t.alias : FigureColname(*t.expr, &main->sublink_names_), te->type, te->typmod});
    out.targets.push_back(std::move(te));
  }
  m.returning = std::move(out.targets);
  m.returning_columns = std::move(out.columns);
}

// UPDATE (and ON CONFLICT DO UPDATE) of a GENERATED ALWAYS identity column
// to anything but DEFAULT.
static void CheckIdentityUpdate(const StoredColumn& col, const Expr& e) {
  if (col.identity != 'a' || e.kind == ExprKind::kDefault) return;
  PgError err("428C9", "column \"" + col.name + "\" can only be updated to DEFAULT");
  err.Detail("Column \"" + col.name + "\" is an identity column defined as GENERATED ALWAYS.");
  throw err;
}

static void AnalyzeInsert(const Statement& stmt, AnalyzedModify& m, Analyzer& top, SessionContext& ctx) {
  const InsertStmt& ins = stmt.insert();
  if (ins.with) throw PgError(sqlstate::kFeatureNotSupported, "WITH in INSERT is not supported yet");
  const StoredTable& t = *m.table;
  // Target columns: the list given, else all in order.
  std::vector<int> targets;
  if (ins.columns.empty()) {
    for (size_t i = 0; i < t.columns.size(); ++i) targets.push_back(static_cast<int>(i));
  } else {
    for (size_t k = 0; k < ins.columns.size(); ++k) {
      int i = ColumnIndex(t, ins.columns[k]);
      int loc = k < ins.column_locations.size() ? ins.column_locations[k] : -1;
      if (i < 0)
        top.Error(kUndefinedColumn,
                  "column \"" + ins.columns[k] + "\" of relation \"" + t.name + "\" does not exist", loc);
      for (int prev : targets)
        if (prev == i) top.Error("42701", "column \"" + ins.columns[k] + "\" specified more than once", loc);
      targets.push_back(i);
    }
  }
  // PostgreSQL's rewriteTargetListIU for identity columns: a value given
  // for a GENERATED ALWAYS column needs OVERRIDING SYSTEM VALUE; OVERRIDING
  // USER VALUE discards the values given for identity columns.
  auto use_identity_default = [&](int col) -> bool {
    const StoredColumn& c = t.columns[col];
    if (c.identity == '\0') return false;
    if (ins.overriding == "user value") return true;
    if (c.identity == 'a' && ins.overriding != "system value") {
      PgError err("428C9", "cannot insert a non-DEFAULT value into column \"" + c.name + "\"");
      err.Detail("Column \"" + c.name + "\" is an identity column defined as GENERATED ALWAYS.");
      err.Hint("Use OVERRIDING SYSTEM VALUE to override.");
      throw err;
    }
    return false;
  };
  std::vector<TExprPtr> defaults(t.columns.size());
  auto default_of = [&](int col) -> TExprPtr {
    if (!defaults[col]) defaults[col] = DefaultFor(m, t.columns[col], ctx);
    return defaults[col]->Clone();
  };
  const size_t width = t.columns.size();
  AnalyzedQuery& src = m.source;
  for (size_t i = 0; i < width; ++i) src.input_types.push_back(t.columns[i].type);
  if (ins.default_values || !ins.source) {
    std::vector<TExprPtr> row;
    for (size_t i = 0; i < width; ++i) row.push_back(default_of(static_cast<int>(i)));
    src.values.push_back(std::move(row));
  } else if (!ins.source->values.empty() && ins.source->from.empty() && ins.source->order_by.empty() &&
             !ins.source->limit && !ins.source->offset && ins.source->op == SetOpKind::kNone) {
    // VALUES rows: each expression is assigned to its column directly, so
    // literals take the column's type (and their errors point at them).
    SelectStmt empty;
    Analyzer v(empty, nullptr, &top);
    // A single row is planned like a select list, so it may hold
    // set-returning calls (PostgreSQL's VALUES_SINGLE).
    v.srf_allowed_ = ins.source->values.size() == 1;
    v.srf_clause_ = "VALUES";
    v.win_clause_ = "VALUES";
    // Without a column list, shorter rows fill the leading columns.
    if (ins.columns.empty() && ins.source->values[0].size() < targets.size())
      targets.resize(ins.source->values[0].size());
    for (const auto& row : ins.source->values) {
      if (row.size() > targets.size())
        top.Error(sqlstate::kSyntaxError, "INSERT has more expressions than target columns",
                  row[targets.size()]->location);
      if (row.size() < targets.size())
        top.Error(sqlstate::kSyntaxError, "INSERT has more target columns than expressions",
                  ins.column_locations.size() > row.size() ? ins.column_locations[row.size()] : -1);
      std::vector<TExprPtr> out(width);
      for (size_t k = 0; k < row.size(); ++k) {
        int col = targets[k];
        if (row[k]->kind == ExprKind::kDefault || use_identity_default(col)) {
          out[col] = default_of(col);
        } else {
          out[col] = AssignTo(v, v.Transform(*row[k]), t.columns[col], row[k]->location);
        }
      }
      for (size_t i = 0; i < width; ++i)
        if (!out[i]) out[i] = default_of(static_cast<int>(i));
      src.values.push_back(std::move(out));
    }
    bool srf = false;
    for (const auto& x : src.values[0]) srf |= FindSrf(*x) != nullptr;
    if (srf) {
      // One empty input row; the expressions are the targets, so their
      // calls become ProjectSet steps.
      src.targets = std::move(src.values[0]);
      src.values[0].clear();
      src.input_types.clear();
      v.PlanSrfs(src);
    }
  } else {
    Analyzer q(*ins.source, nullptr, &top);
    q.keep_unknown_ = true;
    AnalyzedQuery sub = q.RunQuery();
    if (ins.columns.empty() && sub.visible < targets.size()) targets.resize(sub.visible);
    if (sub.visible > targets.size())
      top.Error(sqlstate::kSyntaxError, "INSERT has more expressions than target columns", -1);
    if (sub.visible < targets.size())
      top.Error(sqlstate::kSyntaxError, "INSERT has more target columns than expressions", -1);
    // A bare parameter as an output column takes its target column's type,
    // as PostgreSQL types INSERT ... SELECT $1 (there is no other context).
    for (size_t k = 0; k < sub.visible && k < sub.targets.size(); ++k) {
      TExprPtr& te = sub.targets[k];
      if (te->kind != TKind::kParam || te->type != oid::kUnknown) continue;
      te = q.Coerce(std::move(te), t.columns[targets[k]].type, -1, CoercionContext::kAssignment, -1);
      sub.columns[k].type = te->type;
    }
    // The query runs as a derived table; new_row assigns its columns.
    src.input_types.clear();
    for (size_t i = 0; i < sub.visible; ++i) src.input_types.push_back(sub.columns[i].type);
    auto from = std::make_unique<AnalyzedFrom>();
    from->kind = AnalyzedFrom::kSubquery;
    from->types = src.input_types;
    from->subquery = std::make_shared<AnalyzedQuery>(std::move(sub));
    src.from = std::move(from);
    std::vector<TExprPtr> out(width);
    for (size_t k = 0; k < targets.size(); ++k) {
      int col = targets[k];
      out[col] = use_identity_default(col)
                     ? default_of(col)
                     : AssignTo(top, ColumnRef(static_cast<int>(k), src.input_types[k]), t.columns[col], -1);
    }
    for (size_t i = 0; i < width; ++i)
      if (!out[i]) out[i] = default_of(static_cast<int>(i));
    m.new_row = std::move(out);
  }
  if (m.new_row.empty()) {
    for (size_t i = 0; i < width; ++i) m.new_row.push_back(ColumnRef(static_cast<int>(i), t.columns[i].type));
  }
  // The source query's output row is its input row: targets pass it through.
  if (src.targets.empty()) {
    for (size_t i = 0; i < src.input_types.size(); ++i)
      src.targets.push_back(ColumnRef(static_cast<int>(i), src.input_types[i]));
  }
  src.visible = src.targets.size();
  for (size_t i = 0; i < src.visible; ++i) src.columns.push_back({"?column?", src.targets[i]->type});
  if (ins.on_conflict) {
    const OnConflictClause& oc = *ins.on_conflict;
    // The arbiter: a unique index on exactly the columns named, or the constraint named.
    if (!oc.target.empty() || !oc.constraint.empty()) {
      bool found = false;
      for (const StoredIndex& ix : t.indexes) {
        if (!ix.unique) continue;
        if (!oc.constraint.empty()) {
          if (ix.name == oc.constraint) m.arbiters.push_back(ix.oid);
          continue;
        }
        std::vector<int> want;
        for (const auto& e : oc.target) {
          int c = e.column.empty() ? -1 : ColumnIndex(t, e.column);
          if (c < 0)
            top.Error(kUndefinedColumn, "column \"" + e.column + "\" does not exist", e.location);
          want.push_back(c);
        }
        std::vector<int> have = ix.columns;
        std::sort(want.begin(), want.end());
        std::sort(have.begin(), have.end());
        if (want == have) m.arbiters.push_back(ix.oid);
      }
      found = !m.arbiters.empty();
      if (!found && !oc.constraint.empty())
        throw PgError(sqlstate::kUndefinedObject, "constraint \"" + oc.constraint + "\" for table \"" + t.name +
                                                      "\" does not exist");
      if (!found)
        throw PgError("42P10", "there is no unique or exclusion constraint matching the ON CONFLICT specification");
    }
    if (oc.action == OnConflictClause::kNothing) {
      m.on_conflict_nothing = true;
    } else {
      if (oc.target.empty() && oc.constraint.empty())
        top.Error(sqlstate::kSyntaxError, "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                  oc.location, "For example, ON CONFLICT (column_name).");
      m.on_conflict_update = true;
      // Scope: the target's columns (and ctid), then EXCLUDED's, reachable only qualified.
      auto sel = std::make_shared<SelectStmt>();
      for (int k = 0; k < 2; ++k) {
        FromItem f;
        f.kind = FromKind::kRelation;
        f.schema = ins.relation.schema;
        f.name = ins.relation.name;
        if (k == 0) f.alias = ins.relation.alias; else f.alias = std::string("excluded");
        sel->from.push_back(std::move(f));
      }
      ctx.CheckRelationPrivilege(t.relkind, t.name, t.owner, t.acl, kPrivUpdate, 0);
      Analyzer u(*sel, nullptr, &top);
      u.target_unchecked_ = true;
      u.srf_clause_ = "UPDATE";
      AnalyzedQuery scope;
      u.AnalyzeFromClause(scope);
      for (size_t i = t.columns.size() + 1; i < u.scope_.size(); ++i) u.scope_[i].hidden = true;
      std::vector<TExprPtr> values(t.columns.size());
      u.win_clause_ = "UPDATE";
      for (const SetClause& sc : oc.set) {
        for (size_t k = 0; k < sc.columns.size(); ++k) {
          int loc = k < sc.column_locations.size() ? sc.column_locations[k] : sc.location;
          int col = ColumnIndex(t, sc.columns[k]);
          if (col < 0)
            top.Error(kUndefinedColumn, "column \"" + sc.columns[k] + "\" of relation \"" + t.name + "\" does not exist", loc);
          const Expr& e = *sc.values[k];
          CheckIdentityUpdate(t.columns[col], e);
          if (sc.subscript || sc.slice) {
            TExprPtr base = values[col] ? std::move(values[col]) : ColumnRef(col, t.columns[col].type);
            values[col] = TransformArrayAssign(u, std::move(base), sc.columns[k], loc, sc, e);
            continue;
          }
          values[col] = e.kind == ExprKind::kDefault ? DefaultFor(m, t.columns[col], ctx)
                                                     : AssignTo(u, u.Transform(e), t.columns[col], e.location);
        }
      }
      for (size_t i = 0; i < values.size(); ++i)
        if (!values[i]) values[i] = ColumnRef(static_cast<int>(i), t.columns[i].type);
      m.conflict_set = std::move(values);
      u.srf_clause_ = "WHERE";
      u.win_clause_ = "WHERE";
      if (oc.where) m.conflict_where = u.CoerceToBool(u.Transform(*oc.where), "WHERE");
    }
  }
}

AnalyzedModify AnalyzeModify(const Statement& stmt, const std::vector<uint32_t>& hints, SessionContext& ctx) {
  AnalyzedModify m;
  const RangeVar* target = nullptr;
  const std::vector<ResTarget>* returning = nullptr;
  switch (stmt.kind()) {
    case StmtKind::kInsert:
      m.kind = AnalyzedModify::kInsert;
      target = &stmt.insert().relation;
      returning = &stmt.insert().returning;
      break;
    case StmtKind::kUpdate:
      m.kind = AnalyzedModify::kUpdate;
      target = &stmt.update().relation;
      returning = &stmt.update().returning;
      break;
    case StmtKind::kDelete:
      m.kind = AnalyzedModify::kDelete;
      target = &stmt.delete_().relation;
      returning = &stmt.delete_().returning;
      break;
    default: throw PgError(sqlstate::kInternalError, "not a data-modifying statement");
  }
  m.table = OpenTarget(*target,
                       m.kind == AnalyzedModify::kInsert   ? kPrivInsert
                       : m.kind == AnalyzedModify::kUpdate ? kPrivUpdate
                                                           : kPrivDelete,
                       ctx);
  const StoredTable& t = *m.table;
  const int ncols = static_cast<int>(t.columns.size());
  auto sel = TargetSelect(*target);
  Analyzer top(stmt, *sel, ctx, hints);
  top.target_unchecked_ = true;
  if (auto tz = ctx.GetConfig("timezone", true)) top.io_.timezone = *tz;
  if (auto bo = ctx.GetConfig("bytea_output", true)) top.io_.bytea_escape = *bo == "escape";
  top.io_.session = &ctx;
  AnalyzedQuery scope;
  top.AnalyzeFromClause(scope);  // the table's columns, then ctid

  if (m.kind == AnalyzedModify::kInsert) {
    AnalyzeInsert(stmt, m, top, ctx);
  } else {
    AnalyzedQuery& scan = m.source;
    scan.from = std::move(scope.from);
    const std::vector<FromItem>& extra = m.kind == AnalyzedModify::kUpdate ? stmt.update().from : stmt.delete_().using_;
    // FROM / USING items cannot see the target table (PostgreSQL's error
    // when a function or LATERAL subquery there names it).
    const int saved_lo = top.visible_lo_;
    top.visible_lo_ = static_cast<int>(top.scope_.size());
    for (const auto& f : extra) {
      std::vector<int> star;
      auto item = top.AnalyzeFromItem(f, &star);
      auto j = std::make_unique<AnalyzedFrom>();
      j->kind = AnalyzedFrom::kJoin;
      j->types = scan.from->types;
      j->types.insert(j->types.end(), item->types.begin(), item->types.end());
      j->left = std::move(scan.from);
      j->right = std::move(item);
      scan.from = std::move(j);
      m.can_recheck = false;
    }
    top.visible_lo_ = saved_lo;
    scan.input_types.clear();
    for (const auto& c : top.scope_) scan.input_types.push_back(c.type);
    const Expr* where = m.kind == AnalyzedModify::kUpdate ? stmt.update().where.get() : stmt.delete_().where.get();
    if (where) {
      top.agg_forbidden_clause_ = "WHERE";
      top.srf_clause_ = "WHERE";
      scan.where = top.CoerceToBool(top.Transform(*where), "WHERE");
      top.ChooseIndexScans(*scan.from, *where);
      m.recheck_where = scan.where->Clone();
    }
    top.ChooseJoinMethods(*scan.from);
    scan.targets.push_back(ColumnRef(ncols, oid::kInt8));  // ctid
    if (m.kind == AnalyzedModify::kUpdate) {
      top.srf_clause_ = "UPDATE";
      std::vector<TExprPtr> values(ncols);
      top.win_clause_ = "UPDATE";
      std::vector<bool> subscripted(ncols);  // every assignment so far was to an element or slice
      for (const SetClause& sc : stmt.update().set) {
        if (sc.subquery) throw PgError(sqlstate::kFeatureNotSupported, "multiple-column UPDATE from a subquery is not supported yet");
        for (size_t k = 0; k < sc.columns.size(); ++k) {
          int loc = k < sc.column_locations.size() ? sc.column_locations[k] : sc.location;
          int col = ColumnIndex(t, sc.columns[k]);
          if (col < 0)
            top.Error(kUndefinedColumn,
                      "column \"" + sc.columns[k] + "\" of relation \"" + t.name + "\" does not exist", loc);
          const bool element = sc.subscript || sc.slice;
          // Element and slice assignments to one column apply in order, as PostgreSQL's do.
          if (values[col] && !(element && subscripted[col]))
            top.Error("42601", "multiple assignments to same column \"" + sc.columns[k] + "\"", loc);
          const Expr& e = *sc.values[k];
          CheckIdentityUpdate(t.columns[col], e);
          if (element) {
            TExprPtr base = values[col] ? std::move(values[col]) : ColumnRef(col, t.columns[col].type);
            values[col] = TransformArrayAssign(top, std::move(base), sc.columns[k], loc, sc, e);
            subscripted[col] = true;
            continue;
          }
          values[col] = e.kind == ExprKind::kDefault ? DefaultFor(m, t.columns[col], ctx)
                                                     : AssignTo(top, top.Transform(e), t.columns[col], e.location);
        }
      }
      for (int i = 0; i < ncols; ++i) {
        if (!values[i]) values[i] = ColumnRef(i, t.columns[i].type);
        m.recheck_set.push_back(values[i]->Clone());
        scan.targets.push_back(std::move(values[i]));
      }
    } else {
      for (int i = 0; i < ncols; ++i) scan.targets.push_back(ColumnRef(i, t.columns[i].type));
    }
    scan.visible = scan.targets.size();
    for (const auto& x : scan.targets) scan.columns.push_back({"?column?", x->type});
    scan.aggs = std::move(top.aggs_);
    if (!scan.aggs.empty())
      throw PgError(sqlstate::kGroupingError, "aggregate functions are not allowed in UPDATE");
    if (!m.can_recheck && !returning->empty())
      throw PgError(sqlstate::kFeatureNotSupported, "RETURNING with FROM or USING is not supported yet");
  }
  AnalyzeChecksAndReturning(m, *target, *returning, &top, ctx);
  // Reading the target's columns (WHERE, SET expressions, RETURNING) takes
  // SELECT on it too, as in PostgreSQL.
  for (int i = 0; i < ncols && i < static_cast<int>(top.used_.size()); ++i) {
    if (top.used_[static_cast<size_t>(i)]) {
      ctx.CheckRelationPrivilege(t.relkind, t.name, t.owner, t.acl, kPrivSelect, 0);
      break;
    }
  }
  for (size_t i = 0; i < top.params_.size(); ++i) {
    if (top.params_[i] == 0 || top.params_[i] == oid::kUnknown)
      throw PgError(sqlstate::kIndeterminateDatatype,
                    "could not determine data type of parameter $" + std::to_string(i + 1));
  }
  m.param_types = top.params_;
  return m;
}

}  // namespace tusk::sql
