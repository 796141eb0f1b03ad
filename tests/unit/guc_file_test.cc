// Tests for ProcessConfigFile: applying postgresql.conf and
// postgresql.auto.conf, all-or-nothing rejection with PostgreSQL's messages,
// reload rules, removed lines, and command-line precedence.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "utils/guc.h"

namespace tusk::guc {
namespace {

class GucFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitializeDefaults();
    char tmpl[] = "/tmp/tusk_guc_XXXXXX";
    dir_ = mkdtemp(tmpl);
    conf_ = dir_ + "/postgresql.conf";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& text, const std::string& name = "postgresql.conf") {
    std::ofstream(dir_ + "/" + name) << text;
  }
  bool Load(bool reload) {
    messages_.clear();
    bool ok = ProcessConfigFile(dir_, reload, ErrLevel::kLog, &messages_);
    // A missing postgresql.auto.conf is noted at DEBUG; the tests ignore that.
    std::erase_if(messages_, [](const ErrorData& m) { return m.level == ErrLevel::kDebug; });
    return ok;
  }
  std::vector<std::string> Texts() const {
    std::vector<std::string> out;
    for (const auto& m : messages_) out.push_back(m.message);
    return out;
  }
  static std::string Show(const std::string& n) { return *ShowConfigOption(n); }
  static SettingRow Row(const std::string& n) {
    for (auto& r : AllSettings())
      if (r.name == n) return r;
    ADD_FAILURE() << n;
    return {};
  }

  std::string dir_, conf_;
  std::vector<ErrorData> messages_;
};


TEST_F(GucFileTest, StartupAppliesFileAndAutoFile) {
  Write("port = 5433\nshared_buffers = 256MB\nwork_mem = '8MB'\nLog_Line_Prefix = '%m [%p] %q'\n"
        "myext.level = 3\nstatement_timeout = 10s\n");
  Write("work_mem = '16MB'\n", "postgresql.auto.conf");
  ASSERT_TRUE(Load(false)) << (Texts().empty() ? "" : Texts()[0]);
  EXPECT_TRUE(Texts().empty());
  EXPECT_EQ(V().port, 5433);
  EXPECT_EQ(Show("shared_buffers"), "256MB");
  EXPECT_EQ(V().shared_buffers, 32768);
  EXPECT_EQ(Show("work_mem"), "16MB");  // auto.conf is read last
  EXPECT_EQ(V().log_line_prefix, "%m [%p] %q");
  EXPECT_EQ(Show("myext.level"), "3");
  EXPECT_EQ(V().statement_timeout, 10000);
  SettingRow r = Row("port");
  EXPECT_EQ(r.source, "configuration file");
  EXPECT_EQ(r.sourcefile, conf_);
  EXPECT_EQ(r.sourceline, 1);
  EXPECT_EQ(Row("data_directory").setting, dir_);
  EXPECT_EQ(Row("hba_file").setting, dir_ + "/pg_hba.conf");
  EXPECT_EQ(Row("config_file").setting, conf_);
}

TEST_F(GucFileTest, UnknownNameRejectsEverything) {
  Write("work_mem = 8MB\nfoo = 1\nbar.baz = 2\n");
  EXPECT_FALSE(Load(false));
  EXPECT_EQ(Texts(), (std::vector<std::string>{
                         "unrecognized configuration parameter \"foo\" in file \"" + conf_ + "\" line 2",
                         "configuration file \"" + conf_ + "\" contains errors; no changes were applied"}));
  EXPECT_EQ(messages_[0].sqlstate, "42704");
  EXPECT_EQ(messages_[0].level, ErrLevel::kLog);
  EXPECT_EQ(Show("work_mem"), "4MB");
}

TEST_F(GucFileTest, InvalidValuesRejectEverything) {
  Write("work_mem = 8MB\nmax_connections = abc\nsuperuser_reserved_connections = 999999\n"
        "enable_seqscan = maybe\nserver_version = '1'\n");
  EXPECT_FALSE(Load(false));
  EXPECT_EQ(Texts(), (std::vector<std::string>{
                         "invalid value for parameter \"max_connections\": \"abc\"",
                         "999999 is outside the valid range for parameter \"superuser_reserved_connections\" (0 .. 262143)",
                         "parameter \"enable_seqscan\" requires a Boolean value",
                         "parameter \"server_version\" cannot be changed",
                         "configuration file \"" + conf_ + "\" contains errors; no changes were applied"}));
  EXPECT_EQ(Show("work_mem"), "4MB");
  EXPECT_EQ(V().max_connections, 100);
}

TEST_F(GucFileTest, SyntaxErrorRejectsEverything) {
  Write("work_mem = 8MB\nport = = 1\n");
  EXPECT_FALSE(Load(false));
  EXPECT_EQ(Texts(), (std::vector<std::string>{
                         "syntax error in file \"" + conf_ + "\" line 2, near token \"=\"",
                         "configuration file \"" + conf_ + "\" contains errors; no changes were applied"}));
  EXPECT_EQ(Show("work_mem"), "4MB");
}

