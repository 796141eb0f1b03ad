// The background writer and the WAL writer: periodic loops that will write
// dirty buffers ahead of the clock sweep and flush WAL (storage issue). The
// process life cycle (signals, restart, postmaster death) is complete now.
#include "postmaster/aux_process.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/proc_array.h"
#include "utils/ps_title.h"

namespace tusk::aux {

static int PeriodicLoop(const char* title, BackendType type, long delay_ms) {
  InstallAuxSignalHandlers();
  InitPsDisplay(title);
  proc_array::ClaimSlot(type);
  AuxFlags& f = Flags();
  for (;;) {
    latch::ResetLatch();
    if (int rc = CommonWakeupChecks(); rc >= 0) return rc;
    if (f.got_sigterm) {
      proc_array::ReleaseMySlot();
      return 0;
    }
    f.got_sigint = 0;  // "abort current work": nothing is in progress between rounds
    latch::WaitLatch(-1, 0, delay_ms);
  }
}

int BgWriterMain() { return PeriodicLoop("writer process", BackendType::kBackgroundWriter, 200); }

int WalWriterMain() { return PeriodicLoop("wal writer process", BackendType::kWalWriter, 200); }

}  // namespace tusk::aux
