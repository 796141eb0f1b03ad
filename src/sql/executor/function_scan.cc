// Function Scan: the rows of a function call in FROM. Arguments are
// evaluated on the first Next (a lateral item reads the join's current
// input row, which the join pushed as the innermost outer row); a
// set-returning function then yields one value per Next, a scalar call one
// row. Nothing is materialized.
#include "sql/executor/plan.h"
#include "sql/functions/srf.h"
#include "sql/session_context.h"

namespace tusk::sql {
namespace {

class FunctionScan : public PlanNode {
 public:
  FunctionScan(const CompiledFrom& f, size_t width, ExecState& st)
      : f_(f), args_(BindPrograms(f.func_args, st)), width_(width) {
    row_.resize(f.types.size());
  }

  const Row* Next(ExecState& st) override {
    if (!started_) {
      started_ = true;
      Start(st);
    }
    if (done_) return nullptr;
    st.ctx.session->CheckForInterrupts();
    if (!iter_) {
      done_ = true;  // the scalar call's single row
    } else if (!iter_->NextRow(row_.data(), st.ctx)) {
      done_ = true;
      return nullptr;
    }
    if (f_.ordinality) row_.back() = Datum::Int(++count_);
    return &row_;
  }

 private:
  void Start(ExecState& st) {
    std::vector<Datum> vals;
    // A lateral call's arguments see the join's input row as their own row
    // and the enclosing levels beneath it.
    const Datum* row = nullptr;
    Row blank;
    bool popped = f_.lateral && !st.ctx.outer.empty();
    if (popped) {
      row = st.ctx.outer.back();
      st.ctx.outer.pop_back();
    } else {
      blank.resize(width_);
      row = blank.data();
    }
    try {
      for (auto& p : args_) vals.push_back(p.Eval(row, st.ctx));
    } catch (...) {
      if (popped) st.ctx.outer.push_back(row);
      throw;
    }
    if (popped) st.ctx.outer.push_back(row);
    if (f_.srf < 0) {
      row_[0] = std::move(vals[0]);
      return;
    }
    for (const Datum& d : vals) {
      if (d.null) {  // strict: NULL arguments give no rows
        done_ = true;
        return;
      }
    }
    iter_ = StartSetFunction(f_.srf, f_.types[0], std::move(vals), st.ctx);
  }

  const CompiledFrom& f_;
  std::vector<ExprProgram> args_;
  size_t width_;
  Row row_;
  std::unique_ptr<SrfIterator> iter_;
  bool started_ = false, done_ = false;
  int64_t count_ = 0;
};

}  // namespace

std::unique_ptr<PlanNode> MakeFunctionScan(const CompiledFrom& f, size_t width, ExecState& st) {
  return std::make_unique<FunctionScan>(f, width, st);
}

}  // namespace tusk::sql
