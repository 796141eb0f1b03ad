// Contract section 8 (connection limits) and 12's pg_hba.conf rules:
// reserved superuser slots, max_connections, per-role limits, trust,
// scram-sha-256, md5, password, reject, no matching rule.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "cluster.h"

namespace tusk::test {
namespace {

TEST(Limits, ReservedSlotsAndTooManyClients) {
  Cluster c;
  c.AppendConf("max_connections = 5\nsuperuser_reserved_connections = 2");
  c.Start();
  Conn admin = c.Connect();
  EXPECT_EQ(PQresultStatus(Result(PQexec(admin.get(), "CREATE ROLE app LOGIN")).get()), PGRES_COMMAND_OK);
  int admin_pid = PQbackendPID(admin.get());
  admin.reset();
  // Its slot is free only once that backend has exited.
  for (int i = 0; i < 200 && ProcessAlive(admin_pid); ++i) usleep(10000);
  std::vector<Conn> users;
  for (int i = 0; i < 3; ++i) {
    users.push_back(c.Connect("postgres", "app"));
    ASSERT_EQ(PQstatus(users.back().get()), CONNECTION_OK) << i << PQerrorMessage(users.back().get());
  }
  Conn extra = c.Connect("postgres", "app");
  EXPECT_NE(PQstatus(extra.get()), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(extra.get()))
                .find("remaining connection slots are reserved for non-replication superuser connections"),
            std::string::npos)
      << PQerrorMessage(extra.get());
  // The refused backend holds its slot until it has exited: on a busy
  // machine the superusers may have to try again for a moment.
  std::vector<Conn> supers;
  for (int i = 0; i < 2; ++i) {
    Conn s = c.Connect();
    for (int tries = 0; tries < 200 && PQstatus(s.get()) != CONNECTION_OK; ++tries) {
      usleep(10000);
      s = c.Connect();
    }
    ASSERT_EQ(PQstatus(s.get()), CONNECTION_OK) << PQerrorMessage(s.get());
    supers.push_back(std::move(s));
  }
  Conn over = c.Connect();
  EXPECT_NE(PQstatus(over.get()), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(over.get())).find("sorry, too many clients already"), std::string::npos)
      << PQerrorMessage(over.get());
  // Slots come back when sessions end: with the superusers gone, more than
  // the reserved number are free again.
  std::vector<int> leaving;
  for (auto& s : supers) leaving.push_back(PQbackendPID(s.get()));
  leaving.push_back(PQbackendPID(users.back().get()));
  supers.clear();
  users.pop_back();
  for (int pid : leaving)
    for (int i = 0; i < 200 && ProcessAlive(pid); ++i) usleep(10000);
  Conn later;
  for (int i = 0; i < 50; ++i) {
    later = c.Connect("postgres", "app");
    if (PQstatus(later.get()) == CONNECTION_OK) break;
    usleep(20000);
  }
  EXPECT_EQ(PQstatus(later.get()), CONNECTION_OK) << PQerrorMessage(later.get());
}

TEST(Limits, RoleConnectionLimit) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Result r(PQexec(admin.get(), "CREATE ROLE limited LOGIN CONNECTION LIMIT 1"));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(admin.get());
  Conn first = c.Connect("postgres", "limited");
  ASSERT_EQ(PQstatus(first.get()), CONNECTION_OK) << PQerrorMessage(first.get());
  Conn second = c.Connect("postgres", "limited");
  EXPECT_NE(PQstatus(second.get()), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(second.get())).find("too many connections for role \"limited\""),
            std::string::npos)
      << PQerrorMessage(second.get());
}

// CONNECTION LIMIT of a database binds everyone but superusers (53300).
TEST(Limits, DatabaseConnectionLimit) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  for (const char* sql : {"CREATE DATABASE small CONNECTION LIMIT 1", "CREATE ROLE app LOGIN"}) {
    Result r(PQexec(admin.get(), sql));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(admin.get());
  }
  Conn first = c.Connect("small", "app");
  ASSERT_EQ(PQstatus(first.get()), CONNECTION_OK) << PQerrorMessage(first.get());
  Conn second = c.Connect("small", "app");
  EXPECT_NE(PQstatus(second.get()), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(second.get())).find("FATAL:  too many connections for database \"small\""),
            std::string::npos)
      << PQerrorMessage(second.get());
  Conn super = c.Connect("small");
  EXPECT_EQ(PQstatus(super.get()), CONNECTION_OK) << PQerrorMessage(super.get());
}

