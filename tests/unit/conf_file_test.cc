// Tests for the configuration file reader: tokens, quoting and escapes,
// comments, units kept verbatim, include directives and syntax error texts.
#include "utils/conf_file.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace tusk::guc {
namespace {

struct Parsed {
  bool ok;
  std::vector<ConfigItem> items;
  std::vector<ErrorData> messages;
};

Parsed Parse(const std::string& text) {
  Parsed p;
  p.ok = ParseConfigText(text, "/d/postgresql.conf", 0, ErrLevel::kLog, &p.items, &p.messages);
  return p;
}

TEST(ConfFile, NamesValuesAndComments) {
  Parsed p = Parse(
      "# a comment\n"
      "port = 5433\n"
      "shared_buffers 128MB   # trailing comment\n"
      "\n"
      "  Work_Mem=8MB\n"
      "listen_addresses = '*'\n"
      "checkpoint_completion_target = .5\n"
      "lc_messages = en_US.UTF-8\n"
      "custom.thing = on\n"
      "statement_timeout = -1e\n"
      "log_file_mode = 0x1F\n"
      "last = 'no newline'");
  ASSERT_TRUE(p.ok) << (p.messages.empty() ? "" : p.messages[0].message);
  ASSERT_EQ(p.items.size(), 10u);
  EXPECT_EQ(p.items[0].name, "port");
  EXPECT_EQ(p.items[0].value, "5433");
  EXPECT_EQ(p.items[0].sourceline, 2);
  EXPECT_EQ(p.items[0].filename, "/d/postgresql.conf");
  EXPECT_EQ(p.items[1].value, "128MB");
  EXPECT_EQ(p.items[2].name, "Work_Mem");
  EXPECT_EQ(p.items[2].value, "8MB");
  EXPECT_EQ(p.items[2].sourceline, 5);
  EXPECT_EQ(p.items[3].value, "*");
  EXPECT_EQ(p.items[4].value, ".5");
  EXPECT_EQ(p.items[5].value, "en_US.UTF-8");
  EXPECT_EQ(p.items[6].name, "custom.thing");
  EXPECT_EQ(p.items[7].value, "-1e");
  EXPECT_EQ(p.items[8].value, "0x1F");
  EXPECT_EQ(p.items[9].value, "no newline");
  EXPECT_EQ(p.items[9].sourceline, 12);
}

TEST(ConfFile, QuotesAndEscapes) {
  Parsed p = Parse(
      "a = 'it''s'\n"
      "b = 'tab\\there\\nnl \\'q\\' back\\\\slash \\101'\n"
      "c = '#not a comment'\n"
      "d = ''\n");
  ASSERT_TRUE(p.ok);
  ASSERT_EQ(p.items.size(), 4u);
  EXPECT_EQ(p.items[0].value, "it's");
  EXPECT_EQ(p.items[1].value, "tab\there\nnl 'q' back\\slash A");
  EXPECT_EQ(p.items[2].value, "#not a comment");
  EXPECT_EQ(p.items[3].value, "");
}

TEST(ConfFile, SyntaxErrors) {
  Parsed p = Parse("port = 5432\nmax_connections = = 5\nwork_mem\nunix_socket_directories = /tmp\nx = 'open\nok = 1\n");
  EXPECT_FALSE(p.ok);
  ASSERT_EQ(p.messages.size(), 4u);
  EXPECT_EQ(p.messages[0].message, "syntax error in file \"/d/postgresql.conf\" line 2, near token \"=\"");
  EXPECT_EQ(p.messages[0].sqlstate, "42601");
  EXPECT_EQ(p.messages[0].level, ErrLevel::kLog);
  EXPECT_EQ(p.messages[1].message, "syntax error in file \"/d/postgresql.conf\" line 3, near end of line");
  EXPECT_EQ(p.messages[2].message, "syntax error in file \"/d/postgresql.conf\" line 4, near token \"/\"");
  EXPECT_EQ(p.messages[3].message, "syntax error in file \"/d/postgresql.conf\" line 5, near token \"'\"");
  // Lines after an error are still read (all errors get reported).
  EXPECT_EQ(p.items.back().name, "ok");
  Parsed q = Parse("port 5432 extra\n");
  ASSERT_EQ(q.messages.size(), 1u);
  EXPECT_EQ(q.messages[0].message, "syntax error in file \"/d/postgresql.conf\" line 1, near token \"extra\"");
  Parsed r = Parse("0port = 1\n");
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].message, "syntax error in file \"/d/postgresql.conf\" line 1, near token \"0port\"");
}

class ConfFileIncludeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tusk_conf_XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(dir_ + "/" + rel).parent_path());
    std::ofstream(dir_ + "/" + rel) << text;
  }
  std::string dir_;
};

TEST_F(ConfFileIncludeTest, IncludesResolveRelativeToTheIncludingFile) {
  Write("postgresql.conf",
        "port = 1\ninclude 'sub/a.conf'\ninclude_if_exists = 'missing.conf'\n"
        "include_dir 'conf.d'\nport = 4\n");
  Write("sub/a.conf", "work_mem = '1MB'\n");
  Write("conf.d/20-b.conf", "port = 3\n");
  Write("conf.d/10-a.conf", "port = 2\n");
  Write("conf.d/.hidden.conf", "port = 99\n");
  Write("conf.d/notes.txt", "port = 98\n");
  std::vector<ConfigItem> items;
  std::vector<ErrorData> messages;
  ASSERT_TRUE(ParseConfigFile(dir_ + "/postgresql.conf", "", true, 0, ErrLevel::kLog, &items, &messages));
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(items[1].name, "work_mem");
  EXPECT_EQ(items[1].filename, dir_ + "/sub/a.conf");
  EXPECT_EQ(items[1].sourceline, 1);
  EXPECT_EQ(items[2].value, "2");
  EXPECT_EQ(items[3].value, "3");
  EXPECT_EQ(items[4].value, "4");
  ASSERT_EQ(messages.size(), 1u);  // the skipped optional file, at DEBUG
  EXPECT_EQ(messages[0].level, ErrLevel::kDebug);
  EXPECT_EQ(messages[0].message, "skipping missing configuration file \"" + dir_ + "/missing.conf\"");
}

TEST_F(ConfFileIncludeTest, MissingIncludeAndRecursionAreErrors) {
  Write("postgresql.conf", "include 'nope.conf'\n");
  std::vector<ConfigItem> items;
  std::vector<ErrorData> messages;
  EXPECT_FALSE(ParseConfigFile(dir_ + "/postgresql.conf", "", true, 0, ErrLevel::kLog, &items, &messages));
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].message, "could not open configuration file \"" + dir_ +
                                     "/nope.conf\": No such file or directory");
  Write("loop.conf", "include 'loop.conf'\n");
  messages.clear();
  EXPECT_FALSE(ParseConfigFile(dir_ + "/loop.conf", "", true, 0, ErrLevel::kLog, &items, &messages));
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages[0].message, "could not open configuration file \"" + dir_ +
                                     "/loop.conf\": maximum nesting depth exceeded");
}

}  // namespace
}  // namespace tusk::guc
