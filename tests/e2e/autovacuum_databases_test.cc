// Autovacuum in every database, as PostgreSQL 15's launcher: databases a
// user created are vacuumed like postgres, each action is logged under
// log_autovacuum_min_duration with PostgreSQL's first line, and databases
// dropped, renamed or closed to connections since the statistics counted
// them cost no ERROR or FATAL in the log.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <string>

#include "cluster.h"

namespace tusk::test {
namespace {

// Polls `sql` (one value) on `conn` until it is `want` (or `seconds` pass); returns the last value.
std::string WaitForValue(PGconn* conn, const std::string& sql, const std::string& want, int seconds = 30) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::string got;
  for (;;) {
    got = QueryValue(conn, sql);
    if (got == want || std::chrono::steady_clock::now() > deadline) return got;
    usleep(200 * 1000);
  }
}

// The log's ERROR, FATAL and PANIC lines and reports of children that died,
// after byte `from`.
std::string Trouble(const Cluster& c, size_t from) {
  std::istringstream in(c.ReadLog().substr(from));
  std::string line, out;
  while (std::getline(in, line))
    if (line.find("ERROR:") != std::string::npos || line.find("FATAL:") != std::string::npos ||
        line.find("PANIC:") != std::string::npos || line.find("exited with exit code") != std::string::npos ||
        line.find("terminated by signal") != std::string::npos)
      out += line + "\n";
  return out;
}

// A table with 1000 dead rows out of 2000 (threshold 50 + 0.2 * 0), in a
// new session that ends at once, so its counts reach the collector.
void MakeDeadRows(Cluster& c, const std::string& db, const std::string& table) {
  Conn conn = c.Connect(db);
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  Exec(conn.get(), "CREATE TABLE " + table + " (id int PRIMARY KEY, v text)");
  Exec(conn.get(), "INSERT INTO " + table + " SELECT g, g::text FROM generate_series(1, 2000) g");
  Exec(conn.get(), "DELETE FROM " + table + " WHERE id <= 1000");
}

const char* kVacuumed =
    "SELECT n_dead_tup || '|' || least(autovacuum_count, 1) || '|' || least(autoanalyze_count, 1) "
    "FROM pg_stat_user_tables WHERE relname = '";

// PostgreSQL 15: `createdb bench` and a table there with dead rows: the
// launcher gives bench a worker like any database with statistics, which
// vacuums and analyzes the table; log_autovacuum_min_duration = 0 logs both
// actions at LOG, named database.schema.table.
TEST(AutovacuumDatabases, VacuumsTablesOfACreatedDatabase) {
  Cluster c;
  c.AppendConf("autovacuum_naptime = 1\nlog_autovacuum_min_duration = 0");
  c.Start();
  const size_t from = c.LogSize();
  ASSERT_EQ(c.Psql("CREATE DATABASE bench").exit_code, 0);
  MakeDeadRows(c, "bench", "big");

  Conn bench = c.Connect("bench");
  ASSERT_EQ(PQstatus(bench.get()), CONNECTION_OK) << PQerrorMessage(bench.get());
  EXPECT_EQ(WaitForValue(bench.get(), std::string(kVacuumed) + "big'", "0|1|1"), "0|1|1") << c.ReadLog();
  // ANALYZE stored the live rows in pg_class, in bench's own catalog.
  EXPECT_EQ(QueryValue(bench.get(), "SELECT reltuples FROM pg_class WHERE relname = 'big'"), "1000");

  // PostgreSQL 15's first lines (heap_vacuum_rel, do_analyze_rel), with the
  // table's schema (public: Tusk has no CREATE SCHEMA yet).
  EXPECT_NE(c.WaitForLog("LOG:  automatic vacuum of table \"bench.public.big\": index scans: 1\n"), std::string::npos)
      << c.ReadLog();
  EXPECT_NE(c.WaitForLog("LOG:  automatic analyze of table \"bench.public.big\"\n"), std::string::npos) << c.ReadLog();
  // The detail lines follow on tab-indented lines, as in PostgreSQL's stderr log.
  EXPECT_NE(c.ReadLog().find("\": index scans: 1\n\tpages: 0 removed, "), std::string::npos) << c.ReadLog();
  EXPECT_NE(c.ReadLog().find("\n\ttuples: 1000 removed, 1000 remain, 0 are dead but not yet removable\n"),
            std::string::npos)
      << c.ReadLog();
  EXPECT_EQ(Trouble(c, from), "");
}

// log_autovacuum_min_duration = -1 (and the default, 10 minutes, for
// actions this short): no LOG line, the vacuum happens all the same.
TEST(AutovacuumDatabases, MinDurationMinusOneLogsNothing) {
  Cluster c;
  c.AppendConf("autovacuum_naptime = 1\nlog_autovacuum_min_duration = -1");
  c.Start();
  MakeDeadRows(c, "postgres", "big");
  Conn conn = c.Connect();
  EXPECT_EQ(WaitForValue(conn.get(), std::string(kVacuumed) + "big'", "0|1|1"), "0|1|1") << c.ReadLog();
  EXPECT_EQ(c.ReadLog().find("automatic vacuum"), std::string::npos) << c.ReadLog();
  EXPECT_EQ(c.ReadLog().find("automatic analyze"), std::string::npos) << c.ReadLog();
}

// Databases the statistics counted, then dropped, renamed or closed to new
// connections: the launcher still names some of them for a while (a renamed
// one until the next crash), and workers given them leave without a word;
// DROP DATABASE asks a worker inside to leave rather than failing, and
// forgets the database's statistics, as PostgreSQL's pg_stat_database does.
// A database not accepting connections is still vacuumed, as in PostgreSQL.
TEST(AutovacuumDatabases, DroppedRenamedAndClosedDatabasesCauseNoErrors) {
  Cluster c;
  c.AppendConf("autovacuum_naptime = 1\nlog_autovacuum_min_duration = 0");
  c.Start();
  for (const char* db : {"gone", "renamed", "closed"}) {
    ASSERT_EQ(c.Psql(std::string("CREATE DATABASE ") + db).exit_code, 0) << db;
    MakeDeadRows(c, db, "t");
  }
  // Each was visited once: the launcher knows them all.
  for (const char* db : {"gone", "renamed", "closed"}) {
    Conn conn = c.Connect(db);
    EXPECT_EQ(WaitForValue(conn.get(), std::string(kVacuumed) + "t'", "0|1|1"), "0|1|1") << db << c.ReadLog();
  }
  const size_t from = c.LogSize();
  // More dead rows, and at once gone: a worker may be inside when DROP comes.
  {
    Conn conn = c.Connect("gone");
    Exec(conn.get(), "DELETE FROM t");
  }
  ASSERT_EQ(c.Psql("DROP DATABASE gone").exit_code, 0) << c.ReadLog();
  ASSERT_EQ(c.Psql("ALTER DATABASE renamed RENAME TO renamed2").exit_code, 0);
  {
    // Closed first, then more dead rows from a session already inside.
    Conn conn = c.Connect("closed");
    ASSERT_EQ(c.Psql("ALTER DATABASE closed ALLOW_CONNECTIONS false").exit_code, 0);
    Exec(conn.get(), "DELETE FROM t");
  }

  // Several rounds over every database.
  EXPECT_NE(c.WaitForLog("automatic vacuum of table \"closed.public.t\"", 20, from), std::string::npos)
      << c.ReadLog().substr(from);
  sleep(4);
  EXPECT_EQ(Trouble(c, from), "") << c.ReadLog().substr(from);
  EXPECT_EQ(c.ReadLog().find("gone.public.t", from), std::string::npos) << c.ReadLog().substr(from);

  // The statistics forgot gone: created again, it starts from zero.
  EXPECT_EQ(c.Psql("SELECT count(*) FROM pg_stat_database WHERE datname = 'gone'").out, "0\n");
  ASSERT_EQ(c.Psql("CREATE DATABASE gone").exit_code, 0);
  EXPECT_EQ(c.Psql("SELECT sessions, xact_commit FROM pg_stat_database WHERE datname = 'gone'").out, "0|0\n");

  // The server goes on working, autovacuum included.
  EXPECT_EQ(c.Psql("SELECT 1").out, "1\n");
  MakeDeadRows(c, "renamed2", "t2");
  Conn conn = c.Connect("renamed2");
  EXPECT_EQ(WaitForValue(conn.get(), std::string(kVacuumed) + "t2'", "0|1|1"), "0|1|1") << c.ReadLog();
  EXPECT_EQ(Trouble(c, from), "") << c.ReadLog().substr(from);
}

}  // namespace
}  // namespace tusk::test
