// Autovacuum launcher and worker main loops and their shared state.
#include "postmaster/autovacuum.h"

#include <sys/resource.h>

#include <algorithm>
#include <functional>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <vector>

#include "access/transam/xact.h"
#include "backend/stored_table.h"
#include "catalog/catalog.h"
#include "catalog/table_ddl.h"
#include "catalog/temp_namespace.h"
#include "postmaster/aux_process.h"
#include "postmaster/pgstat.h"
#include "storage/lmgr/lock.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/pmsignal.h"
#include "storage/ipc/suspend.h"
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

Needs NeedsVacuumAnalyze(const pgstat::TableCounters* stats, float reltuples, const guc::Vars& v) {
  Needs n;
  if (stats == nullptr) return n;  // nothing counted: PostgreSQL leaves such a table alone too
  const double tuples = std::max(0.0, static_cast<double>(reltuples));
  const auto over = [&](int64_t count, double base, double scale) {
    return static_cast<double>(count) > base + scale * tuples;
  };
  n.vacuum = over(stats->c[pgstat::kDeadTup], v.autovacuum_vacuum_threshold, v.autovacuum_vacuum_scale_factor) ||
             (v.autovacuum_vacuum_insert_threshold >= 0 &&
              over(stats->c[pgstat::kInsSinceVacuum], v.autovacuum_vacuum_insert_threshold,
                   v.autovacuum_vacuum_insert_scale_factor));
  n.analyze = over(stats->c[pgstat::kModSinceAnalyze], v.autovacuum_analyze_threshold, v.autovacuum_analyze_scale_factor);
  return n;
}

void SetNextDatabase(const std::string& db) {
  Lock();
  proc_array::CopyString(g_shared->next_db, sizeof g_shared->next_db, db);
  Unlock();
}

std::vector<std::string> DatabasesToProcess() {
  std::vector<std::string> names;
  for (const pgstat::DatabaseCounters& d : pgstat::ReadAll())
    if (!d.datname.empty()) names.push_back(d.datname);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string NextDatabase(const std::vector<std::string>& databases, const std::string& last) {
  if (databases.empty()) return "postgres";
  auto it = std::upper_bound(databases.begin(), databases.end(), last);
  return it == databases.end() ? databases.front() : *it;
}

std::chrono::milliseconds LaunchInterval(int naptime_s, size_t databases) {
  const int64_t naptime_ms = 1000LL * naptime_s;
  const int64_t n = static_cast<int64_t>(std::max<size_t>(databases, 1));
  return std::chrono::milliseconds(std::max<int64_t>(naptime_ms / n, kMinLaunchIntervalMs));
}

}  // namespace autovacuum

