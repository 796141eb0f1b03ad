// Shared between the WAL's own source files only: the shared-memory control
// block and the segment-file helpers. Lock order: insert_lock, then
// write_lock, then install_lock (README.md, invariant 1).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "access/wal/wal_format.h"
#include "storage/lmgr/lwlock.h"

namespace tusk::wal::internal {

struct WalShared {
  // Serialises reserving space and copying records into the buffers, so
  // records appear in the stream in the order their prev-links say.
  LWLock insert_lock;
  // Held while writing buffers to segment files and syncing them; flushers
  // queue on it, which is what groups their commits.
  LWLock write_lock;
  // Held while creating, renaming or unlinking files in pg_wal.
  LWLock install_lock;

  // End of the last inserted record, 8-byte aligned. Written under
  // insert_lock after the record's bytes are in the buffers; read lock-free.
  std::atomic<uint64_t> insert_pos;
  // Start of the last inserted record (the next prev-link). insert_lock.
  uint64_t prev_record;
  // Redo pointer of the running checkpoint. Written under insert_lock so a
  // record's full-page-image decision and its position agree; read lock-free.
  std::atomic<uint64_t> redo;
  // Everything before this is in the segment files (not necessarily synced).
  // Written under write_lock; may run ahead of insert_pos when a record larger
  // than the buffers is being copied.
  std::atomic<uint64_t> written;
  // Everything before this is durable. Written under write_lock.
  std::atomic<uint64_t> flushed;
  // Set by StartupWal before any other process inserts; read-only afterwards.
  uint64_t system_identifier;
  std::atomic<bool> started;
  // Buffer geometry: fixed at ShmemInit.
  uint32_t num_pages;
  char* pages;  // num_pages * kPageSize bytes; page p lives in slot p % num_pages
  // pg_wal's parent; fixed at ShmemInit/SetDataDirectory before forking.
  char datadir[1024];

  // Counters (relaxed atomics, monotonic).
  std::atomic<uint64_t> syncs;
  std::atomic<uint64_t> flush_requests;
  std::atomic<uint64_t> writes;
  // Segments created since the last RemoveOldSegments.
  std::atomic<int> segments_added;
  // The WAL writer, woken every kWakeEvery bytes of WAL so that it creates
  // the next segments before an inserter needs them; 0 when not running.
  std::atomic<int32_t> walwriter_pid;

  // Start of the last record other than an XLOG SWITCH (PostgreSQL's "last
  // important record"): archive_timeout and timed checkpoints ignore
  // switches. Written under insert_lock; read lock-free.
  std::atomic<uint64_t> last_important;
  // When and where the last segment was completed (filled or switched) and
  // flushed. Written under write_lock; read lock-free.
  std::atomic<int64_t> last_seg_switch_time;  // epoch seconds
  std::atomic<uint64_t> last_seg_switch_lsn;

  // The OID counter's logged batch (wal_oid.cc): OIDs before oid_limit are
  // covered by an XLOG NEXTOID record already inserted. oid_lock guards both
  // and is held while that record is inserted (order: oid_lock, insert_lock).
  LWLock oid_lock;
  uint32_t oid_limit;
  bool oid_limit_valid;  // false until the first record after start-up
};

WalShared* Shared();
std::string DataDir();

// Opens segment `segno` for writing, creating it zero-filled when missing.
// Caches one descriptor per process. Throws PgError PANIC on failure.
int OpenSegmentForWrite(uint64_t segno);
// Creates the segment if missing (zero-filled via a temporary file and a
// rename, under install_lock). Returns true if this call created it.
bool EnsureSegmentExists(uint64_t segno);
// Syncs segment `segno` per wal_sync_method (no-op when fsync is off or the
// method syncs on each write). PANIC on failure.
void SyncSegment(uint64_t segno);
// open(2) flags wal_sync_method implies for segment writes.
int SyncOpenFlags();
// Closes the cached descriptor (after sync-method changes or in tests).
void CloseCachedSegment();

// Called under write_lock once every byte of segment `segno` is durable:
// records the switch time and, when archiving, creates its .ready file
// (wal_archive.cc).
void SegmentCompleted(uint64_t segno);

// Redo: moves the OID counter forward to next_oid (never back).
void AdvanceOidCounterTo(uint32_t next_oid);

[[noreturn]] void ThrowPanic(const std::string& message, int saved_errno);

}  // namespace tusk::wal::internal
