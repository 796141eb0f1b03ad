// Analysis of array expressions (ARRAY[...], subscripts, op ANY/ALL (array))
// and the operator lookup they share with ResolveOperator. Free functions
// over the Analyzer so the class declaration stays as it is.
#pragma once

#include <string>

#include "sql/analyzer/analyzer_impl.h"
#include "sql/parser/ast_ddl.h"

namespace tusk::sql {

// An operator chosen by overload resolution, with polymorphic argument and
// result types replaced by concrete ones.
struct ResolvedOperator {
  const OperDef* op = nullptr;
  uint32_t left = 0;  // 0 for prefix operators
  uint32_t right = 0;
  uint32_t result = 0;
};

// Chooses the operator name for argument types lt, rt (lt ignored if
// prefix); raises 42883 / 42725 like PostgreSQL. resolve.cc.
ResolvedOperator LookupOperator(Analyzer& a, const std::string& name, uint32_t lt, uint32_t rt, bool prefix,
                                int location);
// Raises the error PostgreSQL gives for a function qualified with a schema
// other than pg_catalog (42883 for public, 3F000 for unknown schemas).
void CheckFunctionSchema(Analyzer& a, const Expr& call, const std::vector<TExprPtr>& args);

// ARRAY[...]; elem_hint (nonzero) is the element type of an enclosing cast
// to an array type, which the elements are converted to directly.
TExprPtr TransformArrayExpr(Analyzer& a, const Expr& e, uint32_t elem_hint, int32_t elem_typmod);
// An array of `elem` from the elements, each coerced in context cc; a
// constant when every element is one.
TExprPtr BuildArray(Analyzer& a, std::vector<TExprPtr> elems, uint32_t elem, int32_t elem_typmod,
                    CoercionContext cc, int location);
// x op ANY|ALL (array expression).
TExprPtr TransformAnyAllArray(Analyzer& a, const Expr& e);
// left op ANY (right) when `any`, else ALL; the operator is chosen against
// right's element type.
TExprPtr MakeScalarArrayOp(Analyzer& a, const std::string& op_name, TExprPtr left, TExprPtr right, bool any,
                           int location);
// x [NOT] IN (items), as PostgreSQL: x = ANY (ARRAY[...]) over the items that
// read no column of the row, OR'ed with x = item for the rest.
TExprPtr TransformIn(Analyzer& a, const Expr& e);
// a[i], a[i:j], a[i][j]...
TExprPtr TransformSubscript(Analyzer& a, const Expr& e);
// UPDATE ... SET column[i] = value / column[lo:hi] = array: `array` (the
// column's current value) with that element or slice replaced, as
// PostgreSQL's subscripted assignment.
TExprPtr TransformArrayAssign(Analyzer& a, TExprPtr array, const std::string& column, int column_location,
                              const SetClause& target, const Expr& value);

}  // namespace tusk::sql
