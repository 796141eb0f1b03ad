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
  return BuildArray(a, std::move(elems), elem, elem_hint ? elem_typmod : -1, cc, e.location);
}

TExprPtr BuildArray(Analyzer& a, std::vector<TExprPtr> elems, uint32_t elem, int32_t elem_typmod,
                    CoercionContext cc, int location) {
  uint32_t array_type = ArrayTypeOf(elem);
  bool all_const = true;
  for (auto& x : elems) {
    int loc = x->location;
    x = a.Coerce(std::move(x), elem, elem_typmod, cc, loc);
    all_const &= x->kind == TKind::kConst;
  }
  if (all_const) {
    // Constant arrays are built once, not per row.
    std::vector<Datum> values;
    for (auto& x : elems) values.push_back(x->value);
    auto c = std::make_unique<TExpr>(TKind::kConst, array_type);
    c->value = MakeArray(elem, std::move(values));
    c->location = location;
    return c;
  }
  TExprPtr call = a.MakeCall(ArrayBuildFn, array_type, std::move(elems), false, 0, location);
  call->type_a = elem;
  return call;
}

TExprPtr TransformAnyAllArray(Analyzer& a, const Expr& e) {
  return MakeScalarArrayOp(a, e.str, a.Transform(*e.args[0]), a.Transform(*e.args[1]), !e.negated, e.location);
}

TExprPtr MakeScalarArrayOp(Analyzer& a, const std::string& op_name, TExprPtr left, TExprPtr right, bool any,
                           int location) {
  // The operator is chosen against the element type; an untyped literal on
  // the right stays unknown and becomes an array of the operator's type.
  uint32_t elem = oid::kUnknown;
  if (right->type != oid::kUnknown) {
    elem = ElementTypeOf(right->type);
    if (!elem) a.Error(kWrongObjectType, "op ANY/ALL (array) requires array on right side", location);
  }
  ResolvedOperator op = LookupOperator(a, op_name, left->type, elem, false, location);
  if (op.result != oid::kBool) {
    a.Error(kWrongObjectType, "op ANY/ALL (array) requires operator to yield boolean", location);
  }
  uint32_t array_type = ArrayTypeOf(op.right);
  if (!array_type) {
    a.Error(sqlstate::kUndefinedObject, "could not find array type for data type " + TypeSqlName(op.right),
            location);
  }
  auto x = std::make_unique<TExpr>(TKind::kScalarArrayOp, oid::kBool);
  x->args.push_back(a.Coerce(std::move(left), op.left, -1, CoercionContext::kImplicit, location));
  x->args.push_back(a.Coerce(std::move(right), array_type, -1, CoercionContext::kImplicit, location));
  x->fn = op.op->fn;
  x->aux = op.op->aux;
  x->type_a = op.left;
  x->type_b = op.right;
  x->index = any ? 1 : 0;  // 1 = ANY, 0 = ALL
  x->location = location;
  return x;
}

namespace {

// A column of the current query level somewhere in x (aggregates, window
// functions and subqueries count, to be safe): PostgreSQL keeps such IN items
// out of the array.
bool ReadsCurrentRow(const TExpr& x) {
  switch (x.kind) {
    case TKind::kColumn:
    case TKind::kAgg:
    case TKind::kWindowFunc:
    case TKind::kSubLink:
    case TKind::kSrf:
      return true;
    default:
      break;
  }
  for (const auto& arg : x.args)
    if (arg && ReadsCurrentRow(*arg)) return true;
  return x.else_expr && ReadsCurrentRow(*x.else_expr);
}

}  // namespace

TExprPtr TransformIn(Analyzer& a, const Expr& e) {
  const std::string op = e.negated ? "<>" : "=";
  std::vector<TExprPtr> parts;
  std::vector<size_t> one_by_one;  // items compared with their own operator
  if (e.args[0]->kind != ExprKind::kRow) {
    // As PostgreSQL: items without columns of this row go into one array when
    // they and the left side have a common type, so the left side is
    // evaluated once for all of them: x = ANY (ARRAY[...]).
    TExprPtr left = a.Transform(*e.args[0]);
    std::vector<TExprPtr> constant;
    for (size_t i = 1; i < e.args.size(); ++i) {
      if (e.args[i]->kind == ExprKind::kRow) {
        one_by_one.push_back(i);
        continue;
      }
      TExprPtr item = a.Transform(*e.args[i]);
      if (ReadsCurrentRow(*item)) {
        one_by_one.push_back(i);
      } else {
        constant.push_back(std::move(item));
      }
    }
    uint32_t common = 0;
    if (constant.size() > 1) {
      std::vector<TExpr*> all{left.get()};
      for (auto& c : constant) all.push_back(c.get());
      common = a.CommonType(all, nullptr);
      if (common && !ArrayTypeOf(common)) common = 0;
    }
    if (common) {
      TExprPtr array = BuildArray(a, std::move(constant), common, -1, CoercionContext::kImplicit, e.location);
      parts.push_back(MakeScalarArrayOp(a, op, std::move(left), std::move(array), !e.negated, e.location));
    } else {
      one_by_one.clear();
      for (size_t i = 1; i < e.args.size(); ++i) one_by_one.push_back(i);
    }
  } else {
    for (size_t i = 1; i < e.args.size(); ++i) one_by_one.push_back(i);
  }
  // x IN (a, b) is x = a OR x = b, which has the same NULL semantics.
  for (size_t i : one_by_one) {
    if (e.args[0]->kind == ExprKind::kRow && e.args[i]->kind == ExprKind::kRow) {
      parts.push_back(a.TransformRowCompare(op, *e.args[0], *e.args[i], e.location));
    } else {
      parts.push_back(a.ResolveOperator(op, a.Transform(*e.args[0]), a.Transform(*e.args[i]), e.location));
    }
  }
  if (parts.size() == 1) return std::move(parts[0]);
  auto o = std::make_unique<TExpr>(e.negated ? TKind::kAnd : TKind::kOr, oid::kBool);
  o->location = e.location;
  o->args = std::move(parts);
  return o;
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
