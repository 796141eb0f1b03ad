// Plan node implementations. Aggregation and sorting materialize their
// input; everything else streams one row at a time.
#include "sql/executor/plan.h"

#include <cmath>
#include <algorithm>
#include <unordered_set>

#include "sql/executor/agg_groups.h"
#include "sql/executor/compile.h"
#include "sql/executor/parallel_scan.h"
#include "sql/functions/registry.h"
#include "sql/session_context.h"
#include "sql/types/array.h"
#include "sql/types/record.h"
#include "sql/types/type_io.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {

// Encodes values into a hashable key for GROUP BY and DISTINCT; equal
// intervals ('1 day', '24 hours') and character(n) values differing only in
// trailing spaces share a key. Floats do not (-0 and 0), so they are never
// hash join keys.
void AppendKey(uint32_t type, const Datum& d, const IoContext& io, std::string& key) {
  if (d.null) {
    key += '\x01';
    return;
  }
  key += '\x02';
  switch (type) {
    // Fixed-width values as their bytes, text as itself: a key is only ever
    // compared with keys of the same column, so any one-to-one encoding
    // works, and formatting each row's value as text was a tenth of GROUP BY.
    case oid::kInt2: case oid::kInt4: case oid::kInt8: case oid::kDate: case oid::kTimestamp:
    case oid::kTimestamptz: case oid::kBool: {
      const int64_t v = type == oid::kBool ? d.b : d.i;
      key.append(reinterpret_cast<const char*>(&v), sizeof v);
      key += '\x00';
      return;
    }
    case oid::kText: case oid::kVarchar:
      key += d.s;  // text holds no NUL, so the terminator below ends it
      key += '\x00';
      return;
    default: break;
  }
  if (d.rec) {
    for (size_t i = 0; i < d.rec->fields.size(); ++i) AppendKey(d.rec->desc->types[i], d.rec->fields[i], io, key);
  } else if (d.arr) {
    // Element-wise, so arrays equal under = ({1.0} and {1.00}) share a key.
    key += std::to_string(d.arr->lbound) + ':';
    for (const Datum& e : d.arr->elems) AppendKey(d.arr->elem_type, e, io, key);
  } else if (type == oid::kNumeric && !d.n.is_nan()) {
    // 1.0 and 1.00 are the same group: strip trailing fractional zeros.
    std::string s = d.n.ToString();
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0') s.pop_back();
      if (s.back() == '.') s.pop_back();
    }
    key += s;
  } else if (type == oid::kInterval) {
    // '1 day' = '24 hours': compare as CompareDatum does, months as 30 days.
    __int128 v = (static_cast<__int128>(d.months) * 30 + d.days) * 86400000000LL + d.i;
    bool neg = v < 0;
    unsigned __int128 m = neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
    std::string digits;
    do {
      digits.push_back(static_cast<char>('0' + static_cast<int>(m % 10)));
      m /= 10;
    } while (m);
    key += neg ? "-" : "";
    key.append(digits.rbegin(), digits.rend());
  } else if (IsRegType(type) || type == oid::kPgLsn || type == oid::kXid8) {
    key += std::to_string(static_cast<uint64_t>(type == oid::kPgLsn || type == oid::kXid8 ? d.i : d.i & 0xffffffff));
  } else if (type == oid::kBpchar) {
    // Trailing spaces are insignificant for character(n).
    size_t n = d.s.find_last_not_of(' ');
    key.append(d.s, 0, n == std::string::npos ? 0 : n + 1);
  } else {
    TextOut(type, d, io, key);
  }
  key += '\x00';
}

namespace {

class ValuesScan : public PlanNode {
 public:
  explicit ValuesScan(std::vector<std::vector<ExprProgram>> rows) : rows_(std::move(rows)) {}
  const Row* Next(ExecState& st) override {
    if (pos_ >= rows_.size()) return nullptr;
    auto& progs = rows_[pos_++];
    row_.resize(progs.size());
    for (size_t i = 0; i < progs.size(); ++i) row_[i] = progs[i].Eval(nullptr, st.ctx);
    return &row_;
  }

