// FROM clause analysis: relations, derived tables, CTE references, joins
// (ON, USING, NATURAL, merged columns), range-entry names and the column
// reference lookup across FROM entries and enclosing query levels.
#include "sql/analyzer/analyzer_impl.h"
#include "sql/parser/deparse.h"
#include "sql/session_context.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr char kDuplicateAlias[] = "42712";

JoinKind ToJoinKind(const std::string& s) {
  if (s == "left") return JoinKind::kLeft;
  if (s == "right") return JoinKind::kRight;
  if (s == "full") return JoinKind::kFull;
  return JoinKind::kInner;
}

int Width(const AnalyzedFrom& f) { return static_cast<int>(f.types.size()); }

// Types whose `=` agrees with CompareDatum under the order B-tree indexes
// use (see JoinKey).
bool IsMergeableType(uint32_t t) {
  switch (t) {
    case oid::kBool: case oid::kInt2: case oid::kInt4: case oid::kInt8: case oid::kOid:
    case oid::kFloat4: case oid::kFloat8: case oid::kNumeric: case oid::kText: case oid::kVarchar:
    case oid::kName: case oid::kBpchar: case oid::kBytea: case oid::kDate: case oid::kTimestamp:
    case oid::kTimestamptz: case oid::kInterval: case oid::kTime: case oid::kUuid:
      return true;
    default: return false;
  }
}

void FlattenAnd(const Expr& e, std::vector<const Expr*>* out) {
  if (e.kind == ExprKind::kAnd) {
    for (const auto& x : e.args) FlattenAnd(*x, out);
    return;
  }
  out->push_back(&e);
}

std::string DeparseOrDots(const Expr& e) {
  try {
    return DeparseExpr(e);
  } catch (const PgError&) {
    return "(...)";
  }
}

// Records ON conjunct number `index` as a join key when it is "l = r" where
// l uses only left columns and r only right columns (or the reverse), both
// of one type that can be hashed or merged.
void CollectKey(const Expr* ast, int index, int lo, int mid, int hi, AnalyzedFrom& j, Analyzer& a) {
  if (ast->kind != ExprKind::kOp || ast->str != "=" || ast->args.size() != 2) return;
  auto range = [&](const TExpr& e, auto&& self, int* mn, int* mx) -> bool {
    if (e.kind == TKind::kSubLink || e.kind == TKind::kAgg || e.kind == TKind::kParam) return false;
    if (e.kind == TKind::kColumn) {
      *mn = std::min(*mn, e.index);
      *mx = std::max(*mx, e.index);
    }
    for (const auto& x : e.args) {
      if (!self(*x, self, mn, mx)) return false;
    }
    return !e.else_expr || self(*e.else_expr, self, mn, mx);
  };
  TExprPtr l = a.Transform(*ast->args[0]);
  TExprPtr r = a.Transform(*ast->args[1]);
  if (l->type != r->type || l->type == oid::kUnknown) return;
  JoinKey k;
  k.hashable = l->type != oid::kFloat4 && l->type != oid::kFloat8;
  k.mergeable = IsMergeableType(l->type);
  if (!k.hashable && !k.mergeable) return;
  int lmin = 1 << 30, lmax = -1, rmin = 1 << 30, rmax = -1;
  if (!range(*l, range, &lmin, &lmax) || !range(*r, range, &rmin, &rmax) || lmax < 0 || rmax < 0) return;
  bool l_left = lmin >= lo && lmax < mid, l_right = lmin >= mid && lmax < hi;
  bool r_left = rmin >= lo && rmax < mid, r_right = rmin >= mid && rmax < hi;
  k.conjunct = index;
  if (l_left && r_right) {
    k.left = std::move(l);
    k.right = std::move(r);
    k.left_text = DeparseOrDots(*ast->args[0]);
    k.right_text = DeparseOrDots(*ast->args[1]);
  } else if (l_right && r_left) {
    k.left = std::move(r);
    k.right = std::move(l);
    k.left_text = DeparseOrDots(*ast->args[1]);
    k.right_text = DeparseOrDots(*ast->args[0]);
  } else {
    return;
  }
  j.join_keys.push_back(std::move(k));
}

}  // namespace

