// Prepared statements (backend/session_prepare.cc): SQL PREPARE/EXECUTE and
// the extended protocol's named statements share one namespace, and a
// prepared statement plans again after DDL in this or another session,
// refusing a plan whose result columns changed as PostgreSQL does.
#include <gtest/gtest.h>

#include <vector>

#include "cluster.h"

namespace tusk::test {
namespace {

class Prepared : public ::testing::Test {
 protected:
  void SetUp() override {
    c_.Start();
    conn_ = c_.Connect();
    Exec("CREATE TABLE rp (id int PRIMARY KEY, name text)");
    Exec("INSERT INTO rp VALUES (1, 'one'), (2, 'two'), (3, 'three')");
  }
  void Exec(const std::string& sql, PGconn* conn = nullptr) {
    if (!conn) conn = conn_.get();
    Result r(PQexec(conn, sql.c_str()));
    ASSERT_TRUE(PQresultStatus(r.get()) == PGRES_COMMAND_OK || PQresultStatus(r.get()) == PGRES_TUPLES_OK)
        << sql << ": " << PQerrorMessage(conn);
  }
  void Prepare(const char* name, const char* sql) {
    Result r(PQprepare(conn_.get(), name, sql, 0, nullptr));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn_.get());
  }
  Result Run(const char* name, const char* arg) {
    const char* values[1] = {arg};
    return Result(PQexecPrepared(conn_.get(), name, arg ? 1 : 0, values, nullptr, nullptr, 0));
  }
  std::string Value(const std::string& sql) { return QueryValue(conn_.get(), sql); }

  Cluster c_;
  Conn conn_;
};

TEST_F(Prepared, SqlExecuteUsesEachCallsArguments) {
  Exec("PREPARE p(int) AS SELECT name FROM rp WHERE id = $1");
  // Two statements of the same shape: the simple protocol's plan cache must not mix their arguments.
  EXPECT_EQ(Value("EXECUTE p(1)"), "one");
  EXPECT_EQ(Value("EXECUTE p(2)"), "two");
  EXPECT_EQ(Value("EXECUTE p(1 + 2)"), "three");
  Result tag(PQexec(conn_.get(), "EXECUTE p(2)"));
  EXPECT_STREQ(PQcmdStatus(tag.get()), "SELECT 1");
  Exec("PREPARE ins AS INSERT INTO rp VALUES ($1, $2)");
  Result ins(PQexec(conn_.get(), "EXECUTE ins(4, 'four')"));
  EXPECT_STREQ(PQcmdStatus(ins.get()), "INSERT 0 1") << PQerrorMessage(conn_.get());
  EXPECT_EQ(Value("EXECUTE p(4)"), "four");
}

TEST_F(Prepared, OneNamespaceForSqlAndProtocolStatements) {
  Exec("PREPARE from_sql(int) AS SELECT name FROM rp WHERE id = $1");
  Result r = Run("from_sql", "2");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn_.get());
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "two");

  Prepare("from_protocol", "SELECT id FROM rp WHERE name = $1");
  EXPECT_EQ(Value("EXECUTE from_protocol('three')"), "3");
  Result dup(PQexec(conn_.get(), "PREPARE from_protocol AS SELECT 1"));
  EXPECT_EQ(SqlState(dup.get()), "42P05");
  EXPECT_STREQ(PQresultErrorField(dup.get(), PG_DIAG_MESSAGE_PRIMARY),
               "prepared statement \"from_protocol\" already exists");

  EXPECT_EQ(Value("SELECT string_agg(name || ':' || from_sql || ':' || parameter_types::text, ' ' ORDER BY name) "
                  "FROM pg_prepared_statements"),
            "from_protocol:false:{text} from_sql:true:{integer}");

  Exec("DEALLOCATE from_protocol");
  Result gone = Run("from_protocol", "three");
  EXPECT_EQ(SqlState(gone.get()), "26000");
}

