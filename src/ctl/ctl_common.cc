// Helpers shared by the control verbs: messages, the pg_ctl-style reading of
// postmaster.pid and postmaster.opts, shell quoting, and waiting for the
// postmaster to disappear.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "ctl/ctl_internal.h"

namespace tusk::ctl {
namespace {

std::string g_server_program_override;

// pg_ctl polls ten times a second and prints a dot once a second.
constexpr int kWaitsPerSec = 10;

}  // namespace

void PrintMsg(const CtlOptions& o, const char* fmt, ...) {
  if (o.silent) return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stdout, fmt, ap);
  va_end(ap);
  fflush(stdout);
}

void PrintErr(const char* fmt, ...) {
  fflush(stdout);
  fprintf(stderr, "%s: ", kProgName);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fflush(stderr);
}

std::string PidFilePath(const CtlOptions& o) { return o.datadir + "/postmaster.pid"; }
std::string OptsFilePath(const CtlOptions& o) { return o.datadir + "/postmaster.opts"; }

long GetPid(const CtlOptions& o, bool status_request) {
  // status distinguishes "cannot even look" (4, LSB's "unknown") from "not running" (3).
  int fail_code = status_request ? 4 : 1;
  struct stat st;
  if (stat(o.datadir.c_str(), &st) != 0) {
    if (errno == ENOENT)
      PrintErr("directory \"%s\" does not exist\n", o.datadir.c_str());
    else
      PrintErr("could not access directory \"%s\": %s\n", o.datadir.c_str(), strerror(errno));
    throw CtlExit{fail_code};
  }
  std::string version_file = o.datadir + "/PG_VERSION";
  if (stat(version_file.c_str(), &st) != 0 && errno == ENOENT) {
    PrintErr("directory \"%s\" is not a database cluster directory\n", o.datadir.c_str());
    throw CtlExit{fail_code};
  }
  std::string pid_file = PidFilePath(o);
  FILE* f = fopen(pid_file.c_str(), "r");
  if (!f) {
    if (errno == ENOENT) return 0;
    PrintErr("could not open PID file \"%s\": %s\n", pid_file.c_str(), strerror(errno));
    throw CtlExit{1};
  }
  long pid = 0;
  if (fscanf(f, "%ld", &pid) != 1) {
    bool empty = ftell(f) == 0 && feof(f);
    fclose(f);
    if (empty)
      PrintErr("the PID file \"%s\" is empty\n", pid_file.c_str());
    else
      PrintErr("invalid data in PID file \"%s\"\n", pid_file.c_str());
    throw CtlExit{1};
  }
  fclose(f);
  return pid;
}

bool ProcessAlive(long pid) {
  // Our own PID or our parent's in the file can only be a leftover from a
  // previous boot whose PIDs happened to match: not a running server.
  if (pid == getpid() || pid == getppid()) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::vector<std::string> ParsePostmasterOpts(const std::string& line_in) {
  std::string line = line_in;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  std::vector<std::string> args;
  // The executable path is unquoted and may contain spaces: it ends where the
  // first quoted argument begins.
  size_t pos = line.find(" \"");
  if (pos == std::string::npos) {
    // No quoted arguments; fall back to splitting on spaces after the program.
    size_t sp = line.find(' ');
    while (sp != std::string::npos) {
      size_t start = line.find_first_not_of(' ', sp);
      if (start == std::string::npos) break;
      sp = line.find(' ', start);
      args.push_back(line.substr(start, sp == std::string::npos ? std::string::npos : sp - start));
    }
  } else {
    while (pos < line.size()) {
      while (pos < line.size() && line[pos] == ' ') ++pos;
      if (pos >= line.size()) break;
      if (line[pos] == '"') {
        // PostgreSQL does not escape embedded quotes; the closing quote is the
        // one followed by a space or the end of the line.
        size_t end = pos + 1;
        for (;;) {
          end = line.find('"', end);
          if (end == std::string::npos || end + 1 == line.size() || line[end + 1] == ' ') break;
          ++end;
        }
        if (end == std::string::npos) end = line.size();
        args.push_back(line.substr(pos + 1, end - pos - 1));
        pos = end + 1;
      } else {
        size_t end = line.find(' ', pos);
        if (end == std::string::npos) end = line.size();
        args.push_back(line.substr(pos, end - pos));
        pos = end;
      }
    }
  }
  if (!args.empty() && (args[0] == "server" || args[0] == "postgres")) args.erase(args.begin());
  return args;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string ServerProgram() {
  if (!g_server_program_override.empty()) return g_server_program_override;
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "tusk";  // no /proc: rely on PATH
  buf[n] = '\0';
  return buf;
}

void SetServerProgramForTesting(const std::string& path) { g_server_program_override = path; }

bool WaitForPostmasterStop(const CtlOptions& o) {
  for (long cnt = 0; cnt < static_cast<long>(o.timeout_secs) * kWaitsPerSec; ++cnt) {
    std::string pid_file = PidFilePath(o);
    FILE* f = fopen(pid_file.c_str(), "r");
    if (!f) return true;  // the postmaster removes the file as its last act
    long pid = 0;
    int got = fscanf(f, "%ld", &pid);
    fclose(f);
    // A process that died without cleaning up (OOM kill, SIGKILL) leaves the
    // file behind; waiting for it would be pointless.
    if (got == 1 && pid != 0 && kill(static_cast<pid_t>(pid < 0 ? -pid : pid), 0) != 0 && errno == ESRCH)
      return true;
    if (cnt % kWaitsPerSec == 0) PrintMsg(o, ".");
    usleep(1000000 / kWaitsPerSec);
  }
  return false;
}

}  // namespace tusk::ctl
