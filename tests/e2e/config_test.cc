// Contract section 9: configuration sources, SHOW/SET/RESET, reload by SIGHUP,
// pg_reload_conf() and `tusk reload`, restart-only parameters, broken files.
#include <signal.h>

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

TEST(Config, SourcesInPriorityOrder) {
  Cluster c;
  c.AppendConf("work_mem = '8MB'\nstatement_timeout = '5s'");
  std::ofstream(c.datadir() + "/postgresql.auto.conf", std::ios::app) << "work_mem = '16MB'\n";
  c.Start("-c statement_timeout=7s");
  Conn conn = c.Connect();
  EXPECT_EQ(QueryValue(conn.get(), "SHOW work_mem"), "16MB");  // auto.conf after postgresql.conf
  EXPECT_EQ(QueryValue(conn.get(), "SHOW statement_timeout"), "7s");  // -c beats the files
  EXPECT_EQ(QueryValue(conn.get(), "SELECT current_setting('port')"), std::to_string(c.port()));
  EXPECT_EQ(QueryValue(conn.get(), "SELECT source FROM pg_settings WHERE name = 'statement_timeout'"),
            "command line");
}

TEST(Config, SetShowResetAndSetConfig) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  Result s(PQexec(conn.get(), "SET work_mem = '64MB'"));
  EXPECT_EQ(PQresultStatus(s.get()), PGRES_COMMAND_OK);
  EXPECT_EQ(QueryValue(conn.get(), "SHOW work_mem"), "64MB");
  Result r(PQexec(conn.get(), "RESET work_mem"));
  EXPECT_EQ(QueryValue(conn.get(), "SHOW work_mem"), "4MB");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT set_config('application_name', 'abc', false)"), "abc");
  EXPECT_STREQ(PQparameterStatus(conn.get(), "application_name"), "abc");
  Result bad(PQexec(conn.get(), "SET nonexistent_parameter = 1"));
  EXPECT_EQ(SqlState(bad.get()), "42704");
  Result bad2(PQexec(conn.get(), "SET max_connections = 10"));
  EXPECT_EQ(SqlState(bad2.get()), "55P02");
  EXPECT_STREQ(PQresultErrorField(bad2.get(), PG_DIAG_MESSAGE_PRIMARY),
               "parameter \"max_connections\" cannot be changed without restarting the server");
  // SET inside an aborted transaction block is undone.
  Result b(PQexec(conn.get(), "BEGIN"));
  Result s2(PQexec(conn.get(), "SET work_mem = '1MB'"));
  Result rb(PQexec(conn.get(), "ROLLBACK"));
  EXPECT_EQ(QueryValue(conn.get(), "SHOW work_mem"), "4MB");
}

TEST(Config, ReloadAppliesSighupParametersAndRefusesRestartOnes) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  EXPECT_EQ(QueryValue(conn.get(), "SHOW log_min_duration_statement"), "-1");
  c.AppendConf("log_min_duration_statement = 250\nport = " + std::to_string(c.port() + 1));
  size_t from = c.LogSize();
  kill(c.postmaster_pid(), SIGHUP);
  EXPECT_NE(c.WaitForLog("LOG:  received SIGHUP, reloading configuration files", 10, from), std::string::npos);
  EXPECT_NE(c.WaitForLog("LOG:  parameter \"port\" cannot be changed without restarting the server", 10, from),
            std::string::npos)
      << c.ReadLog().substr(from);
  // The session applies the reload at its next idle point.
  std::string value;
  for (int i = 0; i < 50 && value != "250ms"; ++i) {
    value = QueryValue(conn.get(), "SHOW log_min_duration_statement");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(value, "250ms");
  EXPECT_EQ(QueryValue(conn.get(), "SHOW port"), std::to_string(c.port()));
  // pg_reload_conf() and `tusk reload` reach the postmaster too.
  from = c.LogSize();
  EXPECT_EQ(QueryValue(conn.get(), "SELECT pg_reload_conf()"), "t");
  EXPECT_NE(c.WaitForLog("received SIGHUP, reloading configuration files", 10, from), std::string::npos);
  from = c.LogSize();
  CommandResult r = RunCommand(c.tusk_binary() + " reload -D " + c.datadir());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("server signaled"), std::string::npos) << r.out;
  EXPECT_NE(c.WaitForLog("received SIGHUP, reloading configuration files", 10, from), std::string::npos);
}