 private:
  std::vector<std::vector<ExprProgram>> rows_;
  size_t pos_ = 0;
  Row row_;
};

class TableScan : public PlanNode {
 public:
  TableScan(VirtualTable* t, std::vector<uint32_t> types) : table_(t), types_(std::move(types)) {}
  const Row* Next(ExecState& st) override {
    if (!loaded_) {
      rows_ = table_->Rows();  // a consistent snapshot of the view
      loaded_ = true;
    }
    if (pos_ >= rows_.size()) return nullptr;
    st.ctx.session->CheckForInterrupts();
    const auto& src = rows_[pos_++];
    row_.resize(types_.size());
    for (size_t i = 0; i < types_.size(); ++i) {
      if (i >= src.size() || !src[i]) {
        row_[i].null = true;
      } else {
        row_[i] = TextIn(types_[i], *src[i], st.ctx.io);
      }
    }
    return &row_;
  }

 private:
  VirtualTable* table_;
  std::vector<uint32_t> types_;
  std::vector<std::vector<std::optional<std::string>>> rows_;
  bool loaded_ = false;
  size_t pos_ = 0;
  Row row_;
};

// Rows of a stored table (sequential or index scan), each followed by its
// ctid packed into an int8 (block << 16 | offset).
class StoredScan : public PlanNode {
 public:
  StoredScan(std::shared_ptr<StoredTable> t, int index, std::vector<ExprProgram> eq, const CompiledFrom& f,
             ExecState& st)
      : table_(std::move(t)), index_(index), eq_(std::move(eq)),
        lower_(BindPrograms(f.index_lower, st)), upper_(BindPrograms(f.index_upper, st)),
        in_(BindPrograms(f.index_in, st)), lower_incl_(f.index_lower_incl), upper_incl_(f.index_upper_incl),
        backward_(f.index_backward),
        key_type_(f.types.empty() || f.index < 0 ? 0 : f.types[table_->indexes[f.index].columns[0]]),
        needed_(f.needed.size() == table_->columns.size() ? &f.needed : nullptr), blocks_(f.blocks) {}
  const Row* Next(ExecState& st) override {
    if (!in_.empty()) return NextInList(st);
    if (!scan_) {
      if (index_ >= 0) {
        IndexCondition cond;
        for (auto& p : eq_) {
          const Datum& d = p.Eval(nullptr, st.ctx);
          if (d.null) return nullptr;  // "= NULL" matches nothing
          cond.eq.push_back(d);
        }
        if (!lower_.empty()) {
          const Datum& d = lower_[0].Eval(nullptr, st.ctx);
          if (d.null) return nullptr;
          cond.has_lower = true;
          cond.lower = d;
          cond.lower_inclusive = lower_incl_;
        }
        if (!upper_.empty()) {
          const Datum& d = upper_[0].Eval(nullptr, st.ctx);
          if (d.null) return nullptr;
          cond.has_upper = true;
          cond.upper = d;
          cond.upper_inclusive = upper_incl_;
        }
        cond.backward = backward_;
        scan_ = table_->ScanIndex(table_->indexes[index_], cond);
      } else {
        scan_ = blocks_ ? table_->ScanBlocks(blocks_) : table_->Scan();
      }
      scan_->SetNeeded(needed_);
      row_.resize(table_->columns.size() + 1);
    }
    st.ctx.session->CheckForInterrupts();
    TupleId tid;
    if (!scan_->Next(row_, &tid)) return nullptr;
    SetCtid(tid);
    return &row_;
  }

 private:
  std::shared_ptr<StoredTable> table_;
  int index_;
  std::vector<ExprProgram> eq_;
  // IN list: distinct non-null values, scanned one after the other.
  const Row* NextInList(ExecState& st) {
    if (!in_started_) {
      in_started_ = true;
      for (auto& p : in_) {
        const Datum& d = p.Eval(nullptr, st.ctx);
        if (!d.null) in_values_.push_back(d);
      }
      std::sort(in_values_.begin(), in_values_.end(),
                [&](const Datum& a, const Datum& b) { return CompareDatum(key_type_, a, b) < 0; });
      in_values_.erase(std::unique(in_values_.begin(), in_values_.end(),
                                   [&](const Datum& a, const Datum& b) { return CompareDatum(key_type_, a, b) == 0; }),
                       in_values_.end());
      row_.resize(table_->columns.size() + 1);
    }
    for (;;) {
      if (!scan_) {
        if (in_pos_ >= in_values_.size()) return nullptr;
        IndexCondition cond;
        cond.eq.push_back(in_values_[in_pos_++]);
        scan_ = table_->ScanIndex(table_->indexes[index_], cond);
        scan_->SetNeeded(needed_);
      }
      st.ctx.session->CheckForInterrupts();
      TupleId tid;
      if (scan_->Next(row_, &tid)) {
        SetCtid(tid);
        return &row_;
      }
      scan_.reset();
    }
  }

