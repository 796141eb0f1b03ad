// Contract sections 4.3, 6 and 7: a child crashing restarts everything, the
// other sessions are told why, auxiliary processes follow their signal table,
// and nobody outlives the postmaster.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

struct Notices {
  std::vector<std::string> texts;
  static void Receive(void* arg, const PGresult* res) {
    auto* self = static_cast<Notices*>(arg);
    std::string s;
    for (int f : {PG_DIAG_SEVERITY, PG_DIAG_SQLSTATE, PG_DIAG_MESSAGE_PRIMARY, PG_DIAG_MESSAGE_DETAIL,
                  PG_DIAG_MESSAGE_HINT}) {
      const char* v = PQresultErrorField(res, f);
      s += std::string(v ? v : "") + "|";
    }
    self->texts.push_back(s);
  }
};

TEST(Crash, KilledBackendRestartsEverythingAndWarnsOthers) {
  Cluster c;
  c.Start();
  Conn victim = c.Connect();
  Conn other = c.Connect();
  ASSERT_EQ(PQstatus(victim.get()), CONNECTION_OK);
  ASSERT_EQ(PQstatus(other.get()), CONNECTION_OK);
  Notices notices;
  PQsetNoticeReceiver(other.get(), Notices::Receive, &notices);
  int victim_pid = PQbackendPID(victim.get());
  pid_t checkpointer = c.WaitForChild("checkpointer process");
  ASSERT_NE(checkpointer, 0);
  size_t from = c.LogSize();
  kill(victim_pid, SIGKILL);
  ASSERT_NE(c.WaitForLog("LOG:  server process (PID " + std::to_string(victim_pid) +
                             ") was terminated by signal 9: Killed", 10, from),
            std::string::npos)
      << c.ReadLog();
  for (const char* line : {"LOG:  terminating any other active server processes",
                           "LOG:  all server processes terminated; reinitializing",
                           "LOG:  database system was interrupted; last known up at ",
                           "LOG:  database system was not properly shut down; automatic recovery in progress",
                           "LOG:  redo is not required", "LOG:  database system is ready to accept connections"})
    EXPECT_NE(c.WaitForLog(line, 15, from), std::string::npos) << line << "\n" << c.ReadLog().substr(from);
  // The other session was told, with PostgreSQL's DETAIL and HINT.
  Result r(PQexec(other.get(), "SELECT 1"));
  EXPECT_NE(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  bool warned = false;
  for (const std::string& n : notices.texts)
    warned |= n == "WARNING|57P02|terminating connection because of crash of another server process|"
                   "The postmaster has commanded this server process to roll back the current transaction and "
                   "exit, because another server process exited abnormally and possibly corrupted shared memory.|"
                   "In a moment you should be able to reconnect to the database and repeat your command.|";
  EXPECT_TRUE(warned) << (notices.texts.empty() ? "no notice" : notices.texts[0]);
  // Everything is new except the postmaster.
  EXPECT_TRUE(c.Running());
  EXPECT_FALSE(ProcessAlive(checkpointer));
  EXPECT_NE(c.WaitForChild("checkpointer process"), checkpointer);
  Conn again = c.Connect();
  EXPECT_EQ(PQstatus(again.get()), CONNECTION_OK) << PQerrorMessage(again.get());
}

TEST(Crash, AbortedAuxiliaryProcessIsACrashToo) {
  Cluster c;
  c.Start();
  pid_t writer = c.WaitForChild("writer process");
  ASSERT_NE(writer, 0);
  size_t from = c.LogSize();
  kill(writer, SIGABRT);
  EXPECT_NE(c.WaitForLog("LOG:  background writer process (PID " + std::to_string(writer) +
                             ") was terminated by signal 6: Aborted", 10, from),
            std::string::npos)
      << c.ReadLog().substr(from);
  EXPECT_NE(c.WaitForLog("LOG:  all server processes terminated; reinitializing", 10, from), std::string::npos);
  EXPECT_NE(c.WaitForLog("LOG:  database system is ready to accept connections", 10, from), std::string::npos);
}

TEST(Crash, RestartAfterCrashOffShutsDown) {
  Cluster c;
  c.AppendConf("restart_after_crash = off");
  c.Start();
  Conn victim = c.Connect();
  size_t from = c.LogSize();
  kill(PQbackendPID(victim.get()), SIGKILL);
  int status = c.StopWith(0, 20);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << status;
  EXPECT_NE(c.ReadLog().find("shutting down because restart_after_crash is off", from), std::string::npos)
      << c.ReadLog().substr(from);
  EXPECT_TRUE(c.Children().empty());
}

TEST(Crash, ConnectionsDuringRecoveryGetCannotConnectNow) {
  Cluster c;
  c.Start();
  Conn victim = c.Connect();
  kill(PQbackendPID(victim.get()), SIGKILL);
  // Hammer the server while it restarts: every refusal must be 57P03 with one of the contract's texts.
  int refused = 0;
  for (int i = 0; i < 200; ++i) {
    Conn probe = c.Connect();
    if (PQstatus(probe.get()) == CONNECTION_OK) break;
    std::string err = PQerrorMessage(probe.get());
    if (err.find("in recovery mode") != std::string::npos || err.find("starting up") != std::string::npos)
      ++refused;
    else if (err.find("server closed the connection unexpectedly") == std::string::npos) {
      // A probe accepted just before the postmaster saw the crash is closed without a message,
      // as PostgreSQL's quickdie does for a backend still authenticating.
      EXPECT_NE(err.find("Connection refused"), std::string::npos) << err;
    }
  }
  SUCCEED() << refused << " connections refused during recovery";
  EXPECT_TRUE(c.WaitReady());
}

TEST(Crash, AuxiliaryProcessesFollowTheirSignalTable) {
  Cluster c;
  c.Start();
  // SIGTERM: normal exit, restarted without a crash cycle.
  pid_t writer = c.WaitForChild("tusk: writer process");
  ASSERT_NE(writer, 0);
  size_t from = c.LogSize();
  kill(writer, SIGTERM);
  pid_t new_writer = 0;
  for (int i = 0; i < 100 && (new_writer == 0 || new_writer == writer); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    new_writer = c.WaitForChild("tusk: writer process", 1);
  }
  EXPECT_NE(new_writer, writer);
  pid_t walwriter = c.WaitForChild("tusk: wal writer process");
  kill(walwriter, SIGTERM);
  pid_t launcher = c.WaitForChild("tusk: autovacuum launcher process");
  kill(launcher, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_NE(c.WaitForChild("tusk: wal writer process"), 0);
  EXPECT_NE(c.WaitForChild("tusk: autovacuum launcher process"), 0);
  EXPECT_EQ(c.ReadLog().find("terminating any other active server processes", from), std::string::npos)
      << c.ReadLog().substr(from);
  // SIGINT to the checkpointer: a checkpoint now.
  pid_t checkpointer = c.WaitForChild("tusk: checkpointer process");
  kill(checkpointer, SIGINT);
  EXPECT_NE(c.WaitForLog("LOG:  checkpoint starting: immediate force wait", 10, from), std::string::npos);
  // SIGHUP to any of them: a reload, nothing else.
  kill(checkpointer, SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(ProcessAlive(checkpointer));
  // SIGQUIT: immediate exit with status 2, which is a crash.
  pid_t stats = c.WaitForChild("tusk: stats collector process");
  kill(stats, SIGQUIT);
  EXPECT_NE(c.WaitForLog("LOG:  statistics collector process (PID " + std::to_string(stats) +
                             ") exited with exit code 2", 10, from),
            std::string::npos)
      << c.ReadLog().substr(from);
  EXPECT_NE(c.WaitForLog("LOG:  all server processes terminated; reinitializing", 10, from), std::string::npos);
}

TEST(PostmasterDeath, ChildrenLeaveWithinASecond) {
  Cluster c;
  c.Start();
  Conn idle = c.Connect();
  Conn busy = c.Connect();
  PQsendQuery(busy.get(), "SELECT pg_sleep(30)");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<pid_t> children = c.Children();
  ASSERT_GE(children.size(), 6u);
  c.StopWith(SIGKILL);
  auto start = std::chrono::steady_clock::now();
  for (;;) {
    bool any = false;
    for (pid_t p : children) any |= ProcessAlive(p);
    if (!any) break;
    ASSERT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500))
        << "a child outlived the postmaster";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // The next start succeeds anyway.
  c.Start();
}

TEST(PostmasterDeath, AbortedPostmasterLeavesRecoveryForNextStart) {
  Cluster c;
  c.Start();
  int status = c.StopWith(SIGABRT);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  size_t from = c.LogSize();
  c.Start();
  EXPECT_NE(c.WaitForLog("automatic recovery in progress", 10, from), std::string::npos) << c.ReadLog();
}

}  // namespace
}  // namespace tusk::test

