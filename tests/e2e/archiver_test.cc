// The WAL archiver (contract sections 3, 4.3, 5 and 6 with PostgreSQL 15's
// pgarch): archive_command per completed segment, .ready/.done status files,
// its process title, pg_stat_archiver, failures and a reload that fixes
// them, crash handling, segments kept until archived, and the last round at
// shutdown.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

namespace fs = std::filesystem;

bool WaitFor(const std::function<bool()>& cond, int timeout_seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return cond();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Segment names with a status file of this suffix (".ready", ".done").
std::set<std::string> StatusFiles(const Cluster& c, const std::string& suffix) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(c.datadir() + "/pg_wal/archive_status", ec)) {
    std::string n = e.path().filename().string();
    if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.insert(n.substr(0, n.size() - suffix.size()));
  }
  return out;
}

std::set<std::string> Files(const std::string& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.insert(e.path().filename().string());
  return out;
}

std::string ArchiveDir(const Cluster& c) {
  std::string d = c.sockdir() + "/archive";
  fs::create_directories(d);
  return d;
}

// Some WAL: with archive_timeout set, the checkpointer completes the segment soon after.
void WriteSomething(Cluster& c, const std::string& table) {
  Conn conn = c.Connect();
  std::string values;
  for (int i = 1; i <= 100; ++i) values += (i > 1 ? ",(" : "(") + std::to_string(i) + ")";
  Result r(PQexec(conn.get(), ("CREATE TABLE " + table + " (a int); INSERT INTO " + table + " VALUES " + values).c_str()));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn.get());
}

TEST(Archiver, ArchivesCompletedSegmentsWithTitleAndStats) {
  Cluster c;
  std::string arch = ArchiveDir(c);
  c.AppendConf("archive_mode = on\narchive_command = 'cp %p " + arch + "/%f'\narchive_timeout = 1\ncluster_name = 'c1'\n"
               "autovacuum = off");  // nothing but the test writes WAL
  c.Start();
  pid_t archiver = c.WaitForChild("archiver process");
  ASSERT_NE(archiver, 0) << c.ReadLog();
  EXPECT_EQ(ProcessTitle(archiver), "tusk: c1: archiver process");
  WriteSomething(c, "t1");
  ASSERT_TRUE(WaitFor([&] { return !StatusFiles(c, ".done").empty(); }, 20)) << c.ReadLog();
  std::string seg = *StatusFiles(c, ".done").begin();
  // The copy is the segment, byte for byte.
  std::string original = ReadFile(c.datadir() + "/pg_wal/" + seg);
  EXPECT_EQ(original.size(), 16u * 1024 * 1024);
  EXPECT_TRUE(ReadFile(arch + "/" + seg) == original);
  EXPECT_EQ(StatusFiles(c, ".ready").count(seg), 0u);
  // The title names the last one archived.
  std::string last = *StatusFiles(c, ".done").rbegin();
  EXPECT_TRUE(WaitFor([&] { return ProcessTitle(archiver) == "tusk: c1: archiver process last was " + last; }, 5))
      << ProcessTitle(archiver);

  Conn conn = c.Connect();
  EXPECT_EQ(QueryValue(conn.get(), "SELECT archived_count >= 1 AND failed_count = 0 AND last_failed_wal IS NULL AND "
                                   "last_failed_time IS NULL AND last_archived_time IS NOT NULL AND "
                                   "stats_reset IS NOT NULL FROM pg_stat_archiver"),
            "t");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT count(*) FROM pg_stat_archiver WHERE last_archived_wal = '" + last + "'"), "1");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT backend_type FROM pg_stat_activity WHERE pid = " + std::to_string(archiver)),
            "archiver");
  // The parameters as PostgreSQL shows them.
  EXPECT_EQ(QueryValue(conn.get(), "SHOW archive_timeout"), "1s");
  EXPECT_EQ(QueryValue(conn.get(), "SHOW archive_mode"), "on");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT string_agg(name || ':' || coalesce(unit, '') || ':' || context || ':' || "
                                   "vartype || ':' || boot_val, ',' ORDER BY name) FROM pg_settings WHERE name IN "
                                   "('archive_mode', 'archive_command', 'archive_timeout')"),
            "archive_command::sighup:string:,archive_mode::postmaster:enum:off,archive_timeout:s:sighup:integer:0");
  // Idle: no further switches once the last segment with records is archived.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  size_t done = StatusFiles(c, ".done").size();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(StatusFiles(c, ".done").size(), done);
}