TEST_F(GucFileTest, ReloadKeepsPostmasterParametersAndLogsChanges) {
  Write("port = 5433\nwork_mem = 8MB\nstatement_timeout = 0\n");
  ASSERT_TRUE(Load(false));
  Write("port = 5499\nwork_mem = 32MB\nstatement_timeout = 0\n");
  ASSERT_TRUE(Load(true));
  EXPECT_EQ(Texts(), (std::vector<std::string>{
                         "parameter \"port\" cannot be changed without restarting the server",
                         "parameter \"work_mem\" changed to \"32MB\"",
                         "configuration file \"" + conf_ + "\" contains errors; unaffected changes were applied"}));
  for (const auto& m : messages_) EXPECT_EQ(m.level, ErrLevel::kLog);
  EXPECT_EQ(V().port, 5433);
  EXPECT_EQ(Show("work_mem"), "32MB");
  EXPECT_TRUE(Row("port").pending_restart);
  EXPECT_FALSE(Row("work_mem").pending_restart);

  // Setting it back clears the pending restart, and nothing is logged for
  // unchanged values.
  Write("port = 5433\nwork_mem = 32MB\nstatement_timeout = 0\n");
  ASSERT_TRUE(Load(true));
  EXPECT_TRUE(Texts().empty());
  EXPECT_FALSE(Row("port").pending_restart);
}

TEST_F(GucFileTest, RemovedLineRevertsToDefault) {
  Write("work_mem = 8MB\nlog_connections = on\n");
  ASSERT_TRUE(Load(false));
  EXPECT_TRUE(V().log_connections);
  Write("#work_mem = 8MB\nlog_connections = on\n");
  ASSERT_TRUE(Load(true));
  EXPECT_EQ(Texts(), (std::vector<std::string>{
                         "parameter \"work_mem\" removed from configuration file, reset to default"}));
  EXPECT_EQ(Show("work_mem"), "4MB");
  EXPECT_EQ(Row("work_mem").source, "default");
}

TEST_F(GucFileTest, BrokenReloadKeepsOldValues) {
  Write("work_mem = 8MB\nstatement_timeout = 5s\n");
  ASSERT_TRUE(Load(false));
  Write("work_mem = 16MB\nstatement_timeout = '5 fortnights'\n");
  EXPECT_FALSE(Load(true));
  EXPECT_EQ(Show("work_mem"), "8MB");
  EXPECT_EQ(Show("statement_timeout"), "5s");
  ASSERT_EQ(messages_.size(), 2u);
  EXPECT_EQ(messages_[0].hint,
            "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".");
}

TEST_F(GucFileTest, CommandLineBeatsFile) {
  SetCommandLineOption("port", "6000");
  SetCommandLineOption("work_mem", "2MB");
  Write("port = 5433\nwork_mem = 8MB\n");
  ASSERT_TRUE(Load(false));
  EXPECT_EQ(V().port, 6000);
  EXPECT_EQ(Show("work_mem"), "2MB");
  EXPECT_EQ(Row("work_mem").source, "command line");
  Write("port = 6000\nwork_mem = 9MB\n");
  ASSERT_TRUE(Load(true));
  EXPECT_EQ(Show("work_mem"), "2MB");
  try {
    SetCommandLineOption("nope", "1");
    FAIL();
  } catch (const PgError& e) {
    EXPECT_EQ(e.data().message, "unrecognized configuration parameter \"nope\"");
  }
  EXPECT_THROW(SetCommandLineOption("port", "x"), PgError);
}

TEST_F(GucFileTest, SessionValueSurvivesReloadAndResetFindsNewFileValue) {
  Write("work_mem = 8MB\n");
  ASSERT_TRUE(Load(false));
  SetConfigOption("work_mem", "64MB", false, false);
  Write("work_mem = 16MB\n");
  ASSERT_TRUE(Load(true));
  EXPECT_EQ(Show("work_mem"), "64MB");
  ResetConfigOption("work_mem", false);
  EXPECT_EQ(Show("work_mem"), "16MB");
}

TEST_F(GucFileTest, BackendsIgnoreBackendParametersAndDoNotLogChanges) {
  Write("log_connections = off\nwork_mem = 8MB\n");
  ASSERT_TRUE(Load(false));
  SetUnderPostmaster(true);
  Write("log_connections = on\nwork_mem = 9MB\n");
  ASSERT_TRUE(Load(true));
  SetUnderPostmaster(false);
  EXPECT_TRUE(Texts().empty());
  EXPECT_FALSE(V().log_connections);
  EXPECT_EQ(Show("work_mem"), "9MB");
}

TEST_F(GucFileTest, MissingMainFileIsAnError) {
  EXPECT_FALSE(Load(false));
  ASSERT_EQ(Texts().size(), 2u);
  EXPECT_EQ(Texts()[0], "could not open configuration file \"" + conf_ + "\": No such file or directory");
}

}  // namespace
}  // namespace tusk::guc
