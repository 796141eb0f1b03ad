// Autovacuum: the launcher wakes every autovacuum_naptime, picks the next
// database and asks the postmaster (pmsignal) for a worker, at most
// autovacuum_max_workers at once. The worker decides table by table from
// the stats collector's totals (pgstat, what pg_stat_all_tables shows) and
// pg_class.reltuples, with PostgreSQL 15's rules (NeedsVacuumAnalyze), runs
// VACUUM and/or ANALYZE on the tables that need them, one transaction per
// table, then exits. A table the collector has no entry for is left alone.
#pragma once

#include <cstddef>
#include <string>

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
std::string TakeNextDatabase();

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
