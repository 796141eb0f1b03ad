#include "postmaster/suspend_steps.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "storage/ipc/pmsignal.h"
#include "utils/lock_file.h"
#include "utils/log.h"
#include "utils/process_globals.h"

namespace tusk::postmaster {
namespace {

std::string DataFile(const char* name) { return Globals().data_dir + "/" + name; }

bool TakeFile(const char* name, std::string* contents) {
  const std::string path = DataFile(name);
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *contents = ss.str();
  unlink(path.c_str());
  return true;
}

std::string JoinPids(const std::vector<int>& pids) {
  std::string out;
  for (int pid : pids) out += (out.empty() ? "" : ", ") + std::to_string(pid);
  return out;
}

}  // namespace

void SuspendSteps::CheckRequests() {
  std::string text;
  if (TakeFile(kSuspendSignalFile, &text)) {
    int timeout = std::atoi(text.c_str());
    Begin(timeout > 0 ? timeout : 60, Source::kCtl, 0);
  }
  if (TakeFile(kResumeSignalFile, &text)) Resume(Source::kCtl, 0);
  if (pmsignal::CheckAndClear(pmsignal::Reason::kSuspendRequest)) {
    suspend::Request r = suspend::TakeRequest();
    if (r.kind == suspend::RequestKind::kSuspend) Begin(r.timeout_s, Source::kSql, r.ticket);
    if (r.kind == suspend::RequestKind::kResume) Resume(Source::kSql, r.ticket);
  }
  if (pmsignal::CheckAndClear(pmsignal::Reason::kAbortSuspend) && Suspending())
    Abort("a superuser connection request");
}

void SuspendSteps::Begin(int timeout_s, Source source, uint64_t ticket) {
  if (source == Source::kCtl) unlink(DataFile(kSuspendFailedFile).c_str());
  if (phase_ == suspend::Phase::kSuspended) return Answer(source, ticket, false, "the database system is already suspended");
  if (phase_ != suspend::Phase::kRunning) return Answer(source, ticket, false, "a suspend is already in progress");
  if (!env_.running()) return Answer(source, ticket, false, "the database system is not running normally");
  LogLine("received suspend request (timeout " + std::to_string(timeout_s) + " s)");
  source_ = source;
  ticket_ = ticket;
  timeout_s_ = timeout_s;
  deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  SetLockFileStatus(Globals().data_dir, "suspending");
  Enter(suspend::Phase::kNotify);
}

void SuspendSteps::Enter(suspend::Phase phase) {
  phase_ = phase;
  suspend::SetPhase(phase);
  switch (phase) {
    case suspend::Phase::kNotify: {
      LogLine("suspend step 1 of 4: notify");
      suspend::SetNotifyGeneration(++notify_generation_);
      // Workers finish their current table and leave; the launcher stops asking for more.
      for (pid_t pid : env_.autovac_worker_pids()) kill(pid, SIGTERM);
      if (pid_t launcher = env_.launcher_pid(); launcher != 0) kill(launcher, SIGUSR2);
      break;
    }
    case suspend::Phase::kFreeze: LogLine("suspend step 2 of 4: freeze"); break;
    case suspend::Phase::kSync:
      LogLine("suspend step 3 of 4: sync");
      sync_generation_ = suspend::RequestSync();
      if (pid_t cp = env_.checkpointer_pid(); cp != 0) kill(cp, SIGUSR2);
      break;
    case suspend::Phase::kSuspended:
      LogLine("suspend step 4 of 4: suspended");
      SetLockFileStatus(Globals().data_dir, "suspended");
      LogLine("database system is suspended");
      Answer(source_, ticket_, true, "");
      break;
    case suspend::Phase::kRunning: break;
  }
}

void SuspendSteps::Step() {
  if (!Suspending()) return;
  const bool late = std::chrono::steady_clock::now() >= deadline_;
  const std::string after = " after " + std::to_string(timeout_s_) + " s";
  switch (phase_) {
    case suspend::Phase::kNotify: {
      const pid_t launcher = env_.launcher_pid();
      const std::vector<pid_t> workers = env_.autovac_worker_pids();
      if ((launcher == 0 || suspend::NotifyAcknowledged(notify_generation_)) && workers.empty())
        return Enter(suspend::Phase::kFreeze);
      if (late) {
        std::vector<int> pids(workers.begin(), workers.end());
        if (pids.empty()) pids.push_back(launcher);
        return Fail("autovacuum did not stop" + after + " in processes " + JoinPids(pids));
      }
      return;
    }
    case suspend::Phase::kFreeze: {
      const std::vector<int> writers = suspend::RunningWriters();
      if (writers.empty()) return Enter(suspend::Phase::kSync);
      if (late) return Fail("transactions still running" + after + " in processes " + JoinPids(writers));
      return;
    }
    case suspend::Phase::kSync: {
      // The sync is not bounded by the timeout: interrupting it would leave nothing better behind.
      const int outcome = suspend::SyncOutcome(sync_generation_);
      if (outcome > 0) return Enter(suspend::Phase::kSuspended);
      if (outcome < 0) return Fail("could not sync the data directory");
      if (env_.checkpointer_pid() == 0) return Fail("the checkpointer is not running");
      return;
    }
    default: return;
  }
}

void SuspendSteps::Fail(const std::string& message) {
  Log(ErrLevel::kLog, "suspend failed: " + message);
  Thaw();
  Answer(source_, ticket_, false, message);
}

void SuspendSteps::Abort(const std::string& why) {
  if (phase_ == suspend::Phase::kRunning) return;
  if (phase_ == suspend::Phase::kSuspended) {
    LogLine("leaving suspended state: " + why);
    Thaw();
    return;
  }
  Fail("aborted by " + why);
}

void SuspendSteps::Reset() {
  if (phase_ == suspend::Phase::kRunning) return;
  const bool was_suspending = Suspending();
  phase_ = suspend::Phase::kRunning;
  // A SQL requester died with the crash; the control tool is told.
  if (was_suspending && source_ == Source::kCtl) Answer(source_, 0, false, "aborted: the server crashed");
}

void SuspendSteps::Resume(Source source, uint64_t ticket) {
  // The control tool checks the lock file's status itself: only SQL gets an answer.
  if (phase_ != suspend::Phase::kSuspended) {
    if (source == Source::kSql)
      suspend::Answer(ticket, false, Suspending() ? "a suspend is in progress" : "the database system is not suspended");
    return;
  }
  LogLine("received resume request");
  Thaw();
  if (source == Source::kSql) suspend::Answer(ticket, true, "");
}

// Reverse order: the directory may change again (sync), writers go on
// (freeze), autovacuum is told (notify).
void SuspendSteps::Thaw() {
  phase_ = suspend::Phase::kRunning;
  suspend::SetPhase(suspend::Phase::kRunning);
  if (pid_t launcher = env_.launcher_pid(); launcher != 0) kill(launcher, SIGUSR2);
  if (env_.running()) SetLockFileStatus(Globals().data_dir, "ready");
  LogLine("database system is resumed");
}

void SuspendSteps::Answer(Source source, uint64_t ticket, bool ok, const std::string& message) {
  if (source == Source::kSql) {
    suspend::Answer(ticket, ok, message);
    return;
  }
  if (ok) return;
  // The control tool waits for this file (or the lock file's status).
  const std::string path = DataFile(kSuspendFailedFile);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << message << "\n";
  }
  rename(tmp.c_str(), path.c_str());
}

}  // namespace tusk::postmaster