  // The hidden ctid after the columns (the scan leaves the row that long).
  void SetCtid(TupleId tid) {
    row_.resize(table_->columns.size() + 1);
    Datum& d = row_.back();
    d.null = false;
    d.i = PackTupleId(tid);
  }

  std::vector<ExprProgram> lower_, upper_, in_;
  bool lower_incl_, upper_incl_;
  bool backward_;
  uint32_t key_type_;
  const std::vector<bool>* needed_;  // the plan's; null: every column
  std::function<bool(uint32_t*)> blocks_;
  bool in_started_ = false;
  std::vector<Datum> in_values_;
  size_t in_pos_ = 0;
  std::unique_ptr<RowScan> scan_;
  Row row_;
};

// FOR UPDATE / FOR SHARE: locks each marked table's row of every row that
// passed WHERE. A row a committed transaction changed meanwhile is re-read
// at its newest version and WHERE checked again (READ COMMITTED); rows
// deleted meanwhile, or locked under SKIP LOCKED, are left out.
class LockRows : public PlanNode {
 public:
  LockRows(std::unique_ptr<PlanNode> child, std::vector<RowMark> marks, std::vector<ExprProgram> recheck)
      : child_(std::move(child)), marks_(std::move(marks)), recheck_(std::move(recheck)) {
    static const char* const kCommands[] = {"SELECT FOR UPDATE", "SELECT FOR NO KEY UPDATE", "SELECT FOR SHARE",
                                            "SELECT FOR KEY SHARE"};
    for (const RowMark& m : marks_) m.table->LockForRowMarks(kCommands[m.strength]);
  }
  const Row* Next(ExecState& st) override {
    while (const Row* r = child_->Next(st)) {
      row_ = *r;
      if (LockAll(st)) return &row_;
    }
    return nullptr;
  }

 private:
  bool LockAll(ExecState& st) {
    for (const RowMark& m : marks_) {
      static const RowLock kModes[] = {RowLock::kUpdate, RowLock::kNoKeyUpdate, RowLock::kShare, RowLock::kKeyShare};
      static const RowLockWait kWaits[] = {RowLockWait::kBlock, RowLockWait::kNoWait, RowLockWait::kSkipLocked};
      Datum& ctid = row_[m.start + m.width];
      for (;;) {
        TupleId newer;
        ModifyResult res = m.table->Lock(UnpackTupleId(ctid.i), kModes[m.strength], kWaits[m.wait], &newer);
        if (res == ModifyResult::kOk || res == ModifyResult::kSelfModified) break;
        if (res == ModifyResult::kDeleted) return false;
        TupleId at;
        if (!m.table->FetchLatest(newer, latest_, &at)) return false;
        for (int i = 0; i < m.width; ++i) row_[m.start + i] = latest_[i];
        ctid = Datum::Int(PackTupleId(at));
        if (!recheck_.empty()) {
          const Datum& ok = recheck_[0].Eval(row_.data(), st.ctx);
          if (ok.null || !ok.b) return false;
        }
      }
    }
    return true;
  }

  std::unique_ptr<PlanNode> child_;
  std::vector<RowMark> marks_;
  std::vector<ExprProgram> recheck_;
  Row row_, latest_;
};

class Filter : public PlanNode {
 public:
  Filter(std::unique_ptr<PlanNode> child, ExprProgram cond) : child_(std::move(child)), cond_(std::move(cond)) {}
  const Row* Next(ExecState& st) override {
    while (const Row* r = child_->Next(st)) {
      const Datum& d = cond_.Eval(r->data(), st.ctx);
      if (!d.null && d.b) return r;
    }
    return nullptr;
  }

 private:
  std::unique_ptr<PlanNode> child_;
  ExprProgram cond_;
};

class Aggregate : public PlanNode {
 public:
  Aggregate(std::unique_ptr<PlanNode> child, const CompiledQuery& q)
      : child_(std::move(child)),
        keys_(q.group_keys),
        args_(q.agg_args),
        args2_(q.agg_args2),
        filters_(q.agg_filters),
        orders_(q.agg_orders),
        aggs_(q.aggs),
        groups_(keys_, args_, args2_, filters_, &orders_, aggs_) {}

  const Row* Next(ExecState& st) override {
    if (!done_) {
      done_ = true;
      while (const Row* r = child_->Next(st)) groups_.Add(*r, st.ctx);
    }
    if (pos_ >= groups_.size()) return nullptr;
    groups_.Final(pos_++, &row_, st.ctx);
    return &row_;
  }

