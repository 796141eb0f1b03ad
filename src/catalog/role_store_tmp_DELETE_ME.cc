// TEMPORARY stand-in for catalog::BootstrapRoles until role_store.cc is merged.
// Delete before merging: the real implementation replaces it.
#include <fstream>

#include "catalog/role_store.h"

namespace tusk::catalog {
bool BootstrapRoles(const std::string& datadir, const std::string& superuser, const std::string& verifier,
                    std::string* error) {
  std::ofstream out(datadir + "/global/tusk_roles");
  out << superuser << " 10 " << verifier << "\n";
  if (!out) {
    *error = "could not write roles file";
    return false;
  }
  return true;
}
}  // namespace tusk::catalog
