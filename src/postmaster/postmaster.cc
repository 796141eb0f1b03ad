// The postmaster: option parsing, start-up (configuration, lock file, sockets,
// shared memory), the server loop, and the one state machine for start,
// shutdown and crash reinitialisation. It forks, reaps, signals, accepts and
// keeps the lock file; it never touches data pages nor blocks on a client.
//
// States (PmState) and their transitions, all made in SetState():
//   kStartup      -> kRun           startup process exited 0
//   kStartup      -> (exit 1)       startup process failed
//   kRun          -> kStopBackends  fast shutdown; smart shutdown once no client is left
//   kStartup/kRun -> kWaitBackends  a child crashed (SIGQUIT sent to the rest)
//   kStopBackends -> kWaitBackends  SIGTERM sent to backends and workers
//   kWaitBackends -> kShutdown      all but checkpointer/collector/logger gone; shutdown checkpoint asked
//   kWaitBackends -> kWaitDeadEnd   same, after a crash or immediate shutdown (SIGQUIT to the rest)
//   kShutdown     -> kShutdown2     checkpointer exited 0 after the shutdown checkpoint
//   kShutdown2    -> kWaitDeadEnd   archiver and stats collector gone
//   kWaitDeadEnd  -> kNoChildren    no child but the logger left
//   kNoChildren   -> exit           shutdown requested, or crash with restart_after_crash = off
//   kNoChildren   -> kStartup       crash: shared memory re-created, startup process started
#include "postmaster/postmaster.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "access/transam/slru.h"
#include "access/btree/btree.h"
#include "access/heap/heapam.h"
#include "access/sequence/sequence.h"
#include "access/transam/transam.h"
#include "access/transam/xact.h"
#include "access/wal/wal.h"
#include "backend/backend.h"
#include "postmaster/autovacuum.h"
#include "postmaster/aux_process.h"
#include "postmaster/checkpoint.h"
#include "postmaster/code_copy.h"
#include "postmaster/listen.h"
#include "postmaster/pgstat.h"
#include "protocol/auth_flow.h"
#include "postmaster/pm_options.h"
#include "postmaster/suspend_steps.h"
#include "postmaster/walreceiver.h"
#include "sql/engine.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/parallel_slots.h"
#include "storage/ipc/pmsignal.h"
#include "storage/ipc/proc_array.h"
#include "storage/buffer/buffer.h"
#include "storage/file/sync_queue.h"
#include "storage/file/vfs.h"
#include "storage/ipc/shmem.h"
#include "storage/ipc/shmem_setup.h"
#include "storage/ipc/suspend.h"
#include "storage/lmgr/lock.h"
#include "utils/guc.h"
#include "utils/lock_file.h"
#include "utils/log.h"
#include "utils/process_globals.h"
#include "utils/sd_notify.h"
#include "utils/version.h"

namespace tusk::postmaster {
namespace {

enum class PmState { kInit, kStartup, kRun, kStopBackends, kWaitBackends, kShutdown, kShutdown2, kWaitDeadEnd, kNoChildren };
enum class ShutdownMode { kNone = 0, kSmart = 1, kFast = 2, kImmediate = 3 };

enum class ChildKind {
  kBackend,
  kAutovacWorker,
  kParallelWorker,
  kStartup,
  kCheckpointer,
  kBgWriter,
  kWalWriter,
  kAutovacLauncher,
  kStatsCollector,
  kLogger,
  kArchiver,
  kWalReceiver,
};

struct Child {
  pid_t pid;
  ChildKind kind;
  int32_t cancel_key;
};

// The name used in `... (PID N) exited ...` log lines.
const char* KindLogName(ChildKind kind) {
  switch (kind) {
    case ChildKind::kBackend: return "server process";
    case ChildKind::kAutovacWorker: return "autovacuum worker process";
    case ChildKind::kParallelWorker: return "background worker \"parallel worker\"";
    case ChildKind::kStartup: return "startup process";
    case ChildKind::kCheckpointer: return "checkpointer process";
    case ChildKind::kBgWriter: return "background writer process";
    case ChildKind::kWalWriter: return "WAL writer process";
    case ChildKind::kAutovacLauncher: return "autovacuum launcher process";
    case ChildKind::kStatsCollector: return "statistics collector process";
    case ChildKind::kLogger: return "system logger process";
    case ChildKind::kArchiver: return "archiver process";
    case ChildKind::kWalReceiver: return "WAL receiver process";
  }
  return "server process";
}

volatile sig_atomic_t g_got_sighup = 0;
volatile sig_atomic_t g_got_sigchld = 0;
volatile sig_atomic_t g_got_sigusr1 = 0;
volatile sig_atomic_t g_requested_shutdown = 0;  // highest ShutdownMode requested by a signal

void OnSignal(int sig) {
  switch (sig) {
    case SIGHUP: g_got_sighup = 1; break;
    case SIGCHLD: g_got_sigchld = 1; break;
    case SIGUSR1: g_got_sigusr1 = 1; break;
    case SIGTERM:
      if (g_requested_shutdown < static_cast<int>(ShutdownMode::kSmart)) g_requested_shutdown = static_cast<int>(ShutdownMode::kSmart);
      break;
    case SIGINT:
      if (g_requested_shutdown < static_cast<int>(ShutdownMode::kFast)) g_requested_shutdown = static_cast<int>(ShutdownMode::kFast);
      break;
    case SIGQUIT: g_requested_shutdown = static_cast<int>(ShutdownMode::kImmediate); break;
    default: break;
  }
  latch::SetLatch();
}

class Postmaster {
 public:
  explicit Postmaster(PmOptions options)
      : options_(std::move(options)),
        suspend_(SuspendSteps::Env{
            [this] { return PidOf(ChildKind::kAutovacLauncher); },
            [this] {
              std::vector<pid_t> pids;
              for (const Child& c : children_)
                if (c.kind == ChildKind::kAutovacWorker) pids.push_back(c.pid);
              return pids;
            },
            [this] { return PidOf(ChildKind::kCheckpointer); },
            [this] { return state_ == PmState::kRun && shutdown_ == ShutdownMode::kNone && !fatal_error_; }}) {}
  int Run();

