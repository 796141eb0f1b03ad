// Stored tables over heap + B-tree for the SQL engine (see stored_table.h).
#include "backend/stored_table.h"

#include <algorithm>
#include <map>

#include "access/btree/btree.h"
#include "access/heap/heapam.h"
#include "access/toast/toast.h"
#include "access/transam/snapshot.h"
#include "access/transam/xact.h"
#include "catalog/catalog.h"
#include "catalog/table_ddl.h"
#include "catalog/temp_namespace.h"
#include "postmaster/pgstat.h"
#include "sql/engine.h"
#include "sql/types/storage_codec.h"
#include "sql/types/type_io.h"
#include "sql/types/type_oids.h"
#include "storage/buffer/buffer.h"
#include "storage/ipc/sinval.h"
#include "storage/lmgr/lock.h"
#include "utils/error.h"
#include "utils/guc.h"

namespace tusk::backend {

int StoredKeyComparator::Compare(int key_no, std::string_view a, std::string_view b) const {
  return sql::CompareStored(types_[key_no], a, b);
}

bool StoredKeyComparator::SortImage(int key_no, std::string_view v, uint64_t* out) const {
  return sql::StoredSortImage(types_[key_no], v, out);
}

namespace {

using sql::Datum;
using sql::Row;
using sql::TupleId;

struct IndexHandle {
  btree::IndexRel rel;
  std::unique_ptr<StoredKeyComparator> cmp;
};

uint64_t g_statement = 0;        // bumped per statement: XactContext reuse
uint64_t g_cache_version = 0;    // catalog version the cache was built at
bool g_wrote_catalog = false;

ItemPointer ToTid(TupleId t) { return {t.block, t.offset}; }
TupleId FromTid(ItemPointer t) { return {t.block, t.offset}; }

class HeapTable : public sql::StoredTable {
 public:
  heap::Relation rel;
  std::vector<uint32_t> storage_types;  // how each column is stored (catalog "char" shows as text)
  // Catalogs only: per column, the array type its stored text form reads as
  // (0: none), e.g. relacl's "{...}" as text[].
  std::vector<uint32_t> text_array_types;
  std::vector<IndexHandle> index_handles;
  std::vector<int> physical_index;  // per attnum - 1: position in columns, -1 if dropped (empty: identity)
  std::optional<toast::ToastRel> toast;

  void LockForRead() override { Lock(lmgr::LockMode::kAccessShare); }

  void LockForWrite(const char* command) override {
    if (!temp) xact::CheckWritable(command);
    Lock(lmgr::LockMode::kRowExclusive);
  }
  void LockForRowMarks(const char* command) override {
    if (!temp) xact::CheckWritable(command);
    Lock(lmgr::LockMode::kRowShare);
  }

  std::unique_ptr<sql::RowScan> Scan() override;
  uint32_t NumBlocks() override { return buffer::RelationNumBlocks(rel.loc, smgr::Fork::kMain); }
  std::unique_ptr<sql::RowScan> ScanBlocks(std::function<bool(uint32_t*)> next_block) override;
  std::unique_ptr<sql::RowScan> ScanIndex(const sql::StoredIndex& index, const sql::IndexCondition& cond) override;
  bool Insert(const Row& row, const std::vector<uint32_t>* arbiters, TupleId* conflict) override;
  sql::ModifyResult Update(TupleId tid, const Row& row, TupleId* newer) override;
  sql::ModifyResult Delete(TupleId tid, TupleId* newer) override;
  sql::ModifyResult Lock(TupleId tid, sql::RowLock mode, sql::RowLockWait wait, TupleId* newer) override;
  bool FetchLatest(TupleId tid, Row& row, TupleId* at) override;
  bool BuffersInserts() const override { return !is_catalog; }
  bool InsertBuffered(const Row& row) override;
  void FlushInserts(size_t* failed) override;

  // This table's activity counters (pg_stat_all_tables).
  pgstat::TableStats& Stats() {
    if (!stats_) stats_ = pgstat::ForTable(rel.db_oid, oid);
    return *stats_;
  }
  ItemPointer InsertTuple() {
    const ItemPointer tid = heap::Insert(rel, FormEncoded(), Xact());
    Stats().Inserted();
    return tid;
  }

  // Physical attribute positions of every indexed column: an update that
  // leaves them all alone is HOT. Catalogs (whose rows other code updates
  // by tid) never are: null.
  const std::vector<uint16_t>* IndexedAttrs() {
    if (is_catalog) return nullptr;
    if (!indexed_attrs_) {
      indexed_attrs_.emplace();
      for (size_t p = 0; p < rel.attrs.size(); ++p) {
        const int i = physical_index.empty() ? static_cast<int>(p) : physical_index[p];
        for (const sql::StoredIndex& ix : indexes)
          if (std::find(ix.columns.begin(), ix.columns.end(), i) != ix.columns.end()) {
            indexed_attrs_->push_back(static_cast<uint16_t>(p));
            break;
          }
      }
    }
    return &*indexed_attrs_;
  }

