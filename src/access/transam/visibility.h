// Tuple visibility for heap tuples with 64-bit xmin/xmax: the infomask bits
// the heap stores, and the MVCC, dirty, update and vacuum checks over them.
// Checks may set hint bits in the fields they are given; the caller then marks the buffer dirty.
#pragma once

#include <cstdint>
#include <vector>

#include "access/transam/snapshot.h"

namespace tusk::transam {

// t_infomask bits (PostgreSQL's values, so pageinspect-style output matches).
namespace infomask {
inline constexpr uint16_t kHasNull = 0x0001;
inline constexpr uint16_t kHasVarWidth = 0x0002;
inline constexpr uint16_t kHasExternal = 0x0004;
inline constexpr uint16_t kXmaxKeyShrLock = 0x0010;  // FOR KEY SHARE
inline constexpr uint16_t kComboCid = 0x0020;        // cid is a combo of cmin and cmax (see ComboCid)
inline constexpr uint16_t kXmaxExclLock = 0x0040;    // FOR UPDATE / FOR NO KEY UPDATE
inline constexpr uint16_t kXmaxLockOnly = 0x0080;    // xmax only locked the row, did not delete it
inline constexpr uint16_t kXmaxShrLock = kXmaxExclLock | kXmaxKeyShrLock;  // FOR SHARE
inline constexpr uint16_t kLockMask = kXmaxShrLock | kXmaxExclLock | kXmaxKeyShrLock;
inline constexpr uint16_t kXminCommitted = 0x0100;  // hint: xmin is known committed
inline constexpr uint16_t kXminInvalid = 0x0200;    // hint: xmin is known aborted
inline constexpr uint16_t kXminFrozen = kXminCommitted | kXminInvalid;  // visible to all
inline constexpr uint16_t kXmaxCommitted = 0x0400;  // hint: xmax is known committed
inline constexpr uint16_t kXmaxInvalid = 0x0800;    // xmax is invalid or known aborted
inline constexpr uint16_t kXmaxIsMulti = 0x1000;    // reserved: multixacts are not implemented yet
inline constexpr uint16_t kUpdated = 0x2000;        // this version was made by an UPDATE
inline constexpr uint16_t kXactMask = 0xFFF0;       // everything visibility owns
}  // namespace infomask

// t_infomask2 bits, for the heap's own header (visibility does not read them).
namespace infomask2 {
inline constexpr uint16_t kNattsMask = 0x07FF;
inline constexpr uint16_t kKeysUpdated = 0x2000;  // the update changed key columns (or it was a delete)
inline constexpr uint16_t kHotUpdated = 0x4000;   // the newer version is heap-only
inline constexpr uint16_t kHeapOnly = 0x8000;     // this version has no index entries
}  // namespace infomask2

struct TupleXactFields {
  uint64_t xmin = 0;
  uint64_t xmax = 0;
  uint32_t cid = 0;  // cmin, or cmax, or a combo id (infomask::kComboCid)
  uint16_t infomask = 0;
};

// The caller's transaction, for "did I do this?": its top xid, its
// subtransaction xids that have not been rolled back, and the current command.
struct CurrentXact {
  uint64_t top_xid = 0;             // 0 if none assigned yet
  std::vector<uint64_t> subxids;    // live subtransactions (committed or running)
  uint32_t curcid = 0;
  bool IsMine(uint64_t xid) const;
};

// Combo command ids: a tuple inserted and deleted by the same transaction needs
// both cids in one field. The map is per process and per transaction.
uint32_t ComboCid(uint32_t cmin, uint32_t cmax);
uint32_t Cmin(const TupleXactFields& t);
uint32_t Cmax(const TupleXactFields& t);
void ResetComboCids();  // at transaction end

// Visible to an MVCC snapshot? Own changes count by the snapshot's curcid:
// inserted by a command before it, deleted by none before it.
bool SatisfiesMvcc(TupleXactFields& t, const Snapshot& snapshot, const CurrentXact& me);

// Unique checks: visible to "anything committed or in progress"? When the
// answer depends on a transaction still running, its xid is returned to wait on.
struct DirtyResult {
  bool visible = false;
  uint64_t wait_xmin = 0;  // inserter still running
  uint64_t wait_xmax = 0;  // deleter still running
};
DirtyResult SatisfiesDirty(TupleXactFields& t, const CurrentXact& me);

// May `me` update/delete/lock this tuple at command `me.curcid`?
enum class TmResult {
  kOk,             // yes
  kInvisible,      // the tuple is not visible to us at all
  kSelfModified,   // we changed it ourselves in this or a later command
  kBeingModified,  // xmax (returned) is running or holds a lock: the caller waits or checks lock modes
  kUpdated,        // updated or deleted by a committed transaction (xmax returned); the heap tells which by ctid
};
struct UpdateResult {
  TmResult result = TmResult::kOk;
  uint64_t xmax = 0;
};
UpdateResult SatisfiesUpdate(TupleXactFields& t, const CurrentXact& me);

enum class VacuumResult { kLive, kDead, kRecentlyDead, kInsertInProgress, kDeleteInProgress };
VacuumResult SatisfiesVacuum(TupleXactFields& t, uint64_t oldest_xmin);

}  // namespace tusk::transam
