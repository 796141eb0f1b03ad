// End-to-end engine tests against a fake SessionContext: expression results
// compared with PostgreSQL 15 output, errors with SQLSTATE/message/position,
// column naming and types, a virtual table query, aggregates, parameters.
#include <gtest/gtest.h>

#include <map>

#include "sql/engine.h"
#include "sql/types/numeric.h"
#include "sql/types/type_oids.h"

using namespace tusk::sql;

namespace {

class FakeTable : public VirtualTable {
 public:
  FakeTable() {
    cols_ = {{"pid", oid::kInt4}, {"usename", oid::kName}, {"state", oid::kText}, {"n", oid::kNumeric}};
  }
  const std::vector<Column>& Columns() const override { return cols_; }
  std::vector<std::vector<std::optional<std::string>>> Rows() override {
    return {{"10", "alice", "active", "1.5"},
            {"20", "bob", "idle", "2"},
            {"30", "alice", std::nullopt, "3.25"},
            {"40", "carol", "idle", std::nullopt}};
  }

 private:
  std::vector<Column> cols_;
};

class FakeSession : public SessionContext {
 public:
  std::map<std::string, std::string> config{
      {"timezone", "UTC"}, {"work_mem", "4MB"}, {"search_path", "\"$user\", public"}};
  FakeTable table;
  int interrupts = 0;
  int BackendPid() override { return 4242; }
  std::string CurrentUser() override { return "alice"; }
  std::string SessionUser() override { return "alice"; }
  std::string CurrentDatabase() override { return "postgres"; }
  bool IsSuperuser() override { return true; }
  std::optional<std::string> GetConfig(const std::string& name, bool missing_ok) override {
    auto it = config.find(name);
    if (it != config.end()) return it->second;
    if (missing_ok) return std::nullopt;
    throw tusk::PgError("42704", "unrecognized configuration parameter \"" + name + "\"");
  }
  std::string SetConfig(const std::string& name, const std::string& value, bool) override {
    return config[name] = value;
  }
  bool CancelBackend(int pid) override { return pid == 4242; }
  bool TerminateBackend(int pid) override { return pid == 4242; }
  bool ReloadConf() override { return true; }
  int64_t TransactionStartMicros() override { return 1795299799450123LL; }  // 2026-11-21 22:23:19.450123 UTC
  int64_t StatementStartMicros() override { return 1795299799450123LL; }
  void SleepInterruptibly(double) override {}
  void CheckForInterrupts() override { ++interrupts; }
  void EmitNotice(const tusk::ErrorData&) override {}
  VirtualTable* LookupRelation(const std::string& schema, const std::string& name) override {
    if ((schema.empty() || schema == "pg_catalog") && name == "pg_stat_activity") return &table;
    return nullptr;
  }
  // current_schema() resolves search_path against the schemas that exist.
  uint32_t NamespaceOid(const std::string& name) override {
    return name == "pg_catalog" ? 11 : name == "public" ? 2200 : 0;
  }
};

struct Result {
  std::vector<ColumnDesc> cols;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

Result RunSql(FakeSession& s, const std::string& sql, std::vector<std::optional<std::string>> params = {},
           std::vector<uint32_t> hints = {}, std::vector<int16_t> pformats = {}, std::vector<int16_t> rformats = {}) {
  auto stmts = ParseQuery(sql);
  EXPECT_EQ(stmts.size(), 1u);
  auto pq = Prepare(*stmts[0], hints, s);
  Result r;
  r.cols = pq->Columns();
  auto cur = pq->Open(params, pformats, s);
  std::vector<std::optional<std::string>> row;
  while (cur->Next(rformats, &row)) {
    r.rows.push_back(row);
    row.clear();
  }
  return r;
}

// First column of the single row, "NULL" for null.
std::string One(const std::string& sql) {
  FakeSession s;
  Result r = RunSql(s, sql);
  EXPECT_EQ(r.rows.size(), 1u) << sql;
  if (r.rows.empty()) return "<no rows>";
  return r.rows[0][0] ? *r.rows[0][0] : "NULL";
}

tusk::ErrorData Err(const std::string& sql) {
  FakeSession s;
  try {
    RunSql(s, sql);
  } catch (const tusk::PgError& e) {
    return e.data();
  }
  ADD_FAILURE() << "no error: " << sql;
  return {};
}

}  // namespace

TEST(SqlEngine, ArithmeticMatchesPostgres) {
  EXPECT_EQ(One("select 1 + 2 * 3"), "7");
  EXPECT_EQ(One("select -2^2"), "4");
  EXPECT_EQ(One("select 7 / 2"), "3");
  EXPECT_EQ(One("select -7 % 3"), "-1");
  EXPECT_EQ(One("select 1/3::numeric"), "0.33333333333333333333");
  EXPECT_EQ(One("select 10::numeric/4"), "2.5000000000000000");
  EXPECT_EQ(One("select 1.5*2.25"), "3.375");
  EXPECT_EQ(One("select 12345.678 / 7"), "1763.6682857142857143");
  EXPECT_EQ(One("select 2^0.5"), "1.4142135623730950");
  EXPECT_EQ(One("select 2::numeric ^ 10"), "1024.0000000000000000");
  EXPECT_EQ(One("select 0.01::numeric ^ 0.5"), "0.10000000000000000");
  EXPECT_EQ(One("select 5 / 2.0"), "2.5000000000000000");
  EXPECT_EQ(One("select round(2.567, 2)"), "2.57");
  EXPECT_EQ(One("select round(-2.5)"), "-3");
  EXPECT_EQ(One("select trunc(2.567, 1)"), "2.5");
  EXPECT_EQ(One("select mod(7.5, 2)"), "1.5");
  EXPECT_EQ(One("select sqrt(2::numeric)"), "1.414213562373095");
  EXPECT_EQ(One("select -2147483648"), "-2147483648");
  EXPECT_EQ(One("select 9223372036854775807 + 0"), "9223372036854775807");
  EXPECT_EQ(One("select 99999999999999999999 + 1"), "100000000000000000000");
}

TEST(SqlEngine, FloatOutput) {
  EXPECT_EQ(One("select 0.1::float8"), "0.1");
  EXPECT_EQ(One("select 1e100::float8"), "1e+100");
  EXPECT_EQ(One("select 1e15::float8"), "1e+15");
  EXPECT_EQ(One("select 123456789012345::float8"), "123456789012345");
  EXPECT_EQ(One("select 1.5e-5::float8"), "1.5e-05");
  EXPECT_EQ(One("select 0.0001::float8"), "0.0001");
  EXPECT_EQ(One("select 1/3::float4"), "0.3333333333333333");  // int4 / float4 is float8
  EXPECT_EQ(One("select 1::float4/3::float4"), "0.33333334");
  EXPECT_EQ(One("select '-0'::float8"), "-0");
  EXPECT_EQ(One("select sqrt(2)"), "1.4142135623730951");
  EXPECT_EQ(One("select 'NaN'::float8"), "NaN");
}

TEST(SqlEngine, NullLogicAndConditionals) {
  EXPECT_EQ(One("select null and false"), "f");
  EXPECT_EQ(One("select null and true"), "NULL");
  EXPECT_EQ(One("select null or true"), "t");
  EXPECT_EQ(One("select not null::bool"), "NULL");
  EXPECT_EQ(One("select null = null"), "NULL");
  EXPECT_EQ(One("select null is distinct from 1"), "t");
  EXPECT_EQ(One("select 1 in (2, null)"), "NULL");
  EXPECT_EQ(One("select 1 not in (2, 3)"), "t");
  EXPECT_EQ(One("select 2 between 3 and 1"), "f");
  EXPECT_EQ(One("select 2 between symmetric 3 and 1"), "t");
  EXPECT_EQ(One("select case when 1 > 2 then 'a' when null then 'b' else 'c' end"), "c");
  EXPECT_EQ(One("select case 2 when 1 then 'one' when 2 then 'two' end"), "two");
  EXPECT_EQ(One("select coalesce(null, null, 3)"), "3");
  EXPECT_EQ(One("select nullif(1, 1)"), "NULL");
  EXPECT_EQ(One("select greatest(1, 5.5, null)"), "5.5");
  EXPECT_EQ(One("select least('b', 'a')"), "a");
  EXPECT_EQ(One("select null is null"), "t");
  EXPECT_EQ(One("select (1 = 1) is true"), "t");
  EXPECT_EQ(One("select 'abc' like 'a%'"), "t");
  EXPECT_EQ(One("select 'ABC' ilike 'a_c'"), "t");
  EXPECT_EQ(One("select 'a%c' like 'a\\%c'"), "t");
  EXPECT_EQ(One("select 'a%c' like 'a#%c' escape '#'"), "t");
}

TEST(SqlEngine, StringsAndCasts) {
  EXPECT_EQ(One("select 'a' || 1 || null::text"), "NULL");
  EXPECT_EQ(One("select 'a' || 1"), "a1");
  EXPECT_EQ(One("select length('héllo')"), "5");
  EXPECT_EQ(One("select upper('abc') || lower('DEF')"), "ABCdef");
  EXPECT_EQ(One("select substring('hello' from 2 for 3)"), "ell");
  EXPECT_EQ(One("select substr('hello', 0, 3)"), "he");
  EXPECT_EQ(One("select position('l' in 'hello')"), "3");
  EXPECT_EQ(One("select trim(both 'x' from 'xxaxx')"), "a");
  EXPECT_EQ(One("select trim('  a  ')"), "a");
  EXPECT_EQ(One("select replace('abcabc', 'b', 'XY')"), "aXYcaXYc");
  EXPECT_EQ(One("select concat('a', null, 1, true)"), "a1t");
  EXPECT_EQ(One("select concat_ws(',', 'a', null, 'b')"), "a,b");
  EXPECT_EQ(One("select repeat('ab', 3)"), "ababab");
  EXPECT_EQ(One("select left('hello', -2) || right('hello', 2)"), "hello");
  EXPECT_EQ(One("select md5('abc')"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(One("select '1'::int + 1"), "2");
  EXPECT_EQ(One("select 1 + '2'"), "3");
  EXPECT_EQ(One("select 3.7::int"), "4");
  EXPECT_EQ(One("select 'yes'::bool"), "t");
  EXPECT_EQ(One("select 1::bool"), "t");
  EXPECT_EQ(One("select 'abc'::char(5) || '|'"), "abc|");
  EXPECT_EQ(One("select 1 + '2'"), "3");
  EXPECT_EQ(One("select 'abcdef'::varchar(3)"), "abc");
  EXPECT_EQ(One("select 12.345::numeric(5,2)"), "12.35");
  EXPECT_EQ(One("select '2024-02-29 12:00:00+02'::timestamptz"), "2024-02-29 10:00:00+00");
  EXPECT_EQ(One("select '2024-01-31'::date + 1"), "2024-02-01");
  EXPECT_EQ(One("select '1 day 02:00:00'::interval"), "1 day 02:00:00");
  EXPECT_EQ(One("select timestamp '2024-01-31 00:00' + interval '1 month'"), "2024-02-29 00:00:00");
}

TEST(SqlEngine, ErrorsMatchPostgres) {
  auto e = Err("select 'abc'::int");
  EXPECT_EQ(e.sqlstate, "22P02");
  EXPECT_EQ(e.message, "invalid input syntax for type integer: \"abc\"");
  EXPECT_EQ(e.position, 8);
  e = Err("select 2147483647 + 1");
  EXPECT_EQ(e.sqlstate, "22003");
  EXPECT_EQ(e.message, "integer out of range");
  e = Err("select 32767::int2 + 1::int2");
  EXPECT_EQ(e.message, "smallint out of range");
  e = Err("select -9223372036854775807 - 2");
  EXPECT_EQ(e.message, "bigint out of range");
  e = Err("select 1/0");
  EXPECT_EQ(e.sqlstate, "22012");
  EXPECT_EQ(e.message, "division by zero");
  e = Err("select 1.0/0");
  EXPECT_EQ(e.message, "division by zero");
  e = Err("select 'a'::text + 1");
  EXPECT_EQ(e.sqlstate, "42883");
  EXPECT_EQ(e.message, "operator does not exist: text + integer");
  EXPECT_EQ(e.hint, "No operator matches the given name and argument types. You might need to add explicit type casts.");
  EXPECT_EQ(e.position, 18);
  e = Err("select foo(1)");
  EXPECT_EQ(e.message, "function foo(integer) does not exist");
  EXPECT_EQ(e.position, 8);
  e = Err("select x");
  EXPECT_EQ(e.sqlstate, "42703");
  EXPECT_EQ(e.message, "column \"x\" does not exist");
  EXPECT_EQ(e.position, 8);
  e = Err("select * from nosuch");
  EXPECT_EQ(e.sqlstate, "42P01");
  EXPECT_EQ(e.message, "relation \"nosuch\" does not exist");
  EXPECT_EQ(e.position, 15);
  e = Err("select true::date");
  EXPECT_EQ(e.sqlstate, "42846");
  EXPECT_EQ(e.message, "cannot cast type boolean to date");
  e = Err("select 1 where 1");
  EXPECT_EQ(e.sqlstate, "42804");
  EXPECT_EQ(e.message, "argument of WHERE must be type boolean, not type integer");
  EXPECT_EQ(e.position, 16);
  e = Err("select '99999999999'::int");
  EXPECT_EQ(e.message, "value \"99999999999\" is out of range for type integer");
  e = Err("select pid from pg_stat_activity where count(*) > 1");
  EXPECT_EQ(e.message, "aggregate functions are not allowed in WHERE");
  e = Err("select usename, count(*) from pg_stat_activity");
  EXPECT_EQ(e.sqlstate, "42803");
  EXPECT_EQ(e.message, "column \"pg_stat_activity.usename\" must appear in the GROUP BY clause or be used in an aggregate function");
  EXPECT_EQ(e.position, 8);
}

TEST(SqlEngine, ColumnNamesAndTypes) {
  FakeSession s;
  Result r = RunSql(s,
                 "select 1, 'a', '1'::int, now(), pg_backend_pid(), version(), case when true then 1 end, "
                 "coalesce(1), true, 1 as x, 2 y, current_user, 1.5, 2147483648, pid::text from pg_stat_activity limit 1");
  std::vector<std::string> names;
  std::vector<uint32_t> types;
  for (auto& c : r.cols) names.push_back(c.name), types.push_back(c.type_oid);
  EXPECT_EQ(names, (std::vector<std::string>{"?column?", "?column?", "int4", "now", "pg_backend_pid", "version",
                                             "case", "coalesce", "?column?", "x", "y", "current_user", "?column?",
                                             "?column?", "pid"}));
  EXPECT_EQ(types, (std::vector<uint32_t>{23, 25, 23, 1184, 23, 25, 23, 23, 16, 23, 23, 19, 1700, 20, 25}));
  EXPECT_EQ(*r.rows[0][3], "2026-11-21 22:23:19.450123+00");
  EXPECT_EQ(*r.rows[0][4], "4242");
}

TEST(SqlEngine, VirtualTableQuery) {
  FakeSession s;
  Result r = RunSql(s,
                 "select pid, usename as u from pg_catalog.pg_stat_activity a "
                 "where a.state is not null and pid > 10 order by pid desc limit 1");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(*r.rows[0][0], "40");
  EXPECT_EQ(r.cols[1].name, "u");
  EXPECT_EQ(r.cols[1].type_oid, oid::kName);
  EXPECT_GT(s.interrupts, 0);
  r = RunSql(s, "select * from pg_stat_activity order by n nulls first offset 1");
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(*r.rows[0][3], "1.5");
  EXPECT_EQ(r.cols.size(), 4u);
  r = RunSql(s, "select distinct usename from pg_stat_activity order by 1");
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(*r.rows[2][0], "carol");
}

TEST(SqlEngine, Aggregates) {
  FakeSession s;
  Result r = RunSql(s,
                 "select usename, count(*), count(state), sum(pid), avg(pid), max(n), min(state) "
                 "from pg_stat_activity group by usename having count(*) >= 1 order by count(*) desc, usename");
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(*r.rows[0][0], "alice");
  EXPECT_EQ(*r.rows[0][1], "2");
  EXPECT_EQ(*r.rows[0][2], "1");
  EXPECT_EQ(*r.rows[0][3], "40");
  EXPECT_EQ(*r.rows[0][4], "20.0000000000000000");
  EXPECT_EQ(*r.rows[0][5], "3.25");
  EXPECT_EQ(*r.rows[0][6], "active");
  EXPECT_EQ(r.cols[1].type_oid, oid::kInt8);
  EXPECT_EQ(r.cols[3].type_oid, oid::kInt8);
  EXPECT_EQ(r.cols[4].type_oid, oid::kNumeric);
  EXPECT_EQ(r.cols[1].name, "count");
  r = RunSql(s, "select count(*), sum(pid) from pg_stat_activity where pid > 1000");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(*r.rows[0][0], "0");
  EXPECT_FALSE(r.rows[0][1].has_value());
}

TEST(SqlEngine, ValuesAndParameters) {
  FakeSession s;
  Result r = RunSql(s, "values (1, 'a'), (2, null) order by 1 desc");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.cols[0].name, "column1");
  EXPECT_EQ(*r.rows[0][0], "2");
  EXPECT_FALSE(r.rows[0][1].has_value());

  // $1 inferred as int4 from the operator; $2 given as int8 hint.
  r = RunSql(s, "select $1 + 1, $2", {"41", std::string("\0\0\0\0\0\0\0\x07", 8)}, {0, 20}, {0, 1});
  EXPECT_EQ(*r.rows[0][0], "42");
  EXPECT_EQ(*r.rows[0][1], "7");
  // Binary results.
  r = RunSql(s, "select 1::int4, 1.5::float8, true, 'x'", {}, {}, {}, {1});
  EXPECT_EQ(*r.rows[0][0], std::string("\0\0\0\1", 4));
  EXPECT_EQ(*r.rows[0][2], std::string("\1", 1));
  EXPECT_EQ(*r.rows[0][3], "x");
  r = RunSql(s, "select 12.5::numeric", {}, {}, {}, {1});
  // ndigits=2 weight=0 sign=0 dscale=1 digits 12, 5000
  EXPECT_EQ(*r.rows[0][0], std::string("\0\2\0\0\0\0\0\1\0\x0c\x13\x88", 12));
  // A parameter only in the select list is text, as in PostgreSQL; one
  // never used cannot be typed.
  auto stmts = ParseQuery("select $1");
  EXPECT_EQ(Prepare(*stmts[0], {}, s)->ParamTypes(), std::vector<uint32_t>{25});
  stmts = ParseQuery("select $2");
  try {
    Prepare(*stmts[0], {}, s);
    ADD_FAILURE();
  } catch (const tusk::PgError& e) {
    EXPECT_EQ(e.data().sqlstate, "42P18");
    EXPECT_EQ(e.data().message, "could not determine data type of parameter $1");
  }
  stmts = ParseQuery("select $1::int");
  auto pq = Prepare(*stmts[0], {}, s);
  EXPECT_EQ(pq->ParamTypes(), std::vector<uint32_t>{23});
  try {
    pq->Open({std::string("\1", 1)}, {1}, s);
    ADD_FAILURE();
  } catch (const tusk::PgError& e) {
    EXPECT_EQ(e.data().message, "incorrect binary data format in bind parameter 1");
  }
}

TEST(SqlEngine, SessionFunctionsAndShow) {
  FakeSession s;
  Result r = RunSql(s, "select current_setting('work_mem'), set_config('work_mem', '8MB', false), "
                    "current_setting('nope', true), pg_cancel_backend(1), pg_terminate_backend(4242), "
                    "current_database(), pg_sleep(0), pg_is_in_recovery(), current_schema");
  EXPECT_EQ(*r.rows[0][0], "4MB");
  EXPECT_EQ(*r.rows[0][1], "8MB");
  EXPECT_FALSE(r.rows[0][2].has_value());
  EXPECT_EQ(*r.rows[0][3], "f");
  EXPECT_EQ(*r.rows[0][4], "t");
  EXPECT_EQ(*r.rows[0][5], "postgres");
  EXPECT_EQ(*r.rows[0][6], "");
  EXPECT_EQ(r.cols[6].type_oid, oid::kVoid);
  EXPECT_EQ(*r.rows[0][8], "public");
  r = RunSql(s, "show timezone");
  EXPECT_EQ(r.cols[0].name, "TimeZone");
  EXPECT_EQ(*r.rows[0][0], "UTC");
  s.config["timezone"] = "Asia/Kolkata";
  EXPECT_EQ(*RunSql(s, "select now()").rows[0][0], "2026-11-22 03:53:19.450123+05:30");
  EXPECT_EQ(CommandTagOf(*ParseQuery("rollback to savepoint a")[0]), "ROLLBACK");
  EXPECT_EQ(CommandTagOf(*ParseQuery("create user x")[0]), "CREATE ROLE");
  EXPECT_TRUE(ReturnsRows(*ParseQuery("show all")[0]));
  EXPECT_FALSE(ReturnsRows(*ParseQuery("set a = 1")[0]));
}

TEST(SqlNumeric, BinaryRoundTripAndScale) {
  for (const char* v : {"0", "12.5", "-0.0001", "123456789.987654321", "1e20", "0.00"}) {
    Numeric n = Numeric::Parse(v);
    EXPECT_EQ(Numeric::FromBinary(n.ToBinary()).ToString(), n.ToString()) << v;
  }
  EXPECT_EQ(Numeric::Parse("1e20").ToString(), "100000000000000000000");
  EXPECT_EQ(Numeric::Parse("-1.50").ToString(), "-1.50");
}

TEST(SqlEngine, OverloadResolutionLikePostgres) {
  // Unknown arguments take the preferred type of the category the
  // candidates agree on; conflicting categories are ambiguous.
  EXPECT_EQ(One("select pg_typeof(abs(null))"), "double precision");
  EXPECT_EQ(One("select pg_typeof(round(null))"), "double precision");
  EXPECT_EQ(One("select pg_typeof('5' + 3)"), "integer");
  EXPECT_EQ(One("select pg_typeof(1::int2 + 1::int8)"), "bigint");
  EXPECT_EQ(One("select pg_typeof('a')"), "unknown");
  EXPECT_EQ(One("select pg_typeof(sum(1))"), "bigint");
  auto e = Err("select avg('a')");
  EXPECT_EQ(e.sqlstate, "42725");
  EXPECT_EQ(e.message, "function avg(unknown) is not unique");
  e = Err("select -'a'");
  EXPECT_EQ(e.sqlstate, "42725");
  EXPECT_EQ(e.message, "operator is not unique: - unknown");
  e = Err("select pg_typeof(1) = 'integer'");
  EXPECT_EQ(e.message, "invalid input syntax for type oid: \"integer\"");
}

TEST(SqlEngine, GroupOrderDistinctOnAndLimitRules) {
  FakeSession s;
  Result r = RunSql(s, "select usename as u, count(*) from pg_stat_activity group by u order by u");
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(*r.rows[0][0], "alice");
  EXPECT_EQ(*r.rows[0][1], "2");
  r = RunSql(s, "select distinct on (usename) usename, pid from pg_stat_activity order by usename, pid desc");
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(*r.rows[0][1], "30");  // alice's highest pid
  r = RunSql(s, "select pid from pg_stat_activity order by pid limit 2.5");
  EXPECT_EQ(r.rows.size(), 3u);  // LIMIT 2.5 is LIMIT 3
  auto e = Err("select distinct on (usename) pid from pg_stat_activity order by pid");
  EXPECT_EQ(e.sqlstate, "42P10");
  EXPECT_EQ(e.message, "SELECT DISTINCT ON expressions must match initial ORDER BY expressions");
  e = Err("select pid as x, usename as x from pg_stat_activity order by x");
  EXPECT_EQ(e.sqlstate, "42702");
  EXPECT_EQ(e.message, "ORDER BY \"x\" is ambiguous");
  e = Err("select pid from pg_stat_activity order by 'a'");
  EXPECT_EQ(e.sqlstate, "42601");
  EXPECT_EQ(e.message, "non-integer constant in ORDER BY");
  EXPECT_EQ(e.position, 43);
  e = Err("select pid from pg_stat_activity limit pid");
  EXPECT_EQ(e.sqlstate, "42P10");
  EXPECT_EQ(e.message, "argument of LIMIT must not contain variables");
}

TEST(SqlEngine, RowComparisonsAndColumnNames) {
  EXPECT_EQ(One("select (1, 2) < (1, 3)"), "t");
  EXPECT_EQ(One("select (1, null) < (2, 1)"), "t");
  EXPECT_EQ(One("select (1, null) < (1, 2)"), "NULL");
  EXPECT_EQ(One("select (1, null) = (2, 2)"), "f");
  EXPECT_EQ(One("select (1, null) is null"), "f");
  EXPECT_EQ(One("select (1, null) is not distinct from (1, null)"), "t");
  auto e = Err("select (1, 2) = (1, 2, 3)");
  EXPECT_EQ(e.message, "unequal number of entries in row expressions");
  FakeSession s;
  Result r = RunSql(s, "select exists (select 1), (select pid from pg_stat_activity limit 1), "
                       "(select count(*) from pg_stat_activity), 1::int::text, case when true then pid end "
                       "from pg_stat_activity limit 1");
  std::vector<std::string> names;
  for (auto& c : r.cols) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"exists", "pid", "count", "text", "case"}));
}

TEST(SqlEngine, OuterAggregatesAndGroupedCorrelatedSubqueries) {
  // sum(p.pid) inside the subquery aggregates the outer query's rows.
  EXPECT_EQ(One("select (select sum(p.pid)) from pg_stat_activity p"), "100");
  FakeSession s;
  Result r = RunSql(s,
                    "select usename, (select count(*) from pg_stat_activity q where q.usename = p.usename), "
                    "(select max(p.pid) + 1) from pg_stat_activity p group by usename order by usename");
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(*r.rows[0][1], "2");   // alice
  EXPECT_EQ(*r.rows[0][2], "31");  // alice's max pid + 1
  EXPECT_EQ(*r.rows[2][1], "1");   // carol
  auto e = Err("select usename, (select p.pid) from pg_stat_activity p group by usename");
  EXPECT_EQ(e.sqlstate, "42803");
  EXPECT_EQ(e.message, "subquery uses ungrouped column \"p.pid\" from outer query");
  EXPECT_EQ(e.position, 25);
  e = Err("select 1 from pg_stat_activity p where (select max(p.pid)) > 1");
  EXPECT_EQ(e.message, "aggregate functions are not allowed in WHERE");
}
