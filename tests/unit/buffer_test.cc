// The buffer pool across real forked processes sharing one mapping:
// concurrent updates under content locks, eviction under a tiny pool, flush
// and re-read from a fresh pool, the WAL hook, and I/O errors.
#include "storage/buffer/buffer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "storage/file/sync_queue.h"
#include "storage/file/vfs.h"
#include "storage/ipc/shmem.h"
#include "storage/page/page.h"
#include "utils/error.h"

namespace tusk::buffer {
namespace {

using smgr::Fork;
using smgr::RelFileLocator;

class BufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tusk-buf-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    mkdir((root_ + "/base").c_str(), 0700);
    mkdir((root_ + "/base/5").c_str(), 0700);
    smgr::SetDataDirForTesting(root_);
    MakePool();
    smgr::Create(rel_, Fork::kMain, false);
  }
  void TearDown() override {
    ReleaseAllPins();
    ReleaseAllLWLocks();
    SetWalFlushHook(nullptr);
    vfs::ClearFaults();
    smgr::SetDataDirForTesting("");
    std::string cmd = "rm -rf " + root_;
    ASSERT_EQ(system(cmd.c_str()), 0);
  }
  // A fresh region: as after a restart, nothing cached survives.
  void MakePool() {
    guc::Vars vars;
    vars.shared_buffers = 16;
    vars.bgwriter_lru_maxpages = 100;
    shmem::CreateRegion(sync::ShmemSize(vars) + ShmemSize(vars) + 65536);
    sync::ShmemInit(vars);
    ShmemInit(vars);
  }
  // Adds n pages, each holding one 8-byte counter item (value 0).
  void AddCounterPages(int n) {
    for (int i = 0; i < n; ++i) {
      Buffer b = ReadBuffer(rel_, Fork::kMain, kNewBlock);
      LockBuffer(b, LWLockMode::kExclusive);
      page::InitPage(BufferPage(b), 0);
      uint64_t zero = 0;
      ASSERT_EQ(page::AddItem(BufferPage(b), reinterpret_cast<char*>(&zero), 8, page::kInvalidOffset, 0), 1);
      MarkBufferDirty(b);
      UnlockBuffer(b);
      ReleaseBuffer(b);
    }
  }
  uint64_t Counter(uint32_t block) {
    Buffer b = ReadBuffer(rel_, Fork::kMain, block);
    LockBuffer(b, LWLockMode::kShared);
    uint64_t v;
    std::memcpy(&v, page::GetItem(BufferPage(b), 1), 8);
    UnlockBuffer(b);
    ReleaseBuffer(b);
    return v;
  }
  std::string root_;
  RelFileLocator rel_{smgr::kDefaultTablespace, 5, 16384};
};

// Runs fn in n children; returns how many exited cleanly.
template <typename Fn>
int RunChildren(int n, Fn fn) {
  std::vector<pid_t> pids;
  for (int c = 0; c < n; ++c) {
    pid_t pid = fork();
    if (pid == 0) {
      int rc = 0;
      try {
        fn(c);
      } catch (const std::exception& e) {
        fprintf(stderr, "child %d: %s\n", c, e.what());
        rc = 1;
      }
      _exit(rc);
    }
    pids.push_back(pid);
  }
  int ok = 0;
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  return ok;
}

TEST_F(BufferTest, ConcurrentUpdatesWithEviction) {
  // More pages than buffers, so children also evict each other's pages.
  constexpr int kPages = 24, kChildren = 4, kIters = 600;
  AddCounterPages(kPages);
  ASSERT_EQ(NumPinnedByMe(), 0);
  int ok = RunChildren(kChildren, [&](int c) {
    for (int i = 0; i < kIters; ++i) {
      uint32_t block = static_cast<uint32_t>((i * 7 + c) % kPages);
      Buffer b = ReadBuffer(rel_, Fork::kMain, block);
      if (TagOf(b).block != block) throw std::runtime_error("wrong tag");
      if (i % 5 == 0) {
        Buffer again = ReadBuffer(rel_, Fork::kMain, block);  // a second pin, same buffer
        if (again != b) throw std::runtime_error("second pin got another buffer");
        ReleaseBuffer(again);
      }
      LockBuffer(b, LWLockMode::kExclusive);
      char* item = page::GetItem(BufferPage(b), 1);
      uint64_t v;
      std::memcpy(&v, item, 8);
      ++v;
      std::memcpy(item, &v, 8);
      MarkBufferDirty(b);
      UnlockBuffer(b);
      ReleaseBuffer(b);
    }
    if (NumPinnedByMe() != 0) throw std::runtime_error("pins leaked");
  });
  ASSERT_EQ(ok, kChildren);
  uint64_t sum = 0;
  for (uint32_t b = 0; b < kPages; ++b) sum += Counter(b);
  EXPECT_EQ(sum, static_cast<uint64_t>(kChildren) * kIters);
  EXPECT_EQ(RelationNumBlocks(rel_, Fork::kMain), static_cast<uint32_t>(kPages));
}

