// Simple-protocol statements of one shape share a cached plan
// (backend/session_plan_cache.cc). These check that the cache never shows:
// each statement's own constants are used, DDL from this or another session
// and settings changes make it plan again, and a constant the cached plan
// cannot take still gets the literal's error with its position.
#include <gtest/gtest.h>

#include "cluster.h"

namespace tusk::test {
namespace {

class PlanCache : public ::testing::Test {
 protected:
  void SetUp() override {
    c_.Start();
    conn_ = c_.Connect();
    Exec("CREATE TABLE pc (id int PRIMARY KEY, name text, d date)");
    Exec("INSERT INTO pc VALUES (1, 'one', '2020-01-02'), (2, 'two', '2020-02-01'), (3, 'three', '2020-03-01')");
  }
  void Exec(const std::string& sql) {
    Result r(PQexec(conn_.get(), sql.c_str()));
    ASSERT_TRUE(PQresultStatus(r.get()) == PGRES_COMMAND_OK || PQresultStatus(r.get()) == PGRES_TUPLES_OK)
        << sql << ": " << PQerrorMessage(conn_.get());
  }
  std::string Value(const std::string& sql) { return QueryValue(conn_.get(), sql); }

  Cluster c_;
  Conn conn_;
};

TEST_F(PlanCache, EachStatementUsesItsOwnConstants) {
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(Value("SELECT name FROM pc WHERE id = 1"), "one");
    EXPECT_EQ(Value("SELECT name FROM pc WHERE id = 3"), "three");
    EXPECT_EQ(Value("SELECT id FROM pc WHERE name = 'two'"), "2");
    EXPECT_EQ(Value("SELECT id * -2 FROM pc WHERE name = 'three'"), "-6");
  }
  Exec("UPDATE pc SET id = id + -10 WHERE id = 1");
  Exec("UPDATE pc SET id = id + 20 WHERE id = -9");
  EXPECT_EQ(Value("SELECT count(*) FROM pc WHERE id > 2"), "2");
  EXPECT_EQ(Value("SELECT count(*) FROM pc WHERE id > 10"), "1");
  // An ordinal stays an ordinal: descending by the first column, then by the second.
  EXPECT_EQ(Value("SELECT id, name FROM pc WHERE id > 1 ORDER BY 1 DESC"), "11");
  EXPECT_EQ(Value("SELECT id, name FROM pc WHERE id > 1 ORDER BY 2 DESC"), "2");
}

TEST_F(PlanCache, DdlInThisOrAnotherSessionPlansAgain) {
  EXPECT_EQ(Value("SELECT count(*) FROM pc WHERE id = 1"), "1");
  Result star(PQexec(conn_.get(), "SELECT * FROM pc WHERE id = 1"));
  EXPECT_EQ(PQnfields(star.get()), 3);
  Conn other = c_.Connect();
  Result alter(PQexec(other.get(), "ALTER TABLE pc ADD COLUMN extra int DEFAULT 7"));
  ASSERT_EQ(PQresultStatus(alter.get()), PGRES_COMMAND_OK) << PQerrorMessage(other.get());
  Result again(PQexec(conn_.get(), "SELECT * FROM pc WHERE id = 2"));
  ASSERT_EQ(PQnfields(again.get()), 4) << PQerrorMessage(conn_.get());
  EXPECT_STREQ(PQgetvalue(again.get(), 0, 3), "7");

  // In this session's own transaction, before the change is visible to others.
  Exec("BEGIN");
  EXPECT_EQ(Value("SELECT name FROM pc WHERE id = 1"), "one");
  Exec("ALTER TABLE pc RENAME COLUMN name TO label");
  Result old_name(PQexec(conn_.get(), "SELECT name FROM pc WHERE id = 2"));
  EXPECT_EQ(SqlState(old_name.get()), "42703") << PQerrorMessage(conn_.get());
  Exec("ROLLBACK");
  EXPECT_EQ(Value("SELECT name FROM pc WHERE id = 2"), "two");
}

TEST_F(PlanCache, SettingsChangeTheTypedLiteralsOfACachedShape) {
  // The typed literal stays in the shape and is read under the session's TimeZone.
  const std::string q = "SELECT count(*) FROM pc WHERE TIMESTAMPTZ '2020-01-01 00:00' = "
                        "TIMESTAMPTZ '2020-01-01 00:00+00' AND id > ";
  Exec("SET TimeZone = 'UTC'");
  EXPECT_EQ(Value(q + "0"), "3");
  EXPECT_EQ(Value(q + "1"), "2");
  Exec("SET TimeZone = 'Europe/Berlin'");
  EXPECT_EQ(Value(q + "0"), "0");
}

TEST_F(PlanCache, AConstantTheCachedPlanCannotTakeGetsTheLiteralsError) {
  EXPECT_EQ(Value("SELECT name FROM pc WHERE id = '1'"), "one");
  EXPECT_EQ(Value("SELECT name FROM pc WHERE id = '2'"), "two");
  Result bad(PQexec(conn_.get(), "SELECT name FROM pc WHERE id = 'x'"));
  EXPECT_EQ(SqlState(bad.get()), "22P02");
  EXPECT_NE(std::string(PQerrorMessage(conn_.get())).find("invalid input syntax for type integer: \"x\""),
            std::string::npos);
  const char* pos = PQresultErrorField(bad.get(), PG_DIAG_STATEMENT_POSITION);
  ASSERT_NE(pos, nullptr);
  EXPECT_STREQ(pos, "32");
  EXPECT_EQ(Value("SELECT name FROM pc WHERE id = '3'"), "three");
}

}  // namespace
}  // namespace tusk::test
