// The file-access seam: every data-file, WAL and control-file operation goes
// through these calls, so tests can inject short writes, ENOSPC, EIO and
// fsync failures. Each returns what the POSIX call returns (errno set).
#pragma once

#include <sys/types.h>

#include <sys/stat.h>

#include <string>
#include <vector>

namespace tusk::vfs {

int Open(const std::string& path, int flags, mode_t mode = 0600);
ssize_t PRead(int fd, void* buf, size_t n, off_t offset);
// May write fewer bytes than asked (a short write); callers must check.
ssize_t PWrite(int fd, const void* buf, size_t n, off_t offset);
// Writes n zero bytes at offset, typically past the end of the file. It
// allocates the blocks with fallocate where the filesystem can (no page-cache
// copy of zeros, and still ENOSPC now rather than at write-back), and writes
// zeros where it cannot. Returns n, or fewer (a short write), or -1 with errno.
ssize_t PWriteZeros(int fd, size_t n, off_t offset);
// Reserves [offset, offset + n) beyond the end of the file without changing
// its size (fallocate's KEEP_SIZE), so that later PWriteZeros there find the
// blocks allocated. Best effort: false if the filesystem cannot.
bool Preallocate(int fd, off_t offset, size_t n);
int Fsync(int fd);
int Fdatasync(int fd);
int Ftruncate(int fd, off_t length);
int Close(int fd);
int Unlink(const std::string& path);
int Rename(const std::string& from, const std::string& to);
int Fstat(int fd, struct stat* st);
int Mkdir(const std::string& path, mode_t mode = 0700);
// Names in a directory (without . and ..); false with errno if it cannot be read.
[[nodiscard]] bool ListDir(const std::string& path, std::vector<std::string>* names);
// fsync of a directory, so creations, renames and unlinks in it are durable.
int FsyncDir(const std::string& path);

// Writes all n bytes (retrying short writes); false with errno on failure.
[[nodiscard]] bool PWriteAll(int fd, const void* buf, size_t n, off_t offset);

// Fault injection. A fault applies to operations on paths containing
// `path_substring`; it fires on the `after`-th matching call (0 = the next one)
// and then `times` times in all (-1 = forever).
enum class FaultOp { kWrite, kFsync, kOpen, kRead };
enum class FaultKind { kShortWrite, kNoSpace, kIoError };
struct Fault {
  std::string path_substring;
  FaultOp op = FaultOp::kWrite;
  FaultKind kind = FaultKind::kIoError;
  int after = 0;
  int times = 1;
};
void InjectFault(const Fault& fault);
void ClearFaults();
// Reads faults from the TUSK_FAULTS environment variable
// ("substring:op:kind:after:times;..."; op write|fsync|open|read, kind short|enospc|eio), for end-to-end tests.
void LoadFaultsFromEnvironment();

}  // namespace tusk::vfs
