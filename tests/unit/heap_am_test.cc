// The heap access method against the real storage stack: visibility across
// transactions, concurrent updaters in forked backends, row locks, fillfactor,
// vacuum and space reuse, crash recovery from WAL and torn-page protection.
#include "heap_env.h"

#include <set>


namespace tusk::heap {
namespace {

using testing_env::ForkBackend;
using testing_env::HeapEnv;
using testing_env::SharedScratch;
using testing_env::WaitBackend;

using HeapAm = HeapEnv;

TEST_F(HeapAm, InsertScanDeleteUpdateVisibility) {
  XactContext a = Begin();
  ItemPointer t1 = Insert(rel_, Row(1, "one"), a);
  ItemPointer t2 = Insert(rel_, Row(2, "two"), a);
  EXPECT_EQ(t1, (ItemPointer{0, 1}));
  EXPECT_EQ(t2, (ItemPointer{0, 2}));
  // Our own inserts are invisible to the command that made them, visible to the next.
  std::string out;
  EXPECT_FALSE(Fetch(rel_, t1, a.snapshot, a.Me(), &out));
  NextCommand(a);
  ASSERT_TRUE(Fetch(rel_, t1, a.snapshot, a.Me(), &out));
  EXPECT_EQ(Cols(out).second, "one");
  // Another backend does not see uncommitted rows.
  auto* seen = SharedScratch<std::atomic<int>>();
  pid_t pid = ForkBackend([&] {
    *seen = static_cast<int>(Visible().size());
    return 0;
  });
  EXPECT_EQ(WaitBackend(pid), 0);
  EXPECT_EQ(seen->load(), 0);
  End(a, true);
  EXPECT_EQ(Visible(), (std::map<int32_t, std::string>{{1, "one"}, {2, "two"}}));

  // Delete and update in one transaction; an aborted one changes nothing.
  XactContext b = Begin();
  ASSERT_EQ(Delete(rel_, t1, b, true), TmStatus::kOk);
  ItemPointer t2b;
  ASSERT_EQ(Update(rel_, t2, Row(2, "TWO"), b, true, &t2b), TmStatus::kOk);
  EXPECT_NE(t2b, t2);
  NextCommand(b);
  EXPECT_FALSE(Fetch(rel_, t1, b.snapshot, b.Me(), nullptr));
  EXPECT_FALSE(Fetch(rel_, t2, b.snapshot, b.Me(), nullptr));
  EXPECT_TRUE(Fetch(rel_, t2b, b.snapshot, b.Me(), nullptr));
  // Deleting it again in the same command is "self modified"; a later command sees it gone.
  EXPECT_EQ(Delete(rel_, t1, b, true), TmStatus::kInvisible);
  End(b, false);
  EXPECT_EQ(Visible(), (std::map<int32_t, std::string>{{1, "one"}, {2, "two"}}));

  XactContext c = Begin();
  ASSERT_EQ(Update(rel_, t2, Row(2, "deux"), c, true, &t2b), TmStatus::kOk);
  ASSERT_EQ(Delete(rel_, t1, c, true), TmStatus::kOk);
  EXPECT_EQ(Delete(rel_, t1, c, true), TmStatus::kSelfModified);
  End(c, true);
  EXPECT_EQ(Visible(), (std::map<int32_t, std::string>{{2, "deux"}}));
  // A transaction that still tries the old version learns where it went.
  XactContext d = Begin();
  TmFailure fd;
  EXPECT_EQ(Update(rel_, t2, Row(2, "x"), d, true, nullptr, &fd), TmStatus::kUpdated);
  EXPECT_EQ(fd.ctid, t2b);
  EXPECT_EQ(Delete(rel_, t1, d, true, &fd), TmStatus::kDeleted);
  End(d, false);
}

TEST_F(HeapAm, TooBigRowRaises54000) {
  XactContext a = Begin();
  try {
    Insert(rel_, Row(1, std::string(9000, 'z')), a);
    FAIL() << "expected an error";
  } catch (const PgError& e) {
    EXPECT_EQ(e.data().sqlstate, "54000");
    EXPECT_NE(e.data().message.find("row is too big: size"), std::string::npos);
  }
  // The largest row that fits goes onto a page of its own.
  size_t room = kMaxTupleSize - (kMinTupleHeader + 4 + 4);
  ItemPointer t = Insert(rel_, Row(2, std::string(room, 'y')), a);
  EXPECT_EQ(t.offset, 1);
  End(a, true);
  EXPECT_EQ(Visible().at(2).size(), room);
}

TEST_F(HeapAm, ConcurrentUpdatersWaitAndSeeUpdated) {
  XactContext s = Begin();
  ItemPointer row = Insert(rel_, Row(1, "v0"), s);
  End(s, true);

  struct Shared {
    std::atomic<int> started{0}, done{0}, first{-1}, second{-1};
    ItemPointer ctid, final_tid;
  };
  auto* sh = SharedScratch<Shared>();
  XactContext a = Begin();
  ItemPointer newer;
  ASSERT_EQ(Update(rel_, row, Row(1, "v1"), a, true, &newer), TmStatus::kOk);

  pid_t pid = ForkBackend([&] {
    XactContext b = Begin();
    sh->started = 1;
    TmFailure f;
    TmStatus st = Update(rel_, row, Row(1, "v2"), b, true, nullptr, &f);  // blocks until A ends
    sh->first = static_cast<int>(st);
    sh->ctid = f.ctid;
    if (st == TmStatus::kUpdated) {
      // READ COMMITTED: follow the chain and retry on the latest version.
      NextCommand(b);
      std::string latest;
      if (!Fetch(rel_, f.ctid, b.snapshot, b.Me(), &latest)) return 4;
      ItemPointer mine;
      sh->second = static_cast<int>(Update(rel_, f.ctid, Row(1, Cols(latest).second + "+v2"), b, true, &mine));
      sh->final_tid = mine;
    }
    End(b, true);
    sh->done = 1;
    return 0;
  });
  while (sh->started == 0) usleep(1000);
  usleep(200 * 1000);
  EXPECT_EQ(sh->done.load(), 0) << "the second updater must wait for the first";
  End(a, true);
  EXPECT_EQ(WaitBackend(pid), 0);
  EXPECT_EQ(sh->first.load(), static_cast<int>(TmStatus::kUpdated));
  EXPECT_EQ(sh->ctid, newer);
  EXPECT_EQ(sh->second.load(), static_cast<int>(TmStatus::kOk));
  EXPECT_EQ(Visible(), (std::map<int32_t, std::string>{{1, "v1+v2"}}));
}

TEST_F(HeapAm, AbortedUpdaterLetsWaiterProceed) {
  XactContext s = Begin();
  ItemPointer row = Insert(rel_, Row(1, "v0"), s);
  End(s, true);
  auto* res = SharedScratch<std::atomic<int>>();
  *res = -1;
  XactContext a = Begin();
  ASSERT_EQ(Delete(rel_, row, a, true), TmStatus::kOk);
  pid_t pid = ForkBackend([&] {
    XactContext b = Begin();
    ItemPointer n;
    *res = static_cast<int>(Update(rel_, row, Row(1, "b"), b, true, &n));
    End(b, true);
    return 0;
  });
  usleep(100 * 1000);
  EXPECT_EQ(res->load(), -1);
  End(a, false);
  EXPECT_EQ(WaitBackend(pid), 0);
  EXPECT_EQ(res->load(), static_cast<int>(TmStatus::kOk));
  EXPECT_EQ(Visible(), (std::map<int32_t, std::string>{{1, "b"}}));
}

TEST_F(HeapAm, RowLocksNowaitSkipLockedAndUpgrade) {
  XactContext s = Begin();
  ItemPointer row = Insert(rel_, Row(1, "v"), s);
  End(s, true);
  XactContext a = Begin();
  ASSERT_EQ(LockTuple(rel_, row, RowLockMode::kShare, a, LockWaitPolicy::kBlock), TmStatus::kOk);
  ASSERT_EQ(LockTuple(rel_, row, RowLockMode::kUpdate, a, LockWaitPolicy::kBlock), TmStatus::kOk);  // upgrade
  auto* codes = SharedScratch<std::array<int, 4>>();
  pid_t pid = ForkBackend([&] {
    XactContext b = Begin();
    try {
      LockTuple(rel_, row, RowLockMode::kUpdate, b, LockWaitPolicy::kNoWait);
      (*codes)[0] = 1;
    } catch (const PgError& e) {
      (*codes)[0] = e.data().sqlstate == "55P03" &&
                    e.data().message == "could not obtain lock on row in relation \"t\"" ? 2 : 3;
    }
    (*codes)[1] = static_cast<int>(LockTuple(rel_, row, RowLockMode::kKeyShare, b, LockWaitPolicy::kSkipLocked));
    (*codes)[2] = static_cast<int>(Delete(rel_, row, b, false));
    // A lock does not hide the row from readers.
    (*codes)[3] = static_cast<int>(Visible().size());
    End(b, false);
    return 0;
  });
  EXPECT_EQ(WaitBackend(pid), 0);
  EXPECT_EQ((*codes)[0], 2);
  EXPECT_EQ((*codes)[1], static_cast<int>(TmStatus::kWouldBlock));
  EXPECT_EQ((*codes)[2], static_cast<int>(TmStatus::kWouldBlock));
  EXPECT_EQ((*codes)[3], 1);
  End(a, true);
  // The committed locker's xmax is only a lock: the row lives and can be updated.
  XactContext c = Begin();
  ItemPointer n;
  EXPECT_EQ(Update(rel_, row, Row(1, "w"), c, true, &n), TmStatus::kOk);
  End(c, true);
  EXPECT_EQ(Visible(), (std::map<int32_t, std::string>{{1, "w"}}));
}

TEST_F(HeapAm, FillfactorLeavesRoomAndMultiInsertFillsPages) {
  rel_.fillfactor = 50;
  XactContext a = Begin();
  const std::string text(200, 'f');
  for (int i = 0; i < 200; ++i) Insert(rel_, Row(i, text), a);
  End(a, true);
  const uint32_t half = NBlocks();
  for (uint32_t b = 0; b < half; ++b) {
    buffer::Buffer buf = buffer::ReadBuffer(rel_.loc, smgr::Fork::kMain, b);
    buffer::LockBuffer(buf, LWLockMode::kShared);
    size_t free = page::FreeSpace(buffer::BufferPage(buf));
    buffer::UnlockBuffer(buf);
    buffer::ReleaseBuffer(buf);
    if (b + 1 < half) {
      EXPECT_GE(free, page::kPageSize / 2 - 400) << "block " << b;
    }
  }
  EXPECT_EQ(Visible().size(), 200u);

  Relation full = rel_;
  full.loc.rel_number = 16385;
  full.rel_oid = 16385;
  full.fillfactor = 100;
  CreateStorage(full.loc);
  XactContext m = Begin();
  std::vector<std::string> rows;
  for (int i = 0; i < 200; ++i) rows.push_back(Row(i, text));
  std::vector<ItemPointer> tids = MultiInsert(full, rows, m);
  End(m, true);
  ASSERT_EQ(tids.size(), 200u);
  uint32_t packed = buffer::RelationNumBlocks(full.loc, smgr::Fork::kMain);
  EXPECT_LT(packed * 2, half + 2);
  EXPECT_GE(half, 10u);
}

TEST_F(HeapAm, VacuumRemovesDeadAndSpaceIsReused) {
  XactContext a = Begin();
  std::vector<ItemPointer> tids;
  for (int i = 0; i < 300; ++i) tids.push_back(Insert(rel_, Row(i, std::string(100, 'a')), a));
  End(a, true);
  const uint32_t initial = NBlocks();
  uint32_t max_blocks = 0;
  for (int round = 0; round < 12; ++round) {
    XactContext u = Begin();
    for (size_t i = 0; i < tids.size(); ++i) {
      ItemPointer& t = tids[i];
      ItemPointer n;
      ASSERT_EQ(Update(rel_, t, Row(static_cast<int32_t>(i), std::string(100, static_cast<char>('b' + round % 20))), u, true, &n), TmStatus::kOk);
      t = n;
    }
    End(u, true);
    std::vector<ItemPointer> dead;
    VacuumStats st = Vacuum(rel_, transam::GetOldestXmin(), [&](const std::vector<ItemPointer>& d) { dead = d; });
    EXPECT_EQ(st.tuples_removed, 300u) << "round " << round;
    EXPECT_EQ(dead.size(), 300u);
    EXPECT_EQ(st.tuples_remaining, 300u);
    max_blocks = std::max(max_blocks, NBlocks());
  }
  // Without reuse the file would grow by `initial` pages per round.
  EXPECT_LE(max_blocks, 2 * initial + 1);
  EXPECT_EQ(Visible().size(), 300u);

  // A snapshot that can still see the old versions keeps them.
  XactContext d = Begin();
  for (auto& t : tids) ASSERT_EQ(Delete(rel_, t, d, true), TmStatus::kOk);
  End(d, true);
  VacuumStats st = Vacuum(rel_, d.xid);
  EXPECT_EQ(st.tuples_removed, 0u);
  EXPECT_EQ(st.recently_dead, 300u);
  // Once nobody can, everything goes and the empty file is truncated.
  st = Vacuum(rel_, transam::GetOldestXmin());
  EXPECT_EQ(st.tuples_removed, 300u);
  EXPECT_EQ(st.nblocks_after, 0u);
  EXPECT_EQ(NBlocks(), 0u);
  XactContext e = Begin();
  EXPECT_EQ(Insert(rel_, Row(7, "again"), e), (ItemPointer{0, 1}));
  End(e, true);
  EXPECT_EQ(Visible().size(), 1u);
}

TEST_F(HeapAm, CrashRecoveryReplaysInsertsUpdatesDeletesAndVacuum) {
  std::map<int32_t, std::string> expect;
  XactContext a = Begin();
  std::vector<ItemPointer> tids;
  for (int i = 0; i < 400; ++i) {
    tids.push_back(Insert(rel_, Row(i, "row" + std::to_string(i)), a));
    expect[i] = "row" + std::to_string(i);
  }
  End(a, true);
  XactContext b = Begin();
  for (int i = 0; i < 400; i += 3) {
    ASSERT_EQ(Delete(rel_, tids[i], b, true), TmStatus::kOk);
    expect.erase(i);
  }
  for (int i = 1; i < 400; i += 3) {
    ItemPointer n;
    ASSERT_EQ(Update(rel_, tids[i], Row(i, "upd" + std::to_string(i)), b, true, &n), TmStatus::kOk);
    expect[i] = "upd" + std::to_string(i);
  }
  End(b, true);
  Vacuum(rel_, transam::GetOldestXmin());
  std::vector<std::string> copy;
  for (int i = 0; i < 50; ++i) copy.push_back(Row(1000 + i, "copy"));
  XactContext c = Begin();
  MultiInsert(rel_, copy, c);
  End(c, true);
  for (int i = 0; i < 50; ++i) expect[1000 + i] = "copy";
  // An uncommitted transaction's rows must not come back as visible.
  XactContext lost = Begin();
  Insert(rel_, Row(9999, "lost"), lost);
  wal::Flush(wal::InsertPosition());
  transam::clog::Flush();  // the commit records' replay would restore these bits
  ASSERT_EQ(Visible(), expect);
  const uint32_t blocks = NBlocks();

  // Crash: nothing in the buffer pool was written; even the file is gone.
  std::filesystem::remove(dir_ + "/base/5/16384");
  wal::RedoResult res = Crash(ckpt_);
  EXPECT_GT(res.replayed, 400u);
  EXPECT_EQ(NBlocks(), blocks);
  EXPECT_EQ(Visible(), expect);
  // Redo is idempotent: replaying again over the recovered pages changes nothing.
  buffer::FlushAllDirtyBuffers();
  Crash(ckpt_);
  EXPECT_EQ(Visible(), expect);
}

// Every tuple's bytes as redo must rebuild them, hint bits (never logged)
// masked: (block, offset) -> tuple.
std::map<std::pair<uint32_t, uint16_t>, std::string> RawTuples(const Relation& rel) {
  std::map<std::pair<uint32_t, uint16_t>, std::string> out;
  const uint32_t n = buffer::RelationNumBlocks(rel.loc, smgr::Fork::kMain);
  for (uint32_t blk = 0; blk < n; ++blk) {
    buffer::Buffer b = buffer::ReadBuffer(rel.loc, smgr::Fork::kMain, blk);
    buffer::LockBuffer(b, LWLockMode::kShared);
    const char* p = buffer::BufferPage(b);
    for (uint16_t o = page::kFirstOffset; !page::PageIsNew(p) && o <= page::ItemCount(p); ++o) {
      const page::ItemId* id = page::GetItemId(p, o);
      if (id->flags() != page::LpFlags::kNormal) continue;
      std::string t(page::GetItem(const_cast<char*>(p), o), id->len());
      namespace im = transam::infomask;
      const uint16_t hints = im::kXminCommitted | im::kXminInvalid | im::kXmaxCommitted;
      SetTupInfomask(t.data(), static_cast<uint16_t>(TupInfomask(t.data()) & ~hints));
      out[{blk, o}] = t;
    }
    buffer::UnlockBuffer(b);
    buffer::ReleaseBuffer(b);
  }
  return out;
}

// UPDATE records leave the new tuple's xmin, xmax, cid and ctid out (redo
// rebuilds them): replay must reproduce every tuple byte for byte, for
// updates on the same page and onto another one, at a later command id.
TEST_F(HeapAm, UpdateRedoRebuildsTheNewTupleHeader) {
  XactContext a = Begin();
  std::vector<ItemPointer> tids;
  for (int i = 0; i < 120; ++i) tids.push_back(Insert(rel_, Row(i, std::string(150, 'a')), a));
  End(a, true);
  XactContext b = Begin();
  NextCommand(b);
  NextCommand(b);
  std::set<uint32_t> moved_to;
  for (int i = 0; i < 120; i += 2) {
    ItemPointer n;
    ASSERT_EQ(Update(rel_, tids[i], Row(i, "u" + std::to_string(i)), b, true, &n), TmStatus::kOk);
    if (n.block != tids[i].block) moved_to.insert(n.block);
    tids[i] = n;
  }
  End(b, true);
  // Updated twice in one transaction: the second one's old version has a combo cid.
  XactContext c = Begin();
  ItemPointer n;
  ASSERT_EQ(Update(rel_, tids[1], Row(1, "first"), c, true, &n), TmStatus::kOk);
  NextCommand(c);
  ASSERT_EQ(Update(rel_, n, Row(1, "second"), c, true, &n), TmStatus::kOk);
  End(c, true);
  EXPECT_FALSE(moved_to.empty());
  wal::Flush(wal::InsertPosition());
  transam::clog::Flush();
  auto before = RawTuples(rel_);
  std::filesystem::remove(dir_ + "/base/5/16384");
  Crash(ckpt_);
  EXPECT_EQ(RawTuples(rel_), before);
  EXPECT_EQ(Visible().at(1), "second");
}

// Replay remembers relation sizes (buffer::BeginRedoSizes); a replayed
// truncation must make it forget, or the insert after it would read block 0
// of an empty file instead of extending it.
TEST_F(HeapAm, RedoAfterTruncationUsesTheShrunkSize) {
  XactContext a = Begin();
  std::vector<ItemPointer> tids;
  for (int i = 0; i < 300; ++i) tids.push_back(Insert(rel_, Row(i, std::string(100, 'a')), a));
  End(a, true);
  ASSERT_GT(NBlocks(), 2u);
  XactContext d = Begin();
  for (auto& t : tids) ASSERT_EQ(Delete(rel_, t, d, true), TmStatus::kOk);
  End(d, true);
  ASSERT_EQ(Vacuum(rel_, transam::GetOldestXmin()).nblocks_after, 0u);
  XactContext e = Begin();
  EXPECT_EQ(Insert(rel_, Row(7, "again"), e), (ItemPointer{0, 1}));
  End(e, true);
  wal::Flush(wal::InsertPosition());
  transam::clog::Flush();
  Crash(ckpt_);
  EXPECT_EQ(NBlocks(), 1u);
  EXPECT_EQ(Visible(), (std::map<int32_t, std::string>{{7, "again"}}));
}

TEST_F(HeapAm, FullPageImagesRepairTornPages) {
  XactContext a = Begin();
  std::vector<ItemPointer> tids;
  for (int i = 0; i < 40; ++i) tids.push_back(Insert(rel_, Row(i, std::string(50, 'p')), a));
  End(a, true);
  transam::clog::Flush();
  buffer::FlushAllDirtyBuffers();
  // A checkpoint starts: the next change to each page logs its full image.
  const wal::Lsn redo = wal::AdvanceRedoPointer();
  XactContext b = Begin();
  ASSERT_EQ(Delete(rel_, tids[0], b, true), TmStatus::kOk);
  End(b, true);
  transam::clog::Flush();
  buffer::FlushAllDirtyBuffers();
  // The page write was torn: its second half (where the tuples live) is garbage.
  int fd = ::open((dir_ + "/base/5/16384").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  std::string junk(page::kPageSize / 2, '\x5a');
  ASSERT_EQ(::pwrite(fd, junk.data(), junk.size(), page::kPageSize / 2), static_cast<ssize_t>(junk.size()));
  ::close(fd);
  Crash(redo);
  std::map<int32_t, std::string> got = Visible();
  EXPECT_EQ(got.size(), 39u);
  EXPECT_EQ(got.count(0), 0u);
  EXPECT_EQ(got.at(39), std::string(50, 'p'));
}

TEST_F(HeapAm, CreateStorageIsReplayed) {
  Relation other = rel_;
  other.loc.rel_number = 16390;
  CreateStorage(other.loc);
  XactContext a = Begin();
  Insert(other, Row(1, "x"), a);
  End(a, true);
  transam::clog::Flush();
  std::filesystem::remove(dir_ + "/base/5/16390");
  std::filesystem::remove(dir_ + "/base/5/16384");
  Crash(ckpt_);
  EXPECT_TRUE(smgr::Exists(other.loc, smgr::Fork::kMain));
  EXPECT_TRUE(smgr::Exists(rel_.loc, smgr::Fork::kMain));  // created, never written
  EXPECT_EQ(buffer::RelationNumBlocks(other.loc, smgr::Fork::kMain), 1u);
}

}  // namespace
}  // namespace tusk::heap