 private:
  void InstallSignalHandlers();
  void StartLogger();
  void CreateSharedMemory();
  pid_t ForkChild(ChildKind kind, const std::function<int()>& body);
  void StartStartupProcess();
  void StartMissingAuxProcesses();
  void StartParallelWorkers();
  void ServerLoop();
  void AcceptConnection(int listen_fd, bool is_unix);
  backend::CacState CanAcceptConnections() const;
  void HandleShutdownRequest(ShutdownMode mode);
  void HandleReload();
  void HandleRecoverySignals();
  void ReapChildren();
  void OnChildExit(const Child& child, int status);
  void HandleChildCrash(const Child& child, int status);
  void LogChildExit(const Child& child, int status, ErrLevel level);
  void SignalChildren(int sig, const std::function<bool(const Child&)>& which);
  void StateMachine();
  void SetState(PmState next);
  [[noreturn]] void ExitPostmaster(int code);
  bool AnyChild(const std::function<bool(const Child&)>& which) const;
  pid_t PidOf(ChildKind kind) const;
  int CountKind(ChildKind kind) const;

  PmOptions options_;
  PmState state_ = PmState::kInit;
  ShutdownMode shutdown_ = ShutdownMode::kNone;
  bool fatal_error_ = false;  // a crash is being handled; cleared when recovery finishes
  bool conns_allowed_ = true;
  std::vector<Child> children_;
  ListenSockets sockets_;
  int logger_pipe_[2] = {-1, -1};
  int stats_socket_ = -1;
  std::chrono::steady_clock::time_point kill_deadline_{};  // SIGKILL stragglers after this
  bool kill_pending_ = false;
  std::mt19937 rng_{std::random_device{}()};
  bool lock_file_created_ = false;
  // We sent the startup process a signal (shutdown or crash handling): its
  // failure is then expected, not a reason to give up starting.
  bool startup_signaled_ = false;
  SuspendSteps suspend_;
  // Standby (contract 10): the startup process reached consistency and
  // hot_standby is on, so read-only connections are let in while it replays.
  bool hot_standby_ = false;
  // The startup process asked for a WAL receiver; a new one is started after
  // an exit once this time has come (wal_retrieve_retry_interval).
  bool want_walreceiver_ = false;
  std::chrono::steady_clock::time_point walreceiver_retry_at_{};
};

int Postmaster::Run() {
  ProcessGlobals& g = Globals();
  g.is_postmaster = true;
  g.postmaster_pid = getpid();
  {
    int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    g.start_time_us = now_us;
    g.start_time = static_cast<long>(now_us / 1000000);
  }
  g.data_dir = options_.data_dir;
  guc::SetInternalOption("data_directory", g.data_dir);
  ApplyProcessSettings();
  CopyCodeToAnonymousMemory();  // before the first fork: every child shares the copy
  // The logger rewrites it; without one there is no current log file.
  unlink((g.data_dir + "/current_logfiles").c_str());
  // Requests meant for an earlier server (or copied along with a snapshot) are void.
  for (const char* name : {kSuspendSignalFile, kResumeSignalFile, kSuspendFailedFile})
    unlink((g.data_dir + "/" + name).c_str());
  const guc::Vars& v = guc::V();
  try {
    {
      // A stale lock file whose server's processes still live: refuse, they may still write.
      std::string ignored;
      if (auto old = ReadLockFile(g.data_dir, &ignored);
          old && old->pid > 0 && kill(static_cast<pid_t>(old->pid), 0) != 0 && SameDirectory(old->datadir, g.data_dir))
        shmem::CheckOldInterlock(old->shmem_key, old->pid, g.data_dir);
    }
    CreateDataDirLockFile(g.data_dir, v.port, SplitList(v.unix_socket_directories).empty() ? "" : SplitList(v.unix_socket_directories)[0],
                          SplitList(v.listen_addresses).empty() ? "" : SplitList(v.listen_addresses)[0]);
    lock_file_created_ = true;
    WritePostmasterOpts(options_);
    if (!protocol::LoadHbaRules(g.data_dir, false)) throw MakeFatal(sqlstate::kConfigFileError, "could not load pg_hba.conf");
    latch::CreatePostmasterDeathPipe();
    latch::InitLatch();
    InstallSignalHandlers();
    if (v.logging_collector) StartLogger();
    LogLine(std::string("starting ") + kVersionString);
    sockets_ = CreateListenSockets(v.port, v.listen_addresses, v.unix_socket_directories, v.unix_socket_permissions);
    stats_socket_ = pgstat::CreateSocket();
    CreateSharedMemory();
    shmem::CreateInterlock();
    SetLockFileShmemKey(g.data_dir, shmem::LockFileShmemLine());
  } catch (const PgError& e) {
    LogEntry(e.data());
    if (lock_file_created_) RemoveDataDirLockFile(g.data_dir);
    RemoveSocketFiles(sockets_);
    return 1;
  }
  ForkChild(ChildKind::kStatsCollector, [this] { return aux::StatsCollectorMain(stats_socket_); });
  ForkChild(ChildKind::kCheckpointer, [] { return aux::CheckpointerMain(); });
  ForkChild(ChildKind::kBgWriter, [] { return aux::BgWriterMain(); });
  StartStartupProcess();
  ServerLoop();
  return 0;  // not reached: ServerLoop leaves through ExitPostmaster
}

void Postmaster::InstallSignalHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGCHLD}) sigaction(sig, &sa, nullptr);
  for (int sig : {SIGUSR2, SIGPIPE, SIGALRM, SIGTTIN, SIGTTOU, SIGXFSZ}) signal(sig, SIG_IGN);
  // SIGABRT stays default: the postmaster dies and its children notice.
}

