// Parser and lexer tests: token edge cases, statement splitting, utility
// statement ASTs, precedence, and syntax errors with PostgreSQL's exact
// messages and 1-based character positions.
#include <gtest/gtest.h>

#include "sql/parser/lexer.h"
#include "sql/parser/parser.h"
#include "utils/error.h"

using namespace tusk::sql;

namespace {

tusk::ErrorData ParseError(const std::string& q) {
  try {
    ParseStatements(q);
  } catch (const tusk::PgError& e) {
    return e.data();
  }
  ADD_FAILURE() << "no error for " << q;
  return {};
}

}  // namespace

TEST(SqlLexer, IdentifiersAndStrings) {
  auto t = Tokenize("SELECT \"MiXed\"\"q\", FooBar, 'it''s', E'a\\nb', $$x'y$$, $tag$a$$b$tag$, U&'\\0041'");
  EXPECT_EQ(t[0].text, "select");
  EXPECT_EQ(t[1].kind, TokKind::kQuotedIdent);
  EXPECT_EQ(t[1].text, "MiXed\"q");
  EXPECT_EQ(t[3].text, "foobar");
  EXPECT_EQ(t[5].text, "it's");
  EXPECT_EQ(t[7].text, "a\nb");
  EXPECT_EQ(t[9].text, "x'y");
  EXPECT_EQ(t[11].text, "a$$b");
  EXPECT_EQ(t[13].text, "A");
}

TEST(SqlLexer, ContinuationAndComments) {
  auto t = Tokenize("select 'a'\n  'b' /* x /* nested */ y */ -- tail\n, 1");
  EXPECT_EQ(t[1].kind, TokKind::kString);
  EXPECT_EQ(t[1].text, "ab");
  EXPECT_EQ(t[2].text, ",");
  // Without a newline the two literals stay separate.
  auto u = Tokenize("select 'a' 'b'");
  EXPECT_EQ(u[2].kind, TokKind::kString);
}

TEST(SqlLexer, NumbersOperatorsParams) {
  auto t = Tokenize("1 1.5 .5 1e3 2147483648 $1 a::int a=-1 !=  @- 1..2");
  EXPECT_EQ(t[0].kind, TokKind::kInteger);
  EXPECT_EQ(t[1].kind, TokKind::kNumeric);
  EXPECT_EQ(t[2].kind, TokKind::kNumeric);
  EXPECT_EQ(t[3].kind, TokKind::kNumeric);
  EXPECT_EQ(t[4].kind, TokKind::kInteger);
  EXPECT_EQ(t[5].kind, TokKind::kParam);
  EXPECT_EQ(t[5].ival, 1);
  EXPECT_EQ(t[7].kind, TokKind::kTypecast);
  EXPECT_EQ(t[10].text, "=");  // "=-" splits because it has no special char
  EXPECT_EQ(t[11].text, "-");
  EXPECT_EQ(t[13].text, "<>");
  EXPECT_EQ(t[14].text, "@-");  // kept whole: contains '@'
  EXPECT_EQ(t[15].text, "1");
}

TEST(SqlParser, SyntaxErrorsMatchPostgres) {
  auto e = ParseError("select 1 < 2 < 3");
  EXPECT_EQ(e.sqlstate, "42601");
  EXPECT_EQ(e.message, "syntax error at or near \"<\"");
  EXPECT_EQ(e.position, 14);
  e = ParseError("select 'abc");
  EXPECT_EQ(e.message, "unterminated quoted string at or near \"'abc\"");
  EXPECT_EQ(e.position, 8);
  e = ParseError("select 1 /* abc");
  EXPECT_EQ(e.message, "unterminated /* comment at or near \"/* abc\"");
  EXPECT_EQ(e.position, 10);
  e = ParseError("select 1 +");
  EXPECT_EQ(e.message, "syntax error at end of input");
  EXPECT_EQ(e.position, 11);
  e = ParseError("select \"\"");
  EXPECT_EQ(e.message, "zero-length delimited identifier at or near \"\"\"\"");
  e = ParseError("select $$abc");
  EXPECT_EQ(e.message, "unterminated dollar-quoted string at or near \"$$abc\"");
  e = ParseError("select 1e");
  EXPECT_EQ(e.message, "trailing junk after numeric literal at or near \"1e\"");
  e = ParseError("select 1; selec 2");
  EXPECT_EQ(e.message, "syntax error at or near \"selec\"");
  EXPECT_EQ(e.position, 11);
  // Multibyte characters count once in positions.
  e = ParseError("select 'é', from");
  EXPECT_EQ(e.position, 13);
}

