// Shared structures of the buffer pool: descriptors with their atomic state
// word, the partitioned tag-to-buffer mapping table, and the pool header.
// Only storage/buffer/*.cc include this; everyone else uses buffer.h.
#pragma once

#include <atomic>
#include <cstdint>

#include "storage/buffer/buffer.h"
#include "storage/lmgr/lwlock.h"

namespace tusk::buffer::internal {

// The state word: bits 0-17 shared pin count, 18-21 usage count, 22-31 flags.
inline constexpr uint32_t kRefOne = 1u;
inline constexpr uint32_t kRefMask = (1u << 18) - 1;
inline constexpr uint32_t kUsageShift = 18;
inline constexpr uint32_t kUsageOne = 1u << kUsageShift;
inline constexpr uint32_t kUsageMask = 0xFu << kUsageShift;
inline constexpr uint32_t kMaxUsage = 5;
inline constexpr uint32_t kLocked = 1u << 22;          // the header spinlock
inline constexpr uint32_t kDirty = 1u << 23;           // page differs from disk
inline constexpr uint32_t kValid = 1u << 24;           // page holds the tag's data
inline constexpr uint32_t kTagValid = 1u << 25;        // tag is set and in the mapping table
inline constexpr uint32_t kIoInProgress = 1u << 26;    // one process is reading or writing it
inline constexpr uint32_t kIoError = 1u << 27;         // the last I/O failed
inline constexpr uint32_t kJustDirtied = 1u << 28;     // dirtied while being written
inline constexpr uint32_t kPinCountWaiter = 1u << 29;  // LockBufferForCleanup is waiting
inline constexpr uint32_t kCheckpointNeeded = 1u << 30;  // dirty when the checkpoint began
inline constexpr uint32_t kIoWaiter = 1u << 31;        // someone sleeps on io_done
inline constexpr uint32_t kFlagMask = ~(kRefMask | kUsageMask);

inline uint32_t RefCount(uint32_t s) { return s & kRefMask; }
inline uint32_t UsageCount(uint32_t s) { return (s & kUsageMask) >> kUsageShift; }

struct alignas(64) BufferDesc {
  // Written only with the header spinlock (kLocked) held and, when it changes
  // identity, also the mapping partition locks of the old and new tag. Stable
  // for anyone holding a pin.
  BufferTag tag;
  int32_t id;  // 0-based; fixed at init
  // Pins, usage, flags and the header spinlock; changed by CAS. Flag changes
  // take the header spinlock; pin/unpin only wait for it to be free.
  std::atomic<uint32_t> state;
  // Futex words (no lock): io_done is bumped after every I/O ends (woken
  // only if kIoWaiter was set), unpinned after a pin is dropped while
  // kPinCountWaiter is set.
  std::atomic<uint32_t> io_done;
  std::atomic<uint32_t> unpinned;
  // Protects the page contents: shared to read, exclusive to change.
  LWLock content_lock;
};

// One mapping: tag -> buffer id, chained from a bucket.
struct HashEntry {
  BufferTag tag;  // guarded by the partition lock of its bucket
  int32_t buf_id;
  int32_t next;   // next entry in the bucket chain or the free list; -1 ends
};

struct alignas(64) PaddedLWLock {
  LWLock lock;
};

inline constexpr int kNumPartitions = 128;
inline constexpr int kNumExtensionLocks = 32;

struct Pool {
  // Fixed at ShmemInit.
  int32_t nbuffers;
  uint32_t nbuckets;  // power of two, a multiple of kNumPartitions
  bool checksums;
  int32_t lru_maxpages;
  BufferDesc* descs;
  char* pages;        // nbuffers * 8 kB, page-aligned
  int32_t* buckets;   // chain heads; bucket b belongs to partition b % kNumPartitions
  HashEntry* entries;
  // The clock hand (no lock: fetch_add).
  std::atomic<uint32_t> next_victim;
  // Free HashEntry list, guarded by freelist_lock.
  SpinLock freelist_lock;
  int32_t free_head;
  // Bucket chains of partition p are guarded by partition_locks[p].
  PaddedLWLock partition_locks[kNumPartitions];
  // Serialise extension of one relation fork (hashed), so two processes
  // never add the same block number.
  PaddedLWLock extension_locks[kNumExtensionLocks];
};

extern Pool* g_pool;

// Mapping table (buf_table.cc). Callers hold the partition lock of `hash`
// (shared to look up, exclusive to insert or delete).
uint32_t TagHash(const BufferTag& tag);
inline LWLock& PartitionLock(uint32_t hash) { return g_pool->partition_locks[hash % kNumPartitions].lock; }
inline int PartitionOf(uint32_t hash) { return static_cast<int>(hash % kNumPartitions); }
int TableLookup(const BufferTag& tag, uint32_t hash);
// Inserts tag -> buf_id; if the tag is present, returns its buffer instead (-1 if inserted).
int TableInsert(const BufferTag& tag, uint32_t hash, int buf_id);
void TableDelete(const BufferTag& tag, uint32_t hash);
void TableInit(int nentries);

}  // namespace tusk::buffer::internal
