// Window nodes (invariant 47). WindowKeys widens each row to the window row
// and fills in a window's sort keys; the Sort under a WindowAgg orders rows
// by them; WindowAgg then reads one partition at a time (rows equal on the
// partition keys), computes every function of its window for each row of
// it, and returns the rows in order. Frames are PostgreSQL's: ROWS, RANGE
// and GROUPS with UNBOUNDED / offset / CURRENT ROW bounds and EXCLUDE.
// Aggregates over a frame keep a running state while the frame only grows
// at its end (the default frame and every UNBOUNDED PRECEDING one: linear),
// take rows out again when its start moves and the aggregate can (count,
// sum and avg over exact types, like PostgreSQL's inverse transitions),
// reuse the last value while the frame is unchanged, and otherwise start
// again from the frame's first row.
#include <algorithm>
#include <cmath>

#include "sql/executor/agg_state.h"
#include "sql/executor/plan.h"
#include "sql/functions/registry.h"
#include "sql/session_context.h"
#include "sql/types/datetime.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

class WindowKeys : public PlanNode {
 public:
  WindowKeys(std::unique_ptr<PlanNode> child, std::vector<ExprProgram> keys, int key_base, size_t width)
      : child_(std::move(child)), keys_(std::move(keys)), key_base_(key_base), width_(width) {}
  const Row* Next(ExecState& st) override {
    const Row* r = child_->Next(st);
    if (!r) return nullptr;
    row_ = *r;
    row_.resize(width_);
    for (size_t k = 0; k < keys_.size(); ++k) row_[key_base_ + k] = keys_[k].Eval(row_.data(), st.ctx);
    return &row_;
  }

 private:
  std::unique_ptr<PlanNode> child_;
  std::vector<ExprProgram> keys_;
  int key_base_;
  size_t width_;
  Row row_;
};

bool SameValue(uint32_t type, const Datum& a, const Datum& b) {
  if (a.null || b.null) return a.null == b.null;
  return CompareDatum(type, a, b) == 0;
}

// The rows of a frame: up to three increasing, disjoint ranges [lo, hi)
// (EXCLUDE cuts the current row or its peers out of [start, end)).
struct Frame {
  size_t lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
  int parts = 0;
  void Add(size_t l, size_t h) {
    if (l < h) {
      lo[parts] = l;
      hi[parts] = h;
      ++parts;
    }
  }
  bool operator==(const Frame& o) const {
    if (parts != o.parts) return false;
    for (int p = 0; p < parts; ++p) {
      if (lo[p] != o.lo[p] || hi[p] != o.hi[p]) return false;
    }
    return true;
  }
  size_t Size() const {
    size_t n = 0;
    for (int p = 0; p < parts; ++p) n += hi[p] - lo[p];
    return n;
  }
  // The k-th row (0-based) of the frame; k < Size().
  size_t At(size_t k) const {
    for (int p = 0; p < parts; ++p) {
      if (k < hi[p] - lo[p]) return lo[p] + k;
      k -= hi[p] - lo[p];
    }
    return hi[parts - 1] - 1;
  }
};

class WindowAgg : public PlanNode {
 public:
  WindowAgg(std::unique_ptr<PlanNode> child, const CompiledWindow& w, size_t width, ExecState& st)
      : child_(std::move(child)), w_(w), width_(width) {
    auto bind = [&](std::vector<ExprProgram>& progs) {
      for (auto& p : progs) p.BindParams(st.params);
    };
    bind(w_.keys);
    bind(w_.start_offset);
    bind(w_.end_offset);
    bind(w_.range_add);
    bind(w_.range_sub);
    for (auto& f : w_.funcs) {
      bind(f.args);
      bind(f.agg_arg);
      bind(f.agg_arg2);
      bind(f.filter);
    }
  }

  const Row* Next(ExecState& st) override {
    if (!started_) Start(st);
    while (pos_ >= part_.size()) {
      if (!LoadPartition(st)) return nullptr;
    }
    st.ctx.session->CheckForInterrupts();
    return &part_[pos_++];
  }

