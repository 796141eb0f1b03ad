// The WAL archiver (PostgreSQL 15's pgarch): copies each completed segment
// named by a pg_wal/archive_status/NAME.ready file, oldest first, by running
// archive_command through /bin/sh in the data directory, and renames the
// status file to NAME.done when the command exits 0. Three failures in a row
// put the segment off until the next wake-up (SIGUSR1 when another segment is
// ready, or a poll every 60 s). A command that dies by a signal (or whose
// shell reports one) is FATAL: the archiver exits 1, which the contract
// (sections 4.3 and 6) makes a crash of the whole server. "Command not
// found" (127) is an ordinary failure here, so a typo cannot crash it.
//
// Signals: SIGHUP reload; SIGUSR1 wake up; SIGUSR2 (postmaster, after the
// shutdown checkpoint) archive what is ready and exit 0; SIGTERM start no
// more commands and exit 0 after 60 s or at SIGUSR2, as in PostgreSQL 15;
// SIGQUIT exit at once (the running command gets SIGQUIT too); SIGINT ignored.
#include "postmaster/pgarch.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstring>
#include <ctime>

#include "access/wal/wal.h"
#include "postmaster/aux_process.h"
#include "storage/file/vfs.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/suspend.h"
#include "storage/ipc/shmem.h"
#include "storage/lmgr/lwlock.h"
#include "utils/guc.h"
#include "utils/log.h"
#include "utils/process_globals.h"
#include "utils/ps_title.h"
#include "utils/timestamp.h"

namespace tusk::pgarch {
namespace {

constexpr size_t kNameLen = 64;

// pg_stat_archiver's counters: in shared memory, and as saved in
// pg_stat/archiver.stat across a clean restart.
struct Counters {
  int64_t archived_count;
  char last_archived_wal[kNameLen];
  int64_t last_archived_time_us;
  int64_t failed_count;
  char last_failed_wal[kNameLen];
  int64_t last_failed_time_us;
  int64_t stats_reset_us;
};

struct Shared {
  std::atomic<int32_t> pid;  // the running archiver, 0 if none
  SpinLock lock;             // guards c
  Counters c;
};
Shared* g_shared = nullptr;

void Report(const std::string& segment, bool failed) {
  if (g_shared == nullptr) return;
  int64_t now = NowMicros();
  g_shared->lock.Lock();
  Counters& c = g_shared->c;
  if (failed) {
    c.failed_count++;
    proc_array::CopyString(c.last_failed_wal, kNameLen, segment);
    c.last_failed_time_us = now;
  } else {
    c.archived_count++;
    proc_array::CopyString(c.last_archived_wal, kNameLen, segment);
    c.last_archived_time_us = now;
  }
  g_shared->lock.Unlock();
}

}  // namespace

size_t ShmemSize() { return shmem::AlignedSize(sizeof(Shared)); }

void ShmemInit() {
  g_shared = new (shmem::Alloc(sizeof(Shared))) Shared();
  g_shared->c.stats_reset_us = NowMicros();
}

void Wakeup() {
  if (g_shared == nullptr) return;
  if (pid_t pid = g_shared->pid.load(std::memory_order_acquire); pid > 0) kill(pid, SIGUSR1);
}

Stats ReadStats() {
  Stats st;
  if (g_shared == nullptr) return st;
  g_shared->lock.Lock();
  const Counters c = g_shared->c;
  g_shared->lock.Unlock();
  st.archived_count = c.archived_count;
  st.last_archived_wal.assign(c.last_archived_wal, strnlen(c.last_archived_wal, kNameLen));
  st.last_archived_time_us = c.last_archived_time_us;
  st.failed_count = c.failed_count;
  st.last_failed_wal.assign(c.last_failed_wal, strnlen(c.last_failed_wal, kNameLen));
  st.last_failed_time_us = c.last_failed_time_us;
  st.stats_reset_us = c.stats_reset_us;
  return st;
}

namespace {

constexpr uint32_t kStatsMagic = 0x41524331;  // "ARC1"

struct StatsFileData {
  uint32_t magic;
  Counters c;
};

std::string StatsPath(const std::string& datadir) { return datadir + "/pg_stat/archiver.stat"; }

}  // namespace

void SaveStatsFile(const std::string& datadir) {
  if (g_shared == nullptr) return;
  StatsFileData d{};
  d.magic = kStatsMagic;
  g_shared->lock.Lock();
  d.c = g_shared->c;
  g_shared->lock.Unlock();
  std::string path = StatsPath(datadir);
  std::string tmp = path + ".tmp";
  FILE* f = fopen(tmp.c_str(), "wb");
  if (f == nullptr) return;
  bool ok = fwrite(&d, sizeof d, 1, f) == 1;
  ok = fclose(f) == 0 && ok;
  if (ok) rename(tmp.c_str(), path.c_str());
}

void LoadAndRemoveStatsFile(const std::string& datadir) {
  if (g_shared == nullptr) return;
  std::string path = StatsPath(datadir);
  FILE* f = fopen(path.c_str(), "rb");
  if (f == nullptr) return;
  StatsFileData d{};
  if (fread(&d, sizeof d, 1, f) == 1 && d.magic == kStatsMagic) {
    d.c.last_archived_wal[kNameLen - 1] = d.c.last_failed_wal[kNameLen - 1] = '\0';
    g_shared->lock.Lock();
    g_shared->c = d.c;
    g_shared->lock.Unlock();
  }
  fclose(f);
  unlink(path.c_str());
}

std::string BuildCommand(std::string_view command, std::string_view path, std::string_view file) {
  std::string out;
  for (size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (c == '%' && i + 1 < command.size()) {
      char n = command[i + 1];
      if (n == 'p') {
        out += path;
        ++i;
        continue;
      }
      if (n == 'f') {
        out += file;
        ++i;
        continue;
      }
      if (n == '%') {
        out += '%';
        ++i;
        continue;
      }
    }
    out += c;  // a lone or unknown % is kept; the next character is read normally
  }
  return out;
}

}  // namespace tusk::pgarch

