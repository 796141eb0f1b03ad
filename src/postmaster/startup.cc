// The startup process: reads the control file and the checkpoint record it
// points at (or the one backup_label names), restores the transaction
// counters, replays the WAL from the checkpoint's redo point when the cluster
// was not shut down cleanly, restored from a backup, or is a standby, writes
// the end-of-recovery checkpoint, and exits 0 so the postmaster can open.
//
// A standby (standby.signal, contract 10) does not stop at the end of the WAL:
// it asks for a WAL receiver, waits for more, and replays it as it arrives,
// until a promote request (promote.signal, pg_promote(), promote_trigger_file)
// or a shutdown. Once consistent (past the backup-end record when recovering
// a backup, else at the first end of the local WAL) it tells the postmaster,
// which opens read-only connections with hot_standby on.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include "access/transam/known_xids.h"
#include "access/transam/transam.h"
#include "access/wal/wal.h"
#include "access/wal/wal_reader.h"
#include "access/wal/wal_redo.h"
#include "postmaster/aux_process.h"
#include "postmaster/checkpoint.h"
#include "postmaster/walreceiver.h"
#include "storage/file/control_file.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/pmsignal.h"
#include "storage/ipc/sinval.h"
#include "utils/guc.h"
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

std::string DataFile(const char* name) { return Globals().data_dir + "/" + name; }

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

struct BackupLabel {
  wal::Lsn start = 0;       // START WAL LOCATION
  wal::Lsn checkpoint = 0;  // CHECKPOINT LOCATION
};

bool ParseLsn(const std::string& text, wal::Lsn* out) {
  unsigned hi = 0, lo = 0;
  if (std::sscanf(text.c_str(), "%X/%X", &hi, &lo) != 2) return false;
  *out = (static_cast<wal::Lsn>(hi) << 32) | lo;
  return true;
}

std::optional<BackupLabel> ReadBackupLabel() {
  std::ifstream in(DataFile("backup_label"));
  if (!in) return std::nullopt;
  BackupLabel label;
  bool have_start = false, have_checkpoint = false;
  std::string line;
  while (std::getline(in, line)) {
    const std::string start_key = "START WAL LOCATION: ", checkpoint_key = "CHECKPOINT LOCATION: ";
    if (line.rfind(start_key, 0) == 0) have_start = ParseLsn(line.substr(start_key.size()), &label.start);
    if (line.rfind(checkpoint_key, 0) == 0)
      have_checkpoint = ParseLsn(line.substr(checkpoint_key.size()), &label.checkpoint);
  }
  if (!have_start || !have_checkpoint)
    throw PgError(sqlstate::kDataCorrupted, "invalid data in file \"backup_label\"", ErrLevel::kFatal);
  return label;
}

// A promote request: promote.signal (tusk promote, pg_promote) or the
// configured trigger file; either is removed once seen.
bool TakePromoteRequest() {
  for (const std::string& path : {DataFile("promote.signal"), guc::V().promote_trigger_file}) {
    if (path.empty()) continue;
    const std::string full = path[0] == '/' ? path : Globals().data_dir + "/" + path;
    if (FileExists(full)) {
      unlink(full.c_str());
      return true;
    }
  }
  return false;
}

// The state of one recovery: backup, standby, consistency.
class Recovery {
 public:
  Recovery(std::optional<BackupLabel> label, bool standby) : label_(label), standby_(standby) {}

  wal::RedoHooks Hooks() {
    wal::RedoHooks h;
    h.before_record = [](const wal::DecodedRecord& rec) {
      if (rec.xid != 0) transam::RecordKnownXid(rec.xid);
    };
    h.after_record = [this](const wal::DecodedRecord& rec) {
      // Hot standby sessions cache catalogs: a replayed catalog change
      // reaches them as the primary's own commit reaches its sessions.
      for (const wal::BlockRef& b : rec.blocks)
        if (b.rel.rel_number < kFirstUserRelNumber) catalog_touched_ = true;
      if (rec.rmgr == wal::kRmgrSmgr || rec.rmgr == wal::kRmgrDatabase) {
        catalog_touched_ = true;
        sinval::RelationTruncated();
      }
      if (rec.rmgr == wal::kRmgrXact) {
        transam::PruneKnownXids();
        if (catalog_touched_) sinval::CatalogChanged();
        catalog_touched_ = false;
      }
      if (label_ && !consistent_ && rec.rmgr == wal::kRmgrXlog && rec.info == wal::kXlogBackupEnd &&
          rec.main_data.size() == sizeof(wal::Lsn)) {
        wal::Lsn start;
        std::memcpy(&start, rec.main_data.data(), sizeof start);
        if (start == label_->start) Consistent(rec.end_lsn);
      }
      if (standby_) walrcv::SetReplayPosition(rec.end_lsn);
    };
    h.at_end = [this](wal::Lsn next, const std::string&) { return AtEnd(next); };
    return h;
  }

  bool consistent() const { return consistent_; }
  bool promoted() const { return promoted_; }
  bool shutdown() const { return shutdown_; }

 private:
  void Consistent(wal::Lsn at) {
    consistent_ = true;
    if (label_) {
      // The backup's information is no longer needed (PostgreSQL renames it at the start).
      rename(DataFile("backup_label").c_str(), DataFile("backup_label.old").c_str());
      if (standby_) LogLine("completed backup recovery with redo LSN " + wal::LsnToString(label_->start));
    }
    LogLine("consistent recovery state reached at " + wal::LsnToString(at));
    if (standby_) pmsignal::SendToPostmaster(pmsignal::Reason::kRecoveryConsistent);
  }

