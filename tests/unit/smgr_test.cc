// Relation files: segments, reads past the end, write errors, truncation,
// unlink, and the sync request queue.
#include "storage/file/smgr.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "storage/file/sync_queue.h"
#include "storage/file/vfs.h"
#include "storage/ipc/shmem.h"
#include "utils/error.h"

namespace tusk::smgr {
namespace {

class SmgrTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tusk-smgr-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    mkdir((root_ + "/base").c_str(), 0700);
    mkdir((root_ + "/base/5").c_str(), 0700);
    mkdir((root_ + "/global").c_str(), 0700);
    SetDataDirForTesting(root_);
    guc::Vars vars;
    vars.shared_buffers = 16;
    shmem::CreateRegion(sync::ShmemSize(vars) + 4096);
    sync::ShmemInit(vars);
  }
  void TearDown() override {
    vfs::ClearFaults();
    SetSegmentBlocksForTesting(0);
    SetDataDirForTesting("");
    std::string cmd = "rm -rf " + root_;
    ASSERT_EQ(system(cmd.c_str()), 0);
  }
  std::string root_;
};

void Fill(char* buf, char c) { std::memset(buf, c, kBlockSize); }

TEST_F(SmgrTest, PathsAndSegments) {
  RelFileLocator loc{kDefaultTablespace, 5, 16384};
  EXPECT_EQ(RelPath(loc, Fork::kFsm), "base/5/16384_fsm");
  EXPECT_EQ(RelPath({kGlobalTablespace, 0, 1262}, Fork::kMain), "global/1262");
  EXPECT_EQ(SegmentPath(loc, Fork::kVm, 2), "base/5/16384_vm.2");

  SetSegmentBlocksForTesting(4);
  EXPECT_FALSE(Exists(loc, Fork::kMain));
  Create(loc, Fork::kMain, false);
  EXPECT_TRUE(Exists(loc, Fork::kMain));
  EXPECT_THROW(Create(loc, Fork::kMain, false), PgError);
  Create(loc, Fork::kMain, true);  // redo tolerates an existing file
  char buf[kBlockSize], out[kBlockSize];
  for (uint32_t b = 0; b < 10; ++b) {
    Fill(buf, static_cast<char>('a' + b));
    Extend(loc, Fork::kMain, b, buf);
  }
  EXPECT_EQ(NBlocks(loc, Fork::kMain), 10u);
  struct stat st;
  EXPECT_EQ(stat((root_ + "/base/5/16384.2").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 2 * kBlockSize);
  Read(loc, Fork::kMain, 9, out);
  EXPECT_EQ(out[0], 'j');
  Fill(buf, 'Z');
  Write(loc, Fork::kMain, 5, buf);
  Read(loc, Fork::kMain, 5, out);
  EXPECT_EQ(out[100], 'Z');

  try {
    Read(loc, Fork::kMain, 10, out);
    FAIL();
  } catch (const PgError& e) {
    EXPECT_STREQ(e.what(), "could not read block 10 in file \"base/5/16384.2\": read only 0 of 8192 bytes");
  }
  try {
    Read(loc, Fork::kMain, 40, out);  // a segment that does not exist
    FAIL();
  } catch (const PgError& e) {
    EXPECT_STREQ(e.what(), "could not read block 40 in file \"base/5/16384.10\": read only 0 of 8192 bytes");
  }

  Truncate(loc, Fork::kMain, 5);
  EXPECT_EQ(NBlocks(loc, Fork::kMain), 5u);
  EXPECT_THROW(Read(loc, Fork::kMain, 6, out), PgError);
  Read(loc, Fork::kMain, 4, out);
  EXPECT_EQ(out[0], 'e');

  Create(loc, Fork::kFsm, false);
  Extend(loc, Fork::kFsm, 0, buf);
  Unlink(loc);
  EXPECT_FALSE(Exists(loc, Fork::kMain));
  EXPECT_FALSE(Exists(loc, Fork::kFsm));
  EXPECT_NE(stat((root_ + "/base/5/16384.1").c_str(), &st), 0);
  EXPECT_EQ(NBlocks(loc, Fork::kMain), 0u);
}

TEST_F(SmgrTest, WriteErrors) {
  RelFileLocator loc{kDefaultTablespace, 5, 700};
  Create(loc, Fork::kMain, false);
  char buf[kBlockSize];
  Fill(buf, 'x');
  Extend(loc, Fork::kMain, 0, buf);
  vfs::InjectFault({"base/5/700", vfs::FaultOp::kWrite, vfs::FaultKind::kNoSpace, 0, 1});
  try {
    Write(loc, Fork::kMain, 0, buf);
    FAIL();
  } catch (const PgError& e) {
    EXPECT_STREQ(e.what(), "could not write block 0 in file \"base/5/700\": No space left on device");
    EXPECT_EQ(e.data().hint, "Check free disk space.");
    EXPECT_EQ(e.data().sqlstate, "53100");
  }
  vfs::InjectFault({"base/5/700", vfs::FaultOp::kWrite, vfs::FaultKind::kShortWrite, 0, 1});
  try {
    Write(loc, Fork::kMain, 0, buf);
    FAIL();
  } catch (const PgError& e) {
    EXPECT_STREQ(e.what(), "could not write block 0 in file \"base/5/700\": wrote only 4096 of 8192 bytes");
  }
  Write(loc, Fork::kMain, 0, buf);  // works again
}

TEST_F(SmgrTest, SyncQueueDeduplicatesAndSyncs) {
  RelFileLocator a{kDefaultTablespace, 5, 9}, b{kDefaultTablespace, 5, 2};
  char buf[kBlockSize];
  Fill(buf, 'q');
  Create(a, Fork::kMain, false);
  Create(b, Fork::kMain, false);
  EXPECT_EQ(sync::SyncAll(), 0);
  for (uint32_t i = 0; i < 5; ++i) Extend(a, Fork::kMain, i, buf);
  Extend(b, Fork::kMain, 0, buf);
  EXPECT_EQ(sync::PendingCount(), 2);
  EXPECT_EQ(sync::SyncAll(), 2);
  EXPECT_EQ(sync::PendingCount(), 0);

  Write(a, Fork::kMain, 1, buf);
  Write(b, Fork::kMain, 0, buf);
  sync::ForgetRelation(b);
  EXPECT_EQ(sync::PendingCount(), 1);

  // A full table makes the writer fsync by itself (64 is the minimum size).
  for (uint32_t r = 100; r < 170; ++r) {
    RelFileLocator loc{kDefaultTablespace, 5, r};
    Create(loc, Fork::kMain, false);
    Extend(loc, Fork::kMain, 0, buf);
  }
  EXPECT_EQ(sync::PendingCount(), 64);

  Write(a, Fork::kMain, 1, buf);
  vfs::InjectFault({"base/5/9", vfs::FaultOp::kFsync, vfs::FaultKind::kIoError, 0, 1});
  try {
    sync::SyncAll();
    FAIL();
  } catch (const PgError& e) {
    EXPECT_EQ(e.data().level, ErrLevel::kPanic);
    EXPECT_STREQ(e.what(), "could not fsync file \"base/5/9\": Input/output error");
  }
}

}  // namespace
}  // namespace tusk::smgr
