// Shared-memory set-up of access/transam, and the xid and OID counters:
// assignment publishes a new xid as running before the counter passes it.
// See README.md (invariants 1-3) for why the order matters.
#include <new>

#include "access/transam/clog.h"
#include "access/transam/subtrans.h"
#include "access/transam/transam.h"
#include "access/transam/known_xids.h"
#include "access/transam/transam_internal.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "utils/error.h"
#include "utils/guc_vars.h"

namespace tusk::transam {

namespace internal {
namespace {
Counters* g_counters = nullptr;
SubxidCache* g_caches = nullptr;
int g_num_caches = 0;
Slru g_clog;
Slru g_subtrans;
}  // namespace

Counters& GetCounters() { return *g_counters; }
SubxidCache* CacheAt(int slot_index) { return &g_caches[slot_index]; }
SubxidCache* MyCache() {
  ProcSlot* me = proc_array::MySlot();
  return me == nullptr ? nullptr : CacheAt(proc_array::SlotIndex(me));
}
Slru& ClogSlru() { return g_clog; }
Slru& SubtransSlru() { return g_subtrans; }

namespace {
// The process array does not export its slot count before it exists; its
// size divided by a slot's size bounds the count from above.
int MaxSlots(const Sizing& s) {
  proc_array::Sizing ps{s.max_connections, s.autovacuum_max_workers, s.max_wal_senders, s.max_worker_processes};
  return static_cast<int>(proc_array::ShmemSize(ps) / sizeof(ProcSlot));
}
}  // namespace

void Init(const Sizing& s) {
  g_counters = new (shmem::Alloc(sizeof(Counters))) Counters();
  g_counters->next_xid.store(kFirstNormalXid);
  g_counters->next_oid = kFirstNormalOid;
  g_num_caches = MaxSlots(s);
  g_caches = static_cast<SubxidCache*>(shmem::Alloc(sizeof(SubxidCache) * g_num_caches));
  for (int i = 0; i < g_num_caches; ++i) new (&g_caches[i]) SubxidCache();
  std::string base = s.data_directory.empty() ? std::string(".") : s.data_directory;
  g_clog = Slru::Create("Xact", base + "/pg_xact", kClogBuffers);
  ForgetKnownCompleted();
  g_subtrans = Slru::Create("Subtrans", base + "/pg_subtrans", kSubtransBuffers);
  KnownXidsShmemInit();
}

}  // namespace internal

Sizing SizingFrom(const guc::Vars& v) {
  Sizing s;
  s.data_directory = v.data_directory;
  s.max_connections = v.max_connections;
  s.autovacuum_max_workers = v.autovacuum_max_workers;
  s.max_wal_senders = v.max_wal_senders;
  s.max_worker_processes = v.max_worker_processes;
  return s;
}

size_t ShmemSize(const Sizing& s) {
  return shmem::AlignedSize(sizeof(internal::Counters)) +
         shmem::AlignedSize(sizeof(internal::SubxidCache) * internal::MaxSlots(s)) +
         Slru::ShmemSize(kClogBuffers) + Slru::ShmemSize(kSubtransBuffers) + KnownXidsShmemSize();
}
void ShmemInit(const Sizing& s) { internal::Init(s); }
size_t ShmemSize(const guc::Vars& v) { return ShmemSize(SizingFrom(v)); }
void ShmemInit(const guc::Vars& v) { internal::Init(SizingFrom(v)); }

void StartUpSubtrans() { subtrans::StartUp(ReadNextXid()); }

uint64_t AssignXid(bool is_subxact, uint64_t parent) {
  internal::Counters& c = internal::GetCounters();
  LWLockGuard guard(c.xid_gen_lock, LWLockMode::kExclusive);
  uint64_t xid = c.next_xid.load(std::memory_order_relaxed);
  // The logs must cover the xid before anyone can see it: a reader asking
  // about it must find a page, not a hole.
  clog::ExtendTo(xid);
  subtrans::ExtendTo(xid);
  if (is_subxact && parent != kInvalidXid) subtrans::SetParent(xid, parent);

  ProcSlot* slot = proc_array::MySlot();
  if (slot != nullptr) {
    if (!is_subxact) {
      slot->xid.store(xid, std::memory_order_release);
    } else {
      internal::SubxidCache* cache = internal::MyCache();
      int n = cache->count.load(std::memory_order_relaxed);
      if (n < kSubxidCacheSize) {
        cache->xids[n].store(xid, std::memory_order_relaxed);
        cache->count.store(n + 1, std::memory_order_release);  // entry before count
      } else {
        cache->overflowed.store(true, std::memory_order_release);
      }
    }
  }
  // Invariant 2: published above, only now does the counter pass the xid.
  c.next_xid.store(xid + 1, std::memory_order_release);
  return xid;
}

uint64_t ReadNextXid() { return internal::GetCounters().next_xid.load(std::memory_order_acquire); }

void SetNextXid(uint64_t next_xid) {
  internal::Counters& c = internal::GetCounters();
  LWLockGuard guard(c.xid_gen_lock, LWLockMode::kExclusive);
  if (next_xid > c.next_xid.load(std::memory_order_relaxed)) c.next_xid.store(next_xid, std::memory_order_release);
}

void AdvanceNextXidPast(uint64_t xid) {
  if (xid < kFirstNormalXid) return;
  internal::Counters& c = internal::GetCounters();
  // Replay calls this for every record (hot standby): no lock when already past.
  if (xid < c.next_xid.load(std::memory_order_acquire)) return;
  LWLockGuard guard(c.xid_gen_lock, LWLockMode::kExclusive);
  uint64_t next = c.next_xid.load(std::memory_order_relaxed);
  // Replay records its xids' clog bits: the pages must exist as during normal running.
  // ExtendTo zeroes a page only for its first xid, so hand it page starts.
  for (uint64_t x = next; x <= xid;) {
    clog::ExtendTo(x);
    subtrans::ExtendTo(x);
    uint64_t step = subtrans::kXidsPerPage;  // divides kClogXidsPerPage
    x = (x / step + 1) * step;
  }
  if (xid + 1 > next) c.next_xid.store(xid + 1, std::memory_order_release);
}

uint32_t GetNewOid() {
  internal::Counters& c = internal::GetCounters();
  LWLockGuard guard(c.oid_gen_lock, LWLockMode::kExclusive);
  // Wrapped past 2^32 - 1 (or never set): restart at the first user OID, as
  // PostgreSQL does; callers check catalogs for collisions.
  if (c.next_oid < kFirstNormalOid) c.next_oid = kFirstNormalOid;
  return c.next_oid++;
}

uint32_t ReadNextOid() {
  internal::Counters& c = internal::GetCounters();
  LWLockGuard guard(c.oid_gen_lock, LWLockMode::kShared);
  return c.next_oid;
}

void SetNextOid(uint32_t next_oid) {
  internal::Counters& c = internal::GetCounters();
  LWLockGuard guard(c.oid_gen_lock, LWLockMode::kExclusive);
  c.next_oid = next_oid;
}

}  // namespace tusk::transam
