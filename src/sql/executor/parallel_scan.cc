// Parallel sequential scans: the leader's node and the workers' loop (see
// parallel_scan.h). Both sides run the same code over their share of the
// blocks; only the leader sees the other participants' results.
#include "sql/executor/parallel_scan.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "sql/executor/agg_groups.h"
#include "sql/executor/parallel_codec.h"
#include "sql/functions/registry.h"
#include "sql/session_context.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

// Builtins that read or change the session (settings, catalogs, sequences,
// backends, locks): a worker has no session of its own, so programs calling
// them stay in the leader, as PostgreSQL's parallel-restricted functions do.
const std::unordered_set<FnImpl>& SessionBoundFunctions() {
  static const std::unordered_set<FnImpl> fns = [] {
    std::vector<OperDef> ops;
    std::vector<FuncDef> defs;
    AddAdminBuiltins(ops, defs);
    AddCatalogBuiltins(defs);
    AddDescribeBuiltins(defs);
    AddSessionBuiltins(defs);
    AddSequenceBuiltins(defs);
    AddSchemaBuiltins(defs);
    std::unordered_set<FnImpl> out;
    for (const FuncDef& d : defs) out.insert(d.fn);
    for (const OperDef& o : ops) out.insert(o.fn);
    return out;
  }();
  return fns;
}

bool ParallelSafe(const ExprProgram& p) {
  // Records: a worker's typmod registry does not know the leader's field lists.
  if (!p.subplans.empty() || IsRegType(p.type) || p.type == oid::kRecord) return false;
  const auto& bound = SessionBoundFunctions();
  for (const Step& s : p.steps) {
    if (s.op == OpCode::kOuter || s.op == OpCode::kSubPlan) return false;
    // reg* values print and parse through the session's catalog lookups.
    if (IsRegType(s.type_a) || IsRegType(s.type_b)) return false;
    if (s.type_a == oid::kRecord || s.type_b == oid::kRecord) return false;
    if (s.fn && bound.count(s.fn)) return false;
  }
  return true;
}

bool AllSafe(const std::vector<ExprProgram>& ps) {
  return std::all_of(ps.begin(), ps.end(), [](const ExprProgram& p) { return ParallelSafe(p); });
}

// A hash join whose left (probe) input is the shared scan: what a worker
// needs to rebuild the join's CompiledFrom over its own tables.
struct LeafShape {
  uint32_t relid = 0;
  int32_t start = 0;
  std::vector<uint32_t> types;
  std::vector<bool> needed;
};
struct JoinShape {
  LeafShape left, right;
  int32_t start = 0;
  std::vector<uint32_t> types;
  std::vector<bool> needed;
  uint8_t kind = 0;  // JoinKind
  std::vector<ExprProgram> cond, merged, left_keys, right_keys;
  std::vector<uint32_t> key_types;
  uint32_t width = 0;  // the input row's
};

// A participant's task; the programs are bound (parameters in registers).
struct Work {
  bool aggregate = false;
  IoContext io;
  uint32_t ncols = 0;
  std::vector<bool> needed;  // empty: every column
  std::vector<ExprProgram> where;  // 0 or 1
  std::vector<ExprProgram> keys, args, args2, filters;  // aggregate: per key / per aggregate
  std::vector<AggSpec> aggs;
  TopN top;  // bound >= 0: send only the first `bound` rows in this order
  bool join = false;  // the input rows come from `js` (aggregate only)
  JoinShape js;
};

