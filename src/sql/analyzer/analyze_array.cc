// Array expressions: ARRAY[...] constructors (common element type, or the
// element type of an enclosing cast), subscripts and slices, and
// x op ANY/ALL (array), whose operator is chosen against the element type.
#include "sql/analyzer/analyze_array.h"

#include "sql/functions/registry.h"
#include "sql/types/array.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr char kWrongObjectType[] = "42809";

[[noreturn]] void MultiDim(Analyzer& a, int location) {
  a.Error(sqlstate::kFeatureNotSupported, "multidimensional arrays are not supported", location);
}

}  // namespace

TExprPtr TransformArrayExpr(Analyzer& a, const Expr& e, uint32_t elem_hint, int32_t elem_typmod) {
  for (const auto& x : e.args) {
    if (x->kind == ExprKind::kArray) MultiDim(a, x->location);
  }
  std::vector<TExprPtr> elems;
  for (const auto& x : e.args) elems.push_back(a.Transform(*x));
  for (const auto& x : elems) {
    if (IsArrayType(x->type)) MultiDim(a, x->location);
  }
  uint32_t elem = elem_hint;
  if (!elem) {
    if (elems.empty()) {
      a.Error(sqlstate::kIndeterminateDatatype, "cannot determine type of empty array", e.location,
              "Explicitly cast to the desired type, for example ARRAY[]::integer[].");
    }
    std::vector<TExpr*> raw;
    for (auto& x : elems) raw.push_back(x.get());
    elem = a.CommonType(raw, "ARRAY");
  }
  uint32_t array_type = ArrayTypeOf(elem);
  if (!array_type) {
    a.Error(sqlstate::kUndefinedObject, "could not find array type for data type " + TypeSqlName(elem), e.location);
  }
  // Under a cast the elements are cast explicitly (ARRAY[1.5]::int[]).
  CoercionContext cc = elem_hint ? CoercionContext::kExplicit : CoercionContext::kImplicit;
  bool all_const = true;
  for (auto& x : elems) {
    int loc = x->location;
    x = a.Coerce(std::move(x), elem, elem_hint ? elem_typmod : -1, cc, loc);
    all_const &= x->kind == TKind::kConst;
  }
  if (all_const) {
    // Constant arrays are built once, not per row.
    std::vector<Datum> values;
    for (auto& x : elems) values.push_back(x->value);
    auto c = std::make_unique<TExpr>(TKind::kConst, array_type);
    c->value = MakeArray(elem, std::move(values));
    c->location = e.location;
    return c;
  }
  TExprPtr call = a.MakeCall(ArrayBuildFn, array_type, std::move(elems), false, 0, e.location);
  call->type_a = elem;
  return call;
}

TExprPtr TransformAnyAllArray(Analyzer& a, const Expr& e) {
  TExprPtr left = a.Transform(*e.args[0]);
  TExprPtr right = a.Transform(*e.args[1]);
  // The operator is chosen against the element type; an untyped literal on
  // the right stays unknown and becomes an array of the operator's type.
  uint32_t elem = oid::kUnknown;
  if (right->type != oid::kUnknown) {
    elem = ElementTypeOf(right->type);
    if (!elem) a.Error(kWrongObjectType, "op ANY/ALL (array) requires array on right side", e.location);
  }
  ResolvedOperator op = LookupOperator(a, e.str, left->type, elem, false, e.location);
  if (op.result != oid::kBool) {
    a.Error(kWrongObjectType, "op ANY/ALL (array) requires operator to yield boolean", e.location);
  }
  uint32_t array_type = ArrayTypeOf(op.right);
  if (!array_type) {
    a.Error(sqlstate::kUndefinedObject, "could not find array type for data type " + TypeSqlName(op.right),
            e.location);
  }
  auto x = std::make_unique<TExpr>(TKind::kScalarArrayOp, oid::kBool);
  x->args.push_back(a.Coerce(std::move(left), op.left, -1, CoercionContext::kImplicit, e.location));
  x->args.push_back(a.Coerce(std::move(right), array_type, -1, CoercionContext::kImplicit, e.location));
  x->fn = op.op->fn;
  x->aux = op.op->aux;
  x->type_a = op.left;
  x->type_b = op.right;
  x->index = e.negated ? 0 : 1;  // 1 = ANY, 0 = ALL
  x->location = e.location;
  return x;
}