TEST(Archiver, FailingCommandLogsAndResumesAfterReload) {
  Cluster c;
  std::string arch = ArchiveDir(c);
  c.AppendConf("archive_mode = on\narchive_command = 'exit 3'\narchive_timeout = 1");
  c.Start();
  pid_t archiver = c.WaitForChild("archiver process");
  ASSERT_NE(archiver, 0);
  WriteSomething(c, "t1");
  size_t at = c.WaitForLog("LOG:  archive command failed with exit code 3\n", 20);
  ASSERT_NE(at, std::string::npos) << c.ReadLog();
  EXPECT_NE(c.WaitForLog("DETAIL:  The failed archive command was: exit 3\n", 5), std::string::npos);
  size_t warned = c.WaitForLog("failed too many times, will try again later", 10);
  ASSERT_NE(warned, std::string::npos) << c.ReadLog();
  std::string seg = *StatusFiles(c, ".ready").begin();
  EXPECT_NE(c.ReadLog().find("WARNING:  archiving write-ahead log file \"" + seg +
                             "\" failed too many times, will try again later"),
            std::string::npos)
      << c.ReadLog();
  // Three tries, one second apart.
  std::string log = c.ReadLog();
  size_t tries = 0;
  for (size_t p = log.find("archive command failed with exit code 3"); p != std::string::npos && p < warned;
       p = log.find("archive command failed with exit code 3", p + 1))
    ++tries;
  EXPECT_EQ(tries, 3u) << log;
  EXPECT_EQ(ProcessTitle(archiver), "tusk: archiver process failed on " + seg);
  Conn conn = c.Connect();
  EXPECT_EQ(QueryValue(conn.get(), "SELECT failed_count >= 3 AND last_failed_time IS NOT NULL AND archived_count = 0 "
                                   "FROM pg_stat_archiver"),
            "t");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT last_failed_wal FROM pg_stat_archiver"), seg);
  EXPECT_TRUE(Files(arch).empty());

  // Fixed by a reload: the archiver retries at once (no 60 s wait) and catches up.
  c.AppendConf("archive_command = 'cp %p " + arch + "/%f'");
  kill(c.postmaster_pid(), SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return StatusFiles(c, ".done").count(seg) == 1; }, 10)) << c.ReadLog();
  EXPECT_EQ(Files(arch).count(seg), 1u);
  EXPECT_EQ(c.WaitForChild("archiver process"), archiver);  // the same process all along
  // The counters follow the rename to .done, as in PostgreSQL.
  EXPECT_TRUE(WaitFor([&] { return QueryValue(conn.get(), "SELECT archived_count >= 1 FROM pg_stat_archiver") == "t"; }, 10));
}

TEST(Archiver, CommandKilledBySignalIsFatalAndACrash) {
  Cluster c;
  c.AppendConf("archive_mode = on\narchive_command = 'kill -9 $$'\narchive_timeout = 1");
  c.Start();
  pid_t archiver = c.WaitForChild("archiver process");
  ASSERT_NE(archiver, 0);
  pid_t checkpointer = c.WaitForChild("checkpointer process");
  WriteSomething(c, "t1");
  const std::string fatal = "FATAL:  archive command was terminated by signal 9: Killed\n";
  size_t first = c.WaitForLog(fatal, 20);
  ASSERT_NE(first, std::string::npos) << c.ReadLog();
  EXPECT_NE(c.WaitForLog("[" + std::to_string(archiver) + "] " + fatal, 1), std::string::npos) << c.ReadLog();
  EXPECT_NE(c.WaitForLog("DETAIL:  The failed archive command was: kill -9 $$\n", 5), std::string::npos);
  // The contract (4.3, 6): only the launcher and the collector may exit 1;
  // the archiver's FATAL is a crash that restarts everything.
  for (const std::string& line : {"LOG:  archiver process (PID " + std::to_string(archiver) + ") exited with exit code 1",
                                  std::string("LOG:  terminating any other active server processes"),
                                  std::string("LOG:  all server processes terminated; reinitializing")})
    EXPECT_NE(c.WaitForLog(line, 15, first), std::string::npos) << line << "\n" << c.ReadLog().substr(first);
  EXPECT_TRUE(WaitFor([&] { return !ProcessAlive(checkpointer); }, 5));
}

