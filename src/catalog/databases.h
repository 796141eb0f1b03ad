// The databases a cluster has. Until pg_database exists as a table (storage
// issue), they are the three initdb creates, with PostgreSQL's OIDs; their
// directories under base/ are made by initdb.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tusk::catalog {

struct DatabaseInfo {
  uint32_t oid;
  std::string name;
  bool allow_connections;
  int conn_limit;  // -1: none
};

std::vector<DatabaseInfo> ListDatabases(const std::string& datadir);
std::optional<DatabaseInfo> FindDatabase(const std::string& datadir, const std::string& name);

}  // namespace tusk::catalog
