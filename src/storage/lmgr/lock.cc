// Heavyweight lock acquisition, release and waiting: shared lock objects and
// holder entries in 16 hash partitions, plus a per-process table that makes
// re-acquiring a held lock a local counter bump.
#include "storage/lmgr/lock.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <new>
#include <unordered_map>

#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "storage/lmgr/deadlock.h"
#include "storage/lmgr/lock_internal.h"
#include "utils/error.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

namespace tusk::lmgr {

namespace internal {
Shared* g_shared = nullptr;
LockObj* g_locks = nullptr;
ProcLock* g_proclocks = nullptr;
ProcWait* g_waits = nullptr;
}  // namespace internal

using namespace internal;

namespace {

int32_t* g_buckets = nullptr;  // per partition: heads of lock chains (partition lock)

// Process slots beyond the configured connection, worker and WAL-sender
// counts (auxiliary processes); matches the process array's allowance.
constexpr int kAuxProcAllowance = 16;
constexpr int64_t kHookIntervalUs = 100 * 1000;

void (*g_interrupt_hook)() = nullptr;

// What this process holds on one tag: acquisitions per mode and owner, and
// where the shared entries are (stable while anything is held).
struct LocalLock {
  int32_t count[kMaxLockMode + 1][2] = {};
  int32_t lock = kNone, proclock = kNone;
  bool Holds(int m) const { return count[m][0] + count[m][1] > 0; }
  bool Empty() const {
    for (int m = 1; m <= kMaxLockMode; ++m)
      if (Holds(m)) return false;
    return true;
  }
};
std::unordered_map<LockTag, LocalLock> g_local;

int NumProcs(const guc::Vars& v) {
  return v.max_connections + v.autovacuum_max_workers + v.max_wal_senders + kAuxProcAllowance;
}

struct Sizes {
  int procs, locks, proclocks, buckets_per_partition;
};

Sizes ComputeSizes(const guc::Vars& v) {
  Sizes s;
  s.procs = NumProcs(v);
  s.locks = std::max(1, v.max_locks_per_transaction) * s.procs;
  s.proclocks = 2 * s.locks;
  s.buckets_per_partition = std::max(16, s.locks / kNumPartitions);
  return s;
}

PgError OutOfSharedMemory() {
  return MakeError(sqlstate::kOutOfMemory, "out of shared memory", "",
                   "You might need to increase max_locks_per_transaction.");
}

int MyProc() {
  ProcSlot* slot = proc_array::MySlot();
  if (slot == nullptr || g_shared == nullptr) throw MakeError(sqlstate::kInternalError, "lock manager used without a process slot");
  int idx = proc_array::SlotIndex(slot);
  if (idx >= g_shared->num_procs) throw MakeError(sqlstate::kInternalError, "process slot beyond the lock manager's arrays");
  return idx;
}

void FutexWake(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

// Shared (not private) futex: the word lives in the cross-process region.
void FutexWait(std::atomic<uint32_t>* word, uint32_t seen, int64_t timeout_us) {
  timespec ts{static_cast<time_t>(timeout_us / 1000000), static_cast<long>(timeout_us % 1000000) * 1000};
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT, seen, &ts, nullptr, 0);
}

int32_t* BucketFor(uint32_t hash) {
  int part = PartitionOf(hash);
  uint32_t b = (hash / kNumPartitions) % static_cast<uint32_t>(g_shared->buckets_per_partition);
  return &g_buckets[part * g_shared->buckets_per_partition + b];
}

int32_t PopFree(int32_t* head, bool is_lock) {
  g_shared->freelist_lock.Lock();
  int32_t idx = *head;
  if (idx != kNone) *head = is_lock ? g_locks[idx].next_in_bucket : g_proclocks[idx].next;
  g_shared->freelist_lock.Unlock();
  return idx;
}

void PushFreeLock(int32_t idx) {
  g_shared->freelist_lock.Lock();
  g_locks[idx].next_in_bucket = g_shared->free_locks;
  g_shared->free_locks = idx;
  g_shared->freelist_lock.Unlock();
}

void PushFreeProcLock(int32_t idx) {
  g_shared->freelist_lock.Lock();
  g_proclocks[idx].next = g_shared->free_proclocks;
  g_shared->free_proclocks = idx;
  g_shared->freelist_lock.Unlock();
}

// Partition lock held. Returns kNone if absent and !create; throws when full.
int32_t FindLock(const LockTag& tag, uint32_t hash, bool create) {
  int32_t* head = BucketFor(hash);
  for (int32_t i = *head; i != kNone; i = g_locks[i].next_in_bucket)
    if (g_locks[i].tag == tag) return i;
  if (!create) return kNone;
  int32_t i = PopFree(&g_shared->free_locks, true);
  if (i == kNone) throw OutOfSharedMemory();
  LockObj& l = g_locks[i];
  l = LockObj{};
  l.tag = tag;
  l.proclocks = kNone;
  l.queue_head = l.queue_tail = kNone;
  l.next_in_bucket = *head;
  *head = i;
  return i;
}

// Frees the lock object once nobody holds or waits for it. Partition lock held.
void FreeLockIfUnused(int32_t li) {
  LockObj& l = g_locks[li];
  if (l.proclocks != kNone) return;
  for (int32_t* p = BucketFor(l.tag.Hash()); *p != kNone; p = &g_locks[*p].next_in_bucket) {
    if (*p == li) {
      *p = l.next_in_bucket;
      break;
    }
  }
  PushFreeLock(li);
}

int32_t FindProcLock(int32_t li, int proc, bool create) {
  for (int32_t i = g_locks[li].proclocks; i != kNone; i = g_proclocks[i].next)
    if (g_proclocks[i].proc == proc) return i;
  if (!create) return kNone;
  int32_t i = PopFree(&g_shared->free_proclocks, false);
  if (i == kNone) {
    FreeLockIfUnused(li);
    throw OutOfSharedMemory();
  }
  g_proclocks[i] = ProcLock{li, proc, 0, g_locks[li].proclocks};
  g_locks[li].proclocks = i;
  return i;
}

// Drops a holder entry that holds nothing and does not wait, then the lock
// object if that was the last entry. Partition lock held.
void CleanupIfUnused(int32_t li, int32_t pli) {
  ProcLock& pl = g_proclocks[pli];
  if (pl.hold_mask != 0 || g_waits[pl.proc].lock == li) return;
  for (int32_t* p = &g_locks[li].proclocks; *p != kNone; p = &g_proclocks[*p].next) {
    if (*p == pli) {
      *p = pl.next;
      break;
    }
  }
  PushFreeProcLock(pli);
  FreeLockIfUnused(li);
}

void Grant(LockObj& l, ProcLock& pl, LockMode mode) {
  pl.hold_mask |= Bit(mode);
  l.granted[static_cast<int>(mode)]++;
  l.granted_mask |= Bit(mode);
}

void Unqueue(LockObj& l, int proc) {
  ProcWait& w = g_waits[proc];
  if (w.queue_prev != kNone) g_waits[w.queue_prev].queue_next = w.queue_next;
  else l.queue_head = w.queue_next;
  if (w.queue_next != kNone) g_waits[w.queue_next].queue_prev = w.queue_prev;
  else l.queue_tail = w.queue_prev;
  w.queue_prev = w.queue_next = kNone;
  int m = static_cast<int>(w.mode);
  if (--l.waiting[m] == 0) l.wait_mask &= ~Bit(w.mode);
}

// Puts `proc` in the queue before `before` (kNone: at the tail).
void Enqueue(int32_t li, int32_t pli, int proc, LockMode mode, int before) {
  LockObj& l = g_locks[li];
  ProcWait& w = g_waits[proc];
  w.lock = li;
  w.proclock = pli;
  w.mode = mode;
  w.wait_start_us = NowMicros();
  w.queue_next = before;
  w.queue_prev = before == kNone ? l.queue_tail : g_waits[before].queue_prev;
  if (w.queue_prev != kNone) g_waits[w.queue_prev].queue_next = proc;
  else l.queue_head = proc;
  if (before != kNone) g_waits[before].queue_prev = proc;
  else l.queue_tail = proc;
  l.waiting[static_cast<int>(mode)]++;
  l.wait_mask |= Bit(mode);
  w.status.store(kWaiting, std::memory_order_release);
}

// Grants, in queue order, every waiter that conflicts neither with holders
// nor with a still-waiting request ahead of it. Partition lock held.
void WakeWaiters(int32_t li) {
  LockObj& l = g_locks[li];
  LockMask ahead = 0;
  for (int p = l.queue_head; p != kNone;) {
    ProcWait& w = g_waits[p];
    int next = w.queue_next;
    ProcLock& pl = g_proclocks[w.proclock];
    if (!(ConflictMask(w.mode) & ahead) && !ConflictsWithHolders(l, w.mode, pl.hold_mask)) {
      Unqueue(l, p);
      Grant(l, pl, w.mode);
      w.lock = kNone;
      w.status.store(kGranted, std::memory_order_release);
      w.wake_word.fetch_add(1, std::memory_order_release);
      FutexWake(&w.wake_word);
    } else {
      ahead |= Bit(w.mode);
    }
    p = next;
  }
}

void ReleaseShared(const LockTag& tag, LockMode mode, const LocalLock& local) {
  LWLockGuard guard(PartitionLock(PartitionOf(tag.Hash())), LWLockMode::kExclusive);
  LockObj& l = g_locks[local.lock];
  ProcLock& pl = g_proclocks[local.proclock];
  if (!(pl.hold_mask & Bit(mode))) return;
  pl.hold_mask &= ~Bit(mode);
  if (--l.granted[static_cast<int>(mode)] == 0) l.granted_mask &= ~Bit(mode);
  WakeWaiters(local.lock);
  CleanupIfUnused(local.lock, local.proclock);
}

std::string WaitLine(int proc, LockMode mode, const LockTag& tag, int blocker) {
  return "Process " + std::to_string(proc_array::SlotAt(proc)->pid.load()) + " waits for " + LockModeName(mode) +
         " on " + DescribeLockTag(tag) + "; blocked by process " +
         std::to_string(proc_array::SlotAt(blocker)->pid.load()) + ".";
}

PgError DeadlockError(const std::string& detail) {
  return MakeError(sqlstate::kDeadlockDetected, "deadlock detected", detail, "See server log for query details.");
}

// Leaves the queue after a timeout, deadlock or interrupt. Returns true if the
// lock was granted before we got the partition lock (then we hold it).
bool AbortWait(int me, uint32_t hash, int32_t li, int32_t pli) {
  LWLockGuard guard(PartitionLock(PartitionOf(hash)), LWLockMode::kExclusive);
  ProcWait& w = g_waits[me];
  if (w.status.load(std::memory_order_acquire) == kGranted) {
    w.status.store(kNotWaiting, std::memory_order_relaxed);
    return true;
  }
  RemoveWaiterLocked(me);  // a no-op if the deadlock detector already did it
  CleanupIfUnused(li, pli);
  return false;
}

// Sleeps until granted; see README rule 6 for the exits.
void WaitForGrant(int me, uint32_t hash, LocalLock& local, LockMode mode, LockOwner owner) {
  ProcWait& w = g_waits[me];
  const int32_t li = local.lock, pli = local.proclock;
  const int64_t start = NowMicros();
  bool deadlock_checked = false;
  auto note_granted = [&] { local.count[static_cast<int>(mode)][static_cast<int>(owner)]++; };
  for (;;) {
    uint32_t seen = w.wake_word.load(std::memory_order_acquire);
    if (w.status.load(std::memory_order_acquire) == kGranted) break;
    if (g_interrupt_hook != nullptr) {
      try {
        g_interrupt_hook();
      } catch (...) {
        if (AbortWait(me, hash, li, pli)) note_granted();  // held: ReleaseAll at abort drops it
        throw;
      }
    }
    const int64_t now = NowMicros();
    const int64_t lock_timeout_us = static_cast<int64_t>(guc::V().lock_timeout) * 1000;
    const int64_t deadlock_us = static_cast<int64_t>(guc::V().deadlock_timeout) * 1000;
    if (lock_timeout_us > 0 && now - start >= lock_timeout_us) {
      if (AbortWait(me, hash, li, pli)) break;
      throw MakeError(sqlstate::kLockNotAvailable, "canceling statement due to lock timeout");
    }
    if (!deadlock_checked && now - start >= deadlock_us) {
      deadlock_checked = true;
      std::string detail;
      if (CheckDeadlock(me, &detail)) {
        AbortWait(me, hash, li, pli);  // already off the queue; frees an empty holder entry
        throw DeadlockError(detail);
      }
      continue;
    }
    int64_t sleep_us = kHookIntervalUs;
    if (lock_timeout_us > 0) sleep_us = std::min(sleep_us, start + lock_timeout_us - now);
    if (!deadlock_checked) sleep_us = std::min(sleep_us, start + deadlock_us - now);
    FutexWait(&w.wake_word, seen, std::max<int64_t>(sleep_us, 1));
  }
  w.status.store(kNotWaiting, std::memory_order_relaxed);
  note_granted();
}

void EraseIfEmpty(const LockTag& tag) {
  auto it = g_local.find(tag);
  if (it != g_local.end() && it->second.Empty()) g_local.erase(it);
}

}  // namespace

namespace internal {

bool ConflictsWithHolders(const LockObj& l, LockMode mode, LockMask held) {
  LockMask conflicts = ConflictMask(mode);
  if (!(conflicts & l.granted_mask)) return false;
  for (int m = 1; m <= kMaxLockMode; ++m) {
    if (!(conflicts & (1u << m))) continue;
    int others = l.granted[m] - ((held & (1u << m)) ? 1 : 0);
    if (others > 0) return true;
  }
  return false;
}

void RemoveWaiterLocked(int proc) {
  ProcWait& w = g_waits[proc];
  if (w.lock == kNone) return;
  int32_t li = w.lock;
  Unqueue(g_locks[li], proc);
  w.lock = kNone;
  w.status.store(kNotWaiting, std::memory_order_release);
  // Requests queued behind us may have been blocked only by our request.
  WakeWaiters(li);
}

}  // namespace internal

size_t ShmemSize(const guc::Vars& vars) {
  Sizes s = ComputeSizes(vars);
  return shmem::AlignedSize(sizeof(Shared)) + shmem::AlignedSize(sizeof(LockObj) * s.locks) +
         shmem::AlignedSize(sizeof(ProcLock) * s.proclocks) + shmem::AlignedSize(sizeof(ProcWait) * s.procs) +
         shmem::AlignedSize(sizeof(int32_t) * s.buckets_per_partition * kNumPartitions);
}

void ShmemInit(const guc::Vars& vars) {
  Sizes s = ComputeSizes(vars);
  g_shared = new (shmem::Alloc(sizeof(Shared))) Shared();
  g_locks = static_cast<LockObj*>(shmem::Alloc(sizeof(LockObj) * s.locks));
  g_proclocks = static_cast<ProcLock*>(shmem::Alloc(sizeof(ProcLock) * s.proclocks));
  g_waits = static_cast<ProcWait*>(shmem::Alloc(sizeof(ProcWait) * s.procs));
  g_buckets = static_cast<int32_t*>(shmem::Alloc(sizeof(int32_t) * s.buckets_per_partition * kNumPartitions));
  g_shared->num_locks = s.locks;
  g_shared->num_proclocks = s.proclocks;
  g_shared->num_procs = s.procs;
  g_shared->buckets_per_partition = s.buckets_per_partition;
  for (int i = 0; i < s.locks; ++i) g_locks[i].next_in_bucket = i + 1 < s.locks ? i + 1 : kNone;
  for (int i = 0; i < s.proclocks; ++i) g_proclocks[i].next = i + 1 < s.proclocks ? i + 1 : kNone;
  g_shared->free_locks = 0;
  g_shared->free_proclocks = 0;
  std::fill(g_buckets, g_buckets + s.buckets_per_partition * kNumPartitions, kNone);
  for (int i = 0; i < s.procs; ++i) {
    ProcWait* w = new (&g_waits[i]) ProcWait();
    w->lock = w->proclock = w->queue_prev = w->queue_next = kNone;
  }
  g_local.clear();  // a crash restart re-creates the region under the postmaster
}

void SetWaitInterruptHook(void (*hook)()) { g_interrupt_hook = hook; }

void RunWaitInterruptHook() {
  if (g_interrupt_hook != nullptr) g_interrupt_hook();
}

LockResult Acquire(const LockTag& tag, LockMode mode, bool dont_wait, LockOwner owner) {
  const int m = static_cast<int>(mode);
  LocalLock& local = g_local[tag];
  if (local.Holds(m)) {
    local.count[m][static_cast<int>(owner)]++;
    return LockResult::kOk;
  }
  try {
    const int me = MyProc();
    const uint32_t hash = tag.Hash();
    LWLockGuard guard(PartitionLock(PartitionOf(hash)), LWLockMode::kExclusive);
    int32_t li = FindLock(tag, hash, true);
    int32_t pli = FindProcLock(li, me, true);
    local.lock = li;
    local.proclock = pli;
    LockObj& l = g_locks[li];
    ProcLock& pl = g_proclocks[pli];
    // A request conflicting with an earlier waiter queues behind it (rule 4).
    if (!(ConflictMask(mode) & l.wait_mask) && !ConflictsWithHolders(l, mode, pl.hold_mask)) {
      Grant(l, pl, mode);
      local.count[m][static_cast<int>(owner)]++;
      return LockResult::kOk;
    }
    if (dont_wait) {
      CleanupIfUnused(li, pli);
      guard.Unlock();
      EraseIfEmpty(tag);
      return LockResult::kNotAvailable;
    }
    // Rule 5: if a waiter wants something we already hold, go ahead of it.
    int before = kNone;
    LockMask ahead = 0;
    if (pl.hold_mask != 0) {
      for (int p = l.queue_head; p != kNone; p = g_waits[p].queue_next) {
        const ProcWait& w = g_waits[p];
        if (ConflictMask(w.mode) & pl.hold_mask) {
          if (ConflictMask(mode) & g_proclocks[w.proclock].hold_mask) {
            // Each waits for the other already: no need to wait for the detector.
            std::string detail = WaitLine(me, mode, tag, p) + "\n" + WaitLine(p, w.mode, tag, me);
            CleanupIfUnused(li, pli);
            throw DeadlockError(detail);
          }
          before = p;
          break;
        }
        ahead |= Bit(w.mode);
      }
      if (before != kNone && !(ConflictMask(mode) & ahead) && !ConflictsWithHolders(l, mode, pl.hold_mask)) {
        Grant(l, pl, mode);
        local.count[m][static_cast<int>(owner)]++;
        return LockResult::kOk;
      }
    }
    Enqueue(li, pli, me, mode, before);
    guard.Unlock();
    WaitForGrant(me, hash, local, mode, owner);
    return LockResult::kOk;
  } catch (...) {
    EraseIfEmpty(tag);
    throw;
  }
}

void Release(const LockTag& tag, LockMode mode, LockOwner owner) {
  auto it = g_local.find(tag);
  const int m = static_cast<int>(mode);
  if (it == g_local.end() || it->second.count[m][static_cast<int>(owner)] == 0) return;
  LocalLock& local = it->second;
  local.count[m][static_cast<int>(owner)]--;
  if (local.Holds(m)) return;
  ReleaseShared(tag, mode, local);
  if (local.Empty()) g_local.erase(it);
}

void ReleaseAll(bool session_locks_too) {
  for (auto it = g_local.begin(); it != g_local.end();) {
    LocalLock& local = it->second;
    for (int m = 1; m <= kMaxLockMode; ++m) {
      if (!local.Holds(m)) continue;
      local.count[m][static_cast<int>(LockOwner::kTransaction)] = 0;
      if (session_locks_too) local.count[m][static_cast<int>(LockOwner::kSession)] = 0;
      if (!local.Holds(m)) ReleaseShared(it->first, static_cast<LockMode>(m), local);
    }
    if (local.Empty()) it = g_local.erase(it);
    else ++it;
  }
}

bool HeldByMe(const LockTag& tag, LockMode mode) {
  auto it = g_local.find(tag);
  return it != g_local.end() && it->second.Holds(static_cast<int>(mode));
}

std::vector<LockInfo> SnapshotLocks() {
  std::vector<LockInfo> out;
  if (g_shared == nullptr) return out;
  for (int p = 0; p < kNumPartitions; ++p) PartitionLock(p).Acquire(LWLockMode::kShared);
  auto row = [&](const LockTag& tag, int proc, LockMode mode, bool granted, int64_t waitstart) {
    LockInfo r;
    r.tag = tag;
    r.locktype = LockTagTypeName(tag.type);
    switch (tag.type) {
      case LockTagType::kTuple: r.tuple = static_cast<uint16_t>(tag.field4); [[fallthrough]];
      case LockTagType::kPage: r.page = tag.field3; [[fallthrough]];
      case LockTagType::kRelation: r.database = tag.field1; r.relation = tag.field2; break;
      case LockTagType::kTransaction: r.transactionid = tag.Xid(); break;
      case LockTagType::kObject: case LockTagType::kAdvisory: r.database = tag.field1; break;
      case LockTagType::kVirtualTransaction: break;
    }
    r.pid = proc_array::SlotAt(proc)->pid.load();
    r.mode = LockModeName(mode);
    r.granted = granted;
    r.waitstart_us = waitstart;
    out.push_back(std::move(r));
  };
  const int nbuckets = g_shared->buckets_per_partition * kNumPartitions;
  for (int b = 0; b < nbuckets; ++b) {
    for (int32_t li = g_buckets[b]; li != kNone; li = g_locks[li].next_in_bucket) {
      const LockObj& l = g_locks[li];
      for (int32_t pi = l.proclocks; pi != kNone; pi = g_proclocks[pi].next) {
        const ProcLock& pl = g_proclocks[pi];
        for (int m = 1; m <= kMaxLockMode; ++m)
          if (pl.hold_mask & (1u << m)) row(l.tag, pl.proc, static_cast<LockMode>(m), true, 0);
      }
      for (int p = l.queue_head; p != kNone; p = g_waits[p].queue_next)
        row(l.tag, p, g_waits[p].mode, false, g_waits[p].wait_start_us);
    }
  }
  for (int p = kNumPartitions - 1; p >= 0; --p) PartitionLock(p).Release();
  return out;
}

}  // namespace tusk::lmgr
