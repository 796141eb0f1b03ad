// Autovacuum: the launcher asks the postmaster (pmsignal) for a worker at
// most autovacuum_max_workers at once, each for one database: round robin
// over the databases the stats collector has counted (DatabasesToProcess),
// one launch every autovacuum_naptime / number of databases, so each gets a
// worker about once per naptime, as in PostgreSQL. The worker connects to
// its database (quietly leaving if it was dropped or renamed since), decides
// table by table from the stats collector's totals (pgstat, what
// pg_stat_all_tables shows) and pg_class.reltuples, with PostgreSQL 15's
// rules (NeedsVacuumAnalyze), runs VACUUM and/or ANALYZE on the tables that
// need them, one transaction per table, logs each action as PostgreSQL does
// under log_autovacuum_min_duration, then exits. A table the collector has
// no entry for is left alone; so is a database it has no entry for
// (template0: nobody connects to it).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace tusk::guc {
struct Vars;
}
namespace tusk::pgstat {
struct TableCounters;
}

namespace tusk::autovacuum {

size_t ShmemSize();
void ShmemInit();

// The database the next worker should process (set by the launcher, read by
// the postmaster when it forks the worker).
void SetNextDatabase(const std::string& db);
std::string TakeNextDatabase();

// The launcher's choice. PostgreSQL 15's launcher considers every database of
// pg_database that has an entry in the statistics (the others only against
// wraparound, which 64-bit xids do not need) and launches a worker every
// naptime / number_of_databases, each for the database whose turn is
// oldest. The same here without reading pg_database (the launcher is not in
// any database): the databases the stats collector has counted, sorted by
// name, each taking its turn after the last one asked for. A dropped
// database loses its entry (pgstat::DropDatabase); a stale name (a renamed
// database, whose entry keeps the old name until the next crash) costs one
// worker that finds nothing and leaves. With nothing counted yet, "postgres".
std::vector<std::string> DatabasesToProcess();
std::string NextDatabase(const std::vector<std::string>& databases, const std::string& last);
// naptime / databases, never under 100 ms (PostgreSQL's MIN_AUTOVAC_SLEEPTIME).
inline constexpr int64_t kMinLaunchIntervalMs = 100;
std::chrono::milliseconds LaunchInterval(int naptime_s, size_t databases);

// Whether a table needs VACUUM and/or ANALYZE, given its collector totals
// (null: none) and pg_class.reltuples (negative: never vacuumed or
// analyzed, taken as 0). With R = max(reltuples, 0):
//   vacuum  when n_dead_tup > autovacuum_vacuum_threshold + autovacuum_vacuum_scale_factor * R,
//           or n_ins_since_vacuum > autovacuum_vacuum_insert_threshold +
//              autovacuum_vacuum_insert_scale_factor * R (unless that threshold is -1);
//   analyze when n_mod_since_analyze > autovacuum_analyze_threshold + autovacuum_analyze_scale_factor * R.
struct Needs {
  bool vacuum = false;
  bool analyze = false;
};
Needs NeedsVacuumAnalyze(const pgstat::TableCounters* stats, float reltuples, const guc::Vars& v);

}  // namespace tusk::autovacuum
