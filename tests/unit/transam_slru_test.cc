// SLRU and commit-log tests: persistence across a re-created shared region,
// status bits across page and segment boundaries, WAL-before-clog, and PANIC
// on an fsync failure.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "access/transam/clog.h"
#include "access/transam/slru.h"
#include <filesystem>

#include "access/transam/transam.h"
#include "storage/file/vfs.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "utils/error.h"

namespace tusk::transam {
namespace {

// Temporary directories of this test process, removed when it exits.
struct TempDirs {
  std::vector<std::string> dirs;
  ~TempDirs() {
    for (const auto& d : dirs) std::filesystem::remove_all(d);
  }
};
TempDirs g_temp_dirs;

std::string MakeTempDir() {
  char tmpl[] = "/tmp/tusk_transam_XXXXXX";
  char* d = mkdtemp(tmpl);
  EXPECT_NE(d, nullptr);
  if (d) g_temp_dirs.dirs.push_back(d);
  return d ? d : "";
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

void InitTransam(const std::string& dir) {
  proc_array::Sizing ps{8, 2, 2};
  Sizing ts;
  ts.data_directory = dir;
  ts.max_connections = 8;
  ts.autovacuum_max_workers = 2;
  ts.max_wal_senders = 2;
  shmem::CreateRegion(proc_array::ShmemSize(ps) + ShmemSize(ts) + 65536);
  proc_array::ShmemInit(ps);
  ShmemInit(ts);
}

std::vector<uint64_t> g_flushed_lsns;
void RecordFlush(uint64_t lsn) { g_flushed_lsns.push_back(lsn); }

TEST(TransamSlru, PagesSurviveRecreatedRegionAndEviction) {
  std::string dir = MakeTempDir() + "/log";
  constexpr int kBuffers = 4;
  shmem::CreateRegion(Slru::ShmemSize(kBuffers) + 4096);
  Slru slru = Slru::Create("Test", dir, kBuffers);
  // More pages than buffers, across a segment boundary: evictions write some.
  for (int64_t page : {0, 1, 31, 32, 33, 70}) {
    LWLockGuard g(slru.Lock(), LWLockMode::kExclusive);
    int b = slru.ZeroPageLocked(page);
    std::memset(slru.PageData(b), static_cast<int>(page + 1), kSlruPageSize);
    slru.MarkDirtyLocked(b, 0);
  }
  slru.Flush();
  EXPECT_TRUE(FileExists(dir + "/0000"));
  EXPECT_TRUE(FileExists(dir + "/0001"));
  EXPECT_TRUE(FileExists(dir + "/0002"));

  shmem::DestroyRegion();
  shmem::CreateRegion(Slru::ShmemSize(kBuffers) + 4096);
  slru = Slru::Create("Test", dir, kBuffers);
  for (int64_t page : {0, 1, 31, 32, 33, 70}) {
    LWLockGuard g(slru.Lock(), LWLockMode::kExclusive);
    int b = slru.ReadPageLocked(page);
    EXPECT_EQ(slru.PageData(b)[0], page + 1) << "page " << page;
    EXPECT_EQ(slru.PageData(b)[kSlruPageSize - 1], page + 1) << "page " << page;
  }
  {
    // A page never written reads as zeros.
    LWLockGuard g(slru.Lock(), LWLockMode::kExclusive);
    int b = slru.ReadPageLocked(5);
    EXPECT_EQ(slru.PageData(b)[100], 0);
  }
  slru.Truncate(64);  // segments 0 and 1 go, 2 stays
  EXPECT_FALSE(FileExists(dir + "/0000"));
  EXPECT_FALSE(FileExists(dir + "/0001"));
  EXPECT_TRUE(FileExists(dir + "/0002"));
  shmem::DestroyRegion();
}

TEST(TransamSlru, AsyncCommitLsnFlushesWalBeforeWrite) {
  std::string dir = MakeTempDir() + "/log";
  shmem::CreateRegion(Slru::ShmemSize(2) + 4096);
  Slru slru = Slru::Create("Test", dir, 2);
  SetWalFlushHook(&RecordFlush);
  g_flushed_lsns.clear();
  {
    LWLockGuard g(slru.Lock(), LWLockMode::kExclusive);
    int b = slru.ZeroPageLocked(0);
    slru.MarkDirtyLocked(b, 0x500);
    slru.MarkDirtyLocked(b, 0x300);  // older: the page keeps the newest
    slru.ZeroPageLocked(1);
    slru.ZeroPageLocked(2);  // evicts page 0, which must flush WAL first
  }
  ASSERT_EQ(g_flushed_lsns.size(), 1u);
  EXPECT_EQ(g_flushed_lsns[0], 0x500u);
  slru.Flush();  // pages 1 and 2 carry no LSN
  EXPECT_EQ(g_flushed_lsns.size(), 1u);
  SetWalFlushHook(nullptr);
  shmem::DestroyRegion();
}

TEST(TransamClog, StatusAcrossPagesAndSegmentsPersists) {
  std::string dir = MakeTempDir();
  InitTransam(dir);
  std::vector<uint64_t> xids;
  for (uint64_t base : {uint64_t{3}, kClogXidsPerPage - 5, 32 * kClogXidsPerPage - 5, (uint64_t{1} << 40) - 5})
    for (uint64_t x = base; x < base + 10; ++x) xids.push_back(x);
  auto expected = [](uint64_t x) {
    switch (x % 3) {
      case 0: return XidStatus::kCommitted;
      case 1: return XidStatus::kAborted;
      default: return XidStatus::kInProgress;
    }
  };
  for (uint64_t x : xids)
    if (expected(x) != XidStatus::kInProgress) clog::SetStatus(x, {}, expected(x));
  for (uint64_t x : xids) EXPECT_EQ(clog::GetStatus(x), expected(x)) << x;
  clog::Flush();
  EXPECT_TRUE(FileExists(dir + "/pg_xact/0000"));
  EXPECT_TRUE(FileExists(dir + "/pg_xact/0001"));
  EXPECT_TRUE(FileExists(dir + "/pg_xact/100000"));  // page 2^25, segment 2^20

  shmem::DestroyRegion();
  InitTransam(dir);
  for (uint64_t x : xids) EXPECT_EQ(clog::GetStatus(x), expected(x)) << "after restart " << x;
  EXPECT_FALSE(DidCommit(kInvalidXid));
  EXPECT_TRUE(DidCommit(kFrozenXid));
  EXPECT_TRUE(DidCommit(kBootstrapXid));
  shmem::DestroyRegion();
}

TEST(TransamClog, SubCommittedFollowsParent) {
  std::string dir = MakeTempDir();
  InitTransam(dir);
  uint64_t top = AssignXid(false);
  uint64_t sub = AssignXid(true, top);
  uint64_t sub2 = AssignXid(true, sub);
  // The first phase of a commit alone: subs are not committed yet.
  clog::SetStatus(sub, {}, XidStatus::kSubCommitted);
  EXPECT_FALSE(DidCommit(sub));
  EXPECT_FALSE(DidAbort(sub));
  clog::SetStatus(top, {sub, sub2}, XidStatus::kCommitted);
  EXPECT_EQ(clog::GetStatus(top), XidStatus::kCommitted);
  EXPECT_EQ(clog::GetStatus(sub), XidStatus::kCommitted);
  EXPECT_EQ(clog::GetStatus(sub2), XidStatus::kCommitted);
  uint64_t top2 = AssignXid(false);
  uint64_t sub3 = AssignXid(true, top2);
  clog::SetStatus(top2, {sub3}, XidStatus::kAborted);
  EXPECT_TRUE(DidAbort(sub3));
  EXPECT_FALSE(DidCommit(top2));
  shmem::DestroyRegion();
}

TEST(TransamClog, FsyncFailureIsPanic) {
  std::string dir = MakeTempDir();
  InitTransam(dir);
  clog::SetStatus(5, {}, XidStatus::kCommitted);
  vfs::InjectFault({"pg_xact", vfs::FaultOp::kFsync, vfs::FaultKind::kIoError, 0, 1});
  bool panicked = false;
  try {
    clog::Flush();
  } catch (const PgError& e) {
    panicked = e.data().level == ErrLevel::kPanic;
  }
  vfs::ClearFaults();
  EXPECT_TRUE(panicked);
  shmem::DestroyRegion();
}

TEST(TransamOid, StartsAt16384AndWraps) {
  std::string dir = MakeTempDir();
  InitTransam(dir);
  EXPECT_EQ(GetNewOid(), 16384u);
  EXPECT_EQ(GetNewOid(), 16385u);
  SetNextOid(0xFFFFFFFFu);
  EXPECT_EQ(GetNewOid(), 0xFFFFFFFFu);
  EXPECT_EQ(GetNewOid(), 16384u);
  shmem::DestroyRegion();
}

}  // namespace
}  // namespace tusk::transam
