// Contract section 3: the process tree and every process title, read from /proc.
#include <signal.h>

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

std::multiset<std::string> Titles(const Cluster& c) {
  std::multiset<std::string> out;
  for (const auto& [pid, title] : c.ChildTitles()) out.insert(title);
  return out;
}

TEST(Titles, AuxiliaryProcessesAndPostmaster) {
  Cluster c;
  c.Start();
  ASSERT_NE(c.WaitForChild("autovacuum launcher process"), 0);
  auto titles = Titles(c);
  for (const char* t : {"tusk: checkpointer process", "tusk: writer process", "tusk: wal writer process",
                        "tusk: autovacuum launcher process", "tusk: stats collector process"})
    EXPECT_EQ(titles.count(t), 1u) << t;
  EXPECT_EQ(titles.count("tusk: logger process"), 0u) << "logging_collector is off by default";
  // The postmaster keeps its command line.
  std::string pm = ProcessTitle(c.postmaster_pid());
  EXPECT_NE(pm.find("tusk server -D " + c.datadir()), std::string::npos) << pm;
}

TEST(Titles, ClusterNamePrefixesChildrenOnly) {
  Cluster c;
  c.AppendConf("cluster_name = 'c1'");
  c.Start();
  ASSERT_NE(c.WaitForChild("autovacuum launcher"), 0);
  auto titles = Titles(c);
  EXPECT_EQ(titles.count("tusk: c1: checkpointer process"), 1u);
  EXPECT_EQ(titles.count("tusk: c1: writer process"), 1u);
  Conn conn = c.Connect();
  pid_t pid = PQbackendPID(conn.get());
  EXPECT_EQ(ProcessTitle(pid), "tusk: c1: " + c.superuser() + " postgres [local] idle");
  EXPECT_EQ(ProcessTitle(c.postmaster_pid()).find("c1"), std::string::npos);
}

TEST(Titles, ClusterNameKeepsOnlyPrintableAscii) {
  Cluster c;
  c.AppendConf("cluster_name = 'caf\xc3\xa9'");
  c.Start();
  EXPECT_NE(c.WaitForChild("tusk: caf??: checkpointer process"), 0) << c.ReadLog();
}

TEST(Titles, BackendShowsUserDatabaseHostAndState) {
  Cluster c;
  c.Start();
  Conn local = c.Connect();
  Conn tcp = c.Connect("postgres", "", true);
  ASSERT_EQ(PQstatus(tcp.get()), CONNECTION_OK) << PQerrorMessage(tcp.get());
  std::string u = c.superuser();
  EXPECT_EQ(ProcessTitle(PQbackendPID(local.get())), "tusk: " + u + " postgres [local] idle");
  std::string t = ProcessTitle(PQbackendPID(tcp.get()));
  EXPECT_EQ(t.rfind("tusk: " + u + " postgres 127.0.0.1(", 0), 0u) << t;
  EXPECT_EQ(t.substr(t.size() - 6), ") idle") << t;
  Result b(PQexec(local.get(), "BEGIN"));
  EXPECT_EQ(ProcessTitle(PQbackendPID(local.get())), "tusk: " + u + " postgres [local] idle in transaction");
  Result e(PQexec(local.get(), "SELECT 1/0"));
  EXPECT_EQ(ProcessTitle(PQbackendPID(local.get())),
            "tusk: " + u + " postgres [local] idle in transaction (aborted)");
  Result rb(PQexec(local.get(), "ROLLBACK"));
  PQsendQuery(tcp.get(), "SELECT pg_sleep(2)");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  t = ProcessTitle(PQbackendPID(tcp.get()));
  EXPECT_EQ(t.substr(t.size() - 7), " SELECT") << t;
  while (Result r{PQgetResult(tcp.get())}) {
  }
}

TEST(Titles, UpdateProcessTitleOffFreezesState) {
  Cluster c;
  c.AppendConf("update_process_title = off");
  c.Start();
  Conn conn = c.Connect();
  Result b(PQexec(conn.get(), "BEGIN"));
  std::string t = ProcessTitle(PQbackendPID(conn.get()));
  EXPECT_EQ(t.find("idle in transaction"), std::string::npos) << t;
  EXPECT_EQ(t.rfind("tusk: " + c.superuser() + " postgres [local]", 0), 0u) << t;
}

TEST(Titles, LoggerProcessWithLoggingCollector) {
  Cluster c;
  c.AppendConf("logging_collector = on\nlog_directory = 'pg_log'\nlog_filename = 'server-%Y.log'");
  c.Start();
  EXPECT_NE(c.WaitForChild("tusk: logger process"), 0);
  EXPECT_NE(c.ReadLog().find("redirecting log output to logging collector process"), std::string::npos);
  Conn conn = c.Connect();
  Result r(PQexec(conn.get(), "SELECT 1/0"));
  CommandResult files = RunCommand("sleep 0.5; cat " + c.datadir() + "/pg_log/server-*.log");
  EXPECT_NE(files.out.find("database system is ready to accept connections"), std::string::npos) << files.out;
  EXPECT_NE(files.out.find("ERROR:  division by zero"), std::string::npos) << files.out;
}

// During crash recovery the startup process names the segment it replays.
TEST(Titles, StartupProcessShowsTheSegmentItRecovers) {
  Cluster c;
  c.AppendConf("checkpoint_timeout = '1h'\nmax_wal_size = '4GB'");
  c.Start();
  {
    Conn conn = c.Connect();
    for (const char* sql : {"CREATE TABLE w (a int, b text)", "CHECKPOINT",
                            "INSERT INTO w SELECT g, repeat('x', 100) FROM generate_series(1, 600000) g"}) {
      Result r(PQexec(conn.get(), sql));
      ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << sql << ": " << PQresultErrorMessage(r.get());
    }
  }
  ASSERT_EQ(c.StopWith(SIGQUIT), 0);
  c.Start("", false);
  std::string seen;
  const std::string conninfo = c.Conninfo();
  for (int i = 0; i < 60000 && seen.empty() && PQping(conninfo.c_str()) != PQPING_OK; ++i) {
    for (const auto& [pid, title] : c.ChildTitles())
      if (title.rfind("tusk: startup process recovering ", 0) == 0) seen = title;
  }
  ASSERT_FALSE(seen.empty()) << "no startup process title seen during recovery";
  const std::string segment = seen.substr(std::string("tusk: startup process recovering ").size());
  EXPECT_EQ(segment.size(), 24u) << seen;
  EXPECT_EQ(segment.find_first_not_of("0123456789ABCDEF"), std::string::npos) << seen;
  EXPECT_EQ(segment.substr(0, 8), "00000001") << seen;
  EXPECT_TRUE(c.WaitReady(60));
}

TEST(Titles, PstreeShowsEveryProcessUnderThePostmaster) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  ASSERT_NE(c.WaitForChild("autovacuum launcher"), 0);
  CommandResult tree = RunCommand("pstree -p " + std::to_string(c.postmaster_pid()));
  EXPECT_EQ(tree.exit_code, 0);
  EXPECT_NE(tree.out.find(std::to_string(PQbackendPID(conn.get()))), std::string::npos) << tree.out;
  for (const auto& [pid, title] : c.ChildTitles())
    EXPECT_NE(tree.out.find("(" + std::to_string(pid) + ")"), std::string::npos) << title;
}

}  // namespace
}  // namespace tusk::test
