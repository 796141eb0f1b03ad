// The postmaster's command line (postgres-style flags) and its record in
// DATADIR/postmaster.opts, which `tusk status` shows and `tusk restart` reuses.
#pragma once

#include <string>
#include <vector>

namespace tusk::postmaster {

struct PmOptions {
  std::string data_dir;           // absolute
  std::vector<std::string> argv;  // as given after "server", for postmaster.opts
};

// Parses -D, -p, -c name=value, --name=value, -k, -h, -N, -B, -i, -F, --help.
// Applies settings (command line, then the configuration files) and checks the
// data directory. Returns -1 to go on, or an exit code to end with.
int ParsePostmasterOptions(int argc, char** argv, PmOptions* out);

// Writes DATADIR/postmaster.opts: the executable, then each argument quoted.
void WritePostmasterOpts(const PmOptions& options);

}  // namespace tusk::postmaster
