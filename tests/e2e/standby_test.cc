// Hot standby and streaming replication (contract 10), the standby's side:
// a standby made with PostgreSQL 15's pg_basebackup -R, or the low-level way
// (pg_backup_start, a copy with the lock file, pg_backup_stop), replays what
// the primary writes as it is streamed, takes read-only connections, refuses
// writes with 25006, follows the primary through a restart, survives its own
// restart, and becomes a primary with tusk promote or pg_promote(). A backup
// started without standby.signal recovers to its end and runs as a primary.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

namespace fs = std::filesystem;

const std::string kPgBin = "/usr/lib/postgresql/15/bin/";

// Points a copied data directory at the cluster's own port and socket directory.
void OwnSettings(Cluster& c) {
  c.AppendConf("port = " + std::to_string(c.port()) + "\nunix_socket_directories = '" + c.sockdir() + "'\n");
}

// Replaces `standby`'s data directory by a pg_basebackup of `primary` (-R:
// standby.signal and primary_conninfo).
void BaseBackup(const Cluster& primary, Cluster& standby, const std::string& extra = "-R") {
  fs::remove_all(standby.datadir());
  CommandResult r = RunCommand(kPgBin + "pg_basebackup -h " + primary.sockdir() + " -p " + std::to_string(primary.port()) +
                               " -U " + primary.superuser() + " -c fast " + extra + " -D " + standby.datadir());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  OwnSettings(standby);
}

