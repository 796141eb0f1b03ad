// COPY FROM writes rows in batches (a page at a time, one MULTI_INSERT WAL
// record per page): the rows and their index entries survive a crash, and
// an error still names the line of the row that failed, even when that row
// was held in a batch behind later ones.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "cluster.h"

namespace tusk::test {
namespace {

// Rows "i<TAB>i%97<TAB>text" for i in [from, to]; every 500th text is wide
// enough to go to the toast table.
void WriteRows(const std::string& path, int from, int to) {
  std::ofstream f(path);
  for (int i = from; i <= to; ++i) {
    f << i << '\t' << i % 97 << '\t';
    if (i % 500 == 0) {
      f << std::string(3000, static_cast<char>('a' + i % 26));
    } else {
      f << "row " << i;
    }
    f << '\n';
  }
}

CommandResult CopyFile(Cluster& c, const std::string& table, const std::string& path) {
  return RunCommand(c.Env() + "PGUSER=" + c.superuser() + " psql -X -v ON_ERROR_STOP=1 -c 'COPY " + table +
                        " FROM STDIN' postgres < " + path,
                    300);
}

TEST(Copy, BatchedRowsAndIndexesSurviveACrash) {
  Cluster c;
  c.Start();
  ASSERT_EQ(c.Psql("CREATE TABLE plain (id int, k int, t text)").exit_code, 0);
  ASSERT_EQ(c.Psql("CREATE TABLE keyed (id int PRIMARY KEY, k int, t text)").exit_code, 0);
  ASSERT_EQ(c.Psql("CREATE INDEX keyed_k ON keyed (k)").exit_code, 0);
  // Pages with holes: rows deleted and vacuumed leave unused line pointers
  // that the next batch reuses (offsets not 1..n, no page init).
  ASSERT_EQ(c.Psql("CREATE TABLE holes (id int, k int, t text)").exit_code, 0);
  ASSERT_EQ(c.Psql("CHECKPOINT").exit_code, 0);
  const std::string rows = c.sockdir() + "/rows.tsv", more = c.sockdir() + "/more.tsv";
  WriteRows(rows, 1, 30000);
  WriteRows(more, 30001, 40000);
  for (const char* t : {"plain", "keyed", "holes"}) {
    CommandResult r = CopyFile(c, t, rows);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("COPY 30000"), std::string::npos) << r.out;
  }
  ASSERT_EQ(c.Psql("DELETE FROM holes WHERE id % 3 = 0").exit_code, 0);
  ASSERT_EQ(c.Psql("VACUUM holes").exit_code, 0);
  CommandResult r = CopyFile(c, "holes", more);
  ASSERT_EQ(r.exit_code, 0) << r.out;

  const std::string sums =
      "SELECT count(*), sum(id::bigint), sum(k::bigint), sum(length(t)::bigint), count(DISTINCT t) FROM ";
  const std::string plain = c.Psql(sums + "plain").out, keyed = c.Psql(sums + "keyed").out,
                    holes = c.Psql(sums + "holes").out;
  EXPECT_EQ(plain, keyed);
  // Immediate shutdown: nothing flushed but the WAL; recovery replays it all.
  c.StopWith(SIGQUIT);
  c.Start();
  EXPECT_EQ(c.Psql(sums + "plain").out, plain);
  EXPECT_EQ(c.Psql(sums + "keyed").out, keyed);
  EXPECT_EQ(c.Psql(sums + "holes").out, holes);
  EXPECT_EQ(c.Psql("SELECT count(*) FROM holes WHERE id % 3 = 0").out, "3333\n");
  // The indexes found every row again.
  EXPECT_EQ(c.Psql("SELECT t FROM keyed WHERE id = 29999").out, "row 29999\n");
  EXPECT_EQ(c.Psql("SELECT length(t) FROM keyed WHERE id = 15000").out, "3000\n");
  EXPECT_EQ(c.Psql("SELECT count(*), sum(id::bigint) FROM keyed WHERE k = 5").out,
            c.Psql("SELECT count(*), sum(id::bigint) FROM plain WHERE k = 5").out);
  CommandResult dup = c.Psql("INSERT INTO keyed VALUES (12345, 0, 'again')");
  EXPECT_NE(dup.out.find("duplicate key value violates unique constraint \"keyed_pkey\""), std::string::npos)
      << dup.out;
  // And more rows after recovery land on the recovered pages.
  r = CopyFile(c, "plain", more);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(c.Psql("SELECT count(*), max(id) FROM plain").out, "40000|40000\n");
}

TEST(Copy, ErrorsNameTheFailingLineInsideABatch) {
  Cluster c;
  c.Start();
  ASSERT_EQ(c.Psql("CREATE TABLE u (id int PRIMARY KEY, v text NOT NULL)").exit_code, 0);
  const std::string path = c.sockdir() + "/u.tsv";
  {
    // Line 1500 repeats line 7's key; line 1700 has a NULL v. Both rows sit
    // in a batch when the NULL is found: the duplicate comes first, as it
    // would row by row.
    std::ofstream f(path);
    for (int i = 1; i <= 2500; ++i) {
      if (i == 1500) {
        f << "7\tdup\n";
      } else if (i == 1700) {
        f << i << "\t\\N\n";
      } else {
        f << i << "\tv" << i << '\n';
      }
    }
  }
  CommandResult r = CopyFile(c, "u", path);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("duplicate key value violates unique constraint \"u_pkey\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Key (id)=(7) already exists."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CONTEXT:  COPY u, line 1500: \"7\tdup\""), std::string::npos) << r.out;
  EXPECT_EQ(c.Psql("SELECT count(*) FROM u").out, "0\n");

