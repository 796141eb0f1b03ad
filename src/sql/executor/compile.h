// Compiles a typed expression tree into a flat ExprProgram once at plan
// time, so per-row evaluation never walks the tree.
#pragma once

#include "sql/analyzer/texpr.h"
#include "sql/executor/expr_program.h"

namespace tusk::sql {

ExprProgram CompileExpr(const TExpr& e, size_t num_params);

}  // namespace tusk::sql
