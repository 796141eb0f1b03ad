// Engine tests for multi-source queries: joins over a fake virtual table and
// VALUES, subqueries (correlated and cached), set operations and WITH, with
// results and error positions checked against PostgreSQL 15.
#include <gtest/gtest.h>

#include "sql/engine.h"
#include "sql/types/type_oids.h"

using namespace tusk::sql;

namespace {

class Emp : public VirtualTable {
 public:
  const std::vector<Column>& Columns() const override { return cols_; }
  std::vector<std::vector<std::optional<std::string>>> Rows() override {
    ++scans;
    return {{"1", "ann", "10"}, {"2", "bob", "20"}, {"3", "cid", std::nullopt}};
  }
  int scans = 0;

 private:
  std::vector<Column> cols_ = {{"id", oid::kInt4}, {"name", oid::kText}, {"dept", oid::kInt4}};
};

class Session : public SessionContext {
 public:
  Emp emp;
  int BackendPid() override { return 1; }
  std::string CurrentUser() override { return "u"; }
  std::string SessionUser() override { return "u"; }
  std::string CurrentDatabase() override { return "postgres"; }
  bool IsSuperuser() override { return true; }
  std::optional<std::string> GetConfig(const std::string& name, bool) override {
    if (name == "timezone") return "UTC";
    return std::nullopt;
  }
  std::string SetConfig(const std::string&, const std::string& v, bool) override { return v; }
  bool CancelBackend(int) override { return false; }
  bool TerminateBackend(int) override { return false; }
  bool ReloadConf() override { return true; }
  int64_t TransactionStartMicros() override { return 0; }
  int64_t StatementStartMicros() override { return 0; }
  void SleepInterruptibly(double) override {}
  void CheckForInterrupts() override {}
  void EmitNotice(const tusk::ErrorData&) override {}
  VirtualTable* LookupRelation(const std::string&, const std::string& name) override {
    return name == "emp" ? &emp : nullptr;
  }
};

// All rows, columns joined by '|', rows by ';'.
std::string Rows(Session& s, const std::string& sql) {
  auto stmts = ParseQuery(sql);
  auto pq = Prepare(*stmts[0], {}, s);
  auto cur = pq->Open({}, {}, s);
  std::string out;
  std::vector<std::optional<std::string>> row;
  while (cur->Next({}, &row)) {
    if (!out.empty()) out += ";";
    for (size_t i = 0; i < row.size(); ++i) out += (i ? "|" : "") + (row[i] ? *row[i] : std::string("NULL"));
    row.clear();
  }
  return out;
}

std::string Rows(const std::string& sql) {
  Session s;
  return Rows(s, sql);
}

tusk::ErrorData Err(const std::string& sql) {
  Session s;
  try {
    Rows(s, sql);
  } catch (const tusk::PgError& e) {
    return e.data();
  }
  ADD_FAILURE() << "no error: " << sql;
  return {};
}

}  // namespace

TEST(SqlExecJoin, JoinsOverVirtualTableAndValues) {
  EXPECT_EQ(Rows("select e.name, d.dname from emp e join (values (10, 'eng'), (20, 'ops')) d(dept, dname) "
                 "on e.dept = d.dept order by 1"),
            "ann|eng;bob|ops");
  EXPECT_EQ(Rows("select name, dname from emp left join (values (10, 'eng')) d(dept, dname) using (dept) order by id"),
            "ann|eng;bob|NULL;cid|NULL");
  EXPECT_EQ(Rows("select * from (values (1, 'a')) t(x, y) full join (values (2, 'b')) u(x, z) using (x) order by x"),
            "1|a|NULL;2|NULL|b");
  EXPECT_EQ(Rows("select count(*) from emp a, emp b"), "9");
  EXPECT_EQ(Rows("select a.id, b.id from emp a join emp b on a.id < b.id and b.id - a.id = 2"), "1|3");
}

TEST(SqlExecJoin, NameErrorsMatchPostgres) {
  auto e = Err("select id from emp a, emp b");
  EXPECT_EQ(e.sqlstate, "42702");
  EXPECT_EQ(e.message, "column reference \"id\" is ambiguous");
  EXPECT_EQ(e.position, 8);
  e = Err("select x.id from emp");
  EXPECT_EQ(e.sqlstate, "42P01");
  EXPECT_EQ(e.message, "missing FROM-clause entry for table \"x\"");
  EXPECT_EQ(e.position, 8);
}

TEST(SqlExecJoin, Subqueries) {
  EXPECT_EQ(Rows("select name from emp where dept in (select 20)"), "bob");
  EXPECT_EQ(Rows("select name from emp e where exists (select 1 from emp f where f.id = e.id + 1) order by 1"),
            "ann;bob");
  EXPECT_EQ(Rows("select id, (select count(*) from emp f where f.id <= e.id) from emp e order by id"),
            "1|1;2|2;3|3");
  EXPECT_EQ(Rows("select 1 not in (select dept from emp)"), "NULL");
  EXPECT_EQ(Err("select (select id from emp)").sqlstate, "21000");
  // An uncorrelated subquery runs once per execution.
  Session s;
  Rows(s, "select id from emp where id = (select min(id) from emp)");
  EXPECT_EQ(s.emp.scans, 2);
}

TEST(SqlExecJoin, SetOperationsAndCtes) {
  EXPECT_EQ(Rows("select 1 union select 2.5 order by 1"), "1;2.5");
  EXPECT_EQ(Rows("select id from emp except select 2 order by 1 desc limit 1"), "3");
  EXPECT_EQ(Rows("with recursive r(n) as (select 1 union all select n * 2 from r where n < 8) select * from r"),
            "1;2;4;8");
  EXPECT_EQ(Rows("with e as (select id from emp) select count(*) from e a join e b using (id)"), "3");
  EXPECT_EQ(Err("select 1 union select 'x'::text").sqlstate, "42804");
}
