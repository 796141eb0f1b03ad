// ALTER DATABASE: CONNECTION LIMIT / ALLOW_CONNECTIONS / IS_TEMPLATE change
// pg_database and bind the sessions that start afterwards (FATAL with
// PostgreSQL's SQLSTATE and text); RENAME and OWNER with PostgreSQL's checks
// and errors; everything survives a restart.
#include <signal.h>

#include <gtest/gtest.h>

#include "cluster.h"
#include "raw_client.h"

namespace tusk::test {
namespace {


// The ErrorResponse a new session gets at start-up ("" fields if it got in).
struct StartupResult {
  std::string severity, sqlstate, message;
};
StartupResult StartSession(const Cluster& c, const std::string& user, const std::string& db) {
  RawClient raw(c.sockdir(), c.port());
  raw.SendStartup(user, db);
  for (const RawMessage& m : raw.ReadUntilReady()) {
    if (m.type == 'E')
      return {RawClient::ErrorField(m.body, 'V'), RawClient::ErrorField(m.body, 'C'),
              RawClient::ErrorField(m.body, 'M')};
  }
  return {};
}

void ExpectConnects(const Cluster& c, const std::string& user, const std::string& db) {
  StartupResult r = StartSession(c, user, db);
  EXPECT_EQ(r.sqlstate, "") << user << "@" << db << ": " << r.message;
}

TEST(AlterDatabase, LimitsBindNewSessions) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Exec(admin.get(), "CREATE DATABASE d1");
  Exec(admin.get(), "CREATE ROLE alice LOGIN");
  EXPECT_EQ(Tag(admin.get(), "ALTER DATABASE d1 CONNECTION LIMIT 1"), "ALTER DATABASE");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT datconnlimit FROM pg_database WHERE datname = 'd1'"), "1");

  Conn first = c.Connect("d1", "alice");
  ASSERT_EQ(PQstatus(first.get()), CONNECTION_OK) << PQerrorMessage(first.get());
  StartupResult second = StartSession(c, "alice", "d1");
  EXPECT_EQ(second.severity, "FATAL");
  EXPECT_EQ(second.sqlstate, "53300");
  EXPECT_EQ(second.message, "too many connections for database \"d1\"");
  ExpectConnects(c, c.superuser(), "d1");  // the limit does not bind superusers

  // Several options at once, with WITH and "=".
  EXPECT_EQ(Tag(admin.get(), "ALTER DATABASE d1 WITH CONNECTION LIMIT = -1 ALLOW_CONNECTIONS false"),
            "ALTER DATABASE");
  for (const std::string& user : {std::string("alice"), c.superuser()}) {
    StartupResult r = StartSession(c, user, "d1");
    EXPECT_EQ(r.severity, "FATAL");
    EXPECT_EQ(r.sqlstate, "55000");
    EXPECT_EQ(r.message, "database \"d1\" is not currently accepting connections");
  }
  // A session already in keeps going.
  EXPECT_EQ(QueryValue(first.get(), "SELECT 1"), "1");

  Exec(admin.get(), "ALTER DATABASE d1 ALLOW_CONNECTIONS true IS_TEMPLATE on");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT datconnlimit || ' ' || datallowconn || ' ' || datistemplate "
                                    "FROM pg_database WHERE datname = 'd1'"),
            "-1 true true");
  ExpectConnects(c, "alice", "d1");
  // DEFAULT means the option's default; a rolled-back change leaves no trace.
  Exec(admin.get(), "ALTER DATABASE d1 CONNECTION LIMIT 5");
  Exec(admin.get(), "ALTER DATABASE d1 IS_TEMPLATE DEFAULT CONNECTION LIMIT DEFAULT");
  Exec(admin.get(), "BEGIN");
  Exec(admin.get(), "ALTER DATABASE d1 CONNECTION LIMIT 0");
  Exec(admin.get(), "ROLLBACK");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT datconnlimit || ' ' || datistemplate FROM pg_database "
                                    "WHERE datname = 'd1'"),
            "-1 false");
  ExpectConnects(c, "alice", "d1");

  // Durable: a limit set before a crash binds after recovery.
  Exec(admin.get(), "ALTER DATABASE d1 CONNECTION LIMIT 0");
  admin.reset();
  first.reset();
  c.StopWith(SIGQUIT);
  c.Start();
  EXPECT_EQ(StartSession(c, "alice", "d1").sqlstate, "53300");
}

