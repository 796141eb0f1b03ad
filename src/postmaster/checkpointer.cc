// The checkpointer: checkpoints on request (SIGINT, CHECKPOINT), on
// checkpoint_timeout when something changed, and the shutdown checkpoint when
// the postmaster asks for it (flag in shared memory + SIGTERM).
#include <chrono>

#include "access/wal/wal.h"
#include "postmaster/aux_process.h"
#include "postmaster/checkpoint.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/pmsignal.h"
#include "storage/ipc/proc_array.h"
#include "utils/guc.h"
#include "utils/log.h"
#include "utils/ps_title.h"

namespace tusk::aux {

int CheckpointerMain() {
  InstallAuxSignalHandlers();
  InitPsDisplay("checkpointer process");
  proc_array::ClaimSlot(BackendType::kCheckpointer);
  AuxFlags& f = Flags();
  using Clock = std::chrono::steady_clock;
  auto last_checkpoint = Clock::now();
  wal::Lsn last_insert = 0;  // unknown until the startup process has opened the WAL
  for (;;) {
    latch::ResetLatch();
    if (int rc = CommonWakeupChecks(); rc >= 0) return rc;
    if (f.got_sigterm) {
      f.got_sigterm = 0;
      // Outside a shutdown SIGTERM is ignored, as in PostgreSQL 15: a stray
      // signal must not mark a running cluster as shut down.
      if (pmsignal::ShutdownCheckpointRequested()) {
        LogLine("shutting down");
        bool ok = checkpoint::Perform(checkpoint::kShutdown | checkpoint::kImmediate);
        proc_array::ReleaseMySlot();
        return ok ? 0 : 2;
      }
    }
    // During recovery the startup process owns the WAL and checkpoints itself.
    if (!wal::IsStarted()) {
      latch::WaitLatch(-1, 0, 100);
      continue;
    }
    if (last_insert == 0) last_insert = wal::InsertPosition();
    uint64_t ticket = 0;
    bool requested = checkpoint::TakeRequest(&ticket) || f.got_sigint;
    bool timed = Clock::now() - last_checkpoint >= std::chrono::seconds(guc::V().checkpoint_timeout);
    // A timed checkpoint is skipped when nothing was logged since the last one, as in PostgreSQL.
    if (timed && !requested && wal::InsertPosition() == last_insert) {
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
      last_insert = wal::InsertPosition();
    }
    auto left = std::chrono::seconds(guc::V().checkpoint_timeout) - (Clock::now() - last_checkpoint);
    long wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(left).count();
    // Wake at least once a second to watch the WAL distance.
    latch::WaitLatch(-1, 0, wait_ms < 10 ? 10 : wait_ms > 1000 ? 1000 : wait_ms);
  }
}

}  // namespace tusk::aux
