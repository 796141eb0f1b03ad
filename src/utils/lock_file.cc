// DATADIR/postmaster.pid: creation with stale-PID detection, in-place line
// rewrites (shared-memory key, status) and parsing for the control tool.
// Byte layout: docs/formats/lock_file.md.
#include "utils/lock_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include "utils/error.h"

namespace tusk {
namespace {

// Line numbers (1-based) of the fields that get rewritten after creation.
constexpr int kShmemKeyLine = 7;
constexpr int kStatusLine = 8;
// The status is padded so a rewrite never changes the file's length; readers
// that catch the file mid-write then see the old or the new word, not a torn tail.
constexpr int kStatusWidth = 8;
// Enough attempts to ride out a competitor that creates and deletes the file
// repeatedly, few enough that a persistent problem surfaces quickly.
constexpr int kCreateAttempts = 100;

std::string LockPath(const std::string& datadir) { return datadir + "/" + kLockFileName; }

std::string ErrnoText(int err) { return std::strerror(err); }

// Reads a whole small file; false with errno set on failure.
bool ReadSmallFile(int fd, std::string* out) {
  out->clear();
  char buf[1024];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
  }
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

bool WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = pwrite(fd, data.data() + off, data.size() - off, static_cast<off_t>(off));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

PgError LockFatal(std::string message) {
  return MakeFatal(sqlstate::kConfigFileError, std::move(message));
}

// Replaces one line of the lock file with `value` by rewriting the file from
// offset 0 in a single write: the file is far smaller than a page, so a
// concurrent reader sees either the old or the new contents.
void RewriteLine(const std::string& datadir, int line_no, const std::string& value) {
  std::string path = LockPath(datadir);
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) throw LockFatal("could not open file \"" + path + "\": " + ErrnoText(errno));
  std::string text;
  if (!ReadSmallFile(fd, &text)) {
    int err = errno;
    close(fd);
    throw LockFatal("could not read from file \"" + path + "\": " + ErrnoText(err));
  }
  std::vector<std::string> lines = SplitLines(text);
  // Earlier writers always produce all eight lines; pad anyway so a damaged
  // file cannot make us write the value at the wrong line number.
  while (static_cast<int>(lines.size()) < line_no) lines.emplace_back();
  lines[line_no - 1] = value;
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  bool ok = WriteAll(fd, out);
  if (ok && out.size() < text.size()) ok = ftruncate(fd, static_cast<off_t>(out.size())) == 0;
  // Readers only poll this file, but a crash right after "ready" should not
  // leave a reader believing an older status.
  if (ok) ok = fsync(fd) == 0;
  int err = errno;
  close(fd);
  if (!ok) throw LockFatal("could not write lock file \"" + path + "\": " + ErrnoText(err));
}

}  // namespace

