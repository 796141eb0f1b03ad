// The transaction layer a backend drives: start, command ids, lazy xid
// assignment, snapshots per isolation level, commit/abort in the order WAL ->
// clog -> process array, savepoints, and redo of commit/abort records. XACT.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "access/transam/snapshot.h"
#include "access/transam/visibility.h"
#include "access/wal/wal_format.h"

namespace tusk::xact {

// SERIALIZABLE runs as REPEATABLE READ (snapshot isolation without SSI's
// dangerous-structure checks): it never raises 40001 on its own. READ
// UNCOMMITTED maps to READ COMMITTED, as in PostgreSQL.
enum class Isolation { kReadCommitted, kRepeatableRead, kSerializable };

// "read committed", "repeatable read", "serializable", "read uncommitted"
// (the GUC's spellings). Throws 22023 for anything else.
Isolation IsolationFromName(const std::string& name);
const char* IsolationName(Isolation isolation);

// Command ids: 0 is the first command; 2^32-1 is never a valid id.
inline constexpr uint32_t kFirstCommandId = 0;
inline constexpr uint32_t kInvalidCommandId = 0xFFFFFFFFu;

// ---- lifetime of the top-level transaction (one per process) ----

// Begins a transaction: no xid, no snapshot yet. Throws XX000 if one is open.
void StartTransaction(Isolation isolation, bool read_only);
bool IsInTransaction();
Isolation CurrentIsolation();
bool IsReadOnly();
// SET TRANSACTION / BEGIN ... modes after StartTransaction. Isolation may only
// change before the first snapshot (25001) and not in a subtransaction (25001);
// read-write may not be chosen after the first snapshot (25001).
void SetIsolation(Isolation isolation);
void SetReadOnly(bool read_only);

// ---- commands ----

// Start of each statement. From the second statement on it advances the
// command counter (so the statement sees its predecessors' changes); in READ
// COMMITTED it drops the statement snapshot so the next
// GetTransactionSnapshot() takes a fresh one.
void StartCommand();
// Makes the current command's changes visible to what follows. ERROR 54000
// once the counter would reach 2^32-1.
void CommandCounterIncrement();
uint32_t CurrentCommandId();
// Tests only: jump the counter (to reach the limit without 4 billion calls).
void SetCommandIdForTesting(uint32_t cid);

// ERROR 25006 "cannot execute <command> in a read-only transaction" if the
// transaction is read-only. Call before any write (the command tag names it).
void CheckWritable(const char* command);

// The xid of the current (sub)transaction: what the heap stamps into tuples.
// With assign=true, assigns it on first use: the top-level xid first, then
// each enclosing subtransaction's, outermost first; each newly assigned xid
// gets an ExclusiveLock on LockTag::Transaction(xid) held until it ends.
// With assign=false returns 0 if none is assigned yet.
uint64_t GetXid(bool assign);
// The top-level xid, 0 if none.
uint64_t GetTopXid();

// ---- snapshots and "is it mine?" ----

// READ COMMITTED: one per statement (taken on the first call after
// StartCommand). REPEATABLE READ / SERIALIZABLE: the first one taken serves
// the whole transaction. Its curcid is always the current command id.
const transam::Snapshot& GetTransactionSnapshot();
// Own top xid, every live subtransaction xid (the current and enclosing
// levels and their released children), and the current command id.
transam::CurrentXact CurrentXactForVisibility();

// A query that outlives its statement (a SQL cursor, a suspended portal)
// reads as of its start while later statements of the transaction move on,
// as PostgreSQL's portal snapshot does: its rows never include what another
// transaction commits, or this one writes, after it began. QuerySnapshot()
// is the statement's snapshot now, with the current command id as curcid.
// While a QuerySnapshotScope lives, GetTransactionSnapshot() returns that
// snapshot and CurrentXactForVisibility() its command id. The advertised
// xmin stays the transaction's first (it is only cleared at the end), so
// VACUUM keeps every row such a snapshot can see.
transam::Snapshot QuerySnapshot();
class QuerySnapshotScope {
 public:
  explicit QuerySnapshotScope(const transam::Snapshot* snapshot);  // null: changes nothing
  ~QuerySnapshotScope();
  QuerySnapshotScope(const QuerySnapshotScope&) = delete;
  QuerySnapshotScope& operator=(const QuerySnapshotScope&) = delete;

 private:
  const transam::Snapshot* prev_;
};

// Blocks until `xid` (another process's transaction or subtransaction) has
// ended, by queueing on its Transaction lock (ShareLock), then on its parents'
// while it was a released subtransaction still running inside one.
void WaitForTransaction(uint64_t xid);

// A commit of this transaction must flush WAL at least to `lsn` (the end of
// a record written outside its own, such as a sequence's log-ahead record
// covering a value it handed out). A transaction with an xid flushes past it
// anyway (its commit record comes later); one without flushes to it. Follows
// synchronous_commit like a commit record.
void RequireWalFlushAtCommit(wal::Lsn lsn);

// Called by Commit once the transaction reads as committed and before its
// locks are released (the backend publishes its catalog changes there, so a
// session that waited for one of those locks sees them once it holds it).
// Must not throw.
void SetBeforeUnlockHook(void (*hook)());

// ---- end ----

struct CommitResult {
  uint64_t xid = 0;           // 0: nothing was written, no record
  std::vector<uint64_t> subxids;  // committed with it
  wal::Lsn lsn = wal::kInvalidLsn;  // end of the commit record
  bool flushed = false;       // WAL flushed to `lsn` before the clog was set
  int64_t commit_time_us = 0; // Unix microseconds stored in the record
};
// Commits. Without an xid: releases the snapshot and locks only. With one:
// commit record -> WAL flush (synchronous_commit != off) -> clog committed ->
// leave the process array -> release locks -> reset combo cids. Once the
// record is inserted any failure is a PANIC. An ERROR before that leaves the
// transaction open: the caller then calls Abort().
CommitResult Commit();
// Aborts the whole transaction (all levels). Safe after any ERROR and when no
// transaction is open (a no-op); throws nothing but PANIC.
void Abort();

// ---- savepoints ----

// SAVEPOINT name: pushes a subtransaction level (no xid until it writes).
void BeginSubtransaction(const std::string& name);
// RELEASE SAVEPOINT name: ends the newest level of that name and every level
// above it; their xids become committed children of the enclosing level
// (sub-committed in the clog only at top-level commit). 3B001 if unknown.
void ReleaseSubtransaction(const std::string& name);
// ROLLBACK TO SAVEPOINT name: aborts the newest level of that name and every
// level above it (abort record, clog aborted, dropped from the subxid cache,
// their own Transaction locks released), then starts a fresh level with the
// same name. Other locks they took are kept until top-level end. 3B001 if unknown.
void RollbackToSubtransaction(const std::string& name);
// 1 = top level only; +1 per open savepoint.
int NestingLevel();

// ---- WAL ----

// Info bits of kRmgrXact records (PostgreSQL's values).
inline constexpr uint8_t kXactCommit = 0x00;
inline constexpr uint8_t kXactAbort = 0x20;
// Registers the redo function under wal::kRmgrXact ("Transaction"): commit ->
// clog committed (top + subxids), abort -> aborted; always moves the next-xid
// counter past every xid in the record.
void RegisterXactRmgr();

}  // namespace tusk::xact