  bool AtEnd(wal::Lsn next) {
    if (!standby_) return false;
    if (!consistent_ && !label_) Consistent(next);
    walrcv::SetReplayPosition(next);
    if (!receiver_requested_ && !guc::V().primary_conninfo.empty()) {
      receiver_requested_ = true;
      pmsignal::SendToPostmaster(pmsignal::Reason::kStartWalReceiver);
    }
    latch::ResetLatch();
    if (int rc = CommonWakeupChecks(); rc >= 0) _exit(rc);
    AuxFlags& f = Flags();
    if (f.got_sigterm) {
      shutdown_ = true;
      return false;
    }
    f.got_sigusr2 = 0;
    if (TakePromoteRequest()) {
      LogLine("received promote request");
      promoted_ = true;
      return false;
    }
    latch::WaitLatch(-1, 0, 20);
    return true;
  }

  std::optional<BackupLabel> label_;
  bool standby_;
  bool consistent_ = false;
  bool promoted_ = false;
  bool shutdown_ = false;
  bool receiver_requested_ = false;
  bool catalog_touched_ = false;
  // System catalogs have relation numbers below PostgreSQL's FirstNormalObjectId.
  static constexpr uint32_t kFirstUserRelNumber = 16384;
};

}  // namespace

int StartupMain() {
  InstallAuxSignalHandlers();
  InitPsDisplay("startup process");
  const std::string& dir = Globals().data_dir;
  ControlData control;
  std::string error;
  if (!ReadControlFile(dir, &control, &error)) Panic(error);
  const std::optional<BackupLabel> label = ReadBackupLabel();
  const bool standby = FileExists(DataFile("standby.signal"));
  const wal::Lsn checkpoint_lsn = label ? label->checkpoint : control.checkpoint_lsn;
  wal::CheckpointInfo checkpoint;
  if (!wal::ReadCheckpointRecordIn(dir, checkpoint_lsn, &checkpoint, &error)) {
    Log(ErrLevel::kLog, error);
    Panic("could not locate a valid checkpoint record");
  }
  transam::SetNextXid(checkpoint.next_xid);
  transam::SetNextOid(checkpoint.next_oid);

  const bool clean = control.state == DbState::kShutdowned && !label && !standby;
  if (clean) {
    LogLine("database system was shut down at " + checkpoint::FormatControlTime(control.time));
    // Nothing to replay: new WAL goes right after the shutdown checkpoint.
    wal::Reader reader(dir, control.checkpoint_lsn, control.system_identifier);
    if (reader.Next() == nullptr) Panic("could not read checkpoint record at " + wal::LsnToString(control.checkpoint_lsn));
    wal::StartupWal(reader.last_end(), control.checkpoint_lsn, control.system_identifier);
    wal::SetRedoPointer(checkpoint.redo);
    transam::StartUpSubtrans();
  } else {
    if (control.state == DbState::kShutdownedInRecovery) {
      LogLine("database system was shut down in recovery at " + checkpoint::FormatControlTime(control.time));
    } else if (label || standby) {
      LogLine("database system was interrupted; last known up at " + checkpoint::FormatControlTime(control.time));
    } else {
      LogLine("database system was interrupted; last known up at " + checkpoint::FormatControlTime(control.time));
      LogLine("database system was not properly shut down; automatic recovery in progress");
    }
    if (standby) LogLine("entering standby mode");
    if (label)
      LogLine("starting backup recovery with redo LSN " + wal::LsnToString(checkpoint.redo) + ", checkpoint LSN " +
              wal::LsnToString(checkpoint_lsn) + ", on timeline ID 1");
    control.state = label || standby ? DbState::kInArchiveRecovery : DbState::kInCrashRecovery;
    if (!WriteControlFile(dir, &control, &error)) Panic(error);
    ShowRecovering(wal::SegmentOf(checkpoint.redo));
    transam::StartUpSubtrans();
    Recovery recovery(label, standby);
    // Hot standby snapshots need the primary's running transactions.
    if (standby) transam::SetKnownXidsActive(true);
    const wal::RedoHooks hooks = recovery.Hooks();
    wal::RedoResult result;
    // Plain crash recovery needs none of the hooks: it stays on the lean path.
    wal::RunRedo(checkpoint.redo, checkpoint_lsn, &result, &ShowRecovering, label || standby ? &hooks : nullptr);
    if (recovery.shutdown()) return 1;  // a shutdown request: the postmaster expects exit 1 here
    if (label && !recovery.consistent()) {
      PgError e(sqlstate::kObjectNotInPrerequisiteState, "WAL ends before end of online backup", ErrLevel::kFatal);
      e.Hint("All WAL generated while online backup was taken must be available at recovery.");
      throw e;
    }
    // Transaction IDs seen in the WAL are never handed out again.
    if (result.max_xid) transam::AdvanceNextXidPast(result.max_xid);
    // Redo left the torn tail behind: insertion continues after the last valid record.
    wal::StartupWal(result.end_of_wal, result.last_record, control.system_identifier);
    wal::SetRedoPointer(checkpoint.redo);
    // Only now may a hot standby's sessions write: the WAL is open.
    transam::SetKnownXidsActive(false);
    if (standby) {
      unlink(DataFile("standby.signal").c_str());
      LogLine("archive recovery complete");
    }
    if (!checkpoint::Perform(checkpoint::kEndOfRecovery | checkpoint::kImmediate | checkpoint::kWait)) return 1;
  }
  if (!ReadControlFile(dir, &control, &error)) Panic(error);
  control.state = DbState::kInProduction;
  if (!WriteControlFile(dir, &control, &error)) Panic(error);
  return 0;
}

}  // namespace tusk::aux
