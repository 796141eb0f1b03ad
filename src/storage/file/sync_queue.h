// The sync request queue: relation segments written since the last checkpoint
// that must be fsynced before the next checkpoint completes. Shared memory,
// deduplicated; the checkpointer drains it with SyncAll().
#pragma once

#include <cstddef>
#include <cstdint>

#include "storage/file/smgr.h"
#include "utils/guc_vars.h"

namespace tusk::sync {

size_t ShmemSize(const guc::Vars& vars);
void ShmemInit(const guc::Vars& vars);

// Queues (loc, fork, segno) for the next checkpoint. Returns false when the
// table is full or not set up: the caller must then fsync the file itself.
bool RegisterSync(const smgr::RelFileLocator& loc, smgr::Fork fork, uint32_t segno);

// The checkpointer: fsyncs every queued segment and forgets it; returns the
// number of files synced. A file that no longer exists is skipped (its
// relation was dropped). An fsync failure is a PANIC.
int SyncAll();

// Drops queued requests for every fork and segment of a relation (before unlink).
void ForgetRelation(const smgr::RelFileLocator& loc);

// Number of queued requests (tests, monitoring).
int PendingCount();

}  // namespace tusk::sync
