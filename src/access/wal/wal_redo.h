// Resource managers, crash-recovery redo, and the XLOG resource manager's
// checkpoint record. The startup process calls RunRedo; the checkpointer
// writes checkpoint records; initdb calls BootstrapWal (wal.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "access/wal/wal_reader.h"

namespace tusk::wal {

using RedoFunction = void (*)(const DecodedRecord& record);

// Process-local table: register in the postmaster before forking (or in the
// startup process before RunRedo). Id 0 is XLOG, registered built in.
void RegisterRmgr(uint8_t id, const char* name, RedoFunction redo);
// The registered name, or nullptr.
const char* RmgrName(uint8_t id);

// Resource manager IDs, one per kind of WAL record; fixed forever (they are on disk).
inline constexpr uint8_t kRmgrXlog = 0;
inline constexpr uint8_t kRmgrXact = 1;     // commit, abort (access/transam/xact)
inline constexpr uint8_t kRmgrSmgr = 2;     // relation file create/truncate
inline constexpr uint8_t kRmgrClog = 3;     // commit-log page zeroing
inline constexpr uint8_t kRmgrDatabase = 4; // CREATE/DROP DATABASE
inline constexpr uint8_t kRmgrHeap = 10;    // heap insert/update/delete/lock
inline constexpr uint8_t kRmgrHeap2 = 11;   // pruning, vacuum, freezing, multi-insert
inline constexpr uint8_t kRmgrBtree = 12;   // B-tree inserts, splits, deletes
inline constexpr uint8_t kRmgrSequence = 15; // sequence page states (access/sequence; PostgreSQL's RM_SEQ_ID)
inline constexpr uint8_t kXlogCheckpointShutdown = 0x00;
inline constexpr uint8_t kXlogCheckpointOnline = 0x10;
inline constexpr uint8_t kXlogNextOid = 0x30;  // main data: the new counter value (4 bytes)
// No data: the rest of its segment is unused, the next record starts the next
// segment (SwitchEndOf in wal_format.h).
inline constexpr uint8_t kXlogSwitch = 0x40;
// Main data: the backup's start LSN (8 bytes). Written by pg_backup_stop (and
// BASE_BACKUP); recovery from that backup is consistent once past it.
inline constexpr uint8_t kXlogBackupEnd = 0x50;

// ---- the OID counter in WAL (PostgreSQL's XLOG_NEXTOID) ----
// OIDs one NEXTOID record reserves (PostgreSQL's VAR_OID_PREFETCH).
inline constexpr uint32_t kOidPrefetch = 8192;
// A new OID from the shared counter (transam::GetNewOid), WAL-logged in
// batches: before handing out an OID at or past the end of the last logged
// batch it inserts an XLOG NEXTOID record naming OID + kOidPrefetch, whose
// redo moves the counter there. So after a crash the counter is past every
// OID that can have reached a page or a file, and none is handed out twice.
// Every caller that stores an OID takes it from here, not from transam.
uint32_t NewLoggedOid();
// The next_oid a checkpoint record carries: the counter itself for a
// shutdown checkpoint (nothing runs after it), else the end of the logged
// batch, because OIDs below it are handed out without another record and
// redo that starts at this checkpoint would not see the record reserving them.
uint32_t CheckpointNextOid(bool shutdown);

struct CheckpointInfo {
  Lsn redo = kInvalidLsn;
  uint64_t next_xid = 3;
  uint32_t next_oid = 16384;
  int64_t time = 0;  // epoch seconds
  bool shutdown = false;
};
// Main data of a checkpoint record: redo (8), next_xid (8), time (8), next_oid (4), shutdown (1), pad (3).
inline constexpr size_t kCheckpointDataSize = 32;
void EncodeCheckpoint(const CheckpointInfo& info, char out[kCheckpointDataSize]);

// Inserts and flushes a checkpoint record; returns its start LSN (the value
// for the control file's checkpoint_lsn).
Lsn WriteCheckpointRecord(const CheckpointInfo& info);
// Reads the record at `lsn` in DATADIR (SetDataDirectory/ShmemInit); false with
// *error ("invalid checkpoint record" or the reader's reason) if it is not a
// valid checkpoint record.
bool ReadCheckpointRecord(Lsn lsn, CheckpointInfo* info, std::string* error);
// The same with an explicit data directory (no shared memory needed).
bool ReadCheckpointRecordIn(const std::string& datadir, Lsn lsn, CheckpointInfo* info, std::string* error);

struct RedoResult {
  Lsn end_of_wal = kInvalidLsn;   // where insertion continues
  Lsn last_record = kInvalidLsn;  // start of the last valid record (next prev-link)
  uint64_t replayed = 0;
  uint64_t max_xid = 0;           // highest transaction ID named by a replayed record
  std::string stop_reason;        // why reading stopped ("" if the WAL ran out)
};
// Replays every valid record from `redo_start` through the registered redo
// functions. When redo_start == checkpoint_lsn the checkpoint record itself is
// not replayed (as PostgreSQL). Logs "redo starts at", the stop reason, and
// "redo done at ... system usage: ..." or "redo is not required". Returns the
// end of valid WAL, for StartupWal. An unregistered rmgr id is a PANIC.
// on_segment, when given, is told each WAL segment number redo enters (the
// startup process shows it in its title).
// Archive recovery and standby mode (contract 10) watch each record and decide
// what happens at the end of the readable WAL.
struct RedoHooks {
  std::function<void(const DecodedRecord&)> before_record;
  std::function<void(const DecodedRecord&)> after_record;
  // At the end of the readable WAL (`next`: where the next record would
  // start, `reason`: the reader's): true to read again, false to finish.
  std::function<bool(Lsn next, const std::string& reason)> at_end;
};
Lsn RunRedo(Lsn redo_start, Lsn checkpoint_lsn, RedoResult* result = nullptr,
            void (*on_segment)(uint64_t segno) = nullptr, const RedoHooks* hooks = nullptr);

}  // namespace tusk::wal