TEST(AlterDatabase, OptionErrorsAsPostgres) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Exec(admin.get(), "CREATE DATABASE d1");
  Exec(admin.get(), "CREATE ROLE alice LOGIN");
  ExpectErrors(admin.get(), {
      {"ALTER DATABASE nosuch CONNECTION LIMIT 1", "3D000", "database \"nosuch\" does not exist"},
      {"ALTER DATABASE d1 CONNECTION LIMIT -2", "22023", "invalid connection limit: -2"},
      {"ALTER DATABASE d1 CONNECTION LIMIT 'x'", "42601", "connection_limit requires an integer value"},
      {"ALTER DATABASE d1 CONNECTION LIMIT 1.5", "42601", "connection_limit requires an integer value"},
      {"ALTER DATABASE d1 ALLOW_CONNECTIONS 'maybe'", "42601", "allow_connections requires a Boolean value"},
      {"ALTER DATABASE d1 IS_TEMPLATE 2", "42601", "is_template requires a Boolean value"},
      {"ALTER DATABASE d1 CONNECTION LIMIT 1 CONNECTION LIMIT 2", "42601", "conflicting or redundant options"},
      {"ALTER DATABASE d1 foo 1", "42601", "option \"foo\" not recognized"},
      {"ALTER DATABASE d1 TABLESPACE pg_default CONNECTION LIMIT 1", "0A000",
       "option \"tablespace\" cannot be specified with other options"},
      {"ALTER DATABASE d1 SET TABLESPACE nowhere", "42704", "tablespace \"nowhere\" does not exist"},
      {"ALTER DATABASE d1 SET TABLESPACE pg_global", "22023", "pg_global cannot be used as default tablespace"},
      {"ALTER DATABASE d1 OWNER = x", "42601", "option \"owner\" not recognized"},
      {"ALTER DATABASE postgres ALLOW_CONNECTIONS false", "22023",
       "cannot disallow connections for current database"},
      {"ALTER DATABASE d1 RENAME TO d1", "42P04", "database \"d1\" already exists"},
      {"ALTER DATABASE d1 RENAME TO postgres", "42P04", "database \"postgres\" already exists"},
      {"ALTER DATABASE postgres RENAME TO elsewhere", "0A000", "current database cannot be renamed"},
      {"ALTER DATABASE nosuch RENAME TO elsewhere", "3D000", "database \"nosuch\" does not exist"},
      {"ALTER DATABASE d1 OWNER TO nosuch", "42704", "role \"nosuch\" does not exist"},
      {"ALTER DATABASE d1 OWNER TO public", "42704", "role \"public\" does not exist"},
      {"ALTER DATABASE d1 OWNER TO none", "42939", "role name \"none\" is reserved"},
  });
  EXPECT_EQ(Tag(admin.get(), "ALTER DATABASE d1 SET TABLESPACE pg_default"), "ALTER DATABASE");
  EXPECT_EQ(Tag(admin.get(), "ALTER DATABASE d1"), "ALTER DATABASE");
  EXPECT_EQ(Tag(admin.get(), "ALTER DATABASE d1 REFRESH COLLATION VERSION"), "ALTER DATABASE");

  // Not the owner: every form says so.
  Conn alice = c.Connect("postgres", "alice");
  for (const char* sql : {"ALTER DATABASE d1 CONNECTION LIMIT 5", "ALTER DATABASE d1 RENAME TO d2",
                                 "ALTER DATABASE d1 OWNER TO alice", "ALTER DATABASE d1 SET work_mem = '1MB'",
                                 "ALTER DATABASE d1 RESET ALL"}) {
    Failure f = Fails(alice.get(), sql);
    EXPECT_EQ(f.sqlstate, "42501") << sql;
    EXPECT_EQ(f.message, "must be owner of database d1") << sql;
  }
}

