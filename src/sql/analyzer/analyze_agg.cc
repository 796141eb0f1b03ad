// Aggregate calls: argument overload choice, DISTINCT, ORDER BY inside the
// call and FILTER (WHERE ...). The call becomes a kAgg reference into the
// query's aggregate list; its argument trees stay over input rows.
#include "sql/analyzer/analyzer_impl.h"
#include "sql/functions/registry.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {

TExprPtr Analyzer::TransformAggregate(const Expr& e) {
  const std::string& name = e.names.back();
  if (!agg_allowed_) {
    Error(sqlstate::kGroupingError, std::string("aggregate functions are not allowed in ") + agg_forbidden_clause_,
          e.location);
  }
  if (in_agg_) Error(sqlstate::kGroupingError, "aggregate function calls cannot be nested", e.location);
  AggCall call;
  call.distinct = e.agg_distinct;
  std::vector<TExprPtr> args;
  in_agg_ = true;
  for (const auto& a : e.args) args.push_back(Transform(*a));
  in_agg_ = false;
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
    agg_allowed_ = false;
    agg_forbidden_clause_ = "FILTER";
    call.filter = CoerceToBool(Transform(*e.agg_filter), "FILTER");
    agg_allowed_ = saved_allowed;
    agg_forbidden_clause_ = saved_clause;
  }
  auto ref = std::make_unique<TExpr>(TKind::kAgg, call.result_type);
  ref->index = static_cast<int>(aggs_.size());
  ref->location = e.location;
  aggs_.push_back(std::move(call));
  return ref;
}

}  // namespace tusk::sql
