// The WAL archiver's shared state: its PID (so the WAL writer side can wake
// it when a segment becomes ready) and the counters pg_stat_archiver shows,
// written only by the archiver. The process itself is aux::ArchiverMain
// (pgarch.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tusk::pgarch {

size_t ShmemSize();
void ShmemInit();

// Any process: SIGUSR1 to the running archiver (a segment became ready).
// Does nothing without shared memory or an archiver.
void Wakeup();

struct Stats {
  int64_t archived_count = 0;
  std::string last_archived_wal;
  int64_t last_archived_time_us = 0;  // 0: never
  int64_t failed_count = 0;
  std::string last_failed_wal;
  int64_t last_failed_time_us = 0;
  int64_t stats_reset_us = 0;
};
// A consistent copy (pg_stat_archiver).
Stats ReadStats();

// The counters survive a clean restart (as PostgreSQL's): the stats
// collector saves them to pg_stat/archiver.stat when it stops, after the
// archiver's last round, and loads and removes the file when it starts (so a
// crash resets them).
void SaveStatsFile(const std::string& datadir);
void LoadAndRemoveStatsFile(const std::string& datadir);

// archive_command with %p replaced by `path`, %f by `file` and %% by %; any
// other % stays as it is, as in PostgreSQL.
std::string BuildCommand(std::string_view command, std::string_view path, std::string_view file);

}  // namespace tusk::pgarch
