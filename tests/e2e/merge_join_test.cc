// Merge joins end to end over real B-tree indexes: tables joined on their
// primary keys plan as a merge join of two index scans, non-unique indexes
// with duplicate and NULL keys give the same rows as the hash join.
#include <gtest/gtest.h>

#include "cluster.h"

namespace tusk::test {
namespace {

TEST(MergeJoin, PrimaryKeysJoinByMergeJoinOfIndexScans) {
  Cluster c;
  c.Start();
  ASSERT_EQ(c.Psql("CREATE TABLE a (id int PRIMARY KEY, v text); CREATE TABLE b (id int PRIMARY KEY, w text)").exit_code, 0);
  std::string ins_a = "INSERT INTO a VALUES ", ins_b = "INSERT INTO b VALUES ";
  for (int i = 300; i >= 1; --i) {  // inserted in descending order: the heap is not in key order
    ins_a += "(" + std::to_string(i) + ", 'a" + std::to_string(i) + "')" + (i > 1 ? ", " : "");
    ins_b += "(" + std::to_string(i * 2) + ", 'b" + std::to_string(i) + "')" + (i > 1 ? ", " : "");
  }
  ASSERT_EQ(c.Psql(ins_a + "; " + ins_b).exit_code, 0);
  EXPECT_EQ(c.Psql("EXPLAIN SELECT * FROM a JOIN b ON a.id = b.id").out,
            "Merge Join\n"
            "  Merge Cond: (a.id = b.id)\n"
            "  ->  Index Scan using a_pkey on a\n"
            "  ->  Index Scan using b_pkey on b\n");
  EXPECT_EQ(c.Psql("SELECT count(*), sum(a.id), min(b.w), max(b.w) FROM a JOIN b ON a.id = b.id").out,
            "150|22650|b1|b99\n");
  EXPECT_EQ(c.Psql("SELECT count(*), count(a.id), count(b.id) FROM a FULL JOIN b ON a.id = b.id").out, "450|300|300\n");
  // Rows deleted and updated since stay out, new versions come in order.
  ASSERT_EQ(c.Psql("DELETE FROM a WHERE id % 4 = 0; UPDATE b SET w = w || '!' WHERE id % 6 = 0").exit_code, 0);
  EXPECT_EQ(c.Psql("SELECT count(*), count(*) FILTER (WHERE b.w LIKE '%!') FROM a JOIN b ON a.id = b.id").out, "75|25\n");
  EXPECT_EQ(c.Psql("SET enable_mergejoin = off; EXPLAIN SELECT * FROM a JOIN b ON a.id = b.id").out,
            "SET\n"
            "Hash Join\n"
            "  Hash Cond: (a.id = b.id)\n"
            "  ->  Seq Scan on a\n"
            "  ->  Hash\n"
            "        ->  Seq Scan on b\n");
}

TEST(MergeJoin, NonUniqueIndexesAgreeWithHashJoin) {
  Cluster c;
  c.Start();
  ASSERT_EQ(c.Psql("CREATE TABLE l (k int, s text); CREATE TABLE r (k int, s text); "
                   "CREATE INDEX l_k ON l (k); CREATE INDEX r_k ON r (k DESC)")
                .exit_code,
            0);
  std::string ins_l = "INSERT INTO l VALUES ", ins_r = "INSERT INTO r VALUES ";
  for (int i = 0; i < 200; ++i) {
    std::string kl = i % 17 == 0 ? "NULL" : std::to_string((i * 7) % 23);
    std::string kr = i % 13 == 0 ? "NULL" : std::to_string((i * 5) % 29);
    ins_l += "(" + kl + ", 'l" + std::to_string(i) + "')" + (i < 199 ? ", " : "");
    ins_r += "(" + kr + ", 'r" + std::to_string(i) + "')" + (i < 199 ? ", " : "");
  }
  ASSERT_EQ(c.Psql(ins_l + "; " + ins_r).exit_code, 0);
  EXPECT_EQ(c.Psql("EXPLAIN SELECT * FROM l FULL JOIN r ON l.k = r.k").out,
            "Merge Full Join\n"
            "  Merge Cond: (l.k = r.k)\n"
            "  ->  Index Scan using l_k on l\n"
            "  ->  Index Scan Backward using r_k on r\n");
  const std::string digest =
      "SELECT count(*), count(l.s), count(r.s), md5(string_agg(coalesce(l.s, '-') || coalesce(r.s, '-'), ',' "
      "ORDER BY coalesce(l.s, '-') || coalesce(r.s, '-'))) FROM l ";
  for (const char* kind : {"JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"}) {
    for (const char* cond : {"l.k = r.k", "l.k = r.k AND l.s < r.s"}) {
      std::string q = digest + kind + " r ON " + cond;
      CommandResult merge = c.Psql(q);
      CommandResult hash = c.Psql("SET enable_mergejoin = off; " + q);
      ASSERT_EQ(merge.exit_code, 0) << merge.out;
      EXPECT_EQ("SET\n" + merge.out, hash.out) << q;
    }
  }
}

}  // namespace
}  // namespace tusk::test