 private:
  // Frame offsets are evaluated once, before the first row (PostgreSQL's
  // calculate_frame_offsets).
  void Start(ExecState& st) {
    started_ = true;
    auto offset = [&](std::vector<ExprProgram>& p, bool is_start, Datum* out) {
      if (p.empty()) return;
      *out = p[0].Eval(nullptr, st.ctx);
      const char* which = is_start ? "starting" : "ending";
      if (out->null) throw PgError("22004", std::string("frame ") + which + " offset must not be null");
      if (w_.mode != FrameMode::kRange && out->i < 0) {
        throw PgError("22013", std::string("frame ") + which + " offset must not be negative");
      }
    };
    offset(w_.start_offset, true, &start_off_);
    offset(w_.end_offset, false, &end_off_);
  }

  bool LoadPartition(ExecState& st) {
    part_.clear();
    pos_ = 0;
    if (have_pending_) {
      part_.push_back(std::move(pending_));
      have_pending_ = false;
    } else {
      const Row* r = child_done_ ? nullptr : child_->Next(st);
      if (!r) {
        child_done_ = true;
        return false;
      }
      part_.push_back(*r);
      part_.back().resize(width_);
    }
    while (!child_done_) {
      const Row* r = child_->Next(st);
      if (!r) {
        child_done_ = true;
        break;
      }
      if (!SamePartition(part_[0], *r)) {
        pending_ = *r;
        pending_.resize(width_);
        have_pending_ = true;
        break;
      }
      part_.push_back(*r);
      part_.back().resize(width_);
    }
    Compute(st);
    return true;
  }

  bool SamePartition(const Row& a, const Row& b) const {
    for (int k = 0; k < w_.npartition; ++k) {
      int c = w_.key_base + k;
      if (!SameValue(w_.types[c], a[c], b[c])) return false;
    }
    return true;
  }

  bool Peers(size_t i, size_t j) const {
    for (int c : w_.order_cols) {
      if (!SameValue(w_.types[c], part_[i][c], part_[j][c])) return false;
    }
    return true;
  }

  void Compute(ExecState& st) {
    const size_t n = part_.size();
    // Peer groups (rows equal on the ORDER BY keys; all rows without one).
    peer_start_.assign(n, 0);
    peer_end_.assign(n, n);
    group_of_.assign(n, 0);
    group_start_.clear();
    group_end_.clear();
    for (size_t i = 0; i < n;) {
      size_t j = i + 1;
      while (j < n && Peers(i, j)) ++j;
      for (size_t k = i; k < j; ++k) {
        peer_start_[k] = i;
        peer_end_[k] = j;
        group_of_[k] = group_start_.size();
      }
      group_start_.push_back(i);
      group_end_.push_back(j);
      i = j;
    }
    if (w_.mode == FrameMode::kRange && (!w_.start_offset.empty() || !w_.end_offset.empty())) PrepareRange(st);
    for (auto& f : w_.funcs) {
      switch (f.kind) {
        case WinFuncKind::kAggregate: ComputeAggregate(f, st); break;
        case WinFuncKind::kFirstValue:
        case WinFuncKind::kLastValue:
        case WinFuncKind::kNthValue: ComputeValue(f, st); break;
        case WinFuncKind::kLag:
        case WinFuncKind::kLead: ComputeLagLead(f, st); break;
        case WinFuncKind::kNtile: ComputeNtile(f, st); break;
        default: ComputeRank(f, st); break;
      }
    }
  }

  void ComputeRank(CompiledWindowFunc& f, ExecState& st) {
    const size_t n = part_.size();
    for (size_t i = 0; i < n; ++i) {
      st.ctx.session->CheckForInterrupts();
      Datum& out = part_[i][f.column];
      switch (f.kind) {
        case WinFuncKind::kRowNumber: out = Datum::Int(static_cast<int64_t>(i + 1)); break;
        case WinFuncKind::kRank: out = Datum::Int(static_cast<int64_t>(peer_start_[i] + 1)); break;
        case WinFuncKind::kDenseRank: out = Datum::Int(static_cast<int64_t>(group_of_[i] + 1)); break;
        case WinFuncKind::kPercentRank:
          out = Datum::Float(n > 1 ? static_cast<double>(peer_start_[i]) / static_cast<double>(n - 1) : 0.0);
          break;
        case WinFuncKind::kCumeDist:
          out = Datum::Float(static_cast<double>(peer_end_[i]) / static_cast<double>(n));
          break;
        default: break;
      }
    }
  }

