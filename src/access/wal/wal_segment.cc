// Segment files in pg_wal: names, creation (zero-filled through a temporary
// file and a rename), syncing per wal_sync_method, and recycling or removing
// the segments a checkpoint no longer needs.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <vector>

#include "access/wal/wal.h"
#include "access/wal/wal_internal.h"
#include "replication/repl_shared.h"
#include "storage/file/vfs.h"
#include "utils/error.h"
#include "utils/guc.h"

namespace tusk::wal {

std::string LsnToString(Lsn lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn));
  return buf;
}

std::string SegmentFileName(uint64_t segno) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08X%08X%08X", kTimeline, static_cast<unsigned>(segno / kSegmentsPerId),
                static_cast<unsigned>(segno % kSegmentsPerId));
  return buf;
}

std::string SegmentPath(const std::string& datadir, uint64_t segno) {
  return (datadir.empty() ? std::string() : datadir + "/") + "pg_wal/" + SegmentFileName(segno);
}

bool ParseSegmentFileName(const std::string& name, uint64_t* segno) {
  if (name.size() != 24 || name.find_first_not_of("0123456789ABCDEF") != std::string::npos) return false;
  unsigned long tli = std::stoul(name.substr(0, 8), nullptr, 16);
  unsigned long hi = std::stoul(name.substr(8, 8), nullptr, 16);
  unsigned long lo = std::stoul(name.substr(16, 8), nullptr, 16);
  if (tli != kTimeline || lo >= kSegmentsPerId) return false;
  *segno = hi * kSegmentsPerId + lo;
  return true;
}

namespace internal {
namespace {

// This process's open segment (descriptors survive fork; pwrite needs no seek).
int g_fd = -1;
uint64_t g_fd_segno = 0;
int g_fd_flags = 0;

std::string WalDir() {
  std::string d = DataDir();
  return (d.empty() ? std::string() : d + "/") + "pg_wal";
}

bool FileExists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

}  // namespace

[[noreturn]] void ThrowPanic(const std::string& message, int saved_errno) {
  const char* state = saved_errno == ENOSPC ? "53100" : "58030";
  throw PgError(state, message + std::strerror(saved_errno), ErrLevel::kPanic);
}

int SyncOpenFlags() {
  const guc::Vars& v = guc::V();
  if (!v.fsync) return 0;
  if (v.wal_sync_method == "open_sync") return O_SYNC;
  if (v.wal_sync_method == "open_datasync") return O_DSYNC;
  return 0;
}

void CloseCachedSegment() {
  if (g_fd >= 0) vfs::Close(g_fd);
  g_fd = -1;
}

bool EnsureSegmentExists(uint64_t segno) {
  WalShared* s = Shared();
  std::string path = SegmentPath(s->datadir, segno);
  if (FileExists(path)) return false;
  // Build it under a private name, so a crash never leaves a short segment
  // under a real name, and only the rename needs the lock.
  std::string tmp = WalDir() + "/xlogtemp." + std::to_string(::getpid());
  vfs::Unlink(tmp);
  int fd = vfs::Open(tmp, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0) ThrowPanic("could not create file \"" + tmp + "\": ", errno);
  static const std::vector<char> zeros(1 << 20, 0);
  for (uint64_t off = 0; off < kSegmentSize; off += zeros.size()) {
    if (!vfs::PWriteAll(fd, zeros.data(), zeros.size(), static_cast<off_t>(off))) {
      int e = errno;
      vfs::Close(fd);
      vfs::Unlink(tmp);
      ThrowPanic("could not write to file \"" + tmp + "\": ", e);
    }
  }
  if (guc::V().fsync && vfs::Fsync(fd) != 0) {
    int e = errno;
    vfs::Close(fd);
    ThrowPanic("could not fsync file \"" + tmp + "\": ", e);
  }
  vfs::Close(fd);
  LWLockGuard g(s->install_lock, LWLockMode::kExclusive);
  if (FileExists(path)) {  // someone else (or recycling) got there first
    vfs::Unlink(tmp);
    return false;
  }
  if (vfs::Rename(tmp, path) != 0) ThrowPanic("could not rename file \"" + tmp + "\" to \"" + path + "\": ", errno);
  if (guc::V().fsync) vfs::FsyncDir(WalDir());
  return true;
}

int OpenSegmentForWrite(uint64_t segno) {
  int flags = SyncOpenFlags();
  if (g_fd >= 0 && g_fd_segno == segno && g_fd_flags == flags) return g_fd;
  CloseCachedSegment();
  WalShared* s = Shared();
  if (EnsureSegmentExists(segno)) s->segments_added.fetch_add(1);
  std::string path = SegmentPath(s->datadir, segno);
  int fd = vfs::Open(path, O_RDWR | flags);
  if (fd < 0) ThrowPanic("could not open file \"" + path + "\": ", errno);
  g_fd = fd;
  g_fd_segno = segno;
  g_fd_flags = flags;
  return fd;
}

void SyncSegment(uint64_t segno) {
  const guc::Vars& v = guc::V();
  if (!v.fsync || SyncOpenFlags() != 0) return;  // off, or every write was already synchronous
  int fd = OpenSegmentForWrite(segno);
  bool use_fsync = v.wal_sync_method == "fsync";
  int rc = use_fsync ? vfs::Fsync(fd) : vfs::Fdatasync(fd);
  Shared()->syncs.fetch_add(1, std::memory_order_relaxed);
  if (rc != 0) {
    int e = errno;
    CloseCachedSegment();
    ThrowPanic(std::string("could not ") + (use_fsync ? "fsync" : "fdatasync") + " file \"" +
                   SegmentFileName(segno) + "\": ",
               e);
  }
}

}  // namespace internal

