// Suspend and resume (contract 11): `tusk suspend|resume` and
// pg_suspend()/pg_resume(). The steps are logged in order; while suspended no
// file of the data directory changes although read-only queries go on, a
// write waits for the resume and then completes; a transaction still running
// at the timeout fails the suspend and is named; a superuser connecting while
// suspending aborts it; a shutdown while suspended loses nothing.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

namespace fs = std::filesystem;

std::string Ctl(const Cluster& c, const std::string& verb_and_args) {
  return c.tusk_binary() + " " + verb_and_args + " -D " + c.datadir();
}

// Every file of the data directory but the lock file, with its contents.
std::map<std::string, std::string> DirectoryContents(const Cluster& c) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(c.datadir())) {
    if (!e.is_regular_file() || e.path().filename() == "postmaster.pid") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    files[e.path().string()] = ss.str();
  }
  return files;
}

// Sends a statement without waiting for it.
void Send(PGconn* conn, const std::string& sql) { ASSERT_EQ(PQsendQuery(conn, sql.c_str()), 1) << PQerrorMessage(conn); }

// True once the statement sent has finished (within `ms`).
bool FinishesWithin(PGconn* conn, int ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  do {
    PQconsumeInput(conn);
    if (!PQisBusy(conn)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < until);
  return false;
}

// The results of the statement sent; its last error's SQLSTATE, or "".
std::string Collect(PGconn* conn) {
  std::string state;
  while (PGresult* r = PQgetResult(conn)) {
    if (PQresultStatus(r) == PGRES_FATAL_ERROR) state = SqlState(r);
    PQclear(r);
  }
  return state;
}

TEST(Suspend, DirectoryStaysStillWhileReadersGoOnAndAWriteWaitsForTheResume) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  Exec(conn.get(), "CREATE TABLE t (a int PRIMARY KEY, b text)");
  Exec(conn.get(), "INSERT INTO t SELECT g, repeat('x', 50) FROM generate_series(1, 5000) g");
  Exec(conn.get(), "DELETE FROM t WHERE a % 3 = 0");  // dead rows: readers would set hints and prune

  CommandResult r = RunCommand(Ctl(c, "suspend -t 10"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("server suspended"), std::string::npos) << r.out;
  EXPECT_EQ(LockFileStatus(c), "suspended");
  const std::string log = c.ReadLog();
  size_t at = 0;
  for (const char* step : {"received suspend request (timeout 10 s)", "suspend step 1 of 4: notify",
                           "suspend step 2 of 4: freeze", "suspend step 3 of 4: sync", "suspend step 4 of 4: suspended",
                           "database system is suspended"}) {
    at = log.find(step, at);
    ASSERT_NE(at, std::string::npos) << step << "\n" << log;
  }

  const auto before = DirectoryContents(c);
  // Readers go on, on an old connection and on new ones, scanning and using the index.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(QueryValue(conn.get(), "SELECT count(*) FROM t"), "3334");
    EXPECT_EQ(c.Psql("SELECT b FROM t WHERE a = 4000").out, std::string(50, 'x') + "\n");
  }
  Conn writer = c.Connect();
  Send(writer.get(), "INSERT INTO t VALUES (6000, 'late')");
  EXPECT_FALSE(FinishesWithin(writer.get(), 1500)) << "a write went through while suspended";
  EXPECT_EQ(c.Psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'INSERT INTO t VALUES (6000%'").out, "1\n");
  EXPECT_EQ(DirectoryContents(c), before) << "the data directory changed while suspended";

  r = RunCommand(Ctl(c, "resume"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("server resumed"), std::string::npos) << r.out;
  EXPECT_EQ(LockFileStatus(c), "ready");
  ASSERT_TRUE(FinishesWithin(writer.get(), 10000));
  EXPECT_EQ(Collect(writer.get()), "");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT count(*) FROM t"), "3335");
  r = RunCommand(Ctl(c, "resume"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("tusk: server is not suspended"), std::string::npos) << r.out;
}

TEST(Suspend, ATransactionStillRunningAtTheTimeoutFailsTheSuspendAndIsNamed) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  Exec(conn.get(), "CREATE TABLE t (a int)");
  Exec(conn.get(), "BEGIN");
  Exec(conn.get(), "INSERT INTO t VALUES (1)");
  const std::string pid = std::to_string(PQbackendPID(conn.get()));

  CommandResult r = RunCommand(Ctl(c, "suspend -t 2"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("tusk: could not suspend server: transactions still running after 2 s in processes " + pid),
            std::string::npos)
      << r.out;
  EXPECT_EQ(LockFileStatus(c), "ready");
  EXPECT_NE(c.ReadLog().find("suspend failed: transactions still running after 2 s in processes " + pid),
            std::string::npos);
  // Everything thawed: the transaction commits, and others write at once.
  Exec(conn.get(), "COMMIT");
  EXPECT_EQ(c.Psql("INSERT INTO t VALUES (2)").exit_code, 0);
  EXPECT_EQ(QueryValue(conn.get(), "SELECT count(*) FROM t"), "2");
  EXPECT_FALSE(fs::exists(c.datadir() + "/suspend.failed"));
  EXPECT_FALSE(fs::exists(c.datadir() + "/suspend.signal"));
}

TEST(Suspend, SqlFunctionsSuspendAndResumeForSuperusersOnly) {
  Cluster c;
  c.Start();
  Conn su = c.Connect();
  Exec(su.get(), "CREATE ROLE plain LOGIN");
  Exec(su.get(), "CREATE TABLE t (a int)");
  Exec(su.get(), "GRANT SELECT ON t TO plain");
  Conn plain = c.Connect("postgres", "plain");
  ExpectErrors(plain.get(), {{"SELECT pg_suspend()", "42501", "permission denied for function pg_suspend"},
                             {"SELECT pg_resume()", "42501", "permission denied for function pg_resume"}});
  ExpectErrors(su.get(), {{"SELECT pg_suspend(0)", "22023", "\"timeout\" must be greater than zero"},
                          {"SELECT pg_resume()", "55000", "could not resume server: the database system is not suspended"}});
  Exec(su.get(), "BEGIN");
  Exec(su.get(), "INSERT INTO t VALUES (1)");
  ExpectErrors(su.get(), {{"SELECT pg_suspend()", "25001", "cannot suspend the server in a transaction that has written"}});
  Exec(su.get(), "ROLLBACK");

  EXPECT_EQ(QueryValue(su.get(), "SELECT pg_suspend(5)"), "t");
  EXPECT_EQ(LockFileStatus(c), "suspended");
  ExpectErrors(su.get(), {{"SELECT pg_suspend()", "55000", "could not suspend server: the database system is already suspended"}});
  CommandResult r = RunCommand(Ctl(c, "suspend"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("tusk: server is already suspended"), std::string::npos) << r.out;
  EXPECT_EQ(QueryValue(plain.get(), "SELECT count(*) FROM t"), "0");
  EXPECT_EQ(QueryValue(su.get(), "SELECT pg_resume()"), "t");
  EXPECT_EQ(LockFileStatus(c), "ready");
  Exec(plain.get(), "SELECT 1");
  Exec(su.get(), "INSERT INTO t VALUES (1)");
}

TEST(Suspend, ASuperuserConnectingAbortsTheSuspendAndOthersAreTurnedAway) {
  Cluster c;
  c.Start();
  Conn su = c.Connect();
  Exec(su.get(), "CREATE ROLE plain LOGIN");
  Exec(su.get(), "CREATE TABLE t (a int)");
  Exec(su.get(), "GRANT SELECT ON t TO plain");
  Exec(su.get(), "BEGIN");
  Exec(su.get(), "INSERT INTO t VALUES (1)");  // keeps the freeze step waiting

  CommandResult ctl;
  std::thread suspender([&] { ctl = RunCommand(Ctl(c, "suspend -t 30")); });
  ASSERT_NE(c.WaitForLog("suspend step 2 of 4: freeze"), std::string::npos);
  EXPECT_EQ(LockFileStatus(c), "suspending");
  CommandResult refused = c.Psql("SELECT 1", "plain");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.out.find("FATAL:  the database system is suspending"), std::string::npos) << refused.out;
  EXPECT_EQ(c.Psql("SELECT 'in'").out, "in\n");  // the wake-up event
  suspender.join();
  EXPECT_EQ(ctl.exit_code, 1) << ctl.out;
  EXPECT_NE(ctl.out.find("could not suspend server: aborted by a superuser connection request"), std::string::npos)
      << ctl.out;
  EXPECT_EQ(LockFileStatus(c), "ready");
  Exec(su.get(), "COMMIT");
  EXPECT_EQ(c.Psql("SELECT count(*) FROM t", "plain").out, "1\n");
}

TEST(Suspend, ShutdownWhileSuspendedLosesNothing) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  Exec(conn.get(), "CREATE TABLE t (a int)");
  Exec(conn.get(), "INSERT INTO t SELECT generate_series(1, 100)");
  ASSERT_EQ(RunCommand(Ctl(c, "suspend")).exit_code, 0);
  Conn writer = c.Connect();
  Send(writer.get(), "INSERT INTO t VALUES (101)");
  EXPECT_FALSE(FinishesWithin(writer.get(), 500));
  conn.reset();
  // A fast shutdown aborts the suspended state; the waiting write either
  // commits before its session is terminated or fails, never half.
  EXPECT_EQ(c.StopWith(SIGINT), 0);
  ASSERT_TRUE(FinishesWithin(writer.get(), 5000));
  const std::string state = Collect(writer.get());
  writer.reset();
  EXPECT_NE(c.ReadLog().find("leaving suspended state: a shutdown request"), std::string::npos);
  c.Start();
  EXPECT_EQ(c.Psql("SELECT count(*) FROM t WHERE a <= 100").out, "100\n");
  const std::string late = c.Psql("SELECT count(*) FROM t WHERE a = 101").out;
  if (state.empty()) {
    EXPECT_EQ(late, "1\n");
  }

  // An immediate shutdown while suspended: crash recovery brings back every commit.
  ASSERT_EQ(RunCommand(Ctl(c, "suspend")).exit_code, 0);
  EXPECT_EQ(c.StopWith(SIGQUIT), 0);
  c.Start();
  EXPECT_EQ(c.Psql("SELECT count(*) FROM t WHERE a <= 100").out, "100\n");
  EXPECT_EQ(LockFileStatus(c), "ready");
}

}  // namespace
}  // namespace tusk::test
