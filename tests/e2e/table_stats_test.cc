// pg_stat_user_tables on a real server: row counts by outcome (committed,
// rolled back, HOT), scans, VACUUM and ANALYZE, kept over a clean restart
// and discarded after a crash, as in PostgreSQL. The expected numbers are
// PostgreSQL 15's for the same statements.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <string>

#include "cluster.h"

namespace tusk::test {
namespace {

// The counters arrive through the stats collector: wait for them.
std::string WaitForStats(Cluster& c, const std::string& sql, const std::string& want) {
  std::string got;
  for (int i = 0; i < 100; ++i) {
    got = c.Psql(sql).out;
    if (got == want) break;
    usleep(100 * 1000);
  }
  return got;
}

TEST(TableStats, CountsRowsByOutcomeAndVacuum) {
  Cluster c;
  c.AppendConf("autovacuum = off");
  c.Start();
  for (const char* sql : {"CREATE TABLE st (id int PRIMARY KEY, v int)",
                          "INSERT INTO st SELECT g, g FROM generate_series(1, 100) g",
                          "UPDATE st SET v = v + 1 WHERE id <= 10", "UPDATE st SET id = id + 1000 WHERE id = 50",
                          "DELETE FROM st WHERE id BETWEEN 20 AND 24",
                          "BEGIN; INSERT INTO st VALUES (5000, 1); ROLLBACK", "SELECT * FROM st WHERE id = 3"})
    ASSERT_EQ(c.Psql(sql).exit_code, 0) << sql;
  const std::string q =
      "SELECT n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd, n_live_tup, n_dead_tup, n_mod_since_analyze, "
      "n_ins_since_vacuum, idx_scan > 0, last_vacuum IS NULL, vacuum_count, analyze_count "
      "FROM pg_stat_user_tables WHERE relname = 'st'";
  EXPECT_EQ(WaitForStats(c, q, "101|11|5|10|95|17|116|101|t|t|0|0\n"), "101|11|5|10|95|17|116|101|t|t|0|0\n");
  // A table without indexes has no index counts at all.
  ASSERT_EQ(c.Psql("CREATE TABLE noix (a int); SELECT * FROM noix").exit_code, 0);
  EXPECT_EQ(WaitForStats(c, "SELECT seq_scan, idx_scan IS NULL FROM pg_stat_user_tables WHERE relname = 'noix'", "1|t\n"),
            "1|t\n");
  EXPECT_EQ(c.Psql("SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = 'pg_catalog'").out, "0\n");
  EXPECT_NE(c.Psql("SELECT count(*) FROM pg_stat_sys_tables WHERE relname = 'pg_class'").out, "0\n");

  ASSERT_EQ(c.Psql("VACUUM ANALYZE st").exit_code, 0);
  const std::string after = "101|11|5|10|95|0|0|0|t|f|1|1\n";
  EXPECT_EQ(WaitForStats(c, q, after), after);
  // Kept by a clean stop, discarded by a crash.
  ASSERT_EQ(c.StopWith(SIGINT), 0);
  c.Start();
  EXPECT_EQ(c.Psql(q).out, after);
  c.StopWith(SIGQUIT);
  c.Start();
  EXPECT_EQ(c.Psql("SELECT n_tup_ins, vacuum_count FROM pg_stat_user_tables WHERE relname = 'st'").out, "0|0\n");
}

}  // namespace
}  // namespace tusk::test