void WriteBools(ByteWriter& w, const std::vector<bool>& v) {
  w.U32(static_cast<uint32_t>(v.size()));
  for (bool b : v) w.U8(b);
}
std::vector<bool> ReadBools(ByteReader& r) {
  std::vector<bool> v(r.Count());
  for (size_t i = 0; i < v.size(); ++i) v[i] = r.U8() != 0;
  return v;
}
void WriteTypes(ByteWriter& w, const std::vector<uint32_t>& v) {
  w.U32(static_cast<uint32_t>(v.size()));
  for (uint32_t t : v) w.U32(t);
}
std::vector<uint32_t> ReadTypes(ByteReader& r) {
  std::vector<uint32_t> v(r.Count(4));
  for (uint32_t& t : v) t = r.U32();
  return v;
}
void WriteLeaf(ByteWriter& w, const LeafShape& l) {
  w.U32(l.relid);
  w.I32(l.start);
  WriteTypes(w, l.types);
  WriteBools(w, l.needed);
}
LeafShape ReadLeaf(ByteReader& r) {
  LeafShape l;
  l.relid = r.U32();
  l.start = r.I32();
  l.types = ReadTypes(r);
  l.needed = ReadBools(r);
  return l;
}

void WritePrograms(ByteWriter& w, const std::vector<ExprProgram>& ps) {
  w.U32(static_cast<uint32_t>(ps.size()));
  for (const ExprProgram& p : ps) WriteProgram(w, p);
}
std::vector<ExprProgram> ReadPrograms(ByteReader& r) {
  std::vector<ExprProgram> ps(r.Count());
  for (ExprProgram& p : ps) p = ReadProgram(r);
  return ps;
}

std::string EncodeWork(const Work& k) {
  std::string out;
  ByteWriter w(out);
  w.U8(k.aggregate);
  w.Bytes(k.io.timezone);
  w.I32(k.io.extra_float_digits);
  w.U8(k.io.bytea_escape);
  w.U32(k.ncols);
  w.U32(static_cast<uint32_t>(k.needed.size()));
  for (bool b : k.needed) w.U8(b);
  WritePrograms(w, k.where);
  WritePrograms(w, k.keys);
  WritePrograms(w, k.args);
  WritePrograms(w, k.args2);
  WritePrograms(w, k.filters);
  w.I64(k.top.bound);
  w.U32(static_cast<uint32_t>(k.top.keys.size()));
  for (const SortKey& s : k.top.keys) {
    w.I32(s.column);
    w.U8(s.desc);
    w.U8(s.nulls_first);
  }
  w.U32(static_cast<uint32_t>(k.top.types.size()));
  for (uint32_t t : k.top.types) w.U32(t);
  w.U8(k.join);
  if (k.join) {
    const JoinShape& j = k.js;
    WriteLeaf(w, j.left);
    WriteLeaf(w, j.right);
    w.I32(j.start);
    WriteTypes(w, j.types);
    WriteBools(w, j.needed);
    w.U8(j.kind);
    WritePrograms(w, j.cond);
    WritePrograms(w, j.merged);
    WritePrograms(w, j.left_keys);
    WritePrograms(w, j.right_keys);
    WriteTypes(w, j.key_types);
    w.U32(j.width);
  }
  w.U32(static_cast<uint32_t>(k.aggs.size()));
  for (const AggSpec& a : k.aggs) {
    w.U32(static_cast<uint32_t>(a.def - AllAggregates().data()));
    w.U32(a.arg_type);
    w.U32(a.result_type);
    w.U32(a.arg2_type);
    w.U8(a.has_filter);
  }
  return out;
}

Work DecodeWork(std::string_view bytes) {
  ByteReader r(bytes);
  Work k;
  k.aggregate = r.U8() != 0;
  k.io.timezone = std::string(r.Bytes());
  k.io.extra_float_digits = r.I32();
  k.io.bytea_escape = r.U8() != 0;
  k.ncols = r.U32();
  k.needed.resize(r.Count());
  for (size_t i = 0; i < k.needed.size(); ++i) k.needed[i] = r.U8() != 0;
  k.where = ReadPrograms(r);
  k.keys = ReadPrograms(r);
  k.args = ReadPrograms(r);
  k.args2 = ReadPrograms(r);
  k.filters = ReadPrograms(r);
  k.top.bound = r.I64();
  k.top.keys.resize(r.Count());
  for (SortKey& s : k.top.keys) {
    s.column = r.I32();
    s.desc = r.U8() != 0;
    s.nulls_first = r.U8() != 0;
  }
  k.top.types.resize(r.Count());
  for (uint32_t& t : k.top.types) t = r.U32();
  k.join = r.U8() != 0;
  if (k.join) {
    JoinShape& j = k.js;
    j.left = ReadLeaf(r);
    j.right = ReadLeaf(r);
    j.start = r.I32();
    j.types = ReadTypes(r);
    j.needed = ReadBools(r);
    j.kind = r.U8();
    j.cond = ReadPrograms(r);
    j.merged = ReadPrograms(r);
    j.left_keys = ReadPrograms(r);
    j.right_keys = ReadPrograms(r);
    j.key_types = ReadTypes(r);
    j.width = r.U32();
  }
  k.aggs.resize(r.Count());
  for (AggSpec& a : k.aggs) {
    const uint32_t def = r.U32();
    if (def >= AllAggregates().size()) throw PgError(sqlstate::kInternalError, "parallel worker: unknown aggregate");
    a.def = &AllAggregates()[def];
    a.arg_type = r.U32();
    a.result_type = r.U32();
    a.arg2_type = r.U32();
    a.has_filter = r.U8() != 0;
  }
  return k;
}

