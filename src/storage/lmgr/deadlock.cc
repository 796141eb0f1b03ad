// The deadlock detector: builds the wait-for graph under every partition lock
// and searches for a cycle through the calling waiter. Only the caller's own
// wait is ever cancelled, so concurrent detectors cannot both fire on one cycle.
#include "storage/lmgr/deadlock.h"

#include <vector>

#include "storage/ipc/proc_array.h"
#include "storage/lmgr/lock_internal.h"

namespace tusk::lmgr {

using namespace internal;

namespace {

// Holds all partition locks in partition order (README rule 2).
class AllPartitions {
 public:
  AllPartitions() {
    for (int p = 0; p < kNumPartitions; ++p) PartitionLock(p).Acquire(LWLockMode::kExclusive);
  }
  ~AllPartitions() {
    for (int p = kNumPartitions - 1; p >= 0; --p) PartitionLock(p).Release();
  }
  AllPartitions(const AllPartitions&) = delete;
  AllPartitions& operator=(const AllPartitions&) = delete;
};

// Who `proc`, if waiting, waits for: holders of conflicting modes (hard
// edges), then earlier waiters with conflicting requests (soft edges).
std::vector<int> Blockers(int proc) {
  std::vector<int> out;
  const ProcWait& w = g_waits[proc];
  if (w.lock == kNone || w.status.load(std::memory_order_acquire) != kWaiting) return out;
  const LockObj& l = g_locks[w.lock];
  const LockMask conflicts = ConflictMask(w.mode);
  for (int32_t pi = l.proclocks; pi != kNone; pi = g_proclocks[pi].next) {
    const ProcLock& pl = g_proclocks[pi];
    if (pl.proc != proc && (pl.hold_mask & conflicts)) out.push_back(pl.proc);
  }
  for (int q = l.queue_head; q != kNone && q != proc; q = g_waits[q].queue_next)
    if (conflicts & Bit(g_waits[q].mode)) out.push_back(q);
  return out;
}

// Depth-first search for a path from the tail of *path back to `target`.
bool FindCycle(int target, const std::vector<std::vector<int>>& edges, std::vector<char>* visited,
               std::vector<int>* path) {
  int u = path->back();
  for (int v : edges[u]) {
    if (v == target) return true;
    if ((*visited)[v]) continue;
    (*visited)[v] = 1;
    path->push_back(v);
    if (FindCycle(target, edges, visited, path)) return true;
    path->pop_back();
  }
  return false;
}

std::string Pid(int proc) { return std::to_string(proc_array::SlotAt(proc)->pid.load()); }

}  // namespace

bool CheckDeadlock(int me, std::string* detail) {
  AllPartitions all;
  if (g_waits[me].status.load(std::memory_order_acquire) != kWaiting) return false;
  const int n = g_shared->num_procs;
  std::vector<std::vector<int>> edges(n);
  for (int p = 0; p < n; ++p) edges[p] = Blockers(p);
  std::vector<char> visited(n, 0);
  std::vector<int> path{me};
  visited[me] = 1;
  if (!FindCycle(me, edges, &visited, &path)) return false;
  // path[i] waits for path[i+1]; the last one waits for us.
  detail->clear();
  for (size_t i = 0; i < path.size(); ++i) {
    int proc = path[i], blocker = path[(i + 1) % path.size()];
    const ProcWait& w = g_waits[proc];
    if (i > 0) *detail += "\n";
    *detail += "Process " + Pid(proc) + " waits for " + LockModeName(w.mode) + " on " +
               DescribeLockTag(g_locks[w.lock].tag) + "; blocked by process " + Pid(blocker) + ".";
  }
  // Leave the queue while still holding every partition lock, so no other
  // detector can see this cycle any more.
  RemoveWaiterLocked(me);
  return true;
}

}  // namespace tusk::lmgr
