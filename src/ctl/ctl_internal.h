// Shared pieces of the pg_ctl-style verbs: parsed options, the lock-file and
// postmaster.opts readers, message helpers. Each verb lives in its own file
// (ctl_start.cc, ctl_stop.cc, ctl_signal.cc); ctl.cc dispatches.
#pragma once

#include <string>
#include <vector>

namespace tusk::ctl {

inline constexpr char kProgName[] = "tusk";

enum class ShutdownMode { kSmart, kFast, kImmediate };

struct CtlOptions {
  std::string verb;          // "start", "stop", ...
  std::string datadir;       // -D, else $PGDATA
  std::string log_file;      // -l
  std::string post_opts;     // -o (several -o are joined by spaces, as pg_ctl does)
  bool have_post_opts = false;
  ShutdownMode mode = ShutdownMode::kFast;
  bool wait = true;          // -w (default) / -W
  int timeout_secs = 60;     // -t, else $PGCTLTIMEOUT, else 60
  bool silent = false;       // -s
  bool help = false;         // --help / -?
  bool version = false;      // --version / -V
  int kill_signal = 0;       // kill: the signal number
  long kill_pid = 0;         // kill: the target
};

// Outcome of parsing: on failure `error` holds the complete stderr text
// (every line, "Try ..." hint included) and the exit code is 1.
struct CtlParseResult {
  bool ok = false;
  std::string error;
  CtlOptions options;
};

// Pure: no output, no environment access (the two variables are passed in,
// nullptr when unset), so tests can drive every branch.
// argv[0] is the verb.
CtlParseResult ParseCtlArgs(int argc, char** argv, const char* pgdata_env, const char* timeout_env);

// Signal number for pg_ctl's kill names (ABRT HUP INT KILL QUIT TERM USR1 USR2); 0 if unknown.
int SignalFromName(const std::string& name);

// The --help text for the control verbs.
std::string CtlHelpText();

// Thrown once the message for a failure has been printed; CtlMain turns it
// into the process exit code. Keeps the verbs free of exit() calls so tests
// can run them in-process.
struct CtlExit {
  int code;
};

// Prints to stdout unless -s; flushes so the order with stderr and with the
// server's own output is preserved.
void PrintMsg(const CtlOptions& o, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
// Prints "tusk: " + message to stderr.
void PrintErr(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// pg_ctl's get_pgpid: checks the data directory (missing: exit 4 for status,
// 1 otherwise; no PG_VERSION: "not a database cluster directory") and returns
// the first line of postmaster.pid, 0 if the file does not exist. A negative
// PID means a single-user server. Throws CtlExit after printing on errors.
long GetPid(const CtlOptions& o, bool status_request);

// kill(pid, 0) succeeds or the process exists but is someone else's.
bool ProcessAlive(long pid);

std::string PidFilePath(const CtlOptions& o);
std::string OptsFilePath(const CtlOptions& o);

// Splits a postmaster.opts line (PostgreSQL's format: the executable path,
// then each argument in double quotes) into its arguments, without the
// executable and without a leading "server"/"postgres" subcommand word.
std::vector<std::string> ParsePostmasterOpts(const std::string& line);

// Quotes for /bin/sh with single quotes, so the shell passes it through verbatim.
std::string ShellQuote(const std::string& s);

// Path of the executable to launch as the server ("<this executable> server ...").
std::string ServerProgram();
// Tests point this at a stand-in script; empty restores /proc/self/exe.
void SetServerProgramForTesting(const std::string& path);

// The verbs; each returns the exit code or throws CtlExit.
int DoStart(const CtlOptions& o, bool restarting);
int DoStop(const CtlOptions& o);
int DoRestart(const CtlOptions& o);
int DoReload(const CtlOptions& o);
int DoStatus(const CtlOptions& o);
int DoKill(const CtlOptions& o);
int DoSuspend(const CtlOptions& o);
int DoResume(const CtlOptions& o);
int DoPromote(const CtlOptions& o);

// Waits (polling the lock file) for the postmaster to go away; true if it did.
bool WaitForPostmasterStop(const CtlOptions& o);

}  // namespace tusk::ctl