 private:
  std::unique_ptr<PlanNode> child_;
  // The programs, before groups_ which refers to them.
  std::vector<ExprProgram> keys_;
  std::vector<ExprProgram> args_;
  std::vector<ExprProgram> args2_;
  std::vector<ExprProgram> filters_;
  std::vector<std::vector<ExprProgram>> orders_;
  std::vector<AggSpec> aggs_;
  AggGroups groups_;
  bool done_ = false;
  size_t pos_ = 0;
  Row row_;
};

class Project : public PlanNode {
 public:
  Project(std::unique_ptr<PlanNode> child, std::vector<ExprProgram> targets)
      : child_(std::move(child)), targets_(std::move(targets)) {}
  const Row* Next(ExecState& st) override {
    const Row* r = child_->Next(st);
    if (!r) return nullptr;
    row_.resize(targets_.size());
    for (size_t i = 0; i < targets_.size(); ++i) row_[i] = targets_[i].Eval(r->data(), st.ctx);
    return &row_;
  }

 private:
  std::unique_ptr<PlanNode> child_;
  std::vector<ExprProgram> targets_;
  Row row_;
};

class Distinct : public PlanNode {
 public:
  Distinct(std::unique_ptr<PlanNode> child, std::vector<uint32_t> types, size_t n)
      : child_(std::move(child)), types_(std::move(types)), n_(n) {}
  const Row* Next(ExecState& st) override {
    while (const Row* r = child_->Next(st)) {
      std::string key;
      for (size_t i = 0; i < n_; ++i) AppendKey(types_[i], (*r)[i], st.ctx.io, key);
      if (seen_.insert(key).second) return r;
    }
    return nullptr;
  }

 private:
  std::unique_ptr<PlanNode> child_;
  std::vector<uint32_t> types_;
  size_t n_;
  std::unordered_set<std::string> seen_;
};

// Keeps the first row of each run of rows equal (NULLs equal) on `cols`.
class DistinctOn : public PlanNode {
 public:
  DistinctOn(std::unique_ptr<PlanNode> child, std::vector<uint32_t> types, std::vector<int> cols)
      : child_(std::move(child)), types_(std::move(types)), cols_(std::move(cols)) {}
  const Row* Next(ExecState& st) override {
    while (const Row* r = child_->Next(st)) {
      if (have_prev_ && Same(*r)) continue;
      prev_ = *r;
      have_prev_ = true;
      return r;
    }
    return nullptr;
  }

 private:
  bool Same(const Row& r) const {
    for (int c : cols_) {
      const Datum& a = prev_[c];
      const Datum& b = r[c];
      if (a.null || b.null) {
        if (a.null != b.null) return false;
        continue;
      }
      if (CompareDatum(types_[c], a, b) != 0) return false;
    }
    return true;
  }

  std::unique_ptr<PlanNode> child_;
  std::vector<uint32_t> types_;
  std::vector<int> cols_;
  Row prev_;
  bool have_prev_ = false;
};

// ORDER BY. With a bound (ORDER BY ... LIMIT n [OFFSET m]: n + m rows are
// ever needed) only that many rows are kept, in a heap whose top is the
// worst kept row, as PostgreSQL's top-N heapsort; otherwise all rows are
// sorted. Ties keep input order either way (the input position breaks them).
class Sort : public PlanNode {
 public:
  Sort(std::unique_ptr<PlanNode> child, std::vector<SortKey> keys, std::vector<uint32_t> types, int64_t bound)
      : child_(std::move(child)), keys_(std::move(keys)), types_(std::move(types)), bound_(bound) {}
  const Row* Next(ExecState& st) override {
    if (!sorted_) {
      if (bound_ >= 0) {
        TopN(st);
      } else {
        while (const Row* r = child_->Next(st)) rows_.push_back({*r, rows_.size()});
        std::sort(rows_.begin(), rows_.end(), [&](const Entry& a, const Entry& b) { return Less(a.row, a.seq, b.row, b.seq); });
      }
      sorted_ = true;
    }
    return pos_ < rows_.size() ? &rows_[pos_++].row : nullptr;
  }

