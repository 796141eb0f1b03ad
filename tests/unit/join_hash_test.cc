// The hash join's flat key -> rows table: runs in insertion order,
// duplicates, absent keys, string keys, colliding hashes and reuse.
#include "sql/executor/join_hash.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

namespace tusk::sql {
namespace {

std::vector<uint32_t> Rows(std::span<const uint32_t> run) { return {run.begin(), run.end()}; }

TEST(JoinHashTable, IntegerKeysKeepEachKeysRowsInInsertionOrder) {
  JoinHashTable t;
  t.Add(7, 0);
  t.Add(3, 1);
  t.Add(7, 2);
  t.Add(-1, 3);
  t.Add(7, 4);
  t.Build();
  EXPECT_EQ(Rows(t.Find(7)), (std::vector<uint32_t>{0, 2, 4}));
  EXPECT_EQ(Rows(t.Find(3)), (std::vector<uint32_t>{1}));
  EXPECT_EQ(Rows(t.Find(-1)), (std::vector<uint32_t>{3}));
  EXPECT_TRUE(t.Find(8).empty());
  EXPECT_TRUE(t.Find(0).empty());
  EXPECT_EQ(t.distinct_keys(), 3u);
}

TEST(JoinHashTable, EmptyTableFindsNothing) {
  JoinHashTable t;
  EXPECT_TRUE(t.Find(1).empty());
  t.Build();
  EXPECT_TRUE(t.Find(1).empty());
  EXPECT_TRUE(t.Find(std::string_view("x")).empty());
}

TEST(JoinHashTable, StringKeysCompareByBytesNotByHash) {
  JoinHashTable t;
  t.Add(std::string_view("ab"), 0);
  t.Add(std::string_view("a\0b", 3), 1);
  t.Add(std::string_view(""), 2);
  t.Add(std::string_view("ab"), 3);
  t.Build();
  EXPECT_EQ(Rows(t.Find(std::string_view("ab"))), (std::vector<uint32_t>{0, 3}));
  EXPECT_EQ(Rows(t.Find(std::string_view("a\0b", 3))), (std::vector<uint32_t>{1}));
  EXPECT_EQ(Rows(t.Find(std::string_view(""))), (std::vector<uint32_t>{2}));
  EXPECT_TRUE(t.Find(std::string_view("a")).empty());
}

// Many keys, many duplicates, against a std::map model: every probe (hits
// and misses, including keys whose slots wrap around) gives the model's rows.
TEST(JoinHashTable, MatchesAMapModelOverRandomKeys) {
  std::mt19937_64 rng(42);
  JoinHashTable t;
  std::map<int64_t, std::vector<uint32_t>> model;
  for (uint32_t row = 0; row < 50000; ++row) {
    const int64_t key = static_cast<int64_t>(rng() % 9000) - 4500;
    t.Add(key, row);
    model[key].push_back(row);
  }
  t.Build();
  EXPECT_EQ(t.distinct_keys(), model.size());
  for (int64_t key = -5000; key < 5000; ++key) {
    auto it = model.find(key);
    EXPECT_EQ(Rows(t.Find(key)), it == model.end() ? std::vector<uint32_t>{} : it->second) << key;
  }
}

TEST(JoinHashTable, ClearStartsOver) {
  JoinHashTable t;
  t.Add(std::string_view("k"), 0);
  t.Build();
  t.Clear();
  t.Add(5, 9);
  t.Build();
  EXPECT_EQ(Rows(t.Find(5)), (std::vector<uint32_t>{9}));
  EXPECT_TRUE(t.Find(std::string_view("k")).empty());
}

}  // namespace
}  // namespace tusk::sql
