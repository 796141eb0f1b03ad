// Tables end to end: data and DDL survive restarts and crashes, a rolled-back
// CREATE TABLE leaves nothing, row locks (FOR UPDATE, NOWAIT, SKIP LOCKED)
// block and release as in PostgreSQL, COPY in and out through psql.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

TEST(Tables, RowsAndDdlSurviveRestartAndCrash) {
  Cluster c;
  c.Start();
  ASSERT_EQ(c.Psql("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'one'), (2, 'two')").exit_code, 0);
  ASSERT_EQ(c.Psql("BEGIN; CREATE TABLE gone (x int); INSERT INTO gone VALUES (1); ROLLBACK").exit_code, 0);
  c.StopWith(SIGINT);
  c.Start();
  EXPECT_EQ(c.Psql("SELECT v FROM t ORDER BY id").out, "one\ntwo\n");
  EXPECT_NE(c.Psql("SELECT * FROM gone").out.find("relation \"gone\" does not exist"), std::string::npos);
  ASSERT_EQ(c.Psql("UPDATE t SET v = 'uno' WHERE id = 1; DELETE FROM t WHERE id = 2; CREATE INDEX t_v ON t (v)").exit_code, 0);
  c.StopWith(SIGQUIT);  // immediate: recovery must replay all of it
  c.Start();
  EXPECT_EQ(c.Psql("SELECT id, v FROM t").out, "1|uno\n");
  EXPECT_EQ(c.Psql("SELECT id FROM t WHERE v = 'uno'").out, "1\n");
  CommandResult dup = c.Psql("INSERT INTO t VALUES (1, 'again')");
  EXPECT_NE(dup.out.find("duplicate key value violates unique constraint \"t_pkey\""), std::string::npos) << dup.out;
}

