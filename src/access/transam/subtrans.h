// pg_subtrans: the parent of every subtransaction xid, in an SLRU. It only
// answers questions about transactions running now, so it is not WAL-logged
// and not kept across restarts (zeroed at start-up).
#pragma once

#include <cstdint>

namespace tusk::transam::subtrans {

inline constexpr uint64_t kXidsPerPage = 8192 / sizeof(uint64_t);

void SetParent(uint64_t xid, uint64_t parent);
uint64_t GetParent(uint64_t xid);  // kInvalidXid if none recorded
// Follows parents to the top-level xid; `xid` itself if it has no parent.
uint64_t GetTopmost(uint64_t xid);
// Zeroes the page for `xid` if `xid` is the first on it (called with XidGen held).
void ExtendTo(uint64_t xid);
// Start-up: drop old segments and zero the page holding `next_xid`.
void StartUp(uint64_t next_xid);
void Flush();
void Truncate(uint64_t oldest_xid);

}  // namespace tusk::transam::subtrans
