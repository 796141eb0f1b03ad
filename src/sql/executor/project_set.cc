// ProjectSet: the set-returning calls of a select list (analyze_srf.cc).
// Per input row every call of the step starts from its arguments and they
// advance together; a call that is exhausted gives NULL while the others
// go on, and the input row is done when all are. A call with a NULL
// argument yields nothing (the functions are strict). Rows stream: nothing
// is materialized, so LIMIT stops the series.
#include <algorithm>
#include <cstddef>

#include "sql/executor/compile.h"
#include "sql/executor/plan.h"
#include "sql/functions/srf.h"
#include "sql/session_context.h"

namespace tusk::sql {
namespace {

class ProjectSet : public PlanNode {
 public:
  ProjectSet(std::unique_ptr<PlanNode> child, const CompiledSrfLevel& level, ExecState& st)
      : child_(std::move(child)), width_(level.width), iters_(level.calls.size()) {
    for (const CompiledSrfCall& c : level.calls) {
      calls_.push_back({c.kind, c.type, BindPrograms(c.args, st)});
    }
  }

  const Row* Next(ExecState& st) override {
    for (;;) {
      if (!active_) {
        const Row* in = child_->Next(st);
        if (!in) return nullptr;
        Start(*in, st);
      }
      st.ctx.session->CheckForInterrupts();
      bool any = false;
      for (size_t i = 0; i < iters_.size(); ++i) {
        Datum& out = row_[width_ + i];
        if (iters_[i] && iters_[i]->Next(out, st.ctx)) {
          any = true;
        } else {
          iters_[i].reset();
          out = Datum::Null();
        }
      }
      if (any) return &row_;
      active_ = false;
    }
  }

 private:
  void Start(const Row& in, ExecState& st) {
    row_.assign(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(std::min(in.size(), width_)));
    row_.resize(width_ + calls_.size());
    for (size_t i = 0; i < calls_.size(); ++i) {
      CompiledSrfCall& c = calls_[i];
      std::vector<Datum> vals;
      bool null_arg = false;
      for (auto& p : c.args) {
        vals.push_back(p.Eval(in.data(), st.ctx));
        null_arg |= vals.back().null;
      }
      iters_[i] = null_arg ? nullptr : StartSetFunction(c.kind, c.type, std::move(vals), st.ctx);
    }
    active_ = true;
  }

  std::unique_ptr<PlanNode> child_;
  size_t width_;
  std::vector<CompiledSrfCall> calls_;  // programs bound to this execution
  std::vector<std::unique_ptr<SrfIterator>> iters_;
  Row row_;
  bool active_ = false;
};

}  // namespace

std::vector<CompiledSrfLevel> CompileSrfLevels(const std::vector<SrfLevel>& levels, size_t num_params) {
  std::vector<CompiledSrfLevel> out;
  for (const SrfLevel& l : levels) {
    CompiledSrfLevel c;
    c.width = l.width;
    for (const auto& call : l.calls) {
      CompiledSrfCall cc;
      cc.kind = call->aux;
      cc.type = call->type;
      for (const auto& a : call->args) cc.args.push_back(CompileExpr(*a, num_params));
      c.calls.push_back(std::move(cc));
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::unique_ptr<PlanNode> MakeProjectSets(std::unique_ptr<PlanNode> child, const std::vector<CompiledSrfLevel>& levels,
                                          ExecState& st) {
  for (const CompiledSrfLevel& l : levels) child = std::make_unique<ProjectSet>(std::move(child), l, st);
  return child;
}

}  // namespace tusk::sql