TExprPtr TransformSubscript(Analyzer& a, const Expr& e) {
  // a[i][j]... is one subscript operation with several subscripts.
  std::vector<const Expr*> subs;
  const Expr* base = &e;
  while (base->kind == ExprKind::kSubscript) {
    subs.insert(subs.begin(), base);
    base = base->args[0].get();
  }
  TExprPtr arr = a.Transform(*base);
  uint32_t elem = ElementTypeOf(arr->type);
  if (!elem) {
    a.Error(sqlstate::kDatatypeMismatch,
            "cannot subscript type " + TypeSqlName(arr->type) + " because it does not support subscripting",
            base->location);
  }
  auto subscript = [&](const Expr& x) {
    TExprPtr t = a.Transform(x);
    if (!CanCoerce(t->type, oid::kInt4, CoercionContext::kAssignment)) {
      a.Error(sqlstate::kDatatypeMismatch, "array subscript must have type integer", x.location);
    }
    return a.Coerce(std::move(t), oid::kInt4, -1, CoercionContext::kAssignment, x.location);
  };
  std::vector<TExprPtr> args;
  args.push_back(std::move(arr));
  bool any_slice = false;
  int bounds = 0;  // slice bounds written: bit 0 lower, bit 1 upper (single slice)
  for (const Expr* s : subs) {
    any_slice |= s->slice;
    if (s->args[1]) {
      args.push_back(subscript(*s->args[1]));
      bounds |= 1;
    }
    if (s->slice && s->args[2]) {
      args.push_back(subscript(*s->args[2]));
      bounds |= 2;
    }
  }
  uint32_t array_type = args[0]->type;
  if (subs.size() > 1) {
    // More subscripts than the array has dimensions.
    return a.MakeCall(ArrayMultiSubscriptFn, any_slice ? array_type : elem, std::move(args), true, any_slice,
                      e.location);
  }
  if (any_slice) return a.MakeCall(ArraySliceFn, array_type, std::move(args), true, bounds, e.location);
  return a.MakeCall(ArraySubscriptFn, elem, std::move(args), true, 0, e.location);
}

TExprPtr TransformArrayAssign(Analyzer& a, TExprPtr array, const std::string& column, int column_location,
                              const SetClause& target, const Expr& value) {
  const uint32_t array_type = array->type;
  const uint32_t elem = ElementTypeOf(array_type);
  if (!elem) {
    a.Error(sqlstate::kDatatypeMismatch,
            "cannot subscript type " + TypeSqlName(array_type) + " because it does not support subscripting",
            column_location);
  }
  auto subscript = [&](const Expr& x) {
    TExprPtr t = a.Transform(x);
    if (!CanCoerce(t->type, oid::kInt4, CoercionContext::kAssignment))
      a.Error(sqlstate::kDatatypeMismatch, "array subscript must have type integer", x.location);
    return a.Coerce(std::move(t), oid::kInt4, -1, CoercionContext::kAssignment, x.location);
  };
  std::vector<TExprPtr> args;
  args.push_back(std::move(array));
  int bounds = target.slice ? 4 : 0;  // bit 0: lower written, bit 1: upper written, bit 2: a slice
  if (target.subscript) {
    args.push_back(subscript(*target.subscript));
    bounds |= 1;
  }
  if (target.subscript_upper) {
    args.push_back(subscript(*target.subscript_upper));
    bounds |= 2;
  }
  // A slice takes an array of the column's type, an element the element type.
  const uint32_t source = target.slice ? array_type : elem;
  TExprPtr v = a.Transform(value);
  if (v->type != source && v->type != oid::kUnknown && !CanCoerce(v->type, source, CoercionContext::kAssignment)) {
    PgError err(sqlstate::kDatatypeMismatch, "subscripted assignment to \"" + column + "\" requires type " +
                                                 TypeSqlName(source) + " but expression is of type " +
                                                 TypeSqlName(v->type));
    err.Hint("You will need to rewrite or cast the expression.");
    err.Position(a.Pos(column_location));
    throw err;
  }
  v = a.Coerce(std::move(v), source, -1, CoercionContext::kAssignment, value.location);
  args.push_back(std::move(v));
  TExprPtr call = a.MakeCall(ArrayAssignFn, array_type, std::move(args), false, bounds, column_location);
  call->type_a = elem;
  return call;
}

}  // namespace tusk::sql