  // PostgreSQL's window_ntile: the bucket count is read from the first row
  // whose argument is not NULL (NULL rows before it get NULL).
  void ComputeNtile(CompiledWindowFunc& f, ExecState& st) {
    const size_t n = part_.size();
    int64_t ntile = 0, rows_per_bucket = 0, boundary = 0, remainder = 0;
    for (size_t i = 0; i < n; ++i) {
      st.ctx.session->CheckForInterrupts();
      Datum& out = part_[i][f.column];
      if (ntile == 0) {
        Datum buckets = f.args[0].Eval(part_[i].data(), st.ctx);
        if (buckets.null) {
          out = Datum::Null();
          continue;
        }
        if (buckets.i <= 0) throw PgError("22014", "argument of ntile must be greater than zero");
        ntile = 1;
        rows_per_bucket = 0;
        boundary = static_cast<int64_t>(n) / buckets.i;
        if (boundary <= 0) {
          boundary = 1;
        } else {
          remainder = static_cast<int64_t>(n) % buckets.i;
          if (remainder != 0) ++boundary;
        }
      }
      ++rows_per_bucket;
      if (boundary < rows_per_bucket) {
        if (remainder != 0 && ntile == remainder) {
          remainder = 0;
          boundary -= 1;
        }
        ntile += 1;
        rows_per_bucket = 1;
      }
      out = Datum::Int(ntile);
    }
  }

  void ComputeLagLead(CompiledWindowFunc& f, ExecState& st) {
    const int64_t n = static_cast<int64_t>(part_.size());
    const bool lag = f.kind == WinFuncKind::kLag;
    for (int64_t i = 0; i < n; ++i) {
      st.ctx.session->CheckForInterrupts();
      int64_t offset = 1;
      if (f.args.size() >= 2) {
        Datum d = f.args[1].Eval(part_[i].data(), st.ctx);
        if (d.null) {
          part_[i][f.column] = Datum::Null();
          continue;
        }
        offset = d.i;
      }
      int64_t j = lag ? i - offset : i + offset;
      Datum v;
      if (j >= 0 && j < n) {
        v = f.args[0].Eval(part_[j].data(), st.ctx);
      } else if (f.args.size() >= 3) {
        v = f.args[2].Eval(part_[i].data(), st.ctx);
      } else {
        v = Datum::Null();
      }
      part_[i][f.column] = std::move(v);
    }
  }

  void ComputeValue(CompiledWindowFunc& f, ExecState& st) {
    const size_t n = part_.size();
    for (size_t i = 0; i < n; ++i) {
      st.ctx.session->CheckForInterrupts();
      Frame fr = FrameOf(i, st);
      size_t size = fr.Size();
      Datum v = Datum::Null();
      if (f.kind == WinFuncKind::kNthValue) {
        Datum nth = f.args[1].Eval(part_[i].data(), st.ctx);
        if (!nth.null) {
          if (nth.i <= 0) throw PgError("22016", "argument of nth_value must be greater than zero");
          if (static_cast<uint64_t>(nth.i) <= size) v = f.args[0].Eval(part_[fr.At(nth.i - 1)].data(), st.ctx);
        }
      } else if (size > 0) {
        size_t row = f.kind == WinFuncKind::kFirstValue ? fr.At(0) : fr.At(size - 1);
        v = f.args[0].Eval(part_[row].data(), st.ctx);
      }
      part_[i][f.column] = std::move(v);
    }
  }

