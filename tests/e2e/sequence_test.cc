// Sequences against a real server: values keep increasing across a clean
// restart and across crashes (the postmaster SIGKILLed, then WAL replay),
// also right after a checkpoint and when the only commit is a read-only
// SELECT nextval; an aborted transaction's value is not handed out again;
// concurrent sessions never receive the same value; PostgreSQL's SQLSTATEs;
// psql's \d and \ds.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

int64_t Nextval(PGconn* conn, const std::string& seq) {
  return std::stoll(QueryValue(conn, "SELECT nextval('" + seq + "')"));
}

// The postmaster is SIGKILLed (no shutdown checkpoint, no flush), its
// orphans left to notice, and the server started again: crash recovery.
void CrashAndRestart(Cluster& c) {
  kill(c.postmaster_pid(), SIGKILL);
  int status = 0;
  for (int i = 0; i < 100 && !c.TryReap(&status); ++i) usleep(50000);
  for (int i = 0; i < 100; ++i) {
    bool any = false;
    for (pid_t p : c.Children()) any |= ProcessAlive(p);
    if (!any) break;
    usleep(50000);
  }
  usleep(1500000);  // orphans notice the postmaster is gone
  c.Start();
}

std::string ErrorState(PGconn* conn, const std::string& sql) {
  Result r(PQexec(conn, sql.c_str()));
  return SqlState(r.get());
}

TEST(Sequence, ValuesKeepIncreasingAcrossRestartAndCrash) {
  Cluster c;
  // Background WAL flushes as rare as possible: what is durable at a crash
  // is what commits flushed.
  c.AppendConf("wal_writer_delay = 10000ms\ncheckpoint_timeout = 1h");
  c.Start();
  {
    Conn conn = c.Connect();
    ASSERT_EQ(QueryValue(conn.get(), "CREATE SEQUENCE s; CREATE TABLE t (id serial PRIMARY KEY, v int); SELECT 1"),
              "1");
  }
  int64_t last = 0;
  int64_t last_id = 0;
  auto take = [&](int n) {
    Conn conn = c.Connect();
    ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
    for (int i = 0; i < n; ++i) {
      int64_t v = Nextval(conn.get(), "s");
      ASSERT_GT(v, last) << "value " << v << " after " << last;
      last = v;
    }
    for (int i = 0; i < n; ++i) {
      int64_t id = std::stoll(QueryValue(conn.get(), "INSERT INTO t (v) VALUES (1) RETURNING id"));
      ASSERT_GT(id, last_id);
      last_id = id;
    }
  };
  take(10);
  c.StopWith(SIGINT);  // fast shutdown: a shutdown checkpoint
  c.Start();
  take(100);  // crosses several log-ahead batches
  CrashAndRestart(c);
  take(5);
  // The first values after a checkpoint come from a record the checkpoint's
  // redo sees: the page written by the checkpoint is not the last word.
  {
    Conn conn = c.Connect();
    QueryValue(conn.get(), "SELECT nextval('s')");  // inside an already logged batch
    Result r(PQexec(conn.get(), "CHECKPOINT"));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn.get());
    last = Nextval(conn.get(), "s");  // a read-only transaction: its commit flushes the record
  }
  CrashAndRestart(c);
  take(3);
  // Again with the crash right after one SELECT nextval, before anything
  // else could flush WAL.
  {
    Conn conn = c.Connect();
    Result r(PQexec(conn.get(), "CHECKPOINT"));
    last = Nextval(conn.get(), "s");
    CrashAndRestart(c);
  }
  take(3);
  // The rows inserted before the crashes are all there, ids distinct.
  Conn conn = c.Connect();
  EXPECT_EQ(QueryValue(conn.get(), "SELECT count(*) = count(DISTINCT id) FROM t"), "t");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT max(id) FROM t"), std::to_string(last_id));
}

TEST(Sequence, AbortedTransactionsValueIsNotReused) {
  Cluster c;
  c.Start();
  Conn a = c.Connect();
  Conn b = c.Connect();
  QueryValue(a.get(), "CREATE SEQUENCE s; SELECT 1");
  Result r(PQexec(a.get(), "BEGIN"));
  int64_t in_aborted = Nextval(a.get(), "s");
  r.reset(PQexec(a.get(), "ROLLBACK"));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK);
  EXPECT_GT(Nextval(b.get(), "s"), in_aborted);
  EXPECT_GT(Nextval(a.get(), "s"), in_aborted);
  // A failed transaction keeps its value used too.
  r.reset(PQexec(a.get(), "BEGIN"));
  int64_t in_failed = Nextval(a.get(), "s");
  r.reset(PQexec(a.get(), "SELECT 1/0"));
  r.reset(PQexec(a.get(), "COMMIT"));
  EXPECT_GT(Nextval(b.get(), "s"), in_failed);
  // After a crash too: a later commit flushed the aborted one's record.
  CrashAndRestart(c);
  Conn d = c.Connect();
  EXPECT_GT(Nextval(d.get(), "s"), in_failed + 1);
}

