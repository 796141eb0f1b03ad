// Aggregate calls: argument overload choice, DISTINCT, ORDER BY inside the
// call and FILTER (WHERE ...). The call becomes a kAgg reference into the
// query's aggregate list; its argument trees stay over input rows.
#include "sql/analyzer/analyzer_impl.h"
#include "sql/functions/registry.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {

namespace {

// Lowest query level (0 = the aggregate's own) that the columns of an
// aggregate's arguments come from; kNoColumns when they have none.
constexpr int kNoColumns = 1 << 30;

int MinLevel(const AnalyzedQuery& q, int depth);

int MinLevel(const TExpr* e, int depth) {
  if (!e) return kNoColumns;
  int m = kNoColumns;
  if (e->kind == TKind::kColumn && depth == 0) return 0;
  if (e->kind == TKind::kOuterColumn && e->aux >= depth) m = e->aux - depth;
  for (const auto& a : e->args) m = std::min(m, MinLevel(a.get(), depth));
  m = std::min(m, MinLevel(e->else_expr.get(), depth));
  if (e->kind == TKind::kSubLink && e->sub) m = std::min(m, MinLevel(*e->sub, depth + 1));
  return m;
}

int MinLevel(const AnalyzedQuery& q, int depth) {
  int m = kNoColumns;
  auto x = [&](const TExprPtr& e) { m = std::min(m, MinLevel(e.get(), depth)); };
  x(q.where);
  x(q.having);
  for (const auto& t : q.targets) x(t);
  for (const auto& g : q.group_keys) x(g);
  for (const auto* levels : {&q.srf_levels, &q.group_srf_levels}) {
    for (const auto& l : *levels) {
      for (const auto& c : l.calls) x(c);
    }
  }
  for (const auto& row : q.values) {
    for (const auto& v : row) x(v);
  }
  for (const auto& a : q.aggs) {
    x(a.arg);
    x(a.arg2);
    x(a.filter);
  }
  for (const auto& w : q.windows) {
    for (const auto& p : w.partition) x(p);
    for (const auto& o : w.order) x(o.expr);
  }
  for (const auto& f : q.window_funcs) {
    for (const auto& a : f.args) x(a);
    x(f.agg.arg);
    x(f.agg.arg2);
    x(f.agg.filter);
  }
  return m;
}

// Moves an expression `levels` query levels up: references to that level
// become its own columns, references beyond it get closer.
void ShiftLevels(TExpr& e, int levels, int depth);

void ShiftLevels(AnalyzedQuery& q, int levels, int depth) {
  auto x = [&](TExprPtr& e) {
    if (e) ShiftLevels(*e, levels, depth);
  };
  x(q.where);
  x(q.having);
  for (auto& t : q.targets) x(t);
  for (auto& g : q.group_keys) x(g);
  for (auto* levels : {&q.srf_levels, &q.group_srf_levels}) {
    for (auto& l : *levels) {
      for (auto& c : l.calls) x(c);
    }
  }
  for (auto& row : q.values) {
    for (auto& v : row) x(v);
  }
  for (auto& a : q.aggs) {
    x(a.arg);
    x(a.arg2);
    x(a.filter);
  }
  for (auto& w : q.windows) {
    for (auto& p : w.partition) x(p);
    for (auto& o : w.order) x(o.expr);
  }
  for (auto& st : q.window_steps) {
    for (auto& k : st.keys) x(k.expr);
  }
  for (auto& f : q.window_funcs) {
    for (auto& a : f.args) x(a);
    x(f.agg.arg);
    x(f.agg.arg2);
    x(f.agg.filter);
  }
}

void ShiftLevels(TExpr& e, int levels, int depth) {
  if (e.kind == TKind::kOuterColumn && e.aux >= levels + depth) {
    e.aux -= levels;
    if (e.aux == 0) e.kind = TKind::kColumn;
  }
  for (auto& a : e.args) ShiftLevels(*a, levels, depth);
  if (e.else_expr) ShiftLevels(*e.else_expr, levels, depth);
  if (e.kind == TKind::kSubLink && e.sub) ShiftLevels(*e.sub, levels, depth + 1);
}

}  // namespace

