// Segment switches (XLOG SWITCH) and the archive status files in
// pg_wal/archive_status: NAME.ready once a segment is complete and durable,
// renamed to NAME.done by the archiver once archive_command succeeded.
// Recycling keeps every segment that is not done yet (README.md, invariant 14).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <sys/stat.h>

#include "access/wal/wal.h"
#include "access/wal/wal_internal.h"
#include "access/wal/wal_redo.h"
#include "postmaster/pgarch.h"
#include "storage/file/vfs.h"
#include "utils/crc32c.h"
#include "utils/guc.h"
#include "utils/log.h"

namespace tusk::wal {

bool ArchivingActive() {
  const std::string& mode = guc::V().archive_mode;
  return mode == "on" || mode == "always";
}

std::string ArchiveStatusPath(const std::string& datadir, const std::string& name, const char* suffix) {
  return (datadir.empty() ? std::string() : datadir + "/") + "pg_wal/archive_status/" + name + suffix;
}

namespace {

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// Creates an empty status file; a failure is only logged (as PostgreSQL):
// the segment is then kept until a later checkpoint notices it.
bool CreateStatusFile(const std::string& path) {
  int fd = vfs::Open(path, O_WRONLY | O_CREAT, 0600);
  if (fd < 0 && errno == ENOENT) {
    // A data directory from an older initdb: create archive_status on demand.
    std::string dir = path.substr(0, path.rfind('/'));
    ::mkdir(dir.c_str(), 0700);
    fd = vfs::Open(path, O_WRONLY | O_CREAT, 0600);
  }
  if (fd < 0) {
    Log(ErrLevel::kLog, "could not create archive status file \"" + path + "\": " + std::strerror(errno));
    return false;
  }
  vfs::Close(fd);
  return true;
}

}  // namespace

void ArchiveNotify(uint64_t segno) {
  if (CreateStatusFile(ArchiveStatusPath(internal::DataDir(), SegmentFileName(segno), ".ready"))) pgarch::Wakeup();
}

bool ArchiveCheckDone(uint64_t segno) {
  if (!ArchivingActive()) return true;
  std::string dir = internal::DataDir();
  std::string name = SegmentFileName(segno);
  if (Exists(ArchiveStatusPath(dir, name, ".done"))) return true;
  if (Exists(ArchiveStatusPath(dir, name, ".ready"))) return false;
  ArchiveNotify(segno);
  return false;
}

void ArchiveCleanup(uint64_t segno) {
  std::string dir = internal::DataDir();
  std::string name = SegmentFileName(segno);
  vfs::Unlink(ArchiveStatusPath(dir, name, ".done"));
  vfs::Unlink(ArchiveStatusPath(dir, name, ".ready"));
}

namespace internal {

void SegmentCompleted(uint64_t segno) {
  WalShared* s = Shared();
  s->last_seg_switch_time.store(static_cast<int64_t>(std::time(nullptr)), std::memory_order_relaxed);
  s->last_seg_switch_lsn.store((segno + 1) * kSegmentSize, std::memory_order_release);
  if (ArchivingActive()) ArchiveNotify(segno);
}

}  // namespace internal

Lsn LastImportantRecord() { return internal::Shared()->last_important.load(std::memory_order_acquire); }

void LastSegmentSwitch(int64_t* time, Lsn* lsn) {
  internal::WalShared* s = internal::Shared();
  *lsn = s->last_seg_switch_lsn.load(std::memory_order_acquire);
  *time = s->last_seg_switch_time.load(std::memory_order_relaxed);
}

}  // namespace tusk::wal
