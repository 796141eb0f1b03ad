// Shared-memory layout of the heavyweight lock manager, shared by lock.cc and
// the deadlock detector. Not for use outside src/storage/lmgr/lock* and deadlock*.
// Every field names the lock that guards it (README rules 1-3).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "storage/lmgr/lock.h"
#include "storage/lmgr/lwlock.h"

namespace tusk::lmgr::internal {

inline constexpr int kNumPartitions = 16;
inline constexpr int32_t kNone = -1;

using LockMask = uint32_t;
inline constexpr LockMask Bit(LockMode m) { return 1u << static_cast<int>(m); }
// Modes that conflict with a request for `m`.
LockMask ConflictMask(LockMode m);

// A locked object. Lives in the partition of its tag's hash while in use.
struct LockObj {
  LockTag tag;                          // partition lock
  int32_t next_in_bucket;               // partition lock (free-list link while free: freelist lock)
  int32_t proclocks;                    // partition lock: head of this lock's holder entries
  LockMask granted_mask;                // partition lock: modes granted to anyone
  LockMask wait_mask;                   // partition lock: modes someone waits for
  int32_t granted[kMaxLockMode + 1];    // partition lock: holders per mode
  int32_t waiting[kMaxLockMode + 1];    // partition lock: waiters per mode
  int32_t queue_head, queue_tail;       // partition lock: FIFO of waiting process indices
};

// Which modes one process holds (or waits for) on one lock.
struct ProcLock {
  int32_t lock;       // partition lock
  int32_t proc;       // partition lock
  LockMask hold_mask; // partition lock
  int32_t next;       // partition lock: next entry of the same lock (free-list link while free)
};

enum WaitStatus : int32_t { kNotWaiting = 0, kWaiting = 1, kGranted = 2 };

// Per process, parallel to the process array.
struct ProcWait {
  // Bumped by whoever changes `status`, then futex-woken; the owner sleeps on it.
  std::atomic<uint32_t> wake_word;
  std::atomic<int32_t> status;    // written under the partition lock of `lock`
  int32_t lock;                   // partition lock: the lock waited for, or kNone
  int32_t proclock;               // partition lock: the waiter's entry on it
  LockMode mode;                  // partition lock: requested mode
  int32_t queue_prev, queue_next; // partition lock: links in the lock's queue
  int64_t wait_start_us;          // partition lock
};

struct Shared {
  int32_t num_locks, num_proclocks, num_procs, buckets_per_partition;
  SpinLock freelist_lock;
  int32_t free_locks;      // freelist lock
  int32_t free_proclocks;  // freelist lock
  LWLock partitions[kNumPartitions];
};

// Set by ShmemInit, inherited across fork (the region has the same address everywhere).
extern Shared* g_shared;
extern LockObj* g_locks;
extern ProcLock* g_proclocks;
extern ProcWait* g_waits;

inline int PartitionOf(uint32_t hash) { return static_cast<int>(hash % kNumPartitions); }
inline LWLock& PartitionLock(int p) { return g_shared->partitions[p]; }

// Whether `proc`, holding `held` on `lock`, could be granted `mode` now as
// far as other holders go (waiters not considered). Partition lock held.
bool ConflictsWithHolders(const LockObj& lock, LockMode mode, LockMask held);

// Takes the waiter `proc` off its lock's queue (status back to kNotWaiting),
// then grants whatever that unblocks. Partition lock held exclusively.
void RemoveWaiterLocked(int proc);

}  // namespace tusk::lmgr::internal