 private:
  struct Entry {
    Row row;
    size_t seq;
  };
  bool Less(const Row& a, size_t sa, const Row& b, size_t sb) const {
    for (const auto& k : keys_) {
      const Datum& x = a[k.column];
      const Datum& y = b[k.column];
      if (x.null || y.null) {
        if (x.null && y.null) continue;
        return x.null ? k.nulls_first : !k.nulls_first;
      }
      int c = CompareDatum(types_[k.column], x, y);
      if (c != 0) return k.desc ? c > 0 : c < 0;
    }
    return sa < sb;
  }
  void TopN(ExecState& st) {
    auto heap_less = [&](const Entry& a, const Entry& b) { return Less(a.row, a.seq, b.row, b.seq); };
    const size_t bound = static_cast<size_t>(bound_);
    size_t seq = 0;
    while (const Row* r = child_->Next(st)) {
      if (rows_.size() < bound) {
        rows_.push_back({*r, seq});
        std::push_heap(rows_.begin(), rows_.end(), heap_less);
      } else if (bound > 0 && Less(*r, seq, rows_.front().row, rows_.front().seq)) {
        std::pop_heap(rows_.begin(), rows_.end(), heap_less);
        rows_.back() = {*r, seq};
        std::push_heap(rows_.begin(), rows_.end(), heap_less);
      }
      ++seq;
    }
    std::sort_heap(rows_.begin(), rows_.end(), heap_less);
  }

  std::unique_ptr<PlanNode> child_;
  std::vector<SortKey> keys_;
  std::vector<uint32_t> types_;
  int64_t bound_;  // -1: none
  std::vector<Entry> rows_;
  bool sorted_ = false;
  size_t pos_ = 0;
};

class Limit : public PlanNode {
 public:
  Limit(std::unique_ptr<PlanNode> child, int64_t offset, int64_t limit)
      : child_(std::move(child)), offset_(offset), limit_(limit) {}
  const Row* Next(ExecState& st) override {
    while (offset_ > 0) {
      if (!child_->Next(st)) return nullptr;
      --offset_;
    }
    if (limit_ == 0) return nullptr;
    if (limit_ > 0) --limit_;
    return child_->Next(st);
  }

 private:
  std::unique_ptr<PlanNode> child_;
  int64_t offset_, limit_;  // limit -1 = none
};

}  // namespace

bool TopNOverInput(const CompiledQuery& q, TopN* top) {
  if (!q.distinct_on.empty() || q.distinct ||
      !std::all_of(q.targets.begin(), q.targets.end(),
                   [](const ExprProgram& p) { return p.steps.empty() && p.result < 0; }))
    return false;
  top->keys = q.sort;
  top->types.clear();
  for (SortKey& k : top->keys) {
    const auto target = static_cast<size_t>(k.column);
    const auto input = static_cast<size_t>(-1 - q.targets[target].result);
    if (top->types.size() <= input) top->types.resize(input + 1);
    top->types[input] = q.target_types[target];
    k.column = static_cast<decltype(k.column)>(input);
  }
  return true;
}

namespace {

int64_t EvalCount(const std::vector<ExprProgram>& p, ExecState& st, bool is_limit) {
  if (p.empty()) return is_limit ? -1 : 0;
  ExprProgram prog = p[0];
  prog.BindParams(st.params);
  const Datum& d = prog.Eval(nullptr, st.ctx);
  if (d.null) return is_limit ? -1 : 0;
  if (d.i < 0) {
    throw PgError(is_limit ? "2201W" : "2201X", is_limit ? "LIMIT must not be negative" : "OFFSET must not be negative");
  }
  return d.i;
}

}  // namespace

std::unique_ptr<PlanNode> MakeSort(std::unique_ptr<PlanNode> child, std::vector<SortKey> keys,
                                   std::vector<uint32_t> types, int64_t bound) {
  return std::make_unique<Sort>(std::move(child), std::move(keys), std::move(types), bound);
}

static std::shared_ptr<const CompiledFrom> CompileFrom(const AnalyzedFrom& f, size_t np) {
  auto c = std::make_shared<CompiledFrom>();
  c->kind = f.kind;
  c->start = f.start;
  c->types = f.types;
  c->table = f.table;
  c->stored = f.stored;
  c->needed = f.needed;
  c->index = f.index;
  for (const auto& k : f.index_eq) c->index_eq.push_back(CompileExpr(*k, np));
  for (const auto& k : f.index_in) c->index_in.push_back(CompileExpr(*k, np));
  c->index_backward = f.index_backward;
  if (f.index_lower) c->index_lower.push_back(CompileExpr(*f.index_lower, np));
  if (f.index_upper) c->index_upper.push_back(CompileExpr(*f.index_upper, np));
  c->index_lower_incl = f.index_lower_incl;
  c->index_upper_incl = f.index_upper_incl;
  if (f.subquery) c->subquery = std::make_shared<const CompiledQuery>(CompileQuery(*f.subquery, np));
  c->cte_id = f.cte_id;
  c->lateral = f.lateral;
  c->join = f.join;
  if (f.left) c->left = CompileFrom(*f.left, np);
  if (f.right) c->right = CompileFrom(*f.right, np);
  if (f.cond) c->cond.push_back(CompileExpr(*f.cond, np));
  for (const auto& m : f.merged) c->merged.push_back(CompileExpr(*m, np));
  for (const auto& k : f.left_keys) {
    c->left_keys.push_back(CompileExpr(*k, np));
    c->key_types.push_back(k->type);
  }
  for (const auto& k : f.right_keys) c->right_keys.push_back(CompileExpr(*k, np));
  c->merge = f.merge;
  c->sort_left = f.sort_left;
  c->sort_right = f.sort_right;
  c->srf = f.srf;
  for (const auto& a : f.func_args) c->func_args.push_back(CompileExpr(*a, np));
  c->ordinality = f.ordinality;
  return c;
}