  void ComputeAggregate(CompiledWindowFunc& f, ExecState& st) {
    const size_t n = part_.size();
    // Inputs once per row: argument(s) and whether FILTER lets the row in.
    args_.resize(n);
    args2_.resize(n);
    pass_.assign(n, true);
    for (size_t j = 0; j < n; ++j) {
      const Datum* row = part_[j].data();
      if (!f.filter.empty()) {
        const Datum& ok = f.filter[0].Eval(row, st.ctx);
        pass_[j] = !ok.null && ok.b;
      }
      if (!f.agg_arg.empty()) args_[j] = f.agg_arg[0].Eval(row, st.ctx);
      if (!f.agg_arg2.empty()) args2_[j] = f.agg_arg2[0].Eval(row, st.ctx);
    }
    AggState state;
    bool running = false;  // state holds exactly the rows [run_lo, run_hi)
    size_t run_lo = 0, run_hi = 0;
    Frame last;
    bool have_last = false;
    Datum value;
    auto add = [&](size_t lo, size_t hi) {
      for (size_t j = lo; j < hi; ++j) {
        if (pass_[j]) AggAccumulate(f.agg, state, args_[j], args2_[j], st.ctx);
      }
    };
    for (size_t i = 0; i < n; ++i) {
      st.ctx.session->CheckForInterrupts();
      Frame fr = FrameOf(i, st);
      if (!(have_last && fr == last)) {
        bool moved = false;
        if (running && fr.parts == 1 && fr.lo[0] >= run_lo && fr.lo[0] <= run_hi && fr.hi[0] >= run_hi) {
          // The frame only lost rows at its start and gained rows at its
          // end: take the first out (where the aggregate can) and add the
          // new ones.
          moved = true;
          for (size_t j = run_lo; j < fr.lo[0] && moved; ++j) {
            if (pass_[j]) moved = AggRemove(f.agg, state, args_[j]);
          }
          if (moved) {
            add(run_hi, fr.hi[0]);
            run_lo = fr.lo[0];
            run_hi = fr.hi[0];
          }
        }
        if (!moved) {
          state = AggState();
          for (int p = 0; p < fr.parts; ++p) add(fr.lo[p], fr.hi[p]);
          running = fr.parts <= 1;
          run_lo = fr.parts ? fr.lo[0] : 0;
          run_hi = fr.parts ? fr.hi[0] : 0;
        }
        value = AggFinal(f.agg, state);
        last = fr;
        have_last = true;
      }
      part_[i][f.column] = value;
    }
  }

  // ---- frames ----

  static size_t AddSat(size_t a, int64_t b, size_t limit) {
    if (b < 0) return a;
    uint64_t ub = static_cast<uint64_t>(b);
    return ub >= limit - std::min(a, limit) ? limit : a + ub;
  }
  static size_t SubSat(size_t a, int64_t b) {
    if (b < 0) return a;
    uint64_t ub = static_cast<uint64_t>(b);
    return ub >= a ? 0 : a - ub;
  }

