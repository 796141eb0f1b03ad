// Contract sections 1, 2, 5: lock file, start-up log, refusal of a second
// postmaster, stale lock files, and the smart/fast/immediate shutdowns.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

std::vector<std::string> LockFileLines(const Cluster& c) {
  std::ifstream in(c.datadir() + "/postmaster.pid");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

bool LockFileExists(const Cluster& c) { return access((c.datadir() + "/postmaster.pid").c_str(), F_OK) == 0; }

TEST(Lifecycle, CleanStartLogsAndWritesLockFile) {
  Cluster c;
  c.Start();
  ASSERT_NE(c.WaitForLog("LOG:  database system was shut down at "), std::string::npos) << c.ReadLog();
  ASSERT_NE(c.WaitForLog("LOG:  database system is ready to accept connections"), std::string::npos);
  ASSERT_NE(c.WaitForLog("LOG:  autovacuum launcher started"), std::string::npos) << c.ReadLog();
  EXPECT_NE(c.ReadLog().find("LOG:  listening on Unix socket \"" + c.sockdir() + "/.s.PGSQL." +
                             std::to_string(c.port()) + "\""),
            std::string::npos);
  EXPECT_NE(c.ReadLog().find("LOG:  listening on IPv4 address \"127.0.0.1\", port " + std::to_string(c.port())),
            std::string::npos);
  auto lines = LockFileLines(c);
  ASSERT_GE(lines.size(), 8u);
  EXPECT_EQ(lines[0], std::to_string(c.postmaster_pid()));
  EXPECT_EQ(lines[1], c.datadir());
  EXPECT_GT(std::stol(lines[2]), 1600000000L);
  EXPECT_EQ(lines[3], std::to_string(c.port()));
  EXPECT_EQ(lines[4], c.sockdir());
  EXPECT_EQ(lines[5], "127.0.0.1");
  EXPECT_EQ(lines[7], "ready   ");
}

TEST(Lifecycle, SecondPostmasterIsRefused) {
  Cluster c;
  c.Start();
  CommandResult r = RunCommand(c.tusk_binary() + " server -D " + c.datadir() + " -p " + std::to_string(FreePort()));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("FATAL:  lock file \"postmaster.pid\" already exists"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("HINT:  Is another postmaster (PID " + std::to_string(c.postmaster_pid()) +
                       ") running in data directory \"" + c.datadir() + "\"?"),
            std::string::npos)
      << r.out;
  // The first server is untouched.
  Conn conn = c.Connect();
  EXPECT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
}

TEST(Lifecycle, StaleLockFileAfterKillIsReplacedAndRecoveryRuns) {
  Cluster c;
  c.Start();
  ASSERT_NE(c.WaitForLog("ready to accept connections"), std::string::npos);
  int status = c.StopWith(SIGKILL);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_TRUE(LockFileExists(c)) << "SIGKILL of the postmaster leaves the lock file";
  // Children notice the postmaster's death; wait for them to leave the directory.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  size_t from = c.LogSize();
  c.Start();
  EXPECT_NE(c.WaitForLog("LOG:  database system was interrupted; last known up at ", 10, from), std::string::npos)
      << c.ReadLog();
  EXPECT_NE(c.WaitForLog("LOG:  database system was not properly shut down; automatic recovery in progress", 10, from),
            std::string::npos);
  EXPECT_NE(c.WaitForLog("LOG:  database system is ready to accept connections", 10, from), std::string::npos);
  EXPECT_EQ(LockFileLines(c)[0], std::to_string(c.postmaster_pid()));
}

TEST(Lifecycle, FastShutdownTerminatesSessionsAndCheckpoints) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
  Result begin(PQexec(conn.get(), "BEGIN"));
  size_t from = c.LogSize();
  int status = c.StopWith(SIGINT);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::string log = c.ReadLog().substr(from);
  for (const char* line : {"LOG:  received fast shutdown request", "LOG:  aborting any active transactions",
                           "LOG:  autovacuum launcher shutting down", "LOG:  shutting down",
                           "LOG:  checkpoint starting: shutdown immediate", "LOG:  checkpoint complete: wrote ",
                           "LOG:  database system is shut down"})
    EXPECT_NE(log.find(line), std::string::npos) << line << "\n" << log;
  EXPECT_NE(log.find("FATAL:  terminating connection due to administrator command"), std::string::npos) << log;
  EXPECT_FALSE(LockFileExists(c));
  Result r(PQexec(conn.get(), "SELECT 1"));
  EXPECT_NE(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  // A clean stop: the next start says so.
  from = c.LogSize();
  c.Start();
  EXPECT_NE(c.WaitForLog("LOG:  database system was shut down at ", 10, from), std::string::npos);
}

TEST(Lifecycle, SmartShutdownWaitsForSessionsAndRefusesNewOnes) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
  kill(c.postmaster_pid(), SIGTERM);
  ASSERT_NE(c.WaitForLog("LOG:  received smart shutdown request"), std::string::npos);
  Conn refused = c.Connect();
  EXPECT_NE(PQstatus(refused.get()), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(refused.get())).find("the database system is shutting down"),
            std::string::npos)
      << PQerrorMessage(refused.get());
  CommandResult ready = RunCommand("pg_isready -h " + c.sockdir() + " -p " + std::to_string(c.port()));
  EXPECT_EQ(ready.exit_code, 1) << ready.out;  // rejecting connections
  // The existing session still works while the server waits for it.
  EXPECT_EQ(QueryValue(conn.get(), "SELECT 41 + 1"), "42");
  EXPECT_TRUE(c.Running());
  conn.reset();
  int status = c.StopWith(0, 30);  // signal 0: just wait
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(c.ReadLog().find("LOG:  database system is shut down"), std::string::npos);
  EXPECT_FALSE(LockFileExists(c));
}