void Postmaster::StartLogger() {
  if (logger_pipe_[0] < 0) {
    if (pipe2(logger_pipe_, O_CLOEXEC) != 0) {
      Log(ErrLevel::kLog, std::string("could not create pipe for syslog: ") + strerror(errno));
      return;
    }
  }
  ErrorData d;
  d.level = ErrLevel::kLog;
  d.message = "redirecting log output to logging collector process";
  d.hint = "Future log output will appear in directory \"" + guc::V().log_directory + "\".";
  LogEntry(d);
  int read_fd = logger_pipe_[0];
  ForkChild(ChildKind::kLogger, [read_fd] { return aux::SysLoggerMain(read_fd); });
  // From here on every process (this one and all children) writes to the pipe.
  dup2(logger_pipe_[1], STDERR_FILENO);
  dup2(logger_pipe_[1], STDOUT_FILENO);
}

void Postmaster::CreateSharedMemory() { shmem::CreateServerSharedMemory(guc::V()); }

pid_t Postmaster::ForkChild(ChildKind kind, const std::function<int()>& body) {
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    Log(ErrLevel::kLog, std::string("could not fork ") + KindLogName(kind) + ": " + strerror(errno));
    return -1;
  }
  if (pid == 0) {
    // Child: drop everything that belongs to the postmaster.
    for (int sig : {SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD, SIGALRM, SIGPIPE})
      signal(sig, SIG_DFL);
    latch::InitChildAfterFork();
    CloseListenSockets(&sockets_);
    Globals().is_postmaster = false;
    guc::SetUnderPostmaster(true);
    children_.clear();
    int code = 1;
    try {
      code = body();
    } catch (const PgError& e) {
      LogEntry(e.data());
      code = e.data().level == ErrLevel::kPanic ? 2 : 1;
    } catch (const std::exception& e) {
      Log(ErrLevel::kFatal, e.what());
      code = 2;
    }
    fflush(stdout);
    fflush(stderr);
    _exit(code);  // never run the postmaster's exit handlers (they remove the lock file)
  }
  children_.push_back(Child{pid, kind, 0});
  return pid;
}

