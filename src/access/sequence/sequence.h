// Sequence relations: the one-page heap that holds a sequence's state
// (last_value, log_cnt, is_called), nextval's and setval's changes to it
// (in place, outside any transaction), and their WAL records and redo.
// Design and rules: README.md beside this file.
#pragma once

#include <cstdint>
#include <string>

#include "access/wal/wal_format.h"
#include "storage/file/smgr.h"

namespace tusk::sequence {

// A sequence's parameters (its pg_sequence row).
struct Params {
  uint32_t type_oid = 20;  // int2 (21), int4 (23) or int8 (20)
  int64_t start = 1, increment = 1, max = INT64_MAX, min = 1, cache = 1;
  bool cycle = false;
};

// The state kept in the sequence's page: what `SELECT * FROM seq` shows.
struct State {
  int64_t last_value = 1;
  int64_t log_cnt = 0;
  bool is_called = false;
};

// Values nextval logs ahead of the one it returns (PostgreSQL's SEQ_LOG_VALS):
// only about one nextval in this many inserts a WAL record.
inline constexpr int64_t kLogAhead = 32;

// The page's special-area magic (PostgreSQL's SEQ_MAGIC).
inline constexpr uint32_t kSequenceMagic = 0x1717;

// Resource manager info code of the one record kind (PostgreSQL's XLOG_SEQ_LOG).
inline constexpr uint8_t kSeqLog = 0x00;

// Writes block 0 of a new, empty main fork holding `state` and WAL-logs it
// (the record rebuilds the whole page). `xid` is only recorded (0 if none).
// Returns the end of the record.
wal::Lsn InitStorage(const smgr::RelFileLocator& loc, const State& state, uint64_t xid);

// The current state, read under a shared lock. XX001 if the page is not a
// sequence page.
State ReadState(const smgr::RelFileLocator& loc);

// What one nextval took from the page.
struct Fetched {
  int64_t first = 0;  // the value to return
  int64_t last = 0;   // the last value fetched into the session's cache (== first with cache 1)
  // End of the WAL record that covers every value fetched: a commit that
  // hands any of them out must have flushed WAL this far.
  wal::Lsn covered_by = wal::kInvalidLsn;
};

// nextval's work on the page, under its exclusive lock: takes up to
// params.cache values (at least one), logs kLogAhead more in a record when
// the logged values are used up or the last record is older than the redo
// pointer, and updates the page. 2200H when the sequence is exhausted and not
// cycling (`name` is for the message).
Fetched Next(const smgr::RelFileLocator& loc, const Params& params, const std::string& name, uint64_t xid);

// setval's (and ALTER SEQUENCE RESTART's) work: the page takes `state` with
// log_cnt 0, WAL-logged. Returns the end of the record.
wal::Lsn Set(const smgr::RelFileLocator& loc, int64_t value, bool is_called, uint64_t xid);

// Registers wal::kRmgrSequence ("Sequence") redo (postmaster, before forking).
void RegisterSequenceRmgr();

}  // namespace tusk::sequence
