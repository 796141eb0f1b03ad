// Buffer manager: pinning, single-process I/O with waiters on a futex,
// clock-sweep victim selection, eviction with WAL-before-data, and the
// checkpoint and background-writer flush loops.
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <map>
#include <tuple>
#include <new>
#include <unordered_map>
#include <vector>

#include "storage/buffer/buf_internals.h"
#include "storage/ipc/shmem.h"
#include "storage/ipc/sinval.h"
#include "storage/page/page.h"
#include "utils/error.h"

namespace tusk::buffer {
namespace internal {
Pool* g_pool = nullptr;
}  // namespace internal

using namespace internal;

namespace {

// This process's pins per buffer: the shared refcount counts each process
// once, however many times it pinned the buffer.
std::vector<int32_t> g_private;
int g_num_pinned = 0;
void (*g_wal_hook)(uint64_t) = nullptr;

constexpr uint32_t kPageSize = smgr::kBlockSize;

void FutexWait(std::atomic<uint32_t>* word, uint32_t expected, long timeout_ms) {
  timespec ts{timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT, expected, &ts, nullptr, 0);
}
void FutexWakeAll(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

void Backoff(int& spins) {
  if (++spins > 100) sched_yield();
}

BufferDesc* Desc(Buffer buf) {
  if (!g_pool || buf < 1 || buf > g_pool->nbuffers) throw PgError("XX000", "bad buffer ID: " + std::to_string(buf));
  return &g_pool->descs[buf - 1];
}
char* PageOf(const BufferDesc* d) { return g_pool->pages + static_cast<size_t>(d->id) * kPageSize; }

// A child forked after ShmemInit inherits the vector; a process that never
// saw ShmemInit (or a re-created pool of another size) gets a fresh one.
void EnsurePrivate() {
  if (!g_pool) throw PgError("XX000", "buffer pool is not initialised");
  if (g_private.size() != static_cast<size_t>(g_pool->nbuffers)) {
    g_private.assign(g_pool->nbuffers, 0);
    g_num_pinned = 0;
  }
}

Buffer PinnedBuffer(Buffer buf) {
  BufferDesc* d = Desc(buf);
  EnsurePrivate();
  if (g_private[d->id] <= 0) throw PgError("XX000", "buffer " + std::to_string(buf) + " is not pinned");
  return buf;
}

uint32_t LockHeader(BufferDesc* d) {
  int spins = 0;
  for (;;) {
    uint32_t old = d->state.fetch_or(kLocked, std::memory_order_acquire);
    if (!(old & kLocked)) return old | kLocked;
    Backoff(spins);
  }
}
void UnlockHeader(BufferDesc* d, uint32_t s) { d->state.store(s & ~kLocked, std::memory_order_release); }

uint32_t WaitHeaderUnlocked(BufferDesc* d) {
  int spins = 0;
  uint32_t s = d->state.load(std::memory_order_relaxed);
  while (s & kLocked) {
    Backoff(spins);
    s = d->state.load(std::memory_order_relaxed);
  }
  return s;
}

// Pins without the header lock; bumps the usage count. Returns the state seen.
uint32_t PinBuffer(BufferDesc* d) {
  if (g_private[d->id]++ > 0) return d->state.load(std::memory_order_acquire);
  ++g_num_pinned;
  uint32_t old = d->state.load(std::memory_order_relaxed);
  for (;;) {
    if (old & kLocked) old = WaitHeaderUnlocked(d);
    uint32_t next = old + kRefOne;
    if (UsageCount(old) < kMaxUsage) next += kUsageOne;
    if (d->state.compare_exchange_weak(old, next, std::memory_order_acquire, std::memory_order_relaxed))
      return next;
  }
}

// Pins a buffer whose header lock the caller holds (state `s`), and unlocks it.
// The usage count is left alone: flushing is not a use.
void PinBufferLocked(BufferDesc* d, uint32_t s) {
  if (g_private[d->id]++ == 0) {
    ++g_num_pinned;
    s += kRefOne;
  }
  UnlockHeader(d, s);
}

void UnpinBuffer(BufferDesc* d) {
  if (--g_private[d->id] > 0) return;
  --g_num_pinned;
  uint32_t old = d->state.load(std::memory_order_relaxed);
  uint32_t next;
  for (;;) {
    if (old & kLocked) old = WaitHeaderUnlocked(d);
    next = old - kRefOne;
    if (d->state.compare_exchange_weak(old, next, std::memory_order_release, std::memory_order_relaxed)) break;
  }
  if (next & kPinCountWaiter) {
    d->unpinned.fetch_add(1, std::memory_order_release);
    FutexWakeAll(&d->unpinned);
  }
}

// Claims the buffer's I/O. Waits while another process does I/O on it.
// Returns false if there is nothing to do: for input the page is already
// valid; for output it is no longer dirty.
bool StartBufferIO(BufferDesc* d, bool for_input) {
  uint32_t s;
  for (;;) {
    s = LockHeader(d);
    if (!(s & kIoInProgress)) break;
    // Read the counter under the header lock: the I/O's end bumps it only
    // after clearing kIoInProgress, so the wait cannot miss that wake-up.
    uint32_t seen = d->io_done.load(std::memory_order_acquire);
    UnlockHeader(d, s | kIoWaiter);
    FutexWait(&d->io_done, seen, 100);
  }
  if (for_input ? (s & kValid) != 0 : (s & kDirty) == 0) {
    if (!for_input) s &= ~kCheckpointNeeded;
    UnlockHeader(d, s);
    return false;
  }
  s |= kIoInProgress;
  if (!for_input) s &= ~kJustDirtied;
  UnlockHeader(d, s);
  return true;
}

// Ends the I/O started by StartBufferIO. A finished write clears kDirty
// unless the page was dirtied again while it was being written.
void TerminateBufferIO(BufferDesc* d, bool clear_dirty, uint32_t set_flags) {
  uint32_t s = LockHeader(d);
  // Waiters set kIoWaiter under the header lock while they saw the I/O in
  // progress, so without it nobody sleeps: skip the wake-up system call.
  const bool waiters = s & kIoWaiter;
  s &= ~(kIoInProgress | kIoError | kIoWaiter);
  if (clear_dirty && !(s & kJustDirtied)) s &= ~(kDirty | kCheckpointNeeded);
  s |= set_flags;
  UnlockHeader(d, s);
  d->io_done.fetch_add(1, std::memory_order_release);
  if (waiters) FutexWakeAll(&d->io_done);
}

// Writes a dirty buffer. The caller holds a pin and the content lock (shared
// is enough: it keeps the page from changing except for hint bits, which is
// why we write a copy). Returns whether this call wrote it.
bool FlushBuffer(BufferDesc* d) {
  if (!StartBufferIO(d, false)) return false;
  alignas(8) static char copy[kPageSize];
  std::memcpy(copy, PageOf(d), kPageSize);
  const BufferTag tag = d->tag;
  try {
    // WAL before data: the page's WAL must be on disk before the page.
    if (g_wal_hook) g_wal_hook(page::GetLsn(copy));
    if (g_pool->checksums && !page::PageIsNew(copy)) page::SetChecksum(copy, tag.block);
    smgr::Write(tag.loc, tag.fork, tag.block, copy);
  } catch (...) {
    TerminateBufferIO(d, false, kIoError);
    throw;
  }
  TerminateBufferIO(d, true, 0);
  return true;
}

// Flushes a buffer this process pins; on error the content lock is released
// and the exception propagates (the pin stays, for the caller to drop).
bool FlushPinned(BufferDesc* d) {
  d->content_lock.Acquire(LWLockMode::kShared);
  bool wrote;
  try {
    wrote = FlushBuffer(d);
  } catch (...) {
    d->content_lock.Release();
    throw;
  }
  d->content_lock.Release();
  return wrote;
}

// Clock sweep: returns an unpinned buffer with usage count 0, pinned by us.
// Passing a buffer with usage > 0 decrements it, so one is found within
// kMaxUsage passes unless everything stays pinned.
BufferDesc* GetVictim() {
  int tries = g_pool->nbuffers;
  for (;;) {
    uint32_t id = g_pool->next_victim.fetch_add(1, std::memory_order_relaxed) % g_pool->nbuffers;
    BufferDesc* d = &g_pool->descs[id];
    uint32_t s = LockHeader(d);
    if (RefCount(s) == 0) {
      if (UsageCount(s) == 0) {
        PinBufferLocked(d, s);
        return d;
      }
      UnlockHeader(d, s - kUsageOne);
      tries = g_pool->nbuffers;
    } else {
      UnlockHeader(d, s);
      if (--tries == 0) throw PgError("XX000", "no unpinned buffers available");
    }
  }
}

// This process's ring (RingScope): buffer ids, -1 for a slot not filled yet.
struct Ring {
  bool active = false;
  std::vector<int> ids;
  size_t pos = 0;
};
Ring g_ring;

// The ring's next buffer, pinned, if nobody pins it and nobody but the ring
// used it since (usage count at most one); else nullptr.
BufferDesc* RingVictim() {
  g_ring.pos = (g_ring.pos + 1) % g_ring.ids.size();
  const int id = g_ring.ids[g_ring.pos];
  if (id < 0 || id >= g_pool->nbuffers) return nullptr;
  BufferDesc* d = &g_pool->descs[id];
  uint32_t s = LockHeader(d);
  if (RefCount(s) == 0 && UsageCount(s) <= 1) {
    PinBufferLocked(d, s);
    return d;
  }
  UnlockHeader(d, s);
  return nullptr;
}

void AcquirePartitions(int a, int b) {
  if (a == b) {
    g_pool->partition_locks[a].lock.Acquire(LWLockMode::kExclusive);
    return;
  }
  // Lower partition number first: the fixed order that prevents deadlock.
  g_pool->partition_locks[a < b ? a : b].lock.Acquire(LWLockMode::kExclusive);
  g_pool->partition_locks[a < b ? b : a].lock.Acquire(LWLockMode::kExclusive);
}
void ReleasePartitions(int a, int b) {
  g_pool->partition_locks[a].lock.Release();
  if (a != b) g_pool->partition_locks[b].lock.Release();
}

// Finds or assigns a buffer for `tag` and pins it. The page is valid only
// if the returned buffer's state says so; the caller then does the read.
BufferDesc* BufferAlloc(const BufferTag& tag) {
  const uint32_t hash = TagHash(tag);
  LWLock& plock = PartitionLock(hash);
  plock.Acquire(LWLockMode::kShared);
  int id = TableLookup(tag, hash);
  if (id >= 0) {
    // Pin before releasing the partition lock, so it cannot be replaced.
    BufferDesc* d = &g_pool->descs[id];
    PinBuffer(d);
    plock.Release();
    return d;
  }
  plock.Release();

  for (;;) {
    BufferDesc* d = g_ring.active ? RingVictim() : nullptr;
    if (!d) d = GetVictim();
    if (g_ring.active) g_ring.ids[g_ring.pos] = d->id;
    if (d->state.load(std::memory_order_acquire) & kDirty) {
      // Someone holding the content lock exclusively is changing it: pick
      // another victim rather than wait.
      if (!d->content_lock.TryAcquire(LWLockMode::kShared)) {
        UnpinBuffer(d);
        continue;
      }
      try {
        FlushBuffer(d);
      } catch (...) {
        d->content_lock.Release();
        UnpinBuffer(d);
        throw;
      }
      d->content_lock.Release();
    }
    uint32_t s = LockHeader(d);
    const bool old_valid = s & kTagValid;
    const BufferTag old_tag = d->tag;
    UnlockHeader(d, s);
    const uint32_t old_hash = old_valid ? TagHash(old_tag) : hash;
    AcquirePartitions(PartitionOf(hash), PartitionOf(old_hash));

    int existing = TableInsert(tag, hash, d->id);
    if (existing >= 0) {
      // Another process loaded the page meanwhile: use its buffer.
      UnpinBuffer(d);
      BufferDesc* other = &g_pool->descs[existing];
      PinBuffer(other);
      ReleasePartitions(PartitionOf(hash), PartitionOf(old_hash));
      return other;
    }
    s = LockHeader(d);
    if (RefCount(s) == 1 && !(s & kDirty) && (s & kTagValid) == (old_valid ? kTagValid : 0u) &&
        (!old_valid || d->tag == old_tag)) {
      d->tag = tag;
      s &= ~(kValid | kDirty | kJustDirtied | kCheckpointNeeded | kIoError | kUsageMask);
      s |= kTagValid | kUsageOne;
      UnlockHeader(d, s);
      if (old_valid) TableDelete(old_tag, old_hash);
      ReleasePartitions(PartitionOf(hash), PartitionOf(old_hash));
      return d;
    }
    // Pinned or re-dirtied by someone while we were flushing: try another.
    UnlockHeader(d, s);
    TableDelete(tag, hash);
    ReleasePartitions(PartitionOf(hash), PartitionOf(old_hash));
    UnpinBuffer(d);
  }
}

// Makes a pinned buffer's page valid: reads it (verifying the page) or, for
// a block just added, zeroes it. Unpins and rethrows on failure, leaving the
// buffer for a later retry.
void CompleteRead(BufferDesc* d, bool zero) {
  if (!StartBufferIO(d, true)) return;
  char* page = PageOf(d);
  const BufferTag tag = d->tag;
  try {
    if (zero) {
      std::memset(page, 0, kPageSize);
    } else {
      smgr::Read(tag.loc, tag.fork, tag.block, page);
      if (!page::VerifyHeader(page, tag.block)) {
        throw PgError("XX001", "invalid page in block " + std::to_string(tag.block) + " of relation " +
                                   smgr::RelPath(tag.loc, tag.fork));
      }
    }
  } catch (...) {
    TerminateBufferIO(d, false, kIoError);
    UnpinBuffer(d);
    throw;
  }
  TerminateBufferIO(d, false, kValid);
}

// Relation sizes remembered while this process replays WAL (BeginRedoSizes):
// then it is the only one changing sizes (it extends here; truncations and
// drops go through DropRelationBuffers first), so a record's size check needs
// no fstat. Only files seen to exist are remembered, never their absence.
struct RedoSizes {
  struct Hash {
    size_t operator()(const BufferTag& t) const { return TagHash(t); }
  };
  bool active = false;
  std::unordered_map<BufferTag, uint32_t, Hash> nblocks;  // key: block 0
};
RedoSizes g_redo_sizes;
// The last fork looked up: consecutive records mostly touch one relation.
BufferTag g_last_size_key;
uint32_t* g_last_size = nullptr;

uint32_t* RedoSizeOf(const smgr::RelFileLocator& loc, smgr::Fork fork) {
  if (!g_redo_sizes.active) return nullptr;
  const BufferTag key{loc, fork, 0};
  if (g_last_size && g_last_size_key == key) return g_last_size;
  auto it = g_redo_sizes.nblocks.find(key);
  if (it == g_redo_sizes.nblocks.end()) return nullptr;
  g_last_size_key = key;
  return g_last_size = &it->second;
}

void ForgetRedoSize(const smgr::RelFileLocator& loc, smgr::Fork fork) {
  g_redo_sizes.nblocks.erase(BufferTag{loc, fork, 0});
  g_last_size = nullptr;
}

// Replay's recently used buffers, each holding one extra pin of this
// process: consecutive records mostly touch the same few pages (the
// rightmost index leaf, the page a COPY or UPDATE fills), and finding one
// here skips the mapping table, its partition lock and the shared pin.
// Active only with BeginRedoSizes; the pins go before anything that needs
// buffers unpinned (DropRelationBuffers) and at EndRedoSizes.
struct RecentBuffers {
  static constexpr int kSlots = 8;
  BufferTag tags[kSlots];
  int ids[kSlots] = {-1, -1, -1, -1, -1, -1, -1, -1};
  int next = 0;
};
RecentBuffers g_recent;

void ForgetRecentBuffers() {
  for (int& id : g_recent.ids) {
    if (id >= 0 && g_pool && id < g_pool->nbuffers && g_private.size() > static_cast<size_t>(id) &&
        g_private[id] > 0)
      UnpinBuffer(&g_pool->descs[id]);
    id = -1;
  }
}

Buffer ExtendByOne(const smgr::RelFileLocator& loc, smgr::Fork fork) {
  uint32_t h = TagHash(BufferTag{loc, fork, 0});
  LWLock& ext = g_pool->extension_locks[h % kNumExtensionLocks].lock;
  LWLockGuard guard(ext, LWLockMode::kExclusive);
  uint32_t* known = RedoSizeOf(loc, fork);
  const uint32_t block = known ? *known : smgr::NBlocks(loc, fork);
  alignas(8) static const char zeros[kPageSize] = {};
  smgr::Extend(loc, fork, block, zeros);
  if (known) *known = block + 1;
  BufferDesc* d = BufferAlloc(BufferTag{loc, fork, block});
  CompleteRead(d, true);
  return d->id + 1;
}

void InvalidateBuffer(BufferDesc* d, const BufferTag& tag) {
  const uint32_t hash = TagHash(tag);
  for (;;) {
    LWLock& plock = PartitionLock(hash);
    plock.Acquire(LWLockMode::kExclusive);
    uint32_t s = LockHeader(d);
    if (!(s & kTagValid) || !(d->tag == tag)) {
      UnlockHeader(d, s);
      plock.Release();
      return;
    }
    if (RefCount(s) == 0) {
      TableDelete(tag, hash);
      d->tag = BufferTag{};
      UnlockHeader(d, s & ~(kFlagMask | kUsageMask));
      plock.Release();
      return;
    }
    UnlockHeader(d, s);
    plock.Release();
    if (g_private[d->id] > 0) throw PgError("XX000", "buffer is pinned in DropRelationBuffers");
    // Someone (the bgwriter or checkpointer, mid-write) holds it briefly.
    usleep(1000);
  }
}

}  // namespace

size_t ShmemSize(const guc::Vars& vars) {
  size_t n = vars.shared_buffers < 16 ? 16 : static_cast<size_t>(vars.shared_buffers);
  size_t nbuckets = kNumPartitions;
  while (nbuckets < 2 * n) nbuckets <<= 1;
  return shmem::AlignedSize(sizeof(Pool)) + shmem::AlignedSize(n * sizeof(BufferDesc)) +
         shmem::AlignedSize(n * kPageSize + 4096) + shmem::AlignedSize(nbuckets * sizeof(int32_t)) +
         shmem::AlignedSize((n + kNumPartitions) * sizeof(HashEntry));
}

namespace {
uint64_t g_pool_epoch = 0;
}  // namespace

uint64_t PoolEpoch() { return g_pool_epoch; }

void ShmemInit(const guc::Vars& vars) {
  ++g_pool_epoch;
  const int n = vars.shared_buffers < 16 ? 16 : vars.shared_buffers;
  uint32_t nbuckets = kNumPartitions;
  while (nbuckets < 2u * n) nbuckets <<= 1;
  Pool* pool = new (shmem::Alloc(sizeof(Pool))) Pool;
  pool->nbuffers = n;
  pool->nbuckets = nbuckets;
  pool->checksums = vars.data_checksums;
  pool->lru_maxpages = vars.bgwriter_lru_maxpages;
  pool->descs = static_cast<BufferDesc*>(shmem::Alloc(n * sizeof(BufferDesc)));
  for (int i = 0; i < n; ++i) {
    BufferDesc* d = new (&pool->descs[i]) BufferDesc;
    d->id = i;
    d->state.store(0);
    d->io_done.store(0);
    d->unpinned.store(0);
  }
  // Page-aligned pages: direct I/O and the kernel's copy both like it.
  auto raw = reinterpret_cast<uintptr_t>(shmem::Alloc(static_cast<size_t>(n) * kPageSize + 4096));
  pool->pages = reinterpret_cast<char*>((raw + 4095) & ~uintptr_t{4095});
  pool->buckets = static_cast<int32_t*>(shmem::Alloc(nbuckets * sizeof(int32_t)));
  pool->entries = static_cast<HashEntry*>(shmem::Alloc((n + kNumPartitions) * sizeof(HashEntry)));
  pool->next_victim.store(0);
  g_pool = pool;
  TableInit(n + kNumPartitions);
  g_private.assign(n, 0);
  g_num_pinned = 0;
}

int NumBuffers() { return g_pool ? g_pool->nbuffers : 0; }

RingScope::RingScope(int nbuffers) : outer_active_(g_ring.active) {
  if (outer_active_) return;  // nested: the outer ring serves
  g_ring.ids.assign(static_cast<size_t>(std::max(1, std::min(nbuffers, NumBuffers() / 8 + 1))), -1);
  g_ring.pos = 0;
  g_ring.active = true;
}

RingScope::~RingScope() {
  if (!outer_active_) g_ring.active = false;
}

namespace {

// ReadBuffer and ReadBufferForOverwrite: `zero` fills a page not cached
// with zeros instead of reading it.
Buffer ReadBufferImpl(const smgr::RelFileLocator& loc, smgr::Fork fork, uint32_t block, bool zero) {
  EnsurePrivate();
  if (block == kNewBlock) return ExtendByOne(loc, fork);
  const BufferTag tag{loc, fork, block};
  if (!g_redo_sizes.active) {
    BufferDesc* d = BufferAlloc(tag);
    CompleteRead(d, zero);
    return d->id + 1;
  }
  for (int i = 0; i < RecentBuffers::kSlots; ++i) {
    // Our pin keeps the tag stable, and a buffer we pin stays valid.
    if (g_recent.ids[i] >= 0 && g_recent.tags[i] == tag) {
      g_private[g_recent.ids[i]]++;
      return g_recent.ids[i] + 1;
    }
  }
  BufferDesc* d = BufferAlloc(tag);
  CompleteRead(d, zero);
  RecentBuffers& r = g_recent;
  if (r.ids[r.next] >= 0) UnpinBuffer(&g_pool->descs[r.ids[r.next]]);
  r.tags[r.next] = tag;
  r.ids[r.next] = d->id;
  g_private[d->id]++;  // the slot's own pin
  r.next = (r.next + 1) % RecentBuffers::kSlots;
  return d->id + 1;
}

}  // namespace

Buffer ReadBuffer(const smgr::RelFileLocator& loc, smgr::Fork fork, uint32_t block) {
  return ReadBufferImpl(loc, fork, block, false);
}

Buffer ReadBufferForOverwrite(const smgr::RelFileLocator& loc, smgr::Fork fork, uint32_t block) {
  return ReadBufferImpl(loc, fork, block, true);
}

void ReleaseBuffer(Buffer buf) { UnpinBuffer(Desc(PinnedBuffer(buf))); }

void IncrBufferRefCount(Buffer buf) { g_private[Desc(PinnedBuffer(buf))->id]++; }

void LockBuffer(Buffer buf, LWLockMode mode) { Desc(PinnedBuffer(buf))->content_lock.Acquire(mode); }

void UnlockBuffer(Buffer buf) { Desc(buf)->content_lock.Release(); }

bool ConditionalLockBuffer(Buffer buf) {
  return Desc(PinnedBuffer(buf))->content_lock.TryAcquire(LWLockMode::kExclusive);
}

void LockBufferForCleanup(Buffer buf) {
  BufferDesc* d = Desc(PinnedBuffer(buf));
  for (;;) {
    d->content_lock.Acquire(LWLockMode::kExclusive);
    uint32_t s = LockHeader(d);
    if (RefCount(s) == 1) {  // only our pin
      UnlockHeader(d, s & ~kPinCountWaiter);
      return;
    }
    uint32_t seen = d->unpinned.load(std::memory_order_acquire);
    UnlockHeader(d, s | kPinCountWaiter);
    d->content_lock.Release();
    // The timeout covers a second waiter clearing our flag.
    FutexWait(&d->unpinned, seen, 50);
  }
}

bool ConditionalLockBufferForCleanup(Buffer buf) {
  BufferDesc* d = Desc(PinnedBuffer(buf));
  // Our own other pins count too: a scan of ours may point into the page.
  if (g_private[d->id] != 1) return false;
  // Neither waits: a reader about to prune gives up if anyone holds the page.
  if (!d->content_lock.TryAcquire(LWLockMode::kExclusive)) return false;
  uint32_t s = LockHeader(d);
  const bool alone = RefCount(s) == 1;
  UnlockHeader(d, s);
  if (!alone) d->content_lock.Release();
  return alone;
}

void MarkBufferDirty(Buffer buf) {
  BufferDesc* d = Desc(PinnedBuffer(buf));
  if (!d->content_lock.HeldByMe() || !d->content_lock.HeldExclusively())
    throw PgError("XX000", "MarkBufferDirty without an exclusive content lock");
  uint32_t old = d->state.load(std::memory_order_relaxed);
  for (;;) {
    if (old & kLocked) old = WaitHeaderUnlocked(d);
    if (d->state.compare_exchange_weak(old, old | kDirty | kJustDirtied, std::memory_order_acq_rel,
                                       std::memory_order_relaxed))
      return;
  }
}

char* BufferPage(Buffer buf) { return PageOf(Desc(buf)); }

BufferTag TagOf(Buffer buf) { return Desc(buf)->tag; }

uint32_t RelationNumBlocks(const smgr::RelFileLocator& loc, smgr::Fork fork) {
  if (!g_redo_sizes.active) return smgr::NBlocks(loc, fork);
  if (const uint32_t* known = RedoSizeOf(loc, fork)) return *known;
  const uint32_t n = smgr::NBlocks(loc, fork);
  // NBlocks reads a missing file as empty: remember only a file that exists.
  if (smgr::Exists(loc, fork)) g_redo_sizes.nblocks[BufferTag{loc, fork, 0}] = n;
  return n;
}

void BeginRedoSizes() {
  g_redo_sizes.nblocks.clear();
  g_last_size = nullptr;
  g_redo_sizes.active = true;
}

void EndRedoSizes() {
  g_redo_sizes.active = false;
  g_redo_sizes.nblocks.clear();
  g_last_size = nullptr;
  ForgetRecentBuffers();
}

bool BlockExists(const smgr::RelFileLocator& loc, smgr::Fork fork, uint32_t block) {
  struct Known {
    uint32_t nblocks = 0;
    uint64_t truncations = ~0ull;
    uint64_t epoch = 0;  // a new pool (a new cluster in this process) knows nothing
  };
  static std::map<std::tuple<uint32_t, uint32_t, uint32_t, int>, Known> known;
  Known& k = known[{loc.spc_oid, loc.db_oid, loc.rel_number, static_cast<int>(fork)}];
  const uint64_t truncations = sinval::TruncationCount();
  if (k.truncations == truncations && k.epoch == g_pool_epoch && block < k.nblocks) return true;
  k.nblocks = smgr::NBlocks(loc, fork);
  k.truncations = truncations;
  k.epoch = g_pool_epoch;
  return block < k.nblocks;
}

void DropRelationBuffers(const smgr::RelFileLocator& loc, smgr::Fork fork, uint32_t first_block) {
  EnsurePrivate();
  // The caller is about to shrink or remove the file: ask it afresh next time.
  ForgetRedoSize(loc, fork);
  ForgetRecentBuffers();
  for (int i = 0; i < g_pool->nbuffers; ++i) {
    BufferDesc* d = &g_pool->descs[i];
    uint32_t s = LockHeader(d);
    const BufferTag tag = d->tag;
    UnlockHeader(d, s);
    if ((s & kTagValid) && tag.loc == loc && tag.fork == fork && tag.block >= first_block)
      InvalidateBuffer(d, tag);
  }
}

void FlushRelationBuffers(const smgr::RelFileLocator& loc) {
  EnsurePrivate();
  for (int i = 0; i < g_pool->nbuffers; ++i) {
    BufferDesc* d = &g_pool->descs[i];
    uint32_t s = LockHeader(d);
    if (!((s & kTagValid) && (s & kDirty) && d->tag.loc == loc)) {
      UnlockHeader(d, s);
      continue;
    }
    PinBufferLocked(d, s);
    try {
      FlushPinned(d);
    } catch (...) {
      UnpinBuffer(d);
      throw;
    }
    UnpinBuffer(d);
  }
}

int FlushAllDirtyBuffers(const std::function<void(int, int)>& progress) {
  EnsurePrivate();
  // Fix the set first: pages dirtied after this point belong to the next
  // checkpoint, so a busy system cannot keep the checkpoint from ending.
  struct Item {
    BufferTag tag;
    int id;
  };
  std::vector<Item> items;
  for (int i = 0; i < g_pool->nbuffers; ++i) {
    BufferDesc* d = &g_pool->descs[i];
    uint32_t s = LockHeader(d);
    if (s & kDirty) {
      s |= kCheckpointNeeded;
      items.push_back({d->tag, i});
    }
    UnlockHeader(d, s);
  }
  // In file and block order, as PostgreSQL's BufferSync does: each file is
  // written front to back, so the kernel sees sequential writes it can merge
  // (the pool's order is the replacement order, random on disk).
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return std::tie(a.tag.loc.spc_oid, a.tag.loc.db_oid, a.tag.loc.rel_number, a.tag.fork, a.tag.block) <
           std::tie(b.tag.loc.spc_oid, b.tag.loc.db_oid, b.tag.loc.rel_number, b.tag.fork, b.tag.block);
  });
  std::vector<int> todo;
  todo.reserve(items.size());
  for (const Item& it : items) todo.push_back(it.id);
  int written = 0, done = 0;
  const int total = static_cast<int>(todo.size());
  for (int i : todo) {
    BufferDesc* d = &g_pool->descs[i];
    uint32_t s = LockHeader(d);
    if (!(s & kCheckpointNeeded)) {
      UnlockHeader(d, s);  // written by someone else meanwhile
    } else {
      PinBufferLocked(d, s);
      try {
        written += FlushPinned(d) ? 1 : 0;
      } catch (...) {
        UnpinBuffer(d);
        throw;
      }
      UnpinBuffer(d);
    }
    ++done;
    if (progress) progress(done, total);
  }
  return written;
}