TEST(Config, BrokenFileIsRejectedWholeAndOldValuesStay) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  std::string before = QueryValue(conn.get(), "SHOW work_mem");
  c.AppendConf("work_mem = '32MB'\nthis is not valid = = =");
  size_t from = c.LogSize();
  kill(c.postmaster_pid(), SIGHUP);
  ASSERT_NE(c.WaitForLog("contains errors; no changes were applied", 10, from), std::string::npos)
      << c.ReadLog().substr(from);
  std::string log = c.ReadLog().substr(from);
  EXPECT_NE(log.find("syntax error in file \"" + c.datadir() + "/postgresql.conf\" line "), std::string::npos) << log;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(QueryValue(conn.get(), "SHOW work_mem"), before);
  EXPECT_TRUE(c.Running());
  Conn fresh = c.Connect();
  EXPECT_EQ(QueryValue(fresh.get(), "SHOW work_mem"), before);
}

TEST(Config, BrokenFileAtStartIsFatal) {
  Cluster c;
  c.AppendConf("max_connections = lots");
  c.Start("", false);
  int status = 0;
  for (int i = 0; i < 100 && !c.TryReap(&status); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(c.Running());
  std::string log = c.ReadLog();
  EXPECT_NE(log.find("invalid value for parameter \"max_connections\": \"lots\""), std::string::npos) << log;
}

TEST(Config, StartupPacketOptionsApply) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect("postgres", "", false, "options='-c work_mem=12MB' application_name=myapp");
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  EXPECT_EQ(QueryValue(conn.get(), "SHOW work_mem"), "12MB");
  EXPECT_EQ(QueryValue(conn.get(), "SHOW application_name"), "myapp");
  EXPECT_STREQ(PQparameterStatus(conn.get(), "server_encoding"), "UTF8");
  EXPECT_STREQ(PQparameterStatus(conn.get(), "client_encoding"), "UTF8");
  EXPECT_STREQ(PQparameterStatus(conn.get(), "integer_datetimes"), "on");
  EXPECT_STREQ(PQparameterStatus(conn.get(), "standard_conforming_strings"), "on");
  EXPECT_STREQ(PQparameterStatus(conn.get(), "is_superuser"), "on");
  EXPECT_EQ(std::string(PQparameterStatus(conn.get(), "session_authorization")), c.superuser());
  EXPECT_NE(PQparameterStatus(conn.get(), "DateStyle"), nullptr);
  EXPECT_NE(PQparameterStatus(conn.get(), "TimeZone"), nullptr);
  EXPECT_GE(PQserverVersion(conn.get()), 150000);
  Conn bad = c.Connect("postgres", "", false, "options='-c no_such_setting=1'");
  EXPECT_NE(PQstatus(bad.get()), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(bad.get())).find("unrecognized configuration parameter \"no_such_setting\""),
            std::string::npos)
      << PQerrorMessage(bad.get());
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(Config, AlterSystemWritesAutoConfAndReloadAppliesIt) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  const std::string auto_conf = c.datadir() + "/postgresql.auto.conf";
  for (const char* sql : {"ALTER SYSTEM SET work_mem = '8MB'", "ALTER SYSTEM SET search_path = a, 'b c', \"D\"",
                          "ALTER SYSTEM SET application_name TO 'it''s \\ x'", "ALTER SYSTEM SET statement_timeout = 100",
                          "ALTER SYSTEM SET shared_buffers = '64MB'"}) {
    Result r(PQexec(conn.get(), sql));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << sql << ": " << PQresultErrorMessage(r.get());
    EXPECT_STREQ(PQcmdStatus(r.get()), "ALTER SYSTEM");
  }
  EXPECT_EQ(Slurp(auto_conf),
            "# Do not edit this file manually!\n# It will be overwritten by the ALTER SYSTEM command.\n"
            "work_mem = '8MB'\nsearch_path = 'a, \"b c\", \"D\"'\napplication_name = 'it''s \\\\ x'\n"
            "statement_timeout = '100'\nshared_buffers = '64MB'\n");
  // Nothing changes before a reload.
  EXPECT_EQ(QueryValue(conn.get(), "SHOW work_mem"), "4MB");
  Result reset(PQexec(conn.get(), "ALTER SYSTEM RESET work_mem"));
  Result dflt(PQexec(conn.get(), "ALTER SYSTEM SET application_name TO DEFAULT"));
  EXPECT_EQ(Slurp(auto_conf),
            "# Do not edit this file manually!\n# It will be overwritten by the ALTER SYSTEM command.\n"
            "search_path = 'a, \"b c\", \"D\"'\nstatement_timeout = '100'\nshared_buffers = '64MB'\n");
  size_t from = c.LogSize();
  EXPECT_EQ(QueryValue(conn.get(), "SELECT pg_reload_conf()"), "t");
  EXPECT_NE(c.WaitForLog("LOG:  configuration file \"" + auto_conf +
                             "\" contains errors; unaffected changes were applied", 10, from),
            std::string::npos)
      << c.ReadLog().substr(from);
  EXPECT_NE(c.ReadLog().find("parameter \"shared_buffers\" cannot be changed without restarting the server", from),
            std::string::npos);
  std::string value;
  for (int i = 0; i < 50 && value != "100ms"; ++i) {
    value = QueryValue(conn.get(), "SHOW statement_timeout");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(value, "100ms");
  EXPECT_EQ(QueryValue(conn.get(), "SHOW search_path"), "a, \"b c\", \"D\"");
  // The file survives a restart and a new postmaster applies it.
  conn.reset();
  ASSERT_EQ(c.StopWith(SIGINT), 0);
  c.Start();
  Conn again = c.Connect();
  EXPECT_EQ(QueryValue(again.get(), "SHOW shared_buffers"), "64MB");
  Result all(PQexec(again.get(), "ALTER SYSTEM RESET ALL"));
  EXPECT_EQ(PQresultStatus(all.get()), PGRES_COMMAND_OK);
  EXPECT_EQ(Slurp(auto_conf),
            "# Do not edit this file manually!\n# It will be overwritten by the ALTER SYSTEM command.\n");
}

