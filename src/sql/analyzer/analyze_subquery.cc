// Nested queries: subqueries in expressions (scalar, EXISTS, ANY/ALL, IN),
// set operations with column type unification, and WITH [RECURSIVE] queries
// with their work-table form for recursive terms.
#include "sql/analyzer/analyzer_impl.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr char kInvalidRecursion[] = "42P19";

const char* SetOpName(SetOpKind k) {
  return k == SetOpKind::kUnion ? "UNION" : k == SetOpKind::kIntersect ? "INTERSECT" : "EXCEPT";
}

int ReferenceLocation(const SelectStmt& s, const std::string& name);

// Location of the first FROM reference to `name` (-1 if none; -2 if there
// is one but its location is unknown).
int FromReferenceLocation(const FromItem& f, const std::string& name) {
  switch (f.kind) {
    case FromKind::kRelation:
      return f.schema.empty() && f.name == name ? (f.location >= 0 ? f.location : -2) : -1;
    case FromKind::kJoin: {
      int l = FromReferenceLocation(*f.left, name);
      return l != -1 ? l : FromReferenceLocation(*f.right, name);
    }
    case FromKind::kSubquery: return ReferenceLocation(*f.subquery, name);
    default: return -1;
  }
}

int ReferenceLocation(const SelectStmt& s, const std::string& name) {
  if (s.op != SetOpKind::kNone) {
    int l = ReferenceLocation(*s.larg, name);
    return l != -1 ? l : ReferenceLocation(*s.rarg, name);
  }
  for (const auto& f : s.from) {
    int l = FromReferenceLocation(f, name);
    if (l != -1) return l;
  }
  return -1;
}

bool ReferencesName(const SelectStmt& s, const std::string& name) { return ReferenceLocation(s, name) != -1; }

TExprPtr ColumnRef(int index, uint32_t type) {
  auto c = std::make_unique<TExpr>(TKind::kColumn, type);
  c->index = index;
  return c;
}

}  // namespace

std::shared_ptr<AnalyzedQuery> Analyzer::AnalyzeChild(const SelectStmt& s, Analyzer* parent, bool keep_unknown,
                                                      bool* correlated) {
  Analyzer child(s, parent, this);
  child.keep_unknown_ = keep_unknown;
  auto q = std::make_shared<AnalyzedQuery>(child.RunQuery());
  if (correlated) *correlated = child.correlated_;
  // A correlated grandchild that reaches above us makes us correlated too;
  // ResolveColumnRef already marked every lexical level in between.
  return q;
}