  // How many attributes DecodeRow must deform for `needed`: up to the last
  // needed column's (physical order).
  size_t DeformLimit(const std::vector<bool>* needed) const {
    if (!needed) return SIZE_MAX;
    size_t limit = 0;
    for (size_t p = 0; p < rel.attrs.size(); ++p) {
      int i = physical_index.empty() ? static_cast<int>(p) : physical_index[p];
      if (i >= 0 && static_cast<size_t>(i) < needed->size() && (*needed)[static_cast<size_t>(i)]) limit = p + 1;
    }
    return limit;
  }
  // Decodes the tuple's columns into row (which may be longer: a scan keeps
  // the ctid after them). With `needed`, only those columns; the others are
  // null, and the tuple is read no further than the last needed attribute
  // (`limit`, from DeformLimit).
  void DecodeRow(std::string_view tuple, Row& row, const std::vector<bool>* needed = nullptr,
                 size_t limit = SIZE_MAX) {
    const bool has_external = heap::TupHasExternal(tuple.data());
    heap::DeformTuple(rel.attrs, tuple, &values_, has_external ? &external_ : nullptr, limit);
    if (row.size() < columns.size()) row.resize(columns.size());
    // Past the limit every column is unneeded: those stay null from the first row on.
    const size_t end = std::min(rel.attrs.size(), limit);
    for (size_t p = 0; p < end; ++p) {
      int i = physical_index.empty() ? static_cast<int>(p) : physical_index[p];
      if (i < 0) continue;
      if (needed && !(*needed)[static_cast<size_t>(i)]) {
        row[i].null = true;
        continue;
      }
      if (p < values_.size() && values_[p]) {
        if (has_external && external_[p]) {
          if (!toast) throw PgError(sqlstate::kDataCorrupted, "out-of-line value in \"" + name + "\" without a toast table");
          toast::FetchValue(*toast, *values_[p], &detoasted_);
          sql::DecodeStored(storage_types[i], detoasted_, row[i]);
        } else {
          sql::DecodeStored(storage_types[i], *values_[p], row[i]);
        }
        if (!text_array_types.empty() && text_array_types[i] != 0) {
          row[i] = sql::TextIn(text_array_types[i], row[i].s, sql::IoContext{});
        }
      } else {
        row[i].null = true;
      }
    }
  }

 private:
  void Lock(lmgr::LockMode mode) {
    if (locked_statement_ == g_statement && locked_mode_ >= mode) return;
    lmgr::Acquire(lmgr::LockTag::Relation(rel.db_oid, oid), mode, false);
    locked_statement_ = g_statement;
    locked_mode_ = mode;
  }
  heap::XactContext& Xact() {
    if (xact_statement_ != g_statement || xact_.xid == 0) {
      xact_ = catalog::CurrentXactContext();
      xact_statement_ = g_statement;
    }
    xact_.cid = xact::CurrentCommandId();
    return xact_;
  }
  // Encodes the row into encoded_ (NULLs in encoded_null_) and vals_.
  void Encode(const Row& row) {
    encoded_.resize(columns.size());
    encoded_null_.resize(columns.size());
    for (size_t i = 0; i < columns.size(); ++i) {
      encoded_[i].clear();
      encoded_null_[i] = row[i].null;
      if (row[i].null) continue;
      sql::EncodeStored(storage_types[i], row[i], encoded_[i]);
    }
    vals_.assign(rel.attrs.size(), std::nullopt);
    for (size_t p = 0; p < rel.attrs.size(); ++p) {
      int i = physical_index.empty() ? static_cast<int>(p) : physical_index[p];
      if (i >= 0 && !row[i].null) vals_[p] = encoded_[i];
    }
  }
  // The tuple of the encoded row, its widest values moved out of line if needed.
  std::string FormEncoded() { return toast::FormToastedTuple(rel.attrs, vals_, toast ? &*toast : nullptr, Xact()); }
  bool NeedsToasting() const {
    if (!toast) return false;
    // An over-estimate of FormToastedTuple's first form (bitmap, padding, headers).
    size_t width = heap::kMinTupleHeader + vals_.size() / 8 + 8;
    for (const auto& v : vals_) width += v ? v->size() + 8 : 0;
    return width > toast::kTupleThreshold;
  }
  // The out-of-line values of a row version we just deleted or updated die with it.
  void DeleteToastedValues(ItemPointer tid) {
    if (!toast) return;
    std::string old;
    if (heap::FetchAnyVersion(rel, tid, &old)) toast::DeleteValues(*toast, rel.attrs, old, Xact());
  }
  btree::KeyValues Keys(const sql::StoredIndex& ix) const {
    btree::KeyValues k;
    for (int c : ix.columns) {
      if (c < 0 || encoded_null_[c]) {
        k.emplace_back(std::nullopt);
      } else {
        k.emplace_back(encoded_[c]);
      }
    }
    return k;
  }
  // Index entries for the row last Encode()d.
  void InsertIndexEntries(ItemPointer tid);
  // Adds one index entry; false on a unique violation.
  bool InsertIndexEntry(size_t i, const btree::KeyValues& keys, ItemPointer tid);
  std::string KeyDetail(const sql::StoredIndex& ix, const btree::KeyValues& keys) const;
  // A live row holding one of row's unique keys (*found), or the transaction
  // to wait for before deciding.
  uint64_t FindConflict(const Row& row, const std::vector<uint32_t>& arbiters, TupleId* conflict, bool* found);
  std::vector<lmgr::LockTag> KeyLocks(const Row& row, const std::vector<uint32_t>& arbiters) const;
  // Whether stored tuple `tuple` has the encoded row's key in index ix.
  bool SameKey(const sql::StoredIndex& ix, std::string_view tuple) {
    DecodeRow(tuple, other_);
    for (int c : ix.columns) {
      if (c < 0 || other_[c].null || encoded_null_[c]) return false;
      std::string v;
      sql::EncodeStored(storage_types[c], other_[c], v);
      if (sql::CompareStored(storage_types[c], v, encoded_[c]) != 0) return false;
    }
    return true;
  }
  static bool IsArbiter(const sql::StoredIndex& ix, const std::vector<uint32_t>& arbiters) {
    return ix.unique && (arbiters.empty() || std::find(arbiters.begin(), arbiters.end(), ix.oid) != arbiters.end());
  }
  sql::ModifyResult Outcome(heap::TmStatus st, const heap::TmFailure& f, TupleId* newer);

