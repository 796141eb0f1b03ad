// POSIX file access with an optional, process-local fault plan.
#include "storage/file/vfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace tusk::vfs {
namespace {

struct ActiveFault {
  Fault fault;
  int seen = 0;
  int fired = 0;
};

std::vector<ActiveFault>& Faults() {
  static std::vector<ActiveFault> faults;
  return faults;
}

// Paths of open descriptors, so fd-based calls can match by path.
std::vector<std::string>& FdPaths() {
  static std::vector<std::string> paths;
  return paths;
}

const std::string& PathOf(int fd) {
  static const std::string empty;
  auto& p = FdPaths();
  return fd >= 0 && static_cast<size_t>(fd) < p.size() ? p[fd] : empty;
}

// The fault to apply to this call, if any.
const Fault* Check(FaultOp op, const std::string& path) {
  for (ActiveFault& a : Faults()) {
    if (a.fault.op != op || path.find(a.fault.path_substring) == std::string::npos) continue;
    if (a.seen++ < a.fault.after) continue;
    if (a.fault.times >= 0 && a.fired >= a.fault.times) continue;
    ++a.fired;
    return &a.fault;
  }
  return nullptr;
}

int FailWith(FaultKind kind) {
  errno = kind == FaultKind::kNoSpace ? ENOSPC : EIO;
  return -1;
}

}  // namespace

int Open(const std::string& path, int flags, mode_t mode) {
  if (!Faults().empty()) {
    if (const Fault* f = Check(FaultOp::kOpen, path)) return FailWith(f->kind);
  }
  int fd = open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd >= 0) {
    auto& p = FdPaths();
    if (static_cast<size_t>(fd) >= p.size()) p.resize(fd + 1);
    p[fd] = path;
  }
  return fd;
}

ssize_t PRead(int fd, void* buf, size_t n, off_t offset) {
  if (!Faults().empty()) {
    if (const Fault* f = Check(FaultOp::kRead, PathOf(fd))) {
      if (f->kind == FaultKind::kShortWrite && n > 1) return pread(fd, buf, n / 2, offset);
      return FailWith(f->kind);
    }
  }
  for (;;) {
    ssize_t r = pread(fd, buf, n, offset);
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}

ssize_t PWrite(int fd, const void* buf, size_t n, off_t offset) {
  if (!Faults().empty()) {
    if (const Fault* f = Check(FaultOp::kWrite, PathOf(fd))) {
      if (f->kind == FaultKind::kShortWrite && n > 1) return pwrite(fd, buf, n / 2, offset);
      return FailWith(f->kind);
    }
  }
  for (;;) {
    ssize_t r = pwrite(fd, buf, n, offset);
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}

ssize_t PWriteZeros(int fd, size_t n, off_t offset) {
  if (Faults().empty()) {
    int r;
    do {
      r = fallocate(fd, 0, offset, static_cast<off_t>(n));
    } while (r != 0 && errno == EINTR);
    if (r == 0) return static_cast<ssize_t>(n);
    if (errno != EOPNOTSUPP && errno != ENOSYS) return -1;
  }
  // No fallocate here (or faults are being injected, which apply to writes).
  static const std::vector<char> zeros(1 << 16, 0);
  if (n > zeros.size()) n = zeros.size();
  return PWrite(fd, zeros.data(), n, offset);
}

bool Preallocate(int fd, off_t offset, size_t n) {
  if (!Faults().empty()) return false;  // injected faults are for the writes themselves
  int r;
  do {
    r = fallocate(fd, FALLOC_FL_KEEP_SIZE, offset, static_cast<off_t>(n));
  } while (r != 0 && errno == EINTR);
  return r == 0;
}

bool PWriteAll(int fd, const void* buf, size_t n, off_t offset) {
  const char* p = static_cast<const char*>(buf);
  while (n > 0) {
    ssize_t w = PWrite(fd, p, n, offset);
    if (w < 0) return false;
    if (w == 0) {
      errno = ENOSPC;  // a write that makes no progress: the disk is full
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
    offset += w;
  }
  return true;
}

int Fsync(int fd) {
  if (!Faults().empty()) {
    if (const Fault* f = Check(FaultOp::kFsync, PathOf(fd))) return FailWith(f->kind);
  }
  return fsync(fd);
}

int Fdatasync(int fd) {
  if (!Faults().empty()) {
    if (const Fault* f = Check(FaultOp::kFsync, PathOf(fd))) return FailWith(f->kind);
  }
  return fdatasync(fd);
}

int Ftruncate(int fd, off_t length) { return ftruncate(fd, length); }

int Close(int fd) {
  auto& p = FdPaths();
  if (fd >= 0 && static_cast<size_t>(fd) < p.size()) p[fd].clear();
  return close(fd);
}

int Fstat(int fd, struct stat* st) { return fstat(fd, st); }

int Mkdir(const std::string& path, mode_t mode) { return mkdir(path.c_str(), mode); }

bool ListDir(const std::string& path, std::vector<std::string>* names) {
  DIR* d = opendir(path.c_str());
  if (d == nullptr) return false;
  names->clear();
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names->push_back(n);
  }
  closedir(d);
  return true;
}

int Unlink(const std::string& path) { return unlink(path.c_str()); }

int Rename(const std::string& from, const std::string& to) { return rename(from.c_str(), to.c_str()); }

int FsyncDir(const std::string& path) {
  int fd = Open(path, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -1;
  int rc = Fsync(fd);
  int saved = errno;
  Close(fd);
  errno = saved;
  return rc;
}

void InjectFault(const Fault& fault) { Faults().push_back(ActiveFault{fault, 0, 0}); }

void ClearFaults() { Faults().clear(); }

void LoadFaultsFromEnvironment() {
  const char* env = getenv("TUSK_FAULTS");
  if (env == nullptr) return;
  std::stringstream all(env);
  std::string item;
  while (std::getline(all, item, ';')) {
    std::stringstream parts(item);
    std::string sub, op, kind, after, times;
    std::getline(parts, sub, ':');
    std::getline(parts, op, ':');
    std::getline(parts, kind, ':');
    std::getline(parts, after, ':');
    std::getline(parts, times, ':');
    Fault f;
    f.path_substring = sub;
    f.op = op == "fsync" ? FaultOp::kFsync : op == "open" ? FaultOp::kOpen : op == "read" ? FaultOp::kRead : FaultOp::kWrite;
    f.kind = kind == "short" ? FaultKind::kShortWrite : kind == "enospc" ? FaultKind::kNoSpace : FaultKind::kIoError;
    f.after = after.empty() ? 0 : atoi(after.c_str());
    f.times = times.empty() ? 1 : atoi(times.c_str());
    InjectFault(f);
  }
}

}  // namespace tusk::vfs
