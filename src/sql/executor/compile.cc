// Emission of steps for each TExpr kind. Jump targets are patched once the
// end of a construct is known; each construct writes one output register.
#include "sql/executor/compile.h"

#include "sql/executor/plan.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

class Compiler {
 public:
  Compiler(ExprProgram& p, size_t num_params) : p_(p), num_params_(num_params) {}

  int NewReg() {
    p_.regs.emplace_back();
    return static_cast<int>(p_.regs.size()) - 1;
  }

  int NullReg() {
    if (null_reg_ < 0) null_reg_ = NewReg();
    return null_reg_;
  }

  Step& Add(OpCode op) {
    p_.steps.emplace_back();
    p_.steps.back().op = op;
    return p_.steps.back();
  }

  int Emit(const TExpr& e) {
    switch (e.kind) {
      case TKind::kConst: {
        int r = NewReg();
        p_.regs[r] = e.value;
        return r;
      }
      case TKind::kColumn:
      case TKind::kAgg:
        return -1 - e.index;
      case TKind::kParam: {
        if (p_.param_regs[e.index] < 0) p_.param_regs[e.index] = NewReg();
        return p_.param_regs[e.index];
      }
      case TKind::kCall: {
        // A strict call with a NULL constant argument is NULL without
        // evaluating the others, as PostgreSQL's constant folding makes it
        // (so `x / 0 = NULL` never divides).
        if (e.strict) {
          for (const auto& a : e.args) {
            if (a->kind == TKind::kConst && a->value.null) {
              int r = NewReg();
              p_.regs[r] = Datum::Null();
              return r;
            }
          }
        }
        std::vector<int> args;
        for (const auto& a : e.args) args.push_back(Emit(*a));
        int out = NewReg();
        Step& st = Add(OpCode::kCall);
        st.fn = e.fn;
        st.strict = e.strict;
        st.aux = e.aux;
        st.type_a = e.type_a;
        st.type_b = e.type_b;
        st.typmod = e.call_typmod;
        st.out = out;
        st.args = std::move(args);
        return out;
      }
      case TKind::kAnd:
      case TKind::kOr: {
        bool is_and = e.kind == TKind::kAnd;
        int out = NewReg();
        Step& init = Add(OpCode::kBoolInit);
        init.out = out;
        init.aux = is_and ? 1 : 0;
        std::vector<size_t> patch;
        for (const auto& a : e.args) {
          int r = Emit(*a);
          Step& st = Add(is_and ? OpCode::kAndStep : OpCode::kOrStep);
          st.out = out;
          st.args = {r};
          patch.push_back(p_.steps.size() - 1);
        }
        for (size_t i : patch) p_.steps[i].target = static_cast<int>(p_.steps.size());
        return out;
      }
      case TKind::kNot: {
        int r = Emit(*e.args[0]);
        int out = NewReg();
        Step& st = Add(OpCode::kNot);
        st.out = out;
        st.args = {r};
        return out;
      }
      case TKind::kCase: {
        int out = NewReg();
        std::vector<size_t> to_end;
        size_t first = 0;
        if (e.aux == 1) {
          case_tests_.push_back(Emit(*e.args[0]));
          first = 1;
        }
        for (size_t i = first; i < e.args.size(); i += 2) {
          int c = Emit(*e.args[i]);
          Add(OpCode::kJumpIfNotTrue).args = {c};
          size_t jnext = p_.steps.size() - 1;
          int r = Emit(*e.args[i + 1]);
          Step& mv = Add(OpCode::kMove);
          mv.out = out;
          mv.args = {r};
          Add(OpCode::kJump);
          to_end.push_back(p_.steps.size() - 1);
          p_.steps[jnext].target = static_cast<int>(p_.steps.size());
        }
        if (e.aux == 1) case_tests_.pop_back();
        int r = e.else_expr ? Emit(*e.else_expr) : NullReg();
        Step& mv = Add(OpCode::kMove);
        mv.out = out;
        mv.args = {r};
        for (size_t i : to_end) p_.steps[i].target = static_cast<int>(p_.steps.size());
        return out;
      }
      case TKind::kCaseTest:
        if (case_tests_.empty()) throw PgError(sqlstate::kInternalError, "CASE test value outside its CASE");
        return case_tests_.back();
      case TKind::kOuterColumn: {
        int out = NewReg();
        Step& st = Add(OpCode::kOuter);
        st.out = out;
        st.aux = e.aux;
        st.target = e.index;
        return out;
      }
      case TKind::kSubLink: {
        SubPlan sp;
        sp.kind = static_cast<uint8_t>(e.aux);
        sp.correlated = e.correlated;
        sp.elem_type = ElementTypeOf(e.type);
        sp.query = std::make_shared<const CompiledQuery>(CompileQuery(*e.sub, num_params_));
        if (e.combine) sp.combine.push_back(CompileExpr(*e.combine, num_params_));
        std::vector<int> args;
        for (const auto& a : e.args) args.push_back(Emit(*a));  // the test values (a row: several)
        sp.width = static_cast<int>(args.size());
        int out = NewReg();
        Step& st = Add(OpCode::kSubPlan);
        st.out = out;
        st.aux = static_cast<int>(p_.subplans.size());
        st.args = std::move(args);
        p_.subplans.push_back(std::move(sp));
        return out;
      }
      case TKind::kWindowFunc:
        // Rewritten to a window row column at the end of analysis.
        throw PgError(sqlstate::kInternalError, "window function reference outside a window query");
      case TKind::kScalarArrayOp: {
        int left = Emit(*e.args[0]);
        int arr = Emit(*e.args[1]);
        int out = NewReg();
        Step& st = Add(OpCode::kArrayAnyAll);
        st.fn = e.fn;
        st.aux = e.aux;
        st.type_a = e.type_a;
        st.type_b = e.type_b;
        st.target = e.index;
        st.out = out;
        st.args = {left, arr};
        return out;
      }
      case TKind::kSrf:
        // PlanSrfs replaces every call with a ProjectSet column.
        throw PgError(sqlstate::kInternalError, "set-returning function call in an expression program");
      case TKind::kCoalesce: {
        int out = NewReg();
        std::vector<size_t> to_end;
        for (const auto& a : e.args) {
          int r = Emit(*a);
          Step& st = Add(OpCode::kJumpIfNotNull);
          st.out = out;
          st.args = {r};
          to_end.push_back(p_.steps.size() - 1);
        }
        Step& mv = Add(OpCode::kMove);
        mv.out = out;
        mv.args = {NullReg()};
        for (size_t i : to_end) p_.steps[i].target = static_cast<int>(p_.steps.size());
        return out;
      }
    }
    return NullReg();
  }

 private:
  ExprProgram& p_;
  size_t num_params_;
  int null_reg_ = -1;
  std::vector<int> case_tests_;  // registers of the enclosing CASE x test values
};

}  // namespace

ExprProgram CompileExpr(const TExpr& e, size_t num_params) {
  ExprProgram p;
  p.param_regs.assign(num_params, -1);
  p.type = e.type;
  Compiler c(p, num_params);
  p.result = c.Emit(e);
  // Only up to the last parameter used: a program is copied per execution,
  // and most (column references, constants) use none, so copy no vector.
  while (!p.param_regs.empty() && p.param_regs.back() < 0) p.param_regs.pop_back();
  return p;
}

}  // namespace tusk::sql