int BgWriterStep() {
  EnsurePrivate();
  const int max = g_pool->lru_maxpages;
  const uint32_t start = g_pool->next_victim.load(std::memory_order_relaxed);
  int written = 0;
  for (int i = 0; i < g_pool->nbuffers && written < max; ++i) {
    BufferDesc* d = &g_pool->descs[(start + i) % g_pool->nbuffers];
    uint32_t s = LockHeader(d);
    // Only buffers the sweep would evict next: unpinned, unused, dirty.
    if (RefCount(s) != 0 || UsageCount(s) != 0 || !(s & kDirty)) {
      UnlockHeader(d, s);
      continue;
    }
    PinBufferLocked(d, s);
    try {
      written += FlushPinned(d) ? 1 : 0;
    } catch (...) {
      UnpinBuffer(d);
      throw;
    }
    UnpinBuffer(d);
  }
  return written;
}

void ReleaseAllPins() {
  for (int& id : g_recent.ids) id = -1;  // their pins go below with the rest
  if (!g_pool || g_private.size() != static_cast<size_t>(g_pool->nbuffers)) return;
  for (int i = 0; i < g_pool->nbuffers && g_num_pinned > 0; ++i) {
    if (g_private[i] <= 0) continue;
    BufferDesc* d = &g_pool->descs[i];
    while (d->content_lock.HeldByMe()) d->content_lock.Release();
    g_private[i] = 1;
    UnpinBuffer(d);
  }
}

int NumPinnedByMe() { return g_num_pinned; }

void SetWalFlushHook(void (*hook)(uint64_t lsn)) { g_wal_hook = hook; }

}  // namespace tusk::buffer