TEST(Auth, ScramOverTcpAndUnixWithPsql) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Result r(PQexec(admin.get(), "CREATE ROLE alice LOGIN PASSWORD 'wonder land'"));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(admin.get());
  EXPECT_EQ(QueryValue(admin.get(), "SELECT substr(rolpassword, 1, 14) FROM pg_authid WHERE rolname = 'alice'"),
            "SCRAM-SHA-256$");
  c.WriteHba("local all " + c.superuser() + " trust\nlocal all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256");
  Result reload(PQexec(admin.get(), "SELECT pg_reload_conf()"));
  usleep(300000);
  for (bool tcp : {false, true}) {
    Conn good = c.Connect("postgres", "alice", tcp, "password='wonder land'");
    EXPECT_EQ(PQstatus(good.get()), CONNECTION_OK) << PQerrorMessage(good.get());
    Conn bad = c.Connect("postgres", "alice", tcp, "password=wrong");
    EXPECT_NE(PQstatus(bad.get()), CONNECTION_OK);
    EXPECT_NE(std::string(PQerrorMessage(bad.get())).find("password authentication failed for user \"alice\""),
              std::string::npos)
        << PQerrorMessage(bad.get());
    CommandResult psql = RunCommand("PGPASSWORD='wonder land' psql -X -A -t -h " +
                                    std::string(tcp ? "127.0.0.1" : c.sockdir()) + " -p " + std::to_string(c.port()) +
                                    " -U alice -d postgres -c 'SELECT current_user'");
    EXPECT_EQ(psql.exit_code, 0) << psql.out;
    EXPECT_EQ(psql.out, "alice\n");
  }
  // The log names the rule that matched.
  EXPECT_NE(c.ReadLog().find("DETAIL:  Connection matched pg_hba.conf line 2"), std::string::npos) << c.ReadLog();
}

TEST(Auth, Md5PasswordRejectAndNoMatchingRule) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Result s(PQexec(admin.get(), "SET password_encryption = 'md5'"));
  Result r(PQexec(admin.get(), "CREATE ROLE bob LOGIN PASSWORD 'builder'"));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(admin.get());
  Result r2(PQexec(admin.get(), "CREATE ROLE carol LOGIN PASSWORD 'secret'"));
  c.WriteHba("local all " + c.superuser() + " trust\nlocal all bob md5\nlocal all carol password\n"
             "local all dave reject\nhost all " + c.superuser() + " 127.0.0.1/32 trust");
  Result dave(PQexec(admin.get(), "CREATE ROLE dave LOGIN"));
  Result reload(PQexec(admin.get(), "SELECT pg_reload_conf()"));
  usleep(300000);
  EXPECT_EQ(PQstatus(c.Connect("postgres", "bob", false, "password=builder").get()), CONNECTION_OK);
  EXPECT_NE(PQstatus(c.Connect("postgres", "bob", false, "password=x").get()), CONNECTION_OK);
  EXPECT_EQ(PQstatus(c.Connect("postgres", "carol", false, "password=secret").get()), CONNECTION_OK);
  Conn rejected = c.Connect("postgres", "dave");
  EXPECT_NE(std::string(PQerrorMessage(rejected.get()))
                .find("pg_hba.conf rejects connection for host \"[local]\", user \"dave\", database \"postgres\""),
            std::string::npos)
      << PQerrorMessage(rejected.get());
  Conn nomatch = c.Connect("postgres", "bob", true, "password=builder");
  EXPECT_NE(std::string(PQerrorMessage(nomatch.get()))
                .find("no pg_hba.conf entry for host \"127.0.0.1\", user \"bob\", database \"postgres\", no encryption"),
            std::string::npos)
      << PQerrorMessage(nomatch.get());
}

TEST(Auth, UnknownRoleAndDatabase) {
  Cluster c;
  c.Start();
  Conn norole = c.Connect("postgres", "nobody");
  EXPECT_NE(std::string(PQerrorMessage(norole.get())).find("role \"nobody\" does not exist"), std::string::npos)
      << PQerrorMessage(norole.get());
  Conn nodb = c.Connect("nosuchdb");
  EXPECT_NE(std::string(PQerrorMessage(nodb.get())).find("database \"nosuchdb\" does not exist"), std::string::npos)
      << PQerrorMessage(nodb.get());
  Conn tmpl0 = c.Connect("template0");
  EXPECT_NE(std::string(PQerrorMessage(tmpl0.get()))
                .find("database \"template0\" is not currently accepting connections"),
            std::string::npos);
  EXPECT_EQ(PQstatus(c.Connect("template1").get()), CONNECTION_OK);
}

TEST(Roles, CreateDropPersistAndRollback) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Result r(PQexec(admin.get(), "CREATE ROLE keeper LOGIN"));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK);
  Result dup(PQexec(admin.get(), "CREATE ROLE keeper"));
  EXPECT_EQ(SqlState(dup.get()), "42710");
  EXPECT_STREQ(PQresultErrorField(dup.get(), PG_DIAG_MESSAGE_PRIMARY), "role \"keeper\" already exists");
  Result b(PQexec(admin.get(), "BEGIN"));
  Result t(PQexec(admin.get(), "CREATE ROLE temporary_one"));
  Result rb(PQexec(admin.get(), "ROLLBACK"));
  EXPECT_EQ(QueryValue(admin.get(), "SELECT count(*) FROM pg_roles WHERE rolname = 'temporary_one'"), "0");
  Result d(PQexec(admin.get(), "DROP ROLE IF EXISTS ghost"));
  EXPECT_EQ(PQresultStatus(d.get()), PGRES_COMMAND_OK);
  Result d2(PQexec(admin.get(), "DROP ROLE ghost"));
  EXPECT_EQ(SqlState(d2.get()), "42704");
  admin.reset();
  // Survives a crash of everything.
  c.StopWith(SIGKILL);
  usleep(1200000);
  c.Start();
  Conn again = c.Connect("postgres", "keeper");
  EXPECT_EQ(PQstatus(again.get()), CONNECTION_OK) << PQerrorMessage(again.get());
}

}  // namespace
}  // namespace tusk::test