TExprPtr Analyzer::TransformSubLink(const Expr& e) {
  bool correlated = false;
  auto sub = AnalyzeChild(*e.subquery, this, false, &correlated);
  auto link = std::make_unique<TExpr>(TKind::kSubLink, oid::kBool);
  link->aux = static_cast<int>(e.sublink);
  link->location = e.location;
  link->correlated = correlated;
  if (e.sublink == SubLinkKind::kExpr) {
    if (sub->visible != 1) Error(sqlstate::kSyntaxError, "subquery must return only one column", e.location);
    link->type = sub->columns[0].type;
    link->typmod = sub->columns[0].typmod;
    sublink_names_[&e] = sub->columns[0].name;
  } else if (e.sublink == SubLinkKind::kArray) {
    // ARRAY(SELECT x ...): the column's values in row order.
    if (sub->visible != 1) Error(sqlstate::kSyntaxError, "subquery must return only one column", e.location);
    uint32_t elem = sub->columns[0].type;
    if (IsArrayType(elem)) {
      Error(sqlstate::kFeatureNotSupported, "multidimensional arrays are not supported", e.location);
    }
    link->type = ArrayTypeOf(elem);
    if (!link->type) {
      Error(sqlstate::kUndefinedObject, "could not find array type for data type " + TypeSqlName(elem), e.location);
    }
  } else if ((e.sublink == SubLinkKind::kAny || e.sublink == SubLinkKind::kAll) &&
             e.args[0]->kind == ExprKind::kRow) {
    // (a, b) op ANY (SELECT x, y ...): the combine compares the test row
    // [0..n) with the subquery row [n..2n) like a row comparison.
    const Expr& row = *e.args[0];
    size_t n = row.args.size();
    if (sub->visible > n) Error(sqlstate::kSyntaxError, "subquery has too many columns", e.location);
    if (sub->visible < n) Error(sqlstate::kSyntaxError, "subquery has too few columns", e.location);
    std::vector<uint32_t> test_types;
    for (size_t i = 0; i < n; ++i) {
      TExprPtr test = Transform(*row.args[i]);
      uint32_t st = sub->columns[i].type;
      if (test->type == oid::kUnknown && st != oid::kUnknown) {
        test = Coerce(std::move(test), st, -1, CoercionContext::kImplicit, row.args[i]->location);
      }
      test_types.push_back(test->type);
      RefuseSrfInComparison(*test, e.location);
      link->args.push_back(std::move(test));
    }
    link->combine = RowCompare(
        e.str, n, [&](size_t i) { return ColumnRef(static_cast<int>(i), test_types[i]); },
        [&](size_t i) { return ColumnRef(static_cast<int>(n + i), sub->columns[i].type); }, e.location);
  } else if (e.sublink == SubLinkKind::kAny || e.sublink == SubLinkKind::kAll) {
    if (sub->visible > 1) Error(sqlstate::kSyntaxError, "subquery has too many columns", e.location);
    if (sub->visible < 1) Error(sqlstate::kSyntaxError, "subquery has too few columns", e.location);
    TExprPtr test = Transform(*e.args[0]);
    uint32_t st = sub->columns[0].type;
    if (test->type == oid::kUnknown && st != oid::kUnknown) {
      test = Coerce(std::move(test), st, -1, CoercionContext::kImplicit, e.args[0]->location);
    }
    TExprPtr cmp = ResolveOperator(e.str, ColumnRef(0, test->type), ColumnRef(1, st), e.location);
    RefuseSrfInComparison(*test, e.location);
    if (cmp->type != oid::kBool) {
      Error(sqlstate::kDatatypeMismatch, "op ANY/ALL (array) requires operator to yield boolean", e.location);
    }
    link->combine = std::move(cmp);
    link->args.push_back(std::move(test));
  }
  link->sub = std::move(sub);
  return link;
}

AnalyzedQuery Analyzer::RunQuery() {
  const SelectStmt& s = *sel_;
  AnalyzedQuery q;
  std::vector<AnalyzedCte> ctes;
  if (s.with) {
    AnalyzeWith(*s.with, q);
    ctes = std::move(q.ctes);
  }
  if (s.op != SetOpKind::kNone) {
    q = AnalyzeSetOp(s);
  } else {
    q = RunSelect();
  }
  q.ctes = std::move(ctes);
  return q;
}