// Waits until `sql` on the connection returns `want`.
bool Eventually(PGconn* conn, const std::string& sql, const std::string& want, int seconds = 20) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    Result r(PQexec(conn, sql.c_str()));
    if (PQresultStatus(r.get()) == PGRES_TUPLES_OK && PQntuples(r.get()) == 1 && want == PQgetvalue(r.get(), 0, 0))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(Standby, StreamsReplaysServesReadsAndPromotes) {
  Cluster primary;
  primary.Start();
  Conn p = primary.Connect();
  Exec(p.get(), "CREATE TABLE t (a int PRIMARY KEY, b text)");
  Exec(p.get(), "INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 2000) g");

  Cluster standby;
  BaseBackup(primary, standby);
  ASSERT_TRUE(fs::exists(standby.datadir() + "/standby.signal"));
  standby.Start();
  for (const char* line : {"LOG:  entering standby mode", "LOG:  consistent recovery state reached at ",
                           "LOG:  database system is ready to accept read only connections",
                           "LOG:  streaming replication successfully connected to primary"})
    EXPECT_NE(standby.WaitForLog(line), std::string::npos) << line << "\n" << standby.ReadLog();
  EXPECT_EQ(LockFileStatus(standby), "standby");
  EXPECT_NE(primary.WaitForChild("walsender"), 0);
  EXPECT_NE(standby.WaitForChild("walreceiver"), 0);

  Conn s = standby.Connect();
  EXPECT_EQ(QueryValue(s.get(), "SELECT pg_is_in_recovery()"), "t");
  EXPECT_EQ(QueryValue(s.get(), "SELECT count(*) FROM t"), "2000");
  EXPECT_EQ(QueryValue(s.get(), "SHOW transaction_read_only"), "on");
  ExpectErrors(s.get(), {{"INSERT INTO t VALUES (0, 'no')", "25006", "cannot execute INSERT in a read-only transaction"},
                         {"UPDATE t SET b = 'no'", "25006", "cannot execute UPDATE in a read-only transaction"},
                         {"CREATE TABLE u (a int)", "25006", "cannot execute CREATE TABLE in a read-only transaction"}});

  // Rows committed on the primary appear without a restart; an open
  // transaction's do not until it commits.
  Exec(p.get(), "INSERT INTO t VALUES (5000, 'streamed')");
  EXPECT_TRUE(Eventually(s.get(), "SELECT b FROM t WHERE a = 5000", "streamed"));
  // DDL replayed reaches a session that has cached the catalogs.
  Exec(p.get(), "CREATE TABLE later (x int)");
  Exec(p.get(), "INSERT INTO later VALUES (42)");
  EXPECT_TRUE(Eventually(s.get(), "SELECT x FROM later", "42"));
  Exec(p.get(), "ALTER TABLE later ADD COLUMN y int DEFAULT 7");
  EXPECT_TRUE(Eventually(s.get(), "SELECT y FROM later", "7"));
  Conn p2 = primary.Connect();
  Exec(p2.get(), "BEGIN");
  Exec(p2.get(), "UPDATE t SET b = 'pending' WHERE a = 1");
  Exec(p.get(), "INSERT INTO t VALUES (5001, 'marker')");
  ASSERT_TRUE(Eventually(s.get(), "SELECT count(*) FROM t WHERE a = 5001", "1"));
  EXPECT_EQ(QueryValue(s.get(), "SELECT b FROM t WHERE a = 1"), "row 1");
  Exec(p2.get(), "COMMIT");
  EXPECT_TRUE(Eventually(s.get(), "SELECT b FROM t WHERE a = 1", "pending"));
  EXPECT_EQ(QueryValue(primary.Connect().get(), "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"), "1");
  // The standby reports its replay: the primary sees it caught up.
  Conn p3 = primary.Connect();
  EXPECT_TRUE(Eventually(p3.get(), "SELECT replay_lsn = pg_current_wal_lsn() FROM pg_stat_replication", "t"));

  // The primary goes away: the receiver exits; it comes back: streaming resumes.
  p.reset();
  p2.reset();
  ASSERT_EQ(primary.StopWith(SIGINT), 0);
  EXPECT_NE(standby.WaitForLog("replication terminated by primary server"), std::string::npos) << standby.ReadLog();
  const size_t mark = standby.LogSize();
  primary.Start();
  EXPECT_NE(standby.WaitForLog("streaming replication successfully connected to primary", 30, mark), std::string::npos)
      << standby.ReadLog();
  p = primary.Connect();
  Exec(p.get(), "INSERT INTO t VALUES (6000, 'after the restart')");
  EXPECT_TRUE(Eventually(s.get(), "SELECT b FROM t WHERE a = 6000", "after the restart"));

  // The standby's own fast shutdown and restart: still a standby, nothing lost.
  s.reset();
  ASSERT_EQ(standby.StopWith(SIGINT), 0);
  standby.Start();
  s = standby.Connect();
  EXPECT_EQ(QueryValue(s.get(), "SELECT pg_is_in_recovery()"), "t");
  EXPECT_EQ(QueryValue(s.get(), "SELECT count(*) FROM t"), "2003");
  Exec(p.get(), "INSERT INTO t VALUES (7000, 'after the standby restart')");
  EXPECT_TRUE(Eventually(s.get(), "SELECT b FROM t WHERE a = 7000", "after the standby restart"));

  // pg_promote(): the standby takes writes.
  ExpectErrors(p.get(), {{"SELECT pg_promote()", "55000", "recovery is not in progress"}});
  EXPECT_EQ(QueryValue(s.get(), "SELECT pg_promote()"), "t");
  EXPECT_EQ(QueryValue(s.get(), "SELECT pg_is_in_recovery()"), "f");
  EXPECT_EQ(Tag(s.get(), "INSERT INTO t VALUES (8000, 'promoted')"), "INSERT 0 1");
  EXPECT_EQ(QueryValue(s.get(), "SELECT count(*) FROM t"), "2005");
  EXPECT_NE(standby.WaitForLog("LOG:  database system is ready to accept connections"), std::string::npos);
  EXPECT_EQ(LockFileStatus(standby), "ready");
  EXPECT_FALSE(fs::exists(standby.datadir() + "/standby.signal"));
  s.reset();
  ASSERT_EQ(standby.StopWith(SIGINT), 0);
  standby.Start();
  EXPECT_EQ(standby.Psql("SELECT count(*) FROM t").out, "2005\n");
}

