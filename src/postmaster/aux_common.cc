// Signal handlers shared by the auxiliary processes: record and wake, nothing else.
#include <csignal>

#include "postmaster/aux_process.h"
#include "storage/ipc/latch.h"

namespace tusk::aux {

AuxFlags& Flags() {
  static AuxFlags flags;
  return flags;
}

namespace {

void OnSignal(int sig) {
  AuxFlags& f = Flags();
  switch (sig) {
    case SIGHUP: f.got_sighup = 1; break;
    case SIGTERM: f.got_sigterm = 1; break;
    case SIGINT: f.got_sigint = 1; break;
    case SIGQUIT: f.got_sigquit = 1; break;
    case SIGUSR1: f.got_sigusr1 = 1; break;
    case SIGUSR2: f.got_sigusr2 = 1; break;
    default: break;
  }
  latch::SetLatch();
}

}  // namespace

void InstallAuxSignalHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2}) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGALRM, SIG_IGN);
}

}  // namespace tusk::aux

#include <unistd.h>

#include "utils/process_globals.h"

namespace tusk::aux {

int CommonWakeupChecks() {
  AuxFlags& f = Flags();
  if (f.got_sigquit) _exit(2);  // no cleanup: shared memory may be damaged
  if (!latch::PostmasterIsAlive()) return 1;
  if (f.got_sighup) {
    f.got_sighup = 0;
    ReloadConfigInChild();
  }
  return -1;
}

}  // namespace tusk::aux
