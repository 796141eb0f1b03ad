// Functions in FROM through the engine: column names and types as
// PostgreSQL gives them, streaming (a huge series under LIMIT), one
// interrupt check per produced row, and argument errors.
#include <gtest/gtest.h>

#include <map>

#include "sql/engine.h"
#include "sql/types/type_oids.h"

using namespace tusk::sql;

namespace {

class SrfSession : public SessionContext {
 public:
  int interrupts = 0;
  int BackendPid() override { return 1; }
  std::string CurrentUser() override { return "u"; }
  std::string SessionUser() override { return "u"; }
  std::string CurrentDatabase() override { return "postgres"; }
  bool IsSuperuser() override { return true; }
  std::optional<std::string> GetConfig(const std::string& name, bool missing_ok) override {
    if (name == "timezone") return std::string("UTC");
    if (missing_ok) return std::nullopt;
    throw tusk::PgError("42704", "unrecognized configuration parameter \"" + name + "\"");
  }
  std::string SetConfig(const std::string&, const std::string& value, bool) override { return value; }
  bool CancelBackend(int) override { return false; }
  bool TerminateBackend(int) override { return false; }
  bool ReloadConf() override { return true; }
  int64_t TransactionStartMicros() override { return 0; }
  int64_t StatementStartMicros() override { return 0; }
  void SleepInterruptibly(double) override {}
  void CheckForInterrupts() override { ++interrupts; }
  void EmitNotice(const tusk::ErrorData&) override {}
  VirtualTable* LookupRelation(const std::string&, const std::string&) override { return nullptr; }
};

struct Result {
  std::vector<ColumnDesc> cols;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

Result RunQuery(SrfSession& s, const std::string& sql) {
  auto stmts = ParseQuery(sql);
  EXPECT_EQ(stmts.size(), 1u);
  auto pq = Prepare(*stmts[0], {}, s);
  Result r;
  r.cols = pq->Columns();
  auto cur = pq->Open({}, {}, s);
  std::vector<std::optional<std::string>> row;
  while (cur->Next({}, &row)) {
    r.rows.push_back(row);
    row.clear();
  }
  return r;
}

std::vector<std::string> Names(const Result& r) {
  std::vector<std::string> v;
  for (const auto& c : r.cols) v.push_back(c.name);
  return v;
}

}  // namespace

TEST(SqlSrf, ColumnNamesAndTypes) {
  SrfSession s;
  Result r = RunQuery(s, "SELECT * FROM generate_series(1, 3)");
  EXPECT_EQ(Names(r), std::vector<std::string>{"generate_series"});
  EXPECT_EQ(r.cols[0].type_oid, oid::kInt4);
  EXPECT_EQ(r.rows.size(), 3u);
  r = RunQuery(s, "SELECT * FROM generate_series(1::int8, 3) g");
  EXPECT_EQ(Names(r), std::vector<std::string>{"g"});
  EXPECT_EQ(r.cols[0].type_oid, oid::kInt8);
  r = RunQuery(s, "SELECT * FROM unnest(ARRAY['a', 'b']) WITH ORDINALITY AS u(x)");
  EXPECT_EQ(Names(r), (std::vector<std::string>{"x", "ordinality"}));
  EXPECT_EQ(r.cols[0].type_oid, oid::kText);
  EXPECT_EQ(r.cols[1].type_oid, oid::kInt8);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(*r.rows[1][0], "b");
  EXPECT_EQ(*r.rows[1][1], "2");
  r = RunQuery(s, "SELECT * FROM generate_series(1, 2, 0.5)");
  EXPECT_EQ(r.cols[0].type_oid, oid::kNumeric);
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(*r.rows[2][0], "2.0");
}

TEST(SqlSrf, StreamsAndChecksInterruptsPerRow) {
  SrfSession s;
  // A series far too large to build: only the rows LIMIT asks for are made.
  Result r = RunQuery(s, "SELECT * FROM generate_series(1, 9000000000000000000) LIMIT 3");
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(*r.rows[2][0], "3");
  SrfSession counted;
  r = RunQuery(counted, "SELECT count(*) FROM generate_series(1, 1000)");
  EXPECT_EQ(*r.rows[0][0], "1000");
  EXPECT_GE(counted.interrupts, 1000);
}

TEST(SqlSrf, Errors) {
  SrfSession s;
  try {
    RunQuery(s, "SELECT * FROM generate_series(1, 5, 0)");
    ADD_FAILURE() << "no error";
  } catch (const tusk::PgError& e) {
    EXPECT_EQ(e.data().sqlstate, "22023");
    EXPECT_EQ(e.data().message, "step size cannot equal zero");
  }
  try {
    RunQuery(s, "SELECT * FROM generate_series(1, count(*))");
    ADD_FAILURE() << "no error";
  } catch (const tusk::PgError& e) {
    EXPECT_EQ(e.data().sqlstate, "42803");
  }
  EXPECT_TRUE(RunQuery(s, "SELECT * FROM generate_series(1, NULL::int)").rows.empty());
}
