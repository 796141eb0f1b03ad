// MVCC snapshots over the process array: which transactions were running when
// a snapshot was taken, the oldest xmin for vacuum, "is this xid running?",
// and the last step of commit/abort (leaving the array).
#pragma once

#include <cstdint>
#include <vector>

namespace tusk::transam {

// Per-process cache of running subtransaction xids in shared memory; past
// this many the slot is "overflowed" and readers consult pg_subtrans.
inline constexpr int kSubxidCacheSize = 64;

struct Snapshot {
  uint64_t xmin = 0;  // every xid below this had finished when the snapshot was taken
  uint64_t xmax = 0;  // every xid at or above this had not started
  std::vector<uint64_t> xip;     // running top-level xids of other processes, in [xmin, xmax)
  std::vector<uint64_t> subxip;  // their cached running subxids (incomplete if suboverflowed)
  uint32_t curcid = 0;           // commands of our own below this are visible
  bool suboverflowed = false;    // some process overflowed its cache: map subxids through pg_subtrans
};

// Takes a snapshot under ProcArrayLock (shared) and, if the caller's slot has
// no xmin yet, publishes the snapshot's xmin there, so vacuum keeps what it
// may need. The caller's own xids are never in xip/subxip.
Snapshot GetSnapshot();

// Is `xid` running now (a top-level xid in any slot, or a subxid of one)?
// Includes the caller's own transaction.
bool IsInProgress(uint64_t xid);

// Oldest xid any process may still consider running: the minimum of every
// slot's xid and xmin, and of the next xid. Tuples deleted before it are dead
// to everybody.
uint64_t GetOldestXmin();

// Last step of commit and abort, after the clog is set: clears the caller's
// xid, xmin and cached subxids under ProcArrayLock held exclusively.
void EndTransaction();
// A read-only transaction (no xid) at its end, or when it drops its snapshot.
void ClearMyXmin();
// Subtransactions rolled back while the parent continues: drop them from the
// caller's cache (they are aborted in the clog first).
void RemoveSubxids(const std::vector<uint64_t>& xids);

// Whether `xid` counts as running for `snapshot` (PostgreSQL's XidInMVCCSnapshot).
bool XidInSnapshot(uint64_t xid, const Snapshot& snapshot);

}  // namespace tusk::transam
