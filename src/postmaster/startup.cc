// The startup process: reads the control file, reports how the cluster was
// left, runs crash recovery when it was not shut down cleanly, and exits 0 so
// the postmaster can open for connections. WAL replay arrives with storage.
#include <unistd.h>

#include "postmaster/aux_process.h"
#include "postmaster/checkpoint.h"
#include "storage/file/control_file.h"
#include "utils/log.h"
#include "utils/process_globals.h"
#include "utils/ps_title.h"

namespace tusk::aux {

int StartupMain() {
  InstallAuxSignalHandlers();
  InitPsDisplay("startup process");
  const std::string& dir = Globals().data_dir;
  ControlData control;
  std::string error;
  if (!ReadControlFile(dir, &control, &error)) {
    Log(ErrLevel::kFatal, error);
    return 1;
  }
  bool clean = control.state == DbState::kShutdowned || control.state == DbState::kShutdownedInRecovery;
  if (clean) {
    LogLine("database system was shut down at " + checkpoint::FormatControlTime(control.time));
  } else {
    LogLine("database system was interrupted; last known up at " + checkpoint::FormatControlTime(control.time));
    LogLine("database system was not properly shut down; automatic recovery in progress");
    control.state = DbState::kInCrashRecovery;
    if (!WriteControlFile(dir, &control, &error)) {
      Log(ErrLevel::kFatal, error);
      return 1;
    }
    SetPsActivity("recovering 000000010000000000000001");
    // Nothing is logged to replay until the WAL exists (storage issue).
    LogLine("redo is not required");
    if (!checkpoint::Perform(checkpoint::kEndOfRecovery | checkpoint::kImmediate | checkpoint::kWait)) return 1;
  }
  control.state = DbState::kInProduction;
  if (!ReadControlFile(dir, &control, &error)) {
    Log(ErrLevel::kFatal, error);
    return 1;
  }
  control.state = DbState::kInProduction;
  if (!WriteControlFile(dir, &control, &error)) {
    Log(ErrLevel::kFatal, error);
    return 1;
  }
  return 0;
}

}  // namespace tusk::aux