void Analyzer::ResolveAggregateCall(const Expr& e, std::vector<TExprPtr> args, AggCall* out) {
  const std::string& name = e.names.back();
  AggCall& call = *out;
  if (e.agg_star) {
    if (name != "count") {
      Error(sqlstate::kUndefinedFunction, "function " + name + "(*) does not exist", e.location,
            "No function matches the given name and argument types. You might need to add explicit type casts.");
    }
    for (const auto& d : AllAggregates()) {
      if (d.kind == AggKind::kCountStar) call.def = &d;
    }
    call.result_type = oid::kInt8;
  } else if (args.empty() && name == "count") {
    Error("42809", "count(*) must be used to call a parameterless aggregate function", e.location);
  } else {
    size_t nargs = args.size();
    std::string sig = name + "(" + TypeList(args) + ")";
    std::vector<uint32_t> actual;
    for (const auto& a : args) actual.push_back(a->type);
    if (name == "array_agg" && nargs == 1 && args[0]->type == oid::kUnknown) {
      // PostgreSQL has array_agg(anynonarray) and array_agg(anyarray).
      Error(sqlstate::kAmbiguousFunction, "function " + sig + " is not unique", e.location,
            "Could not choose a best candidate function. You might need to add explicit type casts.");
    }
    // min/max take "any" here, but PostgreSQL 15 has no bytea or uuid
    // variants (no bytea_larger, uuid_larger): keep the same error.
    if ((name == "min" || name == "max") && nargs == 1 &&
        (args[0]->type == oid::kBytea || args[0]->type == oid::kUuid)) {
      Error(sqlstate::kUndefinedFunction, "function " + sig + " does not exist", e.location,
            "No function matches the given name and argument types. You might need to add explicit type casts.");
    }
    bool ambiguous = false;
    const AggDef* chosen = LookupAggregate(name, actual, &ambiguous);
    if (!chosen) {
      Error(sqlstate::kUndefinedFunction, "function " + sig + " does not exist", e.location,
            "No function matches the given name and argument types. You might need to add explicit type casts.");
    }
    if (ambiguous) {
      Error(sqlstate::kAmbiguousFunction, "function " + sig + " is not unique", e.location,
            "Could not choose a best candidate function. You might need to add explicit type casts.");
    }
    // Unknown literals passed as "any" (count, min, max) become text.
    for (size_t i = 0; i < nargs; ++i) {
      if (args[i]->type == oid::kUnknown && (i == 0 ? chosen->arg : chosen->arg2) == kAnyArg) {
        args[i] = Coerce(std::move(args[i]), oid::kText, -1, CoercionContext::kImplicit, args[i]->location);
      }
    }
    if (chosen->arg != kAnyArg) {
      args[0] = Coerce(std::move(args[0]), chosen->arg, -1, CoercionContext::kImplicit, args[0]->location);
    }
    if (nargs == 2) {
      args[1] = Coerce(std::move(args[1]), chosen->arg2, -1, CoercionContext::kImplicit, args[1]->location);
      call.arg2_type = args[1]->type;
      call.arg2 = std::move(args[1]);
    }
    call.def = chosen;
    call.arg_type = args[0]->type;
    call.result_type = chosen->result ? chosen->result : args[0]->type;
    if (chosen->kind == AggKind::kArrayAgg) {
      if (IsArrayType(args[0]->type)) {
        Error(sqlstate::kFeatureNotSupported, "multidimensional arrays are not supported", e.location);
      }
      call.result_type = ArrayTypeOf(args[0]->type);
      if (!call.result_type) {
        Error(sqlstate::kUndefinedObject, "could not find array type for data type " + TypeSqlName(args[0]->type),
              e.location);
      }
    }
    call.arg = std::move(args[0]);
  }
}

