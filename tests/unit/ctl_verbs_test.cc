// Unit tests for the control verbs run in-process against data directories
// whose lock file names a forked child, and against a stand-in server script
// for start/stop/restart: signals, waits, messages and exit codes.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ctl/ctl.h"
#include "ctl/ctl_internal.h"

namespace {

namespace fs = std::filesystem;
using testing::internal::CaptureStderr;
using testing::internal::CaptureStdout;
using testing::internal::GetCapturedStderr;
using testing::internal::GetCapturedStdout;

struct CtlRun {
  int code;
  std::string out, err;
};

CtlRun Ctl(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  CaptureStdout();
  CaptureStderr();
  int code = tusk::ctl::CtlMain(static_cast<int>(argv.size()), argv.data());
  return {code, GetCapturedStdout(), GetCapturedStderr()};
}

// Records the first signal it receives in its exit status, so the test can
// see exactly which signal the verb sent.
pid_t SpawnSignalRecorder() {
  pid_t pid = fork();
  if (pid == 0) {
    sigset_t all;
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigprocmask(SIG_BLOCK, &all, nullptr);
    int sig = 0;
    sigwait(&all, &sig);
    _exit(sig);
  }
  usleep(50000);  // let it block its signals before anything is sent
  return pid;
}

int ExitCodeOf(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class CtlVerbsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tusk_ctl_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ + "/PG_VERSION") << "15\n";
  }
  void TearDown() override {
    tusk::ctl::SetServerProgramForTesting("");
    fs::remove_all(dir_);
  }
  void WriteLock(long pid) {
    std::ofstream(dir_ + "/postmaster.pid") << pid << "\n" << dir_ << "\n" << time(nullptr) << "\n5432\n/tmp\n*\n"
                                             << "        0         0\nready   \n";
  }
  std::string dir_;
};

TEST_F(CtlVerbsTest, StatusNoServer) {
  CtlRun r = Ctl({"status", "-D", dir_});
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(r.out, "tusk: no server running\n");
}

TEST_F(CtlVerbsTest, StatusMissingDirectoryIs4) {
  CtlRun r = Ctl({"status", "-D", dir_ + "/nope"});
  EXPECT_EQ(r.code, 4);
  EXPECT_EQ(r.err, "tusk: directory \"" + dir_ + "/nope\" does not exist\n");
  fs::remove(dir_ + "/PG_VERSION");
  r = Ctl({"status", "-D", dir_});
  EXPECT_EQ(r.code, 4);
  EXPECT_EQ(r.err, "tusk: directory \"" + dir_ + "\" is not a database cluster directory\n");
  r = Ctl({"stop", "-D", dir_});
  EXPECT_EQ(r.code, 1);
}

TEST_F(CtlVerbsTest, StatusRunningPrintsOptions) {
  pid_t child = SpawnSignalRecorder();
  WriteLock(child);
  std::ofstream(dir_ + "/postmaster.opts") << "/usr/bin/tusk \"server\" \"-D\" \"" << dir_ << "\"\n";
  CtlRun r = Ctl({"status", "-D", dir_});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "tusk: server is running (PID: " + std::to_string(child) + ")\n/usr/bin/tusk \"server\" \"-D\" \"" +
                       dir_ + "\"\n");
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
}

TEST_F(CtlVerbsTest, StaleLockFile) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  WriteLock(child);
  EXPECT_EQ(Ctl({"status", "-D", dir_}).code, 3);
  CtlRun r = Ctl({"stop", "-D", dir_});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "tusk: could not send stop signal (PID: " + std::to_string(child) + "): No such process\n");
  r = Ctl({"reload", "-D", dir_});
  EXPECT_EQ(r.err, "tusk: could not send reload signal (PID: " + std::to_string(child) + "): No such process\n");
}