bool Passes(std::vector<ExprProgram>& where, const Row& row, ExecContext& ctx) {
  if (where.empty()) return true;
  const Datum& d = where[0].Eval(row.data(), ctx);
  return !d.null && d.b;
}

// A participant's groups (AggGroups over the Work's programs), and how
// they travel: workers write theirs, the leader combines them into its own.
class Groups {
 public:
  explicit Groups(Work& k) : k_(k), groups_(k.keys, k.args, k.args2, k.filters, nullptr, k.aggs) {}
  size_t size() const { return groups_.size(); }

  void Add(const Row& row, ExecContext& ctx) { groups_.Add(row, ctx); }

  void Write(size_t i, ByteWriter& w) {
    for (const Datum& d : groups_.Keys(i)) WriteDatum(w, d);
    for (size_t a = 0; a < k_.aggs.size(); ++a) WriteAggState(w, k_.aggs[a], groups_.State(i, a));
  }

  // One group as Write wrote it, folded into this participant's.
  void Combine(ByteReader& r, ExecContext& ctx) {
    Row keys(k_.keys.size());
    for (Datum& d : keys) d = ReadDatum(r);
    const size_t gi = groups_.GroupWithKeys(std::move(keys), ctx);
    for (size_t a = 0; a < k_.aggs.size(); ++a)
      CombineAggState(k_.aggs[a], groups_.State(gi, a), ReadAggState(r, k_.aggs[a]), ctx);
  }

  // The Aggregate node's output row: keys, then each aggregate's value.
  void Final(size_t i, Row* out, ExecContext& ctx) { groups_.Final(i, out, ctx); }

 private:
  Work& k_;
  AggGroups groups_;
};

// Worker rows are sent in batches of about this many bytes.
constexpr size_t kBatchBytes = 32 * 1024;
constexpr size_t kGroupsPerMessage = 512;

void WriteRow(const Work& k, const Row& row, ByteWriter& w) {
  for (uint32_t c = 0; c < k.ncols; ++c)
    if (k.needed.empty() || k.needed[c]) WriteDatum(w, row[c]);
  w.I64(row[k.ncols].i);  // ctid
}

void ReadRow(const Work& k, ByteReader& r, Row* row) {
  for (uint32_t c = 0; c < k.ncols; ++c)
    if (k.needed.empty() || k.needed[c]) (*row)[c] = ReadDatum(r);
  Datum& ctid = (*row)[k.ncols];
  ctid.null = false;
  ctid.i = r.I64();
}

// A participant's share of the input rows that pass WHERE.
class Share {
 public:
  virtual ~Share() = default;
  virtual const Row* Next(ExecContext& ctx) = 0;
};