AnalyzedQuery Analyzer::AnalyzeSetOp(const SelectStmt& s) {
  AnalyzedQuery q;
  q.op = s.op;
  q.set_all = s.set_all;
  // Branches are analyzed as independent queries at this level.
  auto branch = [&](const SelectStmt& b) {
    if (b.op != SetOpKind::kNone && !b.with && b.order_by.empty() && !b.limit && !b.offset) {
      Analyzer nested(b, parent_, this);
      AnalyzedQuery r = nested.AnalyzeSetOp(b);
      if (nested.correlated_) correlated_ = true;
      return std::make_shared<AnalyzedQuery>(std::move(r));
    }
    Analyzer leaf(b, parent_, this);
    leaf.keep_unknown_ = true;
    auto r = std::make_shared<AnalyzedQuery>(leaf.RunQuery());
    if (leaf.correlated_) correlated_ = true;
    return r;
  };
  q.larg = branch(*s.larg);
  q.rarg = branch(*s.rarg);
  if (q.larg->visible != q.rarg->visible) {
    Error(sqlstate::kSyntaxError,
          std::string("each ") + SetOpName(s.op) + " query must have the same number of columns",
          s.rarg->targets.empty() ? s.location : s.rarg->targets[0].location);
  }
  for (size_t i = 0; i < q.larg->visible; ++i) {
    TExpr* r = q.rarg->targets.empty() ? nullptr : q.rarg->targets[i].get();
    TExpr lt(TKind::kConst, q.larg->columns[i].type), rt(TKind::kConst, q.rarg->columns[i].type);
    rt.location = r ? r->location : -1;
    std::vector<TExpr*> both = {&lt, &rt};
    uint32_t t = CommonType(both, SetOpName(s.op));
    if (t == oid::kUnknown) t = oid::kText;
    // As PostgreSQL: a typmod both branches share survives the set operation.
    const OutputColumn& lc = q.larg->columns[i];
    const OutputColumn& rc = q.rarg->columns[i];
    int32_t typmod = lc.type == t && rc.type == t && lc.typmod == rc.typmod ? lc.typmod : -1;
    q.columns.push_back({lc.name, t, typmod});
    q.input_types.push_back(t);
  }
  q.visible = q.columns.size();
  // Cast each branch to the common types: leaves in place (so literals are
  // converted now, with their positions), nested set operations on top.
  auto cast = [&](AnalyzedQuery& b, std::vector<TExprPtr>& out) {
    bool needed = false;
    for (size_t i = 0; i < q.visible; ++i) needed |= b.columns[i].type != q.columns[i].type;
    if (!needed) return;
    for (size_t i = 0; i < q.visible; ++i) {
      uint32_t t = q.columns[i].type;
      if (b.op == SetOpKind::kNone) {
        b.targets[i] = Coerce(std::move(b.targets[i]), t, -1, CoercionContext::kImplicit, b.targets[i]->location);
        b.columns[i].type = t;
      } else {
        out.push_back(Coerce(ColumnRef(static_cast<int>(i), b.columns[i].type), t, -1,
                             CoercionContext::kImplicit, -1));
      }
    }
    if (b.op == SetOpKind::kNone) out.clear();
  };
  cast(*q.larg, q.larg_cast);
  cast(*q.rarg, q.rarg_cast);

  // ORDER BY / LIMIT of the whole operation: output columns only.
  for (const auto& sb : s.order_by) {
    const Expr& x = *sb.expr;
    int col = -1;
    if (x.kind == ExprKind::kConst) {
      col = OutputOrdinal(q, x, "ORDER BY");
    } else if (x.kind == ExprKind::kColumnRef && x.names.size() == 1 && !x.star) {
      col = FindOutputColumn(q, x.names[0], "ORDER BY", x.location);
      if (col < 0) Error(sqlstate::kUndefinedColumn, "column \"" + x.names[0] + "\" does not exist", x.location);
    } else {
      const Expr* left = &x;
      while (left->kind == ExprKind::kOp && left->args.size() == 2) left = left->args[0].get();
      throw PgError(sqlstate::kFeatureNotSupported, "invalid UNION/INTERSECT/EXCEPT ORDER BY clause")
          .Detail("Only result column names can be used, not expressions or functions.")
          .Hint("Add the expression/function to every SELECT, or move the UNION into a FROM clause.")
          .Position(Pos(left->location));
    }
    q.sort.push_back({col, sb.desc, sb.nulls_first ? *sb.nulls_first : sb.desc});
  }
  q.limit = AnalyzeLimit(s.limit, "LIMIT");
  q.offset = AnalyzeLimit(s.offset, "OFFSET");
  return q;
}

