// The heap access method: insert, delete, update and row locks with 64-bit
// xmin/xmax, MVCC fetch and sequential scans, lazy vacuum, and WAL redo.
// Rules and invariants: src/access/heap/README.md.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "access/heap/heap_tuple.h"
#include "access/transam/snapshot.h"
#include "access/transam/visibility.h"
#include "storage/buffer/buffer.h"
#include "storage/file/smgr.h"

namespace tusk::heap {

struct Relation {
  smgr::RelFileLocator loc;
  uint32_t rel_oid = 0;
  uint32_t db_oid = 0;
  std::vector<AttrDesc> attrs;
  int fillfactor = 100;  // 10..100: percent of each page inserts may fill
  std::string name;      // for error messages ("could not obtain lock on row in relation ...")
};

// The caller's transaction. `xid` is the top-level xid, already assigned;
// `subxids` its live subtransactions; `stamp_xid` (0 = xid) the innermost
// running subtransaction, whose xid goes into the tuples written.
struct XactContext {
  uint64_t xid = 0;
  std::vector<uint64_t> subxids;
  uint32_t cid = 0;
  transam::Snapshot snapshot;
  uint64_t stamp_xid = 0;

  uint64_t StampXid() const { return stamp_xid != 0 ? stamp_xid : xid; }
  transam::CurrentXact Me() const { return {xid, subxids, cid}; }
};

// Outcome of Delete/Update/LockTuple (PostgreSQL's TM_Result).
enum class TmStatus {
  kOk,
  kInvisible,     // not visible to the command at all (or no tuple at that tid)
  kSelfModified,  // already changed by this transaction's current or a later command
  kUpdated,       // a committed transaction updated it: failure.ctid is the newer version
  kDeleted,       // a committed transaction deleted it
  kWouldBlock,    // another transaction holds it and the caller would not wait
};
struct TmFailure {
  ItemPointer ctid;  // newer version (kUpdated), or the tuple itself
  uint64_t xmax = 0;
  uint32_t cmax = 0;  // kSelfModified: the command that changed it
};

enum class RowLockMode { kKeyShare, kShare, kNoKeyUpdate, kUpdate };
enum class LockWaitPolicy { kBlock, kNoWait, kSkipLocked };

// Creates the main fork (WAL-logged: redo re-creates it after a crash).
void CreateStorage(const smgr::RelFileLocator& loc);
// Shrinks the main fork to nblocks (WAL-logged and flushed first), dropping
// cached pages past it. Caller holds AccessExclusiveLock or equivalent.
void TruncateStorage(const smgr::RelFileLocator& loc, uint32_t nblocks);

// Stamps xmin/cid into a copy of `tuple` and stores it. Throws 54000 when it
// cannot fit a page (no TOAST yet).
ItemPointer Insert(Relation& rel, std::string_view tuple, XactContext& xact);
// COPY and TOAST: as Insert for each tuple, filling a page at a time under
// one lock and logging one MULTI_INSERT record per page. The first form
// stamps the tuples in place and appends their tids to *tids (if given);
// `frozen` (COPY FREEZE into storage new in this subtransaction) marks them
// visible to every snapshot once committed, so no later pass hints them;
// the free-space map is then neither searched nor updated (the storage was
// empty at the start of the subtransaction; vacuum records the pages).
void MultiInsert(Relation& rel, std::vector<std::string>& tuples, XactContext& xact, std::vector<ItemPointer>* tids,
                 bool frozen = false);
std::vector<ItemPointer> MultiInsert(Relation& rel, const std::vector<std::string>& tuples, XactContext& xact);
// Throws what Insert would for a tuple of this size (54000 when too big).
void CheckTupleSize(size_t size);

TmStatus Delete(Relation& rel, ItemPointer tid, XactContext& xact, bool wait, TmFailure* failure = nullptr);
// A HOT update (*hot set) when `indexed_attrs` is given, none of those
// attributes (0-based) changes and the new version fits on the old one's
// page: the new version is heap-only, and the caller adds no index entries.
TmStatus Update(Relation& rel, ItemPointer tid, std::string_view new_tuple, XactContext& xact, bool wait,
                ItemPointer* new_tid, TmFailure* failure = nullptr,
                const std::vector<uint16_t>* indexed_attrs = nullptr, bool* hot = nullptr);
// Row lock by xmax with LOCK_ONLY. kNoWait throws 55P03; kSkipLocked returns kWouldBlock.
TmStatus LockTuple(Relation& rel, ItemPointer tid, RowLockMode mode, XactContext& xact, LockWaitPolicy policy,
                   TmFailure* failure = nullptr);

// Copies the tuple at tid into *out if it is visible to the snapshot. When
// it is not and `dead_to_all` is given, says whether no transaction can see
// it any more (pruned, or dead before the oldest xmin, which is computed into
// *oldest_xmin if that is 0): index scans mark such entries so nobody visits
// the heap for them again.
// `tid` is an index entry's: the version returned is the member of its HOT
// chain the snapshot sees, at *at; "dead to all" covers the whole chain.
// A nearly full page is pruned on the way (internal::MaybePrune).
bool Fetch(Relation& rel, ItemPointer tid, const transam::Snapshot& snapshot, const transam::CurrentXact& me,
           std::string* out, uint64_t* oldest_xmin = nullptr, bool* dead_to_all = nullptr, ItemPointer* at = nullptr);

// Copies the tuple at tid into *out whatever its visibility, as long as the
// line pointer holds one (TOAST chunks: the owning row was already judged
// visible, and its chunks live and die with it).
bool FetchAnyVersion(Relation& rel, ItemPointer tid, std::string* out);

// Sequential scan. Visibility of a whole page is decided under one shared
// lock; returned tuples point into the pinned page until the next call.
class HeapScan {
 public:
  HeapScan(Relation& rel, const transam::Snapshot& snapshot, const transam::CurrentXact& me);
  // A share of a parallel scan: the blocks next_block hands out (false: no
  // more), each to exactly one of the processes scanning.
  HeapScan(Relation& rel, const transam::Snapshot& snapshot, const transam::CurrentXact& me,
           std::function<bool(uint32_t*)> next_block);
  ~HeapScan();
  HeapScan(const HeapScan&) = delete;
  HeapScan& operator=(const HeapScan&) = delete;
  bool Next(ItemPointer* tid, std::string_view* tuple);

