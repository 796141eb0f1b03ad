// A checkpoint: what the checkpointer (and the startup process at the end of
// recovery) does. Now it records the checkpoint in the control file; the
// storage issue adds writing dirty buffers and the WAL checkpoint record.
#pragma once

#include <string>

namespace tusk::checkpoint {

enum Flags : int {
  kShutdown = 1,
  kEndOfRecovery = 2,
  kImmediate = 4,
  kForce = 8,
  kWait = 16,
  kTime = 32,
  kWal = 64,
};

// Logs `checkpoint starting: ...` and `checkpoint complete: ...` (when
// log_checkpoints is on) and updates the control file. Returns false and logs
// the error if the control file cannot be written.
bool Perform(int flags);

// Requests from other processes (CHECKPOINT, SIGINT): a counter in shared
// memory that the checkpointer serves; RequestAndWait returns when a
// checkpoint that started after the request has completed.
size_t ShmemSize();
void ShmemInit();
// Backend: asks the checkpointer and waits (interruptibly, via `wait_hook`
// called every 10 ms). Throws PgError if the checkpoint failed.
void RequestAndWait(void (*wait_hook)());
// Checkpointer: a request is pending (takes it), and reports completion.
bool TakeRequest(uint64_t* ticket);
void ReportDone(uint64_t ticket, bool ok);

// During recovery (a standby), where no WAL may be written: dirty pages and
// clog to disk, everything queued fsynced. ShutdownInRecovery also sets the
// control file's state to "shut down in recovery".
bool FlushInRecovery();
bool ShutdownInRecovery();

// "2026-11-21 22:23:19 UTC", the format of `shut down at` / `last known up at`.
std::string FormatControlTime(long epoch_seconds);

}  // namespace tusk::checkpoint
