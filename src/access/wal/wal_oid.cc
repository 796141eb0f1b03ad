// The OID counter in the WAL: XLOG NEXTOID records reserve OIDs in batches
// of kOidPrefetch, so a crash never hands out an OID a second time
// (PostgreSQL's XLOG_NEXTOID; the counter itself lives in access/transam).
#include <cstring>

#include "access/transam/transam.h"
#include "access/wal/wal.h"
#include "access/wal/wal_internal.h"
#include "access/wal/wal_redo.h"

namespace tusk::wal {
namespace {

// Whether a is at or past b on the 32-bit OID circle (the counter wraps).
bool AtOrPast(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) >= 0; }

}  // namespace

uint32_t NewLoggedOid() {
  internal::WalShared* s = internal::Shared();
  LWLockGuard guard(s->oid_lock, LWLockMode::kExclusive);
  const uint32_t oid = transam::GetNewOid();
  if (!s->oid_limit_valid || AtOrPast(oid, s->oid_limit)) {
    // Logged before the OID is returned, so any record that mentions it
    // (or a file named by it) comes after this one in the WAL. It need not
    // be flushed now: nothing durable can carry the OID before later WAL is.
    uint32_t limit = oid + kOidPrefetch;
    RecordBuilder b;
    b.AddData(&limit, sizeof limit);
    b.Insert(kRmgrXlog, kXlogNextOid, 0);
    s->oid_limit = limit;
    s->oid_limit_valid = true;
  }
  return oid;
}

uint32_t CheckpointNextOid(bool shutdown) {
  internal::WalShared* s = internal::Shared();
  LWLockGuard guard(s->oid_lock, LWLockMode::kShared);
  const uint32_t next = transam::ReadNextOid();
  if (shutdown || !s->oid_limit_valid || AtOrPast(next, s->oid_limit)) return next;
  return s->oid_limit;
}

namespace internal {

// Redo of NEXTOID and of checkpoint records met during replay: the counter
// only moves forward (modulo wrap-around).
void AdvanceOidCounterTo(uint32_t next_oid) {
  if (!AtOrPast(transam::ReadNextOid(), next_oid)) transam::SetNextOid(next_oid);
}

}  // namespace internal
}  // namespace tusk::wal
