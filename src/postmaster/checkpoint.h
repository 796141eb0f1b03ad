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

// "2026-11-21 22:23:19 UTC", the format of `shut down at` / `last known up at`.
std::string FormatControlTime(long epoch_seconds);

}  // namespace tusk::checkpoint