TEST(Lifecycle, ImmediateShutdownThenCrashRecovery) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
  size_t from = c.LogSize();
  int status = c.StopWith(SIGQUIT);
  EXPECT_TRUE(WIFEXITED(status)) << status;
  std::string log = c.ReadLog().substr(from);
  EXPECT_NE(log.find("LOG:  received immediate shutdown request"), std::string::npos) << log;
  EXPECT_EQ(log.find("checkpoint starting"), std::string::npos) << "no checkpoint on immediate shutdown";
  EXPECT_TRUE(c.Children().empty());
  from = c.LogSize();
  c.Start();
  EXPECT_NE(c.WaitForLog("database system was not properly shut down; automatic recovery in progress", 10, from),
            std::string::npos)
      << c.ReadLog();
  EXPECT_NE(c.WaitForLog("LOG:  redo is not required", 10, from), std::string::npos);
  EXPECT_NE(c.WaitForLog("LOG:  checkpoint starting: end-of-recovery immediate wait", 10, from), std::string::npos);
}

TEST(Lifecycle, PgIsReadyReportsEachState) {
  Cluster c;
  std::string args = " -h " + c.sockdir() + " -p " + std::to_string(c.port());
  EXPECT_EQ(RunCommand("pg_isready" + args).exit_code, 2);  // no response
  c.Start();
  CommandResult up = RunCommand("pg_isready" + args);
  EXPECT_EQ(up.exit_code, 0) << up.out;
  EXPECT_NE(up.out.find("accepting connections"), std::string::npos);
  CommandResult tcp = RunCommand("pg_isready -h 127.0.0.1 -p " + std::to_string(c.port()));
  EXPECT_EQ(tcp.exit_code, 0) << tcp.out;
  c.StopWith(SIGINT);
  EXPECT_EQ(RunCommand("pg_isready" + args).exit_code, 2);
}

TEST(Lifecycle, DataDirectoryProblemsAreClearErrors) {
  Cluster c;
  CommandResult missing = RunCommand(c.tusk_binary() + " server -D " + c.sockdir() + "/nonexistent");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.out.find("could not access the server configuration file"), std::string::npos) << missing.out;
  RunCommand("chmod 0755 " + c.datadir());
  CommandResult perms = RunCommand(c.tusk_binary() + " server -D " + c.datadir());
  EXPECT_EQ(perms.exit_code, 1);
  EXPECT_NE(perms.out.find("FATAL:  data directory \"" + c.datadir() + "\" has invalid permissions"),
            std::string::npos)
      << perms.out;
  EXPECT_NE(perms.out.find("DETAIL:  Permissions should be u=rwx (0700) or u=rwx,g=rx (0750)."), std::string::npos);
}

}  // namespace
}  // namespace tusk::test

namespace tusk::test {
namespace {

TEST(Lifecycle, CheckpointCommandWritesACheckpointAndRecoveryStartsThere) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  // Before the checkpoint: CREATE ROLE writes WAL (a pg_authid row).
  Result role(PQexec(conn.get(), "CREATE ROLE plain LOGIN"));
  ASSERT_EQ(PQresultStatus(role.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn.get());
  size_t from = c.LogSize();
  Result r(PQexec(conn.get(), "CHECKPOINT"));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn.get());
  EXPECT_STREQ(PQcmdStatus(r.get()), "CHECKPOINT");
  EXPECT_NE(c.WaitForLog("LOG:  checkpoint starting: immediate force wait", 10, from), std::string::npos);
  EXPECT_NE(c.WaitForLog("LOG:  checkpoint complete: wrote ", 10, from), std::string::npos);
  Conn plain = c.Connect("postgres", "plain");
  Result denied(PQexec(plain.get(), "CHECKPOINT"));
  EXPECT_EQ(SqlState(denied.get()), "42501");
  EXPECT_STREQ(PQresultErrorField(denied.get(), PG_DIAG_MESSAGE_PRIMARY), "must be superuser or have privileges of pg_checkpoint to do CHECKPOINT");
  // A crash now replays from that checkpoint: the WAL ends right after it.
  conn.reset();
  plain.reset();
  c.StopWith(SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  from = c.LogSize();
  c.Start();
  EXPECT_NE(c.WaitForLog("LOG:  invalid record length at ", 10, from), std::string::npos) << c.ReadLog().substr(from);
  EXPECT_NE(c.ReadLog().find(": wanted 24, got 0", from), std::string::npos);
  EXPECT_NE(c.WaitForLog("LOG:  redo is not required", 10, from), std::string::npos);
}

}  // namespace
}  // namespace tusk::test
