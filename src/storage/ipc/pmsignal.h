// Requests from children to the postmaster (a flag in shared memory, then
// SIGUSR1), and the postmaster's reason for a SIGQUIT, which children read to
// pick their last message. The postmaster only reads and clears flags here.
#pragma once

#include <cstddef>

namespace tusk::pmsignal {

enum class Reason : int {
  kStartAutovacWorker = 0,
  kRotateLogfile,
  kStartParallelWorker,
  kSuspendRequest,  // pg_suspend()/pg_resume() filed a request (storage/ipc/suspend.h)
  kAbortSuspend,    // a superuser connected while suspending: the wake-up event
  kRecoveryConsistent,  // the startup process reached a consistent state (hot standby may open)
  kStartWalReceiver,    // the startup process (standby) ran out of WAL: start a receiver
  kPromote,             // pg_promote() wrote promote.signal
  kCount
};

enum class QuitReason : int { kNone = 0, kForCrash, kForStop };

size_t ShmemSize();
void ShmemInit();

// Child side: sets the flag and signals the postmaster (getppid()).
void SendToPostmaster(Reason reason);

// Postmaster side: tests and clears.
bool CheckAndClear(Reason reason);

void SetQuitReason(QuitReason reason);
QuitReason GetQuitReason();

// Online backups in progress (pg_backup_start not yet followed by
// pg_backup_stop). While one runs, a smart shutdown still admits
// superusers, so one can connect to end the backup.
void BackupStarted();
void BackupEnded();
int RunningBackups();

// Set by the postmaster before it asks the checkpointer for the shutdown checkpoint.
void SetShutdownCheckpointRequested();
bool ShutdownCheckpointRequested();

}  // namespace tusk::pmsignal
