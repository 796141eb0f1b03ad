// The verbs that only signal or inspect a running server: `tusk reload`
// (SIGHUP), `tusk status` (LSB exit codes 0/3/4) and `tusk kill NAME PID`.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "ctl/ctl_internal.h"

namespace tusk::ctl {

int DoReload(const CtlOptions& o) {
  long pid = GetPid(o, false);
  if (pid == 0) {
    PrintErr("PID file \"%s\" does not exist\n", PidFilePath(o).c_str());
    fputs("Is server running?\n", stderr);
    return 1;
  }
  if (pid < 0) {
    PrintErr("cannot reload server; single-user server is running (PID: %ld)\n", -pid);
    fputs("Please terminate the single-user server and try again.\n", stderr);
    return 1;
  }
  if (kill(static_cast<pid_t>(pid), SIGHUP) != 0) {
    PrintErr("could not send reload signal (PID: %ld): %s\n", pid, strerror(errno));
    return 1;
  }
  PrintMsg(o, "server signaled\n");
  return 0;
}

int DoStatus(const CtlOptions& o) {
  long pid = GetPid(o, true);
  if (pid < 0 && ProcessAlive(-pid)) {
    printf("%s: single-user server is running (PID: %ld)\n", kProgName, -pid);
    return 0;
  }
  if (pid > 0 && ProcessAlive(pid)) {
    printf("%s: server is running (PID: %ld)\n", kProgName, pid);
    // The recorded command line tells the user how the server was started.
    std::ifstream in(OptsFilePath(o));
    std::string line;
    while (std::getline(in, line)) puts(line.c_str());
    fflush(stdout);
    return 0;
  }
  // A stale lock file counts as "not running", as in pg_ctl.
  printf("%s: no server running\n", kProgName);
  fflush(stdout);
  return 3;
}

int DoKill(const CtlOptions& o) {
  if (kill(static_cast<pid_t>(o.kill_pid), o.kill_signal) != 0) {
    PrintErr("could not send signal %d (PID: %ld): %s\n", o.kill_signal, o.kill_pid, strerror(errno));
    return 1;
  }
  return 0;
}

}  // namespace tusk::ctl
