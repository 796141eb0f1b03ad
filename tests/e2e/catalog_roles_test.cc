// Roles and databases live in the catalogs (pg_authid, pg_database): they
// commit, roll back, survive restarts and crashes; passwords set by ALTER
// ROLE log in over SCRAM; CREATE/DROP DATABASE copy and remove directories,
// with PostgreSQL's checks and messages; OIDs are not reused after a crash.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

namespace fs = std::filesystem;

void Exec(PGconn* conn, const std::string& sql) {
  Result r(PQexec(conn, sql.c_str()));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(conn);
}

// SQLSTATE of the statement's error ("" if it succeeded) and the message text.
std::pair<std::string, std::string> Fails(PGconn* conn, const std::string& sql) {
  Result r(PQexec(conn, sql.c_str()));
  return {SqlState(r.get()), PQerrorMessage(conn)};
}

// SIGKILL of the postmaster (never handled): waits for its children to
// notice, then starts again, which runs crash recovery.
void KillPostmasterAndRestart(Cluster& c) {
  std::vector<pid_t> children = c.Children();
  c.StopWith(SIGKILL);
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (pid_t p : children)
    while (ProcessAlive(p) && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  c.Start();
}

// psql against database `db`; the output or the error text.
CommandResult PsqlIn(Cluster& c, const std::string& db, const std::string& sql, const std::string& user = "") {
  return RunCommand(c.Env() + "PGUSER=" + (user.empty() ? c.superuser() : user) + " psql -X -A -t -d " + db +
                    " -v ON_ERROR_STOP=1 -c \"" + sql + "\"");
}

TEST(CatalogRoles, RolesSurviveRestartAndCrashAndRollbackLeavesNothing) {
  Cluster c;
  c.Start();
  {
    Conn admin = c.Connect();
    Exec(admin.get(), "CREATE ROLE alice LOGIN CONNECTION LIMIT 7");
    Exec(admin.get(), "BEGIN");
    Exec(admin.get(), "CREATE ROLE ghost LOGIN");
    // The transaction sees its own role; nobody else does.
    EXPECT_EQ(QueryValue(admin.get(), "SELECT count(*) FROM pg_roles WHERE rolname = 'ghost'"), "1");
    Conn other = c.Connect();
    EXPECT_EQ(QueryValue(other.get(), "SELECT count(*) FROM pg_roles WHERE rolname = 'ghost'"), "0");
    Exec(admin.get(), "ROLLBACK");
    EXPECT_EQ(QueryValue(admin.get(), "SELECT count(*) FROM pg_roles WHERE rolname = 'ghost'"), "0");
    Conn ghost = c.Connect("postgres", "ghost");
    EXPECT_NE(PQstatus(ghost.get()), CONNECTION_OK);
    EXPECT_NE(std::string(PQerrorMessage(ghost.get())).find("role \"ghost\" does not exist"), std::string::npos)
        << PQerrorMessage(ghost.get());
  }
  // Clean restart.
  c.StopWith(SIGINT);
  c.Start();
  {
    Conn admin = c.Connect();
    EXPECT_EQ(QueryValue(admin.get(), "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'alice'"), "7");
    EXPECT_EQ(QueryValue(admin.get(), "SELECT count(*) FROM pg_roles WHERE rolname = 'ghost'"), "0");
    Conn alice = c.Connect("postgres", "alice");
    EXPECT_EQ(PQstatus(alice.get()), CONNECTION_OK) << PQerrorMessage(alice.get());
    Exec(admin.get(), "CREATE ROLE bob LOGIN");
    Exec(admin.get(), "ALTER ROLE alice NOLOGIN");
  }
  EXPECT_FALSE(fs::exists(c.datadir() + "/global/tusk_roles"));
  // Crash: SIGKILL of the postmaster, then recovery from the WAL.
  KillPostmasterAndRestart(c);
  {
    Conn admin = c.Connect();
    ASSERT_EQ(PQstatus(admin.get()), CONNECTION_OK) << PQerrorMessage(admin.get());
    EXPECT_EQ(QueryValue(admin.get(), "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname !~ '^pg_'"),
              "alice,bob," + c.superuser());
    Conn bob = c.Connect("postgres", "bob");
    EXPECT_EQ(PQstatus(bob.get()), CONNECTION_OK) << PQerrorMessage(bob.get());
    Conn alice = c.Connect("postgres", "alice");
    EXPECT_NE(std::string(PQerrorMessage(alice.get())).find("role \"alice\" is not permitted to log in"),
              std::string::npos)
        << PQerrorMessage(alice.get());
    bob.reset();
    Exec(admin.get(), "DROP ROLE bob");
  }
  KillPostmasterAndRestart(c);
  Conn admin = c.Connect();
  EXPECT_EQ(QueryValue(admin.get(), "SELECT count(*) FROM pg_authid WHERE rolname = 'bob'"), "0");
  // Same messages as before the roles moved into the catalog.
  EXPECT_EQ(Fails(admin.get(), "CREATE ROLE alice").first, "42710");
  EXPECT_EQ(Fails(admin.get(), "ALTER ROLE nobody LOGIN").first, "42704");
  EXPECT_EQ(Fails(admin.get(), "DROP ROLE " + c.superuser()).first, "55006");
}

TEST(CatalogRoles, PasswordSetByAlterRoleLogsInWithScram) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Exec(admin.get(), "CREATE ROLE carol LOGIN");
  Exec(admin.get(), "ALTER ROLE carol PASSWORD 'sea shell'");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT substr(rolpassword, 1, 14) FROM pg_authid WHERE rolname = 'carol'"),
            "SCRAM-SHA-256$");
  // A rolled-back change of password changes nothing.
  Exec(admin.get(), "BEGIN");
  Exec(admin.get(), "ALTER ROLE carol PASSWORD 'other'");
  Exec(admin.get(), "ROLLBACK");
  c.WriteHba("local all " + c.superuser() + " trust\nlocal all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256");
  Result reload(PQexec(admin.get(), "SELECT pg_reload_conf()"));
  usleep(300000);
  for (bool tcp : {false, true}) {
    CommandResult ok = RunCommand("PGPASSWORD='sea shell' psql -X -A -t -h " + std::string(tcp ? "127.0.0.1" : c.sockdir()) +
                                  " -p " + std::to_string(c.port()) + " -U carol -d postgres -c 'SELECT current_user'");
    EXPECT_EQ(ok.exit_code, 0) << ok.out;
    EXPECT_EQ(ok.out, "carol\n");
    Conn bad = c.Connect("postgres", "carol", tcp, "password=other");
    EXPECT_NE(PQstatus(bad.get()), CONNECTION_OK);
    EXPECT_NE(std::string(PQerrorMessage(bad.get())).find("password authentication failed for user \"carol\""),
              std::string::npos)
        << PQerrorMessage(bad.get());
  }
  // And after a restart, from the catalog on disk.
  admin.reset();
  c.StopWith(SIGINT);
  c.Start();
  Conn again = c.Connect("postgres", "carol", true, "password='sea shell'");
  EXPECT_EQ(PQstatus(again.get()), CONNECTION_OK) << PQerrorMessage(again.get());
}

