// Autovacuum launcher and worker main loops and their shared state.
#include "postmaster/autovacuum.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "access/transam/xact.h"
#include "backend/stored_table.h"
#include "catalog/catalog.h"
#include "catalog/table_ddl.h"
#include "catalog/temp_namespace.h"
#include "postmaster/aux_process.h"
#include "storage/lmgr/lock.h"
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

struct Shared;
Shared* g_shared = nullptr;

constexpr size_t kCounterSlots = 4096;

struct DeadCounter {
  std::atomic<uint64_t> key;  // db << 32 | rel; 0 = free
  std::atomic<uint64_t> dead;
};

struct Shared {
  std::atomic<int> lock;  // spinlock over next_db
  char next_db[64];
  std::atomic<bool> counters_full;  // some table found no slot: unknown tables may have dead rows
  DeadCounter counters[kCounterSlots];
};

// Open addressing with lock-free claiming: a slot's key, once set, never changes.
DeadCounter* FindCounter(uint32_t db, uint32_t rel, bool create) {
  if (!g_shared) return nullptr;
  const uint64_t key = (static_cast<uint64_t>(db) << 32) | rel;
  size_t h = static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 52) % kCounterSlots;
  for (size_t i = 0; i < kCounterSlots; ++i) {
    DeadCounter& c = g_shared->counters[(h + i) % kCounterSlots];
    uint64_t k = c.key.load(std::memory_order_acquire);
    if (k == key) return &c;
    if (k == 0) {
      if (!create) return nullptr;
      uint64_t expected = 0;
      if (c.key.compare_exchange_strong(expected, key) || expected == key) return &c;
    }
  }
  return nullptr;
}

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

void CountDeadRows(uint32_t db, uint32_t rel, uint32_t n) {
  if (DeadCounter* c = FindCounter(db, rel, true)) {
    c->dead.fetch_add(n, std::memory_order_relaxed);
  } else if (g_shared) {
    g_shared->counters_full.store(true);
  }
}

uint64_t DeadRows(uint32_t db, uint32_t rel) {
  DeadCounter* c = FindCounter(db, rel, false);
  if (!c) return g_shared && g_shared->counters_full.load() ? UINT64_MAX : 0;
  return c->dead.load(std::memory_order_relaxed);
}

void ResetDeadRows(uint32_t db, uint32_t rel) {
  if (DeadCounter* c = FindCounter(db, rel, false)) c->dead.store(0, std::memory_order_relaxed);
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

namespace {

// Temporary tables a crashed backend left in a schema no live backend
// owns: dropped with their files, one transaction each, so that a schema
// whose number is never taken again does not keep them for ever.
void DropOrphanTempTables(const std::string& database, const std::vector<catalog::ClassRow>& orphans) {
  for (const catalog::ClassRow& t : orphans) {
    if (Flags().got_sigterm) break;
    try {
      xact::StartTransaction(xact::Isolation::kReadCommitted, false);
      xact::StartCommand();
      heap::XactContext x = catalog::CurrentXactContext();
      std::string schema;
      const bool dropped = catalog::DropOrphanTempTable(t.oid, x, &schema);
      if (dropped) backend::StoredTablesCatalogWritten();
      xact::Commit();
      catalog::AtEndOfTransactionDdl(true);
      backend::StoredTablesAtTransactionEnd();
      if (dropped)
        Log(ErrLevel::kLog, "autovacuum: dropping orphan temp table \"" + database + "." + schema + "." + t.relname + "\"");
    } catch (const PgError& e) {
      LogEntry(e.data());
      xact::Abort();
      catalog::AtEndOfTransactionDdl(false);
      backend::StoredTablesAtTransactionEnd();
    }
    lmgr::ReleaseAll(false);
  }
}

// One transaction per table, as PostgreSQL's workers do, so locks and the
// snapshot never outlive the table they were for.
void VacuumDatabase(const std::string& database) {
  std::vector<catalog::ClassRow> tables, orphans;
  uint32_t db_oid = 0;
  try {
    xact::StartTransaction(xact::Isolation::kReadCommitted, false);
    auto db = catalog::LookupDatabase(database, xact::GetTransactionSnapshot(), xact::CurrentXactForVisibility());
    if (db && db->datallowconn) {
      db_oid = db->oid;
      catalog::SetCurrentDatabase(db_oid);
      tables = catalog::ScanCatalog<catalog::ClassRow>(
          xact::GetTransactionSnapshot(), xact::CurrentXactForVisibility(), [](const catalog::ClassRow& r) {
            // Temporary tables are their sessions' business, as in PostgreSQL.
            return r.relkind == 'r' && r.relnamespace != catalog::kPgCatalogNamespace && r.relpersistence != 't';
          });
      orphans = catalog::OrphanTempTables(xact::GetTransactionSnapshot(), xact::CurrentXactForVisibility());
    }
    xact::Commit();
  } catch (const PgError& e) {
    LogEntry(e.data());
    xact::Abort();
  }
  lmgr::ReleaseAll(false);
  DropOrphanTempTables(database, orphans);
  const guc::Vars& v = guc::V();
  for (const catalog::ClassRow& t : tables) {
    if (Flags().got_sigterm) break;
    const double threshold = v.autovacuum_vacuum_threshold + v.autovacuum_vacuum_scale_factor * std::max(0.0f, t.reltuples);
    if (static_cast<double>(autovacuum::DeadRows(db_oid, t.oid)) <= threshold) continue;
    try {
      xact::StartTransaction(xact::Isolation::kReadCommitted, false);
      xact::StartCommand();
      backend::StoredTablesAtStatementStart();
      backend::VacuumResult r = backend::VacuumStoredTable(t.oid, true, false, true);
      xact::Commit();
      Log(ErrLevel::kDebug, "automatic vacuum of table \"" + database + ".public." + t.relname + "\": " +
                                std::to_string(r.removed) + " removed, " + std::to_string(r.tuples) + " remain");
    } catch (const PgError& e) {
      LogEntry(e.data());
      xact::Abort();
    }
    lmgr::ReleaseAll(false);
  }
}

}  // namespace

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
  if (int rc = CommonWakeupChecks(); rc >= 0) return rc;
  VacuumDatabase(database);
  proc_array::ReleaseMySlot();
  return 0;
}

}  // namespace aux
}  // namespace tusk
