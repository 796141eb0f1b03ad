// Shared memory of the primary's side of replication: one entry per WAL
// sender (what pg_stat_replication shows, and the WAL it still needs) and the
// physical replication slots (temporary ones live only here; persistent ones
// are mirrored in pg_replslot/NAME/state). The checkpointer asks
// OldestRequiredLsn() before removing WAL segments. Rules: README.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "access/wal/wal_format.h"
#include "utils/guc_vars.h"

namespace tusk::replication {

size_t ShmemSize(const guc::Vars& vars);
void ShmemInit(const guc::Vars& vars);

// pg_stat_replication.state.
enum class SenderState : int32_t { kStartup = 0, kBackup, kCatchup, kStreaming, kStopping };
const char* SenderStateName(SenderState state);

// A WAL sender's public state (pg_stat_replication).
struct SenderInfo {
  int32_t pid = 0;
  SenderState state = SenderState::kStartup;
  wal::Lsn sent = 0, write = 0, flush = 0, replay = 0;  // 0 = NULL
  int64_t write_lag_us = -1, flush_lag_us = -1, replay_lag_us = -1;  // -1 = NULL
  int64_t reply_time_us = 0;                                        // 0 = NULL
  uint64_t xmin = 0;  // hot standby feedback; 0 = NULL
  wal::Lsn keep = 0;  // the oldest WAL it still needs (0: none)
};

// ---- The calling WAL sender's entry ----
// Takes an entry for this process (there are max_wal_senders, as many as the
// process array's WAL-sender slots, so one is always free). Idempotent.
void RegisterSender();
void UnregisterSender();  // also drops this process's temporary slots
// Replaces the entry's public fields (pid stays).
void UpdateSender(const SenderInfo& info);
std::vector<SenderInfo> SnapshotSenders();

// ---- Physical replication slots ----
struct SlotInfo {
  std::string name;
  bool temporary = false;
  int32_t active_pid = 0;
  wal::Lsn restart_lsn = 0;  // 0: reserves nothing yet
};
// PostgreSQL's slot-name rules: 42602/42622 errors.
void CheckSlotName(const std::string& name);
// Creates a slot owned (temporary) by the calling process. restart_lsn 0
// reserves nothing. 42710 if it exists, 53400 when all max_replication_slots
// are used. Persistent slots are written to pg_replslot/NAME/state first.
void CreateSlot(const std::string& name, bool temporary, wal::Lsn restart_lsn);
// 42704 if missing; 55006 if another process has it active (unless wait,
// then waits for it to be released).
void DropSlot(const std::string& name, bool wait, void (*wait_hook)());
std::optional<SlotInfo> FindSlot(const std::string& name);
// Marks the slot active for this process (42704, 55006).
SlotInfo AcquireSlot(const std::string& name);
void ReleaseSlot(const std::string& name);
// Moves an acquired slot's restart_lsn forward (never back); persistent slots
// are saved when it moved by at least a segment or when `force`.
void AdvanceSlot(const std::string& name, wal::Lsn restart_lsn, bool force = false);
// Drops this process's temporary slots and releases the ones it had active
// (at exit, and after an ERROR as PostgreSQL does).
void CleanupSlotsOfThisProcess();

// ---- WAL retention ----
// The oldest LSN any slot or WAL sender still needs (kInvalidLsn: none).
wal::Lsn OldestRequiredLsn();
// Segments below `segno` are being removed or recycled (the checkpointer,
// before it touches them): a sender that read one afterwards must not trust it.
void NoteSegmentsRemovedBelow(uint64_t segno);
uint64_t RemovedBelowSegment();

}  // namespace tusk::replication
