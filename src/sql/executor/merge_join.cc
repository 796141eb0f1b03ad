// Merge join: both inputs arrive in ascending join-key order (an index scan
// in key order, or sorted here), rows with a NULL key match nothing. The
// current run of right rows with equal keys (the group) is buffered, so a
// run of equal left keys rescans it (the cross product of equal groups).
// Every candidate pair is checked with the whole ON condition; a left row
// no pair passes is NULL-filled for LEFT/FULL, a group row no pair passes
// (and any unmatched right row) for RIGHT/FULL.
#include <algorithm>

#include "sql/executor/plan.h"
#include "sql/functions/registry.h"
#include "sql/session_context.h"

namespace tusk::sql {
namespace {

// An input row widened to the input row (only its item's columns set) and
// its key values.
struct Entry {
  Row row;
  std::vector<Datum> keys;
  bool null_key = false;
};

int CompareKeys(const std::vector<uint32_t>& types, const std::vector<Datum>& a, const std::vector<Datum>& b) {
  for (size_t k = 0; k < types.size(); ++k) {
    if (int c = CompareDatum(types[k], a[k], b[k])) return c;
  }
  return 0;
}

// One side of the join, delivering entries in key order: streamed from a
// child that is already ordered (checked as it goes), or read whole and
// sorted (NULL-key rows first).
class MergeInput {
 public:
  MergeInput(const CompiledFrom& from, std::vector<ExprProgram> keys, const std::vector<uint32_t>& types, bool sort,
             size_t width, ExecState& st)
      : from_(from), keys_(std::move(keys)), types_(types), sort_(sort), width_(width) {
    node_ = BuildFrom(from, width, st);
  }

  // The next entry, valid until the next call; nullptr at the end.
  const Entry* Next(ExecState& st) {
    if (!sort_) {
      if (!Read(st, cur_)) return nullptr;
      if (!cur_.null_key) {
        if (have_prev_ && CompareKeys(types_, cur_.keys, prev_) < 0)
          throw PgError(sqlstate::kInternalError, "merge join input is not in join-key order");
        prev_ = cur_.keys;
        have_prev_ = true;
      }
      return &cur_;
    }
    if (!loaded_) {
      loaded_ = true;
      for (;;) {
        Entry e;
        if (!Read(st, e)) break;
        rows_.push_back(std::move(e));
      }
      std::stable_sort(rows_.begin(), rows_.end(), [&](const Entry& a, const Entry& b) {
        if (a.null_key || b.null_key) return a.null_key && !b.null_key;
        return CompareKeys(types_, a.keys, b.keys) < 0;
      });
    }
    if (pos_ >= rows_.size()) return nullptr;
    return &rows_[pos_++];
  }

 private:
  bool Read(ExecState& st, Entry& e) {
    const Row* src = node_->Next(st);
    if (!src) return false;
    e.row.resize(width_);
    size_t off = from_.kind == AnalyzedFrom::kJoin ? from_.start : 0;
    for (size_t i = 0; i < from_.types.size(); ++i) e.row[from_.start + i] = (*src)[off + i];
    e.keys.resize(keys_.size());
    e.null_key = false;
    for (size_t k = 0; k < keys_.size(); ++k) {
      e.keys[k] = keys_[k].Eval(e.row.data(), st.ctx);
      e.null_key = e.null_key || e.keys[k].null;
    }
    return true;
  }

  const CompiledFrom& from_;
  std::vector<ExprProgram> keys_;
  const std::vector<uint32_t>& types_;
  bool sort_;
  size_t width_;
  std::unique_ptr<PlanNode> node_;
  Entry cur_;
  std::vector<Datum> prev_;
  bool have_prev_ = false;
  std::vector<Entry> rows_;
  bool loaded_ = false;
  size_t pos_ = 0;
};

class MergeJoin : public PlanNode {
 public:
  MergeJoin(const CompiledFrom& f, size_t width, ExecState& st)
      : f_(f),
        cond_(BindPrograms(f.cond, st)),
        merged_(BindPrograms(f.merged, st)),
        left_(*f.left, BindPrograms(f.left_keys, st), f.key_types, f.sort_left, width, st),
        right_(*f.right, BindPrograms(f.right_keys, st), f.key_types, f.sort_right, width, st),
        left_outer_(f.join == JoinKind::kLeft || f.join == JoinKind::kFull),
        right_outer_(f.join == JoinKind::kRight || f.join == JoinKind::kFull) {
    row_.resize(width);
    merged_at_ = f.start + f.left->types.size() + f.right->types.size();
  }

