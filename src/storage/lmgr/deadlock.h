// Deadlock detection over the wait-for graph of the heavyweight lock manager.
// Run by a waiter once deadlock_timeout has passed; it only ever aborts its
// own wait, so two detectors never both report the same cycle.
#pragma once

#include <string>

namespace tusk::lmgr {

// Takes every partition lock (in partition order) and looks for a cycle of
// wait-for edges through process `me`. Hard edges go to holders of a
// conflicting mode, soft edges to earlier waiters in the queue whose requests
// conflict. On a cycle, removes `me` from its wait queue before the locks are
// released, fills *detail with PostgreSQL's "Process N waits for ...; blocked
// by process M." lines and returns true. Soft-edge cycles are reported, not
// resolved by reordering the queue (PostgreSQL would try that first).
// If `me` turns out to have been granted meanwhile, returns false.
bool CheckDeadlock(int me, std::string* detail);

}  // namespace tusk::lmgr
