// B-tree access method over real shared memory, buffers and WAL: ordered
// scans after random inserts, ranges, duplicates, unique checks (with a
// wait on an in-progress inserter), forked concurrent inserters, bulk
// build and delete, and crash recovery by WAL redo into a fresh pool.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "storage/ipc/shmem_setup.h"
#include "access/btree/btree.h"
#include "access/btree/bt_internal.h"
#include "access/transam/transam.h"
#include "access/wal/wal.h"
#include "access/wal/wal_reader.h"
#include "access/wal/wal_redo.h"
#include "storage/buffer/buffer.h"
#include "storage/file/sync_queue.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "storage/lmgr/lock.h"
#include "utils/guc.h"

namespace tusk::btree {
namespace {

constexpr uint64_t kSysid = 7300000000000000012ull;

std::string Enc(int64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); }
int64_t Dec(std::string_view s) {
  int64_t v;
  std::memcpy(&v, s.data(), 8);
  return v;
}

class Int64Cmp : public KeyComparator {
 public:
  int Compare(int, std::string_view a, std::string_view b) const override {
    int64_t x = Dec(a), y = Dec(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
};
const Int64Cmp kCmp;

// A TID derived from the key so scans can be checked without the heap.
ItemPointer TidFor(int64_t k, uint16_t dup = 1) { return {static_cast<uint32_t>(k), dup}; }

class BtreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    guc::InitializeDefaults();
    char d[] = "/tmp/tusk-btree-XXXXXX";
    ASSERT_NE(mkdtemp(d), nullptr);
    root_ = d;
    for (const char* sub : {"/base", "/base/5", "/pg_wal", "/pg_xact", "/pg_subtrans"})
      mkdir((root_ + sub).c_str(), 0700);
    smgr::SetDataDirForTesting(root_);
    vars_ = guc::V();
    vars_.shared_buffers = 128;  // small: eviction (and WAL-before-data) happens
    vars_.max_connections = 10;
    vars_.data_directory = root_;
    MakeRegion();
    wal::SetDataDirectory(root_);
    ckpt_ = wal::BootstrapWal(root_, kSysid);
    wal::Reader r(root_, ckpt_, kSysid);
    const wal::DecodedRecord* rec = r.Next();
    ASSERT_NE(rec, nullptr);
    wal::StartupWal(rec->end_lsn, rec->lsn, kSysid);
    RegisterBtreeRmgr();
    rel_.loc = smgr::RelFileLocator{smgr::kDefaultTablespace, 5, 16400};
    rel_.index_oid = 16400;
    rel_.db_oid = 5;
    rel_.nkeys = 1;
    rel_.cmp = &kCmp;
    smgr::Create(rel_.loc, smgr::Fork::kMain, false);
    board_ = static_cast<Board*>(
        mmap(nullptr, sizeof(Board), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    new (board_) Board{};
  }
  void TearDown() override {
    buffer::ReleaseAllPins();
    buffer::SetWalFlushHook(nullptr);
    munmap(board_, sizeof(Board));
    shmem::DestroyRegion();
    smgr::CloseAll();
    smgr::SetDataDirForTesting("");
    std::filesystem::remove_all(root_);
  }
  // A fresh region in postmaster order: nothing cached survives it.
  void MakeRegion() {
    shmem::CreateServerSharedMemory(vars_);
    ASSERT_NE(proc_array::ClaimSlot(BackendType::kClientBackend), nullptr);
  }
  void Ins(int64_t k, uint16_t dup = 1) {
    InsertResult r = Insert(rel_, {Enc(k)}, TidFor(k, dup));
    ASSERT_EQ(r.code, InsertResult::kOk);
  }
  // The keys a scan returns; with check_tid, each TID must be TidFor(key).
  std::vector<int64_t> ScanAll(std::vector<ScanKey> keys, ScanDirection dir = ScanDirection::kForward,
                               bool check_tid = true) {
    std::vector<int64_t> out;
    IndexScan s(rel_, std::move(keys), dir);
    ItemPointer t;
    while (s.Next(&t)) {
      int64_t k = Dec(*s.CurrentKeys()[0]);
      if (check_tid) {
        EXPECT_EQ(static_cast<uint32_t>(k), t.block);
      }
      out.push_back(k);
    }
    return out;
  }
  template <typename F>
  void RunChildren(int n, F body) {
    std::vector<pid_t> pids;
    for (int i = 0; i < n; ++i) {
      pid_t pid = fork();
      if (pid == 0) {
        int rc = 0;
        try {
          if (proc_array::ClaimSlot(BackendType::kClientBackend) == nullptr) _exit(3);
          body(i);
        } catch (const std::exception& e) {
          snprintf(board_->failure, sizeof board_->failure, "%s", e.what());
          rc = 2;
        }
        _exit(rc);
      }
      pids.push_back(pid);
    }
    for (pid_t pid : pids) {
      int status = 0;
      waitpid(pid, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status << " "
                                                                 << board_->failure;
    }
  }

  struct Board {
    std::atomic<int> flag, released;
    char failure[256];
  };
  std::string root_;
  guc::Vars vars_;
  wal::Lsn ckpt_ = 0;
  IndexRel rel_;
  Board* board_ = nullptr;
};

std::vector<int64_t> Shuffled(int n, uint32_t seed) {
  std::vector<int64_t> v(n);
  for (int i = 0; i < n; ++i) v[i] = i + 1;
  std::shuffle(v.begin(), v.end(), std::mt19937(seed));
  return v;
}

TEST_F(BtreeTest, RandomInsertsScanSortedBothWays) {
  CreateEmpty(rel_);
  EXPECT_TRUE(ScanAll({}).empty());
  constexpr int kN = 100000;
  for (int64_t k : Shuffled(kN, 1)) Ins(k);
  uint64_t n = 0;
  EXPECT_EQ(CheckTree(rel_, &n), "");
  EXPECT_EQ(n, static_cast<uint64_t>(kN));
  std::vector<int64_t> fwd = ScanAll({});
  ASSERT_EQ(fwd.size(), static_cast<size_t>(kN));
  for (int i = 0; i < kN; ++i) ASSERT_EQ(fwd[i], i + 1);
  std::vector<int64_t> back = ScanAll({}, ScanDirection::kBackward);
  ASSERT_EQ(back.size(), static_cast<size_t>(kN));
  for (int i = 0; i < kN; ++i) ASSERT_EQ(back[i], kN - i);
  EXPECT_EQ(buffer::NumPinnedByMe(), 0);
}

TEST_F(BtreeTest, RangeAndEqualityScans) {
  CreateEmpty(rel_);
  for (int64_t k : Shuffled(5000, 2)) Ins(k * 2);  // even keys 2..10000
  auto range = [&](std::optional<Bound> lo, std::optional<Bound> hi, ScanDirection dir) {
    std::vector<int64_t> expect;
    for (int64_t k = 2; k <= 10000; k += 2) {
      if (lo && (k < Dec(lo->value) || (k == Dec(lo->value) && !lo->inclusive))) continue;
      if (hi && (k > Dec(hi->value) || (k == Dec(hi->value) && !hi->inclusive))) continue;
      expect.push_back(k);
    }
    if (dir == ScanDirection::kBackward) std::reverse(expect.begin(), expect.end());
    EXPECT_EQ(ScanAll({ScanKey{lo, hi}}, dir), expect);
  };
  for (auto dir : {ScanDirection::kForward, ScanDirection::kBackward}) {
    range(Bound{Enc(100), true}, Bound{Enc(3000), true}, dir);
    range(Bound{Enc(100), false}, Bound{Enc(3000), false}, dir);
    range(Bound{Enc(101), true}, Bound{Enc(2999), true}, dir);
    range(Bound{Enc(9000), true}, std::nullopt, dir);
    range(std::nullopt, Bound{Enc(500), false}, dir);
    range(Bound{Enc(20000), true}, std::nullopt, dir);
    range(Bound{Enc(50), true}, Bound{Enc(40), true}, dir);
  }
  EXPECT_EQ(ScanAll({ScanKey::Eq(Enc(4242))}), std::vector<int64_t>{4242});
  EXPECT_TRUE(ScanAll({ScanKey::Eq(Enc(4243))}).empty());
  EXPECT_EQ(ScanAll({ScanKey::Eq(Enc(2))}, ScanDirection::kBackward), std::vector<int64_t>{2});
}

TEST_F(BtreeTest, DuplicatesWithDistinctTidsSpanPages) {
  CreateEmpty(rel_);
  for (int i = 0; i < 3000; ++i) Ins(i % 3 == 0 ? 7 : i + 100, static_cast<uint16_t>(i + 1));
  EXPECT_EQ(CheckTree(rel_), "");
  IndexScan s(rel_, {ScanKey::Eq(Enc(7))});
  ItemPointer t;
  std::vector<uint16_t> offs;
  while (s.Next(&t)) offs.push_back(t.offset);
  ASSERT_EQ(offs.size(), 1000u);
  // Heap TID is the last key column: duplicates come back in TID order.
  EXPECT_TRUE(std::is_sorted(offs.begin(), offs.end()));
}

// Entries whose heap tuples a scan found dead to all: later scans and unique
// checks skip them, an insert short of room removes them instead of
// splitting, and a page changed since the scan read it is left alone.
TEST_F(BtreeTest, DeadHintsAreSkippedAndMakeRoom) {
  rel_.unique = true;
  CreateEmpty(rel_);
  auto live = [](ItemPointer) { return Liveness{TidStatus::kLiveCommitted, 0}; };
  // Versions of key 7 (all "live" to the unique check, as if not yet dead).
  for (uint16_t v = 1; v <= 50; ++v) ASSERT_EQ(Insert(rel_, {Enc(7)}, {7, v}).code, InsertResult::kOk);
  {
    IndexScan s(rel_, {ScanKey::Eq(Enc(7))});
    ItemPointer t;
    while (s.Next(&t))
      if (t.offset != 50) s.KillCurrent();
  }
  std::vector<ItemPointer> seen;
  {
    IndexScan s(rel_, {ScanKey::Eq(Enc(7))});
    ItemPointer t;
    while (s.Next(&t)) seen.push_back(t);
  }
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], (ItemPointer{7, 50}));
  // The unique check only meets the remaining one.
  InsertResult r = Insert(rel_, {Enc(7)}, {8, 1}, UniqueCheck::kYes, live);
  ASSERT_EQ(r.code, InsertResult::kUniqueViolation);
  EXPECT_EQ(r.conflicting_tid, (ItemPointer{7, 50}));
  // A kill after the page changed (an insert since the scan read it) is ignored.
  {
    IndexScan s(rel_, {ScanKey::Eq(Enc(7))});
    ItemPointer t;
    ASSERT_TRUE(s.Next(&t));
    Ins(9);
    s.KillCurrent();
  }
  EXPECT_EQ(ScanAll({ScanKey::Eq(Enc(7))}, ScanDirection::kForward, false).size(), 1u);
  // Filling the leaf: the 49 dead entries make room before any split.
  EXPECT_EQ(CheckTree(rel_), "");
  uint64_t before = 0;
  CheckTree(rel_, &before);
  EXPECT_EQ(before, 51u);  // dead-hinted entries are still there
  for (int64_t k = 100; k < 400; ++k) Ins(k);
  uint64_t after = 0;
  EXPECT_EQ(CheckTree(rel_, &after), "");
  EXPECT_EQ(after, before + 300 - 49);  // the dead entries went when the leaf first filled
  EXPECT_EQ(ScanAll({ScanKey::Eq(Enc(7))}, ScanDirection::kForward, false).size(), 1u);
}

TEST_F(BtreeTest, UniqueViolationsAcrossPages) {
  rel_.unique = true;
  CreateEmpty(rel_);
  auto live = [](ItemPointer) { return Liveness{TidStatus::kLiveCommitted, 0}; };
  auto dead = [](ItemPointer) { return Liveness{TidStatus::kDead, 0}; };
  for (int64_t k : Shuffled(2000, 3)) ASSERT_EQ(Insert(rel_, {Enc(k)}, TidFor(k), UniqueCheck::kYes, live).code, InsertResult::kOk);
  InsertResult r = Insert(rel_, {Enc(1500)}, {99999, 1}, UniqueCheck::kYes, live);
  ASSERT_EQ(r.code, InsertResult::kUniqueViolation);
  EXPECT_EQ(Dec(*r.conflicting_key[0]), 1500);
  EXPECT_EQ(r.conflicting_tid, TidFor(1500));
  // Many dead versions of one key over several pages, then a live one at the end.
  for (int i = 0; i < 800; ++i)
    ASSERT_EQ(Insert(rel_, {Enc(5000)}, {5000, static_cast<uint16_t>(i + 1)}, UniqueCheck::kYes, dead).code, InsertResult::kOk);
  auto last_live = [](ItemPointer t) {
    return Liveness{t.offset == 800 ? TidStatus::kLiveCommitted : TidStatus::kDead, 0};
  };
  r = Insert(rel_, {Enc(5000)}, {6000, 1}, UniqueCheck::kYes, last_live);
  ASSERT_EQ(r.code, InsertResult::kUniqueViolation);
  EXPECT_EQ(r.conflicting_tid, (ItemPointer{5000, 800}));
  // NULLs never conflict.
  EXPECT_EQ(Insert(rel_, {std::nullopt}, {1, 1}, UniqueCheck::kYes, live).code, InsertResult::kOk);
  EXPECT_EQ(Insert(rel_, {std::nullopt}, {1, 2}, UniqueCheck::kYes, live).code, InsertResult::kOk);
  EXPECT_EQ(CheckTree(rel_), "");
}

TEST_F(BtreeTest, UniqueCheckWaitsForInProgressInserter) {
  rel_.unique = true;
  CreateEmpty(rel_);
  ASSERT_EQ(Insert(rel_, {Enc(1)}, {1, 1}).code, InsertResult::kOk);
  constexpr uint64_t kXid = 777;
  pid_t pid = fork();
  if (pid == 0) {
    if (proc_array::ClaimSlot(BackendType::kClientBackend) == nullptr) _exit(3);
    lmgr::Acquire(lmgr::LockTag::Transaction(kXid), lmgr::LockMode::kExclusive, false);
    board_->flag = 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    board_->released = 1;  // "aborted": the tuple is dead from now on
    lmgr::ReleaseAll(true);
    _exit(0);
  }
  while (board_->flag == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  int calls = 0;
  auto live = [&](ItemPointer) {
    ++calls;
    return board_->released ? Liveness{TidStatus::kDead, 0} : Liveness{TidStatus::kInProgress, kXid};
  };
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Insert(rel_, {Enc(1)}, {2, 1}, UniqueCheck::kYes, live).code, InsertResult::kOk);
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, std::chrono::milliseconds(200));
  EXPECT_EQ(calls, 2);
  int status;
  waitpid(pid, &status, 0);
  EXPECT_EQ(ScanAll({ScanKey::Eq(Enc(1))}, ScanDirection::kForward, false).size(), 2u);
  lmgr::ReleaseAll(true);
}

TEST_F(BtreeTest, ConcurrentInsertersInForkedProcesses) {
  CreateEmpty(rel_);
  constexpr int kProcs = 4, kPer = 6000;
  RunChildren(kProcs, [&](int p) {
    for (int64_t k : Shuffled(kPer, 10 + p)) {
      int64_t key = k * kProcs + p;
      if (Insert(rel_, {Enc(key)}, TidFor(key)).code != InsertResult::kOk) _exit(4);
    }
    buffer::ReleaseAllPins();
  });
  uint64_t n = 0;
  EXPECT_EQ(CheckTree(rel_, &n), "");
  EXPECT_EQ(n, static_cast<uint64_t>(kProcs * kPer));
  std::vector<int64_t> all = ScanAll({});
  ASSERT_EQ(all.size(), static_cast<size_t>(kProcs * kPer));
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], static_cast<int64_t>(i) + kProcs);
}

