// The logger process (logging_collector = on): every server process's stderr
// is the write end of one pipe; the logger reads it and appends to
// log_directory/log_filename (strftime pattern), rotating on
// log_rotation_age, log_rotation_size and SIGUSR1. Entries up to PIPE_BUF
// bytes arrive whole because each is one write(2).
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <string>

#include "postmaster/aux_process.h"
#include "storage/ipc/latch.h"
#include "utils/guc.h"
#include "utils/process_globals.h"
#include "utils/ps_title.h"

namespace tusk::aux {
namespace {

class LogFile {
 public:
  ~LogFile() { Close(); }

  void Open(bool allow_truncate) {
    const guc::Vars& v = guc::V();
    std::string dir = v.log_directory;
    if (dir.empty() || dir[0] != '/') dir = Globals().data_dir + "/" + dir;
    mkdir(dir.c_str(), 0700);
    time_t now = time(nullptr);
    tm parts;
    localtime_r(&now, &parts);
    char name[512];
    if (strftime(name, sizeof name, v.log_filename.c_str(), &parts) == 0) name[0] = '\0';
    const std::string shown_dir = v.log_directory.empty() || v.log_directory[0] != '/' ? v.log_directory : dir;
    std::string path = dir + "/" + (name[0] ? name : "postgresql.log");
    std::string shown = shown_dir + "/" + (name[0] ? name : "postgresql.log");
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
    if (allow_truncate && v.log_truncate_on_rotation && path != path_) flags |= O_TRUNC;
    int fd = open(path.c_str(), flags, 0600);
    if (fd < 0) return;  // keep writing to the old file rather than lose lines
    Close();
    fd_ = fd;
    path_ = path;
    opened_ = std::chrono::steady_clock::now();
    struct stat st;
    size_ = fstat(fd_, &st) == 0 ? st.st_size : 0;
    WriteCurrentLogfiles(shown);
  }

  // DATADIR/current_logfiles names the file being written, as PostgreSQL's
  // logger records it for pg_current_logfile() (replaced by a rename).
  static void WriteCurrentLogfiles(const std::string& shown) {
    const std::string final_path = Globals().data_dir + "/current_logfiles";
    const std::string tmp = final_path + ".tmp";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    std::string line = "stderr " + shown + "\n";
    bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    close(fd);
    if (!ok || rename(tmp.c_str(), final_path.c_str()) != 0) unlink(tmp.c_str());
  }

  void Write(const char* data, size_t len) {
    if (fd_ < 0) return;
    while (len > 0) {
      ssize_t w = write(fd_, data, len);
      if (w < 0) {
        if (errno == EINTR) continue;
        return;
      }
      data += w;
      len -= static_cast<size_t>(w);
      size_ += w;
    }
  }

  bool RotationDue() const {
    const guc::Vars& v = guc::V();
    if (v.log_rotation_size > 0 && size_ >= static_cast<long long>(v.log_rotation_size) * 1024) return true;
    if (v.log_rotation_age > 0) {
      auto age = std::chrono::steady_clock::now() - opened_;
      if (age >= std::chrono::minutes(v.log_rotation_age)) return true;
    }
    return false;
  }

 private:
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  int fd_ = -1;
  std::string path_;
  long long size_ = 0;
  std::chrono::steady_clock::time_point opened_;
};

// Reads whatever the pipe holds; false at EOF (every writer is gone).
bool Drain(int fd, LogFile* file) {
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      file->Write(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return true;  // EAGAIN: empty for now
  }
}

}  // namespace

int SysLoggerMain(int pipe_read_fd) {
  InstallAuxSignalHandlers();
  InitPsDisplay("logger process");
  // The logger must see every other process's last words, so it ignores the
  // shutdown signals and leaves only when the postmaster is gone and the pipe is drained.
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  fcntl(pipe_read_fd, F_SETFL, O_NONBLOCK);
  LogFile file;
  file.Open(false);
  AuxFlags& f = Flags();
  for (;;) {
    latch::ResetLatch();
    if (f.got_sighup) {
      f.got_sighup = 0;
      ReloadConfigInChild();
      file.Open(false);  // log_directory or log_filename may have changed
    }
    if (f.got_sigusr1 || file.RotationDue()) {
      f.got_sigusr1 = 0;
      file.Open(true);
    }
    bool open = Drain(pipe_read_fd, &file);
    if (!open) return 0;
    if (!latch::PostmasterIsAlive()) {
      // Children leave within a second of the postmaster; take what they wrote.
      auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
      while (std::chrono::steady_clock::now() < until) {
        if (!Drain(pipe_read_fd, &file)) break;
        latch::WaitLatch(pipe_read_fd, latch::kSocketReadable, 50);
      }
      return 0;
    }
    latch::WaitLatch(pipe_read_fd, latch::kSocketReadable, 1000);
  }
}

}  // namespace tusk::aux
