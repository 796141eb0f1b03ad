// GRANT and REVOKE, and the checks behind them, as PostgreSQL 15 has them:
// a role reads and changes only the tables it owns or was granted, through
// views with the view owner's rights, uses sequences it may use, creates in
// public only when granted (PostgreSQL 15's public schema), connects only to
// databases it has CONNECT on, and cannot be dropped while privileges name
// it. The acl columns read as PostgreSQL's do, and survive a restart.
#include <signal.h>

#include <gtest/gtest.h>

#include "cluster.h"

namespace tusk::test {
namespace {

constexpr char kDenied[] = "42501";

Conn Open(Cluster& c, const std::string& user, const std::string& db = "postgres") {
  Conn conn = c.Connect(db, user);
  EXPECT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  return conn;
}

TEST(Privileges, TablesViewsSequencesAndSchemaAsInPostgres) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  const std::string su = c.superuser();
  Exec(admin.get(), "CREATE ROLE alice LOGIN");
  Exec(admin.get(), "CREATE TABLE t (a int, b text)");
  Exec(admin.get(), "INSERT INTO t VALUES (1, 'one'), (2, 'two')");
  Exec(admin.get(), "CREATE VIEW v AS SELECT a FROM t");
  Exec(admin.get(), "CREATE SEQUENCE s");
  Conn alice = Open(c, "alice");

  ExpectErrors(alice.get(), {
                                {"SELECT * FROM t", kDenied, "permission denied for table t"},
                                {"INSERT INTO t VALUES (3, 'three')", kDenied, "permission denied for table t"},
                                {"UPDATE t SET b = 'x'", kDenied, "permission denied for table t"},
                                {"DELETE FROM t", kDenied, "permission denied for table t"},
                                {"TRUNCATE t", kDenied, "permission denied for table t"},
                                {"SELECT * FROM v", kDenied, "permission denied for view v"},
                                {"SELECT nextval('s')", kDenied, "permission denied for sequence s"},
                                {"SELECT * FROM (SELECT a FROM t) q", kDenied, "permission denied for table t"},
                                {"DROP TABLE t", kDenied, "must be owner of table t"},
                                {"ALTER TABLE t ADD COLUMN c int", kDenied, "must be owner of table t"},
                                {"CREATE INDEX ON t (a)", kDenied, "must be owner of table t"},
                                {"CREATE TABLE mine (x int)", kDenied, "permission denied for schema public"},
                            });
  // The catalogs stay readable.
  EXPECT_EQ(QueryValue(alice.get(), "SELECT count(*) FROM pg_class WHERE relname = 't'"), "1");

  EXPECT_EQ(Tag(admin.get(), "GRANT SELECT ON t TO alice"), "GRANT");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT relacl::text FROM pg_class WHERE relname = 't'"),
            "{" + su + "=arwdDxt/" + su + ",alice=r/" + su + "}");
  EXPECT_EQ(QueryValue(alice.get(), "SELECT string_agg(b, ',' ORDER BY a) FROM t"), "one,two");
  EXPECT_EQ(Fails(alice.get(), "INSERT INTO t VALUES (3, 'three')").message, "permission denied for table t");