SegmentCounts RemoveOldSegments(Lsn redo) {
  internal::WalShared* s = internal::Shared();
  SegmentCounts c;
  uint64_t redo_seg = SegmentOf(redo);
  uint64_t cur_seg = SegmentOf(s->insert_pos.load(std::memory_order_acquire));
  const guc::Vars& v = guc::V();
  uint64_t mb_per_seg = kSegmentSize >> 20;
  uint64_t min_segs = std::max<uint64_t>(2, static_cast<uint64_t>(std::max(v.min_wal_size, 0)) / mb_per_seg);
  uint64_t max_segs = std::max<uint64_t>(2, static_cast<uint64_t>(std::max(v.max_wal_size, 0)) / mb_per_seg);
  // Future segments kept ready: the current one plus up to min_wal_size worth.
  uint64_t recycle_upto = cur_seg + std::min(min_segs, max_segs);

  std::set<uint64_t> existing;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(internal::WalDir(), ec)) {
    uint64_t segno;
    if (ParseSegmentFileName(entry.path().filename().string(), &segno)) existing.insert(segno);
  }
  // The first segment to keep: the redo point's, unless wal_keep_size, a
  // replication slot or a WAL sender (a stream, a base backup) needs older ones.
  uint64_t keep_seg = std::min(redo_seg, cur_seg);
  const uint64_t keep_segs = static_cast<uint64_t>(std::max(v.wal_keep_size, 0)) / mb_per_seg;
  keep_seg = std::min(keep_seg, cur_seg > keep_segs ? cur_seg - keep_segs : 0);
  const Lsn needed = replication::OldestRequiredLsn();
  if (needed != kInvalidLsn) keep_seg = std::min(keep_seg, SegmentOf(needed));
  std::vector<uint64_t> old;
  for (uint64_t seg : existing) {
    // A segment the archiver has not copied yet stays (ArchiveCheckDone).
    if (seg < keep_seg && ArchiveCheckDone(seg)) old.push_back(seg);
  }
  // Readers of old segments (WAL senders) learn before any goes.
  if (!old.empty()) replication::NoteSegmentsRemovedBelow(old.back() + 1);
  uint64_t next_future = cur_seg + 1;
  {
    LWLockGuard g(s->install_lock, LWLockMode::kExclusive);
    for (uint64_t seg : old) {
      std::string from = SegmentPath(s->datadir, seg);
      while (next_future <= recycle_upto && existing.count(next_future)) ++next_future;
      if (next_future <= recycle_upto && vfs::Rename(from, SegmentPath(s->datadir, next_future)) == 0) {
        existing.insert(next_future);
        c.recycled++;
      } else if (vfs::Unlink(from) == 0) {
        c.removed++;
      }
      existing.erase(seg);
      ArchiveCleanup(seg);
    }
    if (!old.empty() && v.fsync) vfs::FsyncDir(internal::WalDir());
  }
  if (internal::EnsureSegmentExists(cur_seg + 1)) s->segments_added.fetch_add(1);
  c.added = s->segments_added.exchange(0);
  return c;
}

}  // namespace tusk::wal