const CteEntry* Analyzer::FindCte(const std::string& name) {
  for (Analyzer* a = this; a; a = a->lexical_) {
    for (auto it = a->ctes_.rbegin(); it != a->ctes_.rend(); ++it) {
      if (it->name == name) return &*it;
    }
  }
  return nullptr;
}

void Analyzer::AddRangeEntry(const std::string& name, const std::vector<std::string>& colnames,
                             const std::vector<std::string>& aliases, const std::vector<uint32_t>& types,
                             AnalyzedFrom& item, std::vector<int>* star, [[maybe_unused]] int location,
                             const std::vector<int32_t>& typmods) {
  for (const auto& r : rtes_) {
    if (r.name == name && !name.empty()) {
      Error(kDuplicateAlias, "table name \"" + name + "\" specified more than once", -1);
    }
  }
  if (aliases.size() > colnames.size()) {
    Error(sqlstate::kInvalidColumnReference,
          "table \"" + name + "\" has " + std::to_string(colnames.size()) + " columns available but " +
              std::to_string(aliases.size()) + " columns specified",
          -1);  // PostgreSQL reports no position here
  }
  item.start = static_cast<int>(scope_.size());
  item.types = types;
  RangeEntry re;
  re.name = name;
  int rte = static_cast<int>(rtes_.size());
  for (size_t i = 0; i < colnames.size(); ++i) {
    int idx = static_cast<int>(scope_.size());
    scope_.push_back({i < aliases.size() ? aliases[i] : colnames[i], types[i], rte, false,
                      i < typmods.size() ? typmods[i] : -1});
    re.columns.push_back(idx);
    star->push_back(idx);
  }
  rtes_.push_back(std::move(re));
}