void Analyzer::AnalyzeWith(const WithClause& w, AnalyzedQuery& q) {
  for (size_t k = 0; k < w.ctes.size(); ++k) {
    const CommonTableExpr& cte = w.ctes[k];
    for (size_t m = 0; m < k; ++m) {
      if (w.ctes[m].name == cte.name) {
        Error("42712", "WITH query name \"" + cte.name + "\" specified more than once",
              cte.location);
      }
    }
    CteEntry entry;
    entry.name = cte.name;
    entry.id = next_cte_id_++;
    std::shared_ptr<AnalyzedQuery> aq;
    const SelectStmt& body = *cte.query;
    bool self_ref = w.recursive && ReferencesName(body, cte.name);
    if (self_ref) {
      if (body.op != SetOpKind::kUnion) {
        Error(kInvalidRecursion,
              "recursive query \"" + cte.name +
                  "\" does not have the form non-recursive-term UNION [ALL] recursive-term",
              cte.location);
      }
      int ref = ReferenceLocation(*body.larg, cte.name);
      if (ref != -1) {
        Error(kInvalidRecursion,
              "recursive reference to query \"" + cte.name + "\" must not appear within its non-recursive term",
              ref);
      }
      Analyzer base(*body.larg, parent_, this);
      auto larg = std::make_shared<AnalyzedQuery>(base.RunQuery());
      if (base.correlated_) correlated_ = true;
      CteEntry work = entry;
      work.work_table = true;
      for (size_t i = 0; i < larg->visible; ++i) {
        if (larg->columns[i].type == oid::kUnknown) larg->columns[i].type = oid::kText;
        work.columns.push_back(i < cte.columns.size() ? cte.columns[i] : larg->columns[i].name);
        work.types.push_back(larg->columns[i].type);
      }
      ctes_.push_back(work);
      Analyzer rec(*body.rarg, parent_, this);
      rec.keep_unknown_ = true;  // literals take the non-recursive term's types
      auto rarg = std::make_shared<AnalyzedQuery>(rec.RunQuery());
      if (rec.correlated_) correlated_ = true;
      ctes_.pop_back();
      if (rarg->visible != larg->visible) {
        Error(sqlstate::kSyntaxError, "each UNION query must have the same number of columns",
              body.rarg->targets.empty() ? cte.location : body.rarg->targets[0].location);
      }
      aq = std::make_shared<AnalyzedQuery>();
      aq->op = SetOpKind::kUnion;
      aq->set_all = body.set_all;
      aq->recursive = true;
      aq->cte_id = entry.id;
      for (size_t i = 0; i < larg->visible; ++i) {
        uint32_t t = larg->columns[i].type;
        if (rarg->columns[i].type != t) {
          if (!CanCoerce(rarg->columns[i].type, t, CoercionContext::kImplicit)) {
            Error(sqlstate::kDatatypeMismatch,
                  "recursive query \"" + cte.name + "\" column " + std::to_string(i + 1) + " has type " +
                      TypeSqlName(t) + " in non-recursive term but type " + TypeSqlName(rarg->columns[i].type) +
                      " overall",
                  body.larg->targets.empty() ? cte.location : body.larg->targets[i].location,
                  "Cast the output of the non-recursive term to the correct type.");
          }
          rarg->targets[i] = Coerce(std::move(rarg->targets[i]), t, -1, CoercionContext::kImplicit, -1);
          rarg->columns[i].type = t;
        }
        if (larg->targets.size() > i && larg->targets[i]->type == oid::kUnknown) {
          larg->targets[i] = Coerce(std::move(larg->targets[i]), t, -1, CoercionContext::kImplicit, -1);
        }
        aq->columns.push_back(larg->columns[i]);
        aq->columns.back().typmod = -1;  // the recursive term's values need not fit the first's
      }
      aq->visible = aq->columns.size();
      aq->larg = std::move(larg);
      aq->rarg = std::move(rarg);
    } else {
      Analyzer sub(body, parent_, this);
      try {
        aq = std::make_shared<AnalyzedQuery>(sub.RunQuery());
      } catch (PgError& err) {
        // A WITH item that is not visible yet (itself, or a later one
        // without RECURSIVE): PostgreSQL explains why the name is missing.
        if (err.data().sqlstate == std::string(sqlstate::kUndefinedTable) && err.data().detail.empty()) {
          for (size_t m = k; m < w.ctes.size(); ++m) {
            if (err.data().message == "relation \"" + w.ctes[m].name + "\" does not exist") {
              err.Detail("There is a WITH item named \"" + w.ctes[m].name +
                         "\", but it cannot be referenced from this part of the query.")
                  .Hint("Use WITH RECURSIVE, or re-order the WITH items to remove forward references.");
              break;
            }
          }
        }
        throw;
      }
      if (sub.correlated_) correlated_ = true;
    }
    if (cte.columns.size() > aq->visible) {
      Error(sqlstate::kInvalidColumnReference,
            "WITH query \"" + cte.name + "\" has " + std::to_string(aq->visible) + " columns available but " +
                std::to_string(cte.columns.size()) + " columns specified",
            cte.location);
    }
    entry.columns.clear();
    for (size_t i = 0; i < aq->visible; ++i) {
      entry.columns.push_back(i < cte.columns.size() ? cte.columns[i] : aq->columns[i].name);
      entry.types.push_back(aq->columns[i].type);
      entry.typmods.push_back(aq->columns[i].typmod);
    }
    ctes_.push_back(entry);
    q.ctes.push_back({entry.id, std::move(aq)});
  }
}

}  // namespace tusk::sql
