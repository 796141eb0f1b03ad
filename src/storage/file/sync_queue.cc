// Sync request table in shared memory: an open-addressing hash set of
// (relation, fork, segment) protected by one LWLock. Backends add to it after
// each write; the checkpointer empties it and fsyncs what it took.
#include "storage/file/sync_queue.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <vector>

#include "storage/file/vfs.h"
#include "storage/ipc/shmem.h"
#include "storage/lmgr/lwlock.h"
#include "utils/error.h"

namespace tusk::sync {
namespace {

struct Entry {
  smgr::RelFileLocator loc;
  uint32_t segno;
  uint8_t fork;
  uint8_t used;  // 0 = empty slot
};

// The shared table. Every field after `lock` is guarded by it.
struct Table {
  LWLock lock;
  uint32_t nslots;     // power of two; fixed at init
  uint32_t max_count;  // beyond this RegisterSync refuses (keeps probes short)
  uint32_t count;
  Entry slots[1];      // nslots entries follow
};

Table* g_table = nullptr;

uint32_t Capacity(const guc::Vars& vars) { return vars.shared_buffers > 64 ? vars.shared_buffers : 64; }

uint32_t Slots(const guc::Vars& vars) {
  uint32_t n = 1;
  while (n < 2 * Capacity(vars)) n <<= 1;
  return n;
}

uint32_t Hash(const smgr::RelFileLocator& loc, uint8_t fork, uint32_t segno) {
  uint64_t h = 0x9E3779B97F4A7C15ull;
  for (uint64_t v : {uint64_t{loc.spc_oid}, uint64_t{loc.db_oid}, uint64_t{loc.rel_number}, uint64_t{fork},
                     uint64_t{segno}}) {
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h *= 0xFF51AFD7ED558CCDull;
  }
  return static_cast<uint32_t>(h ^ (h >> 32));
}

// Caller holds the lock exclusively. Returns false if the table is full.
bool InsertLocked(const Entry& e) {
  uint32_t mask = g_table->nslots - 1;
  for (uint32_t i = Hash(e.loc, e.fork, e.segno) & mask;; i = (i + 1) & mask) {
    Entry& s = g_table->slots[i];
    if (!s.used) {
      if (g_table->count >= g_table->max_count) return false;
      s = e;
      s.used = 1;
      g_table->count++;
      return true;
    }
    if (s.loc == e.loc && s.fork == e.fork && s.segno == e.segno) return true;  // already queued
  }
}

}  // namespace

size_t ShmemSize(const guc::Vars& vars) {
  return shmem::AlignedSize(sizeof(Table) + sizeof(Entry) * Slots(vars));
}

void ShmemInit(const guc::Vars& vars) {
  void* mem = shmem::Alloc(ShmemSize(vars));
  g_table = new (mem) Table;
  g_table->nslots = Slots(vars);
  g_table->max_count = Capacity(vars);
  g_table->count = 0;
  std::memset(static_cast<void*>(g_table->slots), 0, sizeof(Entry) * g_table->nslots);
}

bool RegisterSync(const smgr::RelFileLocator& loc, smgr::Fork fork, uint32_t segno) {
  if (!g_table) return false;
  LWLockGuard guard(g_table->lock, LWLockMode::kExclusive);
  return InsertLocked(Entry{loc, segno, static_cast<uint8_t>(fork), 1});
}

int SyncAll() {
  if (!g_table) return 0;
  // Take the requests and empty the table, then fsync without the lock so
  // writers are never held up by the disk. A write queued after this point
  // belongs to the next checkpoint.
  std::vector<Entry> work;
  {
    LWLockGuard guard(g_table->lock, LWLockMode::kExclusive);
    work.reserve(g_table->count);
    for (uint32_t i = 0; i < g_table->nslots; ++i) {
      if (g_table->slots[i].used) work.push_back(g_table->slots[i]);
      g_table->slots[i].used = 0;
    }
    g_table->count = 0;
  }
  int synced = 0;
  for (const Entry& e : work) {
    std::string rel = smgr::SegmentPath(e.loc, static_cast<smgr::Fork>(e.fork), e.segno);
    int fd = vfs::Open(smgr::FullPath(rel), O_RDWR, 0600);
    if (fd < 0) {
      if (errno == ENOENT) continue;  // dropped since it was written
      int err = errno;
      throw PgError(sqlstate::kIoError, "could not open file \"" + rel + "\": " + std::strerror(err), ErrLevel::kPanic);
    }
    // data_sync_retry = off: after a failed fsync the kernel may have dropped
    // the dirty pages, so retrying could report success for lost data.
    if (vfs::Fsync(fd) != 0) {
      int err = errno;
      vfs::Close(fd);
      throw PgError(sqlstate::kIoError, "could not fsync file \"" + rel + "\": " + std::strerror(err), ErrLevel::kPanic);
    }
    vfs::Close(fd);
    ++synced;
  }
  return synced;
}

void ForgetRelation(const smgr::RelFileLocator& loc) {
  if (!g_table) return;
  // Rare (DROP, TRUNCATE): rebuild the table rather than manage tombstones.
  LWLockGuard guard(g_table->lock, LWLockMode::kExclusive);
  std::vector<Entry> keep;
  for (uint32_t i = 0; i < g_table->nslots; ++i) {
    Entry& s = g_table->slots[i];
    if (s.used && !(s.loc == loc)) keep.push_back(s);
    s.used = 0;
  }
  g_table->count = 0;
  for (const Entry& e : keep) InsertLocked(e);
}

int PendingCount() {
  if (!g_table) return 0;
  LWLockGuard guard(g_table->lock, LWLockMode::kShared);
  return static_cast<int>(g_table->count);
}

}  // namespace tusk::sync
