// The one shared-memory region: an anonymous MAP_SHARED mapping created by the
// postmaster before it forks, so every child sees it at the same address.
// Subsystems carve fixed parts out of it at creation; nothing is ever freed.
#pragma once

#include <cstddef>

namespace tusk::shmem {

// Maps `size` bytes (rounded up to pages), zeroed. Any previous region is
// unmapped first (crash reinitialisation). Throws PgError FATAL on failure.
void CreateRegion(size_t size);

// Unmaps the region (the postmaster before re-creating it after a crash).
void DestroyRegion();

// Bump allocation at start-up only, 64-byte aligned (cache lines), zeroed.
// Throws PgError FATAL ("out of shared memory") if the region is too small.
void* Alloc(size_t size);

// Rounds up to the allocator's alignment; subsystems use it in their ShmemSize().
size_t AlignedSize(size_t size);

// A key for line 7 of the lock file (anonymous memory has none: an id of our own).
unsigned long RegionKey();

}  // namespace tusk::shmem