namespace tusk::test {
namespace {

TEST(Crash, ImmediateShutdownKillsStragglersAfterFiveSeconds) {
  Cluster c;
  c.Start();
  Conn frozen = c.Connect();
  int pid = PQbackendPID(frozen.get());
  kill(pid, SIGSTOP);  // it cannot act on SIGQUIT now
  auto start = std::chrono::steady_clock::now();
  int status = c.StopWith(SIGQUIT, 20);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_GE(took, std::chrono::milliseconds(4500));
  EXPECT_LT(took, std::chrono::seconds(9));
  EXPECT_FALSE(ProcessAlive(pid));
}

TEST(Crash, ImmediateShutdownTellsClients) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  std::string notice;
  PQsetNoticeReceiver(
      conn.get(),
      [](void* arg, const PGresult* r) {
        *static_cast<std::string*>(arg) = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
      },
      &notice);
  c.StopWith(SIGQUIT);
  Result r(PQexec(conn.get(), "SELECT 1"));
  EXPECT_EQ(notice, "terminating connection due to immediate shutdown command");
}

TEST(Logger, RotatesOnSigusr1) {
  Cluster c;
  c.AppendConf("logging_collector = on\nlog_directory = 'log'\nlog_filename = 'tusk-%H%M%S.log'");
  c.Start();
  pid_t logger = c.WaitForChild("tusk: logger process");
  ASSERT_NE(logger, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  kill(logger, SIGUSR1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Conn conn = c.Connect();
  Result r(PQexec(conn.get(), "SELECT 1/0"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CommandResult files = RunCommand("ls " + c.datadir() + "/log | wc -l; cat $(ls -1 " + c.datadir() +
                                   "/log/* | tail -1)");
  EXPECT_EQ(files.out.substr(0, 2), "2\n") << files.out;
  EXPECT_NE(files.out.find("ERROR:  division by zero"), std::string::npos) << files.out;
}

}  // namespace
}  // namespace tusk::test
