// Issue 3 item 8 through the file-access seam: an fsync failure of the WAL is
// a PANIC, the server does not carry on with a possibly lost write, and the
// next start recovers to a consistent state.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

TEST(Faults, WalFsyncFailureIsAPanicAndRecoveryFollows) {
  Cluster c;
  c.AppendConf("restart_after_crash = off");
  setenv("TUSK_FAULTS", "pg_wal/0000:fsync:eio:0:-1", 1);
  c.Start();
  unsetenv("TUSK_FAULTS");
  Conn conn = c.Connect();
  Result r(PQexec(conn.get(), "CHECKPOINT"));
  EXPECT_NE(PQresultStatus(r.get()), PGRES_COMMAND_OK);
  int status = c.StopWith(0, 20);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << status;
  std::string log = c.ReadLog();
  EXPECT_NE(log.find("PANIC:  could not f"), std::string::npos) << log;
  EXPECT_NE(log.find("checkpointer process (PID "), std::string::npos) << log;
  EXPECT_NE(log.find("shutting down because restart_after_crash is off"), std::string::npos) << log;
  // Without the fault the next start recovers.
  size_t from = c.LogSize();
  c.Start();
  EXPECT_NE(c.WaitForLog("automatic recovery in progress", 10, from), std::string::npos) << c.ReadLog().substr(from);
  Conn again = c.Connect();
  EXPECT_EQ(QueryValue(again.get(), "SELECT 1"), "1");
}

// ENOSPC or a short write while a table grows: the statement fails with
// PostgreSQL's message and SQLSTATE, the session and the server carry on, and
// what was committed before is intact after a restart without the fault.
class TableWriteFault : public ::testing::TestWithParam<const char*> {};

TEST_P(TableWriteFault, FailsTheStatementOnly) {
  Cluster c;
  // User tables' files are base/5/16384 and up; the first few writes succeed.
  setenv("TUSK_FAULTS", (std::string("base/5/16:write:") + GetParam() + ":3:-1").c_str(), 1);
  c.Start();
  unsetenv("TUSK_FAULTS");
  Conn conn = c.Connect();
  Result ok(PQexec(conn.get(), "CREATE TABLE f (a int, b text); INSERT INTO f VALUES (1, 'kept')"));
  ASSERT_EQ(PQresultStatus(ok.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn.get());
  Result grow(PQexec(conn.get(), "INSERT INTO f SELECT a.a * 100 + b.a, repeat('x', 200) FROM "
                                 "(SELECT 1 AS a UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 "
                                 "UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10) a, "
                                 "(SELECT 1 AS a UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 "
                                 "UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10) b, "
                                 "(SELECT 1 AS a UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 "
                                 "UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10) c"));
  EXPECT_EQ(PQresultStatus(grow.get()), PGRES_FATAL_ERROR);
  std::string err = PQerrorMessage(conn.get());
  EXPECT_NE(err.find("could not extend file \"base/5/16384\""), std::string::npos) << err;
  if (std::string(GetParam()) == "enospc") {
    EXPECT_EQ(SqlState(grow.get()), "53100") << err;
    EXPECT_NE(err.find("No space left on device"), std::string::npos) << err;
  }
  EXPECT_EQ(QueryValue(conn.get(), "SELECT count(*) FROM f"), "1");
  EXPECT_EQ(c.ReadLog().find("PANIC"), std::string::npos);
  conn.reset();
  c.StopWith(SIGINT, 30);
  c.Start();
  Conn again = c.Connect();
  EXPECT_EQ(QueryValue(again.get(), "SELECT b FROM f"), "kept");
}

INSTANTIATE_TEST_SUITE_P(Kinds, TableWriteFault, ::testing::Values("enospc", "short"));

TEST(Faults, ControlFileDamageIsRefusedClearly) {
  Cluster c;
  RunCommand("printf 'garbage' | dd of=" + c.datadir() + "/global/pg_control bs=1 seek=20 conv=notrunc 2>/dev/null");
  c.Start("", false);
  int status = 0;
  for (int i = 0; i < 100 && !c.TryReap(&status); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::string log = c.ReadLog();
  EXPECT_NE(log.find("PANIC:  incorrect checksum in control file"), std::string::npos) << log;
  EXPECT_NE(log.find("aborting startup due to startup process failure"), std::string::npos) << log;
  EXPECT_FALSE(c.Running());
}

}  // namespace
}  // namespace tusk::test
