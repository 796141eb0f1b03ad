// The control verbs against a real server: start/stop/restart/reload/status/kill
// with pg_ctl's messages and exit codes, and `tusk initdb`.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <regex>

#include <fstream>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

class CtlTest : public ::testing::Test {
 protected:
  std::string Ctl(const std::string& args) { return c_.tusk_binary() + " " + args + " -D " + c_.datadir(); }
  Cluster c_;
};

TEST_F(CtlTest, StartStatusRestartStop) {
  std::string log = c_.sockdir() + "/ctl.log";
  CommandResult start = RunCommand(Ctl("start -l " + log));
  EXPECT_EQ(start.exit_code, 0) << start.out;
  EXPECT_NE(start.out.find("waiting for server to start...."), std::string::npos) << start.out;
  EXPECT_NE(start.out.find(" done\nserver started\n"), std::string::npos) << start.out;
  Conn conn(PQconnectdb(c_.Conninfo().c_str()));
  EXPECT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  conn.reset();

  CommandResult again = RunCommand(Ctl("start -l " + log));
  EXPECT_EQ(again.exit_code, 1) << again.out;
  EXPECT_NE(again.out.find("tusk: another server might be running; trying to start server anyway"),
            std::string::npos)
      << again.out;
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("FATAL:  lock file \"postmaster.pid\" already exists"), std::string::npos) << text;

  CommandResult status = RunCommand(Ctl("status"));
  EXPECT_EQ(status.exit_code, 0) << status.out;
  EXPECT_NE(status.out.find("tusk: server is running (PID: "), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("\"server\" \"-D\""), std::string::npos) << status.out;

  CommandResult restart = RunCommand(Ctl("restart -m fast -l " + log));
  EXPECT_EQ(restart.exit_code, 0) << restart.out;
  EXPECT_NE(restart.out.find("server stopped"), std::string::npos);
  EXPECT_NE(restart.out.find("server started"), std::string::npos);

  CommandResult stop = RunCommand(Ctl("stop -m smart"));
  EXPECT_EQ(stop.exit_code, 0) << stop.out;
  // pg_ctl prints one more dot per second waited: three or more, then done.
  EXPECT_TRUE(std::regex_search(stop.out, std::regex("waiting for server to shut down\\.{3,} done\nserver stopped\n")))
      << stop.out;
  CommandResult down = RunCommand(Ctl("status"));
  EXPECT_EQ(down.exit_code, 3);
  EXPECT_NE(down.out.find("tusk: no server running"), std::string::npos);
  CommandResult stop2 = RunCommand(Ctl("stop"));
  EXPECT_EQ(stop2.exit_code, 1);
  EXPECT_NE(stop2.out.find("tusk: PID file \"" + c_.datadir() + "/postmaster.pid\" does not exist"),
            std::string::npos)
      << stop2.out;
  EXPECT_NE(stop2.out.find("Is server running?"), std::string::npos);
}

TEST_F(CtlTest, ImmediateStopAndKill) {
  std::string log = c_.sockdir() + "/ctl.log";
  ASSERT_EQ(RunCommand(Ctl("start -w -l " + log)).exit_code, 0);
  std::ifstream pidfile(c_.datadir() + "/postmaster.pid");
  long pid = 0;
  pidfile >> pid;
  CommandResult hup = RunCommand(c_.tusk_binary() + " kill HUP " + std::to_string(pid));
  EXPECT_EQ(hup.exit_code, 0) << hup.out;
  CommandResult bad = RunCommand(c_.tusk_binary() + " kill FOO " + std::to_string(pid));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("unrecognized signal name \"FOO\""), std::string::npos) << bad.out;
  CommandResult stop = RunCommand(Ctl("stop -m immediate"));
  EXPECT_EQ(stop.exit_code, 0) << stop.out;
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("received SIGHUP, reloading configuration files"), std::string::npos) << text;
  EXPECT_NE(text.find("received immediate shutdown request"), std::string::npos) << text;
  // The PID file goes just before the process ends (as in PostgreSQL), so
  // its exit may trail `stop` by a moment; it must not outlive a few seconds.
  for (int i = 0; i < 50 && ProcessAlive(static_cast<pid_t>(pid)); ++i) usleep(100 * 1000);
  EXPECT_FALSE(ProcessAlive(static_cast<pid_t>(pid)));
}

TEST_F(CtlTest, NoDataDirectory) {
  CommandResult r = RunCommand("env -u PGDATA " + c_.tusk_binary() + " status");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("tusk: no database directory specified and environment variable PGDATA unset"),
            std::string::npos)
      << r.out;
  CommandResult viaenv = RunCommand("PGDATA=" + c_.datadir() + " " + c_.tusk_binary() + " status");
  EXPECT_EQ(viaenv.exit_code, 3) << viaenv.out;
}

