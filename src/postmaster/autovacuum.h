// Autovacuum: the launcher wakes every autovacuum_naptime, picks the next
// database and asks the postmaster (pmsignal) for a worker, at most
// autovacuum_max_workers at once. The worker vacuums the tables of that
// database whose dead rows passed autovacuum_vacuum_threshold +
// autovacuum_vacuum_scale_factor * reltuples, then exits. Dead rows are
// counted in shared memory as backends update and delete (a fixed table of
// counters; a table that finds no slot is vacuumed at every visit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tusk::autovacuum {

size_t ShmemSize();
void ShmemInit();

// The database the next worker should process (set by the launcher, read by
// the postmaster when it forks the worker).
std::string TakeNextDatabase();

// A backend updated or deleted n rows of (db, rel) (counted when its
// statement runs; an abort leaves dead rows too).
void CountDeadRows(uint32_t db, uint32_t rel, uint32_t n);
// The count since the table's last vacuum; UINT64_MAX if it has no slot.
uint64_t DeadRows(uint32_t db, uint32_t rel);
void ResetDeadRows(uint32_t db, uint32_t rel);

}  // namespace tusk::autovacuum