namespace aux {

int AutovacLauncherMain() {
  InstallAuxSignalHandlers();
  InitPsDisplay("autovacuum launcher process");
  proc_array::ClaimSlot(BackendType::kAutovacuumLauncher);
  LogLine("autovacuum launcher started");
  AuxFlags& f = Flags();
  using Clock = std::chrono::steady_clock;
  std::string last;  // the database the last worker was asked for
  Clock::time_point last_launch = Clock::now();
  for (;;) {
    latch::ResetLatch();
    if (int rc = CommonWakeupChecks(); rc >= 0) return rc;
    if (f.got_sigterm) {
      LogLine("autovacuum launcher shutting down");
      proc_array::ReleaseMySlot();
      return 0;
    }
    f.got_sigint = 0;
    f.got_sigusr2 = 0;  // the suspend's notify step, or the resume
    if (suspend::CurrentPhase() != suspend::Phase::kRunning) {
      // Suspending or suspended (contract 11): told, and asking for no workers until the resume.
      suspend::AcknowledgeNotify(suspend::NotifyGeneration());
      latch::WaitLatch(-1, 0, 1000);
      last_launch = Clock::now();
      continue;
    }
    // Recomputed at every wake-up, so a reloaded naptime and a database
    // counted for the first time take effect at once.
    const std::vector<std::string> databases = autovacuum::DatabasesToProcess();
    const Clock::time_point now = Clock::now();
    const Clock::time_point due = last_launch + autovacuum::LaunchInterval(guc::V().autovacuum_naptime, databases.size());
    if (now >= due) {
      last = autovacuum::NextDatabase(databases, last);
      autovacuum::SetNextDatabase(last);
      pmsignal::SendToPostmaster(pmsignal::Reason::kStartAutovacWorker);
      last_launch = now;
      continue;
    }
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count();
    latch::WaitLatch(-1, 0, std::max<long>(1, static_cast<long>(wait)));
  }
}

namespace {

// One transaction of the worker's: `work` runs in it and returns what to log
// once it has committed. An error is logged and rolls the transaction back;
// the worker goes on with the next table either way.
void InTransaction(const std::function<std::vector<std::pair<ErrLevel, std::string>>()>& work) {
  try {
    xact::StartTransaction(xact::Isolation::kReadCommitted, false);
    xact::StartCommand();
    std::vector<std::pair<ErrLevel, std::string>> logs = work();
    xact::Commit();
    catalog::AtEndOfTransactionDdl(true);
    backend::StoredTablesAtTransactionEnd();
    for (const auto& [level, text] : logs) Log(level, text);
  } catch (const PgError& e) {
    LogEntry(e.data());
    xact::Abort();
    catalog::AtEndOfTransactionDdl(false);
    backend::StoredTablesAtTransactionEnd();
  }
  lmgr::ReleaseAll(false);
}

// Temporary tables a crashed backend left in a schema no live backend
// owns: dropped with their files, one transaction each, so that a schema
// whose number is never taken again does not keep them for ever.
void DropOrphanTempTables(const std::string& database, const std::vector<catalog::ClassRow>& orphans) {
  for (const catalog::ClassRow& t : orphans) {
    if (Flags().got_sigterm) break;
    InTransaction([&] {
      std::vector<std::pair<ErrLevel, std::string>> logs;
      heap::XactContext x = catalog::CurrentXactContext();
      std::string schema;
      if (catalog::DropOrphanTempTable(t.oid, x, &schema)) {
        backend::StoredTablesCatalogWritten();
        logs.emplace_back(ErrLevel::kLog, "autovacuum: dropping orphan temp table \"" + database + "." + schema + "." +
                                              t.relname + "\"");
      }
      return logs;
    });
  }
}

// Resource usage since a start point, as PostgreSQL's pg_rusage_show:
// "CPU: user: 0.01 s, system: 0.00 s, elapsed: 0.02 s".
struct Usage {
  rusage ru{};
  std::chrono::steady_clock::time_point at;
  static Usage Now() {
    Usage u;
    getrusage(RUSAGE_SELF, &u.ru);
    u.at = std::chrono::steady_clock::now();
    return u;
  }
  int64_t ElapsedMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - at).count();
  }
  std::string Show() const {
    const Usage now = Now();
    const auto secs = [](const timeval& a, const timeval& b) {
      return static_cast<double>(b.tv_sec - a.tv_sec) + static_cast<double>(b.tv_usec - a.tv_usec) / 1e6;
    };
    char buf[128];
    snprintf(buf, sizeof buf, "CPU: user: %.2f s, system: %.2f s, elapsed: %.2f s", secs(ru.ru_utime, now.ru.ru_utime),
             secs(ru.ru_stime, now.ru.ru_stime),
             std::chrono::duration<double>(now.at - at).count());
    return buf;
  }
};

// log_autovacuum_min_duration: -1 never, 0 every action, else those that
// took at least that many milliseconds.
bool ShouldLogAction(const Usage& since) {
  const int min_ms = guc::V().log_autovacuum_min_duration;
  return min_ms == 0 || (min_ms > 0 && since.ElapsedMs() >= min_ms);
}

