// Temporary tables across sessions and server lifetimes: other sessions
// cannot reach them, they are dropped (files included) when their session
// ends however it ends, ON COMMIT actions, and what a crash leaves behind is
// unreachable and cleared by the next backend of the same number.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>
#include <vector>

#include "cluster.h"

namespace tusk::test {
namespace {

class TempTables : public ::testing::Test {
 protected:
  void SetUp() override { c_.Start(); }

  static void Exec(PGconn* conn, const std::string& sql) {
    Result r(PQexec(conn, sql.c_str()));
    ASSERT_TRUE(PQresultStatus(r.get()) == PGRES_COMMAND_OK || PQresultStatus(r.get()) == PGRES_TUPLES_OK)
        << sql << ": " << PQerrorMessage(conn);
  }
  // The SQLSTATE of running sql, "" if it succeeds.
  static std::string Fails(PGconn* conn, const std::string& sql) {
    Result r(PQexec(conn, sql.c_str()));
    return SqlState(r.get());
  }
  bool FileExists(const std::string& relpath) const {
    struct stat st;
    return stat((c_.datadir() + "/" + relpath).c_str(), &st) == 0;
  }
  // Files go right after the commit that dropped the rows: others can see
  // the rows gone a moment before.
  bool WaitFileGone(const std::string& relpath, int seconds = 10) const {
    for (int i = 0; i < seconds * 20; ++i) {
      if (!FileExists(relpath)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // Polls until the relation with this OID has no pg_class row (the owner's
  // backend drops it as it exits, after the client has gone).
  bool WaitRowGone(PGconn* conn, const std::string& oid, int seconds = 10) {
    for (int i = 0; i < seconds * 20; ++i) {
      if (QueryValue(conn, "SELECT count(*) FROM pg_class WHERE oid = " + oid) == "0") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  Cluster c_;
};

TEST_F(TempTables, OtherSessionsCannotSeeOrReachThem) {
  Conn a = c_.Connect();
  Conn b = c_.Connect();
  Exec(a.get(), "CREATE TEMP TABLE t (id int PRIMARY KEY, v text)");
  Exec(a.get(), "INSERT INTO t VALUES (1, 'mine')");
  const std::string schema = QueryValue(a.get(), "SELECT pg_my_temp_schema()::regnamespace::text");
  ASSERT_EQ(schema.rfind("pg_temp_", 0), 0u) << schema;

  EXPECT_EQ(Fails(b.get(), "SELECT * FROM t"), "42P01");
  EXPECT_EQ(QueryValue(b.get(), "SELECT pg_table_is_visible(oid)::text FROM pg_class WHERE relname = 't'"), "false");
  EXPECT_EQ(QueryValue(b.get(), "SELECT pg_is_other_temp_schema('" + schema + "'::regnamespace)::text"), "true");
  EXPECT_EQ(Fails(b.get(), "SELECT * FROM " + schema + ".t"), "0A000");
  EXPECT_EQ(Fails(b.get(), "INSERT INTO " + schema + ".t VALUES (2, 'theirs')"), "0A000");
  EXPECT_EQ(Fails(b.get(), "TRUNCATE " + schema + ".t"), "0A000");
  EXPECT_EQ(Fails(b.get(), "CREATE INDEX ON " + schema + ".t (v)"), "0A000");
  EXPECT_EQ(Fails(b.get(), "CREATE TABLE " + schema + ".u (a int)"), "42P16");

  // B's own table of the same name is another table, in another schema.
  Exec(b.get(), "CREATE TEMP TABLE t (id int, v text)");
  Exec(b.get(), "INSERT INTO t VALUES (5, 'b'), (6, 'b')");
  EXPECT_NE(QueryValue(b.get(), "SELECT pg_my_temp_schema()::regnamespace::text"), schema);
  EXPECT_EQ(QueryValue(a.get(), "SELECT string_agg(v, ',') FROM t"), "mine");
  EXPECT_EQ(QueryValue(b.get(), "SELECT count(*) FROM t"), "2");
}

TEST_F(TempTables, DroppedWithTheirFilesWhenTheSessionEnds) {
  Conn watcher = c_.Connect();
  Conn a = c_.Connect();
  Exec(a.get(), "CREATE TEMP TABLE gone (id int PRIMARY KEY, big text)");
  Exec(a.get(), "INSERT INTO gone SELECT x, repeat('x', 100000) FROM generate_series(1, 3) x");
  const std::string oid = QueryValue(a.get(), "SELECT 'gone'::regclass::oid");
  const std::string heap = QueryValue(a.get(), "SELECT pg_relation_filepath('gone')");
  const std::string index = QueryValue(a.get(), "SELECT pg_relation_filepath('gone_pkey')");
  const std::string toast =
      QueryValue(a.get(), "SELECT pg_relation_filepath(reltoastrelid) FROM pg_class WHERE relname = 'gone'");
  ASSERT_TRUE(FileExists(heap) && FileExists(index) && FileExists(toast)) << heap << " " << index << " " << toast;
  EXPECT_EQ(QueryValue(watcher.get(), "SELECT count(*) FROM pg_class WHERE oid = " + oid), "1");

  a.reset();  // the client says goodbye
  EXPECT_TRUE(WaitRowGone(watcher.get(), oid));
  EXPECT_EQ(QueryValue(watcher.get(), "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = relnamespace "
                                      "WHERE nspname LIKE 'pg%temp%'"),
            "0");
  EXPECT_TRUE(WaitFileGone(heap));
  EXPECT_TRUE(WaitFileGone(index));
  EXPECT_TRUE(WaitFileGone(toast));
}

TEST_F(TempTables, DroppedWhenTheSessionIsTerminated) {
  Conn watcher = c_.Connect();
  Conn a = c_.Connect();
  Exec(a.get(), "CREATE TEMP TABLE doomed (id int)");
  Exec(a.get(), "INSERT INTO doomed VALUES (1)");
  const std::string oid = QueryValue(a.get(), "SELECT 'doomed'::regclass::oid");
  const std::string heap = QueryValue(a.get(), "SELECT pg_relation_filepath('doomed')");
  const std::string pid = QueryValue(a.get(), "SELECT pg_backend_pid()");
  // In the middle of a transaction that wrote to it: the drop still happens.
  Exec(a.get(), "BEGIN");
  Exec(a.get(), "INSERT INTO doomed VALUES (2)");
  EXPECT_EQ(QueryValue(watcher.get(), "SELECT pg_terminate_backend(" + pid + ")::text"), "true");
  EXPECT_TRUE(WaitRowGone(watcher.get(), oid));
  EXPECT_TRUE(WaitFileGone(heap));
}

TEST_F(TempTables, OnCommitDropAndDeleteRows) {
  Conn a = c_.Connect();
  Conn watcher = c_.Connect();
  Exec(a.get(), "BEGIN");
  Exec(a.get(), "CREATE TEMP TABLE once (id int) ON COMMIT DROP");
  Exec(a.get(), "INSERT INTO once VALUES (1)");
  const std::string oid = QueryValue(a.get(), "SELECT 'once'::regclass::oid");
  const std::string heap = QueryValue(a.get(), "SELECT pg_relation_filepath('once')");
  EXPECT_EQ(QueryValue(a.get(), "SELECT count(*) FROM once"), "1");
  Exec(a.get(), "COMMIT");
  EXPECT_EQ(Fails(a.get(), "SELECT * FROM once"), "42P01");
  EXPECT_EQ(QueryValue(watcher.get(), "SELECT count(*) FROM pg_class WHERE oid = " + oid), "0");
  EXPECT_FALSE(FileExists(heap));

  Exec(a.get(), "CREATE TEMP TABLE scratch (id int PRIMARY KEY) ON COMMIT DELETE ROWS");
  Exec(a.get(), "BEGIN");
  Exec(a.get(), "INSERT INTO scratch SELECT x FROM generate_series(1, 1000) x");
  EXPECT_EQ(QueryValue(a.get(), "SELECT count(*) FROM scratch"), "1000");
  Exec(a.get(), "COMMIT");
  EXPECT_EQ(QueryValue(a.get(), "SELECT count(*) FROM scratch"), "0");
  EXPECT_EQ(QueryValue(a.get(), "SELECT pg_relation_size('scratch')"), "0");
  // The keys are free again, and a rolled-back transaction keeps the table.
  Exec(a.get(), "INSERT INTO scratch VALUES (1)");
  Exec(a.get(), "BEGIN");
  Exec(a.get(), "INSERT INTO scratch VALUES (2)");
  Exec(a.get(), "ROLLBACK");
  EXPECT_EQ(QueryValue(a.get(), "SELECT count(*) FROM scratch"), "0");
  EXPECT_EQ(QueryValue(a.get(), "SELECT relpersistence FROM pg_class WHERE relname = 'scratch'"), "t");
}

TEST_F(TempTables, LeftoversOfACrashAreUnreachableAndClearedByTheNextOwner) {
  Conn a = c_.Connect();
  Exec(a.get(), "CREATE TEMP TABLE t (id int PRIMARY KEY, v text)");
  Exec(a.get(), "INSERT INTO t VALUES (1, 'before the crash'), (2, 'also')");
  const std::string schema = QueryValue(a.get(), "SELECT pg_my_temp_schema()::regnamespace::text");
  const std::string oid = QueryValue(a.get(), "SELECT 't'::regclass::oid");
  const std::string heap = QueryValue(a.get(), "SELECT pg_relation_filepath('t')");
  c_.StopWith(SIGQUIT);  // immediate shutdown: no backend cleans up
  a.reset();
  ASSERT_TRUE(FileExists(heap));

  c_.Start();
  Conn b = c_.Connect();
  // The rows of the dead session are there but out of reach.
  EXPECT_EQ(QueryValue(b.get(), "SELECT count(*) FROM pg_class WHERE oid = " + oid), "1");
  EXPECT_EQ(Fails(b.get(), "SELECT * FROM t"), "42P01");
  EXPECT_EQ(Fails(b.get(), "SELECT * FROM " + schema + ".t"), "0A000");

  // A backend that takes the same number clears, at its first temporary
  // table, what the dead one left there. Slots go lowest first, but the
  // start-up check's backend may still hold the first one for a moment.
  for (int attempt = 0; attempt < 50; ++attempt) {
    Exec(b.get(), "CREATE TEMP TABLE t (id int PRIMARY KEY, v text)");
    if (QueryValue(b.get(), "SELECT pg_my_temp_schema()::regnamespace::text") == schema) break;
    b = c_.Connect();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(QueryValue(b.get(), "SELECT pg_my_temp_schema()::regnamespace::text"), schema);
  EXPECT_EQ(QueryValue(b.get(), "SELECT count(*) FROM t"), "0");
  Exec(b.get(), "INSERT INTO t VALUES (1, 'after')");
  EXPECT_EQ(QueryValue(b.get(), "SELECT string_agg(v, ',') FROM t"), "after");
  EXPECT_EQ(QueryValue(b.get(), "SELECT count(*) FROM pg_class WHERE oid = " + oid), "0");
  EXPECT_EQ(QueryValue(b.get(), "SELECT count(*) FROM pg_class WHERE relname = 't_pkey'"), "1");
  EXPECT_FALSE(FileExists(heap));
}

TEST_F(TempTables, AutovacuumDropsLeftoversNoBackendWillReuse) {
  struct Leftover {
    std::string oid, heap, index;
  };
  std::vector<Leftover> left;
  std::vector<Conn> sessions;
  for (int i = 0; i < 3; ++i) {
    sessions.push_back(c_.Connect());
    PGconn* s = sessions.back().get();
    Exec(s, "CREATE TEMP TABLE tb (id int PRIMARY KEY)");
    Exec(s, "INSERT INTO tb VALUES (1)");
    left.push_back({QueryValue(s, "SELECT 'tb'::regclass::oid"), QueryValue(s, "SELECT pg_relation_filepath('tb')"),
                    QueryValue(s, "SELECT pg_relation_filepath('tb_pkey')")});
  }
  c_.StopWith(SIGQUIT);
  sessions.clear();

  // One session only, which never makes a temporary table: at least two of
  // the three numbers stay free, and their schemas' tables are orphans.
  c_.AppendConf("autovacuum_naptime = 1");
  c_.Start();
  Conn c = c_.Connect();
  std::string in_list;
  for (const Leftover& l : left) in_list += (in_list.empty() ? "" : ",") + l.oid;
  bool dropped = false;
  for (int i = 0; i < 600 && !dropped; ++i) {
    dropped = std::stoi(QueryValue(c.get(), "SELECT count(*) FROM pg_class WHERE oid IN (" + in_list + ")")) <= 1;
    if (!dropped) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(dropped);
  int gone = 0;
  for (const Leftover& l : left) {
    if (QueryValue(c.get(), "SELECT count(*) FROM pg_class WHERE oid = " + l.oid) != "0") continue;
    ++gone;
    EXPECT_TRUE(WaitFileGone(l.heap)) << l.heap;
    EXPECT_TRUE(WaitFileGone(l.index)) << l.index;
  }
  EXPECT_GE(gone, 2);
  EXPECT_NE(c_.ReadLog().find("autovacuum: dropping orphan temp table \"postgres.pg_temp_"), std::string::npos);
}

}  // namespace
}  // namespace tusk::test
