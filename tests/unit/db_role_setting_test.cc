// pg_db_role_setting without a server: setconfig's text[] form as
// PostgreSQL prints it, entry editing as GUCArrayAdd/Delete do, the checks an
// entry passes before it is stored, and how stored entries rank when a
// session starts. Expected texts come from a PostgreSQL 15 server.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "catalog/db_role_setting.h"
#include "utils/guc.h"

namespace tusk {
namespace {

using catalog::FormatSettingArray;
using catalog::ParseSettingArray;
using Entries = std::vector<std::string>;

TEST(DbRoleSettingArray, TextFormLikePostgres) {
  const Entries entries = {"work_mem=4MB", "search_path=a, \"B\", c", "app.c=back\\slash", "app.d={brace}",
                           "app.e= ", "app.f=NULL", "app.g=", "DateStyle=German"};
  const std::string text = FormatSettingArray(entries);
  EXPECT_EQ(text,
            "{work_mem=4MB,\"search_path=a, \\\"B\\\", c\",\"app.c=back\\\\slash\",\"app.d={brace}\",\"app.e= \","
            "app.f=NULL,app.g=,DateStyle=German}");
  EXPECT_EQ(ParseSettingArray(text), entries);
  EXPECT_EQ(FormatSettingArray({}), "{}");
  EXPECT_EQ(ParseSettingArray("{}"), Entries{});
  EXPECT_EQ(FormatSettingArray({"NULL", ""}), "{\"NULL\",\"\"}");
  EXPECT_EQ(ParseSettingArray(" { a=1 , \"b=2\" } "), (Entries{"a=1", "b=2"}));
  EXPECT_THROW(ParseSettingArray("{a=1"), PgError);
  EXPECT_THROW(ParseSettingArray("a=1"), PgError);
}

TEST(DbRoleSettingArray, EntriesReplacedInPlaceAndRemovedByExactName) {
  Entries e;
  catalog::PutSettingEntry(&e, "work_mem", "1MB");
  catalog::PutSettingEntry(&e, "DateStyle", "ISO");
  catalog::PutSettingEntry(&e, "work_mem", "2MB");
  catalog::PutSettingEntry(&e, "work", "x");  // a prefix is another name
  EXPECT_EQ(e, (Entries{"work_mem=2MB", "DateStyle=ISO", "work=x"}));
  catalog::RemoveSettingEntry(&e, "work");
  EXPECT_EQ(e, (Entries{"work_mem=2MB", "DateStyle=ISO"}));
  catalog::RemoveSettingEntry(&e, "datestyle");  // names are stored canonical; matching is exact
  EXPECT_EQ(e.size(), 2u);
  EXPECT_EQ(catalog::SettingEntryName("a.b=c=d"), "a.b");
}

class StoredSettingTest : public ::testing::Test {
 protected:
  void SetUp() override { guc::InitializeDefaults(); }
};

ErrorData CheckError(const std::string& name, const std::optional<std::string>& value, bool superuser) {
  try {
    guc::CheckStoredSetting(name, value, superuser);
  } catch (const PgError& e) {
    return e.data();
  }
  ADD_FAILURE() << name << " was accepted";
  return {};
}

std::string Source(const std::string& name) {
  for (const guc::SettingRow& r : guc::AllSettings())
    if (r.name == name) return r.source;
  return "?";
}

TEST_F(StoredSettingTest, ChecksAsValidateOptionArrayItem) {
  EXPECT_EQ(guc::CheckStoredSetting("datestyle", std::string("iso, dmy"), false), "DateStyle");
  EXPECT_EQ(guc::CheckStoredSetting("work_mem", std::nullopt, false), "work_mem");
  EXPECT_EQ(guc::CheckStoredSetting("app.x", std::string("anything"), true), "app.x");
  EXPECT_EQ(guc::CheckStoredSetting("log_min_duration_statement", std::string("5"), true),
            "log_min_duration_statement");
  struct Case {
    std::string name, value;
    bool superuser;
    std::string sqlstate, message;
  } cases[] = {
      {"nosuch", "1", true, "42704", "unrecognized configuration parameter \"nosuch\""},
      {"a.1b", "1", true, "42602", "invalid configuration parameter name \"a.1b\""},
      {"app.y", "1", false, "42501", "permission denied to set parameter \"app.y\""},
      {"shared_buffers", "1MB", true, "55P02",
       "parameter \"shared_buffers\" cannot be changed without restarting the server"},
      {"max_wal_size", "1GB", true, "55P02", "parameter \"max_wal_size\" cannot be changed now"},
      {"log_connections", "on", true, "55P02", "parameter \"log_connections\" cannot be set after connection start"},
      {"is_superuser", "on", true, "55P02", "parameter \"is_superuser\" cannot be changed"},
      {"log_min_duration_statement", "5", false, "42501",
       "permission denied to set parameter \"log_min_duration_statement\""},
      {"work_mem", "abc", false, "22023", "invalid value for parameter \"work_mem\": \"abc\""},
  };
  for (const Case& c : cases) {
    ErrorData e = CheckError(c.name, c.value, c.superuser);
    EXPECT_EQ(e.sqlstate, c.sqlstate) << c.name;
    EXPECT_EQ(e.message, c.message) << c.name;
  }
  // Checking changes nothing.
  EXPECT_EQ(*guc::ShowConfigOption("work_mem"), "4MB");
  // Removal by a non-superuser: only what it could have set.
  EXPECT_TRUE(guc::MayRemoveStoredSetting("work_mem", false));
  EXPECT_FALSE(guc::MayRemoveStoredSetting("log_min_duration_statement", false));
  EXPECT_TRUE(guc::MayRemoveStoredSetting("log_min_duration_statement", true));
  EXPECT_FALSE(guc::MayRemoveStoredSetting("app.z", false));
  EXPECT_FALSE(guc::MayRemoveStoredSetting("nosuch", true));
}

TEST_F(StoredSettingTest, FromCurrentIsTheShownValue) {
  guc::SetConfigOption("work_mem", "6144", false, false);
  EXPECT_EQ(guc::CurrentValueToStore("work_mem", false), "6MB");
  try {
    guc::CurrentValueToStore("app.never_set", true);
    FAIL();
  } catch (const PgError& e) {
    EXPECT_EQ(e.data().sqlstate, "42704");
  }
}

TEST_F(StoredSettingTest, SourcesRankAsPostgres) {
  // The client's startup option first, as a session applies them.
  guc::SetConfigOption("lock_timeout", "7", false, false, guc::Source::kClient);
  EXPECT_TRUE(guc::ApplyStoredSettings({"work_mem=3MB"}, guc::Source::kDatabaseUser).empty());
  EXPECT_TRUE(guc::ApplyStoredSettings({"work_mem=2MB", "statement_timeout=5s"}, guc::Source::kUser).empty());
  EXPECT_TRUE(guc::ApplyStoredSettings({"work_mem=1MB", "lock_timeout=1", "search_path=x"},
                                       guc::Source::kDatabase)
                  .empty());
  EXPECT_TRUE(guc::ApplyStoredSettings({"search_path=y", "app.q=1"}, guc::Source::kGlobal).empty());
  EXPECT_EQ(*guc::ShowConfigOption("work_mem"), "3MB");
  EXPECT_EQ(Source("work_mem"), "database user");
  EXPECT_EQ(*guc::ShowConfigOption("statement_timeout"), "5s");
  EXPECT_EQ(Source("statement_timeout"), "user");
  EXPECT_EQ(*guc::ShowConfigOption("search_path"), "x");
  EXPECT_EQ(Source("search_path"), "database");
  EXPECT_EQ(*guc::ShowConfigOption("lock_timeout"), "7ms");
  EXPECT_EQ(Source("lock_timeout"), "client");
  EXPECT_EQ(*guc::ShowConfigOption("app.q"), "1");
  // They are the RESET values.
  guc::SetConfigOption("work_mem", "64MB", false, false);
  guc::ResetConfigOption("work_mem", false);
  EXPECT_EQ(*guc::ShowConfigOption("work_mem"), "3MB");
  EXPECT_EQ(Source("work_mem"), "database user");
  guc::SetConfigOption("statement_timeout", "1s", false, false);
  guc::ResetAllOptions();
  EXPECT_EQ(*guc::ShowConfigOption("statement_timeout"), "5s");
}

TEST_F(StoredSettingTest, BadEntriesBecomeWarnings) {
  std::vector<ErrorData> w =
      guc::ApplyStoredSettings({"nosuch=1", "work_mem=abc", "noequals", "shared_buffers=1MB", "work-mem=2MB"},
                               guc::Source::kUser);
  ASSERT_EQ(w.size(), 4u);
  for (const ErrorData& e : w) EXPECT_EQ(e.level, ErrLevel::kWarning);
  EXPECT_EQ(w[0].message, "unrecognized configuration parameter \"nosuch\"");
  EXPECT_EQ(w[1].message, "invalid value for parameter \"work_mem\": \"abc\"");
  EXPECT_EQ(w[2].message, "could not parse setting for parameter \"noequals\"");
  EXPECT_EQ(w[3].sqlstate, "55P02");
  EXPECT_EQ(*guc::ShowConfigOption("work_mem"), "2MB");  // "-" in a name is "_", as in ParseLongOption
}

}  // namespace
}  // namespace tusk