  // UPDATE alone may set columns; reading them (WHERE, RETURNING) takes SELECT too.
  Exec(admin.get(), "REVOKE SELECT ON t FROM alice");
  Exec(admin.get(), "GRANT UPDATE, INSERT ON TABLE t TO alice");
  EXPECT_EQ(Tag(alice.get(), "UPDATE t SET b = 'x'"), "UPDATE 2");
  EXPECT_EQ(Tag(alice.get(), "INSERT INTO t VALUES (3, 'three')"), "INSERT 0 1");
  EXPECT_EQ(Fails(alice.get(), "UPDATE t SET b = 'y' WHERE a = 1").message, "permission denied for table t");
  EXPECT_EQ(Fails(alice.get(), "INSERT INTO t VALUES (4, 'four') RETURNING a").message,
            "permission denied for table t");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT relacl::text FROM pg_class WHERE relname = 't'"),
            "{" + su + "=arwdDxt/" + su + ",alice=aw/" + su + "}");

  // A view reads its tables with its owner's rights.
  Exec(admin.get(), "GRANT SELECT ON v TO alice");
  EXPECT_EQ(QueryValue(alice.get(), "SELECT count(*) FROM v"), "3");
  EXPECT_EQ(Fails(alice.get(), "SELECT count(*) FROM t").sqlstate, kDenied);

  Exec(admin.get(), "GRANT USAGE ON SEQUENCE s TO alice");
  EXPECT_EQ(QueryValue(alice.get(), "SELECT nextval('s')"), "1");
  EXPECT_EQ(Fails(alice.get(), "SELECT setval('s', 10)").message, "permission denied for sequence s");

  // PostgreSQL 15's public schema: CREATE only for the database owner, unless granted.
  EXPECT_EQ(QueryValue(admin.get(), "SELECT nspacl::text || ' ' || nspowner::regrole FROM pg_namespace WHERE nspname = 'public'"),
            "{pg_database_owner=UC/pg_database_owner,=U/pg_database_owner} pg_database_owner");
  Exec(admin.get(), "GRANT CREATE ON SCHEMA public TO alice");
  EXPECT_EQ(Tag(alice.get(), "CREATE TABLE mine (x int)"), "CREATE TABLE");
  Exec(alice.get(), "INSERT INTO mine VALUES (7)");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT x FROM mine"), "7");  // a superuser reads everything
  Exec(alice.get(), "DROP TABLE mine");

  EXPECT_EQ(QueryValue(alice.get(), "SELECT has_table_privilege('t', 'UPDATE') || ' ' || has_table_privilege('t', 'SELECT')"),
            "true false");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT has_table_privilege('alice', 't', 'INSERT')"), "t");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT has_schema_privilege('alice', 'public', 'CREATE')"), "t");

  // A prepared statement is checked again after a REVOKE.
  Exec(admin.get(), "GRANT SELECT ON t TO alice");
  PGresult* prep = PQprepare(alice.get(), "q", "SELECT count(*) FROM t WHERE a > $1", 1, nullptr);
  ASSERT_EQ(PQresultStatus(prep), PGRES_COMMAND_OK) << PQerrorMessage(alice.get());
  PQclear(prep);
  const char* one = "1";
  Result before(PQexecPrepared(alice.get(), "q", 1, &one, nullptr, nullptr, 0));
  EXPECT_EQ(PQresultStatus(before.get()), PGRES_TUPLES_OK) << PQerrorMessage(alice.get());
  Exec(admin.get(), "REVOKE ALL ON t FROM alice");
  Result after(PQexecPrepared(alice.get(), "q", 1, &one, nullptr, nullptr, 0));
  EXPECT_EQ(SqlState(after.get()), kDenied);

  // Durable: the acls are catalog rows.
  Exec(admin.get(), "GRANT DELETE ON t TO alice");
  alice.reset();
  admin.reset();
  ASSERT_EQ(c.StopWith(SIGTERM), 0);
  c.Start();
  admin = c.Connect();
  alice = Open(c, "alice");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT relacl::text FROM pg_class WHERE relname = 't'"),
            "{" + su + "=arwdDxt/" + su + ",alice=d/" + su + "}");
  EXPECT_EQ(Tag(alice.get(), "DELETE FROM t"), "DELETE 3");
  EXPECT_EQ(Fails(alice.get(), "SELECT * FROM t").sqlstate, kDenied);
}

TEST(Privileges, ConnectOnDatabases) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  const std::string su = c.superuser();
  Exec(admin.get(), "CREATE ROLE alice LOGIN");
  Exec(admin.get(), "CREATE DATABASE tenant");
  Exec(admin.get(), "REVOKE CONNECT ON DATABASE tenant FROM PUBLIC");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT datacl::text FROM pg_database WHERE datname = 'tenant'"),
            "{=T/" + su + "," + su + "=CTc/" + su + "}");
  Conn refused = c.Connect("tenant", "alice");
  EXPECT_NE(PQstatus(refused.get()), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(refused.get())).find("FATAL:  permission denied for database \"tenant\""),
            std::string::npos)
      << PQerrorMessage(refused.get());
  EXPECT_NE(c.ReadLog().find("DETAIL:  User does not have CONNECT privilege."), std::string::npos);
  Exec(admin.get(), "GRANT CONNECT ON DATABASE tenant TO alice");
  Conn alice = Open(c, "alice", "tenant");
  EXPECT_EQ(QueryValue(alice.get(), "SELECT has_database_privilege('tenant', 'CONNECT')"), "t");
  Open(c, su, "tenant");  // superusers need no grant
  // A new owner takes over the old owner's items (PostgreSQL's aclnewowner).
  alice.reset();
  Exec(admin.get(), "ALTER DATABASE tenant OWNER TO alice");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT datacl::text FROM pg_database WHERE datname = 'tenant'"),
            "{=T/alice,alice=CTc/alice}");
}

