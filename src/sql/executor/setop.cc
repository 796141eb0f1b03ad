// Set operations (UNION / INTERSECT / EXCEPT [ALL]) by hashing whole rows,
// the recursive union of WITH RECURSIVE, and scans of materialized WITH
// queries and of the recursive work table.
#include <unordered_map>
#include <unordered_set>

#include "sql/executor/plan.h"
#include "sql/session_context.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

// Runs a branch and applies its casts to the common column types.
class Branch {
 public:
  Branch(const std::shared_ptr<const CompiledQuery>& q, const std::vector<ExprProgram>& casts, ExecState& st)
      : q_(q), casts_(BindPrograms(casts, st)), node_(BuildPlan(*q, st)) {}
  const Row* Next(ExecState& st) {
    const Row* r = node_->Next(st);
    if (!r || casts_.empty()) return r;
    row_.resize(casts_.size());
    for (size_t i = 0; i < casts_.size(); ++i) row_[i] = casts_[i].Eval(r->data(), st.ctx);
    return &row_;
  }

 private:
  std::shared_ptr<const CompiledQuery> q_;
  std::vector<ExprProgram> casts_;
  std::unique_ptr<PlanNode> node_;
  Row row_;
};

std::string RowKey(const Row& r, const std::vector<uint32_t>& types, ExecState& st) {
  std::string key;
  for (size_t i = 0; i < types.size(); ++i) AppendKey(types[i], r[i], st.ctx.io, key);
  return key;
}

class SetOp : public PlanNode {
 public:
  SetOp(const CompiledQuery& q, ExecState& st)
      : op_(q.op), all_(q.set_all), types_(q.target_types),
        left_(q.larg, q.larg_cast, st), right_(q.rarg, q.rarg_cast, st) {}

  const Row* Next(ExecState& st) override {
    if (op_ == SetOpKind::kUnion) {
      for (;;) {
        const Row* r = on_right_ ? right_.Next(st) : left_.Next(st);
        if (!r) {
          if (on_right_) return nullptr;
          on_right_ = true;
          continue;
        }
        if (all_ || seen_.insert(RowKey(*r, types_, st)).second) return Trim(*r);
      }
    }
    if (!counted_) {
      while (const Row* r = right_.Next(st)) ++counts_[RowKey(*r, types_, st)];
      counted_ = true;
    }
    while (const Row* r = left_.Next(st)) {
      std::string key = RowKey(*r, types_, st);
      auto it = counts_.find(key);
      size_t n = it == counts_.end() ? 0 : it->second;
      if (op_ == SetOpKind::kIntersect) {
        if (n == 0) continue;
        if (all_) {
          --it->second;
          return Trim(*r);
        }
        if (seen_.insert(key).second) return Trim(*r);
      } else {
        if (all_) {
          if (n > 0) {
            --it->second;
            continue;
          }
          return Trim(*r);
        }
        if (n == 0 && seen_.insert(key).second) return Trim(*r);
      }
    }
    return nullptr;
  }

 private:
  const Row* Trim(const Row& r) {
    row_.assign(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(types_.size()));
    return &row_;
  }

  SetOpKind op_;
  bool all_;
  std::vector<uint32_t> types_;
  Branch left_, right_;
  bool on_right_ = false, counted_ = false;
  std::unordered_set<std::string> seen_;
  std::unordered_map<std::string, size_t> counts_;
  Row row_;
};

// WITH RECURSIVE: the non-recursive term's rows, then the recursive term
// re-run over the previous iteration's new rows until it yields none.
class RecursiveUnion : public PlanNode {
 public:
  RecursiveUnion(const CompiledQuery& q, ExecState& st) : q_(q), data_(st.ctes.at(q.cte_id)) {}

  const Row* Next(ExecState& st) override {
    if (!done_) Run(st);
    return pos_ < out_.size() ? &out_[pos_++] : nullptr;
  }

 private:
  void Add(const Row& r, std::vector<Row>& fresh, ExecState& st) {
    Row row(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(q_.target_types.size()));
    if (!q_.set_all && !seen_.insert(RowKey(row, q_.target_types, st)).second) return;
    out_.push_back(row);
    fresh.push_back(std::move(row));
  }

  void Run(ExecState& st) {
    done_ = true;
    std::vector<Row> fresh;
    {
      Branch base(q_.larg, q_.larg_cast, st);
      while (const Row* r = base.Next(st)) Add(*r, fresh, st);
    }
    while (!fresh.empty()) {
      st.ctx.session->CheckForInterrupts();
      data_->work = std::move(fresh);
      fresh.clear();
      Branch rec(q_.rarg, q_.rarg_cast, st);
      while (const Row* r = rec.Next(st)) Add(*r, fresh, st);
    }
    data_->work.clear();
  }

  const CompiledQuery& q_;
  std::shared_ptr<CteData> data_;
  std::unordered_set<std::string> seen_;
  std::vector<Row> out_;
  size_t pos_ = 0;
  bool done_ = false;
};

class CteScan : public PlanNode {
 public:
  CteScan(int id, bool work) : id_(id), work_(work) {}
  const Row* Next(ExecState& st) override {
    if (!data_) {
      data_ = st.ctes.at(id_);
      if (work_) {
        rows_ = data_->work;  // this iteration's rows
      } else {
        if (!data_->done) {
          auto plan = BuildPlan(*data_->query, st);
          while (const Row* r = plan->Next(st)) data_->rows.push_back(*r);
          data_->done = true;
        }
      }
    }
    const std::vector<Row>& src = work_ ? rows_ : data_->rows;
    return pos_ < src.size() ? &src[pos_++] : nullptr;
  }

 private:
  int id_;
  bool work_;
  std::shared_ptr<CteData> data_;
  std::vector<Row> rows_;
  size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<PlanNode> MakeSetOp(const CompiledQuery& q, ExecState& st) {
  if (q.recursive) return std::make_unique<RecursiveUnion>(q, st);
  return std::make_unique<SetOp>(q, st);
}

std::unique_ptr<PlanNode> MakeCteScan(int cte_id, bool work_table) {
  return std::make_unique<CteScan>(cte_id, work_table);
}

}  // namespace tusk::sql