TEST(Sequence, ConcurrentClientsNeverGetTheSameValue) {
  Cluster c;
  c.Start();
  {
    Conn conn = c.Connect();
    QueryValue(conn.get(), "CREATE SEQUENCE s; CREATE SEQUENCE cached CACHE 7; SELECT 1");
  }
  for (const std::string seq : {"s", "cached"}) {
    constexpr int kThreads = 2, kPerThread = 500;
    std::vector<std::vector<int64_t>> got(kThreads);
    std::vector<std::string> errors(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        PGconn* conn = PQconnectdb(c.Conninfo().c_str());
        if (PQstatus(conn) != CONNECTION_OK) {
          errors[t] = PQerrorMessage(conn);
          PQfinish(conn);
          return;
        }
        const std::string sql = "SELECT nextval('" + seq + "')";
        for (int i = 0; i < kPerThread; ++i) {
          PGresult* r = PQexec(conn, sql.c_str());
          if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            errors[t] = PQerrorMessage(conn);
            PQclear(r);
            break;
          }
          got[t].push_back(std::stoll(PQgetvalue(r, 0, 0)));
          PQclear(r);
        }
        PQfinish(conn);
      });
    }
    for (auto& th : threads) th.join();
    std::set<int64_t> all;
    size_t total = 0;
    for (int t = 0; t < kThreads; ++t) {
      EXPECT_EQ(errors[t], "") << seq;
      EXPECT_EQ(got[t].size(), static_cast<size_t>(kPerThread)) << seq;
      // Each session sees its own values increase.
      for (size_t i = 1; i < got[t].size(); ++i) EXPECT_GT(got[t][i], got[t][i - 1]) << seq;
      all.insert(got[t].begin(), got[t].end());
      total += got[t].size();
    }
    EXPECT_EQ(all.size(), total) << seq << ": a value was handed out twice";
  }
}

TEST(Sequence, ErrorsCarryPostgresSqlStates) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  QueryValue(conn.get(), "CREATE SEQUENCE s MAXVALUE 2; CREATE TABLE t (a int); SELECT 1");
  EXPECT_EQ(ErrorState(conn.get(), "SELECT currval('s')"), "55000");
  EXPECT_EQ(ErrorState(conn.get(), "SELECT lastval()"), "55000");
  EXPECT_EQ(Nextval(conn.get(), "s"), 1);
  EXPECT_EQ(Nextval(conn.get(), "s"), 2);
  EXPECT_EQ(ErrorState(conn.get(), "SELECT nextval('s')"), "2200H");
  EXPECT_EQ(ErrorState(conn.get(), "SELECT setval('s', 3)"), "22003");
  EXPECT_EQ(ErrorState(conn.get(), "CREATE SEQUENCE s"), "42P07");
  EXPECT_EQ(ErrorState(conn.get(), "DROP SEQUENCE nope"), "42P01");
  EXPECT_EQ(ErrorState(conn.get(), "SELECT nextval('nope')"), "42P01");
  EXPECT_EQ(ErrorState(conn.get(), "SELECT nextval('t')"), "42809");
  EXPECT_EQ(ErrorState(conn.get(), "ALTER SEQUENCE t RESTART"), "42809");
  EXPECT_EQ(ErrorState(conn.get(), "CREATE SEQUENCE x INCREMENT 0"), "22023");
  EXPECT_EQ(ErrorState(conn.get(), "CREATE SEQUENCE x MINVALUE 5 MAXVALUE 5"), "22023");
  EXPECT_EQ(ErrorState(conn.get(), "COPY s TO STDOUT"), "42809");
  EXPECT_EQ(ErrorState(conn.get(), "COPY s FROM STDIN"), "42809");
  EXPECT_EQ(ErrorState(conn.get(), "CREATE TABLE u (id serial)"), "");
  EXPECT_EQ(ErrorState(conn.get(), "DROP SEQUENCE u_id_seq"), "2BP01");
  EXPECT_EQ(ErrorState(conn.get(), "SET default_transaction_read_only = on"), "");
  EXPECT_EQ(ErrorState(conn.get(), "SELECT nextval('s')"), "25006");
}