  {
    std::ofstream f(path);
    for (int i = 1; i <= 2500; ++i) {
      if (i == 1700) {
        f << i << "\t\\N\n";
      } else {
        f << i << "\tv" << i << '\n';
      }
    }
  }
  r = CopyFile(c, "u", path);
  EXPECT_NE(r.out.find("null value in column \"v\" of relation \"u\" violates not-null constraint"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("CONTEXT:  COPY u, line 1700: \"1700\t\\N\""), std::string::npos) << r.out;
  // Without errors every row is there, and the key is enforced afterwards.
  WriteRows(path, 1, 2500);
  ASSERT_EQ(c.Psql("DROP TABLE u").exit_code, 0);
  ASSERT_EQ(c.Psql("CREATE TABLE u (id int PRIMARY KEY, k int, t text)").exit_code, 0);
  r = CopyFile(c, "u", path);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(c.Psql("SELECT count(*), sum(id) FROM u").out, "2500|3126250\n");
  r = CopyFile(c, "u", path);
  EXPECT_NE(r.out.find("CONTEXT:  COPY u, line 1: \"1\t1\trow 1\""), std::string::npos) << r.out;
}

TEST(Copy, FreezeWritesFrozenRowsThatDieWithTheirStorage) {
  Cluster c;
  c.Start();
  const std::string rows = c.sockdir() + "/rows.tsv", script = c.sockdir() + "/freeze.sql";
  WriteRows(rows, 1, 3000);
  auto run = [&](const std::string& sql) {
    std::ofstream(script) << sql;
    return RunCommand(c.Env() + "PGUSER=" + c.superuser() + " psql -X -A -t -f " + script + " postgres", 120);
  };
  // Rolled back: the new table and its frozen rows are gone.
  CommandResult r = run("BEGIN;\nCREATE TABLE fz (id int PRIMARY KEY, k int, t text);\n\\copy fz FROM '" + rows +
                        "' (FREEZE)\nSELECT count(*) FROM fz;\nROLLBACK;\nSELECT count(*) FROM pg_class WHERE relname = 'fz';\n");
  EXPECT_NE(r.out.find("COPY 3000\n3000\nROLLBACK\n0\n"), std::string::npos) << r.out;
  r = run("BEGIN;\nCREATE TABLE fz (id int PRIMARY KEY, k int, t text);\n\\copy fz FROM '" + rows +
          "' (FREEZE)\nCOMMIT;\n");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  // A truncation rolled back brings the old storage (and its rows) back.
  r = run("BEGIN;\nTRUNCATE fz;\n\\copy fz FROM '" + rows + "' (FREEZE)\nROLLBACK;\n");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  const std::string sums = "SELECT count(*), sum(id), sum(length(t)) FROM fz";
  const std::string want = c.Psql(sums).out;
  EXPECT_EQ(want.substr(0, 13), "3000|4501500|");
  ASSERT_EQ(c.Psql("VACUUM fz").exit_code, 0);
  c.StopWith(SIGQUIT);
  c.Start();
  EXPECT_EQ(c.Psql(sums).out, want);
  EXPECT_EQ(c.Psql("SELECT t FROM fz WHERE id = 2999").out, "row 2999\n");
  EXPECT_EQ(c.Psql("UPDATE fz SET k = k + 1 WHERE id <= 10").out, "UPDATE 10\n");
  EXPECT_EQ(c.Psql("SELECT sum(k) FROM fz WHERE id <= 10").out, "65\n");
}

}  // namespace
}  // namespace tusk::test