void Postmaster::StartStartupProcess() {
  SetState(PmState::kStartup);
  startup_signaled_ = false;
  ForkChild(ChildKind::kStartup, [] { return aux::StartupMain(); });
}

// Forks a worker for each slot a leader submitted; while the system is not
// running normally, or max_worker_processes children are workers already,
// the slot fails and its leader does the work alone (as PostgreSQL's).
void Postmaster::StartParallelWorkers() {
  for (int slot : parallel::TakeRequested()) {
    if (state_ != PmState::kRun || shutdown_ != ShutdownMode::kNone ||
        CountKind(ChildKind::kParallelWorker) >= guc::V().max_worker_processes) {
      parallel::MarkFailed(slot);
      continue;
    }
    pid_t pid = ForkChild(ChildKind::kParallelWorker, [slot] { return backend::ParallelWorkerMain(slot); });
    if (pid <= 0) parallel::MarkFailed(slot);
    else parallel::Slot(slot).worker_pid.store(pid);
  }
}

pid_t Postmaster::PidOf(ChildKind kind) const {
  for (const Child& c : children_)
    if (c.kind == kind) return c.pid;
  return 0;
}

int Postmaster::CountKind(ChildKind kind) const {
  int n = 0;
  for (const Child& c : children_) n += c.kind == kind;
  return n;
}

bool Postmaster::AnyChild(const std::function<bool(const Child&)>& which) const {
  for (const Child& c : children_)
    if (which(c)) return true;
  return false;
}

void Postmaster::StartMissingAuxProcesses() {
  const guc::Vars& v = guc::V();
  if (logger_pipe_[0] >= 0 && PidOf(ChildKind::kLogger) == 0) {
    int read_fd = logger_pipe_[0];
    ForkChild(ChildKind::kLogger, [read_fd] { return aux::SysLoggerMain(read_fd); });
  }
  if (fatal_error_ || shutdown_ >= ShutdownMode::kFast) return;
  bool running = state_ == PmState::kRun;
  bool early = state_ == PmState::kStartup || running;
  if (!early) return;
  if (PidOf(ChildKind::kStatsCollector) == 0)
    ForkChild(ChildKind::kStatsCollector, [this] { return aux::StatsCollectorMain(stats_socket_); });
  if (PidOf(ChildKind::kCheckpointer) == 0) ForkChild(ChildKind::kCheckpointer, [] { return aux::CheckpointerMain(); });
  if (PidOf(ChildKind::kBgWriter) == 0) ForkChild(ChildKind::kBgWriter, [] { return aux::BgWriterMain(); });
  if (state_ == PmState::kStartup && want_walreceiver_ && shutdown_ == ShutdownMode::kNone &&
      PidOf(ChildKind::kWalReceiver) == 0 && std::chrono::steady_clock::now() >= walreceiver_retry_at_)
    ForkChild(ChildKind::kWalReceiver, [] { return aux::WalReceiverMain(); });
  if (!running) return;
  if (PidOf(ChildKind::kWalWriter) == 0) ForkChild(ChildKind::kWalWriter, [] { return aux::WalWriterMain(); });
  if (v.autovacuum && shutdown_ == ShutdownMode::kNone && PidOf(ChildKind::kAutovacLauncher) == 0)
    ForkChild(ChildKind::kAutovacLauncher, [] { return aux::AutovacLauncherMain(); });
  // The archiver runs once the system is up (a primary has no use for it in recovery).
  if (v.archive_mode != "off" && PidOf(ChildKind::kArchiver) == 0)
    ForkChild(ChildKind::kArchiver, [] { return aux::ArchiverMain(); });
}

backend::CacState Postmaster::CanAcceptConnections() const {
  using backend::CacState;
  const bool read_only_standby = state_ == PmState::kStartup && hot_standby_ && !fatal_error_;
  if (state_ != PmState::kRun && !read_only_standby) {
    if (shutdown_ > ShutdownMode::kNone) return CacState::kShutdown;
    if (!fatal_error_ && state_ == PmState::kStartup) return CacState::kStartup;
    return CacState::kRecovery;
  }
  // While suspending, a superuser's connection is the wake-up event; others wait outside.
  if (conns_allowed_ && suspend_.Suspending()) return CacState::kSuspending;
  if (!conns_allowed_) {
    // A smart shutdown while an online backup runs: superusers may still come in to end it.
    if (shutdown_ == ShutdownMode::kSmart && pmsignal::RunningBackups() > 0) return CacState::kSuperuser;
    return CacState::kShutdown;
  }
  // Every child counts, including those that will only send an error: this
  // bounds the processes a flood of connections can create.
  int limit = 2 * (guc::V().max_connections + guc::V().autovacuum_max_workers + 1 + guc::V().max_wal_senders);
  if (CountKind(ChildKind::kBackend) >= limit) return CacState::kTooMany;
  return CacState::kOk;
}

