// Unit tests for DATADIR/postmaster.pid: creation, refusal while another
// live process owns it, stale-file replacement, status rewrites, read back.
#include "utils/lock_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "utils/error.h"

namespace {

namespace fs = std::filesystem;

class LockFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tusk_lockfile_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Slurp() {
    std::ifstream in(dir_ + "/postmaster.pid");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void WritePid(long pid) { std::ofstream(dir_ + "/postmaster.pid") << pid << "\n" << dir_ << "\n"; }
  std::string dir_;
};

// A child that just sleeps: a live PID that is neither ours nor our parent's.
pid_t SpawnSleeper() {
  pid_t pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  return pid;
}

TEST_F(LockFileTest, CreateWritesEightLines) {
  tusk::CreateDataDirLockFile(dir_, 5433, "/tmp", "localhost");
  std::string text = Slurp();
  std::string key(19, ' ');
  key[8] = '0';
  key[18] = '0';
  std::string expected_tail = "\n5433\n/tmp\nlocalhost\n" + key + "\nstarting\n";
  EXPECT_EQ(text.rfind(std::to_string(getpid()) + "\n" + dir_ + "\n", 0), 0u) << text;
  EXPECT_NE(text.find(expected_tail), std::string::npos) << text;
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/postmaster.pid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(LockFileTest, ReadBack) {
  tusk::CreateDataDirLockFile(dir_, 5433, "/tmp", "*");
  std::string err;
  auto c = tusk::ReadLockFile(dir_, &err);
  ASSERT_TRUE(c) << err;
  EXPECT_EQ(c->pid, getpid());
  EXPECT_EQ(c->datadir, dir_);
  EXPECT_NEAR(c->start_time, time(nullptr), 5);
  EXPECT_EQ(c->port, 5433);
  EXPECT_EQ(c->socket_dir, "/tmp");
  EXPECT_EQ(c->listen_address, "*");
  EXPECT_EQ(c->status, "starting");
}

TEST_F(LockFileTest, RefusesWhenOwnerAlive) {
  pid_t child = SpawnSleeper();
  WritePid(child);
  try {
    tusk::CreateDataDirLockFile(dir_, 5433, "/tmp", "*");
    ADD_FAILURE() << "expected a FATAL";
  } catch (const tusk::PgError& e) {
    EXPECT_EQ(e.data().level, tusk::ErrLevel::kFatal);
    EXPECT_STREQ(e.what(), "lock file \"postmaster.pid\" already exists");
    EXPECT_EQ(e.data().hint, "Is another postmaster (PID " + std::to_string(child) +
                                 ") running in data directory \"" + dir_ + "\"?");
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  // The file of the refused attempt must be left alone.
  EXPECT_EQ(Slurp(), std::to_string(child) + "\n" + dir_ + "\n");
}

TEST_F(LockFileTest, StaleFileReplaced) {
  pid_t child = SpawnSleeper();
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);  // reaped: the PID is now dead
  WritePid(child);
  tusk::CreateDataDirLockFile(dir_, 5433, "/tmp", "*");
  auto c = tusk::ReadLockFile(dir_, nullptr);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->pid, getpid());
}

TEST_F(LockFileTest, OwnPidCountsAsStale) {
  WritePid(getpid());
  EXPECT_NO_THROW(tusk::CreateDataDirLockFile(dir_, 5433, "/tmp", "*"));
}

TEST_F(LockFileTest, EmptyFileRefused) {
  std::ofstream(dir_ + "/postmaster.pid").close();
  EXPECT_THROW(tusk::CreateDataDirLockFile(dir_, 5433, "/tmp", "*"), tusk::PgError);
}

TEST_F(LockFileTest, StatusUpdatesPadded) {
  tusk::CreateDataDirLockFile(dir_, 5433, "/tmp", "*");
  size_t size_before = Slurp().size();
  tusk::SetLockFileStatus(dir_, "ready");
  std::string text = Slurp();
  EXPECT_EQ(text.size(), size_before);
  EXPECT_EQ(text.substr(text.size() - 9), "ready   \n");
  EXPECT_EQ(tusk::ReadLockFile(dir_, nullptr)->status, "ready");
  tusk::SetLockFileStatus(dir_, "stopping");
  EXPECT_EQ(tusk::ReadLockFile(dir_, nullptr)->status, "stopping");
  tusk::SetLockFileStatus(dir_, "standby");
  EXPECT_EQ(Slurp().substr(Slurp().size() - 9), "standby \n");
}

TEST_F(LockFileTest, ShmemKeyRewrite) {
  tusk::CreateDataDirLockFile(dir_, 5433, "/tmp", "*");
  tusk::SetLockFileShmemKey(dir_, " 10961902        19");
  tusk::SetLockFileStatus(dir_, "ready");
  auto c = tusk::ReadLockFile(dir_, nullptr);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->shmem_key, " 10961902        19");
  EXPECT_EQ(c->status, "ready");
  EXPECT_EQ(c->port, 5433);
}

TEST_F(LockFileTest, RemoveAndMissing) {
  tusk::CreateDataDirLockFile(dir_, 5433, "/tmp", "*");
  tusk::RemoveDataDirLockFile(dir_);
  std::string err;
  EXPECT_FALSE(tusk::ReadLockFile(dir_, &err));
  EXPECT_NE(err.find("No such file"), std::string::npos) << err;
  tusk::RemoveDataDirLockFile(dir_);  // idempotent
}

TEST_F(LockFileTest, GarbageIsUnparsable) {
  std::ofstream(dir_ + "/postmaster.pid") << "abc\n";
  std::string err;
  EXPECT_FALSE(tusk::ReadLockFile(dir_, &err));
  EXPECT_NE(err.find("invalid data"), std::string::npos) << err;
}

}  // namespace
