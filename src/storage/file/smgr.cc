// Relation files on top of the vfs seam: path naming, segment arithmetic, a
// small per-process cache of open descriptors, and PostgreSQL's messages for
// failed reads and writes. Durability is deferred to the sync request queue.
#include "storage/file/smgr.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "storage/file/sync_queue.h"
#include "storage/file/vfs.h"
#include "utils/error.h"
#include "utils/process_globals.h"

namespace tusk::smgr {
namespace {

std::string g_root_override;
uint32_t g_segment_blocks = kBlocksPerSegment;

// Open descriptors, reused across calls. Small and evicted least-recently
// used, so a process never holds more than a handful of data files open.
struct CachedFd {
  RelFileLocator loc;
  Fork fork = Fork::kMain;
  uint32_t segno = 0;
  int fd = -1;
  uint64_t last_use = 0;
};
constexpr int kFdCacheSize = 32;
CachedFd g_fds[kFdCacheSize];
uint64_t g_tick = 0;

const char* ForkSuffix(Fork fork) {
  switch (fork) {
    case Fork::kMain: return "";
    case Fork::kFsm: return "_fsm";
    case Fork::kVm: return "_vm";
    case Fork::kInit: return "_init";
  }
  return "";
}

// SQLSTATE for a failed file operation (PostgreSQL's errcode_for_file_access).
const char* FileErrorCode(int err) {
  switch (err) {
    case ENOSPC: return sqlstate::kDiskFull;
    case ENOENT: return sqlstate::kUndefinedFile;
    case EACCES: case EPERM: return "42501";
    default: return sqlstate::kIoError;
  }
}

std::string ErrnoText(int err) { return std::strerror(err); }

void CloseCached(CachedFd& c) {
  if (c.fd >= 0) vfs::Close(c.fd);
  c.fd = -1;
}

// Returns a descriptor for one segment, or -1 with errno (ENOENT if missing
// and !create).
int OpenSegment(const RelFileLocator& loc, Fork fork, uint32_t segno, bool create) {
  CachedFd* victim = &g_fds[0];
  for (auto& c : g_fds) {
    if (c.fd >= 0 && c.loc == loc && c.fork == fork && c.segno == segno) {
      c.last_use = ++g_tick;
      return c.fd;
    }
    if (c.fd < 0 || (victim->fd >= 0 && c.last_use < victim->last_use)) victim = &c;
  }
  int flags = O_RDWR | (create ? O_CREAT : 0);
  int fd = vfs::Open(FullPath(SegmentPath(loc, fork, segno)), flags, 0600);
  if (fd < 0) return -1;
  CloseCached(*victim);
  *victim = CachedFd{loc, fork, segno, fd, ++g_tick};
  return fd;
}

void ForgetFds(const RelFileLocator& loc) {
  for (auto& c : g_fds)
    if (c.fd >= 0 && c.loc == loc) CloseCached(c);
}

// Size of a segment in blocks (0 if it does not exist).
uint32_t SegmentNBlocks(const RelFileLocator& loc, Fork fork, uint32_t segno) {
  int fd = OpenSegment(loc, fork, segno, false);
  if (fd < 0) {
    if (errno == ENOENT) return 0;
    int err = errno;
    throw PgError(FileErrorCode(err), "could not open file \"" + FullPath(SegmentPath(loc, fork, segno)) +
                                          "\": " + ErrnoText(err));
  }
  struct stat st;
  if (vfs::Fstat(fd, &st) != 0) {
    int err = errno;
    throw PgError(FileErrorCode(err), "could not seek to end of file \"" + SegmentPath(loc, fork, segno) +
                                          "\": " + ErrnoText(err));
  }
  return static_cast<uint32_t>(st.st_size / kBlockSize);
}

// After a write: queue the segment for the next checkpoint's fsync, or fsync
// it here when the queue is full (or absent, outside a server).
void RegisterOrSync(const RelFileLocator& loc, Fork fork, uint32_t segno, int fd) {
  if (sync::RegisterSync(loc, fork, segno)) return;
  if (vfs::Fsync(fd) != 0) {
    int err = errno;
    throw PgError(FileErrorCode(err),
                  "could not fsync file \"" + SegmentPath(loc, fork, segno) + "\": " + ErrnoText(err),
                  ErrLevel::kPanic);
  }
}

bool IsAllZero(const char* buf) {
  for (size_t i = 0; i < kBlockSize; i += 8) {
    uint64_t w;
    std::memcpy(&w, buf + i, sizeof w);
    if (w != 0) return false;
  }
  return true;
}

void WriteBlock(const RelFileLocator& loc, Fork fork, uint32_t block, const char* buf, bool extend) {
  uint32_t segno = block / g_segment_blocks;
  std::string path = SegmentPath(loc, fork, segno);
  int fd = OpenSegment(loc, fork, segno, extend || segno > 0);
  if (fd < 0) {
    int err = errno;
    throw PgError(FileErrorCode(err), "could not open file \"" + path + "\": " + ErrnoText(err));
  }
  off_t off = static_cast<off_t>(block % g_segment_blocks) * kBlockSize;
  errno = 0;
  // An all-zero extension (the usual one: a new, not yet initialized page)
  // only has to allocate the block.
  const bool zeros = extend && IsAllZero(buf);
  // Allocating blocks one at a time costs ext4 a block-allocator call each
  // (a tenth of a bulk load's time); a relation past 8 MB reserves 1 MB at a
  // time instead, so at most 1/8 of its size sits allocated but unused.
  constexpr off_t kReserveFrom = 8 << 20, kReserveChunk = 1 << 20;
  if (zeros && off >= kReserveFrom && off % kReserveChunk == 0) vfs::Preallocate(fd, off, kReserveChunk);
  ssize_t n = zeros ? vfs::PWriteZeros(fd, kBlockSize, off) : vfs::PWrite(fd, buf, kBlockSize, off);
  if (n != static_cast<ssize_t>(kBlockSize)) {
    const char* verb = extend ? "could not extend file \"" : "could not write block ";
    std::string head = extend ? verb + path + "\"" : verb + std::to_string(block) + " in file \"" + path + "\"";
    if (n < 0) {
      int err = errno;
      PgError e(FileErrorCode(err), head + ": " + ErrnoText(err));
      if (err == ENOSPC) e.Hint("Check free disk space.");
      throw e;
    }
    PgError e(sqlstate::kDiskFull, head + ": wrote only " + std::to_string(n) + " of " + std::to_string(kBlockSize) + " bytes");
    e.Hint("Check free disk space.");
    throw e;
  }
  RegisterOrSync(loc, fork, segno, fd);
}

}  // namespace

void SetDataDirForTesting(const std::string& root) {
  CloseAll();
  g_root_override = root;
}

void SetSegmentBlocksForTesting(uint32_t blocks) {
  CloseAll();
  g_segment_blocks = blocks == 0 ? kBlocksPerSegment : blocks;
}

uint32_t SegmentBlocks() { return g_segment_blocks; }

std::string RelPath(const RelFileLocator& loc, Fork fork) {
  std::string rel = std::to_string(loc.rel_number) + ForkSuffix(fork);
  if (loc.spc_oid == kGlobalTablespace) return "global/" + rel;
  if (loc.spc_oid == kDefaultTablespace) return "base/" + std::to_string(loc.db_oid) + "/" + rel;
  // Other tablespaces live behind pg_tblspc symlinks, with PostgreSQL 15's
  // version directory.
  return "pg_tblspc/" + std::to_string(loc.spc_oid) + "/PG_15_202209061/" + std::to_string(loc.db_oid) + "/" + rel;
}

std::string SegmentPath(const RelFileLocator& loc, Fork fork, uint32_t segno) {
  std::string p = RelPath(loc, fork);
  return segno == 0 ? p : p + "." + std::to_string(segno);
}

std::string FullPath(const std::string& relative) {
  const std::string& root = g_root_override.empty() ? Globals().data_dir : g_root_override;
  return root.empty() ? relative : root + "/" + relative;
}

void Create(const RelFileLocator& loc, Fork fork, bool is_redo) {
  std::string path = RelPath(loc, fork);
  int fd = vfs::Open(FullPath(path), O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0 && errno == EEXIST && is_redo) fd = vfs::Open(FullPath(path), O_RDWR, 0600);
  if (fd < 0) {
    int err = errno;
    throw PgError(err == EEXIST ? "42710" : FileErrorCode(err),
                  "could not create file \"" + path + "\": " + ErrnoText(err));
  }
  vfs::Close(fd);
}

bool Exists(const RelFileLocator& loc, Fork fork) {
  int fd = OpenSegment(loc, fork, 0, false);
  return fd >= 0;
}

uint32_t NBlocks(const RelFileLocator& loc, Fork fork) {
  // Every segment before the last is full; stop at the first one that is not.
  uint32_t total = 0;
  for (uint32_t segno = 0;; ++segno) {
    uint32_t n = SegmentNBlocks(loc, fork, segno);
    total += n;
    if (n < g_segment_blocks) return total;
  }
}

void Read(const RelFileLocator& loc, Fork fork, uint32_t block, char* buf) {
  uint32_t segno = block / g_segment_blocks;
  std::string path = SegmentPath(loc, fork, segno);
  int fd = OpenSegment(loc, fork, segno, false);
  ssize_t n = 0;
  if (fd < 0) {
    // A missing later segment reads as the end of the relation.
    if (!(errno == ENOENT && segno > 0)) {
      int err = errno;
      throw PgError(FileErrorCode(err), "could not open file \"" + path + "\": " + ErrnoText(err));
    }
  } else {
    n = vfs::PRead(fd, buf, kBlockSize, static_cast<off_t>(block % g_segment_blocks) * kBlockSize);
  }
  if (n < 0) {
    int err = errno;
    throw PgError(FileErrorCode(err), "could not read block " + std::to_string(block) + " in file \"" + path +
                                          "\": " + ErrnoText(err));
  }
  if (n != static_cast<ssize_t>(kBlockSize)) {
    throw PgError("XX001", "could not read block " + std::to_string(block) + " in file \"" + path +
                               "\": read only " + std::to_string(n) + " of " + std::to_string(kBlockSize) +
                               " bytes");
  }
}

void Write(const RelFileLocator& loc, Fork fork, uint32_t block, const char* buf) {
  WriteBlock(loc, fork, block, buf, false);
}

void Extend(const RelFileLocator& loc, Fork fork, uint32_t block, const char* buf) {
  WriteBlock(loc, fork, block, buf, true);
}

void Truncate(const RelFileLocator& loc, Fork fork, uint32_t nblocks) {
  uint32_t segs = g_segment_blocks;
  for (uint32_t segno = 0;; ++segno) {
    int fd = OpenSegment(loc, fork, segno, false);
    if (fd < 0) {
      if (errno == ENOENT) return;
      int err = errno;
      throw PgError(FileErrorCode(err), "could not open file \"" + SegmentPath(loc, fork, segno) + "\": " +
                                            ErrnoText(err));
    }
    uint64_t first = static_cast<uint64_t>(segno) * segs;
    // Later segments are emptied rather than removed, as PostgreSQL does, so a
    // pending fsync request for them still finds a file.
    off_t keep = nblocks <= first ? 0
                 : nblocks - first >= segs ? static_cast<off_t>(segs) * kBlockSize
                                           : static_cast<off_t>(nblocks - first) * kBlockSize;
    struct stat st;
    if (vfs::Fstat(fd, &st) == 0 && st.st_size > keep) {
      if (vfs::Ftruncate(fd, keep) != 0) {
        int err = errno;
        throw PgError(FileErrorCode(err), "could not truncate file \"" + SegmentPath(loc, fork, segno) +
                                              "\" to " + std::to_string(nblocks) + " blocks: " + ErrnoText(err));
      }
      RegisterOrSync(loc, fork, segno, fd);
    }
  }
}

void Unlink(const RelFileLocator& loc) {
  sync::ForgetRelation(loc);
  ForgetFds(loc);
  for (int f = 0; f < kNumForks; ++f) {
    Fork fork = static_cast<Fork>(f);
    for (uint32_t segno = 0;; ++segno) {
      std::string path = SegmentPath(loc, fork, segno);
      if (vfs::Unlink(FullPath(path)) != 0) {
        if (errno == ENOENT) break;
        int err = errno;
        throw PgError(FileErrorCode(err), "could not remove file \"" + path + "\": " + ErrnoText(err));
      }
    }
  }
}

void ImmediateSync(const RelFileLocator& loc, Fork fork) {
  for (uint32_t segno = 0;; ++segno) {
    int fd = OpenSegment(loc, fork, segno, false);
    if (fd < 0) {
      if (errno == ENOENT) return;
      int err = errno;
      throw PgError(FileErrorCode(err), "could not open file \"" + SegmentPath(loc, fork, segno) + "\": " +
                                            ErrnoText(err));
    }
    if (vfs::Fsync(fd) != 0) {
      int err = errno;
      throw PgError(FileErrorCode(err),
                    "could not fsync file \"" + SegmentPath(loc, fork, segno) + "\": " + ErrnoText(err),
                    ErrLevel::kPanic);
    }
  }
}

void CloseAll() {
  for (auto& c : g_fds) CloseCached(c);
}

}  // namespace tusk::smgr
