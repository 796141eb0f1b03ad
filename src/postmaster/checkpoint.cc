// A checkpoint: move the redo pointer, write every dirty buffer and commit-log
// page, fsync what was written, log the checkpoint record, point the control
// file at it, and recycle WAL segments no longer needed for recovery.
#include "postmaster/checkpoint.h"

#include <signal.h>
#include <time.h>

#include <atomic>

#include <chrono>
#include <cstdio>

#include "access/transam/clog.h"
#include "access/transam/transam.h"
#include "access/wal/wal.h"
#include "access/wal/wal_redo.h"
#include "storage/buffer/buffer.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "storage/file/control_file.h"
#include "storage/file/sync_queue.h"
#include "utils/log.h"
#include "utils/process_globals.h"

namespace tusk::checkpoint {
namespace {

struct Shared {
  std::atomic<uint64_t> requested;  // tickets handed out
  std::atomic<uint64_t> started;    // highest ticket a running checkpoint covers
  std::atomic<uint64_t> done;       // highest ticket a finished checkpoint covers
  std::atomic<uint64_t> failed;     // highest ticket whose checkpoint failed
};
Shared* g_shared = nullptr;

}  // namespace

size_t ShmemSize() { return shmem::AlignedSize(sizeof(Shared)); }
void ShmemInit() { g_shared = static_cast<Shared*>(shmem::Alloc(sizeof(Shared))); }

void RequestAndWait(void (*wait_hook)()) {
  uint64_t ticket = g_shared->requested.fetch_add(1) + 1;
  for (const ProcSnapshot& p : proc_array::SnapshotAll())
    if (p.type == BackendType::kCheckpointer) kill(p.pid, SIGINT);
  while (g_shared->done.load() < ticket) {
    if (wait_hook) wait_hook();
    latch::WaitLatch(-1, 0, 10);
  }
  if (g_shared->failed.load() >= ticket)
    throw PgError(sqlstate::kInternalError, "checkpoint request failed").Hint("Consult recent messages in the server log for details.");
}

bool TakeRequest(uint64_t* ticket) {
  uint64_t want = g_shared->requested.load();
  if (want <= g_shared->started.load()) return false;
  g_shared->started.store(want);
  *ticket = want;
  return true;
}

void ReportDone(uint64_t ticket, bool ok) {
  if (!ok) g_shared->failed.store(ticket);
  g_shared->done.store(ticket);
}

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

bool FlushInRecovery() {
  buffer::FlushAllDirtyBuffers();
  transam::clog::Flush();
  sync::SyncAll();
  return true;
}

bool ShutdownInRecovery() {
  FlushInRecovery();
  const std::string& dir = Globals().data_dir;
  ControlData control;
  std::string error;
  if (!ReadControlFile(dir, &control, &error)) {
    Log(ErrLevel::kLog, error);
    return false;
  }
  control.state = DbState::kShutdownedInRecovery;
  if (!WriteControlFile(dir, &control, &error)) {
    Log(ErrLevel::kLog, error);
    return false;
  }
  return true;
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
  wal::Lsn previous_redo = control.redo_lsn;
  // Changes after this point are replayed from here; pages dirtied before it are written below.
  wal::Lsn redo = wal::AdvanceRedoPointer();
  int buffers = buffer::FlushAllDirtyBuffers();
  transam::clog::Flush();
  auto write_done = Clock::now();
  int synced = sync::SyncAll();
  auto sync_done = Clock::now();
  wal::CheckpointInfo info;
  info.redo = redo;
  info.next_xid = transam::ReadNextXid();
  // An online checkpoint covers the OIDs already reserved in WAL (XLOG NEXTOID).
  info.next_oid = wal::CheckpointNextOid((flags & kShutdown) != 0);
  info.time = static_cast<int64_t>(::time(nullptr));
  info.shutdown = (flags & kShutdown) != 0;
  wal::Lsn checkpoint_lsn = wal::WriteCheckpointRecord(info);
  control.checkpoint_lsn = checkpoint_lsn;
  control.redo_lsn = redo;
  control.checkpoint_time = info.time;
  control.next_xid = info.next_xid;
  control.next_oid = info.next_oid;
  control.state = (flags & kShutdown) ? DbState::kShutdowned : DbState::kInProduction;
  if (!WriteControlFile(dir, &control, &error)) {
    Log(ErrLevel::kPanic, error);
    return false;
  }
  wal::SegmentCounts segments = wal::RemoveOldSegments(redo);
  auto end = Clock::now();
  auto secs = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  double pct = buffer::NumBuffers() > 0 ? 100.0 * buffers / buffer::NumBuffers() : 0.0;
  long distance_kb = static_cast<long>((redo - previous_redo) / 1024);
  char buf[512];
  snprintf(buf, sizeof buf,
           "checkpoint complete: wrote %d buffers (%.1f%%); %d WAL file(s) added, %d removed, %d recycled; "
           "write=%.3f s, sync=%.3f s, total=%.3f s; sync files=%d, longest=%.3f s, average=%.3f s; "
           "distance=%ld kB, estimate=%ld kB",
           buffers, pct, segments.added, segments.removed, segments.recycled, secs(write_done - start),
           secs(sync_done - write_done), secs(end - start), synced, secs(sync_done - write_done),
           synced ? secs(sync_done - write_done) / synced : 0.0, distance_kb, distance_kb);
  LogLine(buf);
  return true;
}

}  // namespace tusk::checkpoint
