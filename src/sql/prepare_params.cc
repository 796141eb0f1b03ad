// The engine's part of SQL PREPARE and EXECUTE (PostgreSQL's prepare.c):
// the declared parameter types, and EXECUTE's argument expressions turned
// into bound parameter values.
#include "sql/analyzer/analyzer_impl.h"
#include "sql/engine.h"
#include "sql/executor/compile.h"
#include "sql/executor/plan.h"
#include "sql/parser/lexer.h"
#include "sql/types/type_oids.h"

namespace tusk::sql {
namespace {

// PostgreSQL refuses these in EXECUTE's arguments while analyzing them;
// the first one met, in tree order, is the one reported.
const TExpr* FindForbidden(const TExpr& e) {
  if (e.kind == TKind::kSubLink || e.kind == TKind::kParam) return &e;
  for (const auto& a : e.args)
    if (const TExpr* f = FindForbidden(*a)) return f;
  if (e.else_expr) return FindForbidden(*e.else_expr);
  return nullptr;
}

// PostgreSQL points at an argument's leftmost token (exprLocation), where
// a cast or an operator here carries the location of its `::` or operator.
int LeftmostLocation(const Expr& e) {
  int loc = e.location;
  for (const auto& a : e.args) {
    if (!a) continue;
    int l = LeftmostLocation(*a);
    if (l >= 0 && (loc < 0 || l < loc)) loc = l;
  }
  return loc;
}

}  // namespace

std::vector<uint32_t> PrepareParamTypes(const Statement& prepare) {
  std::vector<uint32_t> types;
  for (const auto& tn : prepare.prepare().arg_types) {
    const TypeInfo* ti = LookupTypeByName(tn->names.back());
    if (ti && tn->names.size() > 1 && tn->names[0] != "pg_catalog") ti = nullptr;
    uint32_t type = ti ? (tn->array ? ti->array_type : ti->oid) : 0;
    if (type == 0 || type == oid::kUnknown) {
      std::string shown;
      for (size_t i = 0; i < tn->names.size(); ++i) shown += (i ? "." : "") + tn->names[i];
      throw PgError(sqlstate::kUndefinedObject, "type \"" + shown + (tn->array ? "[]" : "") + "\" does not exist")
          .Position(tn->location < 0 ? 0 : CharPosition(prepare.query(), tn->location));
    }
    types.push_back(type);
  }
  return types;
}

void EvaluateExecuteParams(const Statement& execute, const std::vector<uint32_t>& types, SessionContext& ctx,
                           std::vector<std::optional<std::string>>* values, std::vector<int16_t>* formats) {
  const ExecuteStmt& ex = execute.execute();
  if (ex.params.size() != types.size()) {
    throw PgError(sqlstate::kSyntaxError, "wrong number of parameters for prepared statement \"" + ex.name + "\"")
        .Detail("Expected " + std::to_string(types.size()) + " parameters but got " +
                std::to_string(ex.params.size()) + ".");
  }
  SelectStmt no_from;
  Analyzer a(execute, no_from, ctx, {});
  a.agg_forbidden_clause_ = "EXECUTE parameters";
  a.srf_clause_ = "EXECUTE parameters";
  a.win_clause_ = "EXECUTE parameters";
  std::vector<TExprPtr> args;
  for (size_t i = 0; i < ex.params.size(); ++i) {
    TExprPtr e = a.Transform(*ex.params[i]);
    if (const TExpr* f = FindForbidden(*e)) {
      if (f->kind == TKind::kSubLink)
        a.Error(sqlstate::kFeatureNotSupported, "cannot use subquery in EXECUTE parameter", f->location);
      a.Error("42P02", "there is no parameter $" + std::to_string(f->index + 1), f->location);
    }
    const uint32_t want = types[i];
    if (e->type != want && e->type != oid::kUnknown && !CanCoerce(e->type, want, CoercionContext::kAssignment)) {
      a.Error(sqlstate::kDatatypeMismatch,
              "parameter $" + std::to_string(i + 1) + " of type " + TypeSqlName(e->type) +
                  " cannot be coerced to the expected type " + TypeSqlName(want),
              LeftmostLocation(*ex.params[i]), "You will need to rewrite or cast the expression.");
    }
    args.push_back(a.Coerce(std::move(e), want, -1, CoercionContext::kAssignment, ex.params[i]->location));
  }
  ExecState state;
  state.ctx.session = &ctx;
  state.ctx.state = &state;
  if (auto tz = ctx.GetConfig("timezone", true)) state.ctx.io.timezone = *tz;
  if (auto bo = ctx.GetConfig("bytea_output", true)) state.ctx.io.bytea_escape = *bo == "escape";
  state.ctx.io.session = &ctx;
  values->clear();
  formats->clear();
  for (size_t i = 0; i < args.size(); ++i) {
    ExprProgram prog = CompileExpr(*args[i], 0);
    const Datum& d = prog.Eval(nullptr, state.ctx);
    // The binary form carries the value exactly; text is only for types without one.
    const bool binary = HasBinaryIo(types[i]);
    formats->push_back(binary ? 1 : 0);
    if (d.null) {
      values->emplace_back(std::nullopt);
      continue;
    }
    std::string buf;
    if (binary)
      BinaryOut(types[i], d, buf);
    else
      TextOut(types[i], d, state.ctx.io, buf);
    values->emplace_back(std::move(buf));
  }
}

}  // namespace tusk::sql
