// Issue 3 item 8 through the file-access seam: an fsync failure of the WAL is
// a PANIC, the server does not carry on with a possibly lost write, and the
// next start recovers to a consistent state.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

TEST(Faults, WalFsyncFailureIsAPanicAndRecoveryFollows) {
  Cluster c;
  c.AppendConf("restart_after_crash = off");
  setenv("TUSK_FAULTS", "pg_wal/0000:fsync:eio:0:-1", 1);
  c.Start();
  unsetenv("TUSK_FAULTS");
  Conn conn = c.Connect();
  Result r(PQexec(conn.get(), "CHECKPOINT"));
  EXPECT_NE(PQresultStatus(r.get()), PGRES_COMMAND_OK);
  int status = c.StopWith(0, 20);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << status;
  std::string log = c.ReadLog();
  EXPECT_NE(log.find("PANIC:  could not f"), std::string::npos) << log;
  EXPECT_NE(log.find("checkpointer process (PID "), std::string::npos) << log;
  EXPECT_NE(log.find("shutting down because restart_after_crash is off"), std::string::npos) << log;
  // Without the fault the next start recovers.
  size_t from = c.LogSize();
  c.Start();
  EXPECT_NE(c.WaitForLog("automatic recovery in progress", 10, from), std::string::npos) << c.ReadLog().substr(from);
  Conn again = c.Connect();
  EXPECT_EQ(QueryValue(again.get(), "SELECT 1"), "1");
}

TEST(Faults, ControlFileDamageIsRefusedClearly) {
  Cluster c;
  RunCommand("printf 'garbage' | dd of=" + c.datadir() + "/global/pg_control bs=1 seek=20 conv=notrunc 2>/dev/null");
  c.Start("", false);
  int status = 0;
  for (int i = 0; i < 100 && !c.TryReap(&status); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::string log = c.ReadLog();
  EXPECT_NE(log.find("PANIC:  incorrect checksum in control file"), std::string::npos) << log;
  EXPECT_NE(log.find("aborting startup due to startup process failure"), std::string::npos) << log;
  EXPECT_FALSE(c.Running());
}

}  // namespace
}  // namespace tusk::test
