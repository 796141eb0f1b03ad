// Parallel query (sql/executor/parallel_scan.cc, backend/parallel_*.cc):
// real worker processes forked by the postmaster, titled and listed as the
// contract says, whose results equal a serial run's, whose errors reach the
// client, which a cancel stops and whose crash restarts the server.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

// A table above the default min_parallel_table_scan_size (8MB), so the
// default settings choose a parallel scan.
void MakeBigTable(Cluster& c) {
  ASSERT_EQ(c.Psql("CREATE TABLE big (id int, g int, v numeric(10,2), t text);"
                   "INSERT INTO big SELECT i, i % 7, i / 100.0, 'row number ' || i || ' of the big table'"
                   "  FROM generate_series(1, 150000) i")
                .exit_code,
            0);
  ASSERT_GE(std::stoll(c.Psql("SELECT pg_relation_size('big') / 8192").out), 1024);
}

// Keeps every participant busy for a while: md5 of a long string per row.
const char* kSlowQuery = "SELECT count(*) FROM big WHERE md5(repeat(t, 300)) LIKE 'zzz%'";

std::vector<pid_t> WorkersOf(const Cluster& c, pid_t leader) {
  std::vector<pid_t> out;
  const std::string title = "bgworker: parallel worker for PID " + std::to_string(leader);
  for (const auto& [pid, t] : c.ChildTitles())
    if (t.find(title) != std::string::npos) out.push_back(pid);
  return out;
}

