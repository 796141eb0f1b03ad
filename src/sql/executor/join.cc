// Join node: materializes the right input (once, or per left row for
// LATERAL), then matches each left row against every right row (nested
// loop) or against one hash bucket (equi-joins), with outer-join fill.
#include "sql/executor/join_hash.h"
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
        while (cand_pos_ < cands_.size()) {
          const size_t ri = cands_[cand_pos_++];
          PlaceRight(ri);
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
          Place(*f_.left, *l);
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
        PlaceRight(ri);
        return Finish(st);
      }
      return nullptr;
    }
  }

 private:
  // Copies a child's columns into the composed row; join children return
  // input-row wide rows, others their own columns.
  void Place(const CompiledFrom& c, const Row& src) {
    const size_t off = c.kind == AnalyzedFrom::kJoin ? c.start : 0;
    for (size_t p : &c == f_.left.get() ? left_read_ : right_read_) row_[p] = src[p - c.start + off];
  }

  // Copies inner row ri's read columns (kept back to back) into the composed row.
  void PlaceRight(size_t ri) {
    const Datum* src = right_data_.data() + ri * right_read_.size();
    for (size_t k = 0; k < right_read_.size(); ++k) row_[right_read_[k]] = src[k];
  }

  // Appends the inner row just placed in the composed row to right_data_.
  void KeepRight() {
    for (size_t p : right_read_) right_data_.push_back(std::move(row_[p]));
    ++right_rows_;
  }

  void Clear(const CompiledFrom& c) {
    for (size_t i = 0; i < c.types.size(); ++i) row_[c.start + i] = Datum::Null();
  }

  const Row* Finish(ExecState& st) {
    for (size_t m = 0; m < merged_.size(); ++m) row_[merged_at_ + m] = merged_[m].Eval(row_.data(), st.ctx);
    return &row_;
  }

  // Reads the right input (only the columns the query reads) and, for a
  // hash join, keys each row while it sits in the composed row.
  void Materialize(PlanNode& right, ExecState& st) {
    right_data_.clear();
    right_rows_ = 0;
    hash_.Clear();
    std::string key;
    while (const Row* src = right.Next(st)) {
      Place(*f_.right, *src);
      const auto ri = static_cast<uint32_t>(right_rows_);
      if (int_key_) {
        const Datum& d = rkeys_[0].Eval(row_.data(), st.ctx);
        if (!d.null) hash_.Add(d.i, ri);
      } else if (use_hash_ && Key(rkeys_, row_, st, key)) {
        hash_.Add(key, ri);
      }
      KeepRight();
    }
    if (use_hash_) {
      hash_.Build();
    } else {
      AllRightRows();  // a nested loop tries every row
    }
    right_matched_.assign(right_rows_, false);
  }

  void AllRightRows() {
    all_.resize(right_rows_);
    for (size_t i = 0; i < right_rows_; ++i) all_[i] = static_cast<uint32_t>(i);
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
      cands_ = all_;
      return;
    }
    if (!use_hash_) {
      cands_ = all_;
      return;
    }
    if (int_key_) {
      const Datum& d = lkeys_[0].Eval(row_.data(), st.ctx);
      cands_ = d.null ? std::span<const uint32_t>() : hash_.Find(d.i);
      return;
    }
    cands_ = Key(lkeys_, row_, st, probe_key_) ? hash_.Find(probe_key_) : std::span<const uint32_t>();
  }

  // Reads a LATERAL right side's rows for the current left row (which the
  // caller restores afterwards: placing them overwrites the composed row).
  void LateralRows(PlanNode& plan, ExecState& st) {
    right_data_.clear();
    right_rows_ = 0;
    while (const Row* src = plan.Next(st)) {
      Place(*f_.right, *src);
      KeepRight();
    }
    AllRightRows();
  }

  const CompiledFrom& f_;
  std::vector<ExprProgram> cond_, merged_, lkeys_, rkeys_;
  std::vector<size_t> left_read_, right_read_;  // ReadPositions of each input
  std::unique_ptr<PlanNode> left_, right_;
  bool use_hash_ = false;
  size_t merged_at_ = 0;
  Row row_;
  // The right side's rows: right_read_.size() Datums per row, back to back.
  std::vector<Datum> right_data_;
  size_t right_rows_ = 0;
  std::vector<uint32_t> all_;
  JoinHashTable hash_;
  bool int_key_ = false;
  std::string probe_key_;
  std::vector<bool> right_matched_;
  std::span<const uint32_t> cands_;
  size_t cand_pos_ = 0, unmatched_pos_ = 0;
  bool built_ = false, have_left_ = false, left_matched_ = false, left_done_ = false;
};

}  // namespace

std::unique_ptr<PlanNode> MakeJoin(const CompiledFrom& f, size_t width, ExecState& st) {
  return std::make_unique<Join>(f, width, st);
}

}  // namespace tusk::sql
