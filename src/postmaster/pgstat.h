// Activity statistics. Backends count sessions, statements, commits and
// rollbacks locally and send the deltas as datagrams to the stats collector
// process (a socketpair the postmaster creates before forking anyone), and
// per-table counts the same way. The collector alone writes the
// per-database and per-table totals in shared memory (seqlock), which
// pg_stat_database and pg_stat_all_tables read, and from which autovacuum
// workers choose the tables to vacuum and analyze. Totals survive a clean restart in
// pg_stat/tusk.stat and are discarded after a crash, as in PostgreSQL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tusk::pgstat {

struct DatabaseCounters {
  std::string datname;
  int64_t sessions = 0;
  int64_t sessions_fatal = 0;
  int64_t sessions_killed = 0;
  int64_t xact_commit = 0;
  int64_t xact_rollback = 0;
  int64_t statements = 0;
  int64_t stats_reset_us = 0;
};

size_t ShmemSize();
void ShmemInit();

// Postmaster, once: the datagram socketpair. Returns the collector's end.
int CreateSocket();

// Backend side: local counting, flushed at most every 500 ms and at exit.
void CountSessionStart(const std::string& datname);
void CountStatement();
void CountTransactionEnd(bool committed);
void CountSessionEnd(bool killed, bool fatal);
void Flush(bool force);
// pg_stat_force_next_flush(): the next Flush sends whatever its interval.
void ForceNextFlush();

// DROP DATABASE, once the row's deletion has committed: the collector
// forgets the database's counters and its tables' totals, as PostgreSQL's
// pg_stat_database loses the row (and a database created later under the
// same name or OID starts from zero). A datagram like the others: if the
// socket is full it is lost, and the entry stays until the next crash.
void DropDatabase(uint32_t db_oid, const std::string& datname);

// Readers (views, the autovacuum launcher): the databases with counters, i.e.
// those some session (not only an autovacuum worker) has connected to since
// the totals were last discarded, in the order they were first counted.
std::vector<DatabaseCounters> ReadAll();

// ---- Per-table activity (pg_stat_all_tables and friends) ----
// Counted by the backend in a table's local entry; row changes are kept per
// transaction and folded in at its end, as PostgreSQL's live and dead
// estimates depend on the outcome: committed, inserts become live and the
// versions updated or deleted dead; rolled back, the inserted and updated
// versions are dead. n_tup_* count either way.
enum TableField {
  kSeqScan, kSeqTupRead, kIdxScan, kIdxTupFetch, kTupIns, kTupUpd, kTupDel, kTupHotUpd, kLiveTup, kDeadTup,
  kModSinceAnalyze, kInsSinceVacuum, kLastVacuum, kLastAutovacuum, kLastAnalyze, kLastAutoanalyze, kVacuumCount,
  kAutovacuumCount, kAnalyzeCount, kAutoanalyzeCount, kNumTableFields
};
class TableStats {
 public:
  void Scanned(bool index) { ++c_[index ? kIdxScan : kSeqScan]; }
  void Fetched(bool index, int64_t n = 1) { c_[index ? kIdxTupFetch : kSeqTupRead] += n; }
  void Inserted(int64_t n = 1) { Touch(), ins_ += n; }
  void Updated(bool hot) {
    Touch(), ++upd_;
    if (hot) ++c_[kTupHotUpd];
  }
  void Deleted() { Touch(), ++del_; }

 private:
  friend struct TableStatsAccess;
  void Touch();
  int64_t c_[kNumTableFields] = {};
  int64_t ins_ = 0, upd_ = 0, del_ = 0;  // this transaction's
  bool touched_ = false;
};
// The entry for a table of a database: valid for the life of the process.
TableStats* ForTable(uint32_t db, uint32_t relid);
// VACUUM / ANALYZE results, sent at once: the live and dead counts replace
// the estimates.
void ReportVacuum(uint32_t db, uint32_t relid, int64_t live, int64_t dead, bool autovacuum);
void ReportAnalyze(uint32_t db, uint32_t relid, int64_t live, int64_t dead, bool autovacuum);

struct TableCounters {
  uint32_t relid = 0;
  int64_t c[kNumTableFields] = {};
};
// The totals of one database's tables (timestamps in microseconds, 0 = never).
std::vector<TableCounters> ReadTables(uint32_t db);
// The totals of one table; false if the collector has no entry for it (no
// activity counted since its creation or since the last crash).
bool ReadTable(uint32_t db, uint32_t relid, TableCounters* out);

}  // namespace tusk::pgstat