TEST(Sequence, PsqlDescribesSerialColumnsAndSequences) {
  Cluster c;
  c.Start();
  ASSERT_EQ(c.Psql("CREATE TABLE t (id serial PRIMARY KEY, v text)").exit_code, 0);
  // psql -A -t: unaligned rows, no headers (PostgreSQL 15's psql).
  CommandResult d = c.Psql("\\d t");
  EXPECT_NE(d.out.find("id|integer||not null|nextval('t_id_seq'::regclass)"), std::string::npos) << d.out;
  CommandResult ds = c.Psql("\\ds");
  EXPECT_NE(ds.out.find("public|t_id_seq|sequence|" + c.superuser()), std::string::npos) << ds.out;
  // The whole tables, as PostgreSQL 15's psql prints them against PostgreSQL.
  CommandResult dseq = RunCommand(c.Env() + "psql -X -c '\\d t_id_seq'");
  EXPECT_EQ(dseq.out,
            "                      Sequence \"public.t_id_seq\"\n"
            "  Type   | Start | Minimum |  Maximum   | Increment | Cycles? | Cache \n"
            "---------+-------+---------+------------+-----------+---------+-------\n"
            " integer |     1 |       1 | 2147483647 |         1 | no      |     1\n"
            "Owned by: public.t.id\n\n");
  CommandResult dt = RunCommand(c.Env() + "psql -X -c '\\d t'");
  EXPECT_EQ(dt.out,
            "                            Table \"public.t\"\n"
            " Column |  Type   | Collation | Nullable |            Default            \n"
            "--------+---------+-----------+----------+-------------------------------\n"
            " id     | integer |           | not null | nextval('t_id_seq'::regclass)\n"
            " v      | text    |           |          | \n"
            "Indexes:\n"
            "    \"t_pkey\" PRIMARY KEY, btree (id)\n\n");
}

TEST(Sequence, IdentityColumns) {
  Cluster c;
  c.Start();
  ASSERT_EQ(c.Psql("CREATE TABLE it (id int GENERATED ALWAYS AS IDENTITY, b bigint GENERATED BY DEFAULT AS IDENTITY)")
                .exit_code,
            0);
  CommandResult dt = RunCommand(c.Env() + "psql -X -c '\\d it'");
  EXPECT_EQ(dt.out,
            "                             Table \"public.it\"\n"
            " Column |  Type   | Collation | Nullable |             Default              \n"
            "--------+---------+-----------+----------+----------------------------------\n"
            " id     | integer |           | not null | generated always as identity\n"
            " b      | bigint  |           | not null | generated by default as identity\n\n");
  CommandResult dseq = RunCommand(c.Env() + "psql -X -c '\\d it_id_seq'");
  EXPECT_EQ(dseq.out,
            "                     Sequence \"public.it_id_seq\"\n"
            "  Type   | Start | Minimum |  Maximum   | Increment | Cycles? | Cache \n"
            "---------+-------+---------+------------+-----------+---------+-------\n"
            " integer |     1 |       1 | 2147483647 |         1 | no      |     1\n"
            "Sequence for identity column: public.it.id\n\n");
  Conn conn = c.Connect();
  Result r(PQexec(conn.get(), "INSERT INTO it (id) VALUES (5)"));
  EXPECT_EQ(SqlState(r.get()), "428C9");
  auto field = [&](int f) {
    const char* v = PQresultErrorField(r.get(), f);
    return std::string(v ? v : "");
  };
  EXPECT_EQ(field(PG_DIAG_MESSAGE_PRIMARY), "cannot insert a non-DEFAULT value into column \"id\"");
  EXPECT_EQ(field(PG_DIAG_MESSAGE_DETAIL), "Column \"id\" is an identity column defined as GENERATED ALWAYS.");
  EXPECT_EQ(field(PG_DIAG_MESSAGE_HINT), "Use OVERRIDING SYSTEM VALUE to override.");
  EXPECT_EQ(QueryValue(conn.get(), "INSERT INTO it (id) OVERRIDING SYSTEM VALUE VALUES (5) RETURNING id"), "5");
  EXPECT_EQ(QueryValue(conn.get(), "INSERT INTO it DEFAULT VALUES RETURNING id"), "1");
  // COPY takes the values given, as PostgreSQL's COPY (no rewriter) does.
  CommandResult copy = RunCommand("printf '9\\n' | " + c.Env() + "psql -X -c 'COPY it (id) FROM STDIN'");
  EXPECT_NE(copy.out.find("COPY 1"), std::string::npos) << copy.out;
  EXPECT_EQ(QueryValue(conn.get(), "SELECT count(*) FROM it WHERE id = 9"), "1");
  // Identity values go on after a restart like any sequence's.
  c.StopWith(SIGINT);
  c.Start();
  Conn again = c.Connect();
  EXPECT_EQ(QueryValue(again.get(), "INSERT INTO it DEFAULT VALUES RETURNING id"), "2");
}

}  // namespace
}  // namespace tusk::test
