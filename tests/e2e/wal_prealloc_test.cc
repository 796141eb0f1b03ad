// WAL segments are created ahead of the inserters by the WAL writer, which
// an inserter wakes every quarter segment (access/wal README). Without the
// wake the WAL writer sleeps wal_writer_delay (10 s here) between rounds,
// and an inserter that fills segments quickly would create each one itself,
// writing 16 MB of zeros while it holds the WAL insert lock.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

// The name of the segment after `name` (timeline, log, segment; 256 segments of 16 MB per log).
std::string NextSegment(const std::string& name) {
  unsigned tli = 0, log = 0, seg = 0;
  EXPECT_EQ(std::sscanf(name.c_str(), "%8X%8X%8X", &tli, &log, &seg), 3) << name;
  if (++seg == 0x100) {
    seg = 0;
    ++log;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08X%08X%08X", tli, log, seg);
  return buf;
}

TEST(WalPrealloc, TheWalWriterCreatesTheNextSegmentWhileABulkLoadRuns) {
  Cluster c;
  c.AppendConf("wal_writer_delay = 10000\n");
  c.Start();
  Conn conn = c.Connect();
  ASSERT_EQ(QueryValue(conn.get(), "SELECT count(*) FROM (SELECT 1) s"), "1");
  Result create(PQexec(conn.get(), "CREATE TABLE bulk (t text)"));
  ASSERT_EQ(PQresultStatus(create.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn.get());
  // About 40 MB of WAL: the load passes at least two segment starts after
  // the one the WAL writer prepared when it started.
  Result load(PQexec(conn.get(), "INSERT INTO bulk SELECT repeat('x', 1000) FROM generate_series(1, 40000)"));
  ASSERT_EQ(PQresultStatus(load.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn.get());
  const std::string current = QueryValue(conn.get(), "SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
  const std::string next = c.datadir() + "/pg_wal/" + NextSegment(current);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!std::filesystem::exists(next) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(std::filesystem::exists(next)) << "no segment after " << current << " within 3 s";
}

}  // namespace
}  // namespace tusk::test
