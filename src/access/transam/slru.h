// A simple LRU cache of 8 kB pages of a small on-disk log (pg_xact, pg_subtrans)
// kept in shared memory, so every process sees the same page images. Files hold
// 32 pages each and are named by their segment number in hex ("0000", "0001").
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "storage/lmgr/lwlock.h"

namespace tusk::transam {

inline constexpr size_t kSlruPageSize = 8192;
inline constexpr int64_t kSlruPagesPerSegment = 32;

// Called with an LSN before a page whose newest asynchronous commit is at that
// LSN is written, so clog never reaches disk ahead of the commit's WAL.
using WalFlushHook = void (*)(uint64_t lsn);
void SetWalFlushHook(WalFlushHook hook);

struct SlruShared;  // lives in shared memory; defined in slru.cc

// A process-local handle on one SLRU in shared memory. Copyable: it is only a
// pointer, so a forked child may keep using the parent's handle.
//
// Locking: every call below except Create/Attach takes the SLRU's control lock
// itself, unless its name ends in "Locked", which requires the caller to hold
// Lock() exclusively. Page I/O happens under the exclusive control lock: the
// logs are small and I/O on them is rare (a miss means a page older than the
// buffers, or an eviction), so simplicity wins over concurrency here.
class Slru {
 public:
  Slru() = default;

  static size_t ShmemSize(int num_buffers);
  // Carves the SLRU out of shared memory (start-up only). `dir` is the
  // directory of the segment files; it is created if missing.
  static Slru Create(const std::string& name, const std::string& dir, int num_buffers);

  bool valid() const { return shared_ != nullptr; }
  LWLock& Lock() const;
  const char* dir() const;

  // Makes `pageno` resident as a page of zeros, dirty (a page that is new to
  // the log). Returns its buffer.
  int ZeroPageLocked(int64_t pageno);
  // Makes `pageno` resident, reading it if needed. A page beyond the end of its
  // file, or of a missing file, reads as zeros: after a crash the newest pages
  // may never have been written, and zeros mean "nothing recorded".
  int ReadPageLocked(int64_t pageno);
  // The buffer holding `pageno`, or -1; shared lock suffices. Bumps its LRU age.
  int FindResident(int64_t pageno) const;
  uint8_t* PageData(int buffer) const;
  // Marks a buffer dirty; `lsn` (0 = none) is the newest async commit on it.
  void MarkDirtyLocked(int buffer, uint64_t lsn);

  // Writes every dirty page and fsyncs the segments written since the last
  // Flush (checkpoint). A write failure is an ERROR, an fsync failure a PANIC.
  void Flush();
  // Drops every segment whose pages all precede `oldest_page`, and forgets the
  // buffered copies of those pages.
  void Truncate(int64_t oldest_page);
  // Forgets every buffered page without writing it (tests; start-up of logs
  // that are not preserved across restarts).
  void DiscardAll();

  std::string SegmentPath(int64_t segno) const;

 private:
  explicit Slru(SlruShared* shared) : shared_(shared) {}
  int ChooseVictimLocked();
  void WritePageLocked(int buffer);
  void ReadIntoLocked(int buffer, int64_t pageno);
  void RememberSyncLocked(int64_t segno);

  SlruShared* shared_ = nullptr;
};

}  // namespace tusk::transam
