// Join node: materializes the right input (once, or per left row for
// LATERAL), then matches each left row against every right row (nested
// loop) or against one hash bucket (equi-joins), with outer-join fill.
#include <unordered_map>

#include "sql/executor/plan.h"
#include "sql/session_context.h"
#include "sql/types/type_oids.h"

namespace tusk::sql {
namespace {

// The positions of item c's slice of the input row that the query reads: a
// stored table's needed columns and its ctid (AnalyzedFrom::needed), every
// column of other items. Copying only these keeps a wide table's unread
// values (numerics, strings) out of every composed row.
void ReadPositions(const CompiledFrom& c, std::vector<size_t>& out) {
  if (c.kind == AnalyzedFrom::kJoin) {
    ReadPositions(*c.left, out);
    ReadPositions(*c.right, out);
    for (size_t i = c.left->types.size() + c.right->types.size(); i < c.types.size(); ++i) out.push_back(c.start + i);
    return;
  }
  for (size_t i = 0; i < c.types.size(); ++i)
    if (c.needed.empty() || i >= c.needed.size() || c.needed[i]) out.push_back(c.start + i);
}

class Join : public PlanNode {
 public:
  Join(const CompiledFrom& f, size_t width, ExecState& st)
      : f_(f),
        cond_(BindPrograms(f.cond, st)),
        merged_(BindPrograms(f.merged, st)),
        lkeys_(BindPrograms(f.left_keys, st)),
        rkeys_(BindPrograms(f.right_keys, st)) {
    row_.resize(width);
    left_ = BuildFrom(*f.left, width, st);
    if (!f.right->lateral) right_ = BuildFrom(*f.right, width, st);
    use_hash_ = !lkeys_.empty() && !f.right->lateral;
    merged_at_ = f.start + f.left->types.size() + f.right->types.size();
    ReadPositions(*f.left, left_read_);
    ReadPositions(*f.right, right_read_);
    // One integer key (the usual foreign key): hashed as a number, without
    // building a key string per row.
    int_key_ = use_hash_ && f.key_types.size() == 1 &&
               (f.key_types[0] == oid::kInt2 || f.key_types[0] == oid::kInt4 || f.key_types[0] == oid::kInt8);
  }

  const Row* Next(ExecState& st) override {
    if (!built_ && right_) {
      Materialize(*right_, st);
      built_ = true;
    }
    for (;;) {
      if (have_left_) {
        while (cand_pos_ < cands_->size()) {
          size_t ri = (*cands_)[cand_pos_++];
          Place(*f_.right, rows_[ri], true);
          if (!cond_.empty()) {
            const Datum& ok = cond_[0].Eval(row_.data(), st.ctx);
            if (ok.null || !ok.b) continue;
          }
          left_matched_ = true;
          if (ri < right_matched_.size()) right_matched_[ri] = true;
          return Finish(st);
        }
        have_left_ = false;
        if (!left_matched_ && (f_.join == JoinKind::kLeft || f_.join == JoinKind::kFull)) {
          Clear(*f_.right);
          return Finish(st);
        }
      }
      if (!left_done_) {
        const Row* l = left_->Next(st);
        if (l) {
          st.ctx.session->CheckForInterrupts();
          Place(*f_.left, *l, false);
          StartLeft(st);
          continue;
        }
        left_done_ = true;
      }
      // Right rows without a match (RIGHT / FULL).
      if (f_.join != JoinKind::kRight && f_.join != JoinKind::kFull) return nullptr;
      while (unmatched_pos_ < right_matched_.size()) {
        size_t ri = unmatched_pos_++;
        if (right_matched_[ri]) continue;
        Clear(*f_.left);
        Place(*f_.right, rows_[ri], true);
        return Finish(st);
      }
      return nullptr;
    }
  }

 private:
  // Copies a child's columns into the composed row; join children return
  // input-row wide rows, others their own columns.
  void Place(const CompiledFrom& c, const Row& src, bool wide) {
    const size_t off = (wide || c.kind == AnalyzedFrom::kJoin) ? c.start : 0;
    for (size_t p : &c == f_.left.get() ? left_read_ : right_read_) row_[p] = src[p - c.start + off];
  }

  void Clear(const CompiledFrom& c) {
    for (size_t i = 0; i < c.types.size(); ++i) row_[c.start + i] = Datum::Null();
  }

  const Row* Finish(ExecState& st) {
    for (size_t m = 0; m < merged_.size(); ++m) row_[merged_at_ + m] = merged_[m].Eval(row_.data(), st.ctx);
    return &row_;
  }

