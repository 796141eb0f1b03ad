// The slotted page: filling, removal, compaction and corruption detection.
#include "storage/page/page.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "utils/error.h"

namespace tusk::page {
namespace {

struct alignas(8) PageBuf {
  char b[kPageSize];
};

TEST(Page, InitAndFill) {
  PageBuf p;
  InitPage(p.b, 16);
  EXPECT_FALSE(PageIsNew(p.b));
  EXPECT_EQ(GetLower(p.b), kHeaderSize);
  EXPECT_EQ(GetUpper(p.b), kPageSize - 16);
  EXPECT_EQ(FreeSpace(p.b), kPageSize - 16 - kHeaderSize - kItemIdSize);
  EXPECT_TRUE(VerifyHeader(p.b, 0));
  SetLsn(p.b, 0x1234567890ull);
  EXPECT_EQ(GetLsn(p.b), 0x1234567890ull);
  uint64_t raw;
  std::memcpy(&raw, p.b, 8);
  EXPECT_EQ(raw, 0x1234567890ull);  // LSN at offset 0

  char item[100];
  int added = 0;
  for (;;) {
    std::memset(item, 'a' + added % 26, sizeof item);
    OffsetNumber off = AddItem(p.b, item, sizeof item, kInvalidOffset, 0);
    if (off == kInvalidOffset) break;
    EXPECT_EQ(off, added + 1);
    ++added;
  }
  // 104 bytes of data + 4 of line pointer per item.
  EXPECT_EQ(added, static_cast<int>((kPageSize - 16 - kHeaderSize) / 108));
  EXPECT_LT(FreeSpace(p.b), 104u);
  EXPECT_EQ(ItemCount(p.b), added);
  for (OffsetNumber o = 1; o <= added; ++o) {
    EXPECT_EQ(GetItemId(p.b, o)->len(), 100);
    EXPECT_EQ(GetItem(p.b, o)[50], 'a' + (o - 1) % 26);
  }
  EXPECT_TRUE(VerifyHeader(p.b, 0));
}

TEST(Page, HeapLimitAndOverwrite) {
  PageBuf p;
  InitPage(p.b, 0);
  char tiny[8] = {};
  int n = 0;
  while (AddItem(p.b, tiny, sizeof tiny, kInvalidOffset, kIsHeap) != kInvalidOffset) ++n;
  EXPECT_EQ(n, kMaxHeapTuplesPerPage);
  SetItemUnused(p.b, 5);
  // Overwriting a used pointer is refused; the unused one is reused.
  EXPECT_EQ(AddItem(p.b, tiny, sizeof tiny, 4, kOverwrite | kIsHeap), kInvalidOffset);
  EXPECT_EQ(AddItem(p.b, tiny, sizeof tiny, kInvalidOffset, kIsHeap), 5);
}

TEST(Page, PruneAndCompact) {
  PageBuf p;
  InitPage(p.b, 0);
  std::string items[10];
  for (int i = 0; i < 10; ++i) {
    items[i] = std::string(40 + i * 10, static_cast<char>('A' + i));
    ASSERT_EQ(AddItem(p.b, items[i].data(), items[i].size(), kInvalidOffset, kIsHeap), i + 1);
  }
  size_t before = FreeSpace(p.b);
  SetItemUnused(p.b, 2);
  SetItemDead(p.b, 4);
  SetItemRedirect(p.b, 6, 7);
  RepairFragmentation(p.b);
  size_t freed = MaxAlign(50) + MaxAlign(70) + MaxAlign(90);
  EXPECT_EQ(FreeSpace(p.b), before + freed);
  EXPECT_EQ(ItemCount(p.b), 10);
  EXPECT_TRUE(GetFlags(p.b) & kHasFreeLines);
  for (int i : {0, 2, 4, 6, 7, 8, 9})
    EXPECT_EQ(std::string(GetItem(p.b, i + 1), GetItemId(p.b, i + 1)->len()), items[i]) << i;
  EXPECT_EQ(GetItemId(p.b, 6)->flags(), LpFlags::kRedirect);
  EXPECT_EQ(GetItemId(p.b, 6)->off(), 7);
  EXPECT_EQ(GetItemId(p.b, 4)->flags(), LpFlags::kDead);
  // The freed line pointer is found again.
  EXPECT_EQ(AddItem(p.b, "zz", 2, kInvalidOffset, kIsHeap), 2);
  EXPECT_TRUE(VerifyHeader(p.b, 3));
}

TEST(Page, IndexInsertAndDelete) {
  PageBuf p;
  InitPage(p.b, 16);
  ASSERT_EQ(AddItem(p.b, "aaaa", 4, kInvalidOffset, 0), 1);
  ASSERT_EQ(AddItem(p.b, "cccc", 4, kInvalidOffset, 0), 2);
  ASSERT_EQ(AddItem(p.b, "bbbbbbbbbbbb", 12, 2, 0), 2);  // shuffles "cccc" to 3
  EXPECT_EQ(std::string(GetItem(p.b, 3), 4), "cccc");
  size_t free_before = ExactFreeSpace(p.b);
  IndexTupleDelete(p.b, 2);
  EXPECT_EQ(ItemCount(p.b), 2);
  EXPECT_EQ(ExactFreeSpace(p.b), free_before + 16 + kItemIdSize);
  EXPECT_EQ(std::string(GetItem(p.b, 1), 4), "aaaa");
  EXPECT_EQ(std::string(GetItem(p.b, 2), 4), "cccc");
  IndexTupleDelete(p.b, 1);
  EXPECT_EQ(std::string(GetItem(p.b, 1), 4), "cccc");
  EXPECT_TRUE(VerifyHeader(p.b, 0));
}

TEST(Page, CorruptionDetected) {
  PageBuf p;
  std::memset(p.b, 0, sizeof p.b);
  EXPECT_TRUE(PageIsNew(p.b));
  EXPECT_TRUE(VerifyHeader(p.b, 0));  // all zeros is a valid new page
  p.b[100] = 1;
  EXPECT_FALSE(VerifyHeader(p.b, 0));

  InitPage(p.b, 0);
  AddItem(p.b, "hello", 5, kInvalidOffset, 0);
  SetChecksum(p.b, 7);
  EXPECT_TRUE(VerifyHeader(p.b, 7));
  EXPECT_FALSE(VerifyHeader(p.b, 8));  // right page, wrong place
  p.b[kPageSize - 3] ^= 0x40;
  EXPECT_FALSE(VerifyHeader(p.b, 7));

  InitPage(p.b, 0);
  p.b[kOffLower] = 2;  // lower inside the header
  EXPECT_FALSE(VerifyHeader(p.b, 0));
  EXPECT_THROW(AddItem(p.b, "x", 1, kInvalidOffset, 0), PgError);
  InitPage(p.b, 0);
  p.b[kOffFlags + 1] = 0x10;  // unknown flag
  EXPECT_FALSE(VerifyHeader(p.b, 0));
  InitPage(p.b, 0);
  p.b[kOffSizeVersion] = 4;  // another layout version
  EXPECT_FALSE(VerifyHeader(p.b, 0));
}

}  // namespace
}  // namespace tusk::page
