// System views the backend serves itself: pg_stat_activity
// (the shared process array), pg_settings (this session's settings),
// pg_stat_database (the stats collector's totals with pg_database's list),
// pg_prepared_statements (this session's named statements), and
// pg_roles/pg_authid, pg_database and pg_db_role_setting, read from the
// shared catalogs, and the catalogs psql reads that Tusk does not store
// (pg_am, pg_tablespace, pg_collation, pg_auth_members, pg_extension,
// pg_description, pg_shdescription, pg_publication,
// pg_publication_namespace, pg_user).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "sql/session_context.h"

namespace tusk::backend {

class Session;

class SystemViews {
 public:
  explicit SystemViews(Session& session);
  ~SystemViews();
  // nullptr if no view has that name.
  sql::VirtualTable* Find(const std::string& name);
  // Every view is named pg_...: a session builds its views only when a name
  // could be one of them, not at start-up for every connection.
  static bool MayName(std::string_view name) { return name.starts_with("pg_"); }

 private:
  void AddCatalogViews();
  std::map<std::string, std::unique_ptr<sql::VirtualTable>> views_;
};

// "2026-11-21 22:23:19.450123+00": timestamptz input text for a Unix time in µs.
std::string FormatTimestamptzUtc(int64_t micros);

}  // namespace tusk::backend