bool NoWorkersLeft(const Cluster& c) {
  for (int i = 0; i < 100; ++i) {
    bool any = false;
    for (const auto& [pid, t] : c.ChildTitles()) any = any || t.find("parallel worker") != std::string::npos;
    if (!any) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Sends a query that runs for seconds; returns its workers once they show.
std::vector<pid_t> StartLongQuery(const Cluster& c, PGconn* leader) {
  std::vector<pid_t> workers;
  if (PQsendQuery(leader, "SELECT count(*) FROM big a WHERE md5(repeat(t, 5000)) LIKE 'zzz%'") != 1) return workers;
  for (int i = 0; i < 200 && workers.empty(); ++i) {
    workers = WorkersOf(c, PQbackendPID(leader));
    if (workers.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return workers;
}

void Drain(PGconn* conn) {
  while (PGresult* r = PQgetResult(conn)) PQclear(r);
}

TEST(ParallelQuery, WorkersAreChildrenOfThePostmasterTitledForTheirLeader) {
  Cluster c;
  c.Start();
  MakeBigTable(c);
  Conn leader = c.Connect();
  Conn watcher = c.Connect();
  // PostgreSQL's count: one worker from 1024 pages, two from 3 * 1024.
  const size_t planned = std::stoll(QueryValue(watcher.get(), "SELECT pg_relation_size('big') / 8192")) >= 3072 ? 2 : 1;
  const pid_t lpid = PQbackendPID(leader.get());
  ASSERT_EQ(PQsendQuery(leader.get(), kSlowQuery), 1);
  std::vector<pid_t> workers;
  for (int i = 0; i < 200 && workers.size() < planned; ++i) {
    workers = WorkersOf(c, lpid);
    if (workers.size() < planned) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(workers.size(), planned);
  EXPECT_EQ(ProcessTitle(workers[0]).rfind("tusk: bgworker: parallel worker for PID ", 0), 0u) << ProcessTitle(workers[0]);
  EXPECT_EQ(QueryValue(watcher.get(), "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'parallel worker'"
                                      " AND leader_pid = " + std::to_string(lpid) +
                                      " AND datname = 'postgres' AND query LIKE 'SELECT count(*) FROM big%'"),
            std::to_string(planned));
  Result r(PQgetResult(leader.get()));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(leader.get());
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "0");
  Drain(leader.get());
  EXPECT_TRUE(NoWorkersLeft(c)) << "workers exit when their query ends";
  for (pid_t w : workers) {
    for (int i = 0; i < 100 && ProcessAlive(w); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(ProcessAlive(w)) << "and the postmaster reaps them";
  }
}

TEST(ParallelQuery, ExplainShowsTheGatherTheExecutorRuns) {
  Cluster c;
  c.Start();
  MakeBigTable(c);
  Conn conn = c.Connect();
  auto plan = [&](const std::string& sql) {
    Result r(PQexec(conn.get(), ("EXPLAIN " + sql).c_str()));
    std::string text;
    for (int i = 0; i < PQntuples(r.get()); ++i) text += std::string(PQgetvalue(r.get(), i, 0)) + "\n";
    return text;
  };
  const std::string planned =
      "Workers Planned: " + std::string(std::stoll(QueryValue(conn.get(), "SELECT pg_relation_size('big') / 8192")) >= 3072 ? "2" : "1");
  EXPECT_EQ(plan("SELECT count(*) FROM big"),
            "Finalize Aggregate\n  ->  Gather\n        " + planned +
                "\n        ->  Partial Aggregate\n              ->  Parallel Seq Scan on big\n");
  EXPECT_EQ(plan("SELECT id FROM big WHERE g = 3"),
            "Gather\n  " + planned + "\n  ->  Parallel Seq Scan on big\n        Filter: (g = 3)\n");
  EXPECT_EQ(plan("SELECT * FROM big"), "Seq Scan on big\n");  // every row shipped: not worth it
  ASSERT_EQ(c.Psql("CREATE TABLE dim (g int, name text)").exit_code, 0);
  EXPECT_EQ(plan("SELECT count(*) FROM big b JOIN dim d ON d.g = b.g"),
            "Finalize Aggregate\n  ->  Gather\n        " + planned +
                "\n        ->  Partial Aggregate\n              ->  Hash Join\n                    Hash Cond: (b.g = d.g)\n"
                "                    ->  Parallel Seq Scan on big b\n                    ->  Hash\n"
                "                          ->  Seq Scan on dim d\n");
  EXPECT_EQ(plan("SELECT id FROM big ORDER BY v DESC LIMIT 3"),
            "Limit\n  ->  Sort\n        Sort Key: v DESC\n        ->  Gather\n              " + planned +
                "\n              ->  Parallel Seq Scan on big\n");
  EXPECT_EQ(plan("SELECT count(*) FROM big WHERE id = (SELECT 1)").find("Gather"), std::string::npos);
  Exec(conn.get(), "SET max_parallel_workers_per_gather = 0");
  EXPECT_EQ(plan("SELECT count(*) FROM big"), "Aggregate\n  ->  Seq Scan on big\n");
}

// Every shape the parallel node takes over (filter only, aggregates with and
// without GROUP BY, HAVING, FILTER, parameters) gives what the serial plan
// gives, with the leader participating and with only workers scanning.
TEST(ParallelQuery, ResultsEqualTheSerialPlans) {
  Cluster c;
  c.Start();
  MakeBigTable(c);
  ASSERT_EQ(c.Psql("UPDATE big SET t = NULL, v = NULL WHERE id % 11 = 0").exit_code, 0);
  ASSERT_EQ(c.Psql("CREATE TABLE dim (g int, name text); INSERT INTO dim VALUES (0, 'zero'), (1, 'one'), (2, 'two'),"
                   " (3, 'three'), (3, 'three again'), (4, 'four'), (5, 'five'), (9, 'nine')").exit_code,
            0);
  Conn conn = c.Connect();
  const std::vector<std::string> queries = {
      "SELECT count(*), sum(id), avg(v), min(t), max(t), min(v), max(id), count(t) FROM big",
      "SELECT g, count(*), sum(v), avg(id), bool_and(id > 3), bool_or(id % 1000 = 0) FROM big GROUP BY g ORDER BY g",
      "SELECT g, sum(id) FILTER (WHERE id % 2 = 0), count(*) FILTER (WHERE t IS NULL) FROM big GROUP BY g "
      "HAVING count(*) > 10 ORDER BY 1",
      "SELECT id, v, t FROM big WHERE id % 9973 = 0 ORDER BY id",
      "SELECT round(variance(v), 6), round(stddev_pop(id), 6), round(var_samp(id::float8)::numeric, 3) FROM big",
      "SELECT g % 3, avg(v) FROM big WHERE t LIKE '%7 of%' GROUP BY g % 3 ORDER BY 1",
      "SELECT count(*) FROM big WHERE id > 150001",
      "SELECT min(id), max(id) FROM big WHERE v IS NULL",
      "SELECT id FROM big WHERE id IN (1, 77777, 150000) ORDER BY id",
      "SELECT id, v, t FROM big ORDER BY v DESC NULLS LAST, id LIMIT 15 OFFSET 4",
      "SELECT g, id FROM big WHERE t IS NOT NULL ORDER BY g, id DESC LIMIT 5",
      // Hash joins whose probe side is the shared scan, aggregated in the workers.
      "SELECT d.name, count(*), sum(b.id), avg(b.v) FROM big b JOIN dim d ON d.g = b.g GROUP BY d.name ORDER BY 1",
      "SELECT d.name, count(*), count(d.g) FROM big b LEFT JOIN dim d ON d.g = b.g AND d.g < 4 GROUP BY d.name "
      "ORDER BY 1",
      "SELECT g, count(*), max(name) FROM big JOIN dim USING (g) WHERE id % 3 = 0 GROUP BY g ORDER BY g",
      "SELECT count(*), sum(v) FROM big b JOIN dim d ON d.g = b.g AND b.id > d.g * 1000",
  };
  auto run_all = [&](const std::string& settings) {
    Exec(conn.get(), settings);
    std::vector<std::string> out;
    for (const std::string& q : queries) {
      Result r(PQexec(conn.get(), q.c_str()));
      EXPECT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << q << ": " << PQerrorMessage(conn.get());
      std::string text;
      for (int i = 0; i < PQntuples(r.get()); ++i)
        for (int j = 0; j < PQnfields(r.get()); ++j)
          text += (PQgetisnull(r.get(), i, j) ? std::string("NULL") : PQgetvalue(r.get(), i, j)) + "|";
      out.push_back(text);
    }
    return out;
  };
  const auto serial = run_all("SET max_parallel_workers_per_gather = 0");
  const auto parallel = run_all("SET max_parallel_workers_per_gather = 2");
  const auto workers_only = run_all("SET parallel_leader_participation = off");
  for (size_t i = 0; i < queries.size(); ++i) {
    EXPECT_EQ(parallel[i], serial[i]) << queries[i];
    EXPECT_EQ(workers_only[i], serial[i]) << queries[i];
  }
  // The same through the extended protocol with a parameter.
  const char* values[1] = {"5"};
  Result r(PQexecParams(conn.get(), "SELECT count(*), sum(id) FROM big WHERE g = $1", 1, nullptr, values, nullptr,
                        nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn.get());
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "21428");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 1), QueryValue(conn.get(), "SELECT sum(id) FROM generate_series(1, 150000) id "
                                                                 "WHERE id % 7 = 5").c_str());
}

TEST(ParallelQuery, AWorkersErrorReachesTheClientAndTheSessionGoesOn) {
  Cluster c;
  c.Start();
  MakeBigTable(c);
  Conn conn = c.Connect();
  Exec(conn.get(), "SET parallel_leader_participation = off");  // only workers evaluate the WHERE
  Result r(PQexec(conn.get(), "SELECT count(*) FROM big WHERE 10 / (id - 777) > 0"));
  EXPECT_EQ(SqlState(r.get()), "22012") << PQerrorMessage(conn.get());
  EXPECT_NE(std::string(PQerrorMessage(conn.get())).find("division by zero"), std::string::npos);
  EXPECT_TRUE(NoWorkersLeft(c));
  EXPECT_EQ(QueryValue(conn.get(), "SELECT count(*) FROM big WHERE id <> 777"), "149999");
  // Inside a transaction block the error aborts it, as any error does.
  Exec(conn.get(), "BEGIN");
  Result again(PQexec(conn.get(), "SELECT sum(10 / (id - 5)) FROM big"));
  EXPECT_EQ(SqlState(again.get()), "22012");
  Result aborted(PQexec(conn.get(), "SELECT 1"));
  EXPECT_EQ(SqlState(aborted.get()), "25P02");
  Exec(conn.get(), "ROLLBACK");
}

TEST(ParallelQuery, CancelStopsTheLeaderAndItsWorkers) {
  Cluster c;
  c.Start();
  MakeBigTable(c);
  Conn leader = c.Connect();
  const std::vector<pid_t> workers = StartLongQuery(c, leader.get());
  ASSERT_FALSE(workers.empty());
  PGcancel* cancel = PQgetCancel(leader.get());
  char err[256];
  ASSERT_EQ(PQcancel(cancel, err, sizeof err), 1) << err;
  PQfreeCancel(cancel);
  Result r(PQgetResult(leader.get()));
  EXPECT_EQ(SqlState(r.get()), "57014");
  Drain(leader.get());
  EXPECT_TRUE(NoWorkersLeft(c));
  EXPECT_EQ(QueryValue(leader.get(), "SELECT count(*) FROM big WHERE id % 2 = 0"), "75000");
}

// Cursors may stop part-way, so PostgreSQL gives them no workers; nor does
// a transaction that has written (workers would not see its rows).
TEST(ParallelQuery, NoWorkersForCursorsOrAfterWritesInTheTransaction) {
  Cluster c;
  c.Start();
  MakeBigTable(c);
  Conn leader = c.Connect();
  const pid_t lpid = PQbackendPID(leader.get());
  auto saw_workers = [&](const std::string& sql) {
    if (PQsendQuery(leader.get(), sql.c_str()) != 1) return true;
    bool seen = false;
    for (;;) {
      seen = seen || !WorkersOf(c, lpid).empty();
      PQconsumeInput(leader.get());
      if (!PQisBusy(leader.get())) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    Drain(leader.get());
    return seen;
  };
  Exec(leader.get(), "BEGIN");
  Exec(leader.get(), "DECLARE cur CURSOR FOR SELECT count(*) FROM big WHERE md5(repeat(t, 300)) LIKE 'zzz%'");
  EXPECT_FALSE(saw_workers("FETCH ALL FROM cur"));
  Exec(leader.get(), "INSERT INTO big VALUES (-1, 0, 0, 'new')");
  EXPECT_FALSE(saw_workers("SELECT count(*) FROM big WHERE md5(repeat(t, 300)) LIKE 'zzz%' OR id = -1"));
  EXPECT_EQ(QueryValue(leader.get(), "SELECT count(*) FROM big WHERE id < 0"), "1");
  // Nor in a subtransaction, which has no xid of its own until it writes.
  Exec(leader.get(), "SAVEPOINT s");
  EXPECT_FALSE(saw_workers("SELECT count(*) FROM big WHERE md5(repeat(t, 100)) LIKE 'zzz%' OR id = -1"));
  Exec(leader.get(), "COMMIT");
  EXPECT_TRUE(saw_workers(kSlowQuery));
}

// A worker killed by a signal may have left shared memory half-written:
// like any server process, its crash restarts everything.
TEST(ParallelQuery, AKilledWorkerRestartsTheServer) {
  Cluster c;
  c.Start();
  MakeBigTable(c);
  Conn leader = c.Connect();
  const std::vector<pid_t> workers = StartLongQuery(c, leader.get());
  ASSERT_FALSE(workers.empty());
  const size_t from = c.LogSize();
  kill(workers[0], SIGKILL);
  EXPECT_NE(c.WaitForLog("background worker \"parallel worker\" (PID " + std::to_string(workers[0]) +
                             ") was terminated by signal 9",
                         20, from),
            std::string::npos)
      << c.ReadLog();
  EXPECT_NE(c.WaitForLog("all server processes terminated; reinitializing", 20, from), std::string::npos);
  EXPECT_NE(c.WaitForLog("database system is ready to accept connections", 30, from), std::string::npos);
  Drain(leader.get());
  ASSERT_TRUE(c.WaitReady());
  EXPECT_EQ(c.Psql("SELECT count(*) FROM big").out, "150000\n");
}

}  // namespace
}  // namespace tusk::test