std::unique_ptr<AnalyzedFrom> Analyzer::AnalyzeFromItem(const FromItem& f, std::vector<int>* star) {
  auto item = std::make_unique<AnalyzedFrom>();
  if (f.kind == FromKind::kJoin) return AnalyzeJoin(f, star);
  if (f.kind == FromKind::kFunction) return AnalyzeFunctionFrom(f, star);
  if (f.kind == FromKind::kSubquery) {
    if (!f.alias) {
      Error(sqlstate::kSyntaxError, "subquery in FROM must have an alias", f.location,
            "For example, FROM (SELECT ...) [AS] foo.");
    }
    item->kind = AnalyzedFrom::kSubquery;
    item->lateral = f.lateral;
    bool correlated = false;
    item->subquery = AnalyzeChild(*f.subquery, f.lateral ? this : parent_, false, &correlated);
    if (!correlated) item->lateral = false;
    std::vector<std::string> names;
    std::vector<uint32_t> types;
    std::vector<int32_t> typmods;
    for (size_t i = 0; i < item->subquery->visible; ++i) {
      names.push_back(item->subquery->columns[i].name);
      types.push_back(item->subquery->columns[i].type);
      typmods.push_back(item->subquery->columns[i].typmod);
    }
    AddRangeEntry(*f.alias, names, f.column_aliases, types, *item, star, f.location, typmods);
    return item;
  }
  if (f.schema.empty()) {
    if (const CteEntry* c = FindCte(f.name)) {
      item->kind = c->work_table ? AnalyzedFrom::kWorkTable : AnalyzedFrom::kCte;
      item->cte_id = c->id;
      CteEntry copy = *c;  // AddRangeEntry may not invalidate, but keep it simple
      AddRangeEntry(f.alias ? *f.alias : f.name, copy.columns, f.column_aliases, copy.types, *item, star,
                    f.location, copy.typmods);
      return item;
    }
  }
  item->kind = AnalyzedFrom::kTable;
  item->label = f.name + (f.alias && *f.alias != f.name ? " " + *f.alias : "");
  item->table = ctx_.LookupRelation(f.schema, f.name);
  if (!item->table) item->stored = ctx_.LookupTable(f.schema, f.name);
  if (item->stored) {
    if (target_unchecked_) {
      target_unchecked_ = false;
    } else if (!item->stored->is_catalog) {
      const StoredTable& t = *item->stored;
      ctx_.CheckRelationPrivilege(t.relkind, t.name, t.owner, t.acl, kPrivSelect, check_as_);
    }
    std::vector<std::string> names;
    std::vector<uint32_t> types;
    std::vector<int32_t> typmods;
    for (const auto& c : item->stored->columns) {
      names.push_back(c.name);
      types.push_back(c.type);
      typmods.push_back(c.typmod);
    }
    if (f.column_aliases.size() > names.size()) {
      Error(sqlstate::kInvalidColumnReference,
            "table \"" + (f.alias ? *f.alias : f.name) + "\" has " + std::to_string(names.size()) +
                " columns available but " + std::to_string(f.column_aliases.size()) + " columns specified",
            -1);
    }
    // The row's address rides along as a hidden trailing column: the system
    // column ctid (UPDATE and DELETE find their rows by it).
    names.push_back("ctid");
    types.push_back(oid::kTid);
    AddRangeEntry(f.alias ? *f.alias : f.name, names, f.column_aliases, types, *item, star, f.location, typmods);
    rtes_.back().relname = f.name;
    rtes_.back().table_oid = item->stored->oid;
    scope_.back().hidden = true;
    star->pop_back();
    return item;
  }
  if (!item->table) {
    if (auto view = ctx_.LookupView(f.schema, f.name)) {
      // A view is its query as a derived table under the view's column names.
      item->kind = AnalyzedFrom::kSubquery;
      item->table = nullptr;
      bool correlated = false;
      const uint32_t saved_check_as = check_as_;
      if (view->oid != 0) {
        ctx_.CheckRelationPrivilege('v', view->name, view->owner, view->acl, kPrivSelect, check_as_);
        check_as_ = view->owner;  // the child analyzer takes it from us
      }
      item->subquery = AnalyzeChild(view->query->select(), parent_, false, &correlated);
      check_as_ = saved_check_as;
      views_.push_back(view);
      std::vector<std::string> names = view->columns;
      std::vector<uint32_t> types;
      std::vector<int32_t> typmods;
      for (size_t i = 0; i < item->subquery->visible; ++i) {
        types.push_back(item->subquery->columns[i].type);
        typmods.push_back(item->subquery->columns[i].typmod);
      }
      names.resize(types.size());
      AddRangeEntry(f.alias ? *f.alias : f.name, names, f.column_aliases, types, *item, star, f.location, typmods);
      return item;
    }
    std::string shown = f.schema.empty() ? f.name : f.schema + "." + f.name;
    Error(sqlstate::kUndefinedTable, "relation \"" + shown + "\" does not exist", f.location);
  }
  std::vector<std::string> names;
  std::vector<uint32_t> types;
  for (const auto& c : item->table->Columns()) {
    names.push_back(c.name);
    types.push_back(c.type_oid);
  }
  AddRangeEntry(f.alias ? *f.alias : f.name, names, f.column_aliases, types, *item, star, f.location);
  // A catalog served as a virtual table has PostgreSQL's OID (0 for other
  // virtual tables, which then have no tableoid).
  if (f.schema.empty() || f.schema == "pg_catalog")
    rtes_.back().table_oid = ctx_.ResolveRelationOid("pg_catalog", f.name);
  return item;
}

