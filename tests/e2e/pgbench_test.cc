// Issue acceptance: pgbench with a `select 1` script, 20 clients for 30 s, in
// each query mode, with no error; psql over both socket kinds.
#include <gtest/gtest.h>

#include <fstream>

#include "cluster.h"

namespace tusk::test {
namespace {

class PgbenchTest : public ::testing::TestWithParam<const char*> {};

TEST_P(PgbenchTest, Select1TwentyClientsThirtySeconds) {
  Cluster c;
  c.Start();
  std::string script = c.sockdir() + "/select1.sql";
  std::ofstream(script) << "select 1\n";
  CommandResult r = RunCommand(c.Env() + "pgbench -n -f " + script + " -c 20 -j 2 -T 30 -M " + GetParam() + " postgres",
                               120);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("number of failed transactions: 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("number of clients: 20"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("error"), std::string::npos) << r.out;
  EXPECT_EQ(c.ReadLog().find("ERROR"), std::string::npos) << c.ReadLog().substr(0, 3000);
  EXPECT_EQ(c.ReadLog().find("terminated by signal"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Modes, PgbenchTest, ::testing::Values("simple", "extended", "prepared"));

TEST(Psql, UnixSocketAndTcp) {
  Cluster c;
  c.Start();
  CommandResult local = c.Psql("SELECT 1 + 1, 'a' || 'b', NULL IS NULL");
  EXPECT_EQ(local.exit_code, 0) << local.out;
  EXPECT_EQ(local.out, "2|ab|t\n");
  CommandResult tcp = c.Psql("SELECT current_user = session_user", "", true);
  EXPECT_EQ(tcp.exit_code, 0) << tcp.out;
  EXPECT_EQ(tcp.out, "t\n");
  CommandResult err = c.Psql("SELECT 1/0");
  EXPECT_NE(err.exit_code, 0);
  EXPECT_NE(err.out.find("ERROR:  division by zero"), std::string::npos) << err.out;
  CommandResult multi = c.Psql("BEGIN; SELECT 1; COMMIT; SHOW server_version_num");
  EXPECT_EQ(multi.exit_code, 0) << multi.out;
}

}  // namespace
}  // namespace tusk::test
