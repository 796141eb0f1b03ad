// Online backups (contract section 5, PostgreSQL 15's pg_backup_start and
// pg_backup_stop): the label file, the backup history file, waiting for the
// archive, the errors, and a smart shutdown that waits for the backup while
// admitting only superusers.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

namespace fs = std::filesystem;

std::string PrimaryMessage(const PGresult* r) {
  const char* m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  return m ? m : "";
}

TEST(Backup, StartStopLabelAndHistoryFile) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  std::string start = QueryValue(conn.get(), "SELECT pg_backup_start('nightly', true)");
  EXPECT_NE(start.find('/'), std::string::npos) << start;
  Result again(PQexec(conn.get(), "SELECT pg_backup_start('twice')"));
  EXPECT_EQ(SqlState(again.get()), "55000");
  EXPECT_EQ(PrimaryMessage(again.get()), "a backup is already in progress in this session");
  // The running backup does not stop other work.
  EXPECT_EQ(QueryValue(conn.get(), "SELECT 1"), "1");

  const std::string stop_sql = "SELECT lsn, labelfile, spcmapfile, lsn >= '" + start + "'::pg_lsn FROM pg_backup_stop()";
  Result stop(PQexec(conn.get(), stop_sql.c_str()));
  ASSERT_EQ(PQresultStatus(stop.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(stop.get());
  const std::string stop_lsn = PQgetvalue(stop.get(), 0, 0);
  const std::string label = PQgetvalue(stop.get(), 0, 1);
  EXPECT_EQ(PQftype(stop.get(), 0), 3220u);  // pg_lsn
  EXPECT_STREQ(PQgetvalue(stop.get(), 0, 2), "");
  EXPECT_STREQ(PQgetvalue(stop.get(), 0, 3), "t");
  EXPECT_EQ(label.rfind("START WAL LOCATION: " + start + " (file ", 0), 0u) << label;
  for (const char* line : {"\nCHECKPOINT LOCATION: ", "\nBACKUP METHOD: streamed\n", "\nBACKUP FROM: primary\n",
                           "\nSTART TIME: ", "\nLABEL: nightly\n", "\nSTART TIMELINE: 1\n"})
    EXPECT_NE(label.find(line), std::string::npos) << line << " in " << label;

  // The history file beside the segments names both ends.
  std::string history;
  for (const auto& e : fs::directory_iterator(c.datadir() + "/pg_wal"))
    if (e.path().extension() == ".backup") history = e.path().string();
  ASSERT_FALSE(history.empty());
  std::ifstream in(history);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("STOP WAL LOCATION: " + stop_lsn + " (file "), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("LABEL: nightly\n"), std::string::npos) << text.str();

  Result none(PQexec(conn.get(), "SELECT pg_backup_stop()"));
  EXPECT_EQ(SqlState(none.get()), "55000");
  EXPECT_EQ(PrimaryMessage(none.get()), "backup is not in progress");
  EXPECT_STREQ(PQresultErrorField(none.get(), PG_DIAG_MESSAGE_HINT), "Did you call pg_backup_start()?");

  // In an expression the result is the record's text form.
  QueryValue(conn.get(), "SELECT pg_backup_start('x')");
  std::string rec = QueryValue(conn.get(), "SELECT pg_backup_stop(false)");
  EXPECT_EQ(rec.rfind("(", 0), 0u) << rec;
  EXPECT_NE(rec.find(",\"START WAL LOCATION: "), std::string::npos) << rec;
  EXPECT_EQ(rec.substr(rec.size() - 5), "\",\"\")") << rec;

  Result role(PQexec(conn.get(), "CREATE ROLE app LOGIN"));
  Conn app = c.Connect("postgres", "app");
  Result denied(PQexec(app.get(), "SELECT pg_backup_start('x')"));
  EXPECT_EQ(SqlState(denied.get()), "42501");
  EXPECT_EQ(PrimaryMessage(denied.get()), "permission denied for function pg_backup_start");
}

