// Internal analyzer state shared by expression analysis (analyze_expr.cc),
// overload resolution (resolve.cc) and query analysis (analyzer.cc).
#pragma once

#include <string>
#include <vector>

#include "sql/analyzer/analyzer.h"
#include "sql/analyzer/coerce.h"
#include "sql/types/type_io.h"

namespace tusk::sql {

struct ScopeColumn {
  std::string name;
  uint32_t type;
};

class Analyzer {
 public:
  Analyzer(const Statement& stmt, SessionContext& ctx, std::vector<uint32_t> params)
      : stmt_(stmt), ctx_(ctx), params_(std::move(params)) {}

  AnalyzedQuery Run();

  // expressions (analyze_expr.cc)
  TExprPtr Transform(const Expr& e);
  TExprPtr Coerce(TExprPtr e, uint32_t target, int32_t typmod, CoercionContext cc, int location);
  TExprPtr CoerceToBool(TExprPtr e, const char* construct);
  // Resolves a set of expressions to one type (CASE, COALESCE, VALUES...).
  uint32_t CommonType(const std::vector<TExpr*>& exprs, const char* construct);
  TExprPtr MakeCall(FnImpl fn, uint32_t result, std::vector<TExprPtr> args, bool strict, int aux, int loc);

  // resolution (resolve.cc)
  TExprPtr ResolveOperator(const std::string& name, TExprPtr left, TExprPtr right, int location);
  TExprPtr ResolveFunction(const Expr& call, std::vector<TExprPtr> args);

  [[noreturn]] void Error(const char* state, const std::string& msg, int location, const std::string& hint = "");
  int Pos(int location) const;
  std::string TypeList(const std::vector<TExprPtr>& args) const;

  const Statement& stmt_;
  SessionContext& ctx_;
  std::vector<uint32_t> params_;
  IoContext io_;
  std::string relname_;  // FROM relation name or alias
  std::vector<ScopeColumn> scope_;
  bool agg_allowed_ = false;
  bool in_agg_ = false;
  const char* agg_forbidden_clause_ = "WHERE";
  std::vector<AggCall> aggs_;
};

// Output column name as PostgreSQL's FigureColname derives it.
std::string FigureColname(const Expr& e);

}  // namespace tusk::sql