std::unique_ptr<AnalyzedFrom> Analyzer::AnalyzeJoin(const FromItem& f, std::vector<int>* star) {
  auto j = std::make_unique<AnalyzedFrom>();
  j->kind = AnalyzedFrom::kJoin;
  j->join = ToJoinKind(f.join_type);
  j->start = static_cast<int>(scope_.size());
  std::vector<int> lstar, rstar;
  j->left = AnalyzeFromItem(*f.left, &lstar);
  j->right = AnalyzeFromItem(*f.right, &rstar);
  int lo = j->start, mid = j->left->start + Width(*j->left), hi = j->right->start + Width(*j->right);
  j->types = j->left->types;
  j->types.insert(j->types.end(), j->right->types.begin(), j->right->types.end());
  CheckLateralFunction(*j);

  // USING / NATURAL: pairs of columns to merge.
  std::vector<std::string> using_cols = f.join_using;
  if (f.natural) {
    for (int l : lstar) {
      for (int r : rstar) {
        if (scope_[l].name == scope_[r].name) {
          using_cols.push_back(scope_[l].name);
          break;
        }
      }
    }
  }
  std::vector<int> merged_idx;
  std::vector<int> lused, rused;
  TExprPtr cond;
  for (size_t i = 0; i < using_cols.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (using_cols[i] == using_cols[j])
        Error("42701", "column name \"" + using_cols[i] + "\" appears more than once in USING clause", -1);
    }
  }
  for (const auto& name : using_cols) {
    auto find = [&](const std::vector<int>& side, const char* which) {
      int found = -1;
      for (int c : side) {
        if (scope_[c].name != name) continue;
        if (found >= 0) {
          Error(sqlstate::kAmbiguousColumn,
                "common column name \"" + name + "\" appears more than once in " + which + " table", -1);
        }
        found = c;
      }
      if (found < 0) {
        Error(sqlstate::kUndefinedColumn,
              "column \"" + name + "\" specified in USING clause does not exist in " + which + " table", -1);
      }
      return found;
    };
    int l = find(lstar, "left"), r = find(rstar, "right");
    lused.push_back(l);
    rused.push_back(r);
    auto ref = [&](int idx) {
      MarkUsed(idx);
      auto c = std::make_unique<TExpr>(TKind::kColumn, scope_[idx].type);
      c->index = idx;
      return c;
    };
    TExprPtr le = ref(l), re = ref(r);
    uint32_t t = CommonType({le.get(), re.get()}, "JOIN/USING");
    bool left_cast = scope_[l].type != t, right_cast = scope_[r].type != t;
    le = Coerce(std::move(le), t, -1, CoercionContext::kImplicit, f.location);
    re = Coerce(std::move(re), t, -1, CoercionContext::kImplicit, f.location);
    if (t == scope_[l].type && t == scope_[r].type && t != oid::kUnknown) {
      JoinKey k;
      k.hashable = t != oid::kFloat4 && t != oid::kFloat8;
      k.mergeable = IsMergeableType(t);
      auto text = [&](int idx) {
        int rte = scope_[idx].rte;
        return rte >= 0 ? rtes_[rte].name + "." + name : name;
      };
      k.left = le->Clone();
      k.right = re->Clone();
      k.left_text = text(l);
      k.right_text = text(r);
      if (k.hashable || k.mergeable) j->join_keys.push_back(std::move(k));
    }
    TExprPtr eq = ResolveOperator("=", le->Clone(), re->Clone(), f.location);
    if (!cond) {
      cond = std::move(eq);
    } else {
      auto a = std::make_unique<TExpr>(TKind::kAnd, oid::kBool);
      a->args.push_back(std::move(cond));
      a->args.push_back(std::move(eq));
      cond = std::move(a);
    }
    TExprPtr merged;
    switch (j->join) {
      case JoinKind::kInner: merged = left_cast && !right_cast ? std::move(re) : std::move(le); break;
      case JoinKind::kLeft: merged = std::move(le); break;
      case JoinKind::kRight: merged = std::move(re); break;
      case JoinKind::kFull:
        merged = std::make_unique<TExpr>(TKind::kCoalesce, t);
        merged->args.push_back(std::move(le));
        merged->args.push_back(std::move(re));
        break;
    }
    scope_[l].hidden = scope_[r].hidden = true;
    merged_idx.push_back(static_cast<int>(scope_.size()));
    scope_.push_back({name, t, -1, false});
    j->types.push_back(t);
    j->merged.push_back(std::move(merged));
  }
  if (f.join_cond) {
    int save_lo = visible_lo_, save_hi = visible_hi_;
    visible_lo_ = lo;
    visible_hi_ = hi;
    agg_forbidden_clause_ = "JOIN conditions";
    srf_clause_ = "JOIN conditions";
    const char* saved_win = win_clause_;
    win_clause_ = "JOIN conditions";
    cond = CoerceToBool(Transform(*f.join_cond), "JOIN/ON");
    win_clause_ = saved_win;
    try {
      j->join_cond = DeparseExpr(*f.join_cond);
    } catch (const PgError&) {
      j->join_cond = "(...)";
    }
    std::vector<const Expr*> parts;
    FlattenAnd(*f.join_cond, &parts);
    for (size_t i = 0; i < parts.size(); ++i) {
      j->conjuncts.push_back(DeparseOrDots(*parts[i]));
      CollectKey(parts[i], static_cast<int>(i), lo, mid, hi, *j, *this);
    }
    visible_lo_ = save_lo;
    visible_hi_ = save_hi;
  }
  j->cond = std::move(cond);
  // Until ChooseJoinMethods decides otherwise: a hash join on the hashable keys.
  for (const JoinKey& k : j->join_keys) {
    if (!k.hashable) continue;
    j->left_keys.push_back(k.left->Clone());
    j->right_keys.push_back(k.right->Clone());
    j->left_key_text.push_back(k.left_text);
    j->right_key_text.push_back(k.right_text);
  }
  // * order: merged columns, then the rest of left, then the rest of right.
  for (int m : merged_idx) star->push_back(m);
  for (int l : lstar) {
    if (std::find(lused.begin(), lused.end(), l) == lused.end()) star->push_back(l);
  }
  for (int r : rstar) {
    if (std::find(rused.begin(), rused.end(), r) == rused.end()) star->push_back(r);
  }
  if (f.alias) {
    RangeEntry re;
    re.name = *f.alias;
    re.columns = *star;
    rtes_.push_back(std::move(re));
  }
  return j;
}

