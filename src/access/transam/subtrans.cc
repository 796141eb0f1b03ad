// pg_subtrans over the "Subtrans" SLRU: one 64-bit little-endian parent xid
// per xid, 1024 per page. Written once per subtransaction at assignment, read
// only for snapshots whose subxid caches overflowed.
#include "access/transam/subtrans.h"

#include <cstring>

#include "access/transam/transam.h"
#include "access/transam/transam_internal.h"

namespace tusk::transam::subtrans {

namespace {
int64_t PageOf(uint64_t xid) { return static_cast<int64_t>(xid / kXidsPerPage); }
size_t OffsetOf(uint64_t xid) { return (xid % kXidsPerPage) * sizeof(uint64_t); }
}  // namespace

void SetParent(uint64_t xid, uint64_t parent) {
  Slru& slru = internal::SubtransSlru();
  LWLockGuard guard(slru.Lock(), LWLockMode::kExclusive);
  int buffer = slru.ReadPageLocked(PageOf(xid));
  std::memcpy(slru.PageData(buffer) + OffsetOf(xid), &parent, sizeof parent);
  slru.MarkDirtyLocked(buffer, 0);
}

uint64_t GetParent(uint64_t xid) {
  if (!IsNormalXid(xid)) return kInvalidXid;
  Slru& slru = internal::SubtransSlru();
  uint64_t parent = kInvalidXid;
  {
    LWLockGuard guard(slru.Lock(), LWLockMode::kShared);
    int buffer = slru.FindResident(PageOf(xid));
    if (buffer >= 0) {
      std::memcpy(&parent, slru.PageData(buffer) + OffsetOf(xid), sizeof parent);
      return parent;
    }
  }
  LWLockGuard guard(slru.Lock(), LWLockMode::kExclusive);
  int buffer = slru.ReadPageLocked(PageOf(xid));
  std::memcpy(&parent, slru.PageData(buffer) + OffsetOf(xid), sizeof parent);
  return parent;
}

uint64_t GetTopmost(uint64_t xid) {
  uint64_t top = xid;
  for (;;) {
    uint64_t parent = GetParent(top);
    // A parent is always older than its child; anything else is garbage
    // from before a restart and ends the walk.
    if (parent == kInvalidXid || parent >= top) return top;
    top = parent;
  }
}

void ExtendTo(uint64_t xid) {
  if (xid % kXidsPerPage != 0 && xid != kFirstNormalXid) return;
  Slru& slru = internal::SubtransSlru();
  LWLockGuard guard(slru.Lock(), LWLockMode::kExclusive);
  slru.ZeroPageLocked(PageOf(xid));
}

void StartUp(uint64_t next_xid) {
  Slru& slru = internal::SubtransSlru();
  slru.DiscardAll();
  // Nothing from before the restart is running, so no page older than the
  // current one will be asked about: drop them, and zero the current one.
  slru.Truncate(PageOf(next_xid));
  LWLockGuard guard(slru.Lock(), LWLockMode::kExclusive);
  slru.ZeroPageLocked(PageOf(next_xid));
}

void Flush() { internal::SubtransSlru().Flush(); }
void Truncate(uint64_t oldest_xid) { internal::SubtransSlru().Truncate(PageOf(oldest_xid)); }

}  // namespace tusk::transam::subtrans