TEST(SqlParser, EmptyAndMultipleStatements) {
  EXPECT_TRUE(ParseStatements("  ;; -- nothing\n /* x */ ;").empty());
  auto v = ParseStatements("select 1;  SHOW all ; begin");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0]->kind(), StmtKind::kSelect);
  EXPECT_EQ(v[0]->source_text(), "select 1");
  EXPECT_EQ(v[1]->kind(), StmtKind::kShow);
  EXPECT_EQ(v[1]->start_offset(), 11);
  EXPECT_EQ(v[1]->source_text(), "SHOW all");
  EXPECT_TRUE(v[1]->show().all);
  EXPECT_EQ(v[2]->transaction().kind, TransactionStmt::kBegin);
}

TEST(SqlParser, Precedence) {
  auto v = ParseStatements("select -2^2, 1 + 2 * 3, not a = b and c or d, a is null = false");
  const auto& t = v[0]->select().targets;
  EXPECT_EQ(t[0].expr->kind, ExprKind::kOp);
  EXPECT_EQ(t[0].expr->str, "^");
  EXPECT_EQ(t[0].expr->args[0]->kind, ExprKind::kConst);
  EXPECT_EQ(t[0].expr->args[0]->str, "-2");
  EXPECT_EQ(t[1].expr->str, "+");
  EXPECT_EQ(t[1].expr->args[1]->str, "*");
  EXPECT_EQ(t[2].expr->kind, ExprKind::kOr);
  EXPECT_EQ(t[2].expr->args[0]->kind, ExprKind::kAnd);
  EXPECT_EQ(t[2].expr->args[0]->args[0]->kind, ExprKind::kNot);
  // IS NULL is postfix, so "a IS NULL = false" is "(a IS NULL) = false".
  EXPECT_EQ(t[3].expr->kind, ExprKind::kOp);
}

TEST(SqlParser, SelectClauses) {
  auto v = ParseStatements(
      "select distinct a as x, b y, pg_catalog.now(), t.* from pg_catalog.pg_stat_activity s "
      "where a > 1 group by 1 having count(*) > 0 order by 1 desc nulls first, 2 limit 5 offset 2");
  const auto& s = v[0]->select();
  EXPECT_TRUE(s.distinct);
  EXPECT_EQ(*s.targets[0].alias, "x");
  EXPECT_EQ(*s.targets[1].alias, "y");
  EXPECT_EQ(s.targets[2].expr->names.size(), 2u);
  EXPECT_TRUE(s.targets[3].expr->star);
  EXPECT_EQ(s.from[0].schema, "pg_catalog");
  EXPECT_EQ(s.from[0].name, "pg_stat_activity");
  EXPECT_EQ(*s.from[0].alias, "s");
  ASSERT_EQ(s.order_by.size(), 2u);
  EXPECT_TRUE(s.order_by[0].desc);
  EXPECT_TRUE(*s.order_by[0].nulls_first);
  EXPECT_TRUE(s.limit && s.offset);
  auto w = ParseStatements("values (1, 'a'), (2, 'b')");
  EXPECT_EQ(w[0]->kind(), StmtKind::kValues);
  EXPECT_EQ(w[0]->select().values.size(), 2u);
}

