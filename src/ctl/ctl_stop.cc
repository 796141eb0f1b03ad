// `tusk stop` and `tusk restart`: signal the postmaster named in the lock file
// (SIGTERM smart, SIGINT fast, SIGQUIT immediate) and wait for the file to go.
// restart then starts again with the options recorded in postmaster.opts.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "ctl/ctl_internal.h"

namespace tusk::ctl {
namespace {

int ShutdownSignal(ShutdownMode mode) {
  switch (mode) {
    case ShutdownMode::kSmart: return SIGTERM;
    case ShutdownMode::kFast: return SIGINT;
    case ShutdownMode::kImmediate: return SIGQUIT;
  }
  return SIGINT;
}

void ReportNoPidFile(const CtlOptions& o) {
  PrintErr("PID file \"%s\" does not exist\n", PidFilePath(o).c_str());
  fputs("Is server running?\n", stderr);
}

void ReportShutdownFailed(const CtlOptions& o) {
  PrintMsg(o, " failed\n");
  PrintErr("server does not shut down\n");
  if (o.mode == ShutdownMode::kSmart)
    fputs("HINT: The \"-m fast\" option immediately disconnects sessions rather than\n"
          "waiting for session-initiated disconnection.\n",
          stderr);
}

}  // namespace

int DoStop(const CtlOptions& o) {
  long pid = GetPid(o, false);
  if (pid == 0) {
    ReportNoPidFile(o);
    return 1;
  }
  if (pid < 0) {
    PrintErr("cannot stop server; single-user server is running (PID: %ld)\n", -pid);
    return 1;
  }
  if (kill(static_cast<pid_t>(pid), ShutdownSignal(o.mode)) != 0) {
    PrintErr("could not send stop signal (PID: %ld): %s\n", pid, strerror(errno));
    return 1;
  }
  if (!o.wait) {
    PrintMsg(o, "server shutting down\n");
    return 0;
  }
  PrintMsg(o, "waiting for server to shut down...");
  if (!WaitForPostmasterStop(o)) {
    ReportShutdownFailed(o);
    return 1;
  }
  PrintMsg(o, " done\n");
  PrintMsg(o, "server stopped\n");
  return 0;
}

int DoRestart(const CtlOptions& o) {
  long pid = GetPid(o, false);
  if (pid == 0) {
    ReportNoPidFile(o);
    fputs("trying to start server anyway\n", stderr);
    return DoStart(o, true);
  }
  if (pid < 0) {
    PrintErr("cannot restart server; single-user server is running (PID: %ld)\n", -pid);
    fputs("Please terminate the single-user server and try again.\n", stderr);
    return 1;
  }
  if (ProcessAlive(pid)) {
    if (kill(static_cast<pid_t>(pid), ShutdownSignal(o.mode)) != 0) {
      PrintErr("could not send stop signal (PID: %ld): %s\n", pid, strerror(errno));
      return 1;
    }
    // The old server must be gone before the new one can take the lock file,
    // so restart waits for the stop even with -W.
    PrintMsg(o, "waiting for server to shut down...");
    if (!WaitForPostmasterStop(o)) {
      ReportShutdownFailed(o);
      return 1;
    }
    PrintMsg(o, " done\n");
    PrintMsg(o, "server stopped\n");
  } else {
    PrintErr("old server process (PID: %ld) seems to be gone\n", pid);
    fputs("starting server anyway\n", stderr);
  }
  return DoStart(o, true);
}

}  // namespace tusk::ctl