TEST_F(BufferTest, ConcurrentExtensionGivesDistinctBlocks) {
  int ok = RunChildren(4, [&](int) {
    for (int i = 0; i < 10; ++i) {
      Buffer b = ReadBuffer(rel_, Fork::kMain, kNewBlock);
      LockBuffer(b, LWLockMode::kExclusive);
      if (!page::PageIsNew(BufferPage(b))) throw std::runtime_error("new page not empty");
      page::InitPage(BufferPage(b), 0);
      uint64_t one = 1;
      page::AddItem(BufferPage(b), reinterpret_cast<char*>(&one), 8, page::kInvalidOffset, 0);
      MarkBufferDirty(b);
      UnlockBuffer(b);
      ReleaseBuffer(b);
    }
  });
  ASSERT_EQ(ok, 4);
  ASSERT_EQ(RelationNumBlocks(rel_, Fork::kMain), 40u);
  for (uint32_t b = 0; b < 40; ++b) EXPECT_EQ(Counter(b), 1u) << b;
}

TEST_F(BufferTest, EvictionWritesAndRereads) {
  AddCounterPages(50);
  for (uint32_t b = 0; b < 50; ++b) {
    Buffer buf = ReadBuffer(rel_, Fork::kMain, b);
    LockBuffer(buf, LWLockMode::kExclusive);
    uint64_t v = 1000 + b;
    std::memcpy(page::GetItem(BufferPage(buf), 1), &v, 8);
    MarkBufferDirty(buf);
    UnlockBuffer(buf);
    ReleaseBuffer(buf);
  }
  for (uint32_t b = 0; b < 50; ++b) EXPECT_EQ(Counter(b), 1000u + b);
  // Early blocks were evicted: their data came back from disk.
  char raw[smgr::kBlockSize];
  smgr::Read(rel_, Fork::kMain, 0, raw);
  uint64_t v;
  std::memcpy(&v, page::GetItem(raw, 1), 8);
  EXPECT_EQ(v, 1000u);
}

TEST_F(BufferTest, AllPinnedIsAnError) {
  AddCounterPages(17);
  std::vector<Buffer> pinned;
  for (uint32_t b = 0; b < 16; ++b) pinned.push_back(ReadBuffer(rel_, Fork::kMain, b));
  try {
    ReadBuffer(rel_, Fork::kMain, 16);
    FAIL();
  } catch (const PgError& e) {
    EXPECT_STREQ(e.what(), "no unpinned buffers available");
  }
  LockBuffer(pinned[3], LWLockMode::kShared);
  ReleaseAllPins();  // the error path: pins and content locks go
  EXPECT_EQ(NumPinnedByMe(), 0);
  EXPECT_EQ(Counter(16), 0u);
  EXPECT_TRUE(ConditionalLockBuffer(ReadBuffer(rel_, Fork::kMain, 3)));
}

TEST_F(BufferTest, CheckpointFlushSurvivesNewPool) {
  AddCounterPages(10);
  int calls = 0, last_total = 0;
  int written = FlushAllDirtyBuffers([&](int done, int total) {
    ++calls;
    last_total = total;
    EXPECT_LE(done, total);
  });
  EXPECT_EQ(written, 10);
  EXPECT_EQ(calls, 10);
  EXPECT_EQ(last_total, 10);
  EXPECT_EQ(FlushAllDirtyBuffers(), 0);  // nothing dirty now
  EXPECT_EQ(sync::SyncAll(), 1);
  Buffer b = ReadBuffer(rel_, Fork::kMain, 4);
  LockBuffer(b, LWLockMode::kExclusive);
  uint64_t v = 77;
  std::memcpy(page::GetItem(BufferPage(b), 1), &v, 8);
  MarkBufferDirty(b);
  UnlockBuffer(b);
  ReleaseBuffer(b);
  FlushRelationBuffers(rel_);
  MakePool();
  EXPECT_EQ(Counter(4), 77u);
  EXPECT_EQ(Counter(9), 0u);
}