TEST(SqlParser, UtilityStatements) {
  auto v = ParseStatements(
      "SET LOCAL search_path TO public, \"$user\"; SET TIME ZONE 'UTC'; SET x.y = DEFAULT; RESET ALL; "
      "SHOW TIME ZONE; START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY, NOT DEFERRABLE; "
      "COMMIT AND CHAIN; ROLLBACK TO SAVEPOINT s1; RELEASE s1; "
      "CREATE USER bob WITH PASSWORD 'pw' CONNECTION LIMIT 3 VALID UNTIL '2030-01-01'; "
      "ALTER ROLE bob NOLOGIN SUPERUSER PASSWORD NULL; DROP ROLE IF EXISTS a, b; DISCARD ALL; "
      "SET TRANSACTION READ WRITE; SET statement_timeout = -5");
  ASSERT_EQ(v.size(), 15u);
  EXPECT_TRUE(v[0]->set().is_local);
  EXPECT_EQ(v[0]->set().values.size(), 2u);
  EXPECT_EQ(v[0]->set().values[1].text, "$user");
  EXPECT_EQ(v[1]->set().name, "timezone");
  EXPECT_EQ(v[1]->set().values[0].text, "UTC");
  EXPECT_EQ(v[2]->set().name, "x.y");
  EXPECT_EQ(v[2]->set().kind, SetStmt::kDefault);
  EXPECT_TRUE(v[3]->reset().all);
  EXPECT_EQ(v[4]->show().name, "timezone");
  const auto& st = v[5]->transaction();
  EXPECT_EQ(st.kind, TransactionStmt::kStart);
  EXPECT_EQ(*st.modes.isolation, "repeatable read");
  EXPECT_TRUE(*st.modes.read_only);
  EXPECT_FALSE(*st.modes.deferrable);
  EXPECT_TRUE(v[6]->transaction().chain);
  EXPECT_EQ(v[7]->transaction().kind, TransactionStmt::kRollbackTo);
  EXPECT_EQ(v[7]->transaction().savepoint, "s1");
  EXPECT_EQ(v[8]->transaction().kind, TransactionStmt::kRelease);
  const auto& cr = v[9]->create_role();
  EXPECT_TRUE(cr.is_user);
  EXPECT_TRUE(*cr.options.login);
  EXPECT_EQ(*cr.options.password, "pw");
  EXPECT_EQ(*cr.options.connection_limit, 3);
  EXPECT_EQ(*cr.options.valid_until, "2030-01-01");
  const auto& ar = v[10]->alter_role();
  EXPECT_FALSE(*ar.options.login);
  EXPECT_TRUE(*ar.options.superuser);
  EXPECT_TRUE(ar.options.password_given);
  EXPECT_FALSE(ar.options.password.has_value());
  EXPECT_TRUE(v[11]->drop_role().missing_ok);
  EXPECT_EQ(v[11]->drop_role().names.size(), 2u);
  EXPECT_EQ(v[12]->kind(), StmtKind::kDiscard);
  EXPECT_EQ(v[13]->set().kind, SetStmt::kTransaction);
  EXPECT_EQ(v[14]->set().values[0].text, "-5");
}

