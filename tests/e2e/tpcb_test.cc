// Issue 3 acceptance: pgbench -i -s 10, then each built-in script in each
// query mode with 8 clients for 30 s, no errors, and the TPC-B invariant
// sum(abalance) = sum(tbalance) = sum(bbalance) = sum(history.delta) after
// (for simple-update, which leaves tellers and branches alone, sum(abalance) =
// sum(history.delta)).
#include <gtest/gtest.h>

#include <sstream>

#include "cluster.h"

namespace tusk::test {
namespace {

std::string Invariant(Cluster& c) {
  CommandResult r = c.Psql(
      "SELECT (SELECT sum(abalance) FROM pgbench_accounts) || ' ' || (SELECT sum(tbalance) FROM pgbench_tellers) "
      "|| ' ' || (SELECT sum(bbalance) FROM pgbench_branches) || ' ' || "
      "(SELECT coalesce(sum(delta), 0) FROM pgbench_history)");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return r.out;
}

// tpcb-like changes all three balances by each delta; simple-update only the
// account's (tellers and branches stay 0); select-only changes nothing.
bool InvariantHolds(const std::string& four, const std::string& script) {
  std::istringstream in(four);
  long long a, b, c, d;
  if (!(in >> a >> b >> c >> d)) return false;
  if (script == "simple-update") return a == d && b == 0 && c == 0;
  if (script == "select-only") return a == 0 && b == 0 && c == 0 && d == 0;
  return a == b && b == c && c == d;
}

class TpcbScript : public ::testing::TestWithParam<const char*> {};

TEST_P(TpcbScript, EveryModeEightClientsThirtySecondsKeepsTheInvariant) {
  Cluster c;
  c.Start();
  CommandResult init = RunCommand(c.Env() + "pgbench -i -s 10 -q postgres", 600);
  ASSERT_EQ(init.exit_code, 0) << init.out;
  CommandResult count = c.Psql("SELECT count(*) FROM pgbench_accounts");
  EXPECT_EQ(count.out, "1000000\n");
  CommandResult plan = c.Psql("EXPLAIN SELECT abalance FROM pgbench_accounts WHERE aid = 42");
  EXPECT_NE(plan.out.find("Index Scan using pgbench_accounts_pkey on pgbench_accounts"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("Index Cond: (aid = 42)"), std::string::npos) << plan.out;
  for (const char* mode : {"simple", "extended", "prepared"}) {
    CommandResult r = RunCommand(c.Env() + "pgbench -n -b " + GetParam() + " -c 8 -j 2 -T 30 -M " + mode +
                                     " postgres",
                                 180);
    EXPECT_EQ(r.exit_code, 0) << mode << "\n" << r.out;
    EXPECT_NE(r.out.find("number of failed transactions: 0 (0.000%)"), std::string::npos) << mode << "\n" << r.out;
    EXPECT_EQ(r.out.find("error"), std::string::npos) << mode << "\n" << r.out;
  }
  std::string inv = Invariant(c);
  EXPECT_TRUE(InvariantHolds(inv, GetParam())) << GetParam() << ": " << inv;
  EXPECT_EQ(c.ReadLog().find("terminated by signal"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Pgbench, TpcbScript, ::testing::Values("tpcb-like", "simple-update", "select-only"));

}  // namespace
}  // namespace tusk::test