TEST(Tables, ForUpdateBlocksWritersUntilCommit) {
  Cluster c;
  c.Start();
  ASSERT_EQ(c.Psql("CREATE TABLE acct (id int PRIMARY KEY, bal int); INSERT INTO acct VALUES (1, 100), (2, 200)").exit_code, 0);
  Conn a = c.Connect();
  Conn b = c.Connect();
  Result r(PQexec(a.get(), "BEGIN; SELECT bal FROM acct WHERE id = 1 FOR UPDATE"));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(a.get());
  Result nowait(PQexec(b.get(), "SELECT * FROM acct WHERE id = 1 FOR UPDATE NOWAIT"));
  EXPECT_EQ(SqlState(nowait.get()), "55P03");
  Result skip(PQexec(b.get(), "SELECT id FROM acct ORDER BY id FOR UPDATE SKIP LOCKED"));
  ASSERT_EQ(PQresultStatus(skip.get()), PGRES_TUPLES_OK) << PQerrorMessage(b.get());
  ASSERT_EQ(PQntuples(skip.get()), 1);
  EXPECT_STREQ(PQgetvalue(skip.get(), 0, 0), "2");
  // A writer waits for the lock holder; after its commit it updates the newest version.
  ASSERT_EQ(PQsendQuery(b.get(), "UPDATE acct SET bal = bal + 1 WHERE id = 1"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(PQconsumeInput(b.get()), 1);
  EXPECT_EQ(PQisBusy(b.get()), 1) << "the UPDATE should wait for the row lock";
  Result upd(PQexec(a.get(), "UPDATE acct SET bal = bal * 2 WHERE id = 1"));
  Result commit(PQexec(a.get(), "COMMIT"));
  ASSERT_EQ(PQresultStatus(commit.get()), PGRES_COMMAND_OK);
  Result done(PQgetResult(b.get()));
  EXPECT_EQ(PQresultStatus(done.get()), PGRES_COMMAND_OK) << PQerrorMessage(b.get());
  while (PGresult* rest = PQgetResult(b.get())) PQclear(rest);
  EXPECT_EQ(c.Psql("SELECT bal FROM acct WHERE id = 1").out, "201\n");
}

TEST(Tables, ForUpdateTakesRowShareLock) {
  Cluster c;
  c.Start();
  ASSERT_EQ(c.Psql("CREATE TABLE acct (id int PRIMARY KEY, bal int); INSERT INTO acct VALUES (1, 100)").exit_code, 0);
  Conn a = c.Connect();
  Conn b = c.Connect();
  Result lock(PQexec(a.get(), "BEGIN; LOCK acct IN EXCLUSIVE MODE"));
  ASSERT_EQ(PQresultStatus(lock.get()), PGRES_COMMAND_OK) << PQerrorMessage(a.get());
  // EXCLUSIVE admits readers (AccessShare) but not row lockers (RowShare).
  EXPECT_EQ(QueryValue(b.get(), "SELECT bal FROM acct"), "100");
  Result to(PQexec(b.get(), "SET lock_timeout = '200ms'"));
  Result fu(PQexec(b.get(), "SELECT bal FROM acct FOR UPDATE"));
  EXPECT_EQ(SqlState(fu.get()), "55P03") << PQerrorMessage(b.get());
  Result done(PQexec(a.get(), "COMMIT"));
  Result again(PQexec(b.get(), "SELECT bal FROM acct FOR SHARE"));
  EXPECT_EQ(PQresultStatus(again.get()), PGRES_TUPLES_OK) << PQerrorMessage(b.get());
}

// Concurrent upserts of the same few keys, which deletes keep making new
// again: every upsert inserts or updates, none fails with 23505 (the check
// and the insert are atomic per key).
TEST(Tables, ConcurrentUpsertsNeverCollide) {
  Cluster c;
  c.Start();
  ASSERT_EQ(c.Psql("CREATE TABLE u (k int PRIMARY KEY, n int, m int UNIQUE)").exit_code, 0);
  std::string upd = c.sockdir() + "/upsert.sql", nothing = c.sockdir() + "/nothing.sql", del = c.sockdir() + "/del.sql";
  std::ofstream(upd) << "\\set k random(1, 4)\n"
                        "INSERT INTO u VALUES (:k, 1, :k) ON CONFLICT (k) DO UPDATE SET n = u.n + 1;\n";
  std::ofstream(nothing) << "\\set k random(1, 4)\n"
                            "INSERT INTO u VALUES (:k, 1, :k) ON CONFLICT DO NOTHING;\n";
  std::ofstream(del) << "\\set k random(1, 4)\n"
                        "DELETE FROM u WHERE k = :k;\n";
  CommandResult r = RunCommand(c.Env() + "pgbench -n -f " + upd + " -f " + nothing + " -f " + del +
                                   " -c 8 -j 2 -t 300 postgres",
                               120);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("number of failed transactions: 0"), std::string::npos) << r.out;
  EXPECT_EQ(c.ReadLog().find("duplicate key"), std::string::npos) << c.ReadLog().substr(0, 3000);
}

TEST(Tables, CopyInAndOutThroughPsql) {
  Cluster c;
  c.Start();
  std::string in = c.sockdir() + "/in.csv";
  std::ofstream(in) << "id,name\n1,\"a, b\"\n2,\n3,\"say \"\"hi\"\"\"\n";
  ASSERT_EQ(c.Psql("CREATE TABLE people (id int, name text)").exit_code, 0);
  CommandResult load = c.Psql("\\copy people FROM '" + in + "' WITH (FORMAT csv, HEADER)");
  EXPECT_EQ(load.exit_code, 0) << load.out;
  EXPECT_EQ(c.Psql("SELECT id, coalesce(name, '<null>') FROM people ORDER BY id").out,
            "1|a, b\n2|<null>\n3|say \"hi\"\n");
  CommandResult out = c.Psql("COPY people TO STDOUT");
  EXPECT_EQ(out.out, "1\ta, b\n2\t\\N\n3\tsay \"hi\"\n");
  CommandResult bad = c.Psql("\\copy people FROM '" + in + "'");
  EXPECT_NE(bad.out.find("missing data for column \"name\""), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("CONTEXT:  COPY people, line 1: \"id,name\""), std::string::npos) << bad.out;
  EXPECT_EQ(c.Psql("SELECT count(*) FROM people").out, "3\n");
}

TEST(Tables, CopyFreezeNeedsATableNewInTheSubtransaction) {
  Cluster c;
  c.Start();
  std::string script = c.sockdir() + "/freeze.sql";
  std::ofstream(script) << "CREATE TABLE f (a int);\n"
                           "COPY f FROM STDIN (FREEZE);\n1\n\\.\n"
                           "BEGIN;\nTRUNCATE f;\nCOPY f FROM STDIN (FREEZE);\n2\n\\.\n"
                           "SAVEPOINT s;\nCOPY f FROM STDIN (FREEZE);\n3\n\\.\nROLLBACK TO s;\nCOMMIT;\n"
                           "BEGIN;\nCREATE TABLE g (a int);\nCOPY g FROM STDIN (FREEZE);\n4\n\\.\nCOMMIT;\n";
  CommandResult r = RunCommand(c.Env() + "PGUSER=" + c.superuser() + " PGDATABASE=postgres psql -X -A -t -f " + script);
  const std::string refused =
      "ERROR:  cannot perform COPY FREEZE because the table was not created or truncated in the current subtransaction";
  size_t first = r.out.find(refused);
  ASSERT_NE(first, std::string::npos) << r.out;
  EXPECT_NE(r.out.find(refused, first + 1), std::string::npos) << r.out;  // the savepoint's COPY too
  EXPECT_EQ(r.out.find("syntax error"), std::string::npos) << "copy data ran as SQL: " << r.out;
  EXPECT_EQ(c.Psql("SELECT (SELECT string_agg(a::text, ',') FROM f) || ' ' || (SELECT string_agg(a::text, ',') FROM g)").out,
            "2 4\n");
}

// A simple Query with several statements is one implicit transaction block,
// as in PostgreSQL: an error rolls back the statements before it, and
// transaction statements among them end the block early.
TEST(Tables, MultiStatementQueryIsOneTransaction) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  Result t(PQexec(conn.get(), "CREATE TABLE imp (a int)"));
  Result fail(PQexec(conn.get(), "INSERT INTO imp VALUES (1); SELECT 1/0"));
  EXPECT_EQ(SqlState(fail.get()), "22012");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT count(*) FROM imp"), "0");
  Result mixed(PQexec(conn.get(), "INSERT INTO imp VALUES (1); ROLLBACK; INSERT INTO imp VALUES (2); COMMIT; "
                                  "INSERT INTO imp VALUES (3); BEGIN; INSERT INTO imp VALUES (4); COMMIT; "
                                  "INSERT INTO imp VALUES (5); SELECT 1/0"));
  EXPECT_EQ(SqlState(mixed.get()), "22012");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT string_agg(a::text, ',' ORDER BY a) FROM imp"), "2,3,4");
  EXPECT_EQ(PQtransactionStatus(conn.get()), PQTRANS_IDLE);
  Result vac(PQexec(conn.get(), "SELECT 1; VACUUM imp"));
  EXPECT_EQ(SqlState(vac.get()), "25001");
  EXPECT_STREQ(PQresultErrorField(vac.get(), PG_DIAG_MESSAGE_PRIMARY), "VACUUM cannot run inside a transaction block");
  Result lock(PQexec(conn.get(), "LOCK imp; SELECT 1"));
  EXPECT_EQ(PQresultStatus(lock.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(lock.get());
}

}  // namespace
}  // namespace tusk::test
