// Advisory locks between sessions (backend/session_advisory.cc), as
// migration tools use them: session locks outlive transactions and go with
// the session, a waiter blocks until the holder unlocks and can be
// cancelled, transaction locks go at commit.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "cluster.h"
#include "raw_client.h"

namespace tusk::test {
namespace {

std::string One(PGconn* conn, const std::string& sql) { return QueryValue(conn, sql); }

TEST(Advisory, SessionLockBlocksOthersUntilUnlockedAndGoesWithItsSession) {
  Cluster c;
  c.Start();
  Conn a = c.Connect();
  Conn b = c.Connect();
  One(a.get(), "SELECT pg_advisory_lock(42)");
  Exec(a.get(), "BEGIN; COMMIT");  // a transaction end keeps a session lock
  EXPECT_EQ(One(b.get(), "SELECT pg_try_advisory_lock(42)"), "f");
  EXPECT_EQ(One(b.get(), "SELECT pg_try_advisory_lock_shared(42)"), "f");
  EXPECT_EQ(One(b.get(), "SELECT pg_try_advisory_lock(43)"), "t");

  // A blocking request waits for the unlock.
  ASSERT_EQ(PQsendQuery(b.get(), "SELECT pg_advisory_lock(42)"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  PQconsumeInput(b.get());
  EXPECT_EQ(PQisBusy(b.get()), 1) << "pg_advisory_lock(42) did not wait";
  EXPECT_EQ(One(a.get(), "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 42 AND NOT granted"),
            "1");
  EXPECT_EQ(One(a.get(), "SELECT pg_advisory_unlock(42)"), "t");
  Result r(PQgetResult(b.get()));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(b.get());
  while (PGresult* rest = PQgetResult(b.get())) PQclear(rest);

  // Now b holds it; its session's end releases it.
  EXPECT_EQ(One(a.get(), "SELECT pg_try_advisory_lock(42)"), "f");
  b.reset();
  bool got = false;
  for (int i = 0; i < 100 && !got; ++i) {
    got = One(a.get(), "SELECT pg_try_advisory_lock(42)") == "t";
    if (!got) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(got);
}

TEST(Advisory, WaitIsCancellableAndTransactionLocksEndWithTheTransaction) {
  Cluster c;
  c.Start();
  Conn a = c.Connect();
  Conn b = c.Connect();
  Exec(a.get(), "BEGIN");
  One(a.get(), "SELECT pg_advisory_xact_lock(7)");
  ASSERT_EQ(PQsendQuery(b.get(), "SELECT pg_advisory_lock(7)"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  PGcancel* cancel = PQgetCancel(b.get());
  char err[256];
  ASSERT_EQ(PQcancel(cancel, err, sizeof err), 1) << err;
  PQfreeCancel(cancel);
  Result r(PQgetResult(b.get()));
  EXPECT_EQ(SqlState(r.get()), "57014");
  while (PGresult* rest = PQgetResult(b.get())) PQclear(rest);
  EXPECT_EQ(One(b.get(), "SELECT pg_try_advisory_lock(7)"), "f");
  Exec(a.get(), "COMMIT");
  EXPECT_EQ(One(b.get(), "SELECT pg_try_advisory_lock(7)"), "t");
}

}  // namespace
}  // namespace tusk::test