// Window nodes: rows [pre-window columns (W) | results (F) | sort keys].
static void CompileWindows(const AnalyzedQuery& q, size_t np, CompiledQuery* c) {
  const int W = static_cast<int>(q.window_input_types.size());
  const int F = static_cast<int>(q.window_funcs.size());
  std::vector<uint32_t> base = q.window_input_types;
  for (const auto& f : q.window_funcs) base.push_back(f.result_type);
  size_t width = base.size();
  std::vector<uint32_t> key_types;  // of the key columns the last sort wrote
  for (const WindowStep& step : q.window_steps) {
    const WindowClause& wc = q.windows[step.window];
    CompiledWindow w;
    w.sort = step.sort;
    w.key_base = W + F;
    if (step.sort) {
      key_types.clear();
      for (size_t k = 0; k < step.keys.size(); ++k) {
        w.keys.push_back(CompileExpr(*step.keys[k].expr, np));
        key_types.push_back(step.keys[k].expr->type);
        w.sort_keys.push_back({W + F + static_cast<int>(k), step.keys[k].desc, step.keys[k].nulls_first});
      }
    }
    w.types = base;
    w.types.insert(w.types.end(), key_types.begin(), key_types.end());
    width = std::max(width, w.types.size());
    w.npartition = step.npartition;
    for (size_t j = 0; j < step.order_pos.size(); ++j) {
      w.order_cols.push_back(W + F + step.order_pos[j]);
      w.order_desc.push_back(wc.order[j].desc);
      w.order_nulls_first.push_back(wc.order[j].nulls_first);
    }
    if (wc.has_frame) {
      w.mode = wc.mode;
      w.start = wc.start;
      w.end = wc.end;
      w.exclude = wc.exclude;
    }
    if (wc.start_offset) w.start_offset.push_back(CompileExpr(*wc.start_offset, np));
    if (wc.end_offset) w.end_offset.push_back(CompileExpr(*wc.end_offset, np));
    if (wc.range_add) w.range_add.push_back(CompileExpr(*wc.range_add, np));
    if (wc.range_sub) w.range_sub.push_back(CompileExpr(*wc.range_sub, np));
    for (int i = 0; i < F; ++i) {
      const WindowFuncCall& f = q.window_funcs[i];
      if (f.window != step.window) continue;
      CompiledWindowFunc cf;
      cf.kind = f.kind;
      cf.column = W + i;
      for (const auto& a : f.args) cf.args.push_back(CompileExpr(*a, np));
      if (f.kind == WinFuncKind::kAggregate) {
        const AggCall& a = f.agg;
        cf.agg.def = a.def;
        cf.agg.arg_type = a.arg_type;
        cf.agg.arg2_type = a.arg2_type;
        cf.agg.result_type = a.result_type;
        cf.agg.has_filter = a.filter != nullptr;
        if (a.arg) cf.agg_arg.push_back(CompileExpr(*a.arg, np));
        if (a.arg2) cf.agg_arg2.push_back(CompileExpr(*a.arg2, np));
        if (a.filter) cf.filter.push_back(CompileExpr(*a.filter, np));
      }
      w.funcs.push_back(std::move(cf));
    }
    c->windows.push_back(std::move(w));
  }
  c->window_width = width;
}

