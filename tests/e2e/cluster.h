// Test harness: a real `tusk` server in a temporary data directory on a free
// port, driven with libpq, the PostgreSQL client programs and real signals.
// The destructor stops every process the test started.
#pragma once

#include <libpq-fe.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tusk::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr together, in order
};

// Runs a shell command with a time limit; output captured.
CommandResult RunCommand(const std::string& command, int timeout_seconds = 60);

// A free TCP port on 127.0.0.1 (bound and released).
int FreePort();

// Owns a PGconn.
struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

class Cluster {
 public:
  // initdb options, e.g. "-U alice --auth trust".
  explicit Cluster(const std::string& initdb_args = "");
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  const std::string& datadir() const { return datadir_; }
  const std::string& sockdir() const { return dir_; }
  const std::string& log_path() const { return log_path_; }
  int port() const { return port_; }
  const std::string& superuser() const { return superuser_; }

  // Appends lines to postgresql.conf / pg_hba.conf (replaces pg_hba.conf with `replace`).
  void AppendConf(const std::string& lines);
  void WriteHba(const std::string& contents);

  // Starts `tusk server` in the foreground mode as our child; with wait,
  // returns once a connection succeeds (or fails the test after timeout).
  void Start(const std::string& extra_args = "", bool wait = true);
  // Waits until PQping says the server accepts connections.
  bool WaitReady(int timeout_seconds = 30);
  // Sends a signal to the postmaster and waits for it to exit; returns its exit status.
  int StopWith(int sig, int timeout_seconds = 30);
  bool Running() const;
  pid_t postmaster_pid() const { return pm_pid_; }
  // Reaps the postmaster if it has exited; returns true then (status in *status).
  bool TryReap(int* status);

  std::string Conninfo(const std::string& db = "postgres", const std::string& user = "",
                       bool tcp = false) const;
  Conn Connect(const std::string& db = "postgres", const std::string& user = "", bool tcp = false,
               const std::string& extra = "");
  // Runs psql -X -A -t -c with PGHOST/PGPORT set for this cluster.
  CommandResult Psql(const std::string& sql_or_args, const std::string& user = "", bool tcp = false);

  std::string ReadLog() const;
  // Waits until the log contains `needle` (after `from` bytes); returns the byte offset after it, or npos.
  size_t WaitForLog(const std::string& needle, int timeout_seconds = 20, size_t from = 0) const;
  size_t LogSize() const;

  // Children of the postmaster (from /proc) and their titles.
  std::vector<pid_t> Children() const;
  std::map<pid_t, std::string> ChildTitles() const;
  // PID of the child whose title contains `needle`; 0 if none (waits up to timeout).
  pid_t WaitForChild(const std::string& needle, int timeout_seconds = 10) const;

  std::string tusk_binary() const;
  std::string Env() const;  // "PGHOST=... PGPORT=... " for shell commands

 private:
  void KillEverything();

  std::string dir_;
  std::string datadir_;
  std::string log_path_;
  std::string superuser_;
  int port_ = 0;
  pid_t pm_pid_ = 0;
};

// Line 8 of the cluster's postmaster.pid without its padding ("ready", "standby", "suspended", ...).
std::string LockFileStatus(const Cluster& c);
// Title of any process, from /proc/PID/cmdline with NULs as spaces, trimmed.
std::string ProcessTitle(pid_t pid);
bool ProcessAlive(pid_t pid);
// Executes a query and returns the first value (fails the test on error).
std::string QueryValue(PGconn* conn, const std::string& sql);
// Runs a statement that must succeed (a command or a query), failing the test otherwise.
void Exec(PGconn* conn, const std::string& sql);
// The SQLSTATE of the result's error, or "" if none.
std::string SqlState(const PGresult* res);
// The command tag of a statement that must succeed.
std::string Tag(PGconn* conn, const std::string& sql);
// The error of a statement that must fail.
struct Failure {
  std::string sqlstate, message, detail;
};
Failure Fails(PGconn* conn, const std::string& sql);
// Statements that must each fail with this SQLSTATE and primary message.
struct ErrorCase {
  std::string sql, sqlstate, message;
};
void ExpectErrors(PGconn* conn, const std::vector<ErrorCase>& cases);

}  // namespace tusk::test