void Postmaster::AcceptConnection(int listen_fd, bool is_unix) {
  backend::ClientConnection conn;
  conn.addr_len = sizeof conn.addr;
  conn.fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&conn.addr), &conn.addr_len, SOCK_CLOEXEC);
  if (conn.fd < 0) {
    if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
      Log(ErrLevel::kLog, std::string("could not accept new connection: ") + strerror(errno));
    return;
  }
  conn.is_unix = is_unix;
  conn.cac = CanAcceptConnections();
  do {
    conn.cancel_key = static_cast<int32_t>(rng_());
  } while (conn.cancel_key == 0);
  for (const Child& c : children_)
    if (c.kind == ChildKind::kBackend) conn.cancel_targets.push_back({c.pid, c.cancel_key});
  int fd = conn.fd;
  int32_t key = conn.cancel_key;
  pid_t pid = ForkChild(ChildKind::kBackend, [conn]() mutable { return backend::BackendMain(std::move(conn)); });
  close(fd);
  if (pid > 0) children_.back().cancel_key = key;
}

void Postmaster::SignalChildren(int sig, const std::function<bool(const Child&)>& which) {
  for (const Child& c : children_) {
    if (!which(c)) continue;
    if (c.kind == ChildKind::kStartup) startup_signaled_ = true;
    kill(c.pid, sig);
  }
}

void Postmaster::HandleShutdownRequest(ShutdownMode mode) {
  if (mode <= shutdown_) return;  // already doing this or something more drastic
  SdNotify("STOPPING=1\n");
  switch (mode) {
    case ShutdownMode::kSmart:
      LogLine("received smart shutdown request");
      shutdown_ = mode;
      conns_allowed_ = false;
      SetLockFileStatus(Globals().data_dir, "stopping");
      // Workers and the launcher are not clients: stop them now.
      SignalChildren(SIGTERM, [](const Child& c) {
        return c.kind == ChildKind::kAutovacLauncher || c.kind == ChildKind::kAutovacWorker;
      });
      if (state_ == PmState::kStartup) SetState(PmState::kStopBackends);
      break;
    case ShutdownMode::kFast:
      LogLine("received fast shutdown request");
      shutdown_ = mode;
      conns_allowed_ = false;
      SetLockFileStatus(Globals().data_dir, "stopping");
      if (state_ == PmState::kRun || state_ == PmState::kStartup) {
        LogLine("aborting any active transactions");
        SetState(PmState::kStopBackends);
      }
      break;
    case ShutdownMode::kImmediate:
      LogLine("received immediate shutdown request");
      shutdown_ = mode;
      conns_allowed_ = false;
      SetLockFileStatus(Globals().data_dir, "stopping");
      pmsignal::SetQuitReason(pmsignal::QuitReason::kForStop);
      SignalChildren(SIGQUIT, [](const Child& c) { return c.kind != ChildKind::kLogger; });
      kill_pending_ = true;
      kill_deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      SetState(PmState::kWaitDeadEnd);
      break;
    case ShutdownMode::kNone: break;
  }
  suspend_.Abort("a shutdown request");
}

void Postmaster::HandleReload() {
  LogLine("received SIGHUP, reloading configuration files");
  std::vector<ErrorData> messages;
  guc::ProcessConfigFile(Globals().data_dir, true, ErrLevel::kLog, &messages);
  for (const ErrorData& m : messages) LogEntry(m);
  ApplyProcessSettings();
  protocol::LoadHbaRules(Globals().data_dir, true);
  SignalChildren(SIGHUP, [](const Child&) { return true; });
}

// Requests of a standby's startup process, and promote requests for it.
void Postmaster::HandleRecoverySignals() {
  const bool standby = state_ == PmState::kStartup && !fatal_error_ && shutdown_ == ShutdownMode::kNone;
  if (pmsignal::CheckAndClear(pmsignal::Reason::kRecoveryConsistent) && standby && guc::V().hot_standby && !hot_standby_) {
    hot_standby_ = true;
    SetLockFileStatus(Globals().data_dir, "standby");
    LogLine("database system is ready to accept read only connections");
    SdNotify("READY=1\nSTATUS=ready to accept read only connections\n");
  }
  if (pmsignal::CheckAndClear(pmsignal::Reason::kStartWalReceiver) && standby) want_walreceiver_ = true;
  const bool promote = pmsignal::CheckAndClear(pmsignal::Reason::kPromote) ||
                       access((Globals().data_dir + "/promote.signal").c_str(), F_OK) == 0;
  if (promote && standby)
    SignalChildren(SIGUSR2, [](const Child& c) { return c.kind == ChildKind::kStartup; });
}