CompiledQuery CompileQuery(const AnalyzedQuery& q, size_t np) {
  CompiledQuery c;
  if (q.from) c.from = CompileFrom(*q.from, np);
  c.input_width = q.input_types.size();
  for (const auto& cte : q.ctes) c.ctes.emplace_back(cte.id, std::make_shared<const CompiledQuery>(CompileQuery(*cte.query, np)));
  c.op = q.op;
  c.set_all = q.set_all;
  c.recursive = q.recursive;
  c.cte_id = q.cte_id;
  if (q.larg) c.larg = std::make_shared<const CompiledQuery>(CompileQuery(*q.larg, np));
  if (q.rarg) c.rarg = std::make_shared<const CompiledQuery>(CompileQuery(*q.rarg, np));
  for (const auto& e : q.larg_cast) c.larg_cast.push_back(CompileExpr(*e, np));
  for (const auto& e : q.rarg_cast) c.rarg_cast.push_back(CompileExpr(*e, np));
  if (q.op != SetOpKind::kNone) {
    for (size_t i = 0; i < q.visible; ++i) c.target_types.push_back(q.columns[i].type);
  }
  c.input_types = q.input_types;
  for (auto& row : q.values) {
    std::vector<ExprProgram> progs;
    for (auto& e : row) progs.push_back(CompileExpr(*e, np));
    c.values.push_back(std::move(progs));
  }
  if (q.where) c.where.push_back(CompileExpr(*q.where, np));
  c.aggregated = q.aggregated;
  for (auto& k : q.group_keys) c.group_keys.push_back(CompileExpr(*k, np));
  for (auto& a : q.aggs) {
    c.agg_args.push_back(a.arg ? CompileExpr(*a.arg, np) : ExprProgram());
    c.agg_args2.push_back(a.arg2 ? CompileExpr(*a.arg2, np) : ExprProgram());
    c.agg_filters.push_back(a.filter ? CompileExpr(*a.filter, np) : ExprProgram());
    AggSpec spec;
    spec.def = a.def;
    spec.distinct = a.distinct;
    spec.arg_type = a.arg_type;
    spec.result_type = a.result_type;
    spec.arg2_type = a.arg2_type;
    spec.has_filter = a.filter != nullptr;
    std::vector<ExprProgram> order;
    for (const auto& k : a.order) {
      order.push_back(CompileExpr(*k.expr, np));
      spec.order_types.push_back(k.expr->type);
      spec.order_desc.push_back(k.desc);
      spec.order_nulls_first.push_back(k.nulls_first);
    }
    c.agg_orders.push_back(std::move(order));
    c.aggs.push_back(std::move(spec));
  }
  if (q.having) c.having.push_back(CompileExpr(*q.having, np));
  c.srf_levels = CompileSrfLevels(q.srf_levels, np);
  c.group_srf_levels = CompileSrfLevels(q.group_srf_levels, np);
  if (!q.window_steps.empty()) CompileWindows(q, np, &c);
  for (auto& t : q.targets) {
    c.targets.push_back(CompileExpr(*t, np));
    c.target_types.push_back(t->type);
  }
  c.visible = q.visible;
  c.distinct = q.distinct;
  c.distinct_on = q.distinct_on;
  c.sort = q.sort;
  c.sorted_by_index = q.sorted_by_index;
  c.sorted_by_window = q.sorted_by_window;
  c.row_marks = q.row_marks;
  if (q.limit) c.limit.push_back(CompileExpr(*q.limit, np));
  if (q.offset) c.offset.push_back(CompileExpr(*q.offset, np));
  return c;
}

std::vector<ExprProgram> BindPrograms(std::vector<ExprProgram> progs, ExecState& st) {
  for (auto& p : progs) p.BindParams(st.params);
  return progs;
}

std::unique_ptr<PlanNode> BuildFrom(const CompiledFrom& f, size_t width, ExecState& st) {
  switch (f.kind) {
    case AnalyzedFrom::kTable:
      if (f.stored) return std::make_unique<StoredScan>(f.stored, f.index, BindPrograms(f.index_eq, st), f, st);
      return std::make_unique<TableScan>(f.table, f.types);
    case AnalyzedFrom::kSubquery: return BuildPlan(*f.subquery, st);
    case AnalyzedFrom::kCte: return MakeCteScan(f.cte_id, false);
    case AnalyzedFrom::kWorkTable: return MakeCteScan(f.cte_id, true);
    case AnalyzedFrom::kJoin: return f.merge ? MakeMergeJoin(f, width, st) : MakeJoin(f, width, st);
    case AnalyzedFrom::kFunction: return MakeFunctionScan(f, width, st);
  }
  return nullptr;
}

