// Pieces shared by the heap's files but not its callers: the free-space map,
// WAL record codes and payload layouts, and the redo-side buffer helper.
// Record layouts are described in README.md ("WAL records").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "access/heap/heap_tuple.h"
#include "access/heap/heapam.h"
#include "access/wal/wal.h"
#include "access/wal/wal_reader.h"
#include "access/wal/wal_redo.h"
#include "storage/buffer/buffer.h"
#include "storage/file/smgr.h"

namespace tusk::heap::internal {

// ---- WAL record codes (info byte; the top bit is a flag) ----
inline constexpr uint8_t kOpMask = 0x70;
inline constexpr uint8_t kHeapInsert = 0x00;
inline constexpr uint8_t kHeapDelete = 0x10;
inline constexpr uint8_t kHeapUpdate = 0x20;
inline constexpr uint8_t kHeapLock = 0x30;
inline constexpr uint8_t kHeapInitPage = 0x80;  // the (new) target page is rebuilt from empty
inline constexpr uint8_t kHeap2Prune = 0x10;
inline constexpr uint8_t kHeap2Vacuum = 0x20;
// Pruning with HOT chains: nredirected, ndead, nunused (2 each), then the
// redirect pairs (from, to), the dead and the unused offsets (2 each).
inline constexpr uint8_t kHeap2PruneHot = 0x30;
inline constexpr uint8_t kHeap2MultiInsert = 0x50;
// MULTI_INSERT main data before the offsets: n (2), xmin (8), cid (4).
inline constexpr size_t kMultiInsertHeader = 14;
inline constexpr uint8_t kSmgrCreate = 0x10;
inline constexpr uint8_t kSmgrTruncate = 0x20;

// infomask bits a delete/update/lock replaces (and redo restores); hint bits
// about xmin are never logged, since they are safe to lose (transam inv. 6).
inline constexpr uint16_t kXmaxBits =
    transam::infomask::kXmaxCommitted | transam::infomask::kXmaxInvalid | transam::infomask::kXmaxIsMulti |
    transam::infomask::kLockMask | transam::infomask::kXmaxLockOnly | transam::infomask::kComboCid;

// New xmax-side header state of one tuple: 26 bytes on disk.
struct XmaxChange {
  uint16_t offset = 0;
  uint64_t xmax = 0;
  uint32_t cid = 0;
  uint16_t infomask_bits = 0;  // the kXmaxBits part of the new infomask
  uint16_t infomask2 = 0;
  ItemPointer ctid;
};
inline constexpr size_t kXmaxChangeSize = 2 + 8 + 4 + 2 + 2 + 4 + 2;
std::string EncodeXmaxChange(const XmaxChange& c);
XmaxChange DecodeXmaxChange(const char* p);
// Captures the tuple's current state, or applies a logged one.
XmaxChange CaptureXmaxChange(const char* tuple, uint16_t offset);
void ApplyXmaxChange(char* page, const XmaxChange& c);

wal::RelFileLocator ToWal(const smgr::RelFileLocator& l);
smgr::RelFileLocator FromWal(const wal::RelFileLocator& l);

// ---- HOT chains and pruning (prune.cc) ----
// HOT_UPDATED with a live xmax: the next version is on this page, heap-only.
bool IsHotUpdated(const char* tuple);
bool IsHeapOnly(const char* tuple);
// The chain member after `off` (a normal line pointer), or kInvalidOffset
// at the chain's end.
page::OffsetNumber HotNext(const char* page, uint32_t block, page::OffsetNumber off);
// First version of the chain an index entry pointing at `root` reaches
// (through a redirect), or kInvalidOffset if `root` starts no chain.
page::OffsetNumber ChainStart(const char* page, page::OffsetNumber root);
struct PruneResult {
  size_t removed = 0;                       // versions pruned
  size_t remaining = 0;                     // normal line pointers left
  size_t recently_dead = 0;                 // of those, dead to some snapshot only
  std::vector<page::OffsetNumber> dead_lps; // dead line pointers now on the page
};
// Prunes every chain of a page held with a cleanup lock (vacuum pass 1 and
// opportunistic pruning), logging one PRUNE record if anything changed.
PruneResult PrunePage(const Relation& rel, buffer::Buffer buf, uint64_t oldest_xmin);
wal::Lsn LogPrune(const Relation& rel, buffer::Buffer buf, const std::vector<page::OffsetNumber>& redirected,
                  const std::vector<page::OffsetNumber>& dead, const std::vector<page::OffsetNumber>& unused);
// A reader's pinned (not locked) page: prunes it if it is nearly full, has
// versions dead to everyone, and nobody else holds it right now.
void MaybePrune(const Relation& rel, buffer::Buffer buf);

// ---- redo ----
enum class RedoAction { kNeedsRedo, kRestored, kDone, kNotFound };
// Pins and exclusively locks the block of reference `id`, restoring its image
// or initialising it (will-init) as logged, and says whether the record's
// change must still be applied. *buf is kInvalidBuffer for kNotFound.
RedoAction ReadForRedo(const wal::DecodedRecord& rec, uint8_t id, buffer::Buffer* buf);
// Stamps the record's end LSN when changed, marks dirty, unlocks and unpins.
void FinishRedo(const wal::DecodedRecord& rec, buffer::Buffer buf, bool changed);
void HeapRedo(const wal::DecodedRecord& rec);
void Heap2Redo(const wal::DecodedRecord& rec);
void SmgrRedo(const wal::DecodedRecord& rec);

// ---- free-space map (fork kFsm, not WAL-logged: a hint) ----
// One byte per heap block: free bytes / 32. FSM block b covers heap blocks
// [b * kFsmSlotsPerPage, (b + 1) * kFsmSlotsPerPage), kept in the special area.
inline constexpr size_t kFsmSlotsPerPage = page::kPageSize - page::MaxAlign(page::kHeaderSize);
void FsmRecord(const smgr::RelFileLocator& loc, uint32_t block, size_t free_bytes);
// A block recorded with at least `needed` free bytes, starting at `start`
// (wrapping), below `nblocks`; smgr::kInvalidBlock if none.
uint32_t FsmSearch(const smgr::RelFileLocator& loc, size_t needed, uint32_t start, uint32_t nblocks);
size_t FsmGet(const smgr::RelFileLocator& loc, uint32_t block);
// Forgets blocks >= nblocks (after truncation).
void FsmTruncate(const smgr::RelFileLocator& loc, uint32_t nblocks);

}  // namespace tusk::heap::internal
