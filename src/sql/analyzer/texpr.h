// Typed expression tree produced by the analyzer: every node has a resolved
// type and, for calls, the chosen implementation. The executor compiles it
// into an ExprProgram; it is never walked per row.
#pragma once

#include <memory>
#include <vector>

#include "sql/executor/expr_program.h"

namespace tusk::sql {

enum class TKind : uint8_t {
  kConst,
  kColumn,    // index into the input row
  kParam,     // index = parameter number - 1
  kCall,      // fn(args)
  kAnd,
  kOr,
  kNot,
  kCase,      // args: cond1, res1, cond2, res2, ...; else_expr may be null. With
              // aux = 1 args[0] is CASE x's test value x, evaluated once
  kCaseTest,  // in a WHEN condition: the enclosing CASE's test value
  kCoalesce,
  kAgg,       // aggregate call during analysis; index into the query's aggregates
  kOuterColumn,  // column of an enclosing query level: index, aux = levels up (>= 1)
  kSubLink,      // subquery: sub, aux = SubLinkKind; args[0] = test value (ANY/ALL);
                 // combine = test op column over the row [test, subquery value]
  kScalarArrayOp,  // args[0] op ANY/ALL (args[1]): fn, aux, type_a, type_b are the
                   // operator's (applied to each element); index = 1 ANY, 0 ALL
  kSrf,            // set-returning call in a select list: aux = SrfKind, args; replaced
                   // by a column of a ProjectSet step before compilation (analyze_srf.cc)
  kWindowFunc,     // window function call during analysis; index into the query's
                   // window functions (becomes a column of the window rows)
};

struct AnalyzedQuery;

struct TExpr;
using TExprPtr = std::unique_ptr<TExpr>;

struct TExpr {
  TKind kind;
  uint32_t type = 0;
  int32_t typmod = -1;
  Datum value;       // kConst
  int index = 0;     // kColumn / kParam / kAgg
  FnImpl fn = nullptr;
  bool strict = true;
  int aux = 0;
  uint32_t type_a = 0, type_b = 0;
  int32_t call_typmod = -1;
  std::vector<TExprPtr> args;
  TExprPtr else_expr;
  int location = -1;
  std::shared_ptr<AnalyzedQuery> sub;  // kSubLink
  TExprPtr combine;                    // kSubLink ANY/ALL
  bool correlated = false;             // kSubLink: references an enclosing level

  TExpr(TKind k, uint32_t t) : kind(k), type(t) {}
  TExprPtr Clone() const;
  // Structural equality (used to match GROUP BY expressions).
  bool Equals(const TExpr& o) const;
};

}  // namespace tusk::sql
