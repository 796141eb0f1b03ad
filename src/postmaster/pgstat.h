// Activity statistics. Backends count sessions, statements, commits and
// rollbacks locally and send the deltas as datagrams to the stats collector
// process (a socketpair the postmaster creates before forking anyone). The
// collector alone writes the per-database totals in shared memory (seqlock),
// which pg_stat_database reads. Totals survive a clean restart in
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

// Readers (views).
std::vector<DatabaseCounters> ReadAll();

}  // namespace tusk::pgstat
