// Set-returning functions in the select list through the engine: result
// types, streaming under LIMIT with one interrupt check per row, and the
// placement errors' SQLSTATE, message and hint (which the SQL tests cannot
// see).
#include <gtest/gtest.h>

#include "sql/engine.h"
#include "sql/types/type_oids.h"

using namespace tusk::sql;

namespace {

class SrfSelectSession : public SessionContext {
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

Result RunSql(SrfSelectSession& s, const std::string& sql) {
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

tusk::ErrorData ErrorOf(const std::string& sql) {
  SrfSelectSession s;
  try {
    RunSql(s, sql);
  } catch (const tusk::PgError& e) {
    return e.data();
  }
  ADD_FAILURE() << "no error for " << sql;
  return {};
}

constexpr const char* kHint = "You might be able to move the set-returning function into a LATERAL FROM item.";

}  // namespace

TEST(SqlSrfSelect, ResultTypes) {
  SrfSelectSession s;
  Result r = RunSql(s, "SELECT generate_series(1::bigint, 2), unnest(ARRAY['a', 'b']), generate_series(1, 2) * 1.5");
  ASSERT_EQ(r.cols.size(), 3u);
  EXPECT_EQ(r.cols[0].name, "generate_series");
  EXPECT_EQ(r.cols[0].type_oid, oid::kInt8);
  EXPECT_EQ(r.cols[1].name, "unnest");
  EXPECT_EQ(r.cols[1].type_oid, oid::kText);
  EXPECT_EQ(r.cols[2].name, "?column?");
  EXPECT_EQ(r.cols[2].type_oid, oid::kNumeric);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(*r.rows[1][2], "3.0");
}

TEST(SqlSrfSelect, StreamsUnderLimitAndChecksInterruptsPerRow) {
  SrfSelectSession s;
  // Far too many rows to build: only the ones LIMIT asks for are made.
  Result r = RunSql(s, "SELECT generate_series(1, 9000000000000000000) LIMIT 3");
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(*r.rows[2][0], "3");
  EXPECT_LT(s.interrupts, 100);
  SrfSelectSession counted;
  r = RunSql(counted, "SELECT count(*) FROM (SELECT generate_series(1, 1000)) s");
  EXPECT_EQ(*r.rows[0][0], "1000");
  EXPECT_GE(counted.interrupts, 1000);
}

TEST(SqlSrfSelect, PlacementErrorsCarryPostgresHints) {
  tusk::ErrorData e = ErrorOf("SELECT CASE WHEN true THEN generate_series(1, 2) END");
  EXPECT_EQ(e.sqlstate, "0A000");
  EXPECT_EQ(e.message, "set-returning functions are not allowed in CASE");
  EXPECT_EQ(e.hint, kHint);
  EXPECT_EQ(e.position, 28);
  e = ErrorOf("SELECT coalesce(1, unnest(ARRAY[1]))");
  EXPECT_EQ(e.message, "set-returning functions are not allowed in COALESCE");
  EXPECT_EQ(e.hint, kHint);
  e = ErrorOf("SELECT sum(generate_series(1, 2))");
  EXPECT_EQ(e.sqlstate, "0A000");
  EXPECT_EQ(e.message, "aggregate function calls cannot contain set-returning function calls");
  EXPECT_EQ(e.hint, kHint);
  EXPECT_EQ(e.position, 12);
  // Other placements have no hint, as in PostgreSQL.
  e = ErrorOf("SELECT 1 WHERE generate_series(1, 2) = 1");
  EXPECT_EQ(e.message, "set-returning functions are not allowed in WHERE");
  EXPECT_EQ(e.hint, "");
  e = ErrorOf("SELECT NOT (generate_series(1, 2) > 1)");
  EXPECT_EQ(e.sqlstate, "42804");
  EXPECT_EQ(e.message, "argument of NOT must not return a set");
}