TEST(Standby, LowLevelBackupWithCopiedLockFileAndTuskPromote) {
  Cluster primary;
  primary.Start();
  Conn p = primary.Connect();
  Exec(p.get(), "CREATE TABLE t (a int)");
  Exec(p.get(), "INSERT INTO t SELECT generate_series(1, 100)");
  Exec(p.get(), "SELECT pg_backup_start('copy', true)");
  Cluster standby;
  fs::remove_all(standby.datadir());
  // A plain copy of the running primary's directory, lock file included.
  ASSERT_EQ(RunCommand("cp -a " + primary.datadir() + " " + standby.datadir()).exit_code, 0);
  ASSERT_TRUE(fs::exists(standby.datadir() + "/postmaster.pid"));
  Exec(p.get(), "INSERT INTO t SELECT generate_series(101, 150)");  // during the backup
  const std::string label = QueryValue(p.get(), "SELECT labelfile FROM pg_backup_stop()");
  std::ofstream(standby.datadir() + "/backup_label") << label;
  std::ofstream(standby.datadir() + "/standby.signal");
  OwnSettings(standby);
  standby.AppendConf("primary_conninfo = 'host=" + primary.sockdir() + " port=" + std::to_string(primary.port()) +
                     " user=" + primary.superuser() + "'\n");
  standby.Start();
  EXPECT_NE(standby.WaitForLog("starting backup recovery with redo LSN"), std::string::npos) << standby.ReadLog();
  Conn s = standby.Connect();
  EXPECT_TRUE(Eventually(s.get(), "SELECT count(*) FROM t", "150"));
  Exec(p.get(), "INSERT INTO t VALUES (1000)");
  EXPECT_TRUE(Eventually(s.get(), "SELECT count(*) FROM t", "151"));

  CommandResult r = RunCommand(standby.tusk_binary() + " promote -D " + standby.datadir());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("server promoted"), std::string::npos) << r.out;
  EXPECT_EQ(Tag(s.get(), "INSERT INTO t VALUES (2000)"), "INSERT 0 1");
  r = RunCommand(standby.tusk_binary() + " promote -D " + standby.datadir());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("tusk: cannot promote server; server is not in standby mode"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(standby.datadir() + "/backup_label.old"));
}

TEST(Standby, BackupWithoutStandbySignalRecoversAndRunsAsAPrimary) {
  Cluster primary;
  primary.Start();
  Conn p = primary.Connect();
  Exec(p.get(), "CREATE TABLE t (a int)");
  Exec(p.get(), "INSERT INTO t SELECT generate_series(1, 500)");
  Cluster copy;
  BaseBackup(primary, copy, "-X stream");
  Exec(p.get(), "INSERT INTO t VALUES (501)");  // after the backup: not in the copy
  copy.Start();
  EXPECT_EQ(copy.Psql("SELECT count(*), pg_is_in_recovery() FROM t").out, "500|f\n");
  EXPECT_EQ(copy.Psql("INSERT INTO t VALUES (0)").exit_code, 0);
  EXPECT_NE(copy.ReadLog().find("starting backup recovery with redo LSN"), std::string::npos);
  EXPECT_NE(copy.ReadLog().find("consistent recovery state reached at"), std::string::npos);

  // Without its WAL the copy is refused.
  Cluster broken;
  BaseBackup(primary, broken, "-X none");
  broken.Start("", false);
  EXPECT_NE(broken.WaitForLog("PANIC:  could not locate a valid checkpoint record"), std::string::npos) << broken.ReadLog();
}

TEST(Standby, TuskBasebackupMakesAStandby) {
  Cluster primary;
  primary.Start();
  Conn p = primary.Connect();
  Exec(p.get(), "CREATE TABLE t (a int)");
  Exec(p.get(), "INSERT INTO t SELECT generate_series(1, 300)");
  Cluster standby;
  const std::string base = primary.tusk_binary() + " basebackup -h " + primary.sockdir() + " -p " +
                           std::to_string(primary.port()) + " -U " + primary.superuser() + " -D ";
  // A directory that is not empty is refused and left alone.
  CommandResult r = RunCommand(base + standby.datadir() + " -R");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("tusk basebackup: error: directory \"" + standby.datadir() + "\" exists but is not empty"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(fs::exists(standby.datadir() + "/PG_VERSION"));
  fs::remove_all(standby.datadir());
  r = RunCommand(base + standby.datadir() + " -R -c fast");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const char* f : {"backup_label", "backup_manifest", "standby.signal", "global/pg_control", "PG_VERSION"})
    EXPECT_TRUE(fs::exists(standby.datadir() + "/" + f)) << f;
  EXPECT_FALSE(fs::exists(standby.datadir() + "/postmaster.pid"));
  OwnSettings(standby);
  standby.Start();
  Conn s = standby.Connect();
  EXPECT_EQ(QueryValue(s.get(), "SELECT count(*) FROM t"), "300");
  Exec(p.get(), "INSERT INTO t VALUES (301)");
  EXPECT_TRUE(Eventually(s.get(), "SELECT count(*) FROM t", "301"));
  EXPECT_EQ(QueryValue(s.get(), "SELECT pg_is_in_recovery()"), "t");
  // Against a server that is not there: an error, and no directory left behind.
  r = RunCommand(primary.tusk_binary() + " basebackup -h " + primary.sockdir() + " -p 1 -D " + standby.sockdir() + "/x");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("tusk basebackup: error: "), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(standby.sockdir() + "/x"));
}

}  // namespace
}  // namespace tusk::test
