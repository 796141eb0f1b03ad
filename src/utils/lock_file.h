// DATADIR/postmaster.pid in PostgreSQL's layout, one item a line:
//   1 PID   2 data directory   3 start time (epoch s)   4 port
//   5 first Unix-socket directory (empty if none)   6 first listen address
//   7 shared-memory key and id ("%9lu %9lu")   8 status, padded to 8 chars
//     ("starting", "stopping", "ready   ", "standby ", "suspending", "suspended")
// The postmaster creates it (refusing when a live postmaster holds it) and
// rewrites the status line; the control tool and pg_ctl-style tools read it.
#pragma once

#include <optional>
#include <string>

namespace tusk {

inline constexpr char kLockFileName[] = "postmaster.pid";

struct LockFileContents {
  long pid = 0;
  std::string datadir;
  long start_time = 0;
  int port = 0;
  std::string socket_dir;
  std::string listen_address;
  std::string shmem_key;
  std::string status;  // trimmed: "starting", "stopping", "ready", "standby", "suspending", "suspended", or empty
};

// Creates DATADIR/postmaster.pid with lines 1-6 and "starting". If a file
// exists whose PID is alive (kill(pid,0) succeeds or gives EPERM) and is not
// our own or our parent's, throws PgError FATAL (F0000)
//   `lock file "postmaster.pid" already exists`
//   HINT `Is another postmaster (PID N) running in data directory "DIR"?`
// A stale file (dead PID) is replaced. Creation uses O_CREAT|O_EXCL and retries,
// so two postmasters racing cannot both win.
void CreateDataDirLockFile(const std::string& datadir, int port, const std::string& socket_dir,
                           const std::string& listen_address);

// Rewrites line 7 (shared-memory key) of the lock file.
void SetLockFileShmemKey(const std::string& datadir, const std::string& key);

// Rewrites line 8 with the status ("starting", "stopping", "ready", "standby"), padded.
void SetLockFileStatus(const std::string& datadir, const std::string& status);

// Removes the lock file (clean shutdown).
void RemoveDataDirLockFile(const std::string& datadir);

// Both paths name the same directory (device and inode); false if either is
// missing. A lock file naming another directory was copied with this one.
bool SameDirectory(const std::string& a, const std::string& b);

// Reads and parses; nullopt if missing or unparsable (*error says why).
std::optional<LockFileContents> ReadLockFile(const std::string& datadir, std::string* error);

}  // namespace tusk
