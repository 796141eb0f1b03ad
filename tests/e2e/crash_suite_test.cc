// Issue 3 acceptance: SIGKILL of backends, auxiliary processes and the
// postmaster (and immediate shutdowns) at random instants under a TPC-B-like
// load. After each, every acknowledged commit is present and
// sum(abalance) = sum(tbalance) = sum(bbalance) = sum(pgbench_history.delta).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

struct Load {
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<long long> acked;
};

// One client: TPC-B transactions that also insert their own id into acks;
// an id counts as acknowledged only once COMMIT returned success.
void Client(Cluster* c, Load* load, int id_base, unsigned seed) {
  std::mt19937 rng(seed);
  long long seq = 0;
  Conn conn;
  while (!load->stop) {
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
      conn = c->Connect();
      if (PQstatus(conn.get()) != CONNECTION_OK) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
    }
    long long id = static_cast<long long>(id_base) * 1000000000LL + ++seq;
    int aid = 1 + static_cast<int>(rng() % 100000), tid = 1 + static_cast<int>(rng() % 10);
    int delta = static_cast<int>(rng() % 10001) - 5000;
    std::ostringstream q;
    q << "BEGIN; UPDATE pgbench_accounts SET abalance = abalance + " << delta << " WHERE aid = " << aid
      << "; UPDATE pgbench_tellers SET tbalance = tbalance + " << delta << " WHERE tid = " << tid
      << "; UPDATE pgbench_branches SET bbalance = bbalance + " << delta << " WHERE bid = 1"
      << "; INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (" << tid << ", 1, " << aid << ", "
      << delta << ", CURRENT_TIMESTAMP); INSERT INTO acks VALUES (" << id << ")";
    Result r(PQexec(conn.get(), q.str().c_str()));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      conn.reset();
      continue;
    }
    Result commit(PQexec(conn.get(), "COMMIT"));
    if (PQresultStatus(commit.get()) == PGRES_COMMAND_OK && std::string(PQcmdStatus(commit.get())) == "COMMIT") {
      std::lock_guard<std::mutex> g(load->mu);
      load->acked.push_back(id);
    } else {
      conn.reset();
    }
  }
}