  Frame FrameOf(size_t i, ExecState& st) {
    const size_t n = part_.size();
    size_t s = 0, e = n;
    const size_t g = group_of_[i];
    const size_t groups = group_start_.size();
    switch (w_.start) {
      case FrameBoundKind::kUnboundedPreceding: s = 0; break;
      case FrameBoundKind::kCurrentRow: s = w_.mode == FrameMode::kRows ? i : peer_start_[i]; break;
      case FrameBoundKind::kOffsetPreceding:
        if (w_.mode == FrameMode::kRows) s = SubSat(i, start_off_.i);
        else if (w_.mode == FrameMode::kGroups) s = group_start_[SubSat(g, start_off_.i)];
        else s = RangeBound(i, true, true, st);
        break;
      case FrameBoundKind::kOffsetFollowing:
        if (w_.mode == FrameMode::kRows) {
          s = AddSat(i, start_off_.i, n);
        } else if (w_.mode == FrameMode::kGroups) {
          size_t gg = AddSat(g, start_off_.i, groups);
          s = gg >= groups ? n : group_start_[gg];
        } else {
          s = RangeBound(i, true, false, st);
        }
        break;
      case FrameBoundKind::kUnboundedFollowing: s = n; break;
    }
    switch (w_.end) {
      case FrameBoundKind::kUnboundedFollowing: e = n; break;
      case FrameBoundKind::kCurrentRow: e = w_.mode == FrameMode::kRows ? i + 1 : peer_end_[i]; break;
      case FrameBoundKind::kOffsetPreceding:
        if (w_.mode == FrameMode::kRows) {
          e = end_off_.i > static_cast<int64_t>(i) ? 0 : i - static_cast<size_t>(end_off_.i) + 1;
        } else if (w_.mode == FrameMode::kGroups) {
          e = end_off_.i > static_cast<int64_t>(g) ? 0 : group_end_[g - static_cast<size_t>(end_off_.i)];
        } else {
          e = RangeBound(i, false, true, st);
        }
        break;
      case FrameBoundKind::kOffsetFollowing:
        if (w_.mode == FrameMode::kRows) {
          e = AddSat(i + 1, end_off_.i, n);
        } else if (w_.mode == FrameMode::kGroups) {
          e = group_end_[std::min(AddSat(g, end_off_.i, groups), groups - 1)];
        } else {
          e = RangeBound(i, false, false, st);
        }
        break;
      case FrameBoundKind::kUnboundedPreceding: e = 0; break;
    }
    if (e < s) e = s;
    Frame fr;
    switch (w_.exclude) {
      case FrameExclusion::kNoOthers: fr.Add(s, e); break;
      case FrameExclusion::kCurrentRow:
        fr.Add(s, std::min(e, i));
        fr.Add(std::max(s, i + 1), e);
        break;
      case FrameExclusion::kGroup:
        fr.Add(s, std::min(e, peer_start_[i]));
        fr.Add(std::max(s, peer_end_[i]), e);
        break;
      case FrameExclusion::kTies:
        fr.Add(s, std::min(e, peer_start_[i]));
        if (i >= s && i < e) fr.Add(i, i + 1);
        fr.Add(std::max(s, peer_end_[i]), e);
        break;
    }
    return fr;
  }

  // ---- RANGE offsets ----

  // The key column, the non-NULL rows [nn_lo_, nn_hi_), and date keys read
  // as timestamps.
  void PrepareRange(ExecState& st) {
    const int c = w_.order_cols[0];
    key_type_ = w_.types[c];
    const size_t n = part_.size();
    nn_lo_ = 0;
    nn_hi_ = n;
    while (nn_lo_ < n && part_[nn_lo_][c].null) ++nn_lo_;
    if (nn_lo_ > 0) {
      nn_hi_ = n;  // NULLS FIRST: the NULLs lead
    } else {
      while (nn_hi_ > 0 && part_[nn_hi_ - 1][c].null) --nn_hi_;
    }
    if (!range_checked_ && n > 0) {
      // in_range's check, made when it first runs.
      range_checked_ = true;
      for (const Datum* off : {&start_off_, &end_off_}) {
        if (off->null) continue;
        if (Negative(*off)) throw PgError("22013", "invalid preceding or following size in window function");
      }
    }
    (void)st;
  }

  bool Negative(const Datum& off) const {
    switch (key_type_) {
      case oid::kInt2: case oid::kInt4: case oid::kInt8: return off.i < 0;
      case oid::kNumeric: return off.n.is_nan() || off.n.Compare(Numeric::FromInt(0)) < 0;
      case oid::kFloat4: case oid::kFloat8: return std::isnan(off.f) || off.f < 0;
      default: {
        // interval: compared as PostgreSQL's interval_cmp (months as 30 days)
        __int128 v = (static_cast<__int128>(off.months) * 30 + off.days) * kUsecPerDay + off.i;
        return v < 0;
      }
    }
  }

  // The key of row j in the bound's type (a date as a timestamp).
  Datum KeyAt(size_t j) const {
    Datum d = part_[j][w_.order_cols[0]];
    if (key_type_ == oid::kDate && !d.null) d.i = d.i * kUsecPerDay;
    return d;
  }