TEST(Privileges, ErrorsAndDropRoleAsInPostgres) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Exec(admin.get(), "CREATE ROLE alice LOGIN");
  Exec(admin.get(), "CREATE TABLE t (a int)");
  Exec(admin.get(), "CREATE SEQUENCE s");
  ExpectErrors(admin.get(), {
                                {"GRANT foo ON t TO alice", "42601", "unrecognized privilege type \"foo\""},
                                {"GRANT CONNECT ON t TO alice", "0LP01", "invalid privilege type CONNECT for relation"},
                                {"GRANT SELECT ON DATABASE postgres TO alice", "0LP01",
                                 "invalid privilege type SELECT for database"},
                                {"GRANT SELECT ON t TO nobody", "42704", "role \"nobody\" does not exist"},
                                {"GRANT SELECT ON nothere TO alice", "42P01", "relation \"nothere\" does not exist"},
                                {"GRANT USAGE ON SCHEMA nothere TO alice", "3F000", "schema \"nothere\" does not exist"},
                                {"GRANT SELECT ON t TO PUBLIC WITH GRANT OPTION", "0LP01",
                                 "grant options can only be granted to roles"},
                                {"GRANT SELECT ON SEQUENCE t TO alice", "42809", "\"t\" is not a sequence"},
                            });
  Exec(admin.get(), "GRANT SELECT ON t, s TO alice");
  Failure f = Fails(admin.get(), "DROP ROLE alice");
  EXPECT_EQ(f.sqlstate, "2BP01");
  EXPECT_EQ(f.message, "role \"alice\" cannot be dropped because some objects depend on it");
  EXPECT_NE(f.detail.find("privileges for table t"), std::string::npos) << f.detail;
  EXPECT_NE(f.detail.find("privileges for sequence s"), std::string::npos) << f.detail;
  Exec(admin.get(), "REVOKE ALL ON t, s FROM alice");
  EXPECT_EQ(Tag(admin.get(), "DROP ROLE alice"), "DROP ROLE");
}

TEST(Privileges, OwnerToHandsOverTheTableItsPartsAndItsAcl) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Exec(admin.get(), "CREATE ROLE carol LOGIN");
  Exec(admin.get(), "CREATE TABLE ot (id serial PRIMARY KEY, a int)");
  Exec(admin.get(), "CREATE SEQUENCE os");
  Exec(admin.get(), "GRANT SELECT ON ot TO PUBLIC");
  Exec(admin.get(), "GRANT INSERT ON ot TO carol");
  EXPECT_EQ(Tag(admin.get(), "ALTER TABLE ot OWNER TO carol"), "ALTER TABLE");
  EXPECT_EQ(Tag(admin.get(), "ALTER SEQUENCE os OWNER TO carol"), "ALTER SEQUENCE");
  // PostgreSQL's result: the old owner's items become the new owner's, merged.
  EXPECT_EQ(QueryValue(admin.get(), "SELECT string_agg(relname || ' ' || relowner::regrole || ' ' || "
                                    "coalesce(relacl::text, '-'), '; ' ORDER BY relname) FROM pg_class "
                                    "WHERE relname LIKE 'o%' AND relkind IN ('r', 'i', 'S')"),
            "os carol -; ot carol {carol=arwdDxt/carol,=r/carol}; ot_id_seq carol -; ot_pkey carol -");
  Conn carol = Open(c, "carol");
  EXPECT_EQ(Tag(carol.get(), "INSERT INTO ot (a) VALUES (1)"), "INSERT 0 1");
  EXPECT_EQ(QueryValue(carol.get(), "SELECT nextval('os')"), "1");
  EXPECT_EQ(Fails(carol.get(), "ALTER TABLE ot OWNER TO " + c.superuser()).message,
            "must be member of role \"" + c.superuser() + "\"");
  EXPECT_EQ(Tag(carol.get(), "DROP TABLE ot"), "DROP TABLE");
}

// SET ROLE and SET SESSION AUTHORIZATION change whose privileges count,
// also for a statement prepared before, and a rollback undoes them.
TEST(Privileges, SetRoleAndSessionAuthorizationSwitchTheCheckedUser) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  const std::string su = c.superuser();
  Exec(admin.get(), "CREATE ROLE rr LOGIN");
  Exec(admin.get(), "CREATE TABLE rt (a int)");
  Exec(admin.get(), "PREPARE p AS SELECT count(*) FROM rt");
  EXPECT_EQ(Fails(admin.get(), "SET ROLE nosuch").sqlstate, "22023");
  EXPECT_EQ(Tag(admin.get(), "SET ROLE rr"), "SET");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT current_user || ' ' || session_user || ' ' || current_setting('is_superuser')"),
            "rr " + su + " off");
  EXPECT_EQ(Fails(admin.get(), "SELECT * FROM rt").message, "permission denied for table rt");
  EXPECT_EQ(Fails(admin.get(), "EXECUTE p").message, "permission denied for table rt");
  Exec(admin.get(), "RESET ROLE");
  EXPECT_EQ(QueryValue(admin.get(), "EXECUTE p"), "0");
  Exec(admin.get(), "BEGIN");
  Exec(admin.get(), "SET ROLE rr");
  Exec(admin.get(), "ROLLBACK");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT current_user"), su);
  Exec(admin.get(), "SET SESSION AUTHORIZATION rr");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT session_user"), "rr");
  EXPECT_EQ(Fails(admin.get(), "SET ROLE " + su).message, "permission denied to set role \"" + su + "\"");
  Exec(admin.get(), "RESET SESSION AUTHORIZATION");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT current_user"), su);
  Conn rr = c.Connect("postgres", "rr");
  EXPECT_EQ(Fails(rr.get(), "SET SESSION AUTHORIZATION " + su).message, "permission denied to set session authorization");
}

}  // namespace
}  // namespace tusk::test
