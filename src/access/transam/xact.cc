// Process-local transaction state (levels, xids, command counter, snapshot)
// and the commit/abort/savepoint paths over WAL, clog, the process array and
// the lock manager. Ordering rules and why: XACT.md.
#include "access/transam/xact.h"

#include <unistd.h>

#include <algorithm>

#include "access/transam/clog.h"
#include "access/transam/known_xids.h"
#include "access/transam/subtrans.h"
#include "access/transam/transam.h"
#include "access/transam/xact_record.h"
#include "access/wal/wal.h"
#include "access/wal/wal_redo.h"
#include "storage/lmgr/lock.h"
#include "utils/error.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
#include "storage/ipc/suspend.h"

namespace tusk::xact {

namespace {

// One nesting level: index 0 is the top-level transaction.
struct Level {
  std::string name;                 // savepoint name; "" at the top
  uint64_t xid = 0;                 // 0 until this level first writes
  std::vector<uint64_t> committed;  // released children's xids (recursively)
};

struct State {
  bool open = false;
  Isolation isolation = Isolation::kReadCommitted;
  bool read_only = false;
  std::vector<Level> levels;
  uint32_t cid = kFirstCommandId;
  bool command_started = false;  // a statement already ran: the next one bumps the counter
  bool have_snapshot = false;
  bool snapshot_taken_ever = false;  // fixes the isolation level and read-write mode
  transam::Snapshot snapshot;
  // WAL written outside the transaction's own records that its commit must
  // have flushed (sequence values handed out: RequireWalFlushAtCommit).
  wal::Lsn flush_at_commit = wal::kInvalidLsn;
};

State g;
void (*g_before_unlock_hook)() = nullptr;
// The QuerySnapshotScope in force, if any.
const transam::Snapshot* g_query_snapshot = nullptr;

void RequireOpen(const char* what) {
  if (!g.open) throw MakeError(sqlstate::kInternalError, std::string(what) + " called outside a transaction");
}

// Everything after a commit or abort: back to "no transaction".
void ResetState() {
  g.open = false;
  g.levels.clear();
  g.cid = kFirstCommandId;
  g.command_started = false;
  g.have_snapshot = false;
  g.snapshot_taken_ever = false;
  g.snapshot = transam::Snapshot();
  g.flush_at_commit = wal::kInvalidLsn;
}

// Every xid of levels [from, end) and of their released children.
std::vector<uint64_t> XidsFrom(size_t from) {
  std::vector<uint64_t> out;
  for (size_t i = from; i < g.levels.size(); ++i) {
    if (g.levels[i].xid != 0) out.push_back(g.levels[i].xid);
    out.insert(out.end(), g.levels[i].committed.begin(), g.levels[i].committed.end());
  }
  return out;
}

// The newest level called `name` (never the top level); 0 if none.
size_t FindLevel(const std::string& name) {
  for (size_t i = g.levels.size(); i-- > 1;)
    if (g.levels[i].name == name) return i;
  return 0;
}

void RequireSavepoint(const char* what, const std::string& name, size_t* index) {
  if (!g.open)
    throw MakeError(sqlstate::kNoActiveSqlTransaction, std::string(what) + " can only be used in transaction blocks");
  *index = FindLevel(name);
  if (*index == 0) throw MakeError("3B001", "savepoint \"" + name + "\" does not exist");
}

wal::Lsn InsertRecord(uint8_t info, const internal::XactRecord& rec) {
  std::string data = internal::EncodeXactRecord(rec);
  wal::RecordBuilder b;
  b.AddData(data.data(), data.size());
  return b.Insert(wal::kRmgrXact, info, g.levels[0].xid);
}

// Runs `fn`; any failure becomes a PANIC (past the point of no return).
template <typename F>
void Critical(const char* what, F fn) {
  try {
    fn();
  } catch (const PgError& e) {
    if (e.data().level >= ErrLevel::kPanic) throw;
    ErrorData d = e.data();
    d.level = ErrLevel::kPanic;
    d.message = std::string(what) + ": " + d.message;
    throw PgError(d);
  } catch (const std::exception& e) {
    throw PgError(sqlstate::kInternalError, std::string(what) + ": " + e.what(), ErrLevel::kPanic);
  }
}

bool SynchronousCommit() { return guc::V().synchronous_commit != "off"; }

}  // namespace

Isolation IsolationFromName(const std::string& name) {
  if (name == "read committed" || name == "read uncommitted") return Isolation::kReadCommitted;
  if (name == "repeatable read") return Isolation::kRepeatableRead;
  if (name == "serializable") return Isolation::kSerializable;
  throw MakeError(sqlstate::kInvalidParameterValue, "invalid transaction isolation level \"" + name + "\"");
}

const char* IsolationName(Isolation isolation) {
  switch (isolation) {
    case Isolation::kReadCommitted: return "read committed";
    case Isolation::kRepeatableRead: return "repeatable read";
    case Isolation::kSerializable: return "serializable";
  }
  return "read committed";
}

void StartTransaction(Isolation isolation, bool read_only) {
  if (g.open) throw MakeError(sqlstate::kInternalError, "StartTransaction while a transaction is in progress");
  ResetState();
  g.open = true;
  g.isolation = isolation;
  // On a hot standby every transaction is read-only (contract 10).
  g.read_only = read_only || transam::KnownXidsActive();
  g.levels.push_back(Level{});
}

bool IsInTransaction() { return g.open; }
Isolation CurrentIsolation() { return g.isolation; }
bool IsReadOnly() { return g.read_only; }

void SetIsolation(Isolation isolation) {
  RequireOpen("SetIsolation");
  if (isolation == g.isolation) return;
  if (g.snapshot_taken_ever)
    throw MakeError(sqlstate::kActiveSqlTransaction, "SET TRANSACTION ISOLATION LEVEL must be called before any query");
  if (g.levels.size() > 1)
    throw MakeError(sqlstate::kActiveSqlTransaction, "SET TRANSACTION ISOLATION LEVEL must not be called in a subtransaction");
  g.isolation = isolation;
}

void SetReadOnly(bool read_only) {
  RequireOpen("SetReadOnly");
  if (read_only == g.read_only) return;
  if (!read_only && transam::KnownXidsActive())
    throw MakeError(sqlstate::kInvalidParameterValue, "cannot set transaction read-write mode during recovery");
  if (!read_only && g.snapshot_taken_ever)
    throw MakeError(sqlstate::kActiveSqlTransaction, "transaction read-write mode must be set before any query");
  g.read_only = read_only;
}

void StartCommand() {
  RequireOpen("StartCommand");
  if (g.command_started) CommandCounterIncrement();
  g.command_started = true;
  if (g.isolation == Isolation::kReadCommitted) g.have_snapshot = false;
}

void CommandCounterIncrement() {
  RequireOpen("CommandCounterIncrement");
  if (g.cid + 1 == kInvalidCommandId)
    throw MakeError(sqlstate::kProgramLimitExceeded, "cannot have more than 2^32-2 commands in a transaction");
  ++g.cid;
  g.snapshot.curcid = g.cid;
}

uint32_t CurrentCommandId() { return g.cid; }
void SetCommandIdForTesting(uint32_t cid) { g.cid = cid; }

void SetBeforeUnlockHook(void (*hook)()) { g_before_unlock_hook = hook; }

void RequireWalFlushAtCommit(wal::Lsn lsn) {
  if (g.open && lsn != wal::kInvalidLsn && lsn > g.flush_at_commit) g.flush_at_commit = lsn;
}

void CheckWritable(const char* command) {
  if (g.open && g.read_only)
    throw MakeError(sqlstate::kReadOnlySqlTransaction,
                    std::string("cannot execute ") + command + " in a read-only transaction");
}

uint64_t GetXid(bool assign) {
  RequireOpen("GetXid");
  if (g.levels.back().xid != 0 || !assign) return g.levels.back().xid;
  // Parents before children: pg_subtrans and the subxid cache rely on it.
  for (size_t i = 0; i < g.levels.size(); ++i) {
    Level& level = g.levels[i];
    if (level.xid != 0) continue;
    // Remember the xid before taking the lock, so Abort() ends it even if
    // the lock table is full.
    if (transam::KnownXidsActive()) throw MakeError(sqlstate::kInternalError, "cannot assign TransactionIds during recovery");
    if (i == 0) {
      // A new writer waits while a suspend has frozen writes (contract 11).
      suspend::WriteScope scope;
      level.xid = transam::AssignXid(false);
    } else {
      level.xid = transam::AssignXid(true, g.levels[i - 1].xid);
    }
    lmgr::Acquire(lmgr::LockTag::Transaction(level.xid), lmgr::LockMode::kExclusive, false);
  }
  return g.levels.back().xid;
}

uint64_t GetTopXid() { return g.open ? g.levels[0].xid : transam::kInvalidXid; }

const transam::Snapshot& GetTransactionSnapshot() {
  RequireOpen("GetTransactionSnapshot");
  if (g_query_snapshot) return *g_query_snapshot;
  if (!g.have_snapshot) {
    g.snapshot = transam::GetSnapshot();
    g.have_snapshot = true;
    g.snapshot_taken_ever = true;
  }
  g.snapshot.curcid = g.cid;
  return g.snapshot;
}

transam::CurrentXact CurrentXactForVisibility() {
  transam::CurrentXact me;
  if (!g.open) return me;
  me.top_xid = g.levels[0].xid;
  me.subxids = XidsFrom(1);
  me.subxids.insert(me.subxids.end(), g.levels[0].committed.begin(), g.levels[0].committed.end());
  me.curcid = g_query_snapshot ? g_query_snapshot->curcid : g.cid;
  return me;
}

transam::Snapshot QuerySnapshot() { return GetTransactionSnapshot(); }

QuerySnapshotScope::QuerySnapshotScope(const transam::Snapshot* snapshot) : prev_(g_query_snapshot) {
  if (snapshot) g_query_snapshot = snapshot;
}

QuerySnapshotScope::~QuerySnapshotScope() { g_query_snapshot = prev_; }

void WaitForTransaction(uint64_t xid) {
  while (transam::IsNormalXid(xid)) {
    lmgr::LockTag tag = lmgr::LockTag::Transaction(xid);
    lmgr::Acquire(tag, lmgr::LockMode::kShare, false);
    lmgr::Release(tag, lmgr::LockMode::kShare);
    if (!transam::IsInProgress(xid)) return;
    // Still running: a released subtransaction whose own lock went with its
    // parent's level, or an owner between AssignXid and taking its lock.
    uint64_t parent = transam::subtrans::GetParent(xid);
    if (parent != transam::kInvalidXid && parent < xid) {
      xid = parent;
    } else {
      usleep(1000);
    }
  }
}

CommitResult Commit() {
  CommitResult result;
  if (!g.open) return result;
  uint64_t xid = g.levels[0].xid;
  if (xid == transam::kInvalidXid) {
    // Read-only: nothing to record; others never saw an xid of ours. Values
    // of a sequence it handed out must be durable before the commit returns.
    if (g.flush_at_commit != wal::kInvalidLsn && SynchronousCommit()) {
      wal::Flush(g.flush_at_commit);
      result.flushed = true;
    }
    transam::ClearMyXmin();
    if (g_before_unlock_hook) g_before_unlock_hook();
    lmgr::ReleaseAll(false);
    transam::ResetComboCids();
    ResetState();
    return result;
  }
  // Open savepoints commit with the transaction.
  result.xid = xid;
  result.subxids = XidsFrom(1);
  result.subxids.insert(result.subxids.end(), g.levels[0].committed.begin(), g.levels[0].committed.end());
  std::sort(result.subxids.begin(), result.subxids.end());
  internal::XactRecord rec;
  rec.time_us = NowMicros();
  rec.xids.push_back(xid);
  rec.xids.insert(rec.xids.end(), result.subxids.begin(), result.subxids.end());
  result.commit_time_us = rec.time_us;
  // An ERROR here leaves the transaction open for the caller's Abort().
  result.lsn = InsertRecord(kXactCommit, rec);

  // The record is in WAL: from here on the outcome is "committed" or PANIC.
  Critical("could not complete commit", [&] {
    uint64_t clog_lsn = 0;
    if (SynchronousCommit()) {
      wal::Flush(result.lsn);
      result.flushed = true;
    } else {
      clog_lsn = result.lsn;  // the clog page must not reach disk before this WAL
    }
    transam::clog::SetStatus(xid, result.subxids, transam::XidStatus::kCommitted, clog_lsn);
    transam::EndTransaction();
  });
  // Waiters on our Transaction lock wake only now, and find us committed.
  if (g_before_unlock_hook) g_before_unlock_hook();
  lmgr::ReleaseAll(false);
  transam::ResetComboCids();
  ResetState();
  return result;
}

void Abort() {
  if (!g.open) return;
  uint64_t xid = g.levels[0].xid;
  std::vector<uint64_t> subxids = XidsFrom(1);
  subxids.insert(subxids.end(), g.levels[0].committed.begin(), g.levels[0].committed.end());
  // Forget the transaction first: a failure below must not make a second
  // Abort() redo half of it.
  ResetState();
  if (xid != transam::kInvalidXid) {
    Critical("could not abort transaction", [&] {
      internal::XactRecord rec;
      rec.time_us = NowMicros();
      rec.xids.push_back(xid);
      rec.xids.insert(rec.xids.end(), subxids.begin(), subxids.end());
      // No flush: a missing abort record reads as "did not commit" anyway.
      InsertRecord(kXactAbort, rec);
      transam::clog::SetStatus(xid, subxids, transam::XidStatus::kAborted);
      transam::EndTransaction();
    });
  } else {
    transam::ClearMyXmin();
  }
  lmgr::ReleaseAll(false);
  transam::ResetComboCids();
}

void BeginSubtransaction(const std::string& name) {
  if (!g.open)
    throw MakeError(sqlstate::kNoActiveSqlTransaction, "SAVEPOINT can only be used in transaction blocks");
  Level level;
  level.name = name;
  g.levels.push_back(std::move(level));
}

void ReleaseSubtransaction(const std::string& name) {
  size_t index = 0;
  RequireSavepoint("RELEASE SAVEPOINT", name, &index);
  // Innermost first: each level's xid and children move to its parent.
  while (g.levels.size() > index) {
    Level child = std::move(g.levels.back());
    g.levels.pop_back();
    Level& parent = g.levels.back();
    if (child.xid != 0) parent.committed.push_back(child.xid);
    parent.committed.insert(parent.committed.end(), child.committed.begin(), child.committed.end());
  }
}

void RollbackToSubtransaction(const std::string& name) {
  size_t index = 0;
  RequireSavepoint("ROLLBACK TO SAVEPOINT", name, &index);
  std::vector<uint64_t> aborted = XidsFrom(index);
  if (!aborted.empty()) {
    // Each xid was assigned after the top-level one, so that one exists.
    internal::XactRecord rec;
    rec.time_us = NowMicros();
    rec.xids = aborted;
    InsertRecord(kXactAbort, rec);
    // Clog first, then out of the cache (transam README): a reader that
    // finds them not running then sees them aborted.
    Critical("could not abort subtransaction", [&] {
      transam::clog::SetStatus(aborted[0], {aborted.begin() + 1, aborted.end()}, transam::XidStatus::kAborted);
      transam::RemoveSubxids(aborted);
    });
    for (uint64_t x : aborted) {
      lmgr::LockTag tag = lmgr::LockTag::Transaction(x);
      if (lmgr::HeldByMe(tag, lmgr::LockMode::kExclusive)) lmgr::Release(tag, lmgr::LockMode::kExclusive);
    }
  }
  g.levels.resize(index);
  Level fresh;
  fresh.name = name;
  g.levels.push_back(std::move(fresh));
}

int NestingLevel() { return g.open ? static_cast<int>(g.levels.size()) : 0; }

}  // namespace tusk::xact