  const Row* Next(ExecState& st) override {
    for (;;) {
      switch (phase_) {
        case kScanGroup:
          // The current left row against each buffered group row.
          while (gpos_ < group_.size()) {
            size_t i = gpos_++;
            Place(*f_.right, group_[i].row);
            if (!CondHolds(st)) continue;
            left_matched_ = true;
            group_matched_[i] = true;
            return Finish(st);
          }
          phase_ = kNextLeft;
          if (!left_matched_ && left_outer_) {
            Clear(*f_.right);
            return Finish(st);
          }
          break;
        case kNextLeft:
          if (!left_outer_ && right_started_ && !r_ && group_.empty()) return nullptr;  // nothing left to match
          l_ = left_.Next(st);
          if (!l_) {
            phase_ = kDrain;
            fpos_ = 0;
            break;
          }
          if (l_->null_key) {
            if (!left_outer_) break;
            Place(*f_.left, l_->row);
            Clear(*f_.right);
            return Finish(st);
          }
          if (!group_.empty() && CompareKeys(f_.key_types, l_->keys, group_[0].keys) == 0) {
            StartScan();
            break;
          }
          phase_ = kFlushGroup;
          fpos_ = 0;
          break;
        case kFlushGroup:
          // The left keys moved past the group: its unmatched rows (RIGHT/FULL).
          if (const Row* r = UnmatchedGroupRow(st)) return r;
          group_.clear();
          group_matched_.clear();
          phase_ = kSkipRight;
          break;
        case kSkipRight: {
          // Right rows below the left key (or with a NULL key) match nothing.
          if (!right_started_) {
            r_ = right_.Next(st);
            right_started_ = true;
          }
          while (r_ && (r_->null_key || CompareKeys(f_.key_types, r_->keys, l_->keys) < 0)) {
            if (right_outer_) {
              Clear(*f_.left);
              Place(*f_.right, r_->row);
            }
            r_ = right_.Next(st);
            if (right_outer_) return Finish(st);
          }
          // The run of right rows equal to the left key becomes the group.
          while (r_ && !r_->null_key && CompareKeys(f_.key_types, r_->keys, l_->keys) == 0) {
            group_.push_back(*r_);
            r_ = right_.Next(st);
          }
          group_matched_.assign(group_.size(), false);
          StartScan();
          break;
        }
        case kDrain:
          // Left input done: unmatched group rows, then every right row left.
          if (!right_outer_) return nullptr;
          if (const Row* r = UnmatchedGroupRow(st)) return r;
          if (!right_started_) {
            r_ = right_.Next(st);
            right_started_ = true;
          }
          if (!r_) return nullptr;
          Clear(*f_.left);
          Place(*f_.right, r_->row);
          r_ = right_.Next(st);
          return Finish(st);
      }
    }
  }

 private:
  enum Phase { kNextLeft, kScanGroup, kFlushGroup, kSkipRight, kDrain };

  void StartScan() {
    Place(*f_.left, l_->row);
    gpos_ = 0;
    left_matched_ = false;
    phase_ = kScanGroup;
  }

  const Row* UnmatchedGroupRow(ExecState& st) {
    if (!right_outer_) return nullptr;
    while (fpos_ < group_.size()) {
      size_t i = fpos_++;
      if (group_matched_[i]) continue;
      Clear(*f_.left);
      Place(*f_.right, group_[i].row);
      return Finish(st);
    }
    return nullptr;
  }

  bool CondHolds(ExecState& st) {
    if (cond_.empty()) return true;
    const Datum& ok = cond_[0].Eval(row_.data(), st.ctx);
    return !ok.null && ok.b;
  }

  // Entries are input-row wide: copy the item's slice.
  void Place(const CompiledFrom& c, const Row& wide) {
    for (size_t i = 0; i < c.types.size(); ++i) row_[c.start + i] = wide[c.start + i];
  }

  void Clear(const CompiledFrom& c) {
    for (size_t i = 0; i < c.types.size(); ++i) row_[c.start + i] = Datum::Null();
  }

  const Row* Finish(ExecState& st) {
    st.ctx.session->CheckForInterrupts();
    for (size_t m = 0; m < merged_.size(); ++m) row_[merged_at_ + m] = merged_[m].Eval(row_.data(), st.ctx);
    return &row_;
  }

  const CompiledFrom& f_;
  std::vector<ExprProgram> cond_, merged_;
  MergeInput left_, right_;
  bool left_outer_, right_outer_;
  size_t merged_at_ = 0;
  Row row_;
  Phase phase_ = kNextLeft;
  const Entry* l_ = nullptr;  // current left row
  const Entry* r_ = nullptr;  // next right row not in the group; null at the end
  bool right_started_ = false;
  std::vector<Entry> group_;  // right rows whose keys equal group_[0]'s
  std::vector<bool> group_matched_;
  size_t gpos_ = 0, fpos_ = 0;
  bool left_matched_ = false;
};

}  // namespace

std::unique_ptr<PlanNode> MakeMergeJoin(const CompiledFrom& f, size_t width, ExecState& st) {
  return std::make_unique<MergeJoin>(f, width, st);
}

}  // namespace tusk::sql
