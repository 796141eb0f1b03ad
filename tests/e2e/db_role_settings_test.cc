// ALTER ROLE/DATABASE ... SET: entries of pg_db_role_setting applied to new
// sessions in PostgreSQL's order of precedence (database and role over role
// over database over all; the client's startup options over every one),
// shown by SHOW and pg_settings with their source, the session's RESET
// value, durable across restart and crash, validated as PostgreSQL does.
#include <signal.h>

#include <gtest/gtest.h>

#include "cluster.h"
#include "raw_client.h"

namespace tusk::test {
namespace {


// "value source" of a parameter as a session sees it.
std::string Setting(PGconn* conn, const std::string& name) {
  return QueryValue(conn, "SELECT current_setting('" + name + "') || ' ' || source FROM pg_settings WHERE name = '" +
                              name + "'");
}

Conn Open(Cluster& c, const std::string& db, const std::string& user, const std::string& extra = "") {
  Conn conn = c.Connect(db, user, false, extra);
  EXPECT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  return conn;
}

TEST(DbRoleSettings, PrecedenceSourcesResetAndDurability) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Exec(admin.get(), "CREATE DATABASE d1");
  Exec(admin.get(), "CREATE ROLE alice LOGIN");
  EXPECT_EQ(Tag(admin.get(), "ALTER DATABASE d1 SET work_mem = '1MB'"), "ALTER DATABASE");
  EXPECT_EQ(Tag(admin.get(), "ALTER ROLE alice SET work_mem TO '2MB'"), "ALTER ROLE");
  EXPECT_EQ(Tag(admin.get(), "ALTER USER alice IN DATABASE d1 SET work_mem = 3072"), "ALTER ROLE");
  Exec(admin.get(), "ALTER ROLE ALL SET statement_timeout = '7s'");
  Exec(admin.get(), "ALTER DATABASE d1 SET lock_timeout = 1000");
  Exec(admin.get(), "ALTER ROLE alice SET lock_timeout = 2000");
  Exec(admin.get(), "ALTER DATABASE d1 SET datestyle = 'German'");
  Exec(admin.get(), "ALTER ROLE alice SET app.greeting = 'hello, world'");
  // The session that stored them keeps its own settings.
  EXPECT_EQ(Setting(admin.get(), "work_mem"), "4MB default");

  auto check = [&] {
    Conn a1 = Open(c, "d1", "alice");
    EXPECT_EQ(Setting(a1.get(), "work_mem"), "3MB database user");
    EXPECT_EQ(Setting(a1.get(), "lock_timeout"), "2s user");
    EXPECT_EQ(Setting(a1.get(), "statement_timeout"), "7s global");
    EXPECT_EQ(Setting(a1.get(), "DateStyle"), "German, DMY database");
    EXPECT_EQ(QueryValue(a1.get(), "SHOW app.greeting"), "hello, world");
    // Reported to the client at start-up like any other value.
    EXPECT_STREQ(PQparameterStatus(a1.get(), "DateStyle"), "German, DMY");
    Conn a0 = Open(c, "postgres", "alice");
    EXPECT_EQ(Setting(a0.get(), "work_mem"), "2MB user");
    EXPECT_EQ(Setting(a0.get(), "DateStyle"), "ISO, MDY default");
    Conn s1 = Open(c, "d1", c.superuser());
    EXPECT_EQ(Setting(s1.get(), "work_mem"), "1MB database");
    EXPECT_EQ(Setting(s1.get(), "lock_timeout"), "1s database");
    Conn s0 = Open(c, "postgres", c.superuser());
    EXPECT_EQ(Setting(s0.get(), "work_mem"), "4MB default");
    EXPECT_EQ(Setting(s0.get(), "statement_timeout"), "7s global");
  };
  check();

  {
    // The stored value is the session's RESET value.
    Conn a1 = Open(c, "d1", "alice");
    Exec(a1.get(), "SET work_mem = '64MB'");
    EXPECT_EQ(Setting(a1.get(), "work_mem"), "64MB session");
    Exec(a1.get(), "RESET work_mem");
    EXPECT_EQ(Setting(a1.get(), "work_mem"), "3MB database user");
    Exec(a1.get(), "SET work_mem = '64MB'");
    Exec(a1.get(), "SET lock_timeout = 0");
    Exec(a1.get(), "RESET ALL");
    EXPECT_EQ(Setting(a1.get(), "work_mem"), "3MB database user");
    EXPECT_EQ(Setting(a1.get(), "lock_timeout"), "2s user");
    EXPECT_EQ(QueryValue(a1.get(), "SELECT reset_val FROM pg_settings WHERE name = 'work_mem'"), "3072");
    // The client's startup options win over every stored value, and are the RESET value then.
    Conn opt = Open(c, "d1", "alice", "options='-c work_mem=11MB'");
    EXPECT_EQ(Setting(opt.get(), "work_mem"), "11MB client");
    EXPECT_EQ(Setting(opt.get(), "lock_timeout"), "2s user");
    Exec(opt.get(), "SET work_mem = '64MB'");
    Exec(opt.get(), "RESET work_mem");
    EXPECT_EQ(Setting(opt.get(), "work_mem"), "11MB client");
  }

