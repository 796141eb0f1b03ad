// HOT updates and pruning against the real storage stack: chains followed
// from their root, redirects, rolled-back versions, pruning by readers so
// a much-updated row stays on its page, root mapping for index builds, and
// replay of it all after a crash.
#include "heap_env.h"

namespace tusk::heap {
namespace {

using testing_env::HeapEnv;
using HeapHot = HeapEnv;

const std::vector<uint16_t> kIdIndexed = {0};  // an index on the first column

page::LpFlags FlagsAt(const Relation& rel, ItemPointer tid, uint16_t* target = nullptr) {
  buffer::Buffer b = buffer::ReadBuffer(rel.loc, smgr::Fork::kMain, tid.block);
  buffer::LockBuffer(b, LWLockMode::kShared);
  const page::ItemId* lp = page::GetItemId(buffer::BufferPage(b), tid.offset);
  const page::LpFlags f = lp->flags();
  if (target) *target = lp->off();
  buffer::UnlockBuffer(b);
  buffer::ReleaseBuffer(b);
  return f;
}

class HotTest : public HeapHot {
 protected:
  // Updates the row at *tid in its own committed transaction; *tid follows.
  bool UpdateRow(ItemPointer* tid, int32_t id, const std::string& text, bool commit = true) {
    XactContext x = Begin();
    ItemPointer n;
    bool hot = false;
    EXPECT_EQ(Update(rel_, *tid, Row(id, text), x, true, &n, nullptr, &kIdIndexed, &hot), TmStatus::kOk);
    End(x, commit);
    if (commit) *tid = n;
    return hot;
  }
  // What an index scan on `root` returns to a fresh snapshot: text and tid.
  std::pair<std::string, ItemPointer> ByIndex(ItemPointer root) {
    transam::Snapshot snap = transam::GetSnapshot();
    std::string out;
    ItemPointer at;
    const bool found = Fetch(rel_, root, snap, transam::CurrentXact{}, &out, nullptr, nullptr, &at);
    transam::ClearMyXmin();
    return found ? std::make_pair(Cols(out).second, at) : std::make_pair(std::string("<none>"), ItemPointer{});
  }
};

TEST_F(HotTest, ChainIsFollowedFromItsRootAndPrunedToARedirect) {
  XactContext a = Begin();
  const ItemPointer root = Insert(rel_, Row(1, "v0"), a);
  End(a, true);
  ItemPointer cur = root;
  EXPECT_TRUE(UpdateRow(&cur, 1, "v1"));
  const ItemPointer m1 = cur;
  // A snapshot taken now keeps seeing v1 through the root.
  transam::Snapshot old_snap = transam::GetSnapshot();
  EXPECT_TRUE(UpdateRow(&cur, 1, "v2"));
  EXPECT_EQ(cur.block, root.block);
  EXPECT_EQ(ByIndex(root), std::make_pair(std::string("v2"), cur));
  std::string out;
  ItemPointer at;
  ASSERT_TRUE(Fetch(rel_, root, old_snap, transam::CurrentXact{}, &out, nullptr, nullptr, &at));
  EXPECT_EQ(Cols(out).second, "v1");
  EXPECT_EQ(at, m1);
  // A changed indexed column is never HOT.
  ItemPointer other = cur;
  XactContext u = Begin();
  ItemPointer moved;
  bool hot = true;
  ASSERT_EQ(Update(rel_, other, Row(2, "v3"), u, true, &moved, nullptr, &kIdIndexed, &hot), TmStatus::kOk);
  EXPECT_FALSE(hot);
  End(u, false);

  // Nobody can see v0 and v1 any more: the root redirects to v2, v1's slot is free.
  VacuumStats st;
  std::vector<ItemPointer> dead_entries;
  st = Vacuum(rel_, transam::GetOldestXmin(), [&](const std::vector<ItemPointer>& d) { dead_entries = d; });
  EXPECT_EQ(st.tuples_removed, 3u);  // v0, v1 and the rolled-back version
  // Only the rolled-back cold version had index entries of its own.
  EXPECT_EQ(dead_entries, std::vector<ItemPointer>{moved});
  uint16_t target = 0;
  EXPECT_EQ(FlagsAt(rel_, root, &target), page::LpFlags::kRedirect);
  EXPECT_EQ(target, cur.offset);
  EXPECT_EQ(FlagsAt(rel_, m1), page::LpFlags::kUnused);
  EXPECT_EQ(ByIndex(root), std::make_pair(std::string("v2"), cur));

  // The chain goes on from the redirect; deleting the row ends it: the root
  // becomes a dead line pointer whose index entries vacuum removes.
  EXPECT_TRUE(UpdateRow(&cur, 1, "v4"));
  EXPECT_EQ(ByIndex(root).first, "v4");
  XactContext d = Begin();
  ASSERT_EQ(Delete(rel_, cur, d, true), TmStatus::kOk);
  End(d, true);
  bool dead_to_all = false;
  uint64_t oldest = 0;
  transam::Snapshot snap = transam::GetSnapshot();
  EXPECT_FALSE(Fetch(rel_, root, snap, transam::CurrentXact{}, &out, &oldest, &dead_to_all));
  transam::ClearMyXmin();
  EXPECT_TRUE(dead_to_all);
  st = Vacuum(rel_, transam::GetOldestXmin(), [&](const std::vector<ItemPointer>& dd) { dead_entries = dd; });
  EXPECT_EQ(dead_entries, std::vector<ItemPointer>{root});
  EXPECT_EQ(Visible().size(), 0u);
}

TEST_F(HotTest, RolledBackVersionIsNotPartOfTheChain) {
  XactContext a = Begin();
  const ItemPointer root = Insert(rel_, Row(1, "a"), a);
  End(a, true);
  ItemPointer cur = root;
  UpdateRow(&cur, 1, "rolled back", false);
  EXPECT_EQ(ByIndex(root).first, "a");
  EXPECT_TRUE(UpdateRow(&cur, 1, "b"));
  EXPECT_EQ(ByIndex(root), std::make_pair(std::string("b"), cur));
  // The unique check's view: the live member decides.
  ItemPointer at;
  transam::DirtyResult dr = FetchDirty(rel_, root, transam::CurrentXact{}, &at);
  EXPECT_TRUE(dr.visible);
  EXPECT_EQ(at, cur);
  std::vector<page::OffsetNumber> roots;
  RootOffsets(rel_, root.block, &roots);
  ASSERT_GT(roots.size(), cur.offset);
  EXPECT_EQ(roots[cur.offset], root.offset);
  EXPECT_EQ(roots[root.offset], root.offset);
  Vacuum(rel_, transam::GetOldestXmin());
  EXPECT_EQ(ByIndex(root), std::make_pair(std::string("b"), cur));
  EXPECT_EQ(Visible(), (std::map<int32_t, std::string>{{1, "b"}}));
}

TEST_F(HotTest, ReadersPruneSoAMuchUpdatedRowKeepsItsPage) {
  XactContext a = Begin();
  const ItemPointer root = Insert(rel_, Row(1, "start"), a);
  End(a, true);
  ItemPointer cur = root;
  int hot = 0;
  for (int i = 0; i < 3000; ++i) {
    // An UPDATE finds its row through the index first, which prunes.
    ASSERT_EQ(ByIndex(root).second, cur) << i;
    hot += UpdateRow(&cur, 1, std::string(60, static_cast<char>('a' + i % 26))) ? 1 : 0;
  }
  EXPECT_EQ(NBlocks(), 1u);
  EXPECT_EQ(hot, 3000);
  EXPECT_EQ(ByIndex(root).first, std::string(60, static_cast<char>('a' + 2999 % 26)));
}

TEST_F(HotTest, CrashReplaysHotUpdatesAndPruning) {
  XactContext a = Begin();
  std::vector<ItemPointer> roots, cur;
  for (int i = 0; i < 20; ++i) roots.push_back(Insert(rel_, Row(i, "r" + std::to_string(i)), a));
  End(a, true);
  cur = roots;
  for (int round = 0; round < 5; ++round)
    for (int i = 0; i < 20; ++i) UpdateRow(&cur[i], i, "u" + std::to_string(round) + "-" + std::to_string(i));
  Vacuum(rel_, transam::GetOldestXmin());
  for (int i = 0; i < 20; i += 2) UpdateRow(&cur[i], i, "last" + std::to_string(i));
  wal::Flush(wal::InsertPosition());
  transam::clog::Flush();  // this harness writes no commit records to replay
  std::map<int32_t, std::string> expect = Visible();
  std::vector<std::pair<std::string, ItemPointer>> through_index;
  for (const ItemPointer& r : roots) through_index.push_back(ByIndex(r));

  Crash(ckpt_);
  EXPECT_EQ(Visible(), expect);
  for (size_t i = 0; i < roots.size(); ++i) EXPECT_EQ(ByIndex(roots[i]), through_index[i]) << i;
  EXPECT_EQ(FlagsAt(rel_, roots[1]), page::LpFlags::kRedirect);
}

}  // namespace
}  // namespace tusk::heap
