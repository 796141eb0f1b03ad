// The bootstrap database list (template1, template0, postgres).
#include "catalog/databases.h"

namespace tusk::catalog {

std::vector<DatabaseInfo> ListDatabases(const std::string&) {
  return {{1, "template1", true, -1}, {4, "template0", false, -1}, {5, "postgres", true, -1}};
}

std::optional<DatabaseInfo> FindDatabase(const std::string& datadir, const std::string& name) {
  for (const DatabaseInfo& d : ListDatabases(datadir))
    if (d.name == name) return d;
  return std::nullopt;
}

}  // namespace tusk::catalog
