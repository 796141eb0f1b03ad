// Contract section 4.2: cancel, terminate, timeouts and SIGFPE in a backend;
// pg_stat_activity read from the shared process array.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

std::string ErrorOf(PGconn* conn, const std::string& sql, std::string* state) {
  Result r(PQexec(conn, sql.c_str()));
  *state = SqlState(r.get());
  const char* m = PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY);
  return m ? m : "";
}

class SignalsTest : public ::testing::Test {
 protected:
  void SetUp() override { c_.Start(); }
  Cluster c_;
};

TEST_F(SignalsTest, ProtocolCancelRequestCancelsAndSessionStays) {
  Conn conn = c_.Connect();
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    PGcancel* cancel = PQgetCancel(conn.get());
    char err[256];
    EXPECT_EQ(PQcancel(cancel, err, sizeof err), 1) << err;
    PQfreeCancel(cancel);
  });
  std::string state;
  std::string msg = ErrorOf(conn.get(), "SELECT pg_sleep(20)", &state);
  canceller.join();
  EXPECT_EQ(state, "57014");
  EXPECT_EQ(msg, "canceling statement due to user request");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT 7"), "7");
}

TEST_F(SignalsTest, CancelWithWrongKeyIsIgnored) {
  Conn conn = c_.Connect();
  Conn other = c_.Connect();
  PQsendQuery(conn.get(), "SELECT pg_sleep(1)");
  // A cancel for another session's key must not touch this one.
  PGcancel* cancel = PQgetCancel(other.get());
  char err[256];
  PQcancel(cancel, err, sizeof err);
  PQfreeCancel(cancel);
  Result r(PQgetResult(conn.get()));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn.get());
  while (Result more{PQgetResult(conn.get())}) {
  }
}

TEST_F(SignalsTest, PgCancelBackendAndTerminateBackend) {
  Conn victim = c_.Connect();
  Conn admin = c_.Connect();
  int pid = PQbackendPID(victim.get());
  PQsendQuery(victim.get(), "SELECT pg_sleep(20)");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(QueryValue(admin.get(), "SELECT state FROM pg_stat_activity WHERE pid = " + std::to_string(pid)),
            "active");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT pg_cancel_backend(" + std::to_string(pid) + ")"), "t");
  Result r(PQgetResult(victim.get()));
  EXPECT_EQ(SqlState(r.get()), "57014");
  while (Result more{PQgetResult(victim.get())}) {
  }
  EXPECT_EQ(QueryValue(victim.get(), "SELECT 1"), "1");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT pg_terminate_backend(" + std::to_string(pid) + ")"), "t");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Result gone(PQexec(victim.get(), "SELECT 1"));
  EXPECT_NE(PQresultStatus(gone.get()), PGRES_TUPLES_OK);
  EXPECT_NE(std::string(PQerrorMessage(victim.get())).find("terminating connection due to administrator command"),
            std::string::npos)
      << PQerrorMessage(victim.get());
  EXPECT_NE(c_.WaitForLog("FATAL:  terminating connection due to administrator command"), std::string::npos);
  // Not a backend: a warning and false.
  pid_t checkpointer = c_.WaitForChild("checkpointer process");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT pg_cancel_backend(" + std::to_string(checkpointer) + ")"), "f");
}

TEST_F(SignalsTest, SigtermToIdleBackendEndsSession) {
  Conn conn = c_.Connect();
  int pid = PQbackendPID(conn.get());
  kill(pid, SIGTERM);
  for (int i = 0; i < 100 && ProcessAlive(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(ProcessAlive(pid));
  EXPECT_TRUE(c_.Running());
}

TEST_F(SignalsTest, StatementTimeout) {
  Conn conn = c_.Connect();
  Result s(PQexec(conn.get(), "SET statement_timeout = 200"));
  std::string state;
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ErrorOf(conn.get(), "SELECT pg_sleep(10)", &state), "canceling statement due to statement timeout");
  EXPECT_EQ(state, "57014");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(QueryValue(conn.get(), "SELECT pg_sleep(0.05)"), "");
}

TEST_F(SignalsTest, IdleInTransactionSessionTimeout) {
  Conn conn = c_.Connect();
  Result s(PQexec(conn.get(), "SET idle_in_transaction_session_timeout = 300"));
  Result b(PQexec(conn.get(), "BEGIN"));
  std::this_thread::sleep_for(std::chrono::milliseconds(900));
  Result r(PQexec(conn.get(), "SELECT 1"));
  EXPECT_NE(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  EXPECT_NE(std::string(PQerrorMessage(conn.get())).find("terminating connection due to idle-in-transaction timeout"),
            std::string::npos)
      << PQerrorMessage(conn.get());
}

TEST_F(SignalsTest, SigfpeIsAnErrorAndTheSessionContinues) {
  Conn conn = c_.Connect();
  int pid = PQbackendPID(conn.get());
  std::thread t([pid] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(pid, SIGFPE);
  });
  std::string state;
  EXPECT_EQ(ErrorOf(conn.get(), "SELECT pg_sleep(5)", &state), "floating-point exception");
  t.join();
  EXPECT_EQ(state, "22P01");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT 2"), "2");
}

TEST_F(SignalsTest, IgnoredSignalsChangeNothing) {
  Conn conn = c_.Connect();
  int pid = PQbackendPID(conn.get());
  kill(pid, SIGUSR2);
  kill(pid, SIGPIPE);
  kill(pid, SIGHUP);
  for (int sig : {SIGUSR2, SIGPIPE, SIGALRM, SIGTTIN, SIGTTOU, SIGXFSZ}) kill(c_.postmaster_pid(), sig);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(QueryValue(conn.get(), "SELECT 3"), "3");
  EXPECT_TRUE(c_.Running());
}

TEST_F(SignalsTest, PgStatActivityShowsSessions) {
  Conn a = c_.Connect();
  Conn b = c_.Connect("postgres", "", true, "application_name=probe");
  int bpid = PQbackendPID(b.get());
  Result begin(PQexec(b.get(), "BEGIN"));
  Result sel(PQexec(b.get(), "SELECT 42"));
  std::string q = "SELECT datname, usename, application_name, client_addr, state, query, backend_type, "
                  "xact_start IS NOT NULL, backend_start <= now(), client_port > 0 FROM pg_stat_activity WHERE pid = " +
                  std::to_string(bpid);
  Result r(PQexec(a.get(), q.c_str()));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(a.get());
  ASSERT_EQ(PQntuples(r.get()), 1);
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "postgres");
  EXPECT_EQ(PQgetvalue(r.get(), 0, 1), c_.superuser());
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 2), "probe");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 3), "127.0.0.1");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 4), "idle in transaction");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 5), "SELECT 42");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 6), "client backend");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 7), "t");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 8), "t");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 9), "t");
  EXPECT_EQ(QueryValue(a.get(), "SELECT state FROM pg_stat_activity WHERE pid = pg_backend_pid()"), "active");
  EXPECT_EQ(QueryValue(a.get(), "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'checkpointer'"), "1");
}

}  // namespace
}  // namespace tusk::test