TEST(Backup, StopWaitsForTheArchive) {
  Cluster c;
  std::string arch = c.sockdir() + "/archive";
  fs::create_directories(arch);
  c.AppendConf("archive_mode = on\narchive_command = 'cp %p " + arch + "/%f'");
  c.Start();
  Conn conn = c.Connect();
  std::string notices;
  PQsetNoticeProcessor(
      conn.get(), [](void* arg, const char* m) { *static_cast<std::string*>(arg) += m; }, &notices);
  QueryValue(conn.get(), "SELECT pg_backup_start('archived')");
  Result stop(PQexec(conn.get(), "SELECT lsn FROM pg_backup_stop(true)"));
  ASSERT_EQ(PQresultStatus(stop.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(stop.get());
  EXPECT_NE(notices.find("NOTICE:  all required WAL segments have been archived"), std::string::npos) << notices;
  // The segment holding the stop point and the history file are in the archive.
  std::string segment = QueryValue(conn.get(), "SELECT pg_walfile_name('" + std::string(PQgetvalue(stop.get(), 0, 0)) + "')");
  EXPECT_TRUE(fs::exists(arch + "/" + segment)) << segment;
  bool history = false;
  for (const auto& e : fs::directory_iterator(arch)) history |= e.path().extension() == ".backup";
  EXPECT_TRUE(history);
}

TEST(Backup, SmartShutdownWaitsForTheBackupAndAdmitsOnlySuperusers) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Result role(PQexec(admin.get(), "CREATE ROLE app LOGIN"));
  ASSERT_EQ(PQresultStatus(role.get()), PGRES_COMMAND_OK);
  QueryValue(admin.get(), "SELECT pg_backup_start('during shutdown')");
  size_t from = c.LogSize();
  kill(c.postmaster_pid(), SIGTERM);
  ASSERT_NE(c.WaitForLog("LOG:  received smart shutdown request", 10, from), std::string::npos);
  Conn app = c.Connect("postgres", "app");
  EXPECT_NE(PQstatus(app.get()), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(app.get())).find("FATAL:  must be superuser to connect during database shutdown"),
            std::string::npos)
      << PQerrorMessage(app.get());
  Conn super = c.Connect();
  ASSERT_EQ(PQstatus(super.get()), CONNECTION_OK) << PQerrorMessage(super.get());
  EXPECT_EQ(QueryValue(super.get(), "SELECT 1"), "1");
  super.reset();
  EXPECT_TRUE(c.Running());
  QueryValue(admin.get(), "SELECT lsn FROM pg_backup_stop(false)");
  // With the backup over, newcomers are turned away as in any smart shutdown.
  Conn late = c.Connect();
  EXPECT_NE(PQstatus(late.get()), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(late.get())).find("FATAL:  the database system is shutting down"),
            std::string::npos)
      << PQerrorMessage(late.get());
  admin.reset();
  int status = 0;
  for (int i = 0; i < 300 && !c.TryReap(&status); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(c.Running());
  EXPECT_NE(c.ReadLog().find("LOG:  database system is shut down", from), std::string::npos);
}

TEST(Backup, SessionEndingMidBackupAbortsIt) {
  Cluster c;
  c.Start();
  {
    Conn conn = c.Connect();
    QueryValue(conn.get(), "SELECT pg_backup_start('left behind')");
  }
  EXPECT_NE(c.WaitForLog("WARNING:  aborting backup due to backend exiting before pg_backup_stop was called", 10),
            std::string::npos)
      << c.ReadLog();
  // No backup is counted any more: a smart shutdown admits nobody.
  kill(c.postmaster_pid(), SIGTERM);
  int status = 0;
  for (int i = 0; i < 300 && !c.TryReap(&status); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(c.Running());
}

}  // namespace
}  // namespace tusk::test