// PostgreSQL 15's report of an automatic vacuum (heap_vacuum_rel): the same
// first line; the lines after it are Tusk's own counts in PostgreSQL's words.
std::string VacuumReport(const std::string& name, const backend::VacuumResult& r, const Usage& since) {
  const uint64_t total = r.pages + r.pages_removed;
  char pct[32];
  snprintf(pct, sizeof pct, "%.2f", total == 0 ? 100.0 : 100.0 * static_cast<double>(r.pages_scanned) / total);
  return "automatic vacuum of table \"" + name + "\": index scans: " + std::to_string(r.index_scans) + "\n" +
         "pages: " + std::to_string(r.pages_removed) + " removed, " + std::to_string(r.pages) + " remain, " +
         std::to_string(r.pages_scanned) + " scanned (" + pct + "% of total)\n" +
         "tuples: " + std::to_string(r.removed) + " removed, " + std::to_string(r.tuples) + " remain, " +
         std::to_string(r.recently_dead) + " are dead but not yet removable\n" +
         "system usage: " + since.Show();
}

std::string AnalyzeReport(const std::string& name, const backend::VacuumResult& r, const Usage& since) {
  return "automatic analyze of table \"" + name + "\"\n" + "rows: " + std::to_string(r.tuples) + " live in " +
         std::to_string(r.pages) + " pages\n" + "system usage: " + since.Show();
}

// VACUUM and/or ANALYZE of one table in a transaction of its own; ANALYZE
// stores relpages and reltuples in pg_class as the ANALYZE command does.
// Each action is logged once the transaction has committed: at LOG when it
// took at least log_autovacuum_min_duration (0: every one; -1: none), as
// PostgreSQL does, else at DEBUG1. `name` is "database.schema.table". A
// table dropped since the scan is skipped quietly.
void ProcessTable(const std::string& name, const catalog::ClassRow& t, autovacuum::Needs needs) {
  InTransaction([&] {
    std::vector<std::pair<ErrLevel, std::string>> logs;
    const auto report = [&](const Usage& start, std::string text) {
      logs.emplace_back(ShouldLogAction(start) ? ErrLevel::kLog : ErrLevel::kDebug, std::move(text));
    };
    backend::StoredTablesAtStatementStart();
    bool found = true;
    if (needs.vacuum) {
      const Usage start = Usage::Now();
      const backend::VacuumResult r = backend::VacuumStoredTable(t.oid, true, false, true);
      found = r.found;
      if (found) report(start, VacuumReport(name, r, start));
    }
    if (needs.analyze && found) {
      const Usage start = Usage::Now();
      const backend::VacuumResult r = backend::VacuumStoredTable(t.oid, false, true, true);
      if (r.found) {
        // A snapshot taken now, under the table's lock: a concurrent change of
        // the pg_class row committed while we waited is the one to update.
        heap::XactContext x = catalog::CatalogXactContext();
        if (catalog::UpdateClassRow(t.oid, [&](catalog::ClassRow& c) {
              c.relpages = static_cast<int32_t>(r.pages);
              c.reltuples = static_cast<float>(r.tuples);
            }, x))
          backend::StoredTablesCatalogWritten();
        report(start, AnalyzeReport(name, r, start));
      }
    }
    return logs;
  });
}

