// The commit log (pg_xact): two status bits per transaction ID, kept in an
// SLRU. The bits of an xid are the only durable record of its outcome apart
// from WAL; see docs/formats/clog.md for the byte layout.
#pragma once

#include <cstdint>
#include <vector>

namespace tusk::transam {

enum class XidStatus : uint8_t {
  kInProgress = 0,    // also: never finished (crashed); see README invariant 5
  kCommitted = 1,
  kAborted = 2,
  kSubCommitted = 3,  // transient, while the parent's commit is being recorded
};

inline constexpr uint64_t kClogXidsPerByte = 4;
inline constexpr uint64_t kClogXidsPerPage = 8192 * kClogXidsPerByte;

namespace clog {

// Records the outcome of `xid` and its committed subtransactions. For a
// commit with subtransactions: the subs become sub-committed, then the top
// xid committed, then the subs committed, so no reader sees a sub committed
// while its parent is not. `commit_lsn` (0 = synchronous) is remembered on the
// page so the page is not written before WAL is flushed to it.
void SetStatus(uint64_t xid, const std::vector<uint64_t>& subxids, XidStatus status, uint64_t commit_lsn = 0);
XidStatus GetStatus(uint64_t xid);
// Zeroes the page for `xid` if `xid` is the first on it (called with XidGen held).
void ExtendTo(uint64_t xid);

// Checkpoint: write and fsync. Truncation: drop pages wholly below `oldest_xid`.
void Flush();
void Truncate(uint64_t oldest_xid);

}  // namespace clog

// Outcome questions answered from the clog alone (the caller checks
// "still running?" first; README invariant 5). Bootstrap and frozen xids are
// committed; the invalid xid is neither.
bool DidCommit(uint64_t xid);
bool DidAbort(uint64_t xid);
// Whether xid is the last one DidCommit/DidAbort found committed or aborted in
// the clog (a one-entry cache, as PostgreSQL's TransactionIdIsKnownCompleted).
bool KnownCompleted(uint64_t xid);
// Empties that cache: a new clog (shared memory set up again) may reuse xids.
void ForgetKnownCompleted();

}  // namespace tusk::transam
