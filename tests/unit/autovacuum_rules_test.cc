// Autovacuum's per-table decision (PostgreSQL 15's relation_needs_vacanalyze
// rules) from the stats collector's totals and pg_class.reltuples.
#include <gtest/gtest.h>

#include "postmaster/autovacuum.h"
#include "postmaster/pgstat.h"
#include "utils/guc_vars.h"

namespace tusk::autovacuum {
namespace {

// PostgreSQL 15's defaults.
guc::Vars Defaults() {
  guc::Vars v;
  v.autovacuum_vacuum_threshold = 50;
  v.autovacuum_vacuum_scale_factor = 0.2;
  v.autovacuum_vacuum_insert_threshold = 1000;
  v.autovacuum_vacuum_insert_scale_factor = 0.2;
  v.autovacuum_analyze_threshold = 50;
  v.autovacuum_analyze_scale_factor = 0.1;
  return v;
}

pgstat::TableCounters Counts(int64_t dead, int64_t ins_since_vacuum, int64_t mod_since_analyze) {
  pgstat::TableCounters c;
  c.c[pgstat::kDeadTup] = dead;
  c.c[pgstat::kInsSinceVacuum] = ins_since_vacuum;
  c.c[pgstat::kModSinceAnalyze] = mod_since_analyze;
  return c;
}

TEST(AutovacuumRules, NoStatsEntryMeansNothingToDo) {
  const Needs n = NeedsVacuumAnalyze(nullptr, -1, Defaults());
  EXPECT_FALSE(n.vacuum);
  EXPECT_FALSE(n.analyze);
}

TEST(AutovacuumRules, DeadRowsAgainstThresholdPlusScaledReltuples) {
  const guc::Vars v = Defaults();
  auto c = Counts(250, 0, 0);
  EXPECT_FALSE(NeedsVacuumAnalyze(&c, 1000, v).vacuum);  // 250 is not > 50 + 0.2 * 1000
  c = Counts(251, 0, 0);
  EXPECT_TRUE(NeedsVacuumAnalyze(&c, 1000, v).vacuum);
  EXPECT_FALSE(NeedsVacuumAnalyze(&c, 1000, v).analyze);
}

TEST(AutovacuumRules, NegativeReltuplesCountsAsZero) {
  const guc::Vars v = Defaults();
  auto c = Counts(51, 0, 51);
  const Needs n = NeedsVacuumAnalyze(&c, -1, v);
  EXPECT_TRUE(n.vacuum);
  EXPECT_TRUE(n.analyze);
  c = Counts(50, 0, 50);
  const Needs below = NeedsVacuumAnalyze(&c, -1, v);
  EXPECT_FALSE(below.vacuum);
  EXPECT_FALSE(below.analyze);
}

TEST(AutovacuumRules, InsertsTriggerVacuumUnlessDisabled) {
  guc::Vars v = Defaults();
  auto c = Counts(0, 1200, 0);
  EXPECT_FALSE(NeedsVacuumAnalyze(&c, 1000, v).vacuum);  // 1200 is not > 1000 + 0.2 * 1000
  c = Counts(0, 1201, 0);
  EXPECT_TRUE(NeedsVacuumAnalyze(&c, 1000, v).vacuum);
  v.autovacuum_vacuum_insert_threshold = -1;
  EXPECT_FALSE(NeedsVacuumAnalyze(&c, 1000, v).vacuum);
}

TEST(AutovacuumRules, ModificationsTriggerAnalyze) {
  const guc::Vars v = Defaults();
  auto c = Counts(0, 0, 150);
  EXPECT_FALSE(NeedsVacuumAnalyze(&c, 1000, v).analyze);  // 150 is not > 50 + 0.1 * 1000
  c = Counts(0, 0, 151);
  const Needs n = NeedsVacuumAnalyze(&c, 1000, v);
  EXPECT_TRUE(n.analyze);
  EXPECT_FALSE(n.vacuum);
}

}  // namespace
}  // namespace tusk::autovacuum

namespace tusk::autovacuum {
namespace {

// The launcher's round robin: each database in name order after the last
// one asked for, wrapping around; a list that changed in between (a new or
// dropped database) is followed without skipping or repeating the others.
TEST(AutovacuumLauncher, NextDatabaseIsRoundRobinByName) {
  const std::vector<std::string> dbs = {"bench", "postgres", "template1"};
  EXPECT_EQ(NextDatabase(dbs, ""), "bench");
  EXPECT_EQ(NextDatabase(dbs, "bench"), "postgres");
  EXPECT_EQ(NextDatabase(dbs, "postgres"), "template1");
  EXPECT_EQ(NextDatabase(dbs, "template1"), "bench");
  // The last one is gone (dropped): the one after it by name.
  EXPECT_EQ(NextDatabase({"bench", "template1"}, "postgres"), "template1");
  EXPECT_EQ(NextDatabase({"bench", "postgres"}, "zzz"), "bench");
  // Nothing counted yet.
  EXPECT_EQ(NextDatabase({}, ""), "postgres");
  EXPECT_EQ(NextDatabase({}, "bench"), "postgres");
}

// One launch every naptime / number of databases, at least 100 ms apart.
TEST(AutovacuumLauncher, LaunchIntervalSpreadsNaptimeOverDatabases) {
  EXPECT_EQ(LaunchInterval(60, 0).count(), 60000);
  EXPECT_EQ(LaunchInterval(60, 1).count(), 60000);
  EXPECT_EQ(LaunchInterval(60, 3).count(), 20000);
  EXPECT_EQ(LaunchInterval(1, 4).count(), 250);
  EXPECT_EQ(LaunchInterval(1, 64).count(), 100);
}

}  // namespace
}  // namespace tusk::autovacuum
