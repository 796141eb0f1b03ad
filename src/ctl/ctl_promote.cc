// `tusk promote` (pg_ctl promote): a standby's control file says "in archive
// recovery"; promote.signal and SIGUSR1 ask the postmaster to end recovery,
// and with -w the tool waits until the control file says "in production".
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

#include "ctl/ctl_internal.h"
#include "storage/file/control_file.h"

namespace tusk::ctl {
namespace {

DbState ControlState(const CtlOptions& o) {
  ControlData control;
  std::string error;
  return ReadControlFile(o.datadir, &control, &error) ? control.state : DbState::kStartup;
}

}  // namespace

int DoPromote(const CtlOptions& o) {
  const long pid = GetPid(o, false);
  if (pid == 0 || (pid > 0 && !ProcessAlive(pid))) {
    PrintErr("PID file \"%s\" does not exist\n", PidFilePath(o).c_str());
    fputs("Is server running?\n", stderr);
    return 1;
  }
  if (pid < 0) {
    PrintErr("cannot promote server; single-user server is running (PID: %ld)\n", -pid);
    return 1;
  }
  if (ControlState(o) != DbState::kInArchiveRecovery) {
    PrintErr("cannot promote server; server is not in standby mode\n");
    return 1;
  }
  const std::string path = o.datadir + "/promote.signal";
  {
    std::ofstream out(path);
    if (!out) {
      PrintErr("could not create promote signal file \"%s\": %s\n", path.c_str(), strerror(errno));
      return 1;
    }
  }
  if (kill(static_cast<pid_t>(pid), SIGUSR1) != 0) {
    PrintErr("could not send promote signal (PID: %ld): %s\n", pid, strerror(errno));
    unlink(path.c_str());
    return 1;
  }
  if (!o.wait) {
    PrintMsg(o, "server promoting\n");
    return 0;
  }
  PrintMsg(o, "waiting for server to promote...");
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_secs);
  while (ControlState(o) != DbState::kInProduction) {
    if (std::chrono::steady_clock::now() >= give_up || !ProcessAlive(pid)) {
      PrintMsg(o, " stopped waiting\n");
      PrintErr("server did not promote in time\n");
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  PrintMsg(o, " done\nserver promoted\n");
  return 0;
}

}  // namespace tusk::ctl
