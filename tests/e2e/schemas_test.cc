// CREATE, ALTER and DROP SCHEMA as PostgreSQL 15 has them: relations in a
// schema by qualified name and through search_path (with "$user"), DROP
// refusing or cascading with PostgreSQL's DETAIL lines, ownership and the
// database's CREATE privilege, and the catalog rows surviving a crash.
#include <signal.h>

#include <gtest/gtest.h>

#include "cluster.h"

namespace tusk::test {
namespace {

TEST(Schemas, CreateUseDropAsInPostgres) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  EXPECT_EQ(Tag(admin.get(), "CREATE SCHEMA s1"), "CREATE SCHEMA");
  ExpectErrors(admin.get(), {
                                {"CREATE SCHEMA s1", "42P06", "schema \"s1\" already exists"},
                                {"CREATE SCHEMA pg_x", "42939", "unacceptable schema name \"pg_x\""},
                                {"DROP SCHEMA pg_catalog", "2BP01",
                                 "cannot drop schema pg_catalog because it is required by the database system"},
                                {"CREATE TABLE nope.t (a int)", "3F000", "schema \"nope\" does not exist"},
                            });
  EXPECT_EQ(Tag(admin.get(), "CREATE SCHEMA IF NOT EXISTS s1"), "CREATE SCHEMA");
  Exec(admin.get(), "CREATE TABLE s1.t (id serial PRIMARY KEY, a int)");
  Exec(admin.get(), "CREATE TABLE public.t (a text)");
  Exec(admin.get(), "CREATE VIEW s1.v AS SELECT a FROM s1.t");
  Exec(admin.get(), "CREATE SEQUENCE s1.q");
  Exec(admin.get(), "INSERT INTO s1.t (a) VALUES (1), (2)");
  Exec(admin.get(), "INSERT INTO t VALUES ('public')");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT sum(a) FROM s1.v"), "3");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT a FROM t"), "public");
  Exec(admin.get(), "SET search_path = s1, public");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT count(*) FROM t"), "2");
  Exec(admin.get(), "CREATE TABLE t2 (x int)");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT relnamespace::regnamespace FROM pg_class WHERE relname = 't2'"), "s1");
  Exec(admin.get(), "RESET search_path");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT count(*) FROM information_schema.tables WHERE table_schema = 's1'"), "3");

  // A crash keeps what was committed.
  admin.reset();
  ASSERT_EQ(c.StopWith(SIGQUIT), 0);
  c.Start();
  admin = c.Connect();
  EXPECT_EQ(QueryValue(admin.get(), "SELECT count(*) FROM s1.t"), "2");

  Failure f = Fails(admin.get(), "DROP SCHEMA s1");
  EXPECT_EQ(f.sqlstate, "2BP01");
  EXPECT_EQ(f.message, "cannot drop schema s1 because other objects depend on it");
  EXPECT_EQ(f.detail,
            "table s1.t depends on schema s1\nview s1.v depends on schema s1\nsequence s1.q depends on schema s1\n"
            "table s1.t2 depends on schema s1");
  EXPECT_EQ(Tag(admin.get(), "DROP SCHEMA s1 CASCADE"), "DROP SCHEMA");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT count(*) FROM pg_class WHERE relname IN ('t', 't_id_seq', 't_pkey', 'v', 'q', 't2')"),
            "1");  // only public.t is left
  // As in PostgreSQL, a relation in a schema that is gone is a missing relation.
  EXPECT_EQ(Fails(admin.get(), "SELECT * FROM s1.t").message, "relation \"s1.t\" does not exist");
  EXPECT_EQ(Tag(admin.get(), "DROP SCHEMA IF EXISTS s1"), "DROP SCHEMA");
}

TEST(Schemas, OwnersPrivilegesAndUserSchemas) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Exec(admin.get(), "CREATE ROLE eve LOGIN");
  Conn eve = c.Connect("postgres", "eve");
  ASSERT_EQ(PQstatus(eve.get()), CONNECTION_OK) << PQerrorMessage(eve.get());
  EXPECT_EQ(Fails(eve.get(), "CREATE SCHEMA mine").message, "permission denied for database postgres");
  // CREATE SCHEMA AUTHORIZATION names the schema after the role; "$user"
  // in the default search_path then finds it first.
  EXPECT_EQ(Tag(admin.get(), "CREATE SCHEMA AUTHORIZATION eve"), "CREATE SCHEMA");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'eve'"), "eve");
  eve = c.Connect("postgres", "eve");
  EXPECT_EQ(Tag(eve.get(), "CREATE TABLE notes (n text)"), "CREATE TABLE");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT relnamespace::regnamespace FROM pg_class WHERE relname = 'notes'"), "eve");
  EXPECT_EQ(Fails(eve.get(), "DROP SCHEMA public").message, "must be owner of schema public");
  Exec(admin.get(), "GRANT CREATE ON DATABASE postgres TO eve");
  EXPECT_EQ(Tag(eve.get(), "CREATE SCHEMA mine"), "CREATE SCHEMA");
  EXPECT_EQ(Tag(eve.get(), "ALTER SCHEMA mine RENAME TO ours"), "ALTER SCHEMA");
  EXPECT_EQ(Fails(eve.get(), "ALTER SCHEMA ours OWNER TO " + c.superuser()).message,
            "must be member of role \"" + c.superuser() + "\"");
  EXPECT_EQ(Tag(admin.get(), "ALTER SCHEMA ours OWNER TO " + c.superuser()), "ALTER SCHEMA");
  EXPECT_EQ(Fails(eve.get(), "DROP SCHEMA ours").message, "must be owner of schema ours");
  Failure f = Fails(admin.get(), "DROP ROLE eve");
  EXPECT_NE(f.detail.find("owner of schema eve"), std::string::npos) << f.detail;
  EXPECT_NE(f.detail.find("owner of table notes"), std::string::npos) << f.detail;
}

}  // namespace
}  // namespace tusk::test
