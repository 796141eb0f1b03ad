// Checkpoint bookkeeping and its log lines, in PostgreSQL's wording.
#include "postmaster/checkpoint.h"

#include <time.h>

#include <chrono>
#include <cstdio>

#include "storage/file/control_file.h"
#include "utils/log.h"
#include "utils/process_globals.h"

namespace tusk::checkpoint {

std::string FormatControlTime(long epoch_seconds) {
  time_t t = epoch_seconds;
  tm parts;
  localtime_r(&t, &parts);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z", &parts);
  return buf;
}

static std::string FlagText(int flags) {
  std::string s;
  if (flags & kShutdown) s += " shutdown";
  if (flags & kEndOfRecovery) s += " end-of-recovery";
  if (flags & kImmediate) s += " immediate";
  if (flags & kForce) s += " force";
  if (flags & kWait) s += " wait";
  if (flags & kTime) s += " time";
  if (flags & kWal) s += " wal";
  return s;
}

bool Perform(int flags) {
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  LogLine("checkpoint starting:" + FlagText(flags));
  const std::string& dir = Globals().data_dir;
  ControlData control;
  std::string error;
  if (!ReadControlFile(dir, &control, &error)) {
    Log(ErrLevel::kPanic, error);
    return false;
  }
  control.checkpoint_time = static_cast<int64_t>(::time(nullptr));
  control.state = (flags & kShutdown) ? DbState::kShutdowned : DbState::kInProduction;
  auto write_done = Clock::now();
  if (!WriteControlFile(dir, &control, &error)) {
    Log(ErrLevel::kPanic, error);
    return false;
  }
  auto end = Clock::now();
  auto secs = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  char buf[512];
  // No shared buffers exist yet (storage issue): 0 buffers, 0 WAL files.
  snprintf(buf, sizeof buf,
           "checkpoint complete: wrote %d buffers (%.1f%%); %d WAL file(s) added, %d removed, %d recycled; "
           "write=%.3f s, sync=%.3f s, total=%.3f s; sync files=%d, longest=%.3f s, average=%.3f s; "
           "distance=%d kB, estimate=%d kB",
           0, 0.0, 0, 0, 0, secs(write_done - start), secs(end - write_done), secs(end - start), 1,
           secs(end - write_done), secs(end - write_done), 0, 0);
  LogLine(buf);
  return true;
}

}  // namespace tusk::checkpoint