std::vector<uint64_t> g_hook_lsns;
std::vector<uint64_t> g_disk_lsn_at_hook;
RelFileLocator g_hook_rel{smgr::kDefaultTablespace, 5, 16384};

void RecordingHook(uint64_t lsn) {
  g_hook_lsns.push_back(lsn);
  char raw[smgr::kBlockSize];
  smgr::Read(g_hook_rel, Fork::kMain, 0, raw);
  g_disk_lsn_at_hook.push_back(page::GetLsn(raw));
}

TEST_F(BufferTest, WalHookBeforeWrite) {
  AddCounterPages(1);
  ASSERT_EQ(FlushAllDirtyBuffers(), 1);
  SetWalFlushHook(&RecordingHook);
  Buffer b = ReadBuffer(rel_, Fork::kMain, 0);
  LockBuffer(b, LWLockMode::kExclusive);
  page::SetLsn(BufferPage(b), 0x1ABCDEF00ull);
  MarkBufferDirty(b);
  UnlockBuffer(b);
  ReleaseBuffer(b);
  EXPECT_EQ(BgWriterStep(), 0);  // recently used: not a bgwriter candidate
  EXPECT_EQ(FlushAllDirtyBuffers(), 1);
  ASSERT_EQ(g_hook_lsns.size(), 1u);
  EXPECT_EQ(g_hook_lsns[0], 0x1ABCDEF00ull);
  EXPECT_EQ(g_disk_lsn_at_hook[0], 0u);  // the page was not on disk yet
  char raw[smgr::kBlockSize];
  smgr::Read(rel_, Fork::kMain, 0, raw);
  EXPECT_EQ(page::GetLsn(raw), 0x1ABCDEF00ull);
}

TEST_F(BufferTest, BgWriterCleansAheadOfTheClock) {
  AddCounterPages(16);
  // The 17th page makes the sweep pass every buffer once, leaving the other
  // 15 dirty pages unused: exactly what the next eviction would have to write.
  AddCounterPages(1);
  EXPECT_EQ(BgWriterStep(), 15);
  EXPECT_EQ(BgWriterStep(), 0);
  EXPECT_EQ(FlushAllDirtyBuffers(), 1);
}

TEST_F(BufferTest, WriteErrorLeavesBufferDirtyAndReusable) {
  AddCounterPages(2);
  vfs::InjectFault({"base/5/16384", vfs::FaultOp::kWrite, vfs::FaultKind::kIoError, 0, 1});
  try {
    FlushAllDirtyBuffers();
    FAIL();
  } catch (const PgError& e) {
    EXPECT_STREQ(e.what(), "could not write block 0 in file \"base/5/16384\": Input/output error");
  }
  EXPECT_EQ(NumPinnedByMe(), 0);
  EXPECT_EQ(FlushAllDirtyBuffers(), 2);  // both still dirty; the retry works

  // A failed read: the error surfaces and the buffer can be read later.
  MakePool();
  smgr::CloseAll();
  vfs::InjectFault({"base/5/16384", vfs::FaultOp::kOpen, vfs::FaultKind::kIoError, 0, 1});
  EXPECT_THROW(ReadBuffer(rel_, Fork::kMain, 1), PgError);
  EXPECT_EQ(NumPinnedByMe(), 0);
  EXPECT_EQ(Counter(1), 0u);
}

TEST_F(BufferTest, CorruptPageIsRejected) {
  AddCounterPages(3);
  ASSERT_EQ(FlushAllDirtyBuffers(), 3);
  char junk[smgr::kBlockSize];
  std::memset(junk, 0x5A, sizeof junk);
  smgr::Write(rel_, Fork::kMain, 2, junk);
  MakePool();
  try {
    ReadBuffer(rel_, Fork::kMain, 2);
    FAIL();
  } catch (const PgError& e) {
    EXPECT_STREQ(e.what(), "invalid page in block 2 of relation base/5/16384");
    EXPECT_EQ(e.data().sqlstate, "XX001");
  }
  EXPECT_EQ(NumPinnedByMe(), 0);
  try {
    ReadBuffer(rel_, Fork::kMain, 3);
    FAIL();
  } catch (const PgError& e) {
    EXPECT_STREQ(e.what(), "could not read block 3 in file \"base/5/16384\": read only 0 of 8192 bytes");
  }
  EXPECT_EQ(Counter(1), 0u);
}

