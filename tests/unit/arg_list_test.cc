// A step's operand list: in place up to kInline operands, on the heap past
// that; copies are deep and independent, moves leave the source empty.
#include <gtest/gtest.h>

#include <vector>

#include "sql/executor/expr_program.h"

namespace tusk::sql {
namespace {

std::vector<int> Items(const ArgList& a) { return {a.begin(), a.end()}; }

TEST(ArgList, HoldsWhatItWasGivenInPlaceAndOnTheHeap) {
  ArgList empty;
  EXPECT_TRUE(empty.empty());
  ArgList small{3, -1, 7};
  EXPECT_EQ(Items(small), (std::vector<int>{3, -1, 7}));
  std::vector<int> many{1, 2, 3, 4, 5, 6, 7, 8, 9};
  ArgList big(many);
  EXPECT_EQ(big.size(), many.size());
  EXPECT_EQ(Items(big), many);
  EXPECT_EQ(big[8], 9);
}

TEST(ArgList, CopiesAreIndependentAndMovesEmptyTheSource) {
  ArgList big(std::vector<int>{1, 2, 3, 4, 5, 6});
  ArgList copy = big;
  EXPECT_NE(copy.data(), big.data());
  EXPECT_EQ(Items(copy), Items(big));
  ArgList small{9};
  copy = small;  // heap -> in place
  EXPECT_EQ(Items(copy), (std::vector<int>{9}));
  copy = big;  // in place -> heap
  EXPECT_EQ(Items(copy), (std::vector<int>{1, 2, 3, 4, 5, 6}));
  ArgList moved = std::move(copy);
  EXPECT_EQ(Items(moved), (std::vector<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): the documented state
  ArgList small_moved = std::move(small);
  EXPECT_EQ(Items(small_moved), (std::vector<int>{9}));
  EXPECT_TRUE(small.empty());  // NOLINT(bugprone-use-after-move)
  copy = std::move(small_moved);
  EXPECT_EQ(Items(copy), (std::vector<int>{9}));
}

// A copied program is what each execution runs: its steps' operands must
// survive the copy whether they were in place or on the heap.
TEST(ArgList, SurvivesProgramCopies) {
  ExprProgram p;
  p.steps.emplace_back();
  p.steps.back().args = {1, 2};
  p.steps.emplace_back();
  p.steps.back().args = std::vector<int>{0, 1, 2, 3, 4, 5};
  ExprProgram q = p;
  p.steps.clear();
  EXPECT_EQ(Items(q.steps[0].args), (std::vector<int>{1, 2}));
  EXPECT_EQ(Items(q.steps[1].args), (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

}  // namespace
}  // namespace tusk::sql