void Postmaster::LogChildExit(const Child& child, int status, ErrLevel level) {
  std::string text = std::string(KindLogName(child.kind)) + " (PID " + std::to_string(child.pid) + ")";
  if (WIFEXITED(status)) {
    text += " exited with exit code " + std::to_string(WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    text += " was terminated by signal " + std::to_string(sig) + ": " + strsignal(sig);
  } else {
    text += " exited with unrecognized status " + std::to_string(status);
  }
  ErrorData d;
  d.level = level;
  d.message = text;
  if (child.kind == ChildKind::kBackend || child.kind == ChildKind::kAutovacWorker ||
      child.kind == ChildKind::kParallelWorker) {
    // The activity of the dead process, read without locks (rule 2 of proc_array).
    if (auto snap = proc_array::FindByPid(child.pid); snap && !snap->query.empty())
      d.detail = "Failed process was running: " + snap->query;
  }
  LogEntry(d);
}

void Postmaster::HandleChildCrash(const Child& child, int status) {
  if (fatal_error_ || shutdown_ == ShutdownMode::kImmediate) {
    // Already taking everything down; later exits are expected.
    return;
  }
  LogChildExit(child, status, ErrLevel::kLog);
  LogLine("terminating any other active server processes");
  fatal_error_ = true;
  suspend_.Reset();
  hot_standby_ = false;
  want_walreceiver_ = false;
  pmsignal::SetQuitReason(pmsignal::QuitReason::kForCrash);
  SignalChildren(SIGQUIT, [](const Child& c) { return c.kind != ChildKind::kLogger; });
  kill_pending_ = true;
  kill_deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  if (state_ == PmState::kRun || state_ == PmState::kStartup || state_ == PmState::kStopBackends ||
      state_ == PmState::kShutdown || state_ == PmState::kShutdown2)
    SetState(PmState::kWaitBackends);
}

void Postmaster::OnChildExit(const Child& child, int status) {
  bool exited = WIFEXITED(status);
  int code = exited ? WEXITSTATUS(status) : -1;
  switch (child.kind) {
    case ChildKind::kLogger:
      // Losing the logger is no reason to distrust shared memory; restart it.
      if (!exited || code != 0) LogChildExit(child, status, ErrLevel::kLog);
      return;
    case ChildKind::kStartup:
      if (exited && code == 0 && state_ == PmState::kStartup) {
        fatal_error_ = false;
        // End of recovery (a promotion, for a standby): the receiver has no more to do.
        hot_standby_ = false;
        want_walreceiver_ = false;
        SignalChildren(SIGTERM, [](const Child& c) { return c.kind == ChildKind::kWalReceiver; });
        SetState(PmState::kRun);
        return;
      }
      if (exited && code == 0) return;  // shutdown arrived while it ran
      // A standby's startup process leaves with 1 when told to shut down.
      if (exited && code == 1 && shutdown_ > ShutdownMode::kNone && startup_signaled_) return;
      // Any unexpected failure while starting (a FATAL or PANIC reading the
      // control file or the WAL) cannot be cured by trying again.
      if (state_ == PmState::kStartup && !startup_signaled_) {
        LogChildExit(child, status, ErrLevel::kLog);
        LogLine("aborting startup due to startup process failure");
        SignalChildren(SIGQUIT, [](const Child& c) { return c.kind != ChildKind::kLogger; });
        ExitPostmaster(1);
      }
      HandleChildCrash(child, status);
      return;
    case ChildKind::kCheckpointer:
      if (exited && code == 0 && state_ == PmState::kShutdown) {
        SetState(PmState::kShutdown2);
        return;
      }
      break;
    case ChildKind::kAutovacLauncher:
    case ChildKind::kStatsCollector:
      if (exited && (code == 0 || code == 1)) return;
      break;
    case ChildKind::kArchiver:
      // The contract (4.3, 6) spares only the launcher and the collector an
      // exit code 1: an archiver's FATAL is a crash, unlike PostgreSQL 15.
      if (exited && code == 0) return;
      break;
    case ChildKind::kBgWriter:
    case ChildKind::kWalWriter:
      if (exited && code == 0) return;
      break;
    case ChildKind::kWalReceiver:
      // Lost the primary or told to stop: try again later, as PostgreSQL's.
      if (exited && (code == 0 || code == 1)) {
        walreceiver_retry_at_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(guc::V().wal_retrieve_retry_interval);
        return;
      }
      break;
    case ChildKind::kBackend:
    case ChildKind::kAutovacWorker:
    case ChildKind::kParallelWorker:
      if (exited && (code == 0 || code == 1)) return;
      break;
  }
  if (exited && code == 0 && (state_ != PmState::kRun && state_ != PmState::kStartup)) return;
  HandleChildCrash(child, status);
}

void Postmaster::ReapChildren() {
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    for (size_t i = 0; i < children_.size(); ++i) {
      if (children_[i].pid != pid) continue;
      Child child = children_[i];
      children_.erase(children_.begin() + static_cast<long>(i));
      OnChildExit(child, status);
      break;
    }
  }
}