  // sign(key_j - bound) in the key type's own order, where bound is
  // key_i + off (add) or key_i - off.
  struct Bound {
    __int128 iv = 0;
    Datum d;
  };
  Bound MakeBound(size_t i, const Datum& off, bool add, ExecState& st) {
    Bound b;
    const Datum& key = part_[i][w_.order_cols[0]];
    switch (key_type_) {
      case oid::kInt2: case oid::kInt4: case oid::kInt8:
        b.iv = add ? static_cast<__int128>(key.i) + off.i : static_cast<__int128>(key.i) - off.i;
        break;
      case oid::kNumeric: b.d = Datum::Num(add ? key.n.Add(off.n) : key.n.Sub(off.n)); break;
      case oid::kFloat4: case oid::kFloat8: b.d = Datum::Float(add ? key.f + off.f : key.f - off.f); break;
      default: {
        Row args{key, off};
        b.d = (add ? w_.range_add : w_.range_sub)[0].Eval(args.data(), st.ctx);
        break;
      }
    }
    return b;
  }
  int CompareToBound(size_t j, const Bound& b) const {
    switch (key_type_) {
      case oid::kInt2: case oid::kInt4: case oid::kInt8: {
        __int128 v = part_[j][w_.order_cols[0]].i;
        return v < b.iv ? -1 : v > b.iv ? 1 : 0;
      }
      case oid::kFloat4: case oid::kFloat8: return CompareDatum(oid::kFloat8, part_[j][w_.order_cols[0]], b.d);
      case oid::kDate: return CompareDatum(oid::kTimestamp, KeyAt(j), b.d);
      default: return CompareDatum(key_type_, part_[j][w_.order_cols[0]], b.d);
    }
  }

  // First row of a RANGE frame (is_start) or the row after its last one,
  // for an offset PRECEDING (preceding) or FOLLOWING bound of row i.
  size_t RangeBound(size_t i, bool is_start, bool preceding, ExecState& st) {
    const int c = w_.order_cols[0];
    if (part_[i][c].null) return is_start ? peer_start_[i] : peer_end_[i];
    const bool desc = w_.order_desc[0];
    const Datum& off = is_start ? start_off_ : end_off_;
    // Ascending, PRECEDING subtracts; descending order flips the direction.
    Bound b = MakeBound(i, off, preceding == desc, st);
    auto dir = [&](size_t j) { return desc ? -CompareToBound(j, b) : CompareToBound(j, b); };
    // Keys increase (in the sort direction) over [nn_lo_, nn_hi_): find the
    // first row at or past the bound (start), or past it (end).
    size_t lo = nn_lo_, hi = nn_hi_;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      int cmp = dir(mid);
      bool before = is_start ? cmp < 0 : cmp <= 0;
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  std::unique_ptr<PlanNode> child_;
  CompiledWindow w_;
  size_t width_;
  bool started_ = false;
  bool child_done_ = false;
  Datum start_off_, end_off_;
  std::vector<Row> part_;
  size_t pos_ = 0;
  Row pending_;
  bool have_pending_ = false;
  std::vector<size_t> peer_start_, peer_end_, group_of_, group_start_, group_end_;
  std::vector<Datum> args_, args2_;
  std::vector<bool> pass_;
  uint32_t key_type_ = 0;
  size_t nn_lo_ = 0, nn_hi_ = 0;
  bool range_checked_ = false;
};

}  // namespace

std::unique_ptr<PlanNode> MakeWindowKeys(std::unique_ptr<PlanNode> child, const CompiledWindow& w, size_t width,
                                         ExecState& st) {
  return std::make_unique<WindowKeys>(std::move(child), BindPrograms(w.keys, st), w.key_base, width);
}

std::unique_ptr<PlanNode> MakeWindowAgg(std::unique_ptr<PlanNode> child, const CompiledWindow& w, size_t width,
                                        ExecState& st) {
  return std::make_unique<WindowAgg>(std::move(child), w, width, st);
}

}  // namespace tusk::sql
