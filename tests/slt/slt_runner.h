// Running one parsed script against one server over libpq: giving the script
// an empty database (a fresh CREATE DATABASE, or dropping the objects it
// creates with --reuse-db), executing records in autocommit, and counting.
#pragma once

#include <chrono>
#include <string>

#include "slt_script.h"

namespace slt {

struct ServerOptions {
  std::string conninfo;        // where to run
  std::string engine = "postgresql";
  bool reuse_db = false;       // never CREATE DATABASE; drop objects instead
  bool verbose = false;
  bool stop_on_error = false;
  long timeout_ms = 0;         // statement_timeout, 0 = none
  std::string label;           // server name shown in diagnostics
  std::chrono::steady_clock::time_point deadline =
      std::chrono::steady_clock::time_point::max();
};

struct FileStats {
  int run = 0;
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  bool aborted = false;       // connection lost, --stop-on-error or deadline
  bool timed_out = false;     // the overall deadline stopped the file
  std::string note;           // why the file stopped early, if it did
};

// Runs `script` as file number `index` (used to name its database). When
// CREATE DATABASE fails, the runner switches `opts.reuse_db` on and carries
// on with object cleanup instead, for this and later files.
FileStats RunScript(const Script& script, int index, ServerOptions& opts);

}  // namespace slt