  EXPECT_EQ(QueryValue(admin.get(), "SELECT string_agg(x, ' | ' ORDER BY x) FROM (SELECT coalesce(d.datname, '-') "
                                    "|| '/' || coalesce(r.rolname, '-') || ' ' || array_to_string(s.setconfig, ';') "
                                    "AS x FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase "
                                    "LEFT JOIN pg_roles r ON r.oid = s.setrole) t"),
            "-/- statement_timeout=7s | -/alice work_mem=2MB;lock_timeout=2000;app.greeting=hello, world | "
            "d1/- work_mem=1MB;lock_timeout=1000;DateStyle=German | d1/alice work_mem=3072");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT rolconfig::text FROM pg_roles WHERE rolname = 'alice'"),
            "{work_mem=2MB,lock_timeout=2000,\"app.greeting=hello, world\"}");
  // psql's \drds reads the catalog with PostgreSQL 15's query.
  CommandResult drds = c.Psql("\\drds alice");
  EXPECT_EQ(drds.exit_code, 0) << drds.out;
  EXPECT_NE(drds.out.find("alice|d1|work_mem=3072"), std::string::npos) << drds.out;

  // Durable: a clean restart, then a crash.
  admin.reset();
  c.StopWith(SIGINT);
  c.Start();
  check();
  c.StopWith(SIGQUIT);
  c.Start();
  check();

  // RESET removes entries; the next session falls back a level each time.
  admin = c.Connect();
  Exec(admin.get(), "ALTER ROLE alice IN DATABASE d1 RESET work_mem");
  EXPECT_EQ(Setting(Open(c, "d1", "alice").get(), "work_mem"), "2MB user");
  Exec(admin.get(), "ALTER ROLE alice RESET ALL");
  EXPECT_EQ(Setting(Open(c, "d1", "alice").get(), "work_mem"), "1MB database");
  Exec(admin.get(), "ALTER DATABASE d1 RESET work_mem");
  EXPECT_EQ(Setting(Open(c, "d1", "alice").get(), "work_mem"), "4MB default");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT count(*) FROM pg_db_role_setting WHERE setrole <> 0"), "0");

  // A rolled-back SET leaves nothing behind.
  Exec(admin.get(), "BEGIN");
  Exec(admin.get(), "ALTER ROLE alice SET work_mem = '9MB'");
  Exec(admin.get(), "ROLLBACK");
  EXPECT_EQ(Setting(Open(c, "d1", "alice").get(), "work_mem"), "4MB default");

  // DROP ROLE and DROP DATABASE take their rows with them.
  Exec(admin.get(), "ALTER ROLE alice SET work_mem = '5MB'");
  Exec(admin.get(), "ALTER ROLE alice IN DATABASE postgres SET work_mem = '6MB'");
  Exec(admin.get(), "DROP ROLE alice");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT count(*) FROM pg_db_role_setting WHERE setrole <> 0"), "0");
  Exec(admin.get(), "DROP DATABASE d1");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT string_agg(setconfig::text, ' ') FROM pg_db_role_setting"),
            "{statement_timeout=7s}");
}

TEST(DbRoleSettings, ValuesAsStored) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Exec(admin.get(), "CREATE ROLE alice LOGIN");
  auto stored = [&] {
    return QueryValue(admin.get(), "SELECT setconfig::text FROM pg_db_role_setting WHERE setrole = "
                                   "(SELECT oid FROM pg_roles WHERE rolname = 'alice')");
  };
  // PostgreSQL's spellings: the parameter's own name, list values quoted
  // as identifiers, FROM CURRENT as SHOW prints it, a new value in place.
  Exec(admin.get(), "ALTER ROLE alice SET datestyle = iso, dmy");
  Exec(admin.get(), "ALTER ROLE alice SET search_path = a, \"B\", 'c d'");
  Exec(admin.get(), "SET work_mem = '6MB'");
  Exec(admin.get(), "ALTER ROLE alice SET work_mem FROM CURRENT");
  Exec(admin.get(), "ALTER ROLE alice SET TIME ZONE 'UTC'");
  Exec(admin.get(), "ALTER ROLE alice SET \"DateStyle\" = 'German'");
  Exec(admin.get(), "ALTER ROLE alice SET enable_seqscan TO DEFAULT");
  EXPECT_EQ(stored(), "{DateStyle=German,\"search_path=a, \\\"B\\\", \\\"c d\\\"\",work_mem=6MB,TimeZone=UTC}");
  Conn a = c.Connect("postgres", "alice");
  EXPECT_EQ(QueryValue(a.get(), "SHOW search_path"), "a, \"B\", \"c d\"");
  EXPECT_EQ(QueryValue(a.get(), "SHOW TimeZone"), "UTC");
  Exec(admin.get(), "ALTER ROLE alice RESET TIME ZONE");
  Exec(admin.get(), "ALTER ROLE alice RESET datestyle");
  EXPECT_EQ(stored(), "{\"search_path=a, \\\"B\\\", \\\"c d\\\"\",work_mem=6MB}");
  // A non-superuser's RESET ALL keeps what it could not set itself.
  Exec(admin.get(), "ALTER ROLE alice SET log_min_duration_statement = 5");
  Exec(admin.get(), "ALTER ROLE alice SET app.x = 1");
  Exec(a.get(), "ALTER ROLE alice RESET ALL");
  EXPECT_EQ(stored(), "{log_min_duration_statement=5,app.x=1}");
}