TEST(AlterDatabase, RenameAndOwner) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Exec(admin.get(), "CREATE DATABASE d2");
  Exec(admin.get(), "CREATE ROLE bob LOGIN CREATEDB");
  Exec(admin.get(), "CREATE ROLE carol LOGIN");
  EXPECT_EQ(Tag(admin.get(), "ALTER DATABASE d2 RENAME TO d3"), "ALTER DATABASE");
  StartupResult gone = StartSession(c, c.superuser(), "d2");
  EXPECT_EQ(gone.sqlstate, "3D000");
  EXPECT_EQ(gone.message, "database \"d2\" does not exist");
  {
    // Another session in it: refused after PostgreSQL's 5 s of waiting.
    Conn inside = c.Connect("d3");
    ASSERT_EQ(PQstatus(inside.get()), CONNECTION_OK);
    Failure busy = Fails(admin.get(), "ALTER DATABASE d3 RENAME TO d4");
    EXPECT_EQ(busy.sqlstate, "55006");
    EXPECT_EQ(busy.message, "database \"d3\" is being accessed by other users");
    EXPECT_EQ(busy.detail, "There is 1 other session using the database.");
  }

  EXPECT_EQ(Tag(admin.get(), "ALTER DATABASE d3 OWNER TO bob"), "ALTER DATABASE");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'd3'"), "bob");
  Conn bob = c.Connect("postgres", "bob");
  EXPECT_EQ(Tag(bob.get(), "ALTER DATABASE d3 RENAME TO d5"), "ALTER DATABASE");
  EXPECT_EQ(Tag(bob.get(), "ALTER DATABASE d5 CONNECTION LIMIT 3"), "ALTER DATABASE");
  Failure member = Fails(bob.get(), "ALTER DATABASE d5 OWNER TO carol");
  EXPECT_EQ(member.sqlstate, "42501");
  EXPECT_EQ(member.message, "must be member of role \"carol\"");

  // An owner without CREATEDB may not rename.
  Exec(admin.get(), "ALTER DATABASE d5 OWNER TO carol");
  Conn carol = c.Connect("postgres", "carol");
  Failure rename = Fails(carol.get(), "ALTER DATABASE d5 RENAME TO d6");
  EXPECT_EQ(rename.sqlstate, "42501");
  EXPECT_EQ(rename.message, "permission denied to rename database");
  // Already the owner: nothing to change, and nothing to check.
  EXPECT_EQ(Tag(carol.get(), "ALTER DATABASE d5 OWNER TO CURRENT_USER"), "ALTER DATABASE");
  Failure give = Fails(carol.get(), "ALTER DATABASE d5 OWNER TO bob");
  EXPECT_EQ(give.message, "must be member of role \"bob\"");
  EXPECT_EQ(Tag(admin.get(), "ALTER DATABASE d5 OWNER TO SESSION_USER"), "ALTER DATABASE");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'd5'"),
            c.superuser());
  Exec(admin.get(), "ALTER DATABASE d5 OWNER TO carol");

  bob.reset();
  carol.reset();
  admin.reset();
  c.StopWith(SIGINT);
  c.Start();
  admin = c.Connect();
  EXPECT_EQ(QueryValue(admin.get(), "SELECT datname || ' ' || pg_get_userbyid(datdba) || ' ' || datconnlimit "
                                    "FROM pg_database WHERE datname LIKE 'd%'"),
            "d5 carol 3");
  ExpectConnects(c, "carol", "d5");
  // The owner cannot be dropped while it owns the database.
  EXPECT_EQ(Fails(admin.get(), "DROP ROLE carol").sqlstate, "2BP01");
}

}  // namespace
}  // namespace tusk::test