  // Rows held by InsertBuffered: their tuples, and per row each index's key.
  std::vector<std::string> held_tuples_;
  std::vector<btree::KeyValues> held_keys_;
  std::vector<ItemPointer> held_tids_;
  size_t held_bytes_ = 0;
  std::optional<std::vector<uint16_t>> indexed_attrs_;  // IndexedAttrs, computed once
  pgstat::TableStats* stats_ = nullptr;                  // Stats, looked up once
  std::vector<std::optional<std::string_view>> values_;
  std::vector<std::optional<std::string_view>> vals_;
  std::vector<std::string> encoded_;
  std::vector<bool> encoded_null_;
  std::vector<bool> external_;
  std::string detoasted_;
  Row other_;  // scratch for SameKey
  heap::XactContext xact_;
  uint64_t xact_statement_ = ~0ull;
  uint64_t locked_statement_ = ~0ull;
  lmgr::LockMode locked_mode_ = lmgr::LockMode::kNoLock;
};

class HeapRowScan : public sql::RowScan {
 public:
  explicit HeapRowScan(HeapTable& t)
      : t_(t), scan_(t.rel, xact::GetTransactionSnapshot(), xact::CurrentXactForVisibility()) {}
  HeapRowScan(HeapTable& t, std::function<bool(uint32_t*)> next_block)
      : t_(t), scan_(t.rel, xact::GetTransactionSnapshot(), xact::CurrentXactForVisibility(), std::move(next_block)) {}
  bool Next(Row& row, TupleId* tid) override {
    ItemPointer p;
    std::string_view tuple;
    if (!scan_.Next(&p, &tuple)) return false;
    t_.DecodeRow(tuple, row, needed_, limit_);
    *tid = FromTid(p);
    t_.Stats().Fetched(false);
    return true;
  }
  void SetNeeded(const std::vector<bool>* needed) override {
    needed_ = needed;
    limit_ = t_.DeformLimit(needed);
  }

 private:
  HeapTable& t_;
  heap::HeapScan scan_;
  const std::vector<bool>* needed_ = nullptr;
  size_t limit_ = SIZE_MAX;
};

class IndexRowScan : public sql::RowScan {
 public:
  IndexRowScan(HeapTable& t, btree::IndexRel& ix, std::vector<btree::ScanKey> keys, btree::ScanDirection dir)
      : t_(t), scan_(ix, std::move(keys), dir), snapshot_(xact::GetTransactionSnapshot()),
        me_(xact::CurrentXactForVisibility()) {}
  bool Next(Row& row, TupleId* tid) override {
    ItemPointer p;
    while (scan_.Next(&p)) {
      bool dead = false;
      ItemPointer at;
      if (!heap::Fetch(t_.rel, p, snapshot_, me_, &tuple_, &oldest_xmin_, &dead, &at)) {
        if (dead) scan_.KillCurrent();
        continue;
      }
      t_.DecodeRow(tuple_, row, needed_, limit_);
      *tid = FromTid(at);
      t_.Stats().Fetched(true);
      return true;
    }
    return false;
  }
  void SetNeeded(const std::vector<bool>* needed) override {
    needed_ = needed;
    limit_ = t_.DeformLimit(needed);
  }

