// initdb's catalog step (see initdb_catalog.cc).
#pragma once

#include <cstdint>
#include <string>

namespace tusk::ctl {

// Creates the system catalogs as heap tables in the fresh data directory whose
// WAL starts with the bootstrap checkpoint at `checkpoint_lsn`. Throws PgError.
void BootstrapCatalogInProcess(const std::string& datadir, uint64_t system_identifier, uint64_t checkpoint_lsn,
                               const std::string& superuser, const std::string& password_verifier);

}  // namespace tusk::ctl
