// Creates the server's whole shared-memory region: every subsystem sized and
// initialised in one fixed order, and the WAL-before-data hooks set. The
// postmaster calls it at start and after each crash; tests call it to build
// the same region a server has.
#pragma once

#include "utils/guc_vars.h"

namespace tusk::shmem {

void CreateServerSharedMemory(const guc::Vars& vars);

}  // namespace tusk::shmem
