// Pieces shared by the heap's files but not its callers: the free-space map,
// WAL record codes and payload layouts, and the redo-side buffer helper.
// Record layouts are described in README.md ("WAL records").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "access/heap/heap_tuple.h"
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