TEST(Archiver, KilledArchiverIsACrash) {
  Cluster c;
  std::string arch = ArchiveDir(c);
  c.AppendConf("archive_mode = on\narchive_command = 'cp %p " + arch + "/%f'");
  c.Start();
  pid_t archiver = c.WaitForChild("archiver process");
  ASSERT_NE(archiver, 0);
  pid_t checkpointer = c.WaitForChild("checkpointer process");
  size_t from = c.LogSize();
  kill(archiver, SIGKILL);
  ASSERT_NE(c.WaitForLog("LOG:  archiver process (PID " + std::to_string(archiver) + ") was terminated by signal 9: Killed",
                         10, from),
            std::string::npos)
      << c.ReadLog();
  for (const char* line : {"LOG:  terminating any other active server processes",
                           "LOG:  all server processes terminated; reinitializing",
                           "LOG:  database system is ready to accept connections"})
    EXPECT_NE(c.WaitForLog(line, 15, from), std::string::npos) << line << "\n" << c.ReadLog().substr(from);
  EXPECT_TRUE(WaitFor([&] { return !ProcessAlive(checkpointer); }, 5));
  pid_t again = c.WaitForChild("archiver process", 15);
  EXPECT_NE(again, 0);
  EXPECT_NE(again, archiver);
  EXPECT_TRUE(c.WaitReady());
}

TEST(Archiver, NotRunningWithArchiveModeOff) {
  Cluster c;
  c.AppendConf("archive_timeout = 1");  // switches happen, but nothing is marked for archiving
  c.Start();
  ASSERT_NE(c.WaitForChild("autovacuum launcher process"), 0);
  WriteSomething(c, "t1");
  std::this_thread::sleep_for(std::chrono::seconds(3));
  for (const auto& [pid, title] : c.ChildTitles()) EXPECT_EQ(title.find("archiver"), std::string::npos) << title;
  EXPECT_TRUE(StatusFiles(c, ".ready").empty());
  Conn conn = c.Connect();
  EXPECT_EQ(QueryValue(conn.get(), "SHOW archive_mode"), "off");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT archived_count FROM pg_stat_archiver"), "0");
}

TEST(Archiver, UnarchivedSegmentsSurviveCheckpoints) {
  Cluster c;
  std::string arch = ArchiveDir(c);
  c.AppendConf("archive_mode = on\narchive_command = ''\narchive_timeout = 1\nmin_wal_size = 32MB");
  c.Start();
  ASSERT_NE(c.WaitForChild("archiver process"), 0);
  for (int i = 0; i < 3; ++i) {
    WriteSomething(c, "t" + std::to_string(i));
    size_t n = StatusFiles(c, ".ready").size();
    ASSERT_TRUE(WaitFor([&] { return StatusFiles(c, ".ready").size() > n; }, 10)) << c.ReadLog();
  }
  EXPECT_NE(c.WaitForLog("WARNING:  archive_mode enabled, yet archiving is not configured", 10), std::string::npos)
      << c.ReadLog();
  std::set<std::string> ready = StatusFiles(c, ".ready");
  ASSERT_GE(ready.size(), 3u);
  Conn conn = c.Connect();
  for (int i = 0; i < 2; ++i) {
    Result r(PQexec(conn.get(), "CHECKPOINT"));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK);
  }
  for (const std::string& seg : ready) {
    EXPECT_TRUE(fs::exists(c.datadir() + "/pg_wal/" + seg)) << seg;
    EXPECT_EQ(StatusFiles(c, ".ready").count(seg), 1u) << seg;
  }
  // Once archived, the next checkpoint may recycle them.
  c.AppendConf("archive_command = 'cp %p " + arch + "/%f'");
  kill(c.postmaster_pid(), SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return StatusFiles(c, ".ready").empty(); }, 15)) << c.ReadLog();
  for (const std::string& seg : ready) EXPECT_EQ(Files(arch).count(seg), 1u) << seg;
  for (int i = 0; i < 2; ++i) {
    Result r(PQexec(conn.get(), "CHECKPOINT"));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK);
  }
  for (const std::string& seg : ready) {
    EXPECT_FALSE(fs::exists(c.datadir() + "/pg_wal/" + seg)) << seg;
    EXPECT_EQ(StatusFiles(c, ".done").count(seg), 0u) << seg;
  }
}

