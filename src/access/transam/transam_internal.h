// Shared state of access/transam that several of its files touch: the two
// SLRUs, the xid/oid counters and the per-slot subxid caches. Not for use
// outside src/access/transam.
#pragma once

#include <atomic>
#include <cstdint>

#include "access/transam/slru.h"
#include "access/transam/snapshot.h"
#include "storage/lmgr/lwlock.h"

namespace tusk::transam::internal {

// Lock order (README invariant 8): XidGenLock, then ProcArrayLock, then the
// SLRU control locks; OidGenLock alone.
struct Counters {
  LWLock xid_gen_lock;             // guards assignment; next_xid is written only under it
  std::atomic<uint64_t> next_xid;  // readable without the lock (see README invariant 2)
  LWLock oid_gen_lock;             // guards next_oid
  uint32_t next_oid;
  LWLock proc_array_lock;          // "ProcArrayLock": shared for snapshots, exclusive to end a transaction
};

// Parallel to the process array (index = proc_array::SlotIndex). Written by
// its owner only: appends under XidGenLock (count published after the entry),
// removals under ProcArrayLock exclusive. Read under ProcArrayLock shared.
struct SubxidCache {
  std::atomic<int32_t> count;
  std::atomic<bool> overflowed;
  std::atomic<uint64_t> xids[kSubxidCacheSize];
};

Counters& GetCounters();
SubxidCache* CacheAt(int slot_index);
SubxidCache* MyCache();  // nullptr without a proc slot
Slru& ClogSlru();
Slru& SubtransSlru();

}  // namespace tusk::transam::internal
