// The checkpointer: checkpoints on request (SIGINT, CHECKPOINT), on
// checkpoint_timeout when something changed, and the shutdown checkpoint when
// the postmaster asks for it (flag in shared memory + SIGTERM).
#include <chrono>
#include <ctime>

#include "access/wal/wal.h"
#include "postmaster/aux_process.h"
#include "postmaster/checkpoint.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/pmsignal.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/suspend.h"
#include "storage/file/sync_dir.h"
#include "utils/guc.h"
#include "utils/log.h"
#include "utils/process_globals.h"
#include "utils/ps_title.h"

namespace tusk::aux {
namespace {

// archive_timeout: switch to a new segment when one has not been completed
// for that long and something other than a switch was logged since (as
// PostgreSQL's checkpointer; switches never count, so an idle server stays
// idle). `last_switch` is this process's view of the last switch time.
void CheckArchiveTimeout(time_t* last_switch) {
  int timeout = guc::V().archive_timeout;
  if (timeout <= 0) return;
  time_t now = time(nullptr);
  if (now - *last_switch < timeout) return;
  int64_t shared_time;
  wal::Lsn switch_lsn;
  wal::LastSegmentSwitch(&shared_time, &switch_lsn);
  if (shared_time > *last_switch) *last_switch = static_cast<time_t>(shared_time);
  if (now - *last_switch < timeout) return;
  if (wal::LastImportantRecord() > switch_lsn) wal::SwitchSegment();
  *last_switch = now;  // also when idle, so the check is not repeated constantly
}

}  // namespace

int CheckpointerMain() {
  InstallAuxSignalHandlers();
  InitPsDisplay("checkpointer process");
  proc_array::ClaimSlot(BackendType::kCheckpointer);
  AuxFlags& f = Flags();
  using Clock = std::chrono::steady_clock;
  auto last_checkpoint = Clock::now();
  wal::Lsn last_insert = 0;  // last important record seen at the last checkpoint
  bool wal_seen = false;     // last_insert is unknown until the startup process has opened the WAL
  time_t last_switch = 0;
  for (;;) {
    latch::ResetLatch();
    if (int rc = CommonWakeupChecks(); rc >= 0) return rc;
    if (f.got_sigterm) {
      f.got_sigterm = 0;
      // Outside a shutdown SIGTERM is ignored, as in PostgreSQL 15: a stray
      // signal must not mark a running cluster as shut down.
      if (pmsignal::ShutdownCheckpointRequested()) {
        LogLine("shutting down");
        // As PostgreSQL: complete the last segment, so the archiver (woken
        // once more after this checkpoint) archives every record before it.
        // A standby still in recovery writes no WAL: its pages go to disk and
        // the control file says "shut down in recovery" (replay resumes at start).
        if (!wal::IsStarted()) {
          bool ok = checkpoint::ShutdownInRecovery();
          proc_array::ReleaseMySlot();
          return ok ? 0 : 2;
        }
        if (wal::ArchivingActive()) wal::SwitchSegment();
        bool ok = checkpoint::Perform(checkpoint::kShutdown | checkpoint::kImmediate);
        proc_array::ReleaseMySlot();
        return ok ? 0 : 2;
      }
    }
    // During recovery the startup process owns the WAL and checkpoints itself.
    if (!wal::IsStarted()) {
      // A standby's CHECKPOINT: its pages reach disk (PostgreSQL's restartpoint, without the record).
      if (uint64_t ticket = 0; checkpoint::TakeRequest(&ticket)) checkpoint::ReportDone(ticket, checkpoint::FlushInRecovery());
      latch::WaitLatch(-1, 0, 100);
      continue;
    }
    if (!wal_seen) {
      last_insert = wal::LastImportantRecord();
      wal_seen = true;
    }
    f.got_sigusr2 = 0;  // a wake-up for the suspend's sync step
    if (uint64_t generation; suspend::SyncRequested(&generation)) {
      // Suspend step 3: everything in memory reaches disk, then every file is fsynced.
      bool ok = checkpoint::Perform(checkpoint::kImmediate | checkpoint::kForce | checkpoint::kWait);
      ok = ok && SyncDataDirectory(Globals().data_dir);
      suspend::ReportSyncDone(generation, ok);
      last_checkpoint = Clock::now();
      last_insert = wal::LastImportantRecord();
    }
    if (suspend::DataFrozen()) {
      // Suspended: no checkpoint of any kind (a CHECKPOINT waits for the resume).
      latch::WaitLatch(-1, 0, 100);
      continue;
    }
    CheckArchiveTimeout(&last_switch);
    uint64_t ticket = 0;
    bool requested = checkpoint::TakeRequest(&ticket) || f.got_sigint;
    bool timed = Clock::now() - last_checkpoint >= std::chrono::seconds(guc::V().checkpoint_timeout);
    // A timed checkpoint is skipped when nothing was logged since the last one, as in PostgreSQL.
    // Segment switches do not count (archive_timeout must not cause checkpoints).
    if (timed && !requested && wal::LastImportantRecord() == last_insert) {
      last_checkpoint = Clock::now();
      timed = false;
    }
    // Enough WAL since the last checkpoint's start: checkpoint before the
    // distance reaches max_wal_size (PostgreSQL aims at max_wal_size / (1 + completion target)).
    const guc::Vars& v = guc::V();
    uint64_t wal_budget = static_cast<uint64_t>(v.max_wal_size) * 1024 * 1024;
    wal_budget = static_cast<uint64_t>(wal_budget / (1.0 + v.checkpoint_completion_target));
    bool by_wal = !requested && !timed && wal::InsertPosition() - wal::GetRedoPointer() >= wal_budget;
    if (requested || timed || by_wal) {
      f.got_sigint = 0;
      int flags = requested ? checkpoint::kImmediate | checkpoint::kForce | checkpoint::kWait
                  : by_wal  ? checkpoint::kWal
                            : checkpoint::kTime;
      bool ok = checkpoint::Perform(flags);
      if (ticket) checkpoint::ReportDone(ticket, ok);
      last_checkpoint = Clock::now();
      last_insert = wal::LastImportantRecord();
    }
    auto left = std::chrono::seconds(guc::V().checkpoint_timeout) - (Clock::now() - last_checkpoint);
    long wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(left).count();
    // Wake at least once a second to watch the WAL distance.
    latch::WaitLatch(-1, 0, wait_ms < 10 ? 10 : wait_ms > 1000 ? 1000 : wait_ms);
  }
}

}  // namespace tusk::aux