// One table's: the visible rows of the blocks it is handed, with their
// ctid after the columns.
class TableShare : public Share {
 public:
  TableShare(StoredTable& t, Work& k, std::function<bool(uint32_t*)> next_block)
      : k_(k), scan_(t.ScanBlocks(std::move(next_block))), row_(k.ncols + 1) {
    scan_->SetNeeded(k_.needed.empty() ? nullptr : &k_.needed);
  }
  const Row* Next(ExecContext& ctx) override {
    TupleId tid;
    while (scan_->Next(row_, &tid)) {
      ctx.session->CheckForInterrupts();
      row_.resize(k_.ncols + 1);
      row_[k_.ncols].null = false;
      row_[k_.ncols].i = PackTupleId(tid);
      if (Passes(k_.where, row_, ctx)) return &row_;
    }
    return nullptr;
  }

 private:
  Work& k_;
  std::unique_ptr<RowScan> scan_;
  Row row_;
};

// A hash join's: every right row (each participant builds its own hash
// table) joined with the left rows of the blocks it is handed. `tree` is a
// per-execution copy whose left leaf has the block source.
class JoinShare : public Share {
 public:
  JoinShare(std::shared_ptr<const CompiledFrom> tree, Work& k, ExecState& st)
      : tree_(std::move(tree)), k_(k), st_(st), node_(BuildFrom(*tree_, k.js.width, st)) {}
  const Row* Next(ExecContext& ctx) override {
    while (const Row* r = node_->Next(st_))
      if (Passes(k_.where, *r, ctx)) return r;
    return nullptr;
  }

 private:
  std::shared_ptr<const CompiledFrom> tree_;  // the join node keeps references into it
  Work& k_;
  ExecState& st_;
  std::unique_ptr<PlanNode> node_;
};

std::shared_ptr<CompiledFrom> LeafFrom(const LeafShape& s, std::shared_ptr<StoredTable> t,
                                       std::function<bool(uint32_t*)> blocks) {
  auto f = std::make_shared<CompiledFrom>();
  f->kind = AnalyzedFrom::kTable;
  f->start = s.start;
  f->types = s.types;
  f->needed = s.needed;
  f->stored = std::move(t);
  f->blocks = std::move(blocks);
  return f;
}

// A worker's copy of the leader's join (JoinShape), over its own tables.
std::shared_ptr<const CompiledFrom> JoinFrom(const JoinShape& s, std::shared_ptr<CompiledFrom> left,
                                             std::shared_ptr<CompiledFrom> right) {
  auto f = std::make_shared<CompiledFrom>();
  f->kind = AnalyzedFrom::kJoin;
  f->start = s.start;
  f->types = s.types;
  f->needed = s.needed;
  f->join = static_cast<JoinKind>(s.kind);
  f->left = std::move(left);
  f->right = std::move(right);
  f->cond = s.cond;
  f->merged = s.merged;
  f->left_keys = s.left_keys;
  f->right_keys = s.right_keys;
  f->key_types = s.key_types;
  return f;
}

// All of a table's blocks, counted by this process alone. Copies of the
// function share the one counter.
std::function<bool(uint32_t*)> EveryBlock(uint32_t nblocks) {
  auto counter = std::make_shared<LocalBlockCounter>(nblocks);
  return [counter](uint32_t* b) { return counter->Next(b); };
}

// Gather (and Finalize Aggregate): the leader's node.
class ParallelScan : public PlanNode {
 public:
  // t: the table whose blocks are shared; from: the query's FROM item (t's
  // scan, or a hash join with t's scan on the left).
  ParallelScan(std::shared_ptr<StoredTable> t, const CompiledFrom& from, int planned, Work k)
      : table_(std::move(t)), from_(from), planned_(planned), k_(std::move(k)), row_(k_.ncols + 1) {}

  const Row* Next(ExecState& st) override {
    if (!started_) Start(st);
    return k_.aggregate ? NextGroup(st) : NextRow(st);
  }

 private:
  void Start(ExecState& st) {
    started_ = true;
    st_ = &st;
    table_->LockForRead();
    const uint32_t nblocks = table_->NumBlocks();
    workers_ = st.ctx.session->LaunchParallelWorkers(table_->oid, nblocks, planned_, [this] { return EncodeWork(k_); });
    const bool alone = !workers_ || workers_->Launched() == 0;
    if (alone || st.ctx.session->GetConfig("parallel_leader_participation", false) != "off") OpenShare(nblocks);
    else deferred_nblocks_ = nblocks;
  }

