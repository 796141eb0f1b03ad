// Autovacuum launcher and worker main loops and their shared state.
#include "postmaster/autovacuum.h"

#include <atomic>
#include <cstring>
#include <vector>

#include "postmaster/aux_process.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/pmsignal.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "utils/guc.h"
#include "utils/log.h"
#include "utils/ps_title.h"

namespace tusk {
namespace autovacuum {
namespace {

struct Shared {
  std::atomic<int> lock;  // spinlock over next_db
  char next_db[64];
};
Shared* g_shared = nullptr;

void Lock() {
  int expected = 0;
  while (!g_shared->lock.compare_exchange_weak(expected, 1)) expected = 0;
}
void Unlock() { g_shared->lock.store(0); }

}  // namespace

size_t ShmemSize() { return shmem::AlignedSize(sizeof(Shared)); }
void ShmemInit() { g_shared = static_cast<Shared*>(shmem::Alloc(sizeof(Shared))); }

std::string TakeNextDatabase() {
  Lock();
  std::string db = g_shared->next_db;
  Unlock();
  return db.empty() ? "postgres" : db;
}

static void SetNextDatabase(const std::string& db) {
  Lock();
  proc_array::CopyString(g_shared->next_db, sizeof g_shared->next_db, db);
  Unlock();
}

}  // namespace autovacuum

namespace aux {

int AutovacLauncherMain() {
  InstallAuxSignalHandlers();
  InitPsDisplay("autovacuum launcher process");
  proc_array::ClaimSlot(BackendType::kAutovacuumLauncher);
  LogLine("autovacuum launcher started");
  AuxFlags& f = Flags();
  // Databases that accept connections; read from pg_database once the catalog exists.
  const std::vector<std::string> databases = {"postgres", "template1"};
  size_t next = 0;
  for (;;) {
    latch::ResetLatch();
    if (int rc = CommonWakeupChecks(); rc >= 0) return rc;
    if (f.got_sigterm) {
      LogLine("autovacuum launcher shutting down");
      proc_array::ReleaseMySlot();
      return 0;
    }
    f.got_sigint = 0;
    int rc = latch::WaitLatch(-1, 0, 1000L * guc::V().autovacuum_naptime);
    if (rc & latch::kTimeout) {
      autovacuum::SetNextDatabase(databases[next++ % databases.size()]);
      pmsignal::SendToPostmaster(pmsignal::Reason::kStartAutovacWorker);
    }
  }
}

int AutovacWorkerMain(const std::string& database) {
  InstallAuxSignalHandlers();
  InitPsDisplay("autovacuum worker process " + database);
  ProcSlot* slot = proc_array::ClaimSlot(BackendType::kAutovacuumWorker);
  if (slot == nullptr) return 0;  // all worker slots busy: the launcher retries next round
  {
    proc_array::SlotWriter w(slot);
    proc_array::CopyString(slot->database, sizeof slot->database, database);
  }
  Log(ErrLevel::kDebug, "autovacuum: processing database \"" + database + "\"");
  // Vacuum work (dead tuples, free space) arrives with heap storage; a worker
  // that finds nothing to do ends at once, as PostgreSQL's does.
  if (int rc = CommonWakeupChecks(); rc >= 0) return rc;
  proc_array::ReleaseMySlot();
  return 0;
}

}  // namespace aux
}  // namespace tusk