TEST(Config, AlterSystemRefusalsAsPostgres) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  struct Case {
    const char* sql;
    const char* state;
    const char* message;
  };
  for (const Case& k : std::initializer_list<Case>{
           {"ALTER SYSTEM SET nosuch = 1", "42704", "unrecognized configuration parameter \"nosuch\""},
           {"ALTER SYSTEM SET work_mem = 'abc'", "22023", "invalid value for parameter \"work_mem\": \"abc\""},
           {"ALTER SYSTEM SET data_directory = '/x'", "55P02", "parameter \"data_directory\" cannot be changed"},
           {"ALTER SYSTEM SET server_version = '1'", "55P02", "parameter \"server_version\" cannot be changed"},
           {"ALTER SYSTEM SET work_mem = 1, 2", "22023", "SET work_mem takes only one argument"},
           {"SELECT 1; ALTER SYSTEM SET work_mem = 1", "25001", "ALTER SYSTEM cannot run inside a transaction block"},
       }) {
    Result r(PQexec(conn.get(), k.sql));
    EXPECT_EQ(SqlState(r.get()), k.state) << k.sql;
    EXPECT_STREQ(PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY), k.message) << k.sql;
  }
  Result role(PQexec(conn.get(), "CREATE ROLE plain LOGIN"));
  Conn plain = c.Connect("postgres", "plain");
  Result denied(PQexec(plain.get(), "ALTER SYSTEM SET work_mem = 1"));
  EXPECT_EQ(SqlState(denied.get()), "42501");
  EXPECT_STREQ(PQresultErrorField(denied.get(), PG_DIAG_MESSAGE_PRIMARY), "permission denied to set parameter \"work_mem\"");
  Result denied_all(PQexec(plain.get(), "ALTER SYSTEM RESET ALL"));
  EXPECT_STREQ(PQresultErrorField(denied_all.get(), PG_DIAG_MESSAGE_PRIMARY),
               "permission denied to perform ALTER SYSTEM RESET ALL");
  EXPECT_EQ(Slurp(c.datadir() + "/postgresql.auto.conf"),
            "# Do not edit this file manually!\n# It will be overwritten by the ALTER SYSTEM command.\n");
}

}  // namespace
}  // namespace tusk::test