TEST(CatalogDatabases, CreateConnectDropAndChecks) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Exec(admin.get(), "CREATE DATABASE app");
  std::string oid = QueryValue(admin.get(), "SELECT oid FROM pg_database WHERE datname = 'app'");
  EXPECT_GE(std::stoul(oid), 16384u);
  EXPECT_EQ(QueryValue(admin.get(), "SELECT datistemplate::text || datallowconn::text || datconnlimit FROM "
                                    "pg_database WHERE datname = 'app'"),
            "falsetrue-1");
  // A copy of template1: its catalog files are there.
  EXPECT_TRUE(fs::exists(c.datadir() + "/base/" + oid + "/1259"));
  EXPECT_EQ(fs::file_size(c.datadir() + "/base/" + oid + "/1249"), fs::file_size(c.datadir() + "/base/1/1249"));
  CommandResult in_app = PsqlIn(c, "app", "SELECT current_database()");
  EXPECT_EQ(in_app.exit_code, 0) << in_app.out;
  EXPECT_EQ(in_app.out, "app\n");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT count(*) FROM pg_stat_database WHERE datname = 'app'"), "1");

  // PostgreSQL's checks, in its words.
  Exec(admin.get(), "BEGIN");
  auto in_block = Fails(admin.get(), "CREATE DATABASE nope");
  EXPECT_EQ(in_block.first, "25001");
  EXPECT_NE(in_block.second.find("CREATE DATABASE cannot run inside a transaction block"), std::string::npos);
  Exec(admin.get(), "ROLLBACK");
  Exec(admin.get(), "BEGIN");
  EXPECT_EQ(Fails(admin.get(), "DROP DATABASE app").first, "25001");
  Exec(admin.get(), "ROLLBACK");
  auto dup = Fails(admin.get(), "CREATE DATABASE app");
  EXPECT_EQ(dup.first, "42P04");
  EXPECT_NE(dup.second.find("database \"app\" already exists"), std::string::npos);
  EXPECT_EQ(Fails(admin.get(), "CREATE DATABASE x TEMPLATE nosuch").first, "3D000");
  EXPECT_EQ(Fails(admin.get(), "CREATE DATABASE x OWNER nosuch").first, "42704");
  auto cur = Fails(admin.get(), "DROP DATABASE postgres");
  EXPECT_EQ(cur.first, "55006");
  EXPECT_NE(cur.second.find("cannot drop the currently open database"), std::string::npos);
  EXPECT_EQ(Fails(admin.get(), "DROP DATABASE template1").first, "42809");
  Exec(admin.get(), "CREATE ROLE plain LOGIN");
  Conn plain = c.Connect("postgres", "plain");
  auto denied = Fails(plain.get(), "CREATE DATABASE mine");
  EXPECT_EQ(denied.first, "42501");
  EXPECT_NE(denied.second.find("permission denied to create database"), std::string::npos);
  EXPECT_EQ(Fails(plain.get(), "DROP DATABASE app").first, "42501");
  Exec(admin.get(), "ALTER ROLE plain CREATEDB");
  Exec(plain.get(), "CREATE DATABASE mine");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT datdba = (SELECT oid FROM pg_roles WHERE rolname = 'plain') FROM "
                                    "pg_database WHERE datname = 'mine'"),
            "t");
  Exec(plain.get(), "DROP DATABASE mine");

  Exec(admin.get(), "DROP DATABASE app");
  EXPECT_FALSE(fs::exists(c.datadir() + "/base/" + oid));
  Conn gone = c.Connect("app");
  EXPECT_NE(PQstatus(gone.get()), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(gone.get())).find("database \"app\" does not exist"), std::string::npos)
      << PQerrorMessage(gone.get());
  EXPECT_NE(c.ReadLog().find("FATAL:  database \"app\" does not exist"), std::string::npos);
  auto missing = Fails(admin.get(), "DROP DATABASE app");
  EXPECT_EQ(missing.first, "3D000");
  CommandResult skip = c.Psql("DROP DATABASE IF EXISTS app");
  EXPECT_EQ(skip.exit_code, 0) << skip.out;
  EXPECT_NE(skip.out.find("NOTICE:  database \"app\" does not exist, skipping"), std::string::npos) << skip.out;
}

