// Autovacuum on a real server: workers choose tables from the stats
// collector's totals (pg_stat_user_tables) with PostgreSQL 15's thresholds,
// vacuum and analyze them, and leave alone tables below the thresholds or
// without statistics. The expected outcomes are PostgreSQL 15's for the same
// statements and settings.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "cluster.h"

namespace tusk::test {
namespace {

// Polls `sql` until it prints `want` (or `seconds` pass); returns the last output.
std::string WaitFor(Cluster& c, const std::string& sql, const std::string& want, int seconds = 30) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::string got;
  for (;;) {
    got = c.Psql(sql).out;
    if (got == want || std::chrono::steady_clock::now() > deadline) return got;
    usleep(200 * 1000);
  }
}

std::string TableStats(Cluster& c, const std::string& table) {
  return c.Psql("SELECT n_live_tup, n_dead_tup, n_mod_since_analyze, n_ins_since_vacuum, autovacuum_count, "
                "autoanalyze_count, last_autovacuum IS NOT NULL, last_autoanalyze IS NOT NULL, vacuum_count, "
                "analyze_count FROM pg_stat_user_tables WHERE relname = '" + table + "'")
      .out;
}

// With the default thresholds (50 + 0.2 * reltuples dead rows, 1000 + 0.2 *
// reltuples inserted rows, 50 + 0.1 * reltuples changed rows; reltuples is
// -1 for a new table, taken as 0): `big` has 1000 dead rows, `inserts` 1500
// inserted rows and no dead ones, `small` 5 dead rows and 15 changes.
TEST(Autovacuum, VacuumsAndAnalyzesTablesPastTheirThresholds) {
  Cluster c;
  c.AppendConf("autovacuum_naptime = 1");
  c.Start();
  for (const char* sql : {"CREATE TABLE big (id int PRIMARY KEY, v text)",
                          "INSERT INTO big SELECT g, g::text FROM generate_series(1, 2000) g",
                          "DELETE FROM big WHERE id <= 1000", "CREATE TABLE inserts (id int)",
                          "INSERT INTO inserts SELECT generate_series(1, 1500)", "CREATE TABLE small (id int)",
                          "INSERT INTO small SELECT generate_series(1, 10)", "DELETE FROM small WHERE id <= 5"})
    ASSERT_EQ(c.Psql(sql).exit_code, 0) << sql;

  // Vacuumed and analyzed once by autovacuum, by no one else: no dead rows,
  // nothing changed since.
  const std::string done = "1000|0|0|0|1|1|t|t|0|0\n";
  EXPECT_EQ(WaitFor(c,
                    "SELECT n_live_tup, n_dead_tup, n_mod_since_analyze, n_ins_since_vacuum, "
                    "least(autovacuum_count, 1), least(autoanalyze_count, 1), last_autovacuum IS NOT NULL, "
                    "last_autoanalyze IS NOT NULL, vacuum_count, analyze_count FROM pg_stat_user_tables "
                    "WHERE relname = 'big'",
                    done),
            done)
      << TableStats(c, "big");
  // ANALYZE stored the live row count in pg_class, as the command does.
  EXPECT_EQ(WaitFor(c, "SELECT reltuples FROM pg_class WHERE relname = 'big'", "1000\n", 10), "1000\n");

  // Insert-driven: vacuumed with no dead row at all, and analyzed.
  const std::string inserted = "1500|0|0|0|1|1\n";
  EXPECT_EQ(WaitFor(c,
                    "SELECT n_live_tup, n_dead_tup, n_mod_since_analyze, n_ins_since_vacuum, "
                    "least(autovacuum_count, 1), least(autoanalyze_count, 1) FROM pg_stat_user_tables "
                    "WHERE relname = 'inserts'",
                    inserted),
            inserted)
      << TableStats(c, "inserts");

  // Each worker pass considers every table of its database; the launcher
  // gives each database with statistics (here postgres alone) a worker
  // every second, so several more passes over postgres run meanwhile:
  // `small` stays as it was.
  sleep(5);
  EXPECT_EQ(TableStats(c, "small"), "5|5|15|10|0|0|f|f|0|0\n");

  // More deletes in `small` pass the threshold: vacuumed next.
  ASSERT_EQ(c.Psql("INSERT INTO small SELECT generate_series(11, 200); DELETE FROM small WHERE id > 100").exit_code, 0);
  EXPECT_EQ(WaitFor(c, "SELECT n_dead_tup, least(autovacuum_count, 1) FROM pg_stat_user_tables WHERE relname = 'small'",
                    "0|1\n"),
            "0|1\n")
      << TableStats(c, "small");
}

// A table the stats collector knows nothing about (its totals were
// discarded by a crash) is not vacuumed, however many dead rows it has, as
// in PostgreSQL; once its counts start again it is.
TEST(Autovacuum, LeavesTablesWithoutStatisticsAlone) {
  Cluster c;
  c.AppendConf("autovacuum = off\nlog_min_messages = debug1");
  c.Start();
  for (const char* sql : {"CREATE TABLE t (id int)", "INSERT INTO t SELECT generate_series(1, 1000)",
                          "DELETE FROM t WHERE id <= 900", "CHECKPOINT"})
    ASSERT_EQ(c.Psql(sql).exit_code, 0) << sql;
  c.StopWith(SIGQUIT);
  c.AppendConf("autovacuum = on\nautovacuum_naptime = 1");
  const size_t from = c.LogSize();
  c.Start();
  // Two worker passes over postgres after the restart.
  size_t at = c.WaitForLog("autovacuum: processing database \"postgres\"", 20, from);
  ASSERT_NE(at, std::string::npos) << c.ReadLog();
  at = c.WaitForLog("autovacuum: processing database \"postgres\"", 20, at);
  ASSERT_NE(at, std::string::npos) << c.ReadLog();
  sleep(1);  // the second pass's work, had there been any
  EXPECT_EQ(c.Psql("SELECT count(*) FROM pg_stat_user_tables WHERE relname = 't' AND "
                   "(autovacuum_count > 0 OR autoanalyze_count > 0)")
                .out,
            "0\n");
  ASSERT_EQ(c.Psql("DELETE FROM t WHERE id <= 960").exit_code, 0);  // 60 dead rows counted anew
  EXPECT_EQ(WaitFor(c, "SELECT least(autovacuum_count, 1) FROM pg_stat_user_tables WHERE relname = 't'", "1\n"), "1\n")
      << TableStats(c, "t");
}

}  // namespace
}  // namespace tusk::test
