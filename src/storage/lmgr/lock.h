// Heavyweight locks: PostgreSQL's eight table-lock modes on relations, tuples,
// transaction ids and other objects, held until transaction end, with FIFO
// waits, lock_timeout and deadlock detection. Rules: src/storage/lmgr/README.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "utils/guc_vars.h"

namespace tusk::lmgr {

enum class LockTagType : uint8_t {
  kRelation = 1,
  kPage,
  kTuple,
  kTransaction,
  kVirtualTransaction,
  kObject,
  kAdvisory,
};

// What is locked. Four 32-bit fields whose meaning depends on the type (see
// the factories); unused fields are zero so equality is plain field equality.
struct LockTag {
  uint32_t field1 = 0, field2 = 0, field3 = 0, field4 = 0;
  LockTagType type = LockTagType::kRelation;

  static LockTag Relation(uint32_t db, uint32_t rel);
  static LockTag Page(uint32_t db, uint32_t rel, uint32_t block);
  static LockTag Tuple(uint32_t db, uint32_t rel, uint32_t block, uint16_t offset);
  static LockTag Transaction(uint64_t xid);
  static LockTag VirtualTransaction(uint32_t backend_id, uint32_t local_xid);
  static LockTag Object(uint32_t db, uint32_t class_oid, uint32_t obj_oid, int32_t sub_id);
  // pg_advisory_lock(bigint) uses kind 1 with the key split in halves;
  // pg_advisory_lock(int, int) uses kind 2 with the two keys.
  static LockTag Advisory(uint32_t db, uint32_t key1, uint32_t key2, uint32_t kind);

  uint64_t Xid() const { return (static_cast<uint64_t>(field2) << 32) | field1; }
  bool operator==(const LockTag&) const = default;
  uint32_t Hash() const;
};

// "relation 16384 of database 5", "transaction 456", ... (as in PostgreSQL's messages).
std::string DescribeLockTag(const LockTag& tag);
// pg_locks.locktype: "relation", "tuple", "transactionid", ...
const char* LockTagTypeName(LockTagType type);

enum class LockMode : uint8_t {
  kNoLock = 0,
  kAccessShare = 1,
  kRowShare,
  kRowExclusive,
  kShareUpdateExclusive,
  kShare,
  kShareRowExclusive,
  kExclusive,
  kAccessExclusive,
};
inline constexpr int kMaxLockMode = 8;

// "AccessShareLock" ... "AccessExclusiveLock".
const char* LockModeName(LockMode mode);
// True if a holder of `a` blocks a request for `b` (the table is symmetric).
bool ModesConflict(LockMode a, LockMode b);

enum class LockResult { kOk, kNotAvailable };

// Transaction locks go at ReleaseAll(false); session locks survive it.
enum class LockOwner : uint8_t { kTransaction = 0, kSession = 1 };

// Shared memory, sized for (all process slots) * max_locks_per_transaction
// lock objects and twice as many holder entries.
size_t ShmemSize(const guc::Vars& vars);
void ShmemInit(const guc::Vars& vars);

// Takes `mode` on `tag` for the calling process (which must own a process
// array slot). Waits unless dont_wait; while waiting calls the interrupt
// hook, and throws 55P03 (lock_timeout), 40P01 (deadlock) or whatever the
// hook throws, always after leaving the wait queue. Throws 53200 when the
// shared table is full.
LockResult Acquire(const LockTag& tag, LockMode mode, bool dont_wait,
                   LockOwner owner = LockOwner::kTransaction);
// Drops one acquisition (of `owner`'s); the shared lock goes with the last one.
void Release(const LockTag& tag, LockMode mode, LockOwner owner = LockOwner::kTransaction);
// Transaction end or abort: drops every transaction lock, and session locks too if asked.
void ReleaseAll(bool session_locks_too);
bool HeldByMe(const LockTag& tag, LockMode mode);

// Called while waiting, at least every 100 ms and after each wake-up. It may
// throw (query cancel, statement timeout, termination).
void SetWaitInterruptHook(void (*hook)());
// Runs the hook (if set): other waits that must honour cancel and terminate.
void RunWaitInterruptHook();

// One pg_locks row.
struct LockInfo {
  std::string locktype;
  uint32_t database = 0, relation = 0, page = 0;
  uint16_t tuple = 0;
  uint64_t transactionid = 0;
  LockTag tag;
  int32_t pid = 0;
  std::string mode;
  bool granted = false;
  int64_t waitstart_us = 0;  // microseconds since the epoch; 0 = NULL (granted)
};
std::vector<LockInfo> SnapshotLocks();

}  // namespace tusk::lmgr

template <>
struct std::hash<tusk::lmgr::LockTag> {
  size_t operator()(const tusk::lmgr::LockTag& t) const noexcept { return t.Hash(); }
};
