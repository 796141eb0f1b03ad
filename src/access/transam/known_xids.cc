#include "access/transam/known_xids.h"

#include <algorithm>
#include <atomic>
#include <new>

#include "access/transam/clog.h"
#include "access/transam/transam.h"
#include "access/transam/transam_internal.h"
#include "storage/ipc/shmem.h"
#include "storage/lmgr/lwlock.h"

namespace tusk::transam {
namespace {

struct KnownXids {
  std::atomic<bool> active;
  uint64_t max_seen;  // highest xid recorded
  int count;
  uint64_t xids[kMaxKnownXids];  // ascending
};

KnownXids* g_known = nullptr;

}  // namespace

size_t KnownXidsShmemSize() { return shmem::AlignedSize(sizeof(KnownXids)); }

void KnownXidsShmemInit() {
  g_known = new (shmem::Alloc(sizeof(KnownXids))) KnownXids();
  g_known->active.store(false);
  g_known->max_seen = 0;
  g_known->count = 0;
}

void SetKnownXidsActive(bool active) {
  if (g_known == nullptr) return;
  LWLockGuard guard(internal::GetCounters().proc_array_lock, LWLockMode::kExclusive);
  g_known->active.store(active, std::memory_order_release);
  if (!active) g_known->count = 0;
}

bool KnownXidsActive() { return g_known != nullptr && g_known->active.load(std::memory_order_acquire); }

void RecordKnownXid(uint64_t xid) {
  if (!IsNormalXid(xid)) return;
  AdvanceNextXidPast(xid);
  if (!KnownXidsActive() || xid <= g_known->max_seen) return;
  LWLockGuard guard(internal::GetCounters().proc_array_lock, LWLockMode::kExclusive);
  uint64_t from = std::max(g_known->max_seen + 1, kFirstNormalXid);
  if (xid - from + 1 > static_cast<uint64_t>(kMaxKnownXids)) from = xid + 1 - kMaxKnownXids;
  const int adding = static_cast<int>(xid - from + 1);
  if (g_known->count + adding > kMaxKnownXids) {
    // Full: the oldest go (a transaction open that long is rare; see the header).
    const int drop = g_known->count + adding - kMaxKnownXids;
    std::copy(g_known->xids + drop, g_known->xids + g_known->count, g_known->xids);
    g_known->count -= drop;
  }
  for (uint64_t x = from; x <= xid; ++x) g_known->xids[g_known->count++] = x;
  g_known->max_seen = xid;
}

void PruneKnownXids() {
  if (!KnownXidsActive()) return;
  // Only this process changes the set, so it reads it unlocked, and asks the
  // clog before taking ProcArrayLock (never the clog's lock under it).
  std::vector<uint64_t> kept;
  for (int i = 0; i < g_known->count; ++i) {
    const XidStatus st = clog::GetStatus(g_known->xids[i]);
    if (st != XidStatus::kCommitted && st != XidStatus::kAborted) kept.push_back(g_known->xids[i]);
  }
  if (static_cast<int>(kept.size()) == g_known->count) return;
  LWLockGuard guard(internal::GetCounters().proc_array_lock, LWLockMode::kExclusive);
  std::copy(kept.begin(), kept.end(), g_known->xids);
  g_known->count = static_cast<int>(kept.size());
}

void AppendKnownXids(uint64_t xmax, std::vector<uint64_t>* out, uint64_t* xmin) {
  if (!KnownXidsActive()) return;
  for (int i = 0; i < g_known->count && g_known->xids[i] < xmax; ++i) {
    out->push_back(g_known->xids[i]);
    *xmin = std::min(*xmin, g_known->xids[i]);
  }
}

bool IsKnownXid(uint64_t xid) {
  if (!KnownXidsActive()) return false;
  return std::binary_search(g_known->xids, g_known->xids + g_known->count, xid);
}

}  // namespace tusk::transam