void Analyzer::AnalyzeFromClause(AnalyzedQuery& q) {
  std::vector<int> star;
  for (const auto& f : sel_->from) {
    auto item = AnalyzeFromItem(f, &star);
    if (!q.from && item->kind == AnalyzedFrom::kFunction && item->lateral) {
      throw PgError(sqlstate::kFeatureNotSupported,
                    "a function in FROM that references earlier FROM items must be the right side of a join");
    }
    if (!q.from) {
      q.from = std::move(item);
      continue;
    }
    auto j = std::make_unique<AnalyzedFrom>();
    j->kind = AnalyzedFrom::kJoin;
    j->join = JoinKind::kInner;
    j->start = 0;
    j->types = q.from->types;
    j->types.insert(j->types.end(), item->types.begin(), item->types.end());
    j->left = std::move(q.from);
    j->right = std::move(item);
    CheckLateralFunction(*j);
    q.from = std::move(j);
  }
  star_ = std::move(star);
  for (const auto& c : scope_) q.input_types.push_back(c.type);
}

int Analyzer::FindColumn(const std::string* qual, const std::string& col, int location, bool* rte_found) {
  *rte_found = false;
  if (qual) {
    for (const auto& r : rtes_) {
      if (r.name != *qual) continue;
      bool reachable = r.columns.empty() || (r.columns[0] >= visible_lo_ && r.columns[0] < visible_hi_);
      if (!reachable) {
        Error(sqlstate::kUndefinedTable, "invalid reference to FROM-clause entry for table \"" + *qual + "\"",
              location, "There is an entry for table \"" + *qual +
                            "\", but it cannot be referenced from this part of the query.");
      }
      *rte_found = true;
      for (int c : r.columns) {
        if (scope_[c].name == col) return c;
      }
      return -1;
    }
    return -1;
  }
  int found = -1;
  for (size_t i = 0; i < scope_.size(); ++i) {
    int idx = static_cast<int>(i);
    if (scope_[i].hidden || scope_[i].name != col || idx < visible_lo_ || idx >= visible_hi_) continue;
    if (found >= 0) Error(sqlstate::kAmbiguousColumn, "column reference \"" + col + "\" is ambiguous", location);
    found = idx;
  }
  if (found < 0 && col == "ctid") {
    // The system column of the one table in reach that has it.
    for (size_t i = 0; i < scope_.size(); ++i) {
      int idx = static_cast<int>(i);
      if (!scope_[i].hidden || scope_[i].rte < 0 || scope_[i].name != col || idx < visible_lo_ || idx >= visible_hi_)
        continue;
      if (found >= 0) Error(sqlstate::kAmbiguousColumn, "column reference \"ctid\" is ambiguous", location);
      found = idx;
    }
  }
  return found;
}

// The system column tableoid of a table in this query level: the table's
// oid as a constant. Unqualified, it must name exactly one table.
TExprPtr Analyzer::TableOidColumn(const std::string* qual, int location) {
  const RangeEntry* found = nullptr;
  for (const auto& r : rtes_) {
    if (qual ? r.name != *qual : r.table_oid == 0) continue;
    if (r.table_oid == 0) return nullptr;
    if (found) Error(sqlstate::kAmbiguousColumn, "column reference \"tableoid\" is ambiguous", location);
    found = &r;
  }
  if (!found) return nullptr;
  auto c = std::make_unique<TExpr>(TKind::kConst, oid::kOid);
  c->value = Datum::Int(found->table_oid);
  c->location = location;
  return c;
}

