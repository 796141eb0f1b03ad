// Tests for SET / RESET / SHOW, value parsing and formatting, error texts and
// SQLSTATEs, the transaction stack and ParameterStatus reporting. Expected
// strings were checked against a PostgreSQL 15 server.
#include <gtest/gtest.h>

#include <string>

#include "utils/guc.h"

namespace tusk::guc {
namespace {

class GucSetTest : public ::testing::Test {
 protected:
  void SetUp() override { InitializeDefaults(); }
};

std::string Show(const std::string& name) { return *ShowConfigOption(name); }

// Runs SET and returns the error (message, sqlstate, hint) it throws.
ErrorData SetError(const std::string& name, const std::string& value, bool superuser = false) {
  try {
    SetConfigOption(name, value, superuser, false);
  } catch (const PgError& e) {
    return e.data();
  }
  ADD_FAILURE() << "SET " << name << " = " << value << " did not fail";
  return {};
}

TEST_F(GucSetTest, BootValuesShowLikePostgres) {
  EXPECT_EQ(Show("shared_buffers"), "128MB");  // boot 16384 pages
  EXPECT_EQ(Show("work_mem"), "4MB");
  EXPECT_EQ(Show("max_connections"), "100");
  EXPECT_EQ(Show("port"), "5432");
  EXPECT_EQ(Show("unix_socket_directories"), "/tmp");
  EXPECT_EQ(Show("unix_socket_permissions"), "0777");
  EXPECT_EQ(Show("log_file_mode"), "0600");
  EXPECT_EQ(Show("statement_timeout"), "0");
  EXPECT_EQ(Show("log_min_duration_statement"), "-1");
  EXPECT_EQ(Show("log_autovacuum_min_duration"), "10min");
  EXPECT_EQ(Show("authentication_timeout"), "1min");
  EXPECT_EQ(Show("autovacuum_naptime"), "1min");
  EXPECT_EQ(Show("checkpoint_timeout"), "5min");
  EXPECT_EQ(Show("log_rotation_age"), "1d");
  EXPECT_EQ(Show("log_rotation_size"), "10MB");
  EXPECT_EQ(Show("max_wal_size"), "1GB");
  EXPECT_EQ(Show("wal_segment_size"), "16MB");
  EXPECT_EQ(Show("block_size"), "8192");
  EXPECT_EQ(Show("autovacuum_vacuum_cost_delay"), "2ms");
  EXPECT_EQ(Show("checkpoint_completion_target"), "0.9");
  EXPECT_EQ(Show("random_page_cost"), "4");
  EXPECT_EQ(Show("ssl"), "off");
  EXPECT_EQ(Show("jit"), "off");
  EXPECT_EQ(Show("integer_datetimes"), "on");
  EXPECT_EQ(Show("server_version"), "15.0");
  EXPECT_EQ(Show("server_version_num"), "150000");
  EXPECT_EQ(Show("max_identifier_length"), "63");
  EXPECT_EQ(Show("DateStyle"), "ISO, MDY");
  EXPECT_EQ(Show("archive_command"), "(disabled)");
  EXPECT_EQ(Show("log_min_messages"), "warning");
}

TEST_F(GucSetTest, TypedVarsFollowAssignments) {
  EXPECT_EQ(V().shared_buffers, 16384);
  EXPECT_EQ(V().port, 5432);
  EXPECT_EQ(V().log_min_messages, static_cast<int>(ErrLevel::kWarning));
  SetConfigOption("statement_timeout", "1.5s", false, false);
  EXPECT_EQ(V().statement_timeout, 1500);
  SetConfigOption("client_min_messages", "error", false, false);
  EXPECT_EQ(V().client_min_messages, static_cast<int>(ErrLevel::kError));
  SetConfigOption("log_min_messages", "debug", true, false);  // hidden alias
  EXPECT_EQ(V().log_min_messages, static_cast<int>(ErrLevel::kDebug));
  EXPECT_EQ(Show("log_min_messages"), "debug2");
}

TEST_F(GucSetTest, UnitsAndRounding) {
  struct Case { const char* name; const char* value; const char* shown; };
  const Case cases[] = {
      {"statement_timeout", "90s", "90s"},      {"statement_timeout", "3600000", "1h"},
      {"statement_timeout", "1.5s", "1500ms"},  {"statement_timeout", "1500us", "2ms"},
      {"statement_timeout", "0x10", "16ms"},    {"statement_timeout", "010", "8ms"},
      {"statement_timeout", " 5 s ", "5s"},     {"work_mem", "1GB", "1GB"},
      {"work_mem", "1536kB", "1536kB"},         {"work_mem", "1.5MB", "1536kB"},
      {"work_mem", "100000B", "98kB"},          {"work_mem", "10 MB", "10MB"},
      {"vacuum_cost_delay", "2.5", "2500us"},   {"vacuum_cost_delay", "20", "20ms"},
      {"extra_float_digits", "1.6", "2"},       {"enable_seqscan", "of", "off"},
      {"enable_seqscan", "y", "on"},            {"synchronous_commit", "true", "on"},
      {"search_path", "a, \"B\", c", "a, \"B\", c"},
      {"default_transaction_isolation", "READ COMMITTED", "read committed"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(SetConfigOption(c.name, c.value, false, false), c.shown) << c.name << "=" << c.value;
    EXPECT_EQ(Show(c.name), c.shown);
  }
}

TEST_F(GucSetTest, SpecialStrings) {
  EXPECT_EQ(SetConfigOption("timezone", "europe/paris", false, false), "Europe/Paris");
  EXPECT_EQ(SetConfigOption("TimeZone", "+5", false, false), "<+05>-05");
  EXPECT_EQ(SetConfigOption("TimeZone", "-3.5", false, false), "<-03:30>+03:30");
  EXPECT_EQ(SetConfigOption("TimeZone", "utc", false, false), "UTC");
  EXPECT_EQ(SetError("TimeZone", "Foo/Bar").message, "invalid value for parameter \"TimeZone\": \"Foo/Bar\"");
  EXPECT_EQ(SetConfigOption("datestyle", "german", false, false), "German, DMY");
  EXPECT_EQ(SetConfigOption("datestyle", "sql, dmy", false, false), "SQL, DMY");
  EXPECT_EQ(SetConfigOption("datestyle", "ymd", false, false), "SQL, YMD");
  ErrorData e = SetError("datestyle", "foo");
  EXPECT_EQ(e.message, "invalid value for parameter \"DateStyle\": \"foo\"");
  EXPECT_EQ(e.detail, "Unrecognized key word: \"foo\".");
  EXPECT_EQ(SetConfigOption("client_encoding", "utf-8", false, false), "UTF8");
  EXPECT_EQ(SetConfigOption("client_encoding", "unicode", false, false), "UTF8");
  EXPECT_EQ(SetError("client_encoding", "LATIN1").message,
            "invalid value for parameter \"client_encoding\": \"LATIN1\"");
}

TEST_F(GucSetTest, ErrorTextsAndStates) {
  ErrorData e = SetError("work_mem", "10");
  EXPECT_EQ(e.sqlstate, "22023");
  EXPECT_EQ(e.message, "10 kB is outside the valid range for parameter \"work_mem\" (64 .. 2147483647)");
  e = SetError("work_mem", "10xyz");
  EXPECT_EQ(e.message, "invalid value for parameter \"work_mem\": \"10xyz\"");
  EXPECT_EQ(e.hint, "Valid units for this parameter are \"B\", \"kB\", \"MB\", \"GB\", and \"TB\".");
  e = SetError("work_mem", "10mb");  // units are case-sensitive
  EXPECT_EQ(e.hint, "Valid units for this parameter are \"B\", \"kB\", \"MB\", \"GB\", and \"TB\".");
  e = SetError("work_mem", "abc");
  EXPECT_EQ(e.message, "invalid value for parameter \"work_mem\": \"abc\"");
  EXPECT_EQ(e.hint, "");
  e = SetError("statement_timeout", "1 fortnight");
  EXPECT_EQ(e.hint, "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".");
  e = SetError("max_connections", "5");
  EXPECT_EQ(e.sqlstate, "55P02");
  EXPECT_EQ(e.message, "parameter \"max_connections\" cannot be changed without restarting the server");
  e = SetError("archive_command", "x", true);
  EXPECT_EQ(e.sqlstate, "55P02");
  EXPECT_EQ(e.message, "parameter \"archive_command\" cannot be changed now");
  e = SetError("server_version", "x", true);
  EXPECT_EQ(e.message, "parameter \"server_version\" cannot be changed");
  e = SetError("log_connections", "on", true);
  EXPECT_EQ(e.message, "parameter \"log_connections\" cannot be set after connection start");
  e = SetError("enable_seqscan", "maybe");
  EXPECT_EQ(e.message, "parameter \"enable_seqscan\" requires a Boolean value");
  EXPECT_EQ(SetError("enable_seqscan", "o").sqlstate, "22023");
  e = SetError("client_min_messages", "foo");
  EXPECT_EQ(e.hint, "Available values: debug5, debug4, debug3, debug2, debug1, log, notice, warning, error.");
  e = SetError("backslash_quote", "maybe");
  EXPECT_EQ(e.hint, "Available values: safe_encoding, on, off.");
  EXPECT_EQ(SetError("extra_float_digits", "10").message,
            "10 is outside the valid range for parameter \"extra_float_digits\" (-15 .. 3)");
  EXPECT_EQ(SetError("extra_float_digits", "1e1").message,
            "10 is outside the valid range for parameter \"extra_float_digits\" (-15 .. 3)");
  EXPECT_EQ(SetError("random_page_cost", "-1").message,
            "-1 is outside the valid range for parameter \"random_page_cost\" (0 .. 1.79769e+308)");
  EXPECT_EQ(SetError("vacuum_cost_delay", "1s").message,
            "1000 ms is outside the valid range for parameter \"vacuum_cost_delay\" (0 .. 100)");
  e = SetError("log_min_messages", "error", false);
  EXPECT_EQ(e.sqlstate, "42501");
  EXPECT_EQ(e.message, "permission denied to set parameter \"log_min_messages\"");
  e = SetError("foo", "1");
  EXPECT_EQ(e.sqlstate, "42704");
  EXPECT_EQ(e.message, "unrecognized configuration parameter \"foo\"");
  EXPECT_EQ(SetError("is_superuser", "off", true).message, "parameter \"is_superuser\" cannot be changed");
}

TEST_F(GucSetTest, ShowUnknownAndCustom) {
  EXPECT_EQ(ShowConfigOption("no_such_thing", true), std::nullopt);
  try {
    ShowConfigOption("foo.baz");
    FAIL();
  } catch (const PgError& e) {
    EXPECT_EQ(e.data().sqlstate, "42704");
    EXPECT_EQ(e.data().message, "unrecognized configuration parameter \"foo.baz\"");
  }
  EXPECT_EQ(SetConfigOption("foo.bar", "1", false, false), "1");
  EXPECT_EQ(Show("FOO.BAR"), "1");
  EXPECT_EQ(Show("WORK_MEM"), "4MB");  // names are case-insensitive
}

TEST_F(GucSetTest, ResetAndResetAll) {
  SetConfigOption("work_mem", "64MB", false, false);
  ResetConfigOption("work_mem", false);
  EXPECT_EQ(Show("work_mem"), "4MB");
  SetCommandLineOption("work_mem", "8MB");  // postmaster -c: the new reset value
  SetConfigOption("work_mem", "64MB", false, false);
  SetConfigOption("statement_timeout", "5s", false, false);
  ResetAllOptions();
  EXPECT_EQ(Show("work_mem"), "8MB");
  EXPECT_EQ(Show("statement_timeout"), "0");
}

TEST_F(GucSetTest, AbortUndoesSetCommitKeepsIt) {
  AtTransactionStart();
  SetConfigOption("work_mem", "64MB", false, false);
  EXPECT_EQ(Show("work_mem"), "64MB");
  AtTransactionEnd(false);
  EXPECT_EQ(Show("work_mem"), "4MB");
  EXPECT_EQ(V().work_mem, 4096);

  AtTransactionStart();
  SetConfigOption("work_mem", "64MB", false, false);
  AtTransactionEnd(true);
  EXPECT_EQ(Show("work_mem"), "64MB");
}

TEST_F(GucSetTest, SetLocalLastsUntilTransactionEnd) {
  SetConfigOption("work_mem", "16MB", false, false);
  AtTransactionStart();
  SetConfigOption("work_mem", "32MB", false, true);
  EXPECT_EQ(Show("work_mem"), "32MB");
  AtTransactionEnd(true);
  EXPECT_EQ(Show("work_mem"), "16MB");

  // SET then SET LOCAL in one transaction: the SET survives commit.
  AtTransactionStart();
  SetConfigOption("work_mem", "1MB", false, false);
  SetConfigOption("work_mem", "2MB", false, true);
  EXPECT_EQ(Show("work_mem"), "2MB");
  AtTransactionEnd(true);
  EXPECT_EQ(Show("work_mem"), "1MB");

  // ... and neither survives abort.
  AtTransactionStart();
  SetConfigOption("work_mem", "5MB", false, false);
  SetConfigOption("work_mem", "6MB", false, true);
  AtTransactionEnd(false);
  EXPECT_EQ(Show("work_mem"), "1MB");
}

TEST_F(GucSetTest, NestedLevelsMerge) {
  AtTransactionStart();
  SetConfigOption("work_mem", "1MB", false, false);
  int level = PushNestLevel();
  EXPECT_EQ(level, 2);
  SetConfigOption("work_mem", "2MB", false, false);
  PopNestLevel(level, false);  // ROLLBACK TO SAVEPOINT
  EXPECT_EQ(Show("work_mem"), "1MB");
  level = PushNestLevel();
  SetConfigOption("work_mem", "3MB", false, true);  // SET LOCAL in a savepoint
  PopNestLevel(level, true);                         // RELEASE
  EXPECT_EQ(Show("work_mem"), "3MB");
  AtTransactionEnd(true);
  EXPECT_EQ(Show("work_mem"), "1MB");  // the local value ends with the transaction

  AtTransactionStart();
  level = PushNestLevel();
  SetConfigOption("work_mem", "7MB", false, false);
  PopNestLevel(level, true);
  AtTransactionEnd(false);  // the outer abort undoes the released SET
  EXPECT_EQ(Show("work_mem"), "1MB");
}

TEST_F(GucSetTest, ReportChanges) {
  auto all = AllReportedValues();
  EXPECT_EQ(all.size(), 13u);
  bool saw_version = false;
  for (auto& [n, v] : all)
    if (n == "server_version") saw_version = v == "15.0";
  EXPECT_TRUE(saw_version);
  EXPECT_TRUE(TakeReportChanges().empty());
  SetConfigOption("application_name", "psql", false, false);
  SetConfigOption("work_mem", "1MB", false, false);  // not a reported parameter
  auto changes = TakeReportChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].first, "application_name");
  EXPECT_EQ(changes[0].second, "psql");
  SetConfigOption("DateStyle", "ISO, MDY", false, false);  // same value: no report
  EXPECT_TRUE(TakeReportChanges().empty());
}

TEST_F(GucSetTest, SettingsRows) {
  auto rows = AllSettings();
  const SettingRow* sb = nullptr;
  const SettingRow* cme = nullptr;
  for (const auto& r : rows) {
    if (r.name == "shared_buffers") sb = &r;
    if (r.name == "client_min_messages") cme = &r;
    EXPECT_NE(r.name, "is_superuser");  // hidden from SHOW ALL
  }
  ASSERT_TRUE(sb && cme);
  EXPECT_EQ(sb->setting, "16384");
  EXPECT_EQ(sb->unit, "8kB");
  EXPECT_EQ(sb->context, "postmaster");
  EXPECT_EQ(sb->vartype, "integer");
  EXPECT_EQ(sb->category, "Resource Usage / Memory");
  EXPECT_EQ(sb->short_desc, "Sets the number of shared memory buffers used by the server.");
  EXPECT_EQ(sb->min_val, "16");
  EXPECT_EQ(sb->max_val, "1073741823");
  EXPECT_EQ(sb->source, "default");
  EXPECT_EQ(cme->enumvals, "{debug5,debug4,debug3,debug2,debug1,log,notice,warning,error}");
  EXPECT_EQ(rows.front().name, "application_name");  // ordered by name
  EXPECT_EQ(rows[1].name, "archive_command");
  bool hidden = true;
  for (const auto& r : AllSettings(false)) hidden = hidden && r.name != "data_directory";
  EXPECT_TRUE(hidden);
}

}  // namespace
}  // namespace tusk::guc