  // Without workers the leader counts blocks itself. A leader that does
  // not participate still sweeps up, once the workers are done, whatever
  // blocks are left (workers that could not be started never took any).
  void OpenShare(uint32_t nblocks) {
    std::function<bool(uint32_t*)> next = EveryBlock(nblocks);
    if (workers_) next = [w = workers_.get()](uint32_t* b) { return w->NextBlock(b); };
    if (!k_.join) {
      share_ = std::make_unique<TableShare>(*table_, k_, std::move(next));
      return;
    }
    auto tree = std::make_shared<CompiledFrom>(from_);
    auto left = std::make_shared<CompiledFrom>(*from_.left);
    left->blocks = std::move(next);
    tree->left = std::move(left);
    share_ = std::make_unique<JoinShare>(std::move(tree), k_, *st_);
  }

  // Next message from a worker: wait only when the leader has nothing of
  // its own to do. False when none is to be had now (or ever).
  bool Poll(bool wait) {
    if (!workers_ || workers_done_) return false;
    switch (workers_->Receive(&msg_, wait)) {
      case ParallelWorkers::Poll::kMessage:
        reader_ = ByteReader(msg_);
        left_ = reader_.U32();
        return true;
      case ParallelWorkers::Poll::kFinished:
        workers_done_ = true;
        if (!share_ && !share_done_) OpenShare(deferred_nblocks_);
        return false;
      case ParallelWorkers::Poll::kNone: return false;
    }
    return false;
  }

  bool LocalTurn() {
    // Drain the workers' rings now and then, so they never stall on a full one.
    if (++local_rows_ % 64 == 0) return false;
    return share_ && !share_done_;
  }

  const Row* NextRow(ExecState& st) {
    for (;;) {
      if (left_ > 0) {
        --left_;
        ReadRow(k_, reader_, &row_);
        return &row_;
      }
      const bool local = share_ && !share_done_;
      if (!LocalTurn() && Poll(!local)) continue;
      if (share_ && !share_done_) {
        if (const Row* r = share_->Next(st.ctx)) return r;
        share_done_ = true;
        continue;
      }
      if (!workers_ || workers_done_) return nullptr;
    }
  }

  const Row* NextGroup(ExecState& st) {
    if (!groups_) {
      groups_ = std::make_unique<Groups>(k_);
      for (;;) {
        for (; left_ > 0; --left_) groups_->Combine(reader_, st.ctx);
        const bool local = share_ && !share_done_;
        if (!LocalTurn() && Poll(!local)) continue;
        if (share_ && !share_done_) {
          if (const Row* r = share_->Next(st.ctx)) groups_->Add(*r, st.ctx);
          else share_done_ = true;
          continue;
        }
        if (!workers_ || workers_done_) break;
      }
      workers_.reset();  // every worker is done; free their slots now
    }
    if (pos_ >= groups_->size()) return nullptr;
    groups_->Final(pos_++, &out_, st.ctx);
    return &out_;
  }

  std::shared_ptr<StoredTable> table_;
  const CompiledFrom& from_;
  int planned_;
  Work k_;
  bool started_ = false;
  ExecState* st_ = nullptr;
  std::unique_ptr<ParallelWorkers> workers_;
  bool workers_done_ = false;
  std::unique_ptr<Share> share_;
  bool share_done_ = false;
  uint32_t deferred_nblocks_ = 0;
  uint64_t local_rows_ = 0;
  std::string msg_;
  ByteReader reader_{std::string_view()};
  uint32_t left_ = 0;  // rows or groups of the current message still to read
  Row row_;
  std::unique_ptr<Groups> groups_;
  size_t pos_ = 0;
  Row out_;
};

}  // namespace

// A sequential scan of a stored, non-temporary table.
bool PlainScan(const CompiledFrom& f) {
  return f.kind == AnalyzedFrom::kTable && f.stored && f.index < 0 && f.index_in.empty() && !f.lateral &&
         f.stored->relkind == 'r' && !f.stored->is_catalog && !f.stored->temp;
}

