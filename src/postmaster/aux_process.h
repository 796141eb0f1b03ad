// Main loops of the auxiliary processes. Each runs in a child the postmaster
// forked, returns its exit code, and follows the contract's signal table:
// SIGHUP reloads, SIGTERM exits normally (the postmaster restarts it), SIGQUIT
// exits at once with status 2, SIGINT aborts current work (the checkpointer:
// checkpoint now). All of them leave promptly when the postmaster dies.
#pragma once

#include <csignal>
#include <string>

namespace tusk::aux {

int StartupMain();
int CheckpointerMain();
int BgWriterMain();
int WalWriterMain();
int AutovacLauncherMain();
int AutovacWorkerMain(const std::string& database);
int StatsCollectorMain(int socket_fd);
int SysLoggerMain(int pipe_read_fd);
int ArchiverMain();

// Installs the common handlers (flags + latch) for an auxiliary process.
void InstallAuxSignalHandlers();

struct AuxFlags {
  volatile sig_atomic_t got_sighup = 0;
  volatile sig_atomic_t got_sigterm = 0;
  volatile sig_atomic_t got_sigint = 0;
  volatile sig_atomic_t got_sigquit = 0;
  volatile sig_atomic_t got_sigusr1 = 0;
  volatile sig_atomic_t got_sigusr2 = 0;
};
AuxFlags& Flags();

}  // namespace tusk::aux

namespace tusk::aux {
// The checks every auxiliary loop makes after waking: SIGQUIT exits at once
// (status 2), postmaster death returns 1, SIGHUP reloads. Returns -1 to go on.
int CommonWakeupChecks();
}  // namespace tusk::aux
