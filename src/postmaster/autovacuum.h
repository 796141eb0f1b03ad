// Autovacuum: the launcher wakes every autovacuum_naptime, picks the next
// database and asks the postmaster (pmsignal) for a worker, at most
// autovacuum_max_workers at once. The worker vacuums that database and exits;
// what it vacuums arrives with storage.
#pragma once

#include <cstddef>
#include <string>

namespace tusk::autovacuum {

size_t ShmemSize();
void ShmemInit();

// The database the next worker should process (set by the launcher, read by
// the postmaster when it forks the worker).
std::string TakeNextDatabase();

}  // namespace tusk::autovacuum