void Postmaster::SetState(PmState next) {
  state_ = next;
  switch (next) {
    case PmState::kRun:
      SetLockFileStatus(Globals().data_dir, "ready");
      LogLine("database system is ready to accept connections");
      SdNotify("READY=1\nSTATUS=ready to accept connections\n");
      break;
    case PmState::kShutdown2:
      // The shutdown checkpoint is done: the archiver archives what is
      // ready (including the segment the checkpoint completed) and exits.
      SignalChildren(SIGUSR2, [](const Child& c) { return c.kind == ChildKind::kArchiver; });
      break;
    case PmState::kStopBackends:
      SignalChildren(SIGTERM, [](const Child& c) {
        return c.kind == ChildKind::kBackend || c.kind == ChildKind::kAutovacWorker || c.kind == ChildKind::kParallelWorker ||
               c.kind == ChildKind::kAutovacLauncher || c.kind == ChildKind::kWalWriter ||
               c.kind == ChildKind::kBgWriter || c.kind == ChildKind::kStartup || c.kind == ChildKind::kWalReceiver;
      });
      state_ = PmState::kWaitBackends;
      break;
    default: break;
  }
}

void Postmaster::StateMachine() {
  auto is_client_like = [](const Child& c) {
    return c.kind == ChildKind::kBackend || c.kind == ChildKind::kAutovacWorker || c.kind == ChildKind::kParallelWorker;
  };
  if (state_ == PmState::kRun && shutdown_ == ShutdownMode::kSmart && !AnyChild(is_client_like))
    SetState(PmState::kStopBackends);
  if (state_ == PmState::kWaitBackends) {
    bool busy = AnyChild([](const Child& c) {
      return c.kind == ChildKind::kBackend || c.kind == ChildKind::kAutovacWorker || c.kind == ChildKind::kParallelWorker ||
             c.kind == ChildKind::kAutovacLauncher || c.kind == ChildKind::kWalWriter ||
             c.kind == ChildKind::kBgWriter || c.kind == ChildKind::kStartup || c.kind == ChildKind::kWalReceiver;
    });
    if (!busy) {
      if (fatal_error_ || shutdown_ == ShutdownMode::kImmediate) {
        SignalChildren(SIGQUIT, [](const Child& c) { return c.kind != ChildKind::kLogger; });
        state_ = PmState::kWaitDeadEnd;
      } else if (pid_t cp = PidOf(ChildKind::kCheckpointer); cp != 0) {
        pmsignal::SetShutdownCheckpointRequested();
        kill(cp, SIGTERM);
        state_ = PmState::kShutdown;
      } else {
        pmsignal::SetShutdownCheckpointRequested();
        ForkChild(ChildKind::kCheckpointer, [] { return aux::CheckpointerMain(); });
        kill(PidOf(ChildKind::kCheckpointer), SIGTERM);
        state_ = PmState::kShutdown;
      }
    }
  }
  if (state_ == PmState::kShutdown2) {
    // The collector saves the archiver's counters too: stop it after the archiver's last round.
    if (!AnyChild([](const Child& c) { return c.kind == ChildKind::kArchiver; }))
      SignalChildren(SIGTERM, [](const Child& c) { return c.kind == ChildKind::kStatsCollector; });
    if (!AnyChild([](const Child& c) { return c.kind == ChildKind::kStatsCollector || c.kind == ChildKind::kArchiver; }))
      state_ = PmState::kWaitDeadEnd;
  }
  if (state_ == PmState::kWaitDeadEnd && !AnyChild([](const Child& c) { return c.kind != ChildKind::kLogger; }))
    state_ = PmState::kNoChildren;
  if (state_ != PmState::kNoChildren) return;
  if (shutdown_ > ShutdownMode::kNone) {
    LogLine("database system is shut down");
    ExitPostmaster(0);
  }
  if (fatal_error_) {
    if (!guc::V().restart_after_crash) {
      LogLine("shutting down because restart_after_crash is off");
      ExitPostmaster(1);
    }
    LogLine("all server processes terminated; reinitializing");
    SdNotify("STATUS=reinitializing after a crash\n");
    kill_pending_ = false;
    try {
      CreateSharedMemory();
      SetLockFileShmemKey(Globals().data_dir, shmem::LockFileShmemLine());
    } catch (const PgError& e) {
      LogEntry(e.data());
      ExitPostmaster(1);
    }
    SetLockFileStatus(Globals().data_dir, "starting");
    ForkChild(ChildKind::kStatsCollector, [this] { return aux::StatsCollectorMain(stats_socket_); });
    ForkChild(ChildKind::kCheckpointer, [] { return aux::CheckpointerMain(); });
    ForkChild(ChildKind::kBgWriter, [] { return aux::BgWriterMain(); });
    StartStartupProcess();
  }
}