TEST(Initdb, RefusesNonEmptyDirectoryAndNeedsPasswordForScram) {
  Cluster c;
  CommandResult again = RunCommand(c.tusk_binary() + " initdb -D " + c.datadir());
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.out.find("initdb: error: directory \"" + c.datadir() + "\" exists but is not empty"),
            std::string::npos)
      << again.out;
  CommandResult scram = RunCommand(c.tusk_binary() + " initdb -D " + c.sockdir() + "/d2 --auth scram-sha-256");
  EXPECT_EQ(scram.exit_code, 1);
  EXPECT_NE(scram.out.find("must specify a password for the superuser to enable password authentication"),
            std::string::npos)
      << scram.out;
  std::ofstream(c.sockdir() + "/pw") << "s3cret\n";
  CommandResult ok = RunCommand(c.tusk_binary() + " initdb -N -U admin -D " + c.sockdir() +
                                "/d3 --auth scram-sha-256 --pwfile " + c.sockdir() + "/pw");
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
}

// Workers go to the databases with statistics, one about every naptime
// each: postgres (the test's connection) and a database created since, once
// a session has been in it; never template0, which nobody connects to.
TEST(Autovacuum, LauncherStartsWorkersEveryNaptime) {
  Cluster c;
  c.AppendConf("autovacuum_naptime = 1\nlog_min_messages = debug1");
  c.Start();
  EXPECT_NE(c.WaitForLog("autovacuum: processing database \"postgres\"", 10), std::string::npos) << c.ReadLog();
  ASSERT_EQ(c.Psql("CREATE DATABASE other").exit_code, 0);
  EXPECT_EQ(c.WaitForLog("autovacuum: processing database \"other\"", 3), std::string::npos) << c.ReadLog();
  Conn conn = c.Connect("other");
  ASSERT_EQ(QueryValue(conn.get(), "SELECT 1"), "1");
  conn.reset();  // its counts reach the collector at the latest when it ends
  size_t at = c.WaitForLog("autovacuum: processing database \"other\"", 10);
  ASSERT_NE(at, std::string::npos) << c.ReadLog();
  // Then both in turn.
  at = c.WaitForLog("autovacuum: processing database \"postgres\"", 10, at);
  ASSERT_NE(at, std::string::npos) << c.ReadLog();
  EXPECT_NE(c.WaitForLog("autovacuum: processing database \"other\"", 10, at), std::string::npos) << c.ReadLog();
  EXPECT_EQ(c.ReadLog().find("autovacuum: processing database \"template0\""), std::string::npos);
}

TEST(Stats, CollectorAggregatesSessionCounters) {
  Cluster c;
  c.Start();
  {
    Conn a = c.Connect();
    for (int i = 0; i < 5; ++i) QueryValue(a.get(), "SELECT 1");
    Result b(PQexec(a.get(), "BEGIN"));
    Result r(PQexec(a.get(), "ROLLBACK"));
  }
  Conn probe = c.Connect();
  std::string q = "SELECT sessions >= 1, xact_commit >= 5, xact_rollback >= 1, statements >= 7, numbackends "
                  "FROM pg_stat_database WHERE datname = 'postgres'";
  std::string got;
  for (int i = 0; i < 50; ++i) {
    Result r(PQexec(probe.get(), q.c_str()));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(probe.get());
    got = std::string(PQgetvalue(r.get(), 0, 0)) + PQgetvalue(r.get(), 0, 1) + PQgetvalue(r.get(), 0, 2) +
          PQgetvalue(r.get(), 0, 3) + PQgetvalue(r.get(), 0, 4);
    if (got == "tttt1") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(got, "tttt1");
  // Totals survive a clean restart.
  probe.reset();
  c.StopWith(SIGINT);
  c.Start();
  Conn after = c.Connect();
  EXPECT_EQ(QueryValue(after.get(), "SELECT xact_commit >= 5 FROM pg_stat_database WHERE datname = 'postgres'"), "t");
}

TEST(Auth, AuthenticationTimeoutDropsSilentClients) {
  Cluster c;
  c.AppendConf("authentication_timeout = 1");
  c.Start();
  CommandResult r = RunCommand("timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(c.port()) +
                               "; cat <&3 >/dev/null; echo closed'");
  EXPECT_NE(r.out.find("closed"), std::string::npos) << r.out;
  Conn ok = c.Connect();
  EXPECT_EQ(PQstatus(ok.get()), CONNECTION_OK);
}

}  // namespace
}  // namespace tusk::test

namespace tusk::test {
namespace {

TEST(Systemd, NotifySocketGetsReadyAndStopping) {
  Cluster c;
  std::string sock = c.sockdir() + "/notify.sock";
  // A datagram listener standing in for systemd.
  CommandResult r = RunCommand(
      "python3 -c \"import socket,os,subprocess,time\n"
      "s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.bind('" + sock + "'); s.settimeout(20)\n"
      "p=subprocess.Popen(['" + c.tusk_binary() + "','server','-D','" + c.datadir() + "'],"
      "env=dict(os.environ,NOTIFY_SOCKET='" + sock + "'),stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)\n"
      "print(s.recv(4096).decode().split()[0]); p.send_signal(2); print(s.recv(4096).decode().split()[0]); p.wait()\"",
      60);
  EXPECT_EQ(r.out, "READY=1\nSTOPPING=1\n") << r.out;
}

}  // namespace
}  // namespace tusk::test