TEST(CatalogDatabases, DropWhileConnectedIsRefused) {
  Cluster c;
  c.Start();
  Conn admin = c.Connect();
  Exec(admin.get(), "CREATE DATABASE busy");
  Conn user = c.Connect("busy");
  ASSERT_EQ(PQstatus(user.get()), CONNECTION_OK) << PQerrorMessage(user.get());
  auto start = std::chrono::steady_clock::now();
  auto refused = Fails(admin.get(), "DROP DATABASE busy");
  EXPECT_EQ(refused.first, "55006");
  EXPECT_NE(refused.second.find("database \"busy\" is being accessed by other users"), std::string::npos)
      << refused.second;
  EXPECT_NE(refused.second.find("There is 1 other session using the database."), std::string::npos)
      << refused.second;
  // As PostgreSQL, it gave the other session a few seconds to leave.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  // The template cannot be copied while someone else is in it.
  Conn in_template = c.Connect("template1");
  ASSERT_EQ(PQstatus(in_template.get()), CONNECTION_OK) << PQerrorMessage(in_template.get());
  auto busy_template = Fails(admin.get(), "CREATE DATABASE copy");
  EXPECT_EQ(busy_template.first, "55006");
  EXPECT_NE(busy_template.second.find("source database \"template1\" is being accessed by other users"),
            std::string::npos)
      << busy_template.second;
  in_template.reset();
  // Once the session has left, the drop goes through.
  user.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Exec(admin.get(), "DROP DATABASE busy");
  EXPECT_EQ(QueryValue(admin.get(), "SELECT count(*) FROM pg_database WHERE datname = 'busy'"), "0");
  // WITH (FORCE) ends the other sessions first.
  Exec(admin.get(), "CREATE DATABASE forced");
  Conn victim = c.Connect("forced");
  ASSERT_EQ(PQstatus(victim.get()), CONNECTION_OK);
  Exec(admin.get(), "DROP DATABASE forced WITH (FORCE)");
  Result dead(PQexec(victim.get(), "SELECT 1"));
  EXPECT_NE(PQresultStatus(dead.get()), PGRES_TUPLES_OK);
}

