// The shared catalog version counter (see sinval.h).
#include "storage/ipc/sinval.h"

#include <atomic>

#include "storage/ipc/shmem.h"

namespace tusk::sinval {
namespace {
struct Shared {
  std::atomic<uint64_t> version;
  std::atomic<uint64_t> truncations;
};
Shared* g_shared = nullptr;
uint64_t g_local = 0, g_local_truncations = 0;  // processes without shared memory (unit tests) count alone
}  // namespace

size_t ShmemSize() { return shmem::AlignedSize(sizeof(Shared)); }
void ShmemInit() { g_shared = static_cast<Shared*>(shmem::Alloc(sizeof(Shared))); }

uint64_t CatalogVersion() { return g_shared ? g_shared->version.load(std::memory_order_acquire) : g_local; }

void CatalogChanged() {
  if (g_shared) {
    g_shared->version.fetch_add(1, std::memory_order_acq_rel);
  } else {
    ++g_local;
  }
}

uint64_t TruncationCount() {
  return g_shared ? g_shared->truncations.load(std::memory_order_acquire) : g_local_truncations;
}

void RelationTruncated() {
  if (g_shared) {
    g_shared->truncations.fetch_add(1, std::memory_order_acq_rel);
  } else {
    ++g_local_truncations;
  }
}

}  // namespace tusk::sinval
