// The checkpointer: checkpoints on request (SIGINT, CHECKPOINT), on
// checkpoint_timeout when something changed, and the shutdown checkpoint when
// the postmaster asks for it (flag in shared memory + SIGTERM).
#include <chrono>

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
    if (f.got_sigint) {
      f.got_sigint = 0;
      checkpoint::Perform(checkpoint::kImmediate | checkpoint::kForce | checkpoint::kWait);
    }
    // Timed checkpoints are skipped while nothing is WAL-logged (no storage yet).
    latch::WaitLatch(-1, 0, 1000L * guc::V().checkpoint_timeout);
  }
}

}  // namespace tusk::aux