namespace tusk::aux {
namespace {

constexpr int kMaxRetries = 3;               // failures in a row before putting a segment off
constexpr long kRetryDelayMs = 1000;         // between those tries
constexpr long kAutowakeMs = 60 * 1000;      // poll even without SIGUSR1
constexpr long kSigtermGraceSeconds = 60;    // after a stray SIGTERM, exit anyway

void OnSigchld(int) { latch::SetLatch(); }

// Exits at once on SIGQUIT; reloads on SIGHUP.
void HandleInterrupts() {
  AuxFlags& f = Flags();
  if (f.got_sigquit) _exit(2);
  if (f.got_sighup) {
    f.got_sighup = 0;
    ReloadConfigInChild();
  }
}

// Sleeps `ms` unless SIGQUIT arrives or the postmaster dies.
void Sleep(long ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    latch::ResetLatch();
    if (Flags().got_sigquit) _exit(2);
    if (!latch::PostmasterIsAlive()) return;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return;
    latch::WaitLatch(-1, 0, left);
  }
}

bool ValidStatusName(const std::string& name) {
  return !name.empty() && name.size() <= 40 && name.find_first_not_of("0123456789ABCDEF.historybackuppartial") == std::string::npos;
}

// The oldest NAME with a NAME.ready file, or "" if none.
std::string OldestReady() {
  std::string dir = Globals().data_dir + "/pg_wal/archive_status";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    Log(ErrLevel::kLog, "could not open archive status directory \"pg_wal/archive_status\": " + std::string(std::strerror(errno)));
    return "";
  }
  std::string best;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    constexpr std::string_view kSuffix = ".ready";
    if (name.size() <= kSuffix.size() || name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) continue;
    name.resize(name.size() - kSuffix.size());
    if (!ValidStatusName(name)) continue;
    if (best.empty() || name < best) best = name;
  }
  closedir(d);
  return best;
}

// Runs the command; returns its wait status. Leaves at once on SIGQUIT
// (sending the command's process group SIGQUIT too) and when the
// postmaster dies (killing the command: no process may outlive it).
int RunShellCommand(const std::string& command) {
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    setpgid(0, 0);
    for (int sig : {SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD, SIGPIPE, SIGALRM}) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (chdir(Globals().data_dir.c_str()) != 0) _exit(126);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);  // also here, so the group exists before any kill below
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return -1;
    if (Flags().got_sigquit) {
      kill(-pid, SIGQUIT);
      _exit(2);
    }
    if (!latch::PostmasterIsAlive()) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      _exit(1);
    }
    // SIGCHLD sets the latch; the timeout only guards against a lost wake-up.
    latch::WaitLatch(-1, 0, 1000);
    latch::ResetLatch();
  }
}

// Archives one segment; true if archive_command exited 0. A command killed
// by a signal is FATAL (thrown; the archiver exits 1).
bool ArchiveOne(const std::string& name) {
  SetPsActivity("archiving " + name);
  std::string command = pgarch::BuildCommand(guc::V().archive_command, "pg_wal/" + name, name);
  int rc = RunShellCommand(command);
  if (rc == 0) {
    SetPsActivity("last was " + name);
    return true;
  }
  // As PostgreSQL: a signal (including a shell's 128+N) means something
  // should have stopped us too.
  bool any_signal = rc != -1 && (WIFSIGNALED(rc) || (WIFEXITED(rc) && WEXITSTATUS(rc) > 128));
  ErrorData d;
  d.level = any_signal ? ErrLevel::kFatal : ErrLevel::kLog;
  if (rc == -1) {
    d.message = "could not execute archive command: " + std::string(std::strerror(errno));
  } else if (WIFEXITED(rc)) {
    d.message = "archive command failed with exit code " + std::to_string(WEXITSTATUS(rc));
  } else if (WIFSIGNALED(rc)) {
    d.message = "archive command was terminated by signal " + std::to_string(WTERMSIG(rc)) + ": " + strsignal(WTERMSIG(rc));
  } else {
    d.message = "archive command exited with unrecognized status " + std::to_string(rc);
  }
  d.detail = "The failed archive command was: " + command;
  if (any_signal) throw PgError(d);
  LogEntry(d);
  SetPsActivity("failed on " + name);
  return false;
}

