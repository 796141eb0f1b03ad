// HOT updates through SQL on a real server: a row updated two thousand
// times in separate transactions keeps its page and adds no index entries;
// index scans (through the key, a secondary index and an index built after
// the updates) find the live version; a change of an indexed column is a
// cold update; all of it is the same after a crash.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <string>

#include "cluster.h"

namespace tusk::test {
namespace {

std::string Lookups(Cluster& c) {
  return c.Psql("SET enable_seqscan = off; "
                "SELECT 'k', id, b, n FROM h WHERE id = 1; "
                "SELECT 'b', id, b, n FROM h WHERE b = 10; "
                "SELECT 'c', id, b, n FROM h WHERE c = 'c1999'; "
                "SELECT 'old', count(*) FROM h WHERE c = 'c1998'; "
                "SELECT 'moved', id, b FROM h WHERE b = 2000; "
                "SELECT 'gone', count(*) FROM h WHERE b = 20")
      .out;
}

TEST(HotUpdate, ManyUpdatesOfOneRowKeepItsPageAndIndexes) {
  Cluster c;
  c.AppendConf("autovacuum = off");
  c.Start();
  ASSERT_EQ(c.Psql("CREATE TABLE h (id int PRIMARY KEY, b int, n int, c text); "
                   "CREATE INDEX h_b ON h (b); "
                   "INSERT INTO h SELECT g, g * 10, 0, 'x' FROM generate_series(1, 5) g")
                .exit_code,
            0);
  // One autocommitted UPDATE per line: each is its own transaction, so
  // readers may prune what the earlier ones left behind.
  std::string script;
  for (int i = 0; i < 2000; ++i) script += "UPDATE h SET n = n + 1, c = 'c" + std::to_string(i) + "' WHERE id = 1;\n";
  const std::string file = c.sockdir() + "/updates.sql";
  std::ofstream(file) << script;
  CommandResult run = RunCommand(c.Env() + "psql -X -q -v ON_ERROR_STOP=1 -f " + file + " postgres", 300);
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(c.Psql("SELECT pg_relation_size('h'), pg_relation_size('h_pkey'), pg_relation_size('h_b')").out,
            "8192|16384|16384\n");
  // An index built over the chains names their roots.
  ASSERT_EQ(c.Psql("CREATE INDEX h_c ON h (c)").exit_code, 0);
  // A changed indexed column: a new index entry, the old key finds nothing.
  ASSERT_EQ(c.Psql("UPDATE h SET b = 2000 WHERE id = 2").exit_code, 0);
  const std::string expect = "SET\nk|1|10|2000\nb|1|10|2000\nc|1|10|2000\nold|0\nmoved|2|2000\ngone|0\n";
  EXPECT_EQ(Lookups(c), expect);
  EXPECT_NE(c.Psql("SET enable_seqscan = off; EXPLAIN SELECT * FROM h WHERE c = 'c1999'").out.find("Index Scan using h_c"),
            std::string::npos);
  ASSERT_EQ(c.Psql("VACUUM h").exit_code, 0);
  EXPECT_EQ(Lookups(c), expect);
  c.StopWith(SIGQUIT);
  c.Start();
  EXPECT_EQ(Lookups(c), expect);
  EXPECT_EQ(c.Psql("SELECT count(*), sum(n) FROM h").out, "5|2000\n");
}

}  // namespace
}  // namespace tusk::test