bool SameDirectory(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  if (stat(a.c_str(), &sa) != 0 || stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

namespace {

// True when a process with this PID exists; EPERM means it exists but is not ours.
bool ProcessAlive(long pid) { return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

}  // namespace

void CreateDataDirLockFile(const std::string& datadir, int port, const std::string& socket_dir,
                           const std::string& listen_address) {
  std::string path = LockPath(datadir);
  int fd = -1;
  for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
    fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) break;
    if (errno != EEXIST && errno != EACCES)
      throw LockFatal("could not create lock file \"" + std::string(kLockFileName) + "\": " + ErrnoText(errno));

    // Someone's file is there: decide whether its owner is still alive.
    int rfd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (rfd < 0) {
      if (errno == ENOENT) continue;  // it vanished between our two opens: try again
      throw LockFatal("could not open lock file \"" + std::string(kLockFileName) + "\": " + ErrnoText(errno));
    }
    std::string text;
    bool read_ok = ReadSmallFile(rfd, &text);
    int read_err = errno;
    close(rfd);
    if (!read_ok)
      throw LockFatal("could not read lock file \"" + std::string(kLockFileName) + "\": " + ErrnoText(read_err));
    if (text.empty()) {
      // Another postmaster may be between creating and writing the file; we
      // cannot tell, so refuse rather than delete a live competitor's file.
      PgError e = LockFatal("lock file \"" + std::string(kLockFileName) + "\" is empty");
      e.Hint("Either another server is starting, or the lock file is the remnant of a previous server startup crash.");
      throw e;
    }
    long other = std::strtol(text.c_str(), nullptr, 10);
    if (other <= 0)
      throw LockFatal("bogus data in lock file \"" + std::string(kLockFileName) + "\": \"" +
                      SplitLines(text)[0] + "\"");
    // Our own or our parent's PID in a file means a PID reused after a reboot
    // (e.g. in a container, where PIDs restart at 1): the file is stale.
    // A file naming another directory was copied along with this one (a
    // backup taken with pg_backup_start and a plain copy): its PID runs elsewhere.
    const std::vector<std::string> old_lines = SplitLines(text);
    const bool copied = old_lines.size() > 1 && !SameDirectory(old_lines[1], datadir);
    if (!copied && other != getpid() && other != getppid() && ProcessAlive(other)) {
      PgError e = LockFatal("lock file \"" + std::string(kLockFileName) + "\" already exists");
      e.Hint("Is another postmaster (PID " + std::to_string(other) + ") running in data directory \"" +
             datadir + "\"?");
      throw e;
    }
    if (unlink(path.c_str()) < 0 && errno != ENOENT) {
      PgError e = LockFatal("could not remove old lock file \"" + path + "\": " + ErrnoText(errno));
      e.Hint("The file seems accidentally left over, but it could not be removed. Please remove the file by hand and try again.");
      throw e;
    }
  }
  if (fd < 0)
    throw LockFatal("could not create lock file \"" + std::string(kLockFileName) + "\": " + ErrnoText(EEXIST));

  char key[64];
  snprintf(key, sizeof key, "%9lu %9lu", 0UL, 0UL);
  std::string contents = std::to_string(getpid()) + "\n" + datadir + "\n" +
                         std::to_string(static_cast<long>(time(nullptr))) + "\n" + std::to_string(port) + "\n" +
                         socket_dir + "\n" + listen_address + "\n" + key + "\n" + "starting\n";
  bool ok = WriteAll(fd, contents) && fsync(fd) == 0;
  int err = errno;
  close(fd);
  if (!ok) {
    unlink(path.c_str());  // a half-written file would block the next start
    throw LockFatal("could not write lock file \"" + std::string(kLockFileName) + "\": " + ErrnoText(err));
  }
}

void SetLockFileShmemKey(const std::string& datadir, const std::string& key) {
  RewriteLine(datadir, kShmemKeyLine, key);
}

void SetLockFileStatus(const std::string& datadir, const std::string& status) {
  std::string padded = status;
  if (padded.size() < static_cast<size_t>(kStatusWidth)) padded.resize(kStatusWidth, ' ');
  RewriteLine(datadir, kStatusLine, padded);
}

void RemoveDataDirLockFile(const std::string& datadir) { unlink(LockPath(datadir).c_str()); }

std::optional<LockFileContents> ReadLockFile(const std::string& datadir, std::string* error) {
  std::string path = LockPath(datadir);
  auto fail = [&](std::string msg) -> std::optional<LockFileContents> {
    if (error) *error = std::move(msg);
    return std::nullopt;
  };
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail("could not open file \"" + path + "\": " + ErrnoText(errno));
  std::string text;
  bool ok = ReadSmallFile(fd, &text);
  int err = errno;
  close(fd);
  if (!ok) return fail("could not read file \"" + path + "\": " + ErrnoText(err));
  if (text.empty()) return fail("the PID file \"" + path + "\" is empty");
  std::vector<std::string> lines = SplitLines(text);
  LockFileContents c;
  char* end = nullptr;
  c.pid = std::strtol(lines[0].c_str(), &end, 10);
  if (end == lines[0].c_str() || c.pid == 0) return fail("invalid data in PID file \"" + path + "\"");
  auto line = [&](int n) { return static_cast<int>(lines.size()) >= n ? lines[n - 1] : std::string(); };
  c.datadir = line(2);
  c.start_time = std::strtol(line(3).c_str(), nullptr, 10);
  c.port = static_cast<int>(std::strtol(line(4).c_str(), nullptr, 10));
  c.socket_dir = line(5);
  c.listen_address = line(6);
  c.shmem_key = line(kShmemKeyLine);
  c.status = line(kStatusLine);
  while (!c.status.empty() && c.status.back() == ' ') c.status.pop_back();
  return c;
}

}  // namespace tusk
