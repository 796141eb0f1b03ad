// `tusk start`: launches "<this executable> server" in the background through
// /bin/sh (so -o options are split by the shell, as with pg_ctl) and waits for
// the lock file to report the new postmaster ready.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>

#include "ctl/ctl_internal.h"
#include "utils/lock_file.h"

namespace tusk::ctl {
namespace {

enum class StartResult { kReady, kStillStarting, kFailed };

constexpr int kWaitsPerSec = 10;

// Builds the argument string after "server": options recorded in
// postmaster.opts (restart without -o), else -D DIR plus -o's text. The -o
// text is left unquoted on purpose: the shell splits it.
std::string ServerArguments(const CtlOptions& o, bool restarting) {
  if (restarting && !o.have_post_opts) {
    std::string path = OptsFilePath(o);
    std::ifstream in(path);
    if (!in) {
      PrintErr("could not read file \"%s\"\n", path.c_str());
      throw CtlExit{1};
    }
    std::string line, extra;
    std::getline(in, line);
    while (std::getline(in, extra)) {
      if (!extra.empty()) {
        PrintErr("option file \"%s\" must have exactly one line\n", path.c_str());
        throw CtlExit{1};
      }
    }
    std::vector<std::string> args = ParsePostmasterOpts(line);
    bool has_datadir = false;
    std::string out;
    for (const auto& a : args) {
      if (a == "-D" || a.rfind("-D", 0) == 0 || a.rfind("--pgdata", 0) == 0) has_datadir = true;
      out += " " + ShellQuote(a);
    }
    if (!has_datadir) out = " -D " + ShellQuote(o.datadir) + out;
    return out;
  }
  std::string out = " -D " + ShellQuote(o.datadir);
  if (o.have_post_opts && !o.post_opts.empty()) out += " " + o.post_opts;
  return out;
}

// Forks the shell that execs the server; returns its PID, which is the
// postmaster's PID once the shell has exec'd.
pid_t StartPostmaster(const CtlOptions& o, const std::string& args) {
  std::string cmd = "exec " + ShellQuote(ServerProgram()) + " server" + args + " < /dev/null";
  if (!o.log_file.empty()) cmd += " >> " + ShellQuote(o.log_file) + " 2>&1";
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    PrintErr("could not start server: %s\n", strerror(errno));
    throw CtlExit{1};
  }
  if (pid == 0) {
    // Its own session: a terminal's ^C or hangup meant for this tool must not
    // reach the server, which outlives us.
    setsid();
    execl("/bin/sh", "/bin/sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    fprintf(stderr, "%s: could not start server: %s\n", kProgName, strerror(errno));
    _exit(1);
  }
  return pid;
}

StartResult WaitForPostmasterStart(const CtlOptions& o, pid_t pm_pid, time_t start_time) {
  for (long cnt = 0; cnt < static_cast<long>(o.timeout_secs) * kWaitsPerSec; ++cnt) {
    auto lock = ReadLockFile(o.datadir, nullptr);
    // An old file from a crashed server names another PID or an older start
    // time; only ours counts. Two seconds of slack absorb clock granularity.
    if (lock && lock->pid == pm_pid && lock->start_time >= start_time - 2 &&
        (lock->status == "ready" || lock->status == "standby"))
      return StartResult::kReady;
    int status;
    if (waitpid(pm_pid, &status, WNOHANG) == pm_pid) return StartResult::kFailed;
    if (cnt % kWaitsPerSec == 0) PrintMsg(o, ".");
    usleep(1000000 / kWaitsPerSec);
  }
  return StartResult::kStillStarting;
}

}  // namespace

int DoStart(const CtlOptions& o, bool restarting) {
  if (!restarting) {
    long old_pid = GetPid(o, false);
    if (old_pid != 0) PrintErr("another server might be running; trying to start server anyway\n");
  }
  std::string args = ServerArguments(o, restarting);
  time_t start_time = time(nullptr);
  pid_t pm_pid = StartPostmaster(o, args);
  if (!o.wait) {
    PrintMsg(o, "server starting\n");
    return 0;
  }
  PrintMsg(o, "waiting for server to start...");
  switch (WaitForPostmasterStart(o, pm_pid, start_time)) {
    case StartResult::kReady:
      PrintMsg(o, " done\n");
      PrintMsg(o, "server started\n");
      return 0;
    case StartResult::kStillStarting:
      PrintMsg(o, " stopped waiting\n");
      PrintErr("server did not start in time\n");
      return 1;
    case StartResult::kFailed:
      PrintMsg(o, " stopped waiting\n");
      PrintErr("could not start server\n");
      fputs("Examine the log output.\n", stderr);
      return 1;
  }
  return 1;
}

}  // namespace tusk::ctl