// The FROM item's scan whose blocks the participants share: the item
// itself, or the left (probe) side of an inner or left hash join of two
// plain scans, which every participant joins against its own copy of the
// right side's rows; nullptr when neither.
const CompiledFrom* SharedScan(const CompiledFrom& f) {
  if (PlainScan(f)) return &f;
  if (f.kind != AnalyzedFrom::kJoin || f.merge || f.left_keys.empty() ||
      (f.join != JoinKind::kInner && f.join != JoinKind::kLeft) || !PlainScan(*f.left) || !PlainScan(*f.right))
    return nullptr;
  if (!AllSafe(f.cond) || !AllSafe(f.merged) || !AllSafe(f.left_keys) || !AllSafe(f.right_keys)) return nullptr;
  return f.left.get();
}

bool CanSplitTopN(const CompiledQuery& q) {
  return !q.aggregated && q.windows.empty() && q.srf_levels.empty() && q.group_srf_levels.empty();
}

namespace {

// PlanParallelScan; execute: MaybeParallelScan's decision, which also asks
// whether this execution could launch workers at all.
int PlanParallel(const CompiledQuery& q, SessionContext& ctx, bool top_n, bool execute, bool* partial) {
  *partial = false;
  if (q.op != SetOpKind::kNone || !q.from || !q.row_marks.empty()) return 0;
  // Before anything else: it costs nothing, unlike the table's size below.
  if (!ctx.ParallelPossible(execute)) return 0;
  const CompiledFrom* scan = SharedScan(*q.from);
  if (!scan) return 0;
  if (!q.where.empty() && !ParallelSafe(q.where[0])) return 0;
  const bool split = q.aggregated && q.group_srf_levels.empty() &&
                     std::all_of(q.aggs.begin(), q.aggs.end(), [](const AggSpec& a) { return AggCanCombine(a); }) &&
                     std::all_of(q.agg_orders.begin(), q.agg_orders.end(), [](const auto& o) { return o.empty(); }) &&
                     AllSafe(q.group_keys) && AllSafe(q.agg_args) && AllSafe(q.agg_args2) && AllSafe(q.agg_filters);
  // Shipping every row costs more than scanning it (PostgreSQL's
  // parallel_tuple_cost says as much): without a WHERE to thin them out, an
  // aggregate to sum them up or a LIMIT to cut them short, the plain scan
  // is better.
  if (!split && q.where.empty() && !(top_n && CanSplitTopN(q))) return 0;
  // A join's rows are only ever aggregated in the workers (shipping joined
  // rows would need their whole width).
  if (scan != q.from.get() && !split) return 0;
  const int workers = ctx.ParallelWorkersFor(scan->stored->NumBlocks());
  *partial = split && workers > 0;
  return std::max(workers, 0);
}

}  // namespace

int PlanParallelScan(const CompiledQuery& q, SessionContext& ctx, bool top_n, bool* partial) {
  return PlanParallel(q, ctx, top_n, false, partial);
}