TEST(SqlParser, AlterDatabaseForms) {
  auto v = ParseStatements(
      "ALTER DATABASE d WITH CONNECTION LIMIT = -1 allow_connections false IS_TEMPLATE DEFAULT;"
      "ALTER DATABASE d RENAME TO e; ALTER DATABASE d OWNER TO CURRENT_ROLE; ALTER DATABASE d OWNER TO \"public\";"
      "ALTER DATABASE d SET TABLESPACE pg_default; ALTER DATABASE d SET tablespace = 'x';"
      "ALTER DATABASE d REFRESH COLLATION VERSION; ALTER DATABASE d RESET ALL; ALTER DATABASE d");
  ASSERT_EQ(v.size(), 9u);
  for (const auto& s : v) EXPECT_EQ(s->kind(), StmtKind::kAlterDatabase);
  const AlterDatabaseStmt& o = v[0]->alter_database();
  EXPECT_EQ(o.action, AlterDatabaseStmt::kOptions);
  ASSERT_EQ(o.options.size(), 3u);
  EXPECT_EQ(o.options[0].name, "connection_limit");
  EXPECT_EQ(o.options[0].arg, "-1");
  EXPECT_EQ(o.options[1].arg, "false");
  EXPECT_EQ(o.options[2].arg_kind, DefElem::kIdent);
  EXPECT_EQ(o.options[2].arg, "default");
  EXPECT_EQ(v[1]->alter_database().new_name, "e");
  EXPECT_EQ(v[2]->alter_database().owner.kind, RoleSpec::kCurrentUser);
  EXPECT_EQ(v[3]->alter_database().owner.kind, RoleSpec::kPublic);
  EXPECT_EQ(v[4]->alter_database().action, AlterDatabaseStmt::kSetTablespace);
  EXPECT_EQ(v[5]->alter_database().action, AlterDatabaseStmt::kSetting);  // a parameter named tablespace
  EXPECT_EQ(v[5]->alter_database().setting.name, "tablespace");
  EXPECT_EQ(v[6]->alter_database().action, AlterDatabaseStmt::kRefreshCollation);
  EXPECT_EQ(v[7]->alter_database().setting.kind, SettingClause::kResetAll);
  EXPECT_TRUE(v[8]->alter_database().options.empty());
  auto e = ParseError("ALTER DATABASE d OWNER TO none");
  EXPECT_EQ(e.sqlstate, "42939");
  EXPECT_EQ(e.position, 27);
  EXPECT_EQ(ParseError("ALTER DATABASE d allow_connections").message, "syntax error at end of input");
}

TEST(SqlParser, AlterRoleSetClauses) {
  auto v = ParseStatements(
      "ALTER ROLE r SET work_mem TO '1MB'; ALTER USER ALL IN DATABASE d SET search_path = a, 'b';"
      "ALTER ROLE CURRENT_USER SET work_mem FROM CURRENT; ALTER ROLE r RESET app.x; ALTER ROLE r RESET ALL;"
      "ALTER ROLE r SET TIME ZONE LOCAL; ALTER ROLE r SET app.y = DEFAULT; ALTER ROLE SESSION_USER WITH LOGIN;"
      "ALTER ROLE r SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
  ASSERT_EQ(v.size(), 9u);
  const AlterRoleStmt& a = v[0]->alter_role();
  EXPECT_EQ(a.role.name, "r");
  ASSERT_TRUE(a.setting.has_value());
  EXPECT_EQ(a.setting->kind, SettingClause::kValue);
  EXPECT_EQ(a.setting->name, "work_mem");
  EXPECT_EQ(a.setting->values[0].text, "1MB");
  const AlterRoleStmt& b = v[1]->alter_role();
  EXPECT_TRUE(b.all_roles);
  EXPECT_EQ(b.database, "d");
  EXPECT_EQ(b.setting->values.size(), 2u);
  EXPECT_EQ(v[2]->alter_role().role.kind, RoleSpec::kCurrentUser);
  EXPECT_EQ(v[2]->alter_role().setting->kind, SettingClause::kFromCurrent);
  EXPECT_EQ(v[3]->alter_role().setting->kind, SettingClause::kDefault);
  EXPECT_EQ(v[3]->alter_role().setting->name, "app.x");
  EXPECT_EQ(v[4]->alter_role().setting->kind, SettingClause::kResetAll);
  EXPECT_EQ(v[5]->alter_role().setting->kind, SettingClause::kDefault);
  EXPECT_EQ(v[5]->alter_role().setting->name, "timezone");
  EXPECT_EQ(v[6]->alter_role().setting->kind, SettingClause::kDefault);
  EXPECT_EQ(v[7]->alter_role().role.kind, RoleSpec::kSessionUser);
  EXPECT_FALSE(v[7]->alter_role().setting.has_value());
  EXPECT_TRUE(*v[7]->alter_role().options.login);
  EXPECT_EQ(v[8]->alter_role().setting->name, "TRANSACTION");
  for (const char* bad : {"ALTER ROLE r SET LOCAL work_mem = 1", "ALTER ROLE r SET SESSION work_mem = 1",
                          "ALTER ROLE ALL WITH LOGIN", "ALTER ROLE r IN DATABASE d CONNECTION LIMIT 1"})
    EXPECT_EQ(ParseError(bad).sqlstate, "42601") << bad;
}
