// Facts every server process knows about itself: the data directory, the
// postmaster's PID, its own kind. Set once by the postmaster (inherited by fork)
// and by each child right after fork.
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>

#include "storage/ipc/proc_array.h"

namespace tusk {

struct ProcessGlobals {
  std::string data_dir;  // absolute
  pid_t postmaster_pid = 0;
  BackendType my_type = BackendType::kNone;
  bool is_postmaster = false;
  long start_time = 0;  // postmaster start, epoch seconds
  int64_t start_time_us = 0;      // the same in microseconds (pg_postmaster_start_time)
  int64_t conf_load_time_us = 0;  // last configuration (re)load in this process (pg_conf_load_time)
};

ProcessGlobals& Globals();

// Pushes the current configuration into the log and process-title settings;
// call after every (re)load.
void ApplyProcessSettings();

// Re-reads the configuration files in a child after SIGHUP (messages go to the
// server log at DEBUG: the postmaster already logged them at LOG).
void ReloadConfigInChild();

}  // namespace tusk
