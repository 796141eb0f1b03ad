// Commit-log bit twiddling over the "Xact" SLRU: two bits per xid, four xids
// per byte, the lowest xid in the lowest bits. Status changes take the SLRU's
// control lock exclusively; lookups of resident pages only share it.
#include "access/transam/clog.h"

#include "access/transam/subtrans.h"
#include "access/transam/transam.h"
#include "access/transam/transam_internal.h"

namespace tusk::transam {

namespace {

int64_t PageOf(uint64_t xid) { return static_cast<int64_t>(xid / kClogXidsPerPage); }
size_t ByteOf(uint64_t xid) { return (xid % kClogXidsPerPage) / kClogXidsPerByte; }
int ShiftOf(uint64_t xid) { return static_cast<int>(xid % kClogXidsPerByte) * 2; }

void SetOneLocked(Slru& slru, uint64_t xid, XidStatus status, uint64_t lsn) {
  int buffer = slru.ReadPageLocked(PageOf(xid));
  uint8_t& byte = slru.PageData(buffer)[ByteOf(xid)];
  byte = static_cast<uint8_t>((byte & ~(3u << ShiftOf(xid))) | (static_cast<unsigned>(status) << ShiftOf(xid)));
  slru.MarkDirtyLocked(buffer, lsn);
}

}  // namespace

namespace clog {

void SetStatus(uint64_t xid, const std::vector<uint64_t>& subxids, XidStatus status, uint64_t commit_lsn) {
  Slru& slru = internal::ClogSlru();
  LWLockGuard guard(slru.Lock(), LWLockMode::kExclusive);
  if (status == XidStatus::kCommitted && !subxids.empty()) {
    // Pages reach disk independently; this order means a page with a
    // committed sub never goes out before the one with its committed parent
    // unless the sub's bits were sub-committed there first (README invariant 4).
    for (uint64_t sub : subxids) SetOneLocked(slru, sub, XidStatus::kSubCommitted, commit_lsn);
    SetOneLocked(slru, xid, XidStatus::kCommitted, commit_lsn);
    for (uint64_t sub : subxids) SetOneLocked(slru, sub, XidStatus::kCommitted, commit_lsn);
    return;
  }
  // Aborts need no ordering: an unset bit already reads as "did not commit".
  for (uint64_t sub : subxids) SetOneLocked(slru, sub, status, commit_lsn);
  SetOneLocked(slru, xid, status, commit_lsn);
}

XidStatus GetStatus(uint64_t xid) {
  Slru& slru = internal::ClogSlru();
  {
    LWLockGuard guard(slru.Lock(), LWLockMode::kShared);
    int buffer = slru.FindResident(PageOf(xid));
    if (buffer >= 0) return static_cast<XidStatus>((slru.PageData(buffer)[ByteOf(xid)] >> ShiftOf(xid)) & 3);
  }
  LWLockGuard guard(slru.Lock(), LWLockMode::kExclusive);
  int buffer = slru.ReadPageLocked(PageOf(xid));
  return static_cast<XidStatus>((slru.PageData(buffer)[ByteOf(xid)] >> ShiftOf(xid)) & 3);
}

void ExtendTo(uint64_t xid) {
  // The very first normal xid shares page 0 with the special ones.
  if (xid % kClogXidsPerPage != 0 && xid != kFirstNormalXid) return;
  Slru& slru = internal::ClogSlru();
  LWLockGuard guard(slru.Lock(), LWLockMode::kExclusive);
  slru.ZeroPageLocked(PageOf(xid));
}

void Flush() { internal::ClogSlru().Flush(); }
void Truncate(uint64_t oldest_xid) { internal::ClogSlru().Truncate(PageOf(oldest_xid)); }

}  // namespace clog

namespace {
// The last xid the clog showed as finished, and how (PostgreSQL's
// cachedFetchXid): a scan over one bulk load asks about one xid a million
// times. A final status never changes, so the entry never goes stale.
uint64_t g_known_xid = kInvalidXid;
XidStatus g_known_status = XidStatus::kInProgress;

XidStatus FetchStatus(uint64_t xid) {
  if (xid == g_known_xid) return g_known_status;
  XidStatus s = clog::GetStatus(xid);
  if (s == XidStatus::kCommitted || s == XidStatus::kAborted) {
    g_known_xid = xid;
    g_known_status = s;
  }
  return s;
}
}  // namespace

bool KnownCompleted(uint64_t xid) { return xid != kInvalidXid && xid == g_known_xid; }
void ForgetKnownCompleted() { g_known_xid = kInvalidXid; }

bool DidCommit(uint64_t xid) {
  if (xid == kInvalidXid) return false;
  if (!IsNormalXid(xid)) return true;  // bootstrap and frozen
  XidStatus s = FetchStatus(xid);
  if (s == XidStatus::kCommitted) return true;
  if (s != XidStatus::kSubCommitted) return false;
  // Caught between the phases of SetStatus: the parent's bit decides. A parent
  // that is unknown (pg_subtrans is reset at start-up) means the commit never
  // completed before a crash.
  uint64_t parent = subtrans::GetParent(xid);
  if (parent == kInvalidXid || parent >= xid) return false;
  return DidCommit(parent);
}

bool DidAbort(uint64_t xid) {
  if (!IsNormalXid(xid)) return false;
  XidStatus s = FetchStatus(xid);
  if (s == XidStatus::kAborted) return true;
  if (s != XidStatus::kSubCommitted) return false;
  uint64_t parent = subtrans::GetParent(xid);
  if (parent == kInvalidXid || parent >= xid) return true;
  return DidAbort(parent);
}

}  // namespace tusk::transam
