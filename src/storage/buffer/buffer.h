// The shared buffer pool: shared_buffers 8 kB pages with pins, content
// locks, single-reader I/O, clock-sweep replacement and WAL-before-data
// writes. Rules for callers: src/storage/buffer/README.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "storage/file/smgr.h"
#include "storage/lmgr/lwlock.h"
#include "utils/guc_vars.h"

namespace tusk::buffer {

using Buffer = int;  // 1-based; 0 is invalid
inline constexpr Buffer kInvalidBuffer = 0;
// ReadBuffer's block number meaning "extend the relation by one page".
inline constexpr uint32_t kNewBlock = smgr::kInvalidBlock;

struct BufferTag {
  smgr::RelFileLocator loc;
  smgr::Fork fork = smgr::Fork::kMain;
  uint32_t block = 0;
  bool operator==(const BufferTag&) const = default;
};

size_t ShmemSize(const guc::Vars& vars);
// Lays out the pool in the shared region; also resets this process's pins.
void ShmemInit(const guc::Vars& vars);
int NumBuffers();
// Counts ShmemInit calls in this process: a process-local cache of file
// facts (fsm.cc) starts over when a pool (a cluster) is set up again.
uint64_t PoolEpoch();

// Pins the block, reading it through smgr if it is not cached. kNewBlock
// adds a zeroed page at the end and returns it. Throws PgError on read
// errors, on a page that fails verification ("invalid page in block ..."),
// and when every buffer is pinned ("no unpinned buffers available").
Buffer ReadBuffer(const smgr::RelFileLocator& loc, smgr::Fork fork, uint32_t block);
// For a caller that replaces the whole page (redo of a full-page image or of
// a page rebuilt from empty): a page not cached is zero-filled, not read.
// The block must exist in the file.
Buffer ReadBufferForOverwrite(const smgr::RelFileLocator& loc, smgr::Fork fork, uint32_t block);
void ReleaseBuffer(Buffer buf);
// Another pin on a buffer this process already pins.
void IncrBufferRefCount(Buffer buf);

void LockBuffer(Buffer buf, LWLockMode mode);
void UnlockBuffer(Buffer buf);
bool ConditionalLockBuffer(Buffer buf);  // exclusive, only if free now
// Exclusive lock while no other process holds a pin (vacuum); waits.
void LockBufferForCleanup(Buffer buf);
// The same without waiting: false (and no lock held) if the content lock
// is taken or any other pin is held.
bool ConditionalLockBufferForCleanup(Buffer buf);
// Caller holds the content lock exclusively and has changed the page.
void MarkBufferDirty(Buffer buf);

char* BufferPage(Buffer buf);
BufferTag TagOf(Buffer buf);
uint32_t RelationNumBlocks(const smgr::RelFileLocator& loc, smgr::Fork fork);
// WAL replay (the startup process): between these calls RelationNumBlocks
// and extension remember each existing fork's size instead of asking the
// file per record. Sound only while this process alone changes sizes, and
// every shrink or removal goes through DropRelationBuffers (which forgets).
// ReadBuffer also keeps the last few buffers pinned meanwhile, so a page
// the next records touch again is found without the mapping table.
void BeginRedoSizes();
void EndRedoSizes();
// Whether `block` is inside the relation fork: answered from the size this
// process last saw while no relation was truncated since (sinval.h), so a
// TID's check costs no system call; the file is asked only past that size.
bool BlockExists(const smgr::RelFileLocator& loc, smgr::Fork fork, uint32_t block);

// Forgets (without writing) the fork's cached blocks >= first_block, for
// truncation and drops. The caller ensures nobody else uses the relation.
void DropRelationBuffers(const smgr::RelFileLocator& loc, smgr::Fork fork, uint32_t first_block);
// Writes every dirty cached block of every fork of the relation.
void FlushRelationBuffers(const smgr::RelFileLocator& loc);
// Checkpoint: writes every buffer dirty at the start; `progress(done, total)`
// is called after each write so the caller can pace itself. Returns the count.
int FlushAllDirtyBuffers(const std::function<void(int done, int total)>& progress = {});
// Background writer: writes some dirty, unpinned, unused buffers just ahead
// of the clock hand, at most bgwriter_lru_maxpages. Returns how many.
int BgWriterStep();

// Error recovery: releases every content lock and pin this process holds.
void ReleaseAllPins();
inline void AtAbort() { ReleaseAllPins(); }
int NumPinnedByMe();

// A bulk pass over a relation (vacuum, an index build's heap scan, ANALYZE)
// reads the blocks it does not find cached through a small ring of buffers
// of its own, as PostgreSQL's BAS_VACUUM / BAS_BULKREAD strategies do,
// instead of pushing the whole pool out (and writing every dirty page it
// evicts). While a RingScope lives, such a block takes the ring's next
// buffer if nobody else has used it since, else a clock-sweep victim that
// then joins the ring. Blocks found cached are used where they are.
class RingScope {
 public:
  explicit RingScope(int nbuffers = 32);
  ~RingScope();
  RingScope(const RingScope&) = delete;
  RingScope& operator=(const RingScope&) = delete;

 private:
  bool outer_active_;
};

// Called with a page's LSN before that page is written (WAL before data).
void SetWalFlushHook(void (*hook)(uint64_t lsn));

}  // namespace tusk::buffer
