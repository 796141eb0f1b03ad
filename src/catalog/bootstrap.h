// initdb's catalog step: creates the stored catalogs' files and fills them
// with the rows compiled into the binary (types, namespaces, databases, the
// bootstrap superuser), then clones template1 into template0 and postgres.
#pragma once

#include <optional>
#include <string>

namespace tusk::catalog {

struct BootstrapOptions {
  std::string superuser = "postgres";
  std::optional<std::string> password_verifier;  // SCRAM verifier for rolpassword; none: no password
  std::string locale = "C";                      // datcollate / datctype
  int encoding = 6;                              // UTF8
};

// Creates every catalog's storage (template1's under base/1, shared ones
// under global/) and inserts their rows. The caller has built the region
// (CreateServerSharedMemory), started WAL (BootstrapWal + StartupWal),
// claimed a proc slot and opened a transaction with xact::StartTransaction;
// the rows become visible when it commits. Leaves CurrentDatabase() at 1.
void BootstrapCatalog(const BootstrapOptions& options);

// After the bootstrap transaction committed: writes every dirty buffer and
// copies base/1 to base/4 (template0) and base/5 (postgres), fsyncing the
// copies. The copies are not in WAL (PostgreSQL's file-copy strategy), so
// the caller must checkpoint afterwards before the cluster is used.
void CreateTemplateCopies();

}  // namespace tusk::catalog