TEST_F(BtreeTest, ConcurrentUniqueInsertersOneWinsPerKey) {
  rel_.unique = true;
  CreateEmpty(rel_);
  constexpr int kProcs = 3, kKeys = 3000;
  // Every process inserts every key; each entry counts as committed at once.
  RunChildren(kProcs, [&](int p) {
    auto live = [](ItemPointer) { return Liveness{TidStatus::kLiveCommitted, 0}; };
    for (int64_t k : Shuffled(kKeys, 20 + p)) Insert(rel_, {Enc(k)}, {static_cast<uint32_t>(k), static_cast<uint16_t>(p + 1)}, UniqueCheck::kYes, live);
  });
  std::vector<int64_t> all = ScanAll({});
  ASSERT_EQ(all.size(), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) ASSERT_EQ(all[i], i + 1);
  EXPECT_EQ(CheckTree(rel_), "");
}

TEST_F(BtreeTest, BuildSortsAndLoadsBottomUp) {
  std::vector<int64_t> keys = Shuffled(60000, 4);
  uint64_t n = Build(rel_, [&](const auto& emit) {
    for (int64_t k : keys) emit(KeyValues{Enc(k)}, TidFor(k));
  });
  EXPECT_EQ(n, keys.size());
  uint64_t count = 0;
  EXPECT_EQ(CheckTree(rel_, &count), "");
  EXPECT_EQ(count, keys.size());
  for (int64_t k = 60001; k <= 61000; ++k) Ins(k);
  for (int64_t k = 1; k <= 1000; ++k) Ins(-k);
  std::vector<int64_t> all = ScanAll({});
  ASSERT_EQ(all.size(), 62000u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(CheckTree(rel_), "");
}

TEST_F(BtreeTest, BulkDeleteRemovesDeadEntries) {
  CreateEmpty(rel_);
  for (int64_t k : Shuffled(20000, 5)) Ins(k);
  uint64_t removed = BulkDelete(rel_, [](ItemPointer t) { return t.block % 2 == 0; });
  EXPECT_EQ(removed, 10000u);
  uint64_t n = 0;
  EXPECT_EQ(CheckTree(rel_, &n), "");
  EXPECT_EQ(n, 10000u);
  std::vector<int64_t> all = ScanAll({});
  ASSERT_EQ(all.size(), 10000u);
  for (int64_t k : all) ASSERT_EQ(k % 2, 1);
  for (int64_t k = 2; k <= 200; k += 2) Ins(k);  // insert still works
  EXPECT_EQ(ScanAll({ScanKey{Bound{Enc(1), true}, Bound{Enc(10), true}}}), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
}

TEST_F(BtreeTest, DescendingNullsAndTwoColumns) {
  rel_.nkeys = 2;
  rel_.descending = {true, false};
  rel_.nulls_first = {false, true};
  CreateEmpty(rel_);
  uint32_t b = 1;
  for (int64_t a = 1; a <= 50; ++a)
    for (int64_t c = 1; c <= 40; ++c) ASSERT_EQ(Insert(rel_, {Enc(a), Enc(c)}, {b++, 1}).code, InsertResult::kOk);
  ASSERT_EQ(Insert(rel_, {std::nullopt, Enc(1)}, {b++, 1}).code, InsertResult::kOk);
  ASSERT_EQ(Insert(rel_, {Enc(3), std::nullopt}, {b++, 1}).code, InsertResult::kOk);
  EXPECT_EQ(CheckTree(rel_), "");
  // a = 3 and 10 <= c < 15, in index order (c ascending).
  IndexScan s(rel_, {ScanKey::Eq(Enc(3)), ScanKey{Bound{Enc(10), true}, Bound{Enc(15), false}}});
  ItemPointer t;
  std::vector<int64_t> cs;
  while (s.Next(&t)) cs.push_back(Dec(*s.CurrentKeys()[1]));
  EXPECT_EQ(cs, (std::vector<int64_t>{10, 11, 12, 13, 14}));
  // a DESC: a forward scan of a >= 48 returns 50, 49, 48.
  IndexScan s2(rel_, {ScanKey{Bound{Enc(48), true}, std::nullopt}});
  std::vector<int64_t> as;
  while (s2.Next(&t)) as.push_back(Dec(*s2.CurrentKeys()[0]));
  ASSERT_EQ(as.size(), 120u);
  EXPECT_EQ(as.front(), 50);
  EXPECT_EQ(as.back(), 48);
  // Unrestricted scans see the NULLs (last in a's order, first in c's).
  IndexScan s3(rel_, {}, ScanDirection::kBackward);
  ASSERT_TRUE(s3.Next(&t));
  EXPECT_FALSE(s3.CurrentKeys()[0].has_value());
}

TEST_F(BtreeTest, CrashRecoveryRedoRebuildsTheTree) {
  CreateEmpty(rel_);
  for (int64_t k : Shuffled(30000, 6)) Ins(k);
  BulkDelete(rel_, [](ItemPointer t) { return t.block % 10 == 0; });
  for (int64_t k = 30001; k <= 31000; ++k) Ins(k);
  wal::Flush(wal::InsertPosition());
  // Crash: the pool goes away unwritten (some pages reached disk by eviction).
  buffer::ReleaseAllPins();
  shmem::DestroyRegion();
  MakeRegion();
  wal::SetDataDirectory(root_);
  wal::RedoResult rr;
  wal::RunRedo(ckpt_, ckpt_, &rr);
  EXPECT_GT(rr.replayed, 30000u);
  wal::StartupWal(rr.end_of_wal, rr.last_record, kSysid);
  buffer::FlushAllDirtyBuffers();
  uint64_t n = 0;
  EXPECT_EQ(CheckTree(rel_, &n), "");
  EXPECT_EQ(n, 28000u);
  std::vector<int64_t> all = ScanAll({});
  ASSERT_EQ(all.size(), 28000u);
  for (size_t i = 1; i < all.size(); ++i) ASSERT_LT(all[i - 1], all[i]);
  // Redo is idempotent: replaying again over the recovered pages changes nothing.
  wal::RunRedo(ckpt_, ckpt_, &rr);
  EXPECT_EQ(CheckTree(rel_, &n), "");
  EXPECT_EQ(n, 28000u);
  Ins(50000);
  EXPECT_EQ(ScanAll({ScanKey::Eq(Enc(50000))}).size(), 1u);
}

TEST_F(BtreeTest, IncompleteSplitAfterCrashIsFinishedByTheNextInsert) {
  CreateEmpty(rel_);
  for (int64_t k : Shuffled(5000, 7)) Ins(k * 10);
  FailNextSplitForTesting();
  int64_t failed_key = 0;
  for (int64_t k = 1; k < 50000 && failed_key == 0; k += 10) {
    try {
      Insert(rel_, {Enc(k)}, TidFor(k));
    } catch (const PgError& e) {
      failed_key = k;
      buffer::ReleaseAllPins();  // what AtAbort does
    }
  }
  ASSERT_NE(failed_key, 0);
  wal::Flush(wal::InsertPosition());
  shmem::DestroyRegion();
  MakeRegion();
  wal::SetDataDirectory(root_);
  wal::RedoResult rr;
  wal::RunRedo(ckpt_, ckpt_, &rr);
  wal::StartupWal(rr.end_of_wal, rr.last_record, kSysid);
  std::string problems = CheckTree(rel_);
  EXPECT_NE(problems.find("incomplete split"), std::string::npos) << problems;
  // Searchable anyway: the right half is reached through the right-link.
  std::vector<int64_t> all = ScanAll({});
  std::set<int64_t> seen(all.begin(), all.end());
  EXPECT_EQ(seen.size(), all.size());
  EXPECT_TRUE(seen.count(failed_key));
  EXPECT_EQ(all.size(), 5000u + (failed_key - 1) / 10 + 1);
  // Inserts spread over the key space pass every leaf and finish the split.
  for (int64_t k = 5; k < 50000; k += 50) Ins(k);
  EXPECT_EQ(CheckTree(rel_), "");
}

}  // namespace
}  // namespace tusk::btree