 private:
  HeapTable& t_;
  btree::IndexScan scan_;
  transam::Snapshot snapshot_;
  transam::CurrentXact me_;
  std::string tuple_;
  uint64_t oldest_xmin_ = 0;  // horizon for "dead to all", taken when first needed
  const std::vector<bool>* needed_ = nullptr;
  size_t limit_ = SIZE_MAX;
};

std::unique_ptr<sql::RowScan> HeapTable::Scan() {
  LockForRead();
  Stats().Scanned(false);
  return std::make_unique<HeapRowScan>(*this);
}

std::unique_ptr<sql::RowScan> HeapTable::ScanBlocks(std::function<bool(uint32_t*)> next_block) {
  return std::make_unique<HeapRowScan>(*this, std::move(next_block));
}

std::unique_ptr<sql::RowScan> HeapTable::ScanIndex(const sql::StoredIndex& index, const sql::IndexCondition& cond) {
  LockForRead();
  size_t pos = &index - indexes.data();
  std::vector<btree::ScanKey> keys;
  for (size_t k = 0; k < cond.eq.size(); ++k) {
    std::string v;
    sql::EncodeStored(storage_types[index.columns[k]], cond.eq[k], v);
    keys.push_back(btree::ScanKey::Eq(std::move(v)));
  }
  if ((cond.has_lower || cond.has_upper) && cond.eq.size() < index.columns.size()) {
    const uint32_t type = storage_types[index.columns[cond.eq.size()]];
    btree::ScanKey k;
    if (cond.has_lower) {
      std::string v;
      sql::EncodeStored(type, cond.lower, v);
      k.lower = btree::Bound{std::move(v), cond.lower_inclusive};
    }
    if (cond.has_upper) {
      std::string v;
      sql::EncodeStored(type, cond.upper, v);
      k.upper = btree::Bound{std::move(v), cond.upper_inclusive};
    }
    keys.push_back(std::move(k));
  }
  Stats().Scanned(true);
  return std::make_unique<IndexRowScan>(*this, index_handles[pos].rel, std::move(keys),
                                        cond.backward ? btree::ScanDirection::kBackward : btree::ScanDirection::kForward);
}

bool HeapTable::InsertIndexEntry(size_t i, const btree::KeyValues& keys, ItemPointer tid) {
  const sql::StoredIndex& ix = indexes[i];
  btree::LivenessFn live;
  if (ix.unique) {
    live = [this, me = xact::CurrentXactForVisibility()](ItemPointer t) {
      transam::DirtyResult d = heap::FetchDirty(rel, t, me);
      if (d.wait_xmin) return btree::Liveness{btree::TidStatus::kInProgress, d.wait_xmin};
      if (d.visible && d.wait_xmax) return btree::Liveness{btree::TidStatus::kInProgress, d.wait_xmax};
      if (d.visible) return btree::Liveness{btree::TidStatus::kLiveCommitted, 0};
      return btree::Liveness{btree::TidStatus::kDead, 0};
    };
  }
  btree::InsertResult r = btree::Insert(index_handles[i].rel, keys, tid,
                                        ix.unique ? btree::UniqueCheck::kYes : btree::UniqueCheck::kNo, live);
  return r.code != btree::InsertResult::kUniqueViolation;
}

void HeapTable::InsertIndexEntries(ItemPointer tid) {
  for (size_t i = 0; i < indexes.size(); ++i) {
    const sql::StoredIndex& ix = indexes[i];
    btree::KeyValues keys = Keys(ix);
    if (!InsertIndexEntry(i, keys, tid)) {
      throw PgError("23505", "duplicate key value violates unique constraint \"" + ix.name + "\"")
          .Detail(KeyDetail(ix, keys));
    }
  }
}

std::string HeapTable::KeyDetail(const sql::StoredIndex& ix, const btree::KeyValues& keys) const {
  sql::IoContext io;
  std::string names, vals;
  for (size_t k = 0; k < ix.columns.size(); ++k) {
    int c = ix.columns[k];
    if (k) {
      names += ", ";
      vals += ", ";
    }
    names += columns[c].name;
    if (!keys[k]) {
      vals += "null";
    } else {
      Datum d;
      sql::DecodeStored(storage_types[c], *keys[k], d);
      sql::TextOut(columns[c].type, d, io, vals);
    }
  }
  return "Key (" + names + ")=(" + vals + ") already exists.";
}

bool HeapTable::InsertBuffered(const Row& row) {
  Encode(row);
  std::string tuple = FormEncoded();  // wide values go to the toast table now
  heap::CheckTupleSize(tuple.size());
  for (const sql::StoredIndex& ix : indexes) held_keys_.push_back(Keys(ix));
  held_bytes_ += tuple.size();
  held_tuples_.push_back(std::move(tuple));
  // About eight pages' worth, as PostgreSQL's COPY buffers up to 64 kB.
  return held_bytes_ >= 65536;
}

void HeapTable::FlushInserts(size_t* failed) {
  struct Drop {
    HeapTable& t;
    ~Drop() {
      t.held_tuples_.clear();
      t.held_keys_.clear();
      t.held_tids_.clear();
      t.held_bytes_ = 0;
    }
  } drop{*this};
  *failed = 0;
  if (held_tuples_.empty()) return;
  held_tids_.clear();
  heap::MultiInsert(rel, held_tuples_, Xact(), &held_tids_, freeze_inserts);
  Stats().Inserted(static_cast<int64_t>(held_tids_.size()));
  const size_t nix = indexes.size();
  for (size_t r = 0; r < held_tids_.size(); ++r) {
    *failed = r;
    for (size_t i = 0; i < nix; ++i) {
      const btree::KeyValues& keys = held_keys_[r * nix + i];
      if (!InsertIndexEntry(i, keys, held_tids_[r])) {
        const sql::StoredIndex& ix = indexes[i];
        throw PgError("23505", "duplicate key value violates unique constraint \"" + ix.name + "\"")
            .Detail(KeyDetail(ix, keys));
      }
    }
  }
}

uint64_t HeapTable::FindConflict(const Row& row, const std::vector<uint32_t>& arbiters, TupleId* conflict,
                                 bool* found) {
  transam::CurrentXact me = xact::CurrentXactForVisibility();
  *found = false;
  for (size_t i = 0; i < indexes.size(); ++i) {
    const sql::StoredIndex& ix = indexes[i];
    if (!IsArbiter(ix, arbiters)) continue;
    std::vector<btree::ScanKey> keys;
    bool has_null = false;
    for (int c : ix.columns) {
      if (row[c].null) has_null = true;
      keys.push_back(btree::ScanKey::Eq(encoded_[c]));
    }
    if (has_null) continue;
    btree::IndexScan scan(index_handles[i].rel, keys);
    ItemPointer p;
    while (scan.Next(&p)) {
      // An entry of a version updated meanwhile: the row lives on in the
      // newer version, whose own entry the scan may already have passed
      // (updates do not take the key locks), so that version decides.
      ItemPointer at = p;
      transam::DirtyResult d = heap::FetchDirty(rel, p, me, &at);
      if (!d.visible && !d.wait_xmin) {
        std::string newer;
        if (!heap::FetchLatest(rel, p, me, &at, &newer) || at == p || !SameKey(ix, newer)) continue;
        d = heap::FetchDirty(rel, at, me);
      }
      if (d.wait_xmin) return d.wait_xmin;
      if (d.visible && d.wait_xmax) return d.wait_xmax;
      if (d.visible) {
        *conflict = FromTid(at);
        *found = true;
        return 0;
      }
    }
  }
  return 0;
}

std::vector<lmgr::LockTag> HeapTable::KeyLocks(const Row& row, const std::vector<uint32_t>& arbiters) const {
  // One lock per unique key value (a hash of it: a collision only makes
  // two inserters of different keys take turns).
  constexpr uint32_t kKeyLockKind = 3;  // pg_advisory_* use kinds 1 and 2
  std::vector<lmgr::LockTag> tags;
  for (const sql::StoredIndex& ix : indexes) {
    if (!IsArbiter(ix, arbiters)) continue;
    std::string key;
    bool has_null = false;
    for (int c : ix.columns) {
      if (row[c].null) has_null = true;
      key += encoded_[c];
      key.push_back('\0');
    }
    if (has_null) continue;
    const uint64_t h = std::hash<std::string>()(key);
    tags.push_back(lmgr::LockTag::Advisory(rel.db_oid, ix.oid, static_cast<uint32_t>(h ^ (h >> 32)), kKeyLockKind));
  }
  return tags;
}

bool HeapTable::Insert(const Row& row, const std::vector<uint32_t>* arbiters, TupleId* conflict) {
  Encode(row);
  if (!arbiters) {
    InsertIndexEntries(InsertTuple());
    return true;
  }
  // INSERT ... ON CONFLICT: the check and the insert happen under a lock on
  // each unique key value, so two inserters of one key cannot both miss the
  // other; the second finds the first's row (waiting for its transaction
  // with the key locks released) and takes the ON CONFLICT branch.
  const std::vector<lmgr::LockTag> tags = KeyLocks(row, *arbiters);
  auto release = [&]() {
    for (const auto& t : tags) lmgr::Release(t, lmgr::LockMode::kExclusive);
  };
  for (;;) {
    for (const auto& t : tags) lmgr::Acquire(t, lmgr::LockMode::kExclusive, false);
    bool found = false;
    uint64_t wait = 0;
    try {
      wait = FindConflict(row, *arbiters, conflict, &found);
      // Chunks are written only for a row that will be inserted.
      if (!wait && !found) InsertIndexEntries(InsertTuple());
    } catch (...) {
      release();
      throw;
    }
    release();
    if (!wait) return !found;
    xact::WaitForTransaction(wait);
  }
}

sql::ModifyResult HeapTable::Outcome(heap::TmStatus st, const heap::TmFailure& f, TupleId* newer) {
  switch (st) {
    case heap::TmStatus::kOk: return sql::ModifyResult::kOk;
    case heap::TmStatus::kSelfModified:
    case heap::TmStatus::kInvisible:  // inserted by this very command (ON CONFLICT meeting its own row)
      return sql::ModifyResult::kSelfModified;
    case heap::TmStatus::kUpdated:
    case heap::TmStatus::kDeleted:
      if (xact::CurrentIsolation() != xact::Isolation::kReadCommitted)
        throw PgError("40001", st == heap::TmStatus::kUpdated ? "could not serialize access due to concurrent update"
                                                               : "could not serialize access due to concurrent delete");
      if (st == heap::TmStatus::kDeleted) return sql::ModifyResult::kDeleted;
      *newer = FromTid(f.ctid);
      return sql::ModifyResult::kUpdated;
    default: return sql::ModifyResult::kDeleted;
  }
}

sql::ModifyResult HeapTable::Update(TupleId tid, const Row& row, TupleId* newer) {
  Encode(row);
  heap::TmFailure f;
  if (NeedsToasting()) {
    // Chunks are written only once the update cannot fail: lock the row
    // first, so a concurrent change (and the re-check) leaves none behind.
    heap::TmStatus st = heap::LockTuple(rel, ToTid(tid), heap::RowLockMode::kNoKeyUpdate, Xact(),
                                        heap::LockWaitPolicy::kBlock, &f);
    if (st != heap::TmStatus::kOk) return Outcome(st, f, newer);
  }
  ItemPointer new_tid;
  bool hot = false;
  heap::TmStatus st = heap::Update(rel, ToTid(tid), FormEncoded(), Xact(), true, &new_tid, &f, IndexedAttrs(), &hot);
  if (st == heap::TmStatus::kOk) {
    Stats().Updated(hot);
    DeleteToastedValues(ToTid(tid));
    if (!hot) InsertIndexEntries(new_tid);
  }
  return Outcome(st, f, newer);
}

sql::ModifyResult HeapTable::Delete(TupleId tid, TupleId* newer) {
  heap::TmFailure f;
  heap::TmStatus st = heap::Delete(rel, ToTid(tid), Xact(), true, &f);
  if (st == heap::TmStatus::kOk) {
    Stats().Deleted();
    DeleteToastedValues(ToTid(tid));
  }
  return Outcome(st, f, newer);
}

sql::ModifyResult HeapTable::Lock(TupleId tid, sql::RowLock mode, sql::RowLockWait wait, TupleId* newer) {
  heap::RowLockMode m = mode == sql::RowLock::kKeyShare  ? heap::RowLockMode::kKeyShare
                        : mode == sql::RowLock::kShare   ? heap::RowLockMode::kShare
                        : mode == sql::RowLock::kNoKeyUpdate ? heap::RowLockMode::kNoKeyUpdate
                                                         : heap::RowLockMode::kUpdate;
  heap::LockWaitPolicy p = wait == sql::RowLockWait::kBlock    ? heap::LockWaitPolicy::kBlock
                           : wait == sql::RowLockWait::kNoWait ? heap::LockWaitPolicy::kNoWait
                                                               : heap::LockWaitPolicy::kSkipLocked;
  heap::TmFailure f;
  heap::TmStatus st = heap::LockTuple(rel, ToTid(tid), m, Xact(), p, &f);
  if (st == heap::TmStatus::kWouldBlock) return sql::ModifyResult::kDeleted;  // SKIP LOCKED: leave it out
  return Outcome(st, f, newer);
}

bool HeapTable::FetchLatest(TupleId tid, Row& row, TupleId* at) {
  std::string tuple;
  ItemPointer p;
  if (!heap::FetchLatest(rel, ToTid(tid), xact::CurrentXactForVisibility(), &p, &tuple)) return false;
  DecodeRow(tuple, row);
  *at = FromTid(p);
  return true;
}

// Catalog array columns keep their text form ("{a,b}", "1 2" for the
// vectors) and read as these array types (aclitem[] and "char"[] as text[]);
// 0 for other columns.
uint32_t CatalogArrayType(uint32_t t) {
  switch (t) {
    case catalog::kAclItemArrayOid: case catalog::kTextArrayOid: case catalog::kCharArrayOid:
      return sql::oid::kTextArray;
    case catalog::kOidArrayOid: return sql::oid::kOidArray;
    case catalog::kInt2ArrayOid: return sql::oid::kInt2Array;
    case catalog::kInt2VectorOid: return sql::oid::kInt2Vector;
    case catalog::kOidVectorOid: return sql::oid::kOidVector;
    default: return 0;
  }
}

// SQL type a catalog column shows as: arrays and vectors as above, "char"
// is text until the engine has the type.
uint32_t CatalogColumnType(uint32_t t) {
  if (uint32_t a = CatalogArrayType(t)) return a;
  switch (t) {
    case sql::oid::kBool: case sql::oid::kName: case sql::oid::kInt2: case sql::oid::kInt4: case sql::oid::kInt8:
    case sql::oid::kOid: case sql::oid::kFloat4: case sql::oid::kFloat8: case sql::oid::kText:
    case sql::oid::kTimestamptz: case sql::oid::kRegproc:
      return t;
    default: return sql::oid::kText;
  }
}
uint32_t CatalogStorageType(uint32_t t) {
  if (t == 18) return 18;
  if (t == 28) return sql::oid::kInt4;  // xid: 4 bytes
  if (CatalogArrayType(t)) return sql::oid::kText;
  return CatalogColumnType(t) == sql::oid::kText ? sql::oid::kText : t;
}

std::shared_ptr<HeapTable> BuildCatalogTable(const catalog::CatalogDef& def) {
  auto t = std::make_shared<HeapTable>();
  t->oid = def.oid;
  t->name = def.name;
  t->schema = "pg_catalog";
  t->is_catalog = true;
  t->rel = catalog::CatalogRelation(def.oid);
  for (size_t i = 0; i < def.columns.size(); ++i) {
    sql::StoredColumn c;
    c.name = def.columns[i].name;
    c.type = CatalogColumnType(def.columns[i].type_oid);
    c.attnum = static_cast<int16_t>(i + 1);
    t->columns.push_back(c);
    t->storage_types.push_back(CatalogStorageType(def.columns[i].type_oid));
    t->text_array_types.push_back(CatalogArrayType(def.columns[i].type_oid));
  }
  return t;
}

int32_t EngineTypmod(uint32_t type, int32_t atttypmod) {
  if (atttypmod < 0) return -1;
  if (uint32_t elem = sql::ElementTypeOf(type)) type = elem;  // an array column's typmod is its elements'
  if (type == sql::oid::kVarchar || type == sql::oid::kBpchar || type == sql::oid::kNumeric) return atttypmod - 4;
  return atttypmod;
}

static std::string NamespaceNameOf(uint32_t nsp) {
  auto rows = catalog::ScanCatalog<catalog::NamespaceRow>(xact::GetTransactionSnapshot(), xact::CurrentXactForVisibility(),
                                                           [&](const catalog::NamespaceRow& r) { return r.oid == nsp; });
  return rows.empty() ? std::string() : rows[0].nspname;
}

std::shared_ptr<HeapTable> BuildUserTable(const catalog::TableInfo& info) {
  auto t = std::make_shared<HeapTable>();
  t->oid = info.cls.oid;
  t->name = info.cls.relname;
  t->schema = info.cls.relnamespace == catalog::kPgCatalogNamespace ? "pg_catalog"
              : info.cls.relnamespace == catalog::kPublicNamespace ? "public"
                                                                   : NamespaceNameOf(info.cls.relnamespace);
  const uint32_t db = catalog::CurrentDatabase();
  t->rel.loc = {smgr::kDefaultTablespace, db, info.cls.relfilenode};
  t->rel.rel_oid = info.cls.oid;
  t->rel.db_oid = db;
  t->rel.name = info.cls.relname;
  t->temp = info.cls.relpersistence == 't';
  t->owner = info.cls.relowner;
  t->acl = info.cls.relacl;
  if (info.cls.reloptions) {
    auto pos = info.cls.reloptions->find("fillfactor=");
    if (pos != std::string::npos) t->rel.fillfactor = std::atoi(info.cls.reloptions->c_str() + pos + 11);
  }
  std::map<int16_t, int> by_attnum;
  for (const auto& a : info.attrs) {
    sql::StoredColumn c;
    c.name = a.attname;
    c.type = a.atttypid;
    c.typmod = EngineTypmod(a.atttypid, a.atttypmod);
    c.not_null = a.attnotnull;
    c.attnum = a.attnum;
    c.identity = a.attidentity;
    auto d = info.defaults.find(a.attnum);
    if (d != info.defaults.end()) c.default_sql = d->second;
    by_attnum[a.attnum] = static_cast<int>(t->columns.size());
    t->columns.push_back(c);
    t->storage_types.push_back(a.atttypid);
  }
  // Tuples have a slot for every attnum, dropped columns included (they read as NULL).
  for (const auto& a : info.physical) t->rel.attrs.push_back(catalog::AttrDescFor(a.attlen, a.attalign, a.attbyval));
  t->physical_index.assign(info.physical.size(), -1);
  for (const auto& [attnum, pos] : by_attnum) t->physical_index[attnum - 1] = pos;
  for (const auto& ix : info.indexes) {
    sql::StoredIndex si;
    si.oid = ix.cls.oid;
    si.name = ix.cls.relname;
    si.unique = ix.index.indisunique;
    si.primary = ix.index.indisprimary;
    std::vector<uint32_t> key_types;
    for (int16_t n : ix.attnums) {
      auto it = by_attnum.find(n);
      si.columns.push_back(it == by_attnum.end() ? -1 : it->second);
      key_types.push_back(it == by_attnum.end() ? sql::oid::kText : t->storage_types[it->second]);
    }
    IndexHandle h;
    h.cmp = std::make_unique<StoredKeyComparator>(key_types);
    h.rel.loc = {smgr::kDefaultTablespace, db, ix.cls.relfilenode};
    h.rel.index_oid = ix.cls.oid;
    h.rel.name = ix.cls.relname;
    h.rel.db_oid = db;
    h.rel.unique = si.unique;
    h.rel.nkeys = static_cast<int>(si.columns.size());
    for (size_t k = 0; k < si.columns.size(); ++k) {
      int16_t o = k < ix.options.size() ? ix.options[k] : 0;
      h.rel.descending.push_back((o & 1) != 0);
      h.rel.nulls_first.push_back((o & 2) != 0);
      si.descending.push_back((o & 1) != 0);
      si.nulls_first.push_back((o & 2) != 0);
    }
    h.rel.cmp = h.cmp.get();
    t->indexes.push_back(std::move(si));
    t->index_handles.push_back(std::move(h));
  }
  for (const auto& c : info.constraints) {
    if (c.contype == 'c' && c.conbin) t->checks.push_back({c.conname, *c.conbin});
  }
  if (info.toast && info.toast_index)
    t->toast = toast::OpenToastRel(db, info.cls.oid, info.toast->oid, info.toast->relfilenode, info.toast_index->oid,
                                   info.toast_index->relfilenode);
  return t;
}

std::map<uint32_t, std::shared_ptr<HeapTable>>& Cache() {
  static std::map<uint32_t, std::shared_ptr<HeapTable>> cache;
  return cache;
}

}  // namespace

std::shared_ptr<sql::StoredTable> OpenStoredTableByOid(uint32_t relid) {
  auto& cache = Cache();
  auto it = cache.find(relid);
  if (it != cache.end()) return it->second;
  for (const catalog::CatalogDef* def : catalog::AllCatalogs()) {
    if (def->oid == relid) return cache[relid] = BuildCatalogTable(*def);
  }
  auto info = catalog::LoadTable(relid, xact::GetTransactionSnapshot(), xact::CurrentXactForVisibility());
  if (!info || (info->cls.relkind != 'r' && info->cls.relkind != 'S')) return nullptr;
  // PostgreSQL keeps their pages in the owner's local buffers and refuses
  // anyone else; Tusk's are shared but stay the owner's alone all the same.
  if (catalog::IsOtherTempRelation(info->cls))
    throw PgError(sqlstate::kFeatureNotSupported, "cannot access temporary tables of other sessions");
  auto t = BuildUserTable(*info);
  t->relkind = info->cls.relkind;
  if (!g_wrote_catalog) cache[relid] = t;
  return t;
}

std::map<std::pair<std::string, std::string>, uint32_t>& NameCache() {
  static std::map<std::pair<std::string, std::string>, uint32_t> cache;
  return cache;
}

std::shared_ptr<sql::StoredTable> OpenStoredTable(const std::string& schema, const std::string& name) {
  auto key = std::make_pair(schema, name);
  auto& names = NameCache();
  auto it = names.find(key);
  if (it != names.end()) return OpenStoredTableByOid(it->second);
  auto cls = catalog::ResolveRelation(schema, name, xact::GetTransactionSnapshot(), xact::CurrentXactForVisibility());
  if (!cls || (cls->relkind != 'r' && cls->relkind != 'S')) return nullptr;
  if (!g_wrote_catalog) names[key] = cls->oid;
  return OpenStoredTableByOid(cls->oid);
}

void ScanIndexKeys(sql::StoredTable& base, const std::vector<int>& cols,
                   const std::function<void(const btree::KeyValues&, ItemPointer)>& emit) {
  btree::KeyValues k(cols.size());
  auto* t = dynamic_cast<HeapTable*>(&base);
  // Index entries name a HOT chain's root, whichever version is visible.
  std::vector<page::OffsetNumber> roots;
  uint32_t roots_block = smgr::kInvalidBlock;
  auto root_of = [&](ItemPointer tid) {
    if (!t) return tid;
    if (tid.block != roots_block) {
      heap::RootOffsets(t->rel, tid.block, &roots);
      roots_block = tid.block;
    }
    if (tid.offset < roots.size() && roots[tid.offset] != page::kInvalidOffset) tid.offset = roots[tid.offset];
    return tid;
  };
  if (!t || !t->text_array_types.empty()) {
    auto scan = base.Scan();
    sql::Row row;
    TupleId tid;
    while (scan->Next(row, &tid)) {
      for (size_t j = 0; j < cols.size(); ++j) {
        const int c = cols[j];
        if (row[c].null) {
          k[j].reset();
        } else {
          k[j].emplace();
          sql::EncodeStored(base.columns[c].type, row[c], *k[j]);
        }
      }
      emit(k, root_of(ItemPointer{tid.block, tid.offset}));
    }
    return;
  }
  // A key is the column's stored bytes, exactly what Insert puts into the
  // index (Encode); out-of-line values are fetched whole.
  std::vector<int> physical(cols.size(), -1);  // attribute number - 1 of each key column
  size_t limit = 0;                            // attributes to read: up to the last key column
  for (size_t j = 0; j < cols.size(); ++j) {
    for (size_t p = 0; p < t->rel.attrs.size(); ++p) {
      const int i = t->physical_index.empty() ? static_cast<int>(p) : t->physical_index[p];
      if (i == cols[j]) physical[j] = static_cast<int>(p);
    }
    limit = std::max(limit, static_cast<size_t>(physical[j] + 1));
  }
  t->LockForRead();
  buffer::RingScope ring;  // a bulk read: the pool keeps what it holds
  heap::HeapScan scan(t->rel, xact::GetTransactionSnapshot(), xact::CurrentXactForVisibility());
  std::vector<std::optional<std::string_view>> values;
  std::vector<bool> external;
  ItemPointer tid;
  std::string_view tuple;
  while (scan.Next(&tid, &tuple)) {
    const bool has_external = heap::TupHasExternal(tuple.data());
    heap::DeformTuple(t->rel.attrs, tuple, &values, has_external ? &external : nullptr, limit);
    for (size_t j = 0; j < cols.size(); ++j) {
      const int p = physical[j];
      if (p < 0 || static_cast<size_t>(p) >= values.size() || !values[p]) {
        k[j].reset();
      } else if (has_external && external[p]) {
        if (!t->toast) throw PgError(sqlstate::kDataCorrupted, "out-of-line value in \"" + t->name + "\" without a toast table");
        k[j].emplace();
        toast::FetchValue(*t->toast, *values[p], &*k[j]);
      } else {
        if (!k[j]) k[j].emplace();
        k[j]->assign(*values[p]);
      }
    }
    emit(k, root_of(tid));
  }
}

VacuumResult VacuumStoredTable(uint32_t relid, bool vacuum, bool analyze, bool autovacuum) {
  VacuumResult out;
  auto base = OpenStoredTableByOid(relid);
  auto* t = dynamic_cast<HeapTable*>(base.get());
  if (!t) return out;
  out.found = true;
  lmgr::Acquire(lmgr::LockTag::Relation(t->rel.db_oid, t->oid), lmgr::LockMode::kShareUpdateExclusive, false);
  if (vacuum) {
    const uint64_t oldest_xmin = transam::GetOldestXmin();
    heap::VacuumStats st = heap::Vacuum(t->rel, oldest_xmin, [&](const std::vector<ItemPointer>& dead) {
      if (!t->index_handles.empty()) ++out.index_scans;
      for (auto& h : t->index_handles) btree::BulkDeleteTids(h.rel, dead);
    });
    if (t->toast) toast::Vacuum(*t->toast, oldest_xmin);
    out.pages = st.nblocks_after;
    out.tuples = st.tuples_remaining;
    out.removed = st.tuples_removed;
    out.pages_removed = st.pages_truncated;
    out.pages_scanned = st.pages_scanned;
    out.recently_dead = st.recently_dead;
    pgstat::ReportVacuum(t->rel.db_oid, t->oid, static_cast<int64_t>(st.tuples_remaining - st.recently_dead),
                         static_cast<int64_t>(st.recently_dead), autovacuum);
  }
  if (analyze) {
    // Only the count of visible rows is kept: no row is decoded.
    t->LockForRead();
    buffer::RingScope ring;
    heap::HeapScan scan(t->rel, xact::GetTransactionSnapshot(), xact::CurrentXactForVisibility());
    out.tuples = 0;
    while (scan.Next(nullptr, nullptr)) ++out.tuples;
    out.pages = buffer::RelationNumBlocks(t->rel.loc, smgr::Fork::kMain);
    pgstat::ReportAnalyze(t->rel.db_oid, t->oid, static_cast<int64_t>(out.tuples), 0, autovacuum);
  }
  return out;
}

static std::map<std::pair<std::string, std::string>, std::shared_ptr<const sql::ViewDef>>& ViewCache() {
  static std::map<std::pair<std::string, std::string>, std::shared_ptr<const sql::ViewDef>> cache;
  return cache;
}

std::shared_ptr<const sql::ViewDef> OpenView(const std::string& schema, const std::string& name) {
  auto key = std::make_pair(schema, name);
  auto it = ViewCache().find(key);
  if (it != ViewCache().end()) return it->second;
  const transam::Snapshot& snap = xact::GetTransactionSnapshot();
  transam::CurrentXact me = xact::CurrentXactForVisibility();
  auto cls = catalog::ResolveRelation(schema, name, snap, me);
  if (!cls || cls->relkind != 'v') return nullptr;
  auto rules = catalog::ScanCatalog<catalog::RewriteRow>(snap, me, [&](const catalog::RewriteRow& r) {
    return r.ev_class == cls->oid;
  });
  if (rules.empty()) return nullptr;
  auto stmts = sql::ParseQuery(rules[0].ev_action);
  if (stmts.size() != 1) throw PgError(sqlstate::kInternalError, "unreadable view definition of \"" + name + "\"");
  auto def = std::make_shared<sql::ViewDef>();
  def->query = std::shared_ptr<const sql::Statement>(std::move(stmts[0]));
  def->oid = cls->oid;
  def->name = cls->relname;
  def->owner = cls->relowner;
  def->acl = cls->relacl;
  for (const auto& a : catalog::RelationAttributes(cls->oid, snap, me)) def->columns.push_back(a.attname);
  if (!g_wrote_catalog) ViewCache()[key] = def;
  return def;
}

namespace {
uint64_t g_cache_epoch = 1;  // moves whenever the caches below are dropped

void DropCaches() {
  Cache().clear();
  NameCache().clear();
  ViewCache().clear();
  ++g_cache_epoch;
}
}  // namespace

uint64_t StoredTablesEpoch() { return g_wrote_catalog ? 0 : g_cache_epoch; }

void StoredTablesAtStatementStart() {
  ++g_statement;
  StoredTablesRefresh();
}

void StoredTablesRefresh() {
  uint64_t v = sinval::CatalogVersion();
  // Unqualified names were resolved through search_path: a new path may
  // name other relations.
  static std::string cache_search_path;
  const std::string& search_path = guc::V().search_path;
  // Plans checked privileges for one user: SET ROLE needs new ones.
  static uint32_t cache_user = 0;
  if (v != g_cache_version || search_path != cache_search_path || catalog::CurrentUser() != cache_user) {
    DropCaches();
    g_cache_version = v;
    cache_search_path = search_path;
    cache_user = catalog::CurrentUser();
  }
}

namespace {
bool g_published = false;  // this transaction's catalog changes were announced before its locks went

// xact::Commit, after the commit is visible and before the locks go: a
// session that waited for one of this transaction's locks must find the
// catalog version moved once it holds it (sequences re-read their
// relfilenode and parameters then).
void PublishBeforeUnlock() {
  if (g_wrote_catalog && !g_published) {
    sinval::CatalogChanged();
    g_published = true;
  }
}
}  // namespace

void StoredTablesCatalogWritten() {
  g_wrote_catalog = true;
  xact::SetBeforeUnlockHook(&PublishBeforeUnlock);
  DropCaches();
}

namespace {
std::map<uint32_t, uint64_t>& NewRelfilenodes() {  // relid -> (sub)transaction xid
  static std::map<uint32_t, uint64_t> m;
  return m;
}
}  // namespace

void NoteNewRelfilenode(uint32_t relid) { NewRelfilenodes()[relid] = xact::GetXid(true); }

bool HasNewRelfilenodeInCurrentSubtransaction(uint32_t relid) {
  auto it = NewRelfilenodes().find(relid);
  return it != NewRelfilenodes().end() && it->second != 0 && it->second == xact::GetXid(false);
}

void StoredTablesAtTransactionEnd() {
  NewRelfilenodes().clear();
  if (g_wrote_catalog) {
    g_wrote_catalog = false;
    DropCaches();
    if (!g_published) sinval::CatalogChanged();
    g_cache_version = ~0ull;  // rebuild at the next statement
  }
  g_published = false;
}

}  // namespace tusk::backend