TEST(Archiver, CrashRecoveryReplaysAcrossSwitchesAndArchivingResumes) {
  Cluster c;
  std::string arch = ArchiveDir(c);
  c.AppendConf("archive_mode = on\narchive_command = 'exit 1'\narchive_timeout = 1\nautovacuum = off");
  c.Start();
  WriteSomething(c, "t1");
  ASSERT_TRUE(WaitFor([&] { return !StatusFiles(c, ".ready").empty(); }, 20)) << c.ReadLog();
  {
    // After the switch: these records live in the next segment.
    Conn conn = c.Connect();
    Result r(PQexec(conn.get(), "INSERT INTO t1 VALUES (101), (102); CREATE TABLE t2 (b text); INSERT INTO t2 VALUES ('x')"));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn.get());
  }
  std::set<std::string> ready = StatusFiles(c, ".ready");
  c.StopWith(SIGQUIT);  // immediate: no checkpoint, crash recovery at the next start
  c.AppendConf("archive_command = 'cp %p " + arch + "/%f'");
  size_t from = c.LogSize();
  c.Start();
  EXPECT_NE(c.WaitForLog("LOG:  database system was not properly shut down; automatic recovery in progress", 5, from),
            std::string::npos)
      << c.ReadLog().substr(from);
  Conn conn = c.Connect();
  EXPECT_EQ(QueryValue(conn.get(), "SELECT count(*) FROM t1"), "102");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT b FROM t2"), "x");
  ASSERT_TRUE(WaitFor([&] { return StatusFiles(c, ".ready").empty(); }, 15)) << c.ReadLog();
  for (const std::string& seg : ready) EXPECT_EQ(Files(arch).count(seg), 1u) << seg;
}

TEST(Archiver, ShutdownArchivesTheLastSegments) {
  Cluster c;
  std::string arch = ArchiveDir(c);
  c.AppendConf("archive_mode = on\narchive_command = 'cp %p " + arch + "/%f'");  // no archive_timeout
  c.Start();
  pid_t archiver = c.WaitForChild("archiver process");
  ASSERT_NE(archiver, 0);
  WriteSomething(c, "t1");
  std::set<std::string> before = Files(c.datadir() + "/pg_wal");
  EXPECT_TRUE(StatusFiles(c, ".ready").empty());
  EXPECT_TRUE(Files(arch).empty());
  size_t from = c.LogSize();
  int status = c.StopWith(SIGINT);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  // The segment holding the table's records was completed before the
  // shutdown checkpoint and archived before the postmaster exited.
  std::set<std::string> archived = Files(arch);
  ASSERT_FALSE(archived.empty()) << c.ReadLog().substr(from);
  EXPECT_TRUE(StatusFiles(c, ".ready").empty());
  for (const std::string& seg : archived) {
    EXPECT_EQ(before.count(seg), 1u) << seg;
    // (The shutdown checkpoint may already have recycled a segment archived quickly.)
    if (fs::exists(c.datadir() + "/pg_wal/" + seg)) {
      EXPECT_TRUE(ReadFile(arch + "/" + seg) == ReadFile(c.datadir() + "/pg_wal/" + seg)) << seg;
    }
  }
  std::string log = c.ReadLog().substr(from);
  size_t ckpt = log.find("checkpoint complete:");
  size_t down = log.find("LOG:  database system is shut down");
  ASSERT_NE(ckpt, std::string::npos) << log;
  ASSERT_NE(down, std::string::npos) << log;
  EXPECT_FALSE(ProcessAlive(archiver));
  // Restart: the data is there, and the counters survived the clean stop.
  c.Start();
  Conn conn = c.Connect();
  EXPECT_EQ(QueryValue(conn.get(), "SELECT count(*) FROM t1"), "100");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT archived_count FROM pg_stat_archiver"), std::to_string(archived.size()));
  EXPECT_EQ(QueryValue(conn.get(), "SELECT last_archived_wal FROM pg_stat_archiver"), *archived.rbegin());
}

}  // namespace
}  // namespace tusk::test