// Connects the worker to `database` as a backend's start-up does (and as
// PostgreSQL's InitPostgres): the database's lock first, then the process
// array entry, then the pg_database row again under a fresh snapshot. So
// DROP/ALTER DATABASE ... RENAME and CREATE DATABASE from it either see this
// worker (and ask it to leave) or have finished before it looks. Returns the
// database's OID, or 0 if it does not exist (dropped or renamed since the
// launcher picked it): then the worker has nothing to do and says so only
// at DEBUG1, as PostgreSQL's worker leaves quietly a database dropped under
// it. A database that does not accept connections is processed all the
// same, as in PostgreSQL (its workers are exempt from datallowconn).
uint32_t OpenDatabase(const std::string& database, ProcSlot* slot) {
  uint32_t oid = 0;
  try {
    xact::StartTransaction(xact::Isolation::kReadCommitted, true);
    xact::StartCommand();
    std::optional<catalog::DatabaseRow> db = catalog::LookupDatabase(database, xact::GetTransactionSnapshot());
    if (db) {
      lmgr::Acquire(lmgr::LockTag::Object(0, catalog::kDatabaseRelationId, db->oid, 0), lmgr::LockMode::kRowExclusive,
                    false);
      {
        proc_array::SlotWriter w(slot);
        slot->database_oid = db->oid;
      }
      xact::StartCommand();  // a fresh snapshot, taken after the lock
      const uint32_t want = db->oid;
      db = catalog::LookupDatabaseByOid(want, xact::GetTransactionSnapshot());
      if (db && db->datname == database) oid = want;
    }
    xact::Commit();
  } catch (const PgError& e) {
    LogEntry(e.data());
    xact::Abort();
    oid = 0;
  }
  lmgr::ReleaseAll(false);
  if (oid == 0) {
    proc_array::SlotWriter w(slot);
    slot->database_oid = 0;
    Log(ErrLevel::kDebug, "autovacuum: database \"" + database + "\" does not exist, skipped");
  }
  return oid;
}

// One transaction per table, as PostgreSQL's workers do, so locks and the
// snapshot never outlive the table they were for. Each table's totals are
// read from the stats collector just before it is considered, so a table
// another worker has just processed is (once its report has arrived) not
// processed again. SIGTERM (shutdown, or DROP DATABASE asking the worker to
// leave) stops it between tables.
void VacuumDatabase(const std::string& database, uint32_t db_oid) {
  std::vector<catalog::ClassRow> tables, orphans;
  std::map<uint32_t, std::string> schemas;
  catalog::SetCurrentDatabase(db_oid);
  try {
    xact::StartTransaction(xact::Isolation::kReadCommitted, false);
    const transam::Snapshot& snap = xact::GetTransactionSnapshot();
    tables = catalog::ScanCatalog<catalog::ClassRow>(snap, xact::CurrentXactForVisibility(), [](const catalog::ClassRow& r) {
      // Temporary tables are their sessions' business, as in PostgreSQL.
      return r.relkind == 'r' && r.relnamespace != catalog::kPgCatalogNamespace && r.relpersistence != 't';
    });
    for (const catalog::NamespaceRow& n : catalog::ScanCatalog<catalog::NamespaceRow>(snap, xact::CurrentXactForVisibility()))
      schemas[n.oid] = n.nspname;
    orphans = catalog::OrphanTempTables(snap, xact::CurrentXactForVisibility());
    xact::Commit();
  } catch (const PgError& e) {
    LogEntry(e.data());
    xact::Abort();
  }
  lmgr::ReleaseAll(false);
  DropOrphanTempTables(database, orphans);
  for (const catalog::ClassRow& t : tables) {
    if (Flags().got_sigterm) break;
    pgstat::TableCounters stats;
    const bool counted = pgstat::ReadTable(db_oid, t.oid, &stats);
    const autovacuum::Needs needs = autovacuum::NeedsVacuumAnalyze(counted ? &stats : nullptr, t.reltuples, guc::V());
    if (!needs.vacuum && !needs.analyze) continue;
    auto schema = schemas.find(t.relnamespace);
    const std::string nspname = schema == schemas.end() ? std::to_string(t.relnamespace) : schema->second;
    ProcessTable(database + "." + nspname + "." + t.relname, t, needs);
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
  if (const uint32_t db_oid = OpenDatabase(database, slot); db_oid != 0 && !Flags().got_sigterm)
    VacuumDatabase(database, db_oid);
  proc_array::ReleaseMySlot();
  return 0;
}

}  // namespace aux
}  // namespace tusk