std::unique_ptr<PlanNode> MaybeParallelScan(const CompiledQuery& q, ExecState& st, bool* aggregated,
                                            const TopN* top) {
  *aggregated = false;
  if (st.top != &q || !st.ctx.session) return nullptr;
  bool partial = false;
  const int workers = PlanParallel(q, *st.ctx.session, top != nullptr, true, &partial);
  if (workers <= 0) return nullptr;
  const CompiledFrom& f = *SharedScan(*q.from);
  const StoredTable& t = *f.stored;
  Work k;
  k.aggregate = partial;
  k.io = st.ctx.io;
  k.io.session = nullptr;
  k.ncols = static_cast<uint32_t>(t.columns.size());
  if (f.needed.size() == t.columns.size()) k.needed = f.needed;
  if (&f != q.from.get()) {
    const CompiledFrom& j = *q.from;
    auto leaf = [](const CompiledFrom& c) {
      return LeafShape{c.stored->oid, static_cast<int32_t>(c.start), c.types, c.needed};
    };
    k.join = true;
    k.js.left = leaf(*j.left);
    k.js.right = leaf(*j.right);
    k.js.start = static_cast<int32_t>(j.start);
    k.js.types = j.types;
    k.js.needed = j.needed;
    k.js.kind = static_cast<uint8_t>(j.join);
    k.js.cond = BindPrograms(j.cond, st);
    k.js.merged = BindPrograms(j.merged, st);
    k.js.left_keys = BindPrograms(j.left_keys, st);
    k.js.right_keys = BindPrograms(j.right_keys, st);
    k.js.key_types = j.key_types;
    k.js.width = static_cast<uint32_t>(q.input_width);
  }
  k.where = BindPrograms(q.where, st);
  if (partial) {
    k.keys = BindPrograms(q.group_keys, st);
    k.args = BindPrograms(q.agg_args, st);
    k.args2 = BindPrograms(q.agg_args2, st);
    k.filters = BindPrograms(q.agg_filters, st);
    k.aggs = q.aggs;
  } else if (top && CanSplitTopN(q)) {
    k.top = *top;
  }
  *aggregated = partial;
  return std::make_unique<ParallelScan>(f.stored, *q.from, workers, std::move(k));
}

void RunParallelWorker(std::string_view work, const std::function<std::shared_ptr<StoredTable>(uint32_t)>& open,
                       uint32_t relid, std::function<bool(uint32_t*)> next_block, SessionContext& ctx,
                       const std::function<void(std::string_view)>& send) {
  Work k = DecodeWork(work);
  ExecState st;
  st.ctx.session = &ctx;
  st.ctx.io = k.io;
  st.ctx.io.session = &ctx;
  st.ctx.state = &st;
  std::shared_ptr<StoredTable> table = open(relid);
  std::unique_ptr<Share> owned;
  if (k.join) {
    std::shared_ptr<StoredTable> right = open(k.js.right.relid);
    auto left_from = LeafFrom(k.js.left, table, std::move(next_block));
    auto right_from = LeafFrom(k.js.right, right, EveryBlock(right->NumBlocks()));
    owned = std::make_unique<JoinShare>(JoinFrom(k.js, std::move(left_from), std::move(right_from)), k, st);
  } else {
    owned = std::make_unique<TableShare>(*table, k, std::move(next_block));
  }
  Share& share = *owned;
  std::string msg;
  ByteWriter w(msg);
  uint32_t n = 0;
  auto flush = [&] {
    std::memcpy(msg.data(), &n, 4);
    send(msg);
    msg.clear();
    n = 0;
  };
  if (k.top.bound >= 0) {
    // This worker's first rows in ORDER BY order: only they can make the
    // leader's top N.
    class ShareNode : public PlanNode {
     public:
      explicit ShareNode(Share& s) : s_(s) {}
      const Row* Next(ExecState& st) override { return s_.Next(st.ctx); }
     private:
      Share& s_;
    };
    std::unique_ptr<PlanNode> sort = MakeSort(std::make_unique<ShareNode>(share), k.top.keys, k.top.types, k.top.bound);
    while (const Row* r = sort->Next(st)) {
      if (n == 0) w.U32(0);
      WriteRow(k, *r, w);
      if (++n, msg.size() >= kBatchBytes) flush();
    }
    if (n > 0) flush();
    return;
  }
  if (!k.aggregate) {
    while (const Row* r = share.Next(st.ctx)) {
      if (n == 0) w.U32(0);  // the count, filled in by flush
      WriteRow(k, *r, w);
      if (++n, msg.size() >= kBatchBytes) flush();
    }
    if (n > 0) flush();
    return;
  }
  Groups groups(k);
  while (const Row* r = share.Next(st.ctx)) groups.Add(*r, st.ctx);
  for (size_t i = 0; i < groups.size(); ++i) {
    if (n == 0) w.U32(0);
    groups.Write(i, w);
    if (++n == kGroupsPerMessage || msg.size() >= kBatchBytes) flush();
  }
  if (n > 0) flush();
}

}  // namespace tusk::sql
