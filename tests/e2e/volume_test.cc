// Issue 3 acceptance on volume: 10 million rows loaded with COPY are all
// there after a restart and after a crash; under repeated updates with
// VACUUM the table's files and the WAL directory stay bounded.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

uint64_t DirBytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

TEST(Volume, TenMillionRowsByCopySurviveRestartAndCrash) {
  Cluster c;
  c.AppendConf("max_wal_size = 256MB");
  c.Start();
  ASSERT_EQ(c.Psql("CREATE TABLE big (id int, v int)").exit_code, 0);
  CommandResult load = RunCommand("seq 1 10000000 | awk '{print $1 \"\\t\" $1 % 1000}' | " + c.Env() +
                                      "psql -X -v ON_ERROR_STOP=1 -c 'COPY big FROM STDIN' postgres",
                                  900);
  ASSERT_EQ(load.exit_code, 0) << load.out;
  EXPECT_NE(load.out.find("COPY 10000000"), std::string::npos) << load.out;
  const std::string check = "SELECT count(*), sum(id::bigint), count(DISTINCT v) FROM big";
  const std::string expected = "10000000|50000005000000|1000\n";
  EXPECT_EQ(c.Psql(check).out, expected);
  c.StopWith(SIGINT, 120);
  c.Start();
  EXPECT_EQ(c.Psql(check).out, expected);
  kill(c.postmaster_pid(), SIGKILL);
  int status = 0;
  for (int i = 0; i < 100 && !c.TryReap(&status); ++i) usleep(50000);
  for (int i = 0; i < 100; ++i) {
    bool any = false;
    for (pid_t p : c.Children()) any |= ProcessAlive(p);
    if (!any) break;
    usleep(50000);
  }
  usleep(1500000);  // orphans notice the postmaster is gone
  c.Start();
  EXPECT_EQ(c.Psql(check).out, expected);
}

TEST(Volume, RepeatedUpdatesWithVacuumStayBounded) {
  Cluster c;
  c.AppendConf("max_wal_size = 64MB\ncheckpoint_timeout = 30s");
  c.Start();
  ASSERT_EQ(c.Psql("CREATE TABLE hot (id int PRIMARY KEY, n int, pad text)").exit_code, 0);
  CommandResult fill = RunCommand("seq 1 20000 | awk '{print $1 \"\\t0\\t\" \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}' | " +
                                      c.Env() + "psql -X -c 'COPY hot FROM STDIN' postgres",
                                  120);
  ASSERT_EQ(fill.exit_code, 0) << fill.out;
  uint64_t base_data = 0, base_wal = 0;
  for (int round = 1; round <= 40; ++round) {
    CommandResult u = c.Psql("UPDATE hot SET n = n + 1");
    ASSERT_EQ(u.exit_code, 0) << u.out;
    CommandResult v = c.Psql("VACUUM hot");
    ASSERT_EQ(v.exit_code, 0) << v.out;
    if (round % 10 == 0) {
      ASSERT_EQ(c.Psql("CHECKPOINT").exit_code, 0);
    }
    if (round == 10) {
      base_data = DirBytes(c.datadir() + "/base");
      base_wal = DirBytes(c.datadir() + "/pg_wal");
    }
  }
  EXPECT_EQ(c.Psql("SELECT min(n), max(n), count(*) FROM hot").out, "40|40|20000\n");
  uint64_t data = DirBytes(c.datadir() + "/base"), wal = DirBytes(c.datadir() + "/pg_wal");
  EXPECT_LE(data, base_data * 3 / 2) << "table and index files grew from " << base_data << " to " << data;
  EXPECT_LE(wal, std::max<uint64_t>(base_wal * 2, 160ull << 20)) << "pg_wal grew from " << base_wal << " to " << wal;
}

}  // namespace
}  // namespace tusk::test

namespace tusk::test {
namespace {

// Autovacuum workers find tables with many dead rows and vacuum them, so a
// table updated over and over without VACUUM stays bounded too.
TEST(Volume, AutovacuumKeepsAnUpdatedTableBounded) {
  Cluster c;
  c.AppendConf("autovacuum_naptime = 1\nautovacuum_vacuum_threshold = 50\nautovacuum_vacuum_scale_factor = 0.1");
  c.Start();
  ASSERT_EQ(c.Psql("CREATE TABLE churn (id int PRIMARY KEY, n int)").exit_code, 0);
  CommandResult fill = RunCommand("seq 1 5000 | awk '{print $1 \"\\t0\"}' | " + c.Env() +
                                      "psql -X -c 'COPY churn FROM STDIN' postgres",
                                  60);
  ASSERT_EQ(fill.exit_code, 0) << fill.out;
  ASSERT_EQ(c.Psql("ANALYZE churn").exit_code, 0);
  std::string file = c.datadir() + "/base/5/" + c.Psql("SELECT relfilenode FROM pg_class WHERE relname = 'churn'").out;
  file.pop_back();  // newline
  uint64_t start = std::filesystem::file_size(file);
  for (int round = 0; round < 15; ++round) {
    ASSERT_EQ(c.Psql("UPDATE churn SET n = n + 1").exit_code, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  }
  uint64_t end = std::filesystem::file_size(file);
  EXPECT_LE(end, start * 5) << "the table grew from " << start << " to " << end << " bytes: nothing vacuumed it";
  EXPECT_EQ(c.Psql("SELECT min(n), max(n) FROM churn").out, "15|15\n");
}

}  // namespace
}  // namespace tusk::test
