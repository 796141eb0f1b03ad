// LISTEN/NOTIFY between sessions through libpq's PQnotifies, as PostgreSQL
// delivers them: at commit, to idle listeners of the same database, never
// inside a listener's transaction block, and NOTIFY fails with 54000 once
// the shared queue is full.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "cluster.h"
#include "raw_client.h"

namespace tusk::test {
namespace {

struct Received {
  std::string channel, payload;
  int pid;
};

// Waits up to timeout_ms for notifications without sending anything: an
// idle listener must be woken by the server.
std::vector<Received> Wait(PGconn* conn, int timeout_ms, size_t want = 1) {
  std::vector<Received> out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
    pollfd p{PQsocket(conn), POLLIN, 0};
    poll(&p, 1, 50);
    PQconsumeInput(conn);
    while (PGnotify* n = PQnotifies(conn)) {
      out.push_back({n->relname, n->extra, n->be_pid});
      PQfreemem(n);
    }
  }
  return out;
}

TEST(Notify, IdleListenerGetsChannelPayloadAndSenderPid) {
  Cluster c;
  c.Start();
  Conn listener = c.Connect();
  Conn sender = c.Connect();
  Exec(listener.get(), "LISTEN jobs");
  Exec(sender.get(), "NOTIFY jobs, 'first'");
  Exec(sender.get(), "SELECT pg_notify('jobs', 'second')");
  Exec(sender.get(), "NOTIFY other, 'not listened to'");
  auto got = Wait(listener.get(), 5000, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].channel, "jobs");
  EXPECT_EQ(got[0].payload, "first");
  EXPECT_EQ(got[0].pid, PQbackendPID(sender.get()));
  EXPECT_EQ(got[1].payload, "second");
  EXPECT_TRUE(Wait(listener.get(), 300).empty());
}

TEST(Notify, OnlyCommittedOnceAndNeverInsideTheListenersBlock) {
  Cluster c;
  c.Start();
  Conn listener = c.Connect();
  Conn sender = c.Connect();
  Exec(listener.get(), "LISTEN jobs");
  Exec(sender.get(), "BEGIN");
  Exec(sender.get(), "NOTIFY jobs, 'dup'");
  Exec(sender.get(), "NOTIFY jobs, 'dup'");
  EXPECT_TRUE(Wait(listener.get(), 300).empty()) << "delivered before the sender committed";
  Exec(sender.get(), "COMMIT");
  Exec(sender.get(), "BEGIN");
  Exec(sender.get(), "NOTIFY jobs, 'aborted'");
  Exec(sender.get(), "ROLLBACK");
  auto got = Wait(listener.get(), 3000, 2);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "dup");

  Exec(listener.get(), "BEGIN");
  Exec(sender.get(), "NOTIFY jobs, 'held'");
  EXPECT_TRUE(Wait(listener.get(), 300).empty()) << "delivered inside the listener's transaction block";
  Exec(listener.get(), "COMMIT");
  got = Wait(listener.get(), 3000);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "held");
}

TEST(Notify, DiscardAllStopsListening) {
  Cluster c;
  c.Start();
  Conn listener = c.Connect();
  Conn sender = c.Connect();
  Exec(listener.get(), "LISTEN jobs");
  Exec(listener.get(), "DISCARD ALL");
  Exec(sender.get(), "NOTIFY jobs, 'after discard'");
  EXPECT_TRUE(Wait(listener.get(), 300).empty());
}

TEST(Notify, ListenersOfAnotherDatabaseHearNothing) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Exec(admin.get(), "CREATE DATABASE otherdb");
  Conn there = c.Connect("otherdb");
  Conn here = c.Connect();
  Exec(there.get(), "LISTEN jobs");
  Exec(here.get(), "LISTEN jobs");
  Exec(admin.get(), "NOTIFY jobs, 'postgres only'");
  EXPECT_EQ(Wait(here.get(), 3000).size(), 1u);
  EXPECT_TRUE(Wait(there.get(), 300).empty());
}

TEST(Notify, FullQueueFailsTheNotifyingTransactionUntilTheSlowListenerReads) {
  Cluster c;
  c.Start();
  Conn slow = c.Connect();
  Conn sender = c.Connect();
  Exec(slow.get(), "LISTEN jobs");
  Exec(slow.get(), "BEGIN");  // holds every notification from now on
  std::string state;
  int sent = 0;
  for (; sent < 2000 && state.empty(); ++sent) {
    Result r(PQexec(sender.get(), "SELECT pg_notify('jobs', repeat('x', 7000))"));
    state = SqlState(r.get());
  }
  EXPECT_EQ(state, "54000");
  EXPECT_LT(sent, 2000);
  Result again(PQexec(sender.get(), "SELECT pg_notify('jobs', repeat('y', 7000))"));
  EXPECT_EQ(SqlState(again.get()), "54000");
  EXPECT_NE(std::string(PQresultErrorMessage(again.get())).find("too many notifications in the NOTIFY queue"),
            std::string::npos);
  Exec(slow.get(), "COMMIT");
  auto got = Wait(slow.get(), 10000, static_cast<size_t>(sent - 1));
  EXPECT_EQ(got.size(), static_cast<size_t>(sent - 1));
  Exec(sender.get(), "NOTIFY jobs, 'room again'");
  got = Wait(slow.get(), 3000);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "room again");
}

TEST(Notify, ADepartedListenerHoldsNothingBack) {
  Cluster c;
  c.Start();
  Conn sender = c.Connect();
  pid_t gone_pid = 0;
  {
    Conn gone = c.Connect();
    gone_pid = PQbackendPID(gone.get());
    Exec(gone.get(), "LISTEN jobs");
    Exec(gone.get(), "BEGIN");
  }
  for (int i = 0; i < 500 && kill(gone_pid, 0) == 0; ++i) usleep(10000);
  // Far more than the queue holds: only live listeners count.
  for (int i = 0; i < 1500; ++i) Exec(sender.get(), "SELECT pg_notify('jobs', repeat('x', 7000))");
}

}  // namespace
}  // namespace tusk::test