TExprPtr Analyzer::ResolveColumnRef(const Expr& e) {
  if (e.star) Error(sqlstate::kFeatureNotSupported, "row expansion with * is not supported here", e.location);
  const std::string& col = e.names.back();
  const std::string* qual = e.names.size() > 1 ? &e.names[e.names.size() - 2] : nullptr;
  int levels = 0;
  for (Analyzer* a = this; a; a = a->parent_, ++levels) {
    bool rte_found;
    int idx = a->LookupColumn(qual, col, e.location, &rte_found);
    if (idx < 0 && col == "tableoid" && (rte_found || !qual)) {
      if (TExprPtr c = a->TableOidColumn(qual, e.location)) return c;
    }
    if (idx < 0 && rte_found) {
      Error(sqlstate::kUndefinedColumn, "column " + *qual + "." + col + " does not exist", e.location);
    }
    if (idx < 0) continue;
    if (levels == 0) {
      auto c = std::make_unique<TExpr>(TKind::kColumn, a->scope_[idx].type);
      c->typmod = a->scope_[idx].typmod;
      c->index = idx;
      c->location = e.location;
      return c;
    }
    // Every query written between here and the level found is correlated.
    for (Analyzer* m = this; m && m != a; m = m->lexical_) m->correlated_ = true;
    auto c = std::make_unique<TExpr>(TKind::kOuterColumn, a->scope_[idx].type);
    c->typmod = a->scope_[idx].typmod;
    c->index = idx;
    c->aux = levels;
    c->location = e.location;
    return c;
  }
  if (qual) MissingFromEntry(*qual, e.location);
  if (TExprPtr row = WholeRowReference(col, e.location)) return row;
  Error(sqlstate::kUndefinedColumn, "column \"" + col + "\" does not exist", e.location);
}

void Analyzer::MissingFromEntry(const std::string& qual, int location) {
  for (Analyzer* a = this; a; a = a->lexical_) {
    for (const auto& r : a->rtes_) {
      if (r.relname == qual && r.name != qual)
        Error(sqlstate::kUndefinedTable, "invalid reference to FROM-clause entry for table \"" + qual + "\"", location,
              "Perhaps you meant to reference the table alias \"" + r.name + "\".");
    }
  }
  Error(sqlstate::kUndefinedTable, "missing FROM-clause entry for table \"" + qual + "\"", location);
}

void Analyzer::ExpandStar(const ResTarget& t, AnalyzedQuery& q) {
  const std::vector<int>* cols = &star_;
  if (t.expr && !t.expr->names.empty()) {
    const std::string& qual = t.expr->names.back();
    cols = nullptr;
    for (const auto& r : rtes_) {
      if (r.name == qual) cols = &r.columns;
    }
    if (!cols) MissingFromEntry(qual, t.location);
  } else if (sel_->from.empty()) {
    Error(sqlstate::kSyntaxError, "SELECT * with no tables specified is not valid", t.location);
  }
  for (int i : *cols) {
    if (scope_[i].hidden && scope_[i].rte >= 0 && scope_[i].name == "ctid") continue;  // system column
    MarkUsed(i);
    auto ref = std::make_unique<TExpr>(TKind::kColumn, scope_[i].type);
    ref->typmod = scope_[i].typmod;
    ref->index = i;
    q.targets.push_back(std::move(ref));
    q.columns.push_back({scope_[i].name, scope_[i].type, scope_[i].typmod});
  }
}

void Analyzer::MarkNeededColumns(AnalyzedFrom& f) const {
  if (f.left) MarkNeededColumns(*f.left);
  if (f.right) MarkNeededColumns(*f.right);
  if (f.kind != AnalyzedFrom::kTable || !f.stored) return;
  const size_t n = f.stored->columns.size();
  f.needed.assign(n, false);
  for (size_t i = 0; i < n; ++i) {
    const size_t at = static_cast<size_t>(f.start) + i;
    f.needed[i] = at < used_.size() && used_[at];
  }
}

}  // namespace tusk::sql
