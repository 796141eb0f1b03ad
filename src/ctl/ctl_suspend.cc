// `tusk suspend` and `tusk resume` (contract 11). The request is a file in
// the data directory (suspend.signal holding the timeout, or resume.signal)
// and SIGUSR1 to the postmaster, which runs the steps; the answer is the lock
// file's status ("suspended", back to "ready") or, when the suspend fails,
// DATADIR/suspend.failed with the reason.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "ctl/ctl_internal.h"
#include "utils/lock_file.h"

namespace tusk::ctl {
namespace {

std::string DataFile(const CtlOptions& o, const char* name) { return o.datadir + "/" + name; }

// The running postmaster's PID, or a printed error and CtlExit.
long RunningPostmaster(const CtlOptions& o) {
  long pid = GetPid(o, false);
  if (pid == 0 || (pid > 0 && !ProcessAlive(pid))) {
    PrintErr("PID file \"%s\" does not exist\n", PidFilePath(o).c_str());
    fputs("Is server running?\n", stderr);
    throw CtlExit{1};
  }
  if (pid < 0) {
    PrintErr("cannot %s server; single-user server is running (PID: %ld)\n", o.verb.c_str(), -pid);
    throw CtlExit{1};
  }
  return pid;
}

std::string Status(const CtlOptions& o) {
  std::string ignored;
  auto contents = ReadLockFile(o.datadir, &ignored);
  return contents ? contents->status : "";
}

// Written whole under a temporary name, so the postmaster never reads half of it.
void Request(const CtlOptions& o, long pid, const char* name, const std::string& text) {
  const std::string path = DataFile(o, name), tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) {
      PrintErr("could not write file \"%s\": %s\n", tmp.c_str(), strerror(errno));
      throw CtlExit{1};
    }
  }
  if (rename(tmp.c_str(), path.c_str()) != 0 || kill(static_cast<pid_t>(pid), SIGUSR1) != 0) {
    PrintErr("could not send %s signal (PID: %ld): %s\n", o.verb.c_str(), pid, strerror(errno));
    unlink(path.c_str());
    throw CtlExit{1};
  }
}

bool TakeFailure(const CtlOptions& o, std::string* reason) {
  const std::string path = DataFile(o, "suspend.failed");
  std::ifstream in(path);
  if (!in) return false;
  std::getline(in, *reason);
  unlink(path.c_str());
  return true;
}

}  // namespace

int DoSuspend(const CtlOptions& o) {
  const long pid = RunningPostmaster(o);
  const std::string status = Status(o);
  if (status == "suspended" || status == "suspending") {
    PrintErr("server is already %s\n", status.c_str());
    return 1;
  }
  if (status != "ready") {
    PrintErr("server is not ready to be suspended (status \"%s\")\n", status.c_str());
    return 1;
  }
  unlink(DataFile(o, "suspend.failed").c_str());
  Request(o, pid, "suspend.signal", std::to_string(o.timeout_secs > 0 ? o.timeout_secs : 60) + "\n");
  if (!o.wait) {
    PrintMsg(o, "server suspending\n");
    return 0;
  }
  PrintMsg(o, "waiting for server to suspend...");
  // The freeze step ends at the timeout; the sync step after it may take a while longer.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_secs + 600);
  auto next_dot = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  std::string reason;
  for (;;) {
    if (Status(o) == "suspended") break;
    if (TakeFailure(o, &reason)) {
      PrintMsg(o, " stopped waiting\n");
      PrintErr("could not suspend server: %s\n", reason.c_str());
      return 1;
    }
    if (!ProcessAlive(pid)) {
      PrintMsg(o, " stopped waiting\n");
      PrintErr("server stopped while suspending\n");
      return 1;
    }
    if (std::chrono::steady_clock::now() >= give_up) {
      PrintMsg(o, " stopped waiting\n");
      PrintErr("server did not suspend in time\n");
      return 1;
    }
    if (std::chrono::steady_clock::now() >= next_dot) {
      PrintMsg(o, ".");
      next_dot += std::chrono::seconds(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  PrintMsg(o, " done\nserver suspended\n");
  return 0;
}

int DoResume(const CtlOptions& o) {
  const long pid = RunningPostmaster(o);
  if (Status(o) != "suspended") {
    PrintErr("server is not suspended\n");
    return 1;
  }
  Request(o, pid, "resume.signal", "");
  if (!o.wait) {
    PrintMsg(o, "server resuming\n");
    return 0;
  }
  PrintMsg(o, "waiting for server to resume...");
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_secs);
  while (Status(o) == "suspended") {
    if (!ProcessAlive(pid) || std::chrono::steady_clock::now() >= give_up) {
      PrintMsg(o, " stopped waiting\n");
      PrintErr("server did not resume\n");
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  PrintMsg(o, " done\nserver resumed\n");
  return 0;
}

}  // namespace tusk::ctl