  // Reads the right input into input-row wide rows (and the hash table).
  void Materialize(PlanNode& right, ExecState& st) {
    rows_.clear();
    hash_.clear();
    int_hash_.clear();
    const CompiledFrom& r = *f_.right;
    size_t off = r.kind == AnalyzedFrom::kJoin ? r.start : 0;
    while (const Row* src = right.Next(st)) {
      Row wide(row_.size());
      for (size_t p : right_read_) wide[p] = (*src)[p - r.start + off];
      rows_.push_back(std::move(wide));
    }
    all_.resize(rows_.size());
    for (size_t i = 0; i < rows_.size(); ++i) all_[i] = i;
    right_matched_.assign(rows_.size(), false);
    if (!use_hash_) return;
    if (int_key_) {
      for (size_t i = 0; i < rows_.size(); ++i) {
        const Datum& d = rkeys_[0].Eval(rows_[i].data(), st.ctx);
        if (!d.null) int_hash_[d.i].push_back(i);
      }
      return;
    }
    std::string key;
    for (size_t i = 0; i < rows_.size(); ++i) {
      if (!Key(rkeys_, rows_[i], st, key)) continue;
      hash_[key].push_back(i);
    }
  }

  bool Key(std::vector<ExprProgram>& progs, const Row& row, ExecState& st, std::string& key) {
    key.clear();
    for (size_t k = 0; k < progs.size(); ++k) {
      const Datum& d = progs[k].Eval(row.data(), st.ctx);
      if (d.null) return false;  // NULL never equals anything
      AppendKey(f_.key_types[k], d, st.ctx.io, key);
    }
    return true;
  }

  void StartLeft(ExecState& st) {
    have_left_ = true;
    left_matched_ = false;
    cand_pos_ = 0;
    if (f_.right->lateral) {
      // The right side sees the current left row as its outer row.
      st.ctx.outer.push_back(row_.data());
      Row saved = row_;
      try {
        auto plan = BuildFrom(*f_.right, row_.size(), st);
        right_ = nullptr;
        LateralRows(*plan, st);
      } catch (...) {
        st.ctx.outer.pop_back();
        throw;
      }
      st.ctx.outer.pop_back();
      row_ = std::move(saved);
      cands_ = &all_;
      return;
    }
    if (!use_hash_) {
      cands_ = &all_;
      return;
    }
    if (int_key_) {
      const Datum& d = lkeys_[0].Eval(row_.data(), st.ctx);
      auto it = d.null ? int_hash_.end() : int_hash_.find(d.i);
      cands_ = it == int_hash_.end() ? &none_ : &it->second;
      return;
    }
    std::string key;
    auto it = Key(lkeys_, row_, st, key) ? hash_.find(key) : hash_.end();
    cands_ = it == hash_.end() ? &none_ : &it->second;
  }

  void LateralRows(PlanNode& plan, ExecState& st) {
    rows_.clear();
    const CompiledFrom& r = *f_.right;
    while (const Row* src = plan.Next(st)) {
      Row wide(row_.size());
      for (size_t p : right_read_) wide[p] = (*src)[p - r.start];
      rows_.push_back(std::move(wide));
    }
    all_.resize(rows_.size());
    for (size_t i = 0; i < rows_.size(); ++i) all_[i] = i;
  }

  const CompiledFrom& f_;
  std::vector<ExprProgram> cond_, merged_, lkeys_, rkeys_;
  std::vector<size_t> left_read_, right_read_;  // ReadPositions of each input
  std::unique_ptr<PlanNode> left_, right_;
  bool use_hash_ = false;
  size_t merged_at_ = 0;
  Row row_;
  std::vector<Row> rows_;
  std::vector<size_t> all_, none_;
  std::unordered_map<std::string, std::vector<size_t>> hash_;
  bool int_key_ = false;
  std::unordered_map<int64_t, std::vector<size_t>> int_hash_;
  std::vector<bool> right_matched_;
  const std::vector<size_t>* cands_ = nullptr;
  size_t cand_pos_ = 0, unmatched_pos_ = 0;
  bool built_ = false, have_left_ = false, left_matched_ = false, left_done_ = false;
};

}  // namespace

std::unique_ptr<PlanNode> MakeJoin(const CompiledFrom& f, size_t width, ExecState& st) {
  return std::make_unique<Join>(f, width, st);
}

}  // namespace tusk::sql
