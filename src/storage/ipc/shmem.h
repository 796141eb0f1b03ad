// The one shared-memory region: an anonymous MAP_SHARED mapping created by the
// postmaster before it forks, so every child sees it at the same address.
// Subsystems carve fixed parts out of it at creation; nothing is ever freed.
#pragma once

#include <cstddef>
#include <string>

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

// The interlock against a second set of server processes on one data
// directory (PostgreSQL's small System V segment): the postmaster attaches a
// tiny segment that every child inherits, so while any process of a server
// lives, the segment's attach count is non-zero. Line 7 of the lock file is
// "REGIONKEY SEGMENTID".
void CreateInterlock();
std::string LockFileShmemLine();
// Before starting on a data directory whose lock file is stale: FATAL
// "pre-existing shared memory block ... is still in use" if processes of the
// old server are still attached (they could still write WAL).
void CheckOldInterlock(const std::string& lock_line, long old_postmaster_pid, const std::string& datadir);

}  // namespace tusk::shmem