// Drivers such as psycopg send parameters untyped (OID 0): one used only in
// the select list is text, as PostgreSQL resolves it.
TEST_F(Prepared, UntypedParameterInTheSelectListIsText) {
  Result r(PQexecParams(conn_.get(), "SELECT $1, $2 || '!'", 2, nullptr,
                        std::vector<const char*>{"hello", "hi"}.data(), nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn_.get());
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "hello");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 1), "hi!");
  EXPECT_EQ(PQftype(r.get(), 0), 25u);
  Prepare("untyped", "SELECT $1");
  Result d(PQdescribePrepared(conn_.get(), "untyped"));
  ASSERT_EQ(PQnparams(d.get()), 1);
  EXPECT_EQ(PQparamtype(d.get(), 0), 25u);
  // In INSERT ... SELECT it takes the column's type.
  Prepare("ins_sel", "INSERT INTO rp SELECT $1, $2");
  Result d2(PQdescribePrepared(conn_.get(), "ins_sel"));
  ASSERT_EQ(PQnparams(d2.get()), 2);
  EXPECT_EQ(PQparamtype(d2.get(), 0), 23u);
  EXPECT_EQ(PQparamtype(d2.get(), 1), 25u);
}

TEST_F(Prepared, ProtocolStatementPlansAgainAfterDdlInAnotherSession) {
  Prepare("star", "SELECT * FROM rp WHERE id = $1");
  Prepare("name", "SELECT name FROM rp WHERE id = $1");
  Result first = Run("star", "1");
  ASSERT_EQ(PQnfields(first.get()), 2);

  Conn other = c_.Connect();
  Exec("ALTER TABLE rp ADD COLUMN extra int DEFAULT 7", other.get());
  Result changed = Run("star", "1");
  EXPECT_EQ(SqlState(changed.get()), "0A000");
  EXPECT_STREQ(PQresultErrorField(changed.get(), PG_DIAG_MESSAGE_PRIMARY), "cached plan must not change result type");
  Result still = Run("star", "1");  // the old plan stays refused
  EXPECT_EQ(SqlState(still.get()), "0A000");
  Result described(PQdescribePrepared(conn_.get(), "star"));
  EXPECT_EQ(SqlState(described.get()), "0A000");
  Result name = Run("name", "2");
  ASSERT_EQ(PQresultStatus(name.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn_.get());
  EXPECT_STREQ(PQgetvalue(name.get(), 0, 0), "two");

  Exec("DROP TABLE rp", other.get());
  Result dropped = Run("name", "2");
  EXPECT_EQ(SqlState(dropped.get()), "42P01");
  EXPECT_STREQ(PQresultErrorField(dropped.get(), PG_DIAG_MESSAGE_PRIMARY), "relation \"rp\" does not exist");

  Result described_name(PQdescribePrepared(conn_.get(), "name"));
  EXPECT_EQ(SqlState(described_name.get()), "42P01");

  Exec("CREATE TABLE rp (id int, name text)", other.get());
  Exec("INSERT INTO rp VALUES (2, 'new')", other.get());
  Result recreated = Run("name", "2");
  ASSERT_EQ(PQresultStatus(recreated.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn_.get());
  EXPECT_STREQ(PQgetvalue(recreated.get(), 0, 0), "new");
  EXPECT_EQ(Value("EXECUTE name(2)"), "new");
}

TEST_F(Prepared, IndexChangesPlanAgainSilently) {
  Exec("CREATE TABLE big (k int, v text)");
  Exec("INSERT INTO big SELECT g, 'v' || g FROM generate_series(1, 500) g");
  Exec("CREATE INDEX big_k ON big (k)");
  Prepare("byk", "SELECT v FROM big WHERE k = $1");
  Exec("PREPARE sqlbyk(int) AS SELECT v FROM big WHERE k = $1");
  Result r1 = Run("byk", "42");
  ASSERT_EQ(PQresultStatus(r1.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn_.get());
  EXPECT_STREQ(PQgetvalue(r1.get(), 0, 0), "v42");

  // The old plan scans an index that no longer exists: it must not be used.
  Conn other = c_.Connect();
  Exec("DROP INDEX big_k", other.get());
  Exec("INSERT INTO big VALUES (42, 'again')", other.get());
  Result r2 = Run("byk", "42");
  ASSERT_EQ(PQresultStatus(r2.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn_.get());
  EXPECT_EQ(PQntuples(r2.get()), 2);
  Result s2(PQexec(conn_.get(), "EXECUTE sqlbyk(42)"));
  EXPECT_EQ(PQntuples(s2.get()), 2) << PQerrorMessage(conn_.get());

  // A new index, made in this session's own open transaction, is used at once.
  Exec("BEGIN");
  Exec("CREATE INDEX big_k2 ON big (k)");
  Exec("INSERT INTO big VALUES (42, 'third')");
  Result r3 = Run("byk", "42");
  EXPECT_EQ(PQntuples(r3.get()), 3) << PQerrorMessage(conn_.get());
  Exec("COMMIT");
  Result r4 = Run("byk", "42");
  EXPECT_EQ(PQntuples(r4.get()), 3) << PQerrorMessage(conn_.get());
}

TEST_F(Prepared, DdlJustBeforeBindInTheSameBlockIsSeen) {
  Prepare("star", "SELECT * FROM rp WHERE id = $1");
  Exec("BEGIN");
  Exec("ALTER TABLE rp ADD COLUMN extra int DEFAULT 7");
  Result changed = Run("star", "1");
  EXPECT_EQ(SqlState(changed.get()), "0A000") << PQerrorMessage(conn_.get());
  Exec("ROLLBACK");
  Result same = Run("star", "1");
  EXPECT_EQ(PQnfields(same.get()), 2) << PQerrorMessage(conn_.get());

  // Another session's committed change, seen by a block that began before
  // it (READ COMMITTED; the block holds no lock on rp, or ALTER would wait).
  Prepare("name", "SELECT name FROM rp WHERE id = $1");
  Exec("BEGIN");
  EXPECT_EQ(Value("SELECT count(*) > 0 FROM pg_class"), "t");
  Conn other = c_.Connect();
  Exec("ALTER TABLE rp RENAME COLUMN name TO label", other.get());
  Result renamed = Run("name", "1");
  EXPECT_EQ(SqlState(renamed.get()), "42703") << PQerrorMessage(conn_.get());
  Exec("ROLLBACK");
  Exec("BEGIN");
  EXPECT_EQ(Value("SELECT count(*) > 0 FROM pg_class"), "t");
  Exec("ALTER TABLE rp RENAME COLUMN label TO name", other.get());
  Result parsed(PQprepare(conn_.get(), "late", "SELECT label FROM rp", 0, nullptr));
  EXPECT_EQ(SqlState(parsed.get()), "42703") << PQerrorMessage(conn_.get());
  Exec("ROLLBACK");
}

TEST_F(Prepared, ExecuteInTransactions) {
  Exec("PREPARE p(int) AS SELECT name FROM rp WHERE id = $1");
  Exec("BEGIN");
  EXPECT_EQ(Value("EXECUTE p(1)"), "one");
  Result err(PQexec(conn_.get(), "SELECT 1/0"));
  EXPECT_EQ(SqlState(err.get()), "22012");
  Result aborted(PQexec(conn_.get(), "EXECUTE p(1)"));
  EXPECT_EQ(SqlState(aborted.get()), "25P02");
  Result described(PQdescribePrepared(conn_.get(), "p"));
  EXPECT_EQ(SqlState(described.get()), "25P02");
  Exec("ROLLBACK");
  // PREPARE is not transactional: a statement prepared in a rolled-back block stays.
  Exec("BEGIN");
  Exec("PREPARE q AS SELECT count(*) FROM rp");
  Exec("ROLLBACK");
  EXPECT_EQ(Value("EXECUTE q"), "3");
}

TEST_F(Prepared, SqlExecuteThroughTheExtendedProtocol) {
  Exec("PREPARE p(int) AS SELECT id, name FROM rp WHERE id >= $1 ORDER BY id");
  Result r(PQexecParams(conn_.get(), "EXECUTE p(2)", 0, nullptr, nullptr, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn_.get());
  ASSERT_EQ(PQnfields(r.get()), 2);
  ASSERT_EQ(PQntuples(r.get()), 2);
  EXPECT_STREQ(PQgetvalue(r.get(), 1, 1), "three");
  EXPECT_STREQ(PQcmdStatus(r.get()), "SELECT 2");
}

}  // namespace
}  // namespace tusk::test