TEST(CatalogDatabases, CreateAndDropSurviveImmediateStop) {
  Cluster c;
  c.Start();
  std::string oid;
  {
    Conn admin = c.Connect();
    Exec(admin.get(), "CREATE DATABASE dropped");
    Exec(admin.get(), "DROP DATABASE dropped");
    // Its checkpoint (before the copy) is the last one: redo starts there.
    Exec(admin.get(), "CREATE DATABASE kept");
    oid = QueryValue(admin.get(), "SELECT oid FROM pg_database WHERE datname = 'kept'");
  }
  // Right after commit: an immediate stop, no checkpoint. Take the copy away
  // too: redo of the Database record must make it again from template1.
  c.StopWith(SIGQUIT);
  fs::remove_all(c.datadir() + "/base/" + oid);
  c.Start();
  EXPECT_NE(c.ReadLog().find("database system was not properly shut down"), std::string::npos);
  EXPECT_TRUE(fs::exists(c.datadir() + "/base/" + oid + "/1259"));
  CommandResult in_kept = PsqlIn(c, "kept", "SELECT current_database()");
  EXPECT_EQ(in_kept.exit_code, 0) << in_kept.out;
  EXPECT_EQ(in_kept.out, "kept\n");
  Conn dropped = c.Connect("dropped");
  EXPECT_NE(std::string(PQerrorMessage(dropped.get())).find("database \"dropped\" does not exist"),
            std::string::npos);
  // Dropped after the crash too, and the drop survives a crash of its own.
  Conn admin = c.Connect();
  Exec(admin.get(), "DROP DATABASE kept");
  admin.reset();
  c.StopWith(SIGQUIT);
  c.Start();
  EXPECT_FALSE(fs::exists(c.datadir() + "/base/" + oid));
  Conn kept = c.Connect("kept");
  EXPECT_NE(PQstatus(kept.get()), CONNECTION_OK);
}

TEST(CatalogOids, NotReusedAfterCrash) {
  Cluster c;
  c.Start();
  unsigned long r2 = 0, d1 = 0;
  {
    Conn admin = c.Connect();
    Exec(admin.get(), "CREATE ROLE r1");
    Exec(admin.get(), "CREATE ROLE r2");
    r2 = std::stoul(QueryValue(admin.get(), "SELECT oid FROM pg_roles WHERE rolname = 'r2'"));
    // r1's OID is free in pg_authid now; the counter must still not go back to it.
    Exec(admin.get(), "DROP ROLE r1");
  }
  KillPostmasterAndRestart(c);
  {
    Conn admin = c.Connect();
    Exec(admin.get(), "CREATE ROLE r3");
    EXPECT_GT(std::stoul(QueryValue(admin.get(), "SELECT oid FROM pg_roles WHERE rolname = 'r3'")), r2);
    Exec(admin.get(), "CREATE DATABASE d1");
    d1 = std::stoul(QueryValue(admin.get(), "SELECT oid FROM pg_database WHERE datname = 'd1'"));
    Exec(admin.get(), "DROP DATABASE d1");
    Exec(admin.get(), "CREATE ROLE r4");
  }
  KillPostmasterAndRestart(c);
  Conn admin = c.Connect();
  Exec(admin.get(), "CREATE DATABASE d2");
  EXPECT_GT(std::stoul(QueryValue(admin.get(), "SELECT oid FROM pg_database WHERE datname = 'd2'")), d1);
  Exec(admin.get(), "CREATE ROLE r5");
  EXPECT_GT(std::stoul(QueryValue(admin.get(), "SELECT oid FROM pg_roles WHERE rolname = 'r5'")),
            std::stoul(QueryValue(admin.get(), "SELECT oid FROM pg_roles WHERE rolname = 'r4'")));
}

}  // namespace
}  // namespace tusk::test
