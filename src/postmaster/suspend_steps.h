// The suspend sequence as the postmaster runs it (contract 11): notify,
// freeze, sync, suspended; resume reverses them. Each step is entered once,
// logged, and left when its condition holds; a step that cannot finish by the
// deadline fails the suspend, and every failure, a wake-up event (a superuser
// connecting) and a shutdown request thaw everything. The postmaster calls
// Step() from its loop; nothing here blocks.
//
// Requests arrive as files in the data directory from `tusk suspend|resume`
// (SIGUSR1 tells the postmaster to look) or from pg_suspend()/pg_resume()
// through shared memory (storage/ipc/suspend.h). The control tool learns the
// outcome from the lock file's status ("suspending", "suspended", "ready")
// and, on failure, from DATADIR/suspend.failed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "storage/ipc/suspend.h"

namespace tusk::postmaster {

inline constexpr char kSuspendSignalFile[] = "suspend.signal";
inline constexpr char kResumeSignalFile[] = "resume.signal";
inline constexpr char kSuspendFailedFile[] = "suspend.failed";

class SuspendSteps {
 public:
  struct Env {
    std::function<pid_t()> launcher_pid;
    std::function<std::vector<pid_t>()> autovac_worker_pids;
    std::function<pid_t()> checkpointer_pid;
    std::function<bool()> running;  // the postmaster runs normally (no shutdown, no crash)
  };
  explicit SuspendSteps(Env env) : env_(std::move(env)) {}

  // Looks for the control tool's request files and takes a SQL request.
  void CheckRequests();
  // A wake-up event or a shutdown: a suspend under way fails and thaws; a
  // suspended system thaws.
  void Abort(const std::string& why);
  // Shared memory is gone (crash): forget everything without touching it.
  void Reset();
  void Step();

  bool Suspending() const { return phase_ != suspend::Phase::kRunning && phase_ != suspend::Phase::kSuspended; }
  long PollTimeoutMs() const { return Suspending() ? 20 : 1000; }

 private:
  enum class Source { kCtl, kSql };
  void Begin(int timeout_s, Source source, uint64_t ticket);
  void Resume(Source source, uint64_t ticket);
  void Enter(suspend::Phase phase);
  void Fail(const std::string& message);
  void Thaw();
  void Answer(Source source, uint64_t ticket, bool ok, const std::string& message);

  Env env_;
  suspend::Phase phase_ = suspend::Phase::kRunning;
  Source source_ = Source::kCtl;
  uint64_t ticket_ = 0;
  int timeout_s_ = 60;
  std::chrono::steady_clock::time_point deadline_{};
  uint64_t notify_generation_ = 0;
  uint64_t sync_generation_ = 0;
};

}  // namespace tusk::postmaster