TEST_F(CtlVerbsTest, BadLockFiles) {
  std::ofstream(dir_ + "/postmaster.pid").close();
  CtlRun r = Ctl({"stop", "-D", dir_});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "tusk: the PID file \"" + dir_ + "/postmaster.pid\" is empty\n");
  std::ofstream(dir_ + "/postmaster.pid") << "abc\n";
  r = Ctl({"status", "-D", dir_});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "tusk: invalid data in PID file \"" + dir_ + "/postmaster.pid\"\n");
}

TEST_F(CtlVerbsTest, StopWithoutLockFile) {
  CtlRun r = Ctl({"stop", "-D", dir_});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "tusk: PID file \"" + dir_ + "/postmaster.pid\" does not exist\nIs server running?\n");
}

TEST_F(CtlVerbsTest, StopSendsModeSignal) {
  const std::pair<const char*, int> cases[] = {{"smart", SIGTERM}, {"f", SIGINT}, {"immediate", SIGQUIT}};
  for (const auto& [mode, sig] : cases) {
    pid_t child = SpawnSignalRecorder();
    WriteLock(child);
    CtlRun r = Ctl({"stop", "-D", dir_, "-m", mode, "-W"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "server shutting down\n");
    EXPECT_EQ(ExitCodeOf(child), sig) << mode;
  }
}

TEST_F(CtlVerbsTest, StopWaitTimesOut) {
  pid_t child = SpawnSignalRecorder();
  WriteLock(child);
  // The recorder exits but stays a zombie until reaped, so the PID looks
  // alive and the lock file stays: the wait must give up after -t.
  CtlRun r = Ctl({"stop", "-D", dir_, "-t", "1", "-m", "smart"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "waiting for server to shut down.... failed\n");
  EXPECT_EQ(r.err.rfind("tusk: server does not shut down\nHINT: The \"-m fast\" option", 0), 0u) << r.err;
  EXPECT_EQ(ExitCodeOf(child), SIGTERM);
}

TEST_F(CtlVerbsTest, ReloadAndKill) {
  pid_t child = SpawnSignalRecorder();
  WriteLock(child);
  CtlRun r = Ctl({"reload", "-D", dir_});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "server signaled\n");
  EXPECT_EQ(ExitCodeOf(child), SIGHUP);

  child = SpawnSignalRecorder();
  r = Ctl({"kill", "USR1", std::to_string(child)});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ExitCodeOf(child), SIGUSR1);
  r = Ctl({"kill", "TERM", std::to_string(child)});  // reaped: gone
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "tusk: could not send signal 15 (PID: " + std::to_string(child) + "): No such process\n");
}

TEST_F(CtlVerbsTest, UnknownVerbIsNotCtl) {
  EXPECT_TRUE(tusk::ctl::IsCtlVerb("restart"));
  EXPECT_TRUE(tusk::ctl::IsCtlVerb("promote"));
  EXPECT_FALSE(tusk::ctl::IsCtlVerb("logrotate"));
  CtlRun r = Ctl({"status", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("Usage:\n"), std::string::npos);
}

// A stand-in server: writes postmaster.opts and a "ready" lock file for its
// own PID, removes the file and exits on SIGINT/SIGTERM/SIGQUIT.
void WriteFakeServer(const std::string& path) {
  std::ofstream(path) << R"SH(#!/bin/sh
shift
D=
for a in "$@"; do [ "$prev" = "-D" ] && D=$a; prev=$a; done
echo "$0 \"server\"$(for a in "$@"; do printf ' "%s"' "$a"; done)" > "$D/postmaster.opts"
printf '%s\n%s\n%s\n5432\n/tmp\n*\n        0         0\nready   \n' $$ "$D" "$(date +%s)" > "$D/postmaster.pid"
trap 'rm -f "$D/postmaster.pid"; exit 0' INT TERM QUIT
echo "fake server $*"
while :; do sleep 0.05; done
)SH";
  chmod(path.c_str(), 0755);
}

long LockPid(const std::string& dir) {
  std::ifstream in(dir + "/postmaster.pid");
  long pid = 0;
  in >> pid;
  return pid;
}