// Marks the segment archived: NAME.ready becomes NAME.done, durably.
void MarkDone(const std::string& name) {
  const std::string& dir = Globals().data_dir;
  std::string ready = wal::ArchiveStatusPath(dir, name, ".ready");
  std::string done = wal::ArchiveStatusPath(dir, name, ".done");
  if (vfs::Rename(ready, done) != 0) {
    Log(ErrLevel::kWarning, "could not rename file \"pg_wal/archive_status/" + name + ".ready\" to \"pg_wal/archive_status/" +
                                name + ".done\": " + std::strerror(errno));
    return;
  }
  if (guc::V().fsync) vfs::FsyncDir(dir + "/pg_wal/archive_status");
}

// Archives every ready segment, oldest first, until none is left, a segment
// failed kMaxRetries times, SIGTERM arrived or the postmaster died.
void CopyLoop() {
  AuxFlags& f = Flags();
  for (;;) {
    // Suspended (contract 11): marking a segment done would change the data directory.
    if (suspend::DataFrozen()) return;
    std::string name = OldestReady();
    if (name.empty()) return;
    int failures = 0;
    int orphan_failures = 0;
    for (;;) {
      // No new command after SIGTERM (init may be about to kill everything)
      // or once the postmaster is gone (a new one may start its own archiver).
      if (f.got_sigterm || !latch::PostmasterIsAlive()) return;
      HandleInterrupts();  // a reloaded archive_command applies at once
      if (guc::V().archive_command.empty()) {
        Log(ErrLevel::kWarning, "archive_mode enabled, yet archiving is not configured");
        return;
      }
      // A .ready left behind for a segment since removed (status files are
      // not made durable everywhere): drop it and go on.
      std::string segment = Globals().data_dir + "/pg_wal/" + name;
      struct stat st;
      if (stat(segment.c_str(), &st) != 0 && errno == ENOENT) {
        std::string rel = "pg_wal/archive_status/" + name + ".ready";
        if (vfs::Unlink(wal::ArchiveStatusPath(Globals().data_dir, name, ".ready")) == 0) {
          Log(ErrLevel::kWarning, "removed orphan archive status file \"" + rel + "\"");
          break;
        }
        if (++orphan_failures >= kMaxRetries) {
          Log(ErrLevel::kWarning, "removal of orphan archive status file \"" + rel +
                                      "\" failed too many times, will try again later");
          return;
        }
        Sleep(kRetryDelayMs);
        continue;
      }
      if (ArchiveOne(name)) {
        MarkDone(name);
        pgarch::Report(name, false);
        break;
      }
      pgarch::Report(name, true);
      if (++failures >= kMaxRetries) {
        Log(ErrLevel::kWarning, "archiving write-ahead log file \"" + name + "\" failed too many times, will try again later");
        return;
      }
      Sleep(kRetryDelayMs);
    }
  }
}

}  // namespace

int ArchiverMain() {
  InstallAuxSignalHandlers();
  struct sigaction sa = {};
  sa.sa_handler = OnSigchld;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, nullptr);
  InitPsDisplay("archiver process");
  GetLogSettings().backend_type = "archiver";
  proc_array::ClaimSlot(BackendType::kArchiver);
  pgarch::g_shared->pid.store(getpid(), std::memory_order_release);
  auto leave = [] {
    pid_t me = getpid();
    pgarch::g_shared->pid.compare_exchange_strong(me, 0);
    proc_array::ReleaseMySlot();
  };
  AuxFlags& f = Flags();
  time_t sigterm_at = 0;
  bool time_to_stop = false;
  try {
    do {
      latch::ResetLatch();
      f.got_sigusr1 = 0;
      f.got_sigint = 0;  // ignored, as in PostgreSQL
      // SIGUSR2: one more round, then exit. Read before the round, so a
      // segment made ready just before the signal is still archived.
      time_to_stop = f.got_sigusr2 != 0;
      HandleInterrupts();
      if (!latch::PostmasterIsAlive()) break;
      if (f.got_sigterm) {
        time_t now = time(nullptr);
        if (sigterm_at == 0) sigterm_at = now;
        else if (now - sigterm_at >= kSigtermGraceSeconds) break;
      }
      CopyLoop();
      if (!time_to_stop && !(f.got_sigusr1 || f.got_sigusr2 || f.got_sighup || f.got_sigquit))
        latch::WaitLatch(-1, 0, f.got_sigterm ? 1000 : kAutowakeMs);
    } while (!time_to_stop);
  } catch (...) {
    leave();
    throw;
  }
  leave();
  return 0;
}

}  // namespace tusk::aux
