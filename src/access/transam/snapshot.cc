// Snapshots, "is it running?" and the end of a transaction, read from the
// process array's xid/xmin fields and our parallel subxid caches under
// ProcArrayLock. README.md invariants 1-3 explain the ordering.
#include "access/transam/snapshot.h"

#include <algorithm>

#include "access/transam/clog.h"
#include "access/transam/known_xids.h"
#include "access/transam/subtrans.h"
#include "access/transam/transam.h"
#include "access/transam/transam_internal.h"
#include "storage/ipc/proc_array.h"

namespace tusk::transam {

using internal::SubxidCache;

Snapshot GetSnapshot() {
  internal::Counters& c = internal::GetCounters();
  ProcSlot* me = proc_array::MySlot();
  Snapshot snap;
  LWLockGuard guard(c.proc_array_lock, LWLockMode::kShared);
  // The counter first: every xid below it is already published in a slot
  // (AssignXid publishes before advancing), or has finished.
  snap.xmax = c.next_xid.load(std::memory_order_acquire);
  snap.xmin = snap.xmax;
  int total = proc_array::TotalSlots();
  for (int i = 0; i < total; ++i) {
    ProcSlot* slot = proc_array::SlotAt(i);
    if (slot == me) continue;
    uint64_t xid = slot->xid.load(std::memory_order_acquire);
    if (xid == kInvalidXid || xid >= snap.xmax) continue;  // later than us: invisible anyway
    snap.xip.push_back(xid);
    snap.xmin = std::min(snap.xmin, xid);
    SubxidCache* cache = internal::CacheAt(i);
    if (cache->overflowed.load(std::memory_order_acquire)) snap.suboverflowed = true;
    int n = cache->count.load(std::memory_order_acquire);
    for (int k = 0; k < n; ++k) {
      uint64_t sub = cache->xids[k].load(std::memory_order_relaxed);
      if (sub < snap.xmax) snap.subxip.push_back(sub);
    }
  }
  // On a hot standby, the primary's transactions still running.
  AppendKnownXids(snap.xmax, &snap.xip, &snap.xmin);
  // Subxids of a process whose top xid is not yet assigned cannot exist: a
  // subtransaction's xid is assigned after its parent's.
  if (me != nullptr && me->xmin.load(std::memory_order_relaxed) == kInvalidXid)
    me->xmin.store(snap.xmin, std::memory_order_release);
  return snap;
}

bool IsInProgress(uint64_t xid) {
  if (!IsNormalXid(xid)) return false;
  if (KnownCompleted(xid)) return false;  // the clog already showed it finished
  internal::Counters& c = internal::GetCounters();
  std::vector<uint64_t> overflowed_tops;
  {
    LWLockGuard guard(c.proc_array_lock, LWLockMode::kShared);
    if (xid >= c.next_xid.load(std::memory_order_acquire)) return false;  // never assigned
    if (IsKnownXid(xid)) return true;  // hot standby: running on the primary
    int total = proc_array::TotalSlots();
    for (int i = 0; i < total; ++i) {
      uint64_t top = proc_array::SlotAt(i)->xid.load(std::memory_order_acquire);
      if (top == kInvalidXid) continue;
      if (top == xid) return true;
      SubxidCache* cache = internal::CacheAt(i);
      int n = cache->count.load(std::memory_order_acquire);
      for (int k = 0; k < n; ++k)
        if (cache->xids[k].load(std::memory_order_relaxed) == xid) return true;
      if (cache->overflowed.load(std::memory_order_acquire) && top < xid) overflowed_tops.push_back(top);
    }
  }
  if (overflowed_tops.empty()) return false;
  // pg_subtrans is read outside ProcArrayLock (lock order, invariant 8). If
  // the parent finished meanwhile, the clog already tells the outcome.
  uint64_t top = subtrans::GetTopmost(xid);
  return top != xid && std::find(overflowed_tops.begin(), overflowed_tops.end(), top) != overflowed_tops.end();
}

uint64_t GetOldestXmin() {
  internal::Counters& c = internal::GetCounters();
  LWLockGuard guard(c.proc_array_lock, LWLockMode::kShared);
  uint64_t oldest = c.next_xid.load(std::memory_order_acquire);
  int total = proc_array::TotalSlots();
  for (int i = 0; i < total; ++i) {
    ProcSlot* slot = proc_array::SlotAt(i);
    uint64_t xid = slot->xid.load(std::memory_order_acquire);
    uint64_t xmin = slot->xmin.load(std::memory_order_acquire);
    if (xid != kInvalidXid) oldest = std::min(oldest, xid);
    if (xmin != kInvalidXid) oldest = std::min(oldest, xmin);
  }
  return oldest;
}

void EndTransaction() {
  ProcSlot* me = proc_array::MySlot();
  if (me == nullptr) return;
  internal::Counters& c = internal::GetCounters();
  SubxidCache* cache = internal::MyCache();
  // Exclusive: a snapshot must see either all of this transaction (running)
  // or none of it (finished, with its clog bits already set).
  LWLockGuard guard(c.proc_array_lock, LWLockMode::kExclusive);
  me->xid.store(kInvalidXid, std::memory_order_release);
  me->xmin.store(kInvalidXid, std::memory_order_release);
  cache->count.store(0, std::memory_order_release);
  cache->overflowed.store(false, std::memory_order_release);
}

void ClearMyXmin() {
  ProcSlot* me = proc_array::MySlot();
  // No xid, so nobody's view of "running" changes: no lock needed.
  if (me != nullptr) me->xmin.store(kInvalidXid, std::memory_order_release);
}

void RemoveSubxids(const std::vector<uint64_t>& xids) {
  SubxidCache* cache = internal::MyCache();
  if (cache == nullptr) return;
  internal::Counters& c = internal::GetCounters();
  LWLockGuard guard(c.proc_array_lock, LWLockMode::kExclusive);
  int n = cache->count.load(std::memory_order_relaxed);
  for (uint64_t xid : xids) {
    for (int k = 0; k < n; ++k) {
      if (cache->xids[k].load(std::memory_order_relaxed) != xid) continue;
      cache->xids[k].store(cache->xids[n - 1].load(std::memory_order_relaxed), std::memory_order_relaxed);
      --n;
      break;
    }
  }
  cache->count.store(n, std::memory_order_release);
}

bool XidInSnapshot(uint64_t xid, const Snapshot& snap) {
  if (!IsNormalXid(xid) || xid < snap.xmin) return false;
  if (xid >= snap.xmax) return true;
  if (!snap.suboverflowed) {
    return std::find(snap.xip.begin(), snap.xip.end(), xid) != snap.xip.end() ||
           std::find(snap.subxip.begin(), snap.subxip.end(), xid) != snap.subxip.end();
  }
  // Some cache overflowed: subxip may be incomplete, so map to the top level.
  uint64_t top = subtrans::GetTopmost(xid);
  if (top < snap.xmin) return false;
  return std::find(snap.xip.begin(), snap.xip.end(), top) != snap.xip.end();
}

}  // namespace tusk::transam
