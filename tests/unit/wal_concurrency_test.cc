// WAL across real forked processes sharing one region: concurrent inserts
// read back exactly once in order, group commit syncing less often than
// commits flush, sync/write failures as PANIC, and segment recycling.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "access/wal/wal.h"
#include "access/wal/wal_reader.h"
#include "access/wal/wal_redo.h"
#include "storage/file/vfs.h"
#include "storage/ipc/shmem.h"
#include "utils/guc.h"

namespace tusk::wal {
namespace {

constexpr uint64_t kSysid = 7300000000000000002ull;

class WalConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    guc::InitializeDefaults();
    guc::SetCommandLineOption("wal_buffers", "8");
    char d[] = "/tmp/tusk-walc-XXXXXX";
    ASSERT_NE(mkdtemp(d), nullptr);
    dir_ = d;
  }
  void Start() {
    shmem::CreateRegion(ShmemSize(guc::V()) + 4096);
    ShmemInit(guc::V());
    SetDataDirectory(dir_);
    ckpt_ = BootstrapWal(dir_, kSysid);
    Reader r(dir_, ckpt_, kSysid);
    const DecodedRecord* rec = r.Next();
    ASSERT_NE(rec, nullptr) << r.error();
    StartupWal(rec->end_lsn, rec->lsn, kSysid);
    // Test-only shared scratch (barriers) outside the WAL's own area.
    scratch_ = static_cast<std::atomic<int>*>(shmem::Alloc(64 * sizeof(std::atomic<int>)));
  }
  void TearDown() override {
    vfs::ClearFaults();
    std::filesystem::remove_all(dir_);
    shmem::DestroyRegion();
  }
  // Runs `body(i)` in n child processes and expects each to exit 0.
  template <typename F>
  void RunChildren(int n, F body) {
    std::vector<pid_t> pids;
    for (int i = 0; i < n; ++i) {
      pid_t pid = fork();
      if (pid == 0) {
        int rc = 0;
        try {
          body(i);
        } catch (...) {
          rc = 2;
        }
        _exit(rc);
      }
      pids.push_back(pid);
    }
    for (pid_t pid : pids) {
      int status = 0;
      waitpid(pid, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
    }
  }

  std::string dir_;
  Lsn ckpt_ = 0;
  std::atomic<int>* scratch_ = nullptr;
};

struct Payload {
  int proc;
  int seq;
};

TEST_F(WalConcurrencyTest, ManyProcessesInsertEveryRecordReadOnceInOrder) {
  Start();
  constexpr int kProcs = 4, kPerProc = 400;
  RunChildren(kProcs, [](int p) {
    for (int i = 0; i < kPerProc; ++i) {
      std::string data(sizeof(Payload) + (i * 37 + p * 11) % 3000, static_cast<char>('a' + p));
      Payload pl{p, i};
      std::memcpy(data.data(), &pl, sizeof pl);
      RecordBuilder b;
      b.AddData(data.data(), data.size());
      Lsn end = b.Insert(40, 0, static_cast<uint64_t>(p) * 1000000 + i);
      if (i % 25 == 0) Flush(end);
    }
  });
  Flush(InsertPosition());

  Reader r(dir_, ckpt_, kSysid);
  std::map<int, int> next_seq;
  int count = 0;
  Lsn prev_lsn = 0;
  while (const DecodedRecord* d = r.Next()) {
    if (d->rmgr == kRmgrXlog) {
      prev_lsn = d->lsn;
      continue;
    }
    ASSERT_GE(d->main_data.size(), sizeof(Payload));
    Payload pl;
    std::memcpy(&pl, d->main_data.data(), sizeof pl);
    EXPECT_EQ(pl.seq, next_seq[pl.proc]) << "process " << pl.proc;  // once each, in order
    next_seq[pl.proc] = pl.seq + 1;
    EXPECT_EQ(d->xid, static_cast<uint64_t>(pl.proc) * 1000000 + pl.seq);
    EXPECT_EQ(d->main_data.size(), sizeof(Payload) + (pl.seq * 37 + pl.proc * 11) % 3000);
    EXPECT_EQ(d->prev, prev_lsn);
    EXPECT_GT(d->lsn, prev_lsn);
    prev_lsn = d->lsn;
    ++count;
  }
  EXPECT_EQ(count, kProcs * kPerProc) << r.error();
  EXPECT_EQ(r.last_end(), InsertPosition());
  for (int p = 0; p < kProcs; ++p) EXPECT_EQ(next_seq[p], kPerProc);
}

TEST_F(WalConcurrencyTest, GroupCommitSyncsOncePerGroup) {
  Start();
  constexpr int kProcs = 6, kRounds = 30;
  std::atomic<int>* arrived = scratch_;
  Stats before = GetStats();
  RunChildren(kProcs, [arrived](int p) {
    for (int round = 0; round < kRounds; ++round) {
      RecordBuilder b;
      b.AddData(&p, sizeof p);
      Lsn end = b.Insert(40, 0, 0);
      // Everyone has inserted before anyone flushes: one sync covers the group.
      arrived->fetch_add(1);
      while (arrived->load() < (round + 1) * kProcs) usleep(50);
      Flush(end);
      if (FlushedPosition() < end) _exit(3);
      arrived[1].fetch_add(1);
      while (arrived[1].load() < (round + 1) * kProcs) usleep(50);
    }
  });
  Stats after = GetStats();
  uint64_t syncs = after.syncs - before.syncs;
  EXPECT_GE(syncs, static_cast<uint64_t>(kRounds));
  EXPECT_LE(syncs, static_cast<uint64_t>(kRounds) + 2);  // far fewer than kProcs * kRounds commits

  // With fsync off nothing is synced at all.
  guc::SetCommandLineOption("fsync", "off");
  RecordBuilder b;
  b.AddData("x", 1);
  Flush(b.Insert(40, 0, 0));
  EXPECT_EQ(GetStats().syncs, after.syncs);
}

TEST_F(WalConcurrencyTest, SyncOrWriteFailureIsPanic) {
  Start();
  RecordBuilder b;
  b.AddData("commit", 6);
  Lsn end = b.Insert(40, 0, 0);
  vfs::InjectFault({"pg_wal/000000010000000000000001", vfs::FaultOp::kFsync, vfs::FaultKind::kIoError, 0, 1});
  try {
    Flush(end);
    ADD_FAILURE() << "Flush succeeded despite the fdatasync failure";
  } catch (const PgError& e) {
    EXPECT_EQ(e.data().level, ErrLevel::kPanic);
    EXPECT_STREQ(e.what(), "could not fdatasync file \"000000010000000000000001\": Input/output error");
  }
  EXPECT_LT(FlushedPosition(), end);

  vfs::ClearFaults();
  RecordBuilder b2;
  b2.AddData("more", 4);
  Lsn end2 = b2.Insert(40, 0, 0);
  Lsn written_from = end;  // the first record was written before the sync failed
  vfs::InjectFault({"pg_wal/000000010000000000000001", vfs::FaultOp::kWrite, vfs::FaultKind::kNoSpace, 0, 1});
  try {
    Flush(end2);
    ADD_FAILURE() << "Flush succeeded despite the write failure";
  } catch (const PgError& e) {
    EXPECT_EQ(e.data().level, ErrLevel::kPanic);
    std::string expect = "could not write to log file 000000010000000000000001 at offset " +
                         std::to_string(written_from % kSegmentSize) + ", length ";
    EXPECT_EQ(std::string(e.what()).rfind(expect, 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find(": No space left on device"), std::string::npos) << e.what();
  }
}

TEST_F(WalConcurrencyTest, OldSegmentsAreRecycledOrRemoved) {
  guc::SetCommandLineOption("min_wal_size", "32MB");  // two segments kept ready
  guc::SetCommandLineOption("max_wal_size", "64MB");
  Start();
  std::string big(6 * 1024 * 1024, 'w');
  Lsn end = 0;
  for (int i = 0; i < 8; ++i) {  // about 48 MB: segments 1 to 4
    RecordBuilder b;
    b.AddData(big.data(), big.size());
    end = b.Insert(40, 0, i);
  }
  Flush(end);
  uint64_t cur = SegmentOf(end);
  ASSERT_EQ(cur, 3u + 1);
  Lsn redo = AdvanceRedoPointer();
  SegmentCounts c = RemoveOldSegments(redo);
  EXPECT_EQ(c.recycled, 2);  // became segments 5 and 6
  EXPECT_EQ(c.removed, 1);
  EXPECT_GE(c.added, 3);     // 2, 3 and 4 were created while writing
  for (uint64_t seg = 1; seg <= 3; ++seg) EXPECT_FALSE(std::filesystem::exists(SegmentPath(dir_, seg))) << seg;
  for (uint64_t seg = 4; seg <= 6; ++seg) EXPECT_TRUE(std::filesystem::exists(SegmentPath(dir_, seg))) << seg;
  EXPECT_FALSE(std::filesystem::exists(SegmentPath(dir_, 7)));

  // Writing on into recycled segments: their stale pages end the readable WAL.
  Lsn end2 = 0;
  for (int i = 0; i < 3; ++i) {
    RecordBuilder b;
    b.AddData(big.data(), big.size());
    end2 = b.Insert(40, 0, 100 + i);
  }
  Flush(end2);
  ASSERT_EQ(SegmentOf(end2), 5u);
  Reader r(dir_, redo, kSysid);
  int n = 0;
  while (const DecodedRecord* d = r.Next()) {
    EXPECT_EQ(d->xid, 100u + n);
    EXPECT_EQ(d->main_data.size(), big.size());
    ++n;
  }
  EXPECT_EQ(n, 3) << r.error();
  EXPECT_EQ(r.last_end(), end2);
  EXPECT_EQ(r.error(), "invalid record length at " + LsnToString(end2) + ": wanted 24, got 0");
}

}  // namespace
}  // namespace tusk::wal
