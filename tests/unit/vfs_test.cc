// The file-access seam's fault injection.
#include "storage/file/vfs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>

namespace tusk::vfs {
namespace {

TEST(Vfs, InjectedFaults) {
  char dir[] = "/tmp/tusk-vfs-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/datafile";
  int fd = Open(path, O_RDWR | O_CREAT);
  ASSERT_GE(fd, 0);
  char buf[100] = {};
  InjectFault({"datafile", FaultOp::kWrite, FaultKind::kShortWrite, 0, 1});
  EXPECT_EQ(PWrite(fd, buf, sizeof buf, 0), 50);
  EXPECT_EQ(PWrite(fd, buf, sizeof buf, 0), 100);  // only once
  InjectFault({"datafile", FaultOp::kWrite, FaultKind::kNoSpace, 1, 1});
  EXPECT_TRUE(PWriteAll(fd, buf, sizeof buf, 0));  // the first matching call passes
  EXPECT_FALSE(PWriteAll(fd, buf, sizeof buf, 0));
  EXPECT_EQ(errno, ENOSPC);
  InjectFault({"datafile", FaultOp::kFsync, FaultKind::kIoError, 0, -1});
  EXPECT_EQ(Fsync(fd), -1);
  EXPECT_EQ(errno, EIO);
  EXPECT_EQ(Fsync(fd), -1);
  ClearFaults();
  EXPECT_EQ(Fsync(fd), 0);
  InjectFault({"other", FaultOp::kFsync, FaultKind::kIoError, 0, -1});
  EXPECT_EQ(Fsync(fd), 0);  // path does not match
  ClearFaults();
  Close(fd);
  Unlink(path);
  rmdir(dir);
}

}  // namespace
}  // namespace tusk::vfs