// Redo of a full-page image must not trip over the torn page it replaces.
TEST_F(BufferTest, ReadForOverwriteSkipsTheRead) {
  AddCounterPages(3);
  ASSERT_EQ(FlushAllDirtyBuffers(), 3);
  char junk[smgr::kBlockSize];
  std::memset(junk, 0x5A, sizeof junk);
  smgr::Write(rel_, Fork::kMain, 2, junk);
  MakePool();
  Buffer b = ReadBufferForOverwrite(rel_, Fork::kMain, 2);
  EXPECT_TRUE(page::PageIsNew(BufferPage(b)));  // zeros, not the junk
  ReleaseBuffer(b);
  // A cached page is handed over as it is.
  EXPECT_EQ(Counter(1), 0u);
  b = ReadBufferForOverwrite(rel_, Fork::kMain, 1);
  EXPECT_FALSE(page::PageIsNew(BufferPage(b)));
  ReleaseBuffer(b);
}

// Redo mode keeps recently read buffers pinned and relation sizes cached;
// drops and the end of redo give both up.
TEST_F(BufferTest, RedoModeRecentPinsAndSizes) {
  AddCounterPages(4);
  BeginRedoSizes();
  EXPECT_EQ(RelationNumBlocks(rel_, Fork::kMain), 4u);
  Buffer a = ReadBuffer(rel_, Fork::kMain, 1);
  ReleaseBuffer(a);
  EXPECT_EQ(NumPinnedByMe(), 1);  // the recent slot's pin
  Buffer again = ReadBuffer(rel_, Fork::kMain, 1);
  EXPECT_EQ(again, a);
  ReleaseBuffer(again);
  for (uint32_t blk = 0; blk < 4; ++blk) ReleaseBuffer(ReadBuffer(rel_, Fork::kMain, blk));
  ReleaseBuffer(ReadBuffer(rel_, Fork::kMain, kNewBlock));
  EXPECT_EQ(RelationNumBlocks(rel_, Fork::kMain), 5u);  // extension updates the size
  // Truncation: the recent pins must go, or DropRelationBuffers would throw.
  DropRelationBuffers(rel_, Fork::kMain, 2);
  EXPECT_EQ(NumPinnedByMe(), 0);
  smgr::Truncate(rel_, Fork::kMain, 2);
  EXPECT_EQ(RelationNumBlocks(rel_, Fork::kMain), 2u);
  ReleaseBuffer(ReadBuffer(rel_, Fork::kMain, 0));
  EndRedoSizes();
  EXPECT_EQ(NumPinnedByMe(), 0);
  EXPECT_EQ(Counter(0), 0u);
}

TEST_F(BufferTest, DropRelationBuffersDiscardsWithoutWriting) {
  AddCounterPages(4);
  ASSERT_EQ(FlushAllDirtyBuffers(), 4);
  Buffer b = ReadBuffer(rel_, Fork::kMain, 3);
  LockBuffer(b, LWLockMode::kExclusive);
  uint64_t v = 9;
  std::memcpy(page::GetItem(BufferPage(b), 1), &v, 8);
  MarkBufferDirty(b);
  UnlockBuffer(b);
  ReleaseBuffer(b);
  DropRelationBuffers(rel_, Fork::kMain, 2);
  EXPECT_EQ(FlushAllDirtyBuffers(), 0);
  EXPECT_EQ(Counter(3), 0u);  // the change was discarded
}

TEST_F(BufferTest, CleanupLockWaitsForOtherPins) {
  AddCounterPages(1);
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t pid = fork();
  if (pid == 0) {
    Buffer b = ReadBuffer(rel_, Fork::kMain, 0);
    char c = 'x';
    if (write(pipefd[1], &c, 1) != 1) _exit(2);
    usleep(300 * 1000);
    ReleaseBuffer(b);
    _exit(0);
  }
  char c;
  ASSERT_EQ(read(pipefd[0], &c, 1), 1);
  Buffer b = ReadBuffer(rel_, Fork::kMain, 0);
  auto start = std::chrono::steady_clock::now();
  LockBufferForCleanup(b);
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(200));
  UnlockBuffer(b);
  ReleaseBuffer(b);
  int status;
  waitpid(pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  close(pipefd[0]);
  close(pipefd[1]);
}

}  // namespace
}  // namespace tusk::buffer