TEST(DbRoleSettings, ErrorsAsPostgres) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Exec(admin.get(), "CREATE DATABASE d1");
  Exec(admin.get(), "CREATE ROLE alice LOGIN");
  Exec(admin.get(), "CREATE ROLE bob LOGIN");
  ExpectErrors(admin.get(), {
      {"ALTER ROLE alice SET nosuch = 1", "42704", "unrecognized configuration parameter \"nosuch\""},
      {"ALTER ROLE alice SET \"a.1b\" = 1", "42602", "invalid configuration parameter name \"a.1b\""},
      {"ALTER ROLE alice SET shared_buffers = '1MB'", "55P02",
       "parameter \"shared_buffers\" cannot be changed without restarting the server"},
      {"ALTER DATABASE d1 SET max_wal_size = '1GB'", "55P02", "parameter \"max_wal_size\" cannot be changed now"},
      {"ALTER ROLE alice SET log_connections = on", "55P02",
       "parameter \"log_connections\" cannot be set after connection start"},
      {"ALTER ROLE alice SET is_superuser = on", "55P02", "parameter \"is_superuser\" cannot be changed"},
      {"ALTER ROLE alice SET work_mem = 'abc'", "22023", "invalid value for parameter \"work_mem\": \"abc\""},
      {"ALTER ROLE alice SET work_mem = 1, 2", "22023", "SET work_mem takes only one argument"},
      {"ALTER ROLE alice SET nosuch FROM CURRENT", "42704", "unrecognized configuration parameter \"nosuch\""},
      {"ALTER ROLE nosuch SET work_mem = 1", "42704", "role \"nosuch\" does not exist"},
      {"ALTER ROLE public SET work_mem = 1", "42704", "role \"public\" does not exist"},
      {"ALTER ROLE pg_monitor SET work_mem = 1", "42939", "role name \"pg_monitor\" is reserved"},
      {"ALTER ROLE alice IN DATABASE nosuch SET work_mem = 1", "3D000", "database \"nosuch\" does not exist"},
      {"ALTER DATABASE nosuch SET work_mem = 1", "3D000", "database \"nosuch\" does not exist"},
      {"ALTER ROLE alice SET LOCAL work_mem = 1", "42601", "syntax error at or near \"work_mem\""},
  });
  // Nothing was stored by the failures.
  EXPECT_EQ(QueryValue(admin.get(), "SELECT count(*) FROM pg_db_role_setting"), "0");

  Conn alice = c.Connect("postgres", "alice");
  ExpectErrors(alice.get(), {
      {"ALTER ROLE alice SET log_min_duration_statement = 5", "42501",
       "permission denied to set parameter \"log_min_duration_statement\""},
      {"ALTER ROLE alice SET app.x = 1", "42501", "permission denied to set parameter \"app.x\""},
      {"ALTER ROLE bob SET work_mem = '1MB'", "42501", "permission denied"},
      {"ALTER ROLE " + c.superuser() + " SET work_mem = '1MB'", "42501", "must be superuser to alter superusers"},
      {"ALTER ROLE ALL SET work_mem = '1MB'", "42501", "must be superuser to alter settings globally"},
      {"ALTER ROLE ALL IN DATABASE d1 SET work_mem = '1MB'", "42501", "must be owner of database d1"},
      {"ALTER DATABASE d1 SET work_mem = '1MB'", "42501", "must be owner of database d1"},
  });
  // Its own role, in any database, with user-settable parameters.
  EXPECT_EQ(Tag(alice.get(), "ALTER ROLE alice SET work_mem = '5MB'"), "ALTER ROLE");
  EXPECT_EQ(Tag(alice.get(), "ALTER ROLE CURRENT_USER IN DATABASE d1 SET work_mem = '6MB'"), "ALTER ROLE");
  EXPECT_EQ(Tag(alice.get(), "ALTER USER SESSION_USER SET lock_timeout = '1s'"), "ALTER ROLE");
  EXPECT_EQ(QueryValue(Open(c, "d1", "alice").get(), "SHOW work_mem"), "6MB");
  // A role with CREATEROLE may set another's.
  Exec(admin.get(), "ALTER ROLE bob CREATEROLE");
  Conn bob = c.Connect("postgres", "bob");
  EXPECT_EQ(Tag(bob.get(), "ALTER ROLE alice SET work_mem = '7MB'"), "ALTER ROLE");
  EXPECT_EQ(Fails(bob.get(), "ALTER ROLE " + c.superuser() + " SET work_mem = '1MB'").message,
            "must be superuser to alter superusers");
}

}  // namespace
}  // namespace tusk::test