void Postmaster::ExitPostmaster(int code) {
  RemoveSocketFiles(sockets_);
  CloseListenSockets(&sockets_);
  if (lock_file_created_) RemoveDataDirLockFile(Globals().data_dir);
  fflush(stderr);
  _exit(code);
}

void Postmaster::ServerLoop() {
  using Clock = std::chrono::steady_clock;
  for (;;) {
    // Wait for a connection, a signal (its handler sets the latch) or a timer.
    std::vector<pollfd> pfds;
    pfds.push_back({latch::LatchFd(), POLLIN, 0});
    for (int fd : sockets_.fds) pfds.push_back({fd, POLLIN, 0});
    int timeout_ms = static_cast<int>(suspend_.PollTimeoutMs());
    int rc = poll(pfds.data(), pfds.size(), timeout_ms);
    latch::ResetLatch();
    if (g_requested_shutdown > static_cast<int>(shutdown_))
      HandleShutdownRequest(static_cast<ShutdownMode>(g_requested_shutdown));
    if (g_got_sigchld) {
      g_got_sigchld = 0;
      ReapChildren();
    }
    if (g_got_sighup) {
      g_got_sighup = 0;
      HandleReload();
    }
    if (g_got_sigusr1) {
      g_got_sigusr1 = 0;
      if (pmsignal::CheckAndClear(pmsignal::Reason::kStartAutovacWorker) && state_ == PmState::kRun &&
          shutdown_ == ShutdownMode::kNone && suspend::CurrentPhase() == suspend::Phase::kRunning &&
          CountKind(ChildKind::kAutovacWorker) < guc::V().autovacuum_max_workers) {
        std::string db = autovacuum::TakeNextDatabase();
        ForkChild(ChildKind::kAutovacWorker, [db] { return aux::AutovacWorkerMain(db); });
      }
      if (pmsignal::CheckAndClear(pmsignal::Reason::kStartParallelWorker)) StartParallelWorkers();
      if (pmsignal::CheckAndClear(pmsignal::Reason::kRotateLogfile))
        SignalChildren(SIGUSR1, [](const Child& c) { return c.kind == ChildKind::kLogger; });
      suspend_.CheckRequests();
      HandleRecoverySignals();
    }
    if (rc > 0) {
      for (size_t i = 1; i < pfds.size(); ++i)
        if (pfds[i].revents & POLLIN) AcceptConnection(pfds[i].fd, sockets_.is_unix[i - 1]);
    }
    StateMachine();
    suspend_.Step();
    StartMissingAuxProcesses();
    if (kill_pending_ && Clock::now() >= kill_deadline_) {
      // Children that ignored SIGQUIT for 5 seconds are killed.
      SignalChildren(SIGKILL, [](const Child& c) { return c.kind != ChildKind::kLogger; });
      kill_pending_ = false;
    }
  }
}

}  // namespace

int PostmasterMain(int argc, char** argv) {
  guc::InitializeDefaults();
  // Redo functions, registered before any child is forked (the startup process inherits them).
  xact::RegisterXactRmgr();
  btree::RegisterBtreeRmgr();
  heap::RegisterHeapRmgrs();
  sequence::RegisterSequenceRmgr();
  sql::WarmUpBuiltins();
  // Test hook: a fault plan in TUSK_FAULTS applies to every process (inherited by fork).
  vfs::LoadFaultsFromEnvironment();
  PmOptions options;
  int rc = ParsePostmasterOptions(argc, argv, &options);
  if (rc >= 0) return rc;
  Postmaster pm(std::move(options));
  return pm.Run();
}

}  // namespace tusk::postmaster
