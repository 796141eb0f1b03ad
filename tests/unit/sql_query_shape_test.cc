// Which constants of a simple-protocol query become parameters of its
// cached plan's shape, and with which types.
#include <gtest/gtest.h>

#include "sql/parser/query_shape.h"
#include "sql/types/type_oids.h"

namespace tusk::sql {
namespace {

QueryShape Shape(const char* q) {
  QueryShape s;
  EXPECT_TRUE(ShapeOf(q, &s)) << q;
  return s;
}

bool NoShape(const char* q) {
  QueryShape s;
  return !ShapeOf(q, &s);
}

TEST(QueryShape, PgbenchStatements) {
  QueryShape s = Shape("SELECT abalance FROM pgbench_accounts WHERE aid = 12345;");
  EXPECT_EQ(s.text, "SELECT abalance FROM pgbench_accounts WHERE aid = $1;");
  EXPECT_EQ(s.values, std::vector<std::string>{"12345"});
  EXPECT_EQ(s.types, std::vector<uint32_t>{oid::kInt4});
  EXPECT_EQ(s.Key(), Shape("SELECT abalance FROM pgbench_accounts WHERE aid = 7;").Key());

  s = Shape("UPDATE pgbench_accounts SET abalance = abalance + -4711 WHERE aid = 9;");
  EXPECT_EQ(s.text, "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;");
  EXPECT_EQ(s.values, (std::vector<std::string>{"-4711", "9"}));

  // A binary sign after an operand: the number alone is the parameter.
  s = Shape("UPDATE pgbench_tellers SET tbalance = tbalance + 2404 WHERE tid = 9;");
  EXPECT_EQ(s.text, "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2;");
  EXPECT_EQ(s.values, (std::vector<std::string>{"2404", "9"}));
  EXPECT_EQ(Shape("SELECT (a) - 5, \"b\" + 6 FROM t").text, "SELECT (a) - $1, \"b\" + $2 FROM t");

  s = Shape("INSERT INTO h (tid, bid, aid, delta, mtime) VALUES (1, 2, 3, -5, CURRENT_TIMESTAMP);");
  EXPECT_EQ(s.text, "INSERT INTO h (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP);");
  EXPECT_EQ(s.values.back(), "-5");
}

TEST(QueryShape, NumericConstantsTypedLikePostgres) {
  QueryShape s = Shape("SELECT x FROM t WHERE a = 2147483647 AND b = 2147483648 AND c = -2147483648 "
                       "AND d = 99999999999999999999 AND e = 1.5 AND f = 1e3");
  EXPECT_EQ(s.types, (std::vector<uint32_t>{oid::kInt4, oid::kInt8, oid::kInt4, oid::kNumeric, oid::kNumeric,
                                            oid::kNumeric}));
  EXPECT_EQ(s.values[2], "-2147483648");
}

TEST(QueryShape, StringsBecomeUnknownParameters) {
  QueryShape s = Shape("SELECT x FROM t WHERE name = 'it''s' AND other LIKE 'a%'");
  EXPECT_EQ(s.text, "SELECT x FROM t WHERE name = $1 AND other LIKE $2");
  EXPECT_EQ(s.values, (std::vector<std::string>{"it's", "a%"}));
  EXPECT_EQ(s.types, (std::vector<uint32_t>{0, 0}));
}

TEST(QueryShape, ConstantsWhoseMeaningDependsOnBeingLiteralStay) {
  // Typed literals, ordinals, select-list strings, FETCH FIRST counts.
  EXPECT_EQ(Shape("SELECT x FROM t WHERE d > DATE '2020-01-01' AND id = 1").text,
            "SELECT x FROM t WHERE d > DATE '2020-01-01' AND id = $1");
  EXPECT_EQ(Shape("SELECT a, b FROM t WHERE c = 5 ORDER BY 1, 2").text,
            "SELECT a, b FROM t WHERE c = $1 ORDER BY 1, 2");
  EXPECT_EQ(Shape("SELECT DISTINCT ON (1) a FROM t WHERE c = 5").text,
            "SELECT DISTINCT ON (1) a FROM t WHERE c = $1");
  EXPECT_EQ(Shape("SELECT 'x', a FROM t WHERE c = 5").text, "SELECT 'x', a FROM t WHERE c = $1");
  EXPECT_EQ(Shape("SELECT a FROM t WHERE c = 5 FETCH FIRST 3 ROWS ONLY").text,
            "SELECT a FROM t WHERE c = $1 FETCH FIRST 3 ROWS ONLY");
  EXPECT_EQ(Shape("SELECT a FROM t WHERE c = E'x' AND d = 2").text, "SELECT a FROM t WHERE c = E'x' AND d = $1");
  // A sign that may be unary or binary: folding it or not changes the type of -2147483648.
  EXPECT_EQ(Shape("SELECT a FROM t WHERE a BETWEEN -5 AND 5").text, "SELECT a FROM t WHERE a BETWEEN -5 AND $1");
}

TEST(QueryShape, OnlyOneParameterlessDmlOrSelect) {
  EXPECT_TRUE(NoShape("SELECT a FROM t"));                      // nothing to replace
  EXPECT_TRUE(NoShape("SELECT a FROM t WHERE b = $1"));         // a parameter of its own
  EXPECT_TRUE(NoShape("SELECT 1; SELECT 2"));                   // several statements
  EXPECT_TRUE(NoShape("SET work_mem = 64"));                    // utility statements
  EXPECT_TRUE(NoShape("CREATE TABLE t (a varchar(10))"));
  EXPECT_TRUE(NoShape("EXPLAIN SELECT a FROM t WHERE b = 1"));
  EXPECT_TRUE(NoShape("SELECT 'unterminated"));
}

}  // namespace
}  // namespace tusk::sql
