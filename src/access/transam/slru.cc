// SLRU buffers: page lookup, LRU replacement, zero-fill, reads and writes
// through vfs, checkpoint flush with fsync (PANIC on failure) and truncation
// of segments nobody can ask about any more.
#include "access/transam/slru.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include "storage/file/vfs.h"
#include "storage/ipc/shmem.h"
#include "utils/error.h"

namespace tusk::transam {

namespace {

WalFlushHook g_wal_flush_hook = nullptr;

// Segments written since the last Flush(); a full list makes the writer fsync
// the segment itself, as PostgreSQL does when its sync queue is full.
constexpr int kMaxPendingSyncs = 32;
constexpr size_t kDirSize = 512;

}  // namespace

void SetWalFlushHook(WalFlushHook hook) { g_wal_flush_hook = hook; }

struct SlruBuffer {
  int64_t pageno;       // valid only when `valid`
  bool valid;           // holds an image of `pageno`
  bool dirty;           // differs from disk
  uint64_t lsn;         // newest async commit LSN recorded on this page; 0 = none
  std::atomic<uint64_t> last_used;  // LRU clock; bumped under the shared lock too
};

// One SLRU. Every field is guarded by `lock` (exclusive to change, shared to
// read), except SlruBuffer::last_used, which readers bump atomically.
struct SlruShared {
  LWLock lock;
  int num_buffers;
  std::atomic<uint64_t> clock;  // source of last_used values
  int num_pending_syncs;
  int64_t pending_syncs[kMaxPendingSyncs];
  char name[32];
  char dir[kDirSize];
  SlruBuffer* buffers;  // num_buffers entries, in shared memory
  uint8_t* pages;       // num_buffers * kSlruPageSize bytes
};

size_t Slru::ShmemSize(int num_buffers) {
  return shmem::AlignedSize(sizeof(SlruShared)) + shmem::AlignedSize(sizeof(SlruBuffer) * num_buffers) +
         shmem::AlignedSize(kSlruPageSize * num_buffers);
}

Slru Slru::Create(const std::string& name, const std::string& dir, int num_buffers) {
  auto* s = new (shmem::Alloc(sizeof(SlruShared))) SlruShared();
  s->num_buffers = num_buffers;
  std::snprintf(s->name, sizeof s->name, "%s", name.c_str());
  std::snprintf(s->dir, sizeof s->dir, "%s", dir.c_str());
  s->buffers = static_cast<SlruBuffer*>(shmem::Alloc(sizeof(SlruBuffer) * num_buffers));
  for (int i = 0; i < num_buffers; ++i) new (&s->buffers[i]) SlruBuffer();
  s->pages = static_cast<uint8_t*>(shmem::Alloc(kSlruPageSize * num_buffers));
  // Directory creation is not file I/O vfs can fault; initdb normally made it.
  ::mkdir(dir.c_str(), 0700);
  return Slru(s);
}

LWLock& Slru::Lock() const { return shared_->lock; }
const char* Slru::dir() const { return shared_->dir; }
uint8_t* Slru::PageData(int buffer) const { return shared_->pages + static_cast<size_t>(buffer) * kSlruPageSize; }

std::string Slru::SegmentPath(int64_t segno) const {
  char name[32];
  std::snprintf(name, sizeof name, "%04llX", static_cast<unsigned long long>(segno));
  return std::string(shared_->dir) + "/" + name;
}

int Slru::FindResident(int64_t pageno) const {
  for (int i = 0; i < shared_->num_buffers; ++i) {
    SlruBuffer& b = shared_->buffers[i];
    if (b.valid && b.pageno == pageno) {
      b.last_used.store(shared_->clock.fetch_add(1, std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return i;
    }
  }
  return -1;
}

int Slru::ChooseVictimLocked() {
  int victim = -1;
  uint64_t oldest = UINT64_MAX;
  for (int i = 0; i < shared_->num_buffers; ++i) {
    SlruBuffer& b = shared_->buffers[i];
    if (!b.valid) return i;
    uint64_t used = b.last_used.load(std::memory_order_relaxed);
    // Prefer clean pages among equally old ones: the tie-break is cheap and
    // saves a write.
    if (used < oldest || (used == oldest && !b.dirty)) {
      oldest = used;
      victim = i;
    }
  }
  SlruBuffer& b = shared_->buffers[victim];
  if (b.dirty) WritePageLocked(victim);
  b.valid = false;
  return victim;
}

void Slru::ReadIntoLocked(int buffer, int64_t pageno) {
  uint8_t* data = PageData(buffer);
  std::memset(data, 0, kSlruPageSize);
  std::string path = SegmentPath(pageno / kSlruPagesPerSegment);
  int fd = vfs::Open(path, O_RDONLY);
  if (fd < 0) {
    if (errno == ENOENT) return;  // never written: zeros (see ReadPageLocked)
    throw PgError(sqlstate::kDataCorrupted,
                  std::string("could not open file \"") + path + "\": " + std::strerror(errno));
  }
  off_t offset = static_cast<off_t>(pageno % kSlruPagesPerSegment) * kSlruPageSize;
  size_t done = 0;
  while (done < kSlruPageSize) {
    ssize_t n = vfs::PRead(fd, data + done, kSlruPageSize - done, offset + done);
    if (n < 0) {
      int err = errno;
      vfs::Close(fd);
      throw PgError(sqlstate::kDataCorrupted, std::string("could not read from file \"") + path +
                                                  "\": " + std::strerror(err));
    }
    if (n == 0) break;  // past the end: the rest stays zero
    done += static_cast<size_t>(n);
  }
  vfs::Close(fd);
}

void Slru::WritePageLocked(int buffer) {
  SlruBuffer& b = shared_->buffers[buffer];
  // WAL before data: an async commit recorded here must be durable in WAL
  // first, or a crash could leave a committed bit with no commit record.
  if (b.lsn != 0 && g_wal_flush_hook != nullptr) g_wal_flush_hook(b.lsn);
  int64_t segno = b.pageno / kSlruPagesPerSegment;
  std::string path = SegmentPath(segno);
  int fd = vfs::Open(path, O_RDWR | O_CREAT, 0600);
  if (fd < 0)
    throw PgError(sqlstate::kInternalError,
                  std::string("could not open file \"") + path + "\": " + std::strerror(errno));
  off_t offset = static_cast<off_t>(b.pageno % kSlruPagesPerSegment) * kSlruPageSize;
  if (!vfs::PWriteAll(fd, PageData(buffer), kSlruPageSize, offset)) {
    int err = errno;
    vfs::Close(fd);
    throw PgError(sqlstate::kInternalError,
                  std::string("could not write to file \"") + path + "\": " + std::strerror(err));
  }
  vfs::Close(fd);
  b.dirty = false;
  b.lsn = 0;
  RememberSyncLocked(segno);
}

void Slru::RememberSyncLocked(int64_t segno) {
  for (int i = 0; i < shared_->num_pending_syncs; ++i)
    if (shared_->pending_syncs[i] == segno) return;
  if (shared_->num_pending_syncs < kMaxPendingSyncs) {
    shared_->pending_syncs[shared_->num_pending_syncs++] = segno;
    return;
  }
  // No room to remember it: make it durable now instead.
  std::string path = SegmentPath(segno);
  int fd = vfs::Open(path, O_RDWR);
  if (fd < 0 || vfs::Fsync(fd) != 0) {
    int err = errno;
    if (fd >= 0) vfs::Close(fd);
    throw PgError(sqlstate::kInternalError,
                  std::string("could not fsync file \"") + path + "\": " + std::strerror(err), ErrLevel::kPanic);
  }
  vfs::Close(fd);
}

int Slru::ZeroPageLocked(int64_t pageno) {
  int buffer = FindResident(pageno);
  if (buffer < 0) buffer = ChooseVictimLocked();
  SlruBuffer& b = shared_->buffers[buffer];
  std::memset(PageData(buffer), 0, kSlruPageSize);
  b.pageno = pageno;
  b.valid = true;
  b.dirty = true;
  b.lsn = 0;
  b.last_used.store(shared_->clock.fetch_add(1) + 1, std::memory_order_relaxed);
  return buffer;
}

int Slru::ReadPageLocked(int64_t pageno) {
  int buffer = FindResident(pageno);
  if (buffer >= 0) return buffer;
  buffer = ChooseVictimLocked();
  ReadIntoLocked(buffer, pageno);
  SlruBuffer& b = shared_->buffers[buffer];
  b.pageno = pageno;
  b.valid = true;
  b.dirty = false;
  b.lsn = 0;
  b.last_used.store(shared_->clock.fetch_add(1) + 1, std::memory_order_relaxed);
  return buffer;
}

void Slru::MarkDirtyLocked(int buffer, uint64_t lsn) {
  SlruBuffer& b = shared_->buffers[buffer];
  b.dirty = true;
  if (lsn > b.lsn) b.lsn = lsn;
}

void Slru::Flush() {
  LWLockGuard guard(shared_->lock, LWLockMode::kExclusive);
  for (int i = 0; i < shared_->num_buffers; ++i) {
    SlruBuffer& b = shared_->buffers[i];
    if (b.valid && b.dirty) WritePageLocked(i);
  }
  // An fsync failure may have dropped the written pages from the kernel's
  // cache; retrying could report success falsely, so only WAL replay is safe.
  while (shared_->num_pending_syncs > 0) {
    int64_t segno = shared_->pending_syncs[shared_->num_pending_syncs - 1];
    std::string path = SegmentPath(segno);
    int fd = vfs::Open(path, O_RDWR);
    if (fd < 0) {
      if (errno == ENOENT) {  // truncated away since it was written
        --shared_->num_pending_syncs;
        continue;
      }
      throw PgError(sqlstate::kInternalError,
                    std::string("could not open file \"") + path + "\": " + std::strerror(errno), ErrLevel::kPanic);
    }
    if (vfs::Fsync(fd) != 0) {
      int err = errno;
      vfs::Close(fd);
      throw PgError(sqlstate::kInternalError,
                    std::string("could not fsync file \"") + path + "\": " + std::strerror(err), ErrLevel::kPanic);
    }
    vfs::Close(fd);
    --shared_->num_pending_syncs;
  }
  // New segment files must survive a crash too.
  if (vfs::FsyncDir(shared_->dir) != 0)
    throw PgError(sqlstate::kInternalError,
                  std::string("could not fsync directory \"") + shared_->dir + "\": " + std::strerror(errno),
                  ErrLevel::kPanic);
}

void Slru::Truncate(int64_t oldest_page) {
  LWLockGuard guard(shared_->lock, LWLockMode::kExclusive);
  int64_t cutoff_seg = oldest_page / kSlruPagesPerSegment;  // segments below this go
  for (int i = 0; i < shared_->num_buffers; ++i) {
    SlruBuffer& b = shared_->buffers[i];
    if (b.valid && b.pageno / kSlruPagesPerSegment < cutoff_seg) {
      b.valid = false;
      b.dirty = false;
    }
  }
  for (int i = shared_->num_pending_syncs - 1; i >= 0; --i) {
    if (shared_->pending_syncs[i] < cutoff_seg)
      shared_->pending_syncs[i] = shared_->pending_syncs[--shared_->num_pending_syncs];
  }
  // Segments are contiguous, so walking down until one is missing finds them
  // all without listing the directory.
  for (int64_t seg = cutoff_seg - 1; seg >= 0; --seg) {
    if (vfs::Unlink(SegmentPath(seg)) != 0) {
      if (errno == ENOENT) break;
      throw PgError(sqlstate::kInternalError,
                    "could not remove file \"" + SegmentPath(seg) + "\": " + std::strerror(errno));
    }
  }
}

void Slru::DiscardAll() {
  LWLockGuard guard(shared_->lock, LWLockMode::kExclusive);
  for (int i = 0; i < shared_->num_buffers; ++i) {
    shared_->buffers[i].valid = false;
    shared_->buffers[i].dirty = false;
  }
  shared_->num_pending_syncs = 0;
}

}  // namespace tusk::transam