TEST_F(CtlVerbsTest, StartStopRestartWithStandIn) {
  std::string fake = dir_ + "/fake-server.sh";
  WriteFakeServer(fake);
  tusk::ctl::SetServerProgramForTesting(fake);
  std::string log = dir_ + "/log";

  CtlRun r = Ctl({"start", "-D", dir_, "-l", log, "-o", "-p 5433  -c a=b"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("waiting for server to start...", 0), 0u);
  EXPECT_NE(r.out.find(" done\nserver started\n"), std::string::npos) << r.out;
  long pid1 = LockPid(dir_);
  std::string opts;
  std::getline(std::ifstream(dir_ + "/postmaster.opts"), opts);
  EXPECT_NE(opts.find("\"server\" \"-D\" \"" + dir_ + "\" \"-p\" \"5433\" \"-c\" \"a=b\""), std::string::npos) << opts;
  // The server runs in its own session, so a terminal's signals skip it.
  EXPECT_EQ(getsid(static_cast<pid_t>(pid1)), pid1);

  // restart replays postmaster.opts: the new server gets the same -p and -c.
  std::ofstream(dir_ + "/postmaster.opts") << opts << "\n";
  WriteFakeServer(fake);
  r = Ctl({"restart", "-D", dir_, "-l", log});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("server stopped\nwaiting for server to start..."), std::string::npos) << r.out;
  long pid2 = LockPid(dir_);
  EXPECT_NE(pid1, pid2);
  std::string opts2;
  std::getline(std::ifstream(dir_ + "/postmaster.opts"), opts2);
  EXPECT_EQ(opts2, opts);

  r = Ctl({"stop", "-D", dir_});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(" done\nserver stopped\n"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir_ + "/postmaster.pid"));
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  std::string logtext((std::istreambuf_iterator<char>(std::ifstream(log).rdbuf())), {});
  EXPECT_NE(logtext.find("fake server -D " + dir_ + " -p 5433 -c a=b"), std::string::npos) << logtext;
}

TEST_F(CtlVerbsTest, StartFailureReported) {
  std::string fake = dir_ + "/fail.sh";
  std::ofstream(fake) << "#!/bin/sh\necho failing >&2\nexit 1\n";
  chmod(fake.c_str(), 0755);
  tusk::ctl::SetServerProgramForTesting(fake);
  CtlRun r = Ctl({"start", "-D", dir_, "-l", dir_ + "/log"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out.substr(r.out.size() - 17), " stopped waiting\n");
  EXPECT_EQ(r.err, "tusk: could not start server\nExamine the log output.\n");
}

TEST_F(CtlVerbsTest, StartOverExistingLockFileWarns) {
  std::string fake = dir_ + "/fail.sh";
  std::ofstream(fake) << "#!/bin/sh\nexit 1\n";
  chmod(fake.c_str(), 0755);
  tusk::ctl::SetServerProgramForTesting(fake);
  WriteLock(999999);
  CtlRun r = Ctl({"start", "-D", dir_, "-W", "-l", dir_ + "/log"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "server starting\n");
  EXPECT_EQ(r.err, "tusk: another server might be running; trying to start server anyway\n");
  while (waitpid(-1, nullptr, 0) > 0) {
  }
}

TEST_F(CtlVerbsTest, RestartWithoutServerStartsAnyway) {
  std::string fake = dir_ + "/fake-server.sh";
  WriteFakeServer(fake);
  tusk::ctl::SetServerProgramForTesting(fake);
  CtlRun r = Ctl({"restart", "-D", dir_, "-l", dir_ + "/log", "-o", "-p 1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "tusk: PID file \"" + dir_ + "/postmaster.pid\" does not exist\nIs server running?\n"
                   "trying to start server anyway\n");
  EXPECT_EQ(Ctl({"stop", "-D", dir_}).code, 0);
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

}  // namespace
