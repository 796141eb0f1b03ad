// The startup process: reads the control file and the checkpoint record it
// points at, restores the transaction counters, replays the WAL from the
// checkpoint's redo point when the cluster was not shut down cleanly, writes
// the end-of-recovery checkpoint, and exits 0 so the postmaster can open.
#include <unistd.h>

#include "access/transam/transam.h"
#include "access/wal/wal.h"
#include "access/wal/wal_reader.h"
#include "access/wal/wal_redo.h"
#include "postmaster/aux_process.h"
#include "postmaster/checkpoint.h"
#include "storage/file/control_file.h"
#include "utils/log.h"
#include "utils/process_globals.h"
#include "utils/ps_title.h"

namespace tusk::aux {
namespace {

[[noreturn]] void Panic(const std::string& message) {
  throw PgError(sqlstate::kDataCorrupted, message, ErrLevel::kPanic);
}

// "startup process recovering 000000010000000000000003", as in PostgreSQL.
void ShowRecovering(uint64_t segno) { SetPsActivity("recovering " + wal::SegmentFileName(segno)); }

}  // namespace

int StartupMain() {
  InstallAuxSignalHandlers();
  InitPsDisplay("startup process");
  const std::string& dir = Globals().data_dir;
  ControlData control;
  std::string error;
  if (!ReadControlFile(dir, &control, &error)) Panic(error);
  wal::CheckpointInfo checkpoint;
  if (!wal::ReadCheckpointRecordIn(dir, control.checkpoint_lsn, &checkpoint, &error)) {
    Log(ErrLevel::kLog, error);
    Panic("could not locate a valid checkpoint record");
  }
  transam::SetNextXid(checkpoint.next_xid);
  transam::SetNextOid(checkpoint.next_oid);

  bool clean = control.state == DbState::kShutdowned || control.state == DbState::kShutdownedInRecovery;
  if (clean) {
    LogLine("database system was shut down at " + checkpoint::FormatControlTime(control.time));
    // Nothing to replay: new WAL goes right after the shutdown checkpoint.
    wal::Reader reader(dir, control.checkpoint_lsn, control.system_identifier);
    if (reader.Next() == nullptr) Panic("could not read checkpoint record at " + wal::LsnToString(control.checkpoint_lsn));
    wal::StartupWal(reader.last_end(), control.checkpoint_lsn, control.system_identifier);
    wal::SetRedoPointer(checkpoint.redo);
    transam::StartUpSubtrans();
  } else {
    LogLine("database system was interrupted; last known up at " + checkpoint::FormatControlTime(control.time));
    LogLine("database system was not properly shut down; automatic recovery in progress");
    control.state = DbState::kInCrashRecovery;
    if (!WriteControlFile(dir, &control, &error)) Panic(error);
    ShowRecovering(wal::SegmentOf(checkpoint.redo));
    transam::StartUpSubtrans();
    wal::RedoResult result;
    wal::RunRedo(checkpoint.redo, control.checkpoint_lsn, &result, &ShowRecovering);
    // Transaction IDs seen in the WAL are never handed out again.
    if (result.max_xid) transam::AdvanceNextXidPast(result.max_xid);
    // Redo left the torn tail behind: insertion continues after the last valid record.
    wal::StartupWal(result.end_of_wal, result.last_record, control.system_identifier);
    wal::SetRedoPointer(checkpoint.redo);
    if (!checkpoint::Perform(checkpoint::kEndOfRecovery | checkpoint::kImmediate | checkpoint::kWait)) return 1;
  }
  if (!ReadControlFile(dir, &control, &error)) Panic(error);
  control.state = DbState::kInProduction;
  if (!WriteControlFile(dir, &control, &error)) Panic(error);
  return 0;
}

}  // namespace tusk::aux