void KillPostmasterAndRestart(Cluster& c, int sig) {
  std::vector<pid_t> old = c.Children();
  pid_t pm = c.postmaster_pid();
  kill(pm, sig);
  int status = 0;
  for (int i = 0; i < 200 && !c.TryReap(&status); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // Orphaned children leave on postmaster death; a new postmaster must not
  // start while one of them can still write WAL (the server refuses to).
  for (int i = 0; i < 200; ++i) {
    bool any = false;
    for (pid_t p : old) any |= ProcessAlive(p);
    if (!any) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  c.Start();
}

TEST(CrashSuite, TwentyTrialsOfKillsUnderLoadLoseNoAcknowledgedCommit) {
  Cluster c;
  c.AppendConf("checkpoint_timeout = 30s");
  c.Start();
  CommandResult init = RunCommand(c.Env() + "pgbench -i -s 1 -q postgres", 300);
  ASSERT_EQ(init.exit_code, 0) << init.out;
  ASSERT_EQ(c.Psql("CREATE TABLE acks (id bigint PRIMARY KEY)").exit_code, 0);
  std::mt19937 rng(12345);
  const char* aux[] = {"checkpointer process", "writer process", "wal writer process", "autovacuum launcher process",
                       "stats collector process"};
  size_t total_acked = 0;
  for (int trial = 0; trial < 20; ++trial) {
    Load load;
    std::vector<std::thread> clients;
    for (int i = 0; i < 4; ++i) clients.emplace_back(Client, &c, &load, trial * 10 + i + 1, static_cast<unsigned>(rng()));
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 1200));
    const int kind = trial % 8;
    std::string what;
    if (kind == 0 || kind == 1) {
      Conn probe = c.Connect();
      std::string pids = QueryValue(probe.get(),
                                    "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE pid <> "
                                    "pg_backend_pid() AND backend_type = 'client backend'");
      std::istringstream in(pids);
      std::vector<pid_t> v;
      pid_t p;
      while (in >> p) v.push_back(p);
      probe.reset();
      if (!v.empty()) kill(v[rng() % v.size()], SIGKILL);
      what = "backend";
    } else if (kind <= 5) {
      const char* title = aux[(kind - 2 + trial / 8) % 5];
      pid_t p = c.WaitForChild(title, 5);
      if (p) kill(p, SIGKILL);
      what = title;
    } else if (kind == 6) {
      KillPostmasterAndRestart(c, SIGKILL);
      what = "postmaster";
    } else {
      KillPostmasterAndRestart(c, SIGQUIT);
      what = "immediate shutdown";
    }
    ASSERT_TRUE(c.WaitReady(60)) << what << "\n" << c.ReadLog().substr(c.ReadLog().size() > 4000 ? c.ReadLog().size() - 4000 : 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    load.stop = true;
    for (auto& t : clients) t.join();

    Conn check;
    for (int i = 0; i < 100; ++i) {
      check = c.Connect();
      if (PQstatus(check.get()) == CONNECTION_OK) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(PQstatus(check.get()), CONNECTION_OK) << what;
    Result ids(PQexec(check.get(), "SELECT id FROM acks"));
    ASSERT_EQ(PQresultStatus(ids.get()), PGRES_TUPLES_OK) << what << ": " << PQerrorMessage(check.get());
    std::set<long long> present;
    for (int i = 0; i < PQntuples(ids.get()); ++i) present.insert(std::stoll(PQgetvalue(ids.get(), i, 0)));
    size_t missing = 0;
    for (long long id : load.acked) missing += !present.count(id);
    EXPECT_EQ(missing, 0u) << "trial " << trial << " (" << what << "): " << missing << " of " << load.acked.size()
                           << " acknowledged commits lost";
    std::string inv = QueryValue(check.get(),
                                 "SELECT (SELECT sum(abalance) FROM pgbench_accounts) || ' ' || (SELECT sum(tbalance) "
                                 "FROM pgbench_tellers) || ' ' || (SELECT sum(bbalance) FROM pgbench_branches) || ' ' || "
                                 "(SELECT coalesce(sum(delta), 0) FROM pgbench_history)");
    std::istringstream in(inv);
    long long a = 0, b = 1, cc = 2, d = 3;
    in >> a >> b >> cc >> d;
    EXPECT_TRUE(a == b && b == cc && cc == d) << "trial " << trial << " (" << what << "): " << inv;
    total_acked += load.acked.size();
    if (HasFailure()) break;
  }
  EXPECT_GT(total_acked, 100u) << "the load made too little progress to test anything";
}

}  // namespace
}  // namespace tusk::test

namespace tusk::test {
namespace {

// A new postmaster must not start while a process of the old one lives: it
// could still write WAL over what recovery replays (PostgreSQL's interlock).
TEST(CrashSuite, NoNewServerWhileAnOldBackendLives) {
  Cluster c;
  c.Start();
  ASSERT_EQ(c.Psql("CREATE TABLE k (n int); INSERT INTO k SELECT * FROM (VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10)) v").exit_code, 0);
  Conn victim = c.Connect();
  pid_t backend = PQbackendPID(victim.get());
  // A long statement keeps the backend busy after the postmaster is gone
  // (a stopped process would be woken by the kernel: its group is orphaned).
  ASSERT_EQ(PQsendQuery(victim.get(), "SELECT count(*) FROM k a, k b, k c, k d, k e, k f, k g, k h, k i"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  pid_t pm = c.postmaster_pid();
  kill(pm, SIGKILL);
  int status = 0;
  for (int i = 0; i < 100 && !c.TryReap(&status); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (pid_t p : c.Children())
    if (p != backend) kill(p, SIGKILL);
  size_t from = c.LogSize();
  c.Start("", false);
  EXPECT_NE(c.WaitForLog("FATAL:  pre-existing shared memory block", 10, from), std::string::npos)
      << c.ReadLog();
  EXPECT_NE(c.ReadLog().find("Terminate any old server processes associated with data directory", from),
            std::string::npos);
  for (int i = 0; i < 100 && !c.TryReap(&status); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  kill(backend, SIGINT);  // cancels the statement; idle, it notices the postmaster is gone
  for (int i = 0; i < 100 && ProcessAlive(backend); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(ProcessAlive(backend));
  victim.reset();
  c.Start();
  Conn again = c.Connect();
  EXPECT_EQ(PQstatus(again.get()), CONNECTION_OK);
}

}  // namespace
}  // namespace tusk::test
