// The background writer and the WAL writer: periodic loops that write dirty
// buffers ahead of the clock sweep and flush inserted WAL.
#include <unistd.h>

#include "access/wal/wal.h"
#include "postmaster/aux_process.h"
#include "storage/buffer/buffer.h"
#include "utils/guc.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/suspend.h"
#include "utils/ps_title.h"

namespace tusk::aux {

static int PeriodicLoop(const char* title, BackendType type, long delay_ms, void (*work)()) {
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
    // Suspended (contract 11): the data directory must not change.
    if (!suspend::DataFrozen()) work();
    latch::WaitLatch(-1, 0, delay_ms);
  }
}

// The writer cleans buffers ahead of the clock sweep so backends rarely write.
int BgWriterMain() {
  return PeriodicLoop("writer process", BackendType::kBackgroundWriter, guc::V().bgwriter_delay,
                      [] { buffer::BgWriterStep(); });
}

// The WAL writer flushes what backends inserted, so asynchronous commits
// reach disk, and creates the next WAL segments ahead of the inserters.
int WalWriterMain() {
  wal::SetWalWriterPid(getpid());
  int rc = PeriodicLoop("wal writer process", BackendType::kWalWriter, guc::V().wal_writer_delay,
                        [] {
                          if (wal::IsStarted()) wal::BackgroundFlush();
                        });
  wal::SetWalWriterPid(0);
  return rc;
}

}  // namespace tusk::aux