std::unique_ptr<PlanNode> BuildPlan(const CompiledQuery& q, ExecState& st) {
  st.ctx.state = &st;
  for (const auto& [id, query] : q.ctes) {
    auto d = std::make_shared<CteData>();
    d->query = query;
    st.ctes[id] = std::move(d);
  }
  auto bind = [&](std::vector<ExprProgram> progs) { return BindPrograms(std::move(progs), st); };
  std::unique_ptr<PlanNode> node;
  if (q.op != SetOpKind::kNone) {
    node = MakeSetOp(q, st);
    int64_t offset = EvalCount(q.offset, st, false), limit = EvalCount(q.limit, st, true);
    if (!q.sort.empty())
      node = std::make_unique<Sort>(std::move(node), q.sort, q.target_types, limit >= 0 ? offset + limit : -1);
    if (offset > 0 || limit >= 0) node = std::make_unique<Limit>(std::move(node), offset, limit);
    return node;
  }
  const int64_t offset = EvalCount(q.offset, st, false), limit = EvalCount(q.limit, st, true);
  const bool sort_needed = !q.sort.empty() && !q.sorted_by_index && !q.sorted_by_window;
  // ORDER BY ... LIMIT over plain columns: the top-N sort works on the input
  // rows and only the rows it keeps are projected, instead of every row
  // being copied into a projected row the heap then mostly rejects.
  TopN top;
  const bool sort_input = sort_needed && limit >= 0 && TopNOverInput(q, &top);
  top.bound = offset + limit;
  bool parallel_agg = false;
  std::unique_ptr<PlanNode> parallel = MaybeParallelScan(q, st, &parallel_agg, sort_input ? &top : nullptr);
  if (parallel) {
    node = std::move(parallel);  // WHERE (and the aggregation, if parallel_agg) included
  } else if (q.from) {
    node = BuildFrom(*q.from, q.input_width, st);
    if (!q.where.empty()) node = std::make_unique<Filter>(std::move(node), bind(q.where)[0]);
  } else {
    std::vector<std::vector<ExprProgram>> rows;
    for (const auto& r : q.values) rows.push_back(bind(r));
    node = std::make_unique<ValuesScan>(std::move(rows));
    if (!q.where.empty()) node = std::make_unique<Filter>(std::move(node), bind(q.where)[0]);
  }
  if (!q.row_marks.empty()) {
    std::vector<ExprProgram> recheck = q.where.empty() ? std::vector<ExprProgram>() : bind(q.where);
    node = std::make_unique<LockRows>(std::move(node), q.row_marks, std::move(recheck));
  }
  node = MakeProjectSets(std::move(node), q.group_srf_levels, st);
  if (q.aggregated && !parallel_agg) {
    CompiledQuery bound;
    bound.group_keys = bind(q.group_keys);
    bound.agg_args = bind(q.agg_args);
    bound.agg_args2 = bind(q.agg_args2);
    bound.agg_filters = bind(q.agg_filters);
    for (const auto& o : q.agg_orders) bound.agg_orders.push_back(bind(o));
    bound.aggs = q.aggs;
    auto agg = std::make_unique<Aggregate>(std::move(node), bound);
    node = std::move(agg);
  }
  if (q.aggregated && !q.having.empty()) node = std::make_unique<Filter>(std::move(node), bind(q.having)[0]);
  for (size_t i = 0; i < q.windows.size(); ++i) {
    const CompiledWindow& w = q.windows[i];
    if (w.sort || i == 0) node = MakeWindowKeys(std::move(node), w, q.window_width, st);
    if (w.sort) node = std::make_unique<Sort>(std::move(node), w.sort_keys, w.types, -1);
    node = MakeWindowAgg(std::move(node), w, q.window_width, st);
  }
  node = MakeProjectSets(std::move(node), q.srf_levels, st);
  if (sort_input) node = std::make_unique<Sort>(std::move(node), top.keys, top.types, top.bound);
  node = std::make_unique<Project>(std::move(node), bind(q.targets));
  if (!q.distinct_on.empty()) {
    // Sorted so that rows equal on the DISTINCT ON columns are adjacent and
    // in ORDER BY order; the first of each run is kept.
    node = std::make_unique<Sort>(std::move(node), q.sort, q.target_types, -1);
    node = std::make_unique<DistinctOn>(std::move(node), q.target_types, q.distinct_on);
  } else {
    if (q.distinct) node = std::make_unique<Distinct>(std::move(node), q.target_types, q.visible);
    if (sort_needed && !sort_input)
      node = std::make_unique<Sort>(std::move(node), q.sort, q.target_types, limit >= 0 ? offset + limit : -1);
  }
  if (offset > 0 || limit >= 0) node = std::make_unique<Limit>(std::move(node), offset, limit);
  return node;
}

}  // namespace tusk::sql