TExprPtr Analyzer::TransformAggregate(const Expr& e) {
  if (in_agg_) Error(sqlstate::kGroupingError, "aggregate function calls cannot be nested", e.location);
  AggCall call;
  call.distinct = e.agg_distinct;
  std::vector<TExprPtr> args;
  in_agg_ = true;
  for (const auto& a : e.args) args.push_back(Transform(*a));
  in_agg_ = false;
  ResolveAggregateCall(e, std::move(args), &call);
  in_agg_ = true;
  for (const auto& sb : e.agg_order) {
    AggOrderKey k;
    k.expr = Transform(*sb.expr);
    if (k.expr->type == oid::kUnknown) {
      k.expr = Coerce(std::move(k.expr), oid::kText, -1, CoercionContext::kImplicit, k.expr->location);
    }
    k.desc = sb.desc;
    k.nulls_first = sb.nulls_first.value_or(sb.desc);
    if (call.distinct) {
      bool found = (call.arg && k.expr->Equals(*call.arg)) || (call.arg2 && k.expr->Equals(*call.arg2));
      if (!found) {
        Error(sqlstate::kInvalidColumnReference,
              "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list", sb.expr->location);
      }
    }
    call.order.push_back(std::move(k));
  }
  in_agg_ = false;
  if (call.distinct && call.order.empty() && call.arg &&
      (call.def->kind == AggKind::kArrayAgg || call.def->kind == AggKind::kStringAgg)) {
    // DISTINCT sorts the input (PostgreSQL dedups by sorting), which shows
    // in order-sensitive aggregates: array_agg(DISTINCT x) is ascending.
    AggOrderKey k;
    k.expr = call.arg->Clone();
    call.order.push_back(std::move(k));
  }
  if (e.agg_filter) {
    bool saved_allowed = agg_allowed_;
    const char* saved_clause = agg_forbidden_clause_;
    bool saved_srf = srf_allowed_;
    const char* saved_srf_clause = srf_clause_;
    const char* saved_win_clause = win_clause_;
    agg_allowed_ = false;
    agg_forbidden_clause_ = "FILTER";
    srf_allowed_ = false;
    srf_clause_ = "FILTER";
    win_clause_ = "FILTER";
    call.filter = CoerceToBool(Transform(*e.agg_filter), "FILTER");
    agg_allowed_ = saved_allowed;
    agg_forbidden_clause_ = saved_clause;
    srf_allowed_ = saved_srf;
    srf_clause_ = saved_srf_clause;
    win_clause_ = saved_win_clause;
  }
  // The aggregate belongs to the level its arguments' columns come from
  // (PostgreSQL's agglevelsup): sum(outer.x) in a subquery aggregates the
  // outer query's rows.
  int level = MinLevel(call.arg.get(), 0);
  level = std::min(level, MinLevel(call.arg2.get(), 0));
  level = std::min(level, MinLevel(call.filter.get(), 0));
  for (const auto& k : call.order) level = std::min(level, MinLevel(k.expr.get(), 0));
  if (level == kNoColumns) level = 0;
  Analyzer* owner = this;
  for (int i = 0; i < level && owner->parent_; ++i) owner = owner->parent_;
  if (!owner->agg_allowed_) {
    Error(sqlstate::kGroupingError, std::string("aggregate functions are not allowed in ") + owner->agg_forbidden_clause_,
          e.location);
  }
  if (level > 0) {
    auto shift = [&](TExprPtr& x) {
      if (x) ShiftLevels(*x, level, 0);
    };
    shift(call.arg);
    shift(call.arg2);
    shift(call.filter);
    for (auto& k : call.order) shift(k.expr);
    // Every query written between here and the owner reads its row.
    for (Analyzer* m = this; m && m != owner; m = m->lexical_) m->correlated_ = true;
    auto ref = std::make_unique<TExpr>(TKind::kOuterColumn, call.result_type);
    ref->aux = level;
    ref->index = static_cast<int>(owner->aggs_.size());
    ref->type_b = kOuterAggregateRef;
    ref->location = e.location;
    owner->aggs_.push_back(std::move(call));
    return ref;
  }
  auto ref = std::make_unique<TExpr>(TKind::kAgg, call.result_type);
  ref->index = static_cast<int>(aggs_.size());
  ref->location = e.location;
  aggs_.push_back(std::move(call));
  return ref;
}

}  // namespace tusk::sql
