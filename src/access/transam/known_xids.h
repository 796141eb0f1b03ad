// Hot standby (contract 10): the primary's transactions that may still be
// running, as replay learns them. Transaction IDs are handed out in order, so
// when a record names an xid above every one seen so far, all the xids up to
// it count as assigned (one may have written nothing yet); each leaves the
// set once the clog says it finished. Snapshots taken on the standby treat
// the set as running (GetSnapshot, IsInProgress), so a row committed on the
// primary appears to a query only when its commit record has been replayed,
// and never in the middle of a statement's snapshot.
//
// Guarded by ProcArrayLock: the startup process changes it exclusively,
// snapshot takers read it shared. At most kMaxKnownXids entries; beyond that
// the oldest are dropped (they then read as finished by the clog's verdict).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tusk::transam {

inline constexpr int kMaxKnownXids = 8192;

size_t KnownXidsShmemSize();
void KnownXidsShmemInit();

// Startup process: on while a standby replays, off when recovery ends.
void SetKnownXidsActive(bool active);
bool KnownXidsActive();
// Before replaying a record that names `xid`: every xid up to it is known
// assigned, and the next xid moves past it.
void RecordKnownXid(uint64_t xid);
// After a commit or abort record: drops what the clog shows finished.
void PruneKnownXids();

// Readers, with ProcArrayLock held (shared or exclusive): the known xids below `xmax`.
void AppendKnownXids(uint64_t xmax, std::vector<uint64_t>* out, uint64_t* xmin);
bool IsKnownXid(uint64_t xid);

}  // namespace tusk::transam