 private:
  bool LoadPage(uint32_t block);
  Relation& rel_;
  transam::Snapshot snapshot_;
  transam::CurrentXact me_;
  uint32_t nblocks_;
  uint32_t block_ = 0;
  std::function<bool(uint32_t*)> next_block_;
  buffer::Buffer buf_ = buffer::kInvalidBuffer;
  std::vector<page::OffsetNumber> visible_;
  size_t next_ = 0;
};

// Unique checks: is the tuple at tid live to "anything committed or in
// progress", and which running transaction decides it?
// `tid` is an index entry's: the first member of its HOT chain that is
// visible or in progress decides (its tid in *at).
transam::DirtyResult FetchDirty(Relation& rel, ItemPointer tid, const transam::CurrentXact& me,
                                ItemPointer* at = nullptr);
// READ COMMITTED re-check: follows the update chain from tid to the version
// that is committed (or in progress) and not updated by a committed
// transaction; false if the row was deleted on the way.
bool FetchLatest(Relation& rel, ItemPointer tid, const transam::CurrentXact& me, ItemPointer* at, std::string* out);

struct VacuumStats {
  uint64_t pages_scanned = 0;
  uint64_t tuples_removed = 0;       // by this vacuum's pruning
  uint64_t dead_line_pointers = 0;   // cleared with their index entries (readers' pruning included)
  uint64_t tuples_remaining = 0;     // live and recently dead
  uint64_t recently_dead = 0;
  uint64_t pages_truncated = 0;
  uint64_t nblocks_after = 0;
};
// Lazy vacuum: prune dead tuples to dead line pointers, let `delete_index_entries`
// remove their index entries, then mark them unused, refresh the FSM and cut
// empty pages off the end (if AccessExclusiveLock is free right now).
VacuumStats Vacuum(Relation& rel, uint64_t oldest_xmin,
                   const std::function<void(const std::vector<ItemPointer>&)>& delete_index_entries = {});

// For each offset of a block, the root of its HOT chain (the line pointer
// index entries must name), kInvalidOffset for versions no chain reaches.
void RootOffsets(const Relation& rel, uint32_t block, std::vector<page::OffsetNumber>* roots);

// Registers kRmgrSmgr, kRmgrHeap and kRmgrHeap2 redo (postmaster, before forking).
void RegisterHeapRmgrs();

// Free space the FSM records for a block (bytes, rounded down to 32); for tests.
size_t RecordedFreeSpace(const Relation& rel, uint32_t block);

}  // namespace tusk::heap
