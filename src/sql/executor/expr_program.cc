// The evaluation loop for compiled expressions. Three-valued AND/OR are
// accumulating steps with short-circuit jumps; CASE and COALESCE are jumps.
#include "sql/executor/expr_program.h"

#include "sql/types/array.h"

namespace tusk::sql {
namespace {

// x op ANY/ALL (array) with PostgreSQL's NULL rules: a NULL array gives
// NULL, an empty one false (ANY) or true (ALL) whatever x is; otherwise a
// NULL x or NULL comparison makes an undecided result NULL.
void EvalArrayAnyAll(const Step& st, const Datum& x, const Datum& arr, Datum& out, ExecContext& ctx) {
  bool any = st.target != 0;
  if (arr.null) {
    out.null = true;
    return;
  }
  const std::vector<Datum>& elems = arr.arr->elems;
  if (elems.empty()) {
    out.null = false;
    out.b = !any;
    return;
  }
  if (x.null) {
    out.null = true;
    return;
  }
  bool saw_null = false;
  const Datum* args[2] = {&x, nullptr};
  for (const Datum& e : elems) {
    if (e.null) {
      saw_null = true;
      continue;
    }
    args[1] = &e;
    out.null = false;
    st.fn(st, args, out, ctx);
    if (out.null) {
      saw_null = true;
    } else if (out.b == any) {
      return;
    }
  }
  out.null = saw_null;
  out.b = !any;
}

}  // namespace

void ExprProgram::BindParams(const std::vector<Datum>& params) {
  for (size_t i = 0; i < param_regs.size() && i < params.size(); ++i) {
    if (param_regs[i] >= 0) regs[param_regs[i]] = params[i];
  }
}

const Datum& ExprProgram::Eval(const Datum* row, ExecContext& ctx) {
  auto operand = [&](int o) -> const Datum& { return o >= 0 ? regs[o] : row[-1 - o]; };
  size_t pc = 0;
  const size_t n = steps.size();
  while (pc < n) {
    const Step& st = steps[pc];
    switch (st.op) {
      case OpCode::kCall: {
        // The argument pointers live on the stack: a function may evaluate
        // this same program again (a subplan), so no shared scratch.
        const Datum* small[8];
        std::vector<const Datum*> big;
        const Datum** ptrs = small;
        if (st.args.size() > std::size(small)) {
          big.resize(st.args.size());
          ptrs = big.data();
        }
        bool has_null = false;
        for (size_t i = 0; i < st.args.size(); ++i) {
          const Datum& a = operand(st.args[i]);
          ptrs[i] = &a;
          has_null |= a.null;
        }
        Datum& out = regs[st.out];
        if (st.strict && has_null) {
          out.null = true;
        } else {
          out.null = false;
          st.fn(st, ptrs, out, ctx);
        }
        ++pc;
        break;
      }
      case OpCode::kMove:
        regs[st.out] = operand(st.args[0]);
        ++pc;
        break;
      case OpCode::kJump:
        pc = st.target;
        break;
      case OpCode::kJumpIfNotTrue: {
        const Datum& a = operand(st.args[0]);
        pc = (a.null || !a.b) ? st.target : pc + 1;
        break;
      }
      case OpCode::kJumpIfNotNull: {
        const Datum& a = operand(st.args[0]);
        if (!a.null) {
          regs[st.out] = a;
          pc = st.target;
        } else {
          ++pc;
        }
        break;
      }
      case OpCode::kAndStep:
      case OpCode::kOrStep: {
        const Datum& a = operand(st.args[0]);
        Datum& out = regs[st.out];
        bool decisive = st.op == OpCode::kOrStep;  // OR stops at true, AND at false
        if (!a.null && a.b == decisive) {
          out.null = false;
          out.b = decisive;
          pc = st.target;
        } else {
          if (a.null) out.null = true;
          ++pc;
        }
        break;
      }
      case OpCode::kBoolInit: {
        Datum& out = regs[st.out];
        out.null = false;
        out.b = st.aux != 0;
        ++pc;
        break;
      }
      case OpCode::kOuter: {
        const Datum* r = ctx.outer[ctx.outer.size() - st.aux];
        regs[st.out] = r[st.target];
        ++pc;
        break;
      }
      case OpCode::kSubPlan: {
        const Datum* test = nullptr;
        std::vector<Datum> tests;
        if (st.args.size() == 1) {
          test = &operand(st.args[0]);
        } else if (!st.args.empty()) {
          for (int a : st.args) tests.push_back(operand(a));
          test = tests.data();
        }
        regs[st.out] = RunSubPlan(subplans[st.aux], row, test, ctx);
        ++pc;
        break;
      }
      case OpCode::kArrayAnyAll: {
        EvalArrayAnyAll(st, operand(st.args[0]), operand(st.args[1]), regs[st.out], ctx);
        ++pc;
        break;
      }
      case OpCode::kNot: {
        const Datum& a = operand(st.args[0]);
        Datum& out = regs[st.out];
        out.null = a.null;
        out.b = !a.b;
        ++pc;
        break;
      }
    }
  }
  return operand(result);
}

}  // namespace tusk::sql
