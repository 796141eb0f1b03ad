// Administration functions against a running server: the WAL position moves
// with an INSERT, pg_rotate_logfile makes the logger switch files (and
// current_logfiles follows it), or warns and returns false without one.
#include <gtest/gtest.h>

#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

TEST(Admin, CurrentWalLsnAdvancesAfterInsert) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  Result r(PQexec(conn.get(), "CREATE TABLE w (id int, t text)"));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn.get());
  std::string before = QueryValue(conn.get(), "SELECT pg_current_wal_lsn()");
  r.reset(PQexec(conn.get(), "INSERT INTO w SELECT g, 'row' FROM generate_series(1, 100) g"));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn.get());
  EXPECT_EQ(QueryValue(conn.get(), "SELECT pg_current_wal_lsn() > '" + before + "'::pg_lsn"), "t");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '" + before + "') > 0"), "t");
  // The segment of the current position exists in pg_wal.
  std::string seg = QueryValue(conn.get(), "SELECT pg_walfile_name(pg_current_wal_lsn())");
  EXPECT_EQ(RunCommand("test -f " + c.datadir() + "/pg_wal/" + seg).exit_code, 0) << seg;
  // Sizes are measured on disk.
  EXPECT_EQ(QueryValue(conn.get(), "SELECT pg_relation_size('w') > 0"), "t");
  std::string path = QueryValue(conn.get(), "SELECT pg_relation_filepath('w')");
  CommandResult size = RunCommand("stat -c %s " + c.datadir() + "/" + path);
  EXPECT_EQ(size.out, QueryValue(conn.get(), "SELECT pg_relation_size('w')") + "\n");
  // Without the logger, rotation is refused with a warning.
  std::string warning;
  PQsetNoticeReceiver(
      conn.get(),
      [](void* arg, const PGresult* res) {
        *static_cast<std::string*>(arg) = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
      },
      &warning);
  EXPECT_EQ(QueryValue(conn.get(), "SELECT pg_rotate_logfile()"), "f");
  EXPECT_EQ(warning, "rotation not possible because log collection not active");
  r.reset(PQexec(conn.get(), "SELECT pg_current_logfile()"));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  EXPECT_TRUE(PQgetisnull(r.get(), 0, 0));
  // Both are revoked from PUBLIC in PostgreSQL 15: superusers only.
  r.reset(PQexec(conn.get(), "CREATE ROLE plain LOGIN"));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn.get());
  Conn plain = c.Connect("postgres", "plain");
  for (const char* fn : {"pg_rotate_logfile", "pg_current_logfile"}) {
    r.reset(PQexec(plain.get(), (std::string("SELECT ") + fn + "()").c_str()));
    EXPECT_EQ(SqlState(r.get()), "42501") << fn;
    EXPECT_EQ(std::string(PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY)),
              std::string("permission denied for function ") + fn);
  }
  EXPECT_EQ(QueryValue(plain.get(), "SELECT pg_relation_size('w') > 0"), "t");
}

TEST(Admin, RotateLogfileSwitchesFiles) {
  Cluster c;
  c.AppendConf("logging_collector = on\nlog_directory = 'log'\nlog_filename = 'tusk-%H%M%S.log'");
  c.Start();
  ASSERT_NE(c.WaitForChild("tusk: logger process"), 0);
  Conn conn = c.Connect();
  std::string first;
  for (int i = 0; i < 50 && first.empty(); ++i) {
    Result r(PQexec(conn.get(), "SELECT pg_current_logfile()"));
    if (PQresultStatus(r.get()) == PGRES_TUPLES_OK && !PQgetisnull(r.get(), 0, 0)) first = PQgetvalue(r.get(), 0, 0);
    if (first.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(first.rfind("log/tusk-", 0), 0u) << first;
  EXPECT_EQ(QueryValue(conn.get(), "SELECT pg_current_logfile('stderr') = pg_current_logfile()"), "t");
  // A new name needs the clock to move past the current second.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(QueryValue(conn.get(), "SELECT pg_rotate_logfile()"), "t");
  std::string second;
  for (int i = 0; i < 50; ++i) {
    second = QueryValue(conn.get(), "SELECT pg_current_logfile()");
    if (second != first) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(second, first);
  Result r(PQexec(conn.get(), "SELECT 1/0"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CommandResult files = RunCommand("ls " + c.datadir() + "/log | wc -l; cat " + c.datadir() + "/" + second);
  EXPECT_EQ(files.out.substr(0, 2), "2\n") << files.out;
  EXPECT_NE(files.out.find("ERROR:  division by zero"), std::string::npos) << files.out;
}

}  // namespace
}  // namespace tusk::test
