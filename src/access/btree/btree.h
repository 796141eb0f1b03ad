// The B-tree index access method: a Lehman-Yao tree with right-links and
// high keys, heap TID as the last key column, unique checks, scans, vacuum
// and WAL redo. Rules and invariants: src/access/btree/README.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/page/item_pointer.h"
#include "storage/file/smgr.h"

namespace tusk::btree {

// A heap tuple's address. (Shared header candidate: the heap will need the same.)
using ItemPointer = tusk::ItemPointer;

// Compares one key column's encoded values: <0, 0, >0. Never sees NULLs.
class KeyComparator {
 public:
  virtual ~KeyComparator() = default;
  virtual int Compare(int key_no, std::string_view a, std::string_view b) const = 0;
  // An unsigned image of a (non-NULL) key value whose order is exactly
  // Compare's, if the column's type has one (integers, dates, timestamps):
  // Build then sorts by it. False: compare with Compare.
  virtual bool SortImage(int key_no, std::string_view v, uint64_t* out) const {
    (void)key_no;
    (void)v;
    (void)out;
    return false;
  }
};

// Identity and shape of one index. The caller creates the relation's main
// fork (smgr::Create) before CreateEmpty/Build.
struct IndexRel {
  smgr::RelFileLocator loc;
  uint32_t index_oid = 0;
  uint32_t db_oid = 0;
  std::string name;  // for messages
  bool unique = false;
  int nkeys = 1;
  std::vector<bool> descending, nulls_first;  // per key column; empty = all false
  const KeyComparator* cmp = nullptr;
};

// One value per key column; nullopt is SQL NULL.
using KeyValues = std::vector<std::optional<std::string>>;

// Creates the metapage (block 0) of an empty index; WAL-logged.
void CreateEmpty(IndexRel& rel);

// Feeds every (keys, tid) pair of the heap, in any order, to `emit`.
using BuildScan = std::function<void(const std::function<void(const KeyValues&, ItemPointer)>& emit)>;
// Sorts the entries and loads the tree bottom-up into an empty relation;
// every page is WAL-logged as a full-page image. Returns the tuple count.
// With `duplicate` (unique indexes), equal keys without NULLs are handed to
// it before anything is written; it is expected to throw.
using DuplicateFn = std::function<void(const KeyValues&)>;
uint64_t Build(IndexRel& rel, const BuildScan& scan, const DuplicateFn& duplicate = {});

enum class UniqueCheck { kNo, kYes };
enum class TidStatus { kDead, kLiveCommitted, kInProgress };
struct Liveness {
  TidStatus status = TidStatus::kDead;
  uint64_t xid = 0;  // the inserting or deleting transaction when kInProgress
};
// Called with buffer locks held: must not touch this index.
using LivenessFn = std::function<Liveness(ItemPointer)>;

struct InsertResult {
  enum Code { kOk, kUniqueViolation } code = kOk;
  KeyValues conflicting_key;    // for the caller's "Key (...)=(...) already exists."
  ItemPointer conflicting_tid;  // the live heap tuple holding the key
};
// Inserts one entry. With kYes and no NULL key, equal keys are checked
// first: dead ones are ignored, a transaction in progress is waited for
// (lmgr transaction lock, so the caller needs a process-array slot) and the
// check repeated, a live one returns kUniqueViolation without inserting.
InsertResult Insert(IndexRel& rel, const KeyValues& keys, ItemPointer tid,
                    UniqueCheck check = UniqueCheck::kNo, const LivenessFn& liveness = {});

// Scan conditions on one key column, in the type's own (comparator) order,
// whatever the column's ASC/DESC. No bound: the column is unrestricted.
// A restricted column never matches NULL.
struct Bound {
  std::string value;
  bool inclusive = true;
};
struct ScanKey {
  std::optional<Bound> lower, upper;
  static ScanKey Eq(std::string v) { return {Bound{v, true}, Bound{v, true}}; }
};
enum class ScanDirection { kForward, kBackward };

// Returns matching heap TIDs in index order (or reverse). An IN list is run
// as one scan per value by the caller. Holds no buffer pin between calls:
// each leaf's matches are copied under its lock, then the pin is dropped.
class IndexScan {
 public:
  // `keys` has at most rel.nkeys entries; missing trailing columns are unrestricted.
  IndexScan(IndexRel& rel, std::vector<ScanKey> keys, ScanDirection dir = ScanDirection::kForward);
  bool Next(ItemPointer* tid);
  // The heap tuple of the last TID returned is dead to every transaction:
  // marks its entry so later scans skip it (a hint; best effort).
  void KillCurrent();
  // The key values of the last tuple returned (index-only use, tests).
  const KeyValues& CurrentKeys() const { return keys_out_[pos_ - 1]; }

 private:
  struct IdxBound {
    bool set = false;
    std::string value;
    bool inclusive = true;
  };
  void Position();
  // Copies the matches of the locked leaf `buf` starting at `start`, sets
  // done_ when the end bound was passed, and releases the buffer.
  void ReadLeaf(int buf, uint16_t start);
  // Returns 1 match, 0 skip, -1 stop.
  int Match(const char* tuple) const;

  IndexRel& rel_;
  ScanDirection dir_;
  std::vector<IdxBound> lo_, hi_;  // index-order bounds per column
  std::vector<bool> eq_;
  bool started_ = false, done_ = false;
  uint32_t cur_block_ = 0, next_block_ = 0;  // next: right-link (forward) or left-link (backward)
  uint64_t cur_lsn_ = 0;                     // cur_block_'s LSN when its matches were copied
  std::vector<ItemPointer> items_;
  std::vector<KeyValues> keys_out_;
  size_t pos_ = 0;
};

// Vacuum: removes every leaf entry whose heap TID `is_dead` says is dead.
// Pages are never deleted (even when emptied). Returns entries removed.
uint64_t BulkDelete(IndexRel& rel, const std::function<bool(ItemPointer)>& is_dead);
// The same for the heap vacuum's list of dead TIDs (any order).
uint64_t BulkDeleteTids(IndexRel& rel, std::vector<ItemPointer> dead);

// Registers the B-tree redo function under wal::kRmgrBtree; call before forking.
void RegisterBtreeRmgr();

// Structural check (tests, amcheck-like): keys ordered within and across
// pages, high keys bound their pages, sibling links agree, levels agree,
// downlinks match child high keys, no incomplete split. Empty string if
// sound, else a description of the first problems. *leaf_tuples gets the count.
std::string CheckTree(IndexRel& rel, uint64_t* leaf_tuples = nullptr);

}  // namespace tusk::btree
