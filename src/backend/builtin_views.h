// System views defined in SQL over the catalogs, as PostgreSQL defines them
// (pg_tables, pg_views, pg_indexes in pg_catalog; tables, columns, schemata,
// views in information_schema). Unlike the views computed in C++
// (system_views.h) they are plain queries: the analyzer expands them like a
// user's view, so WHERE clauses and joins over them need nothing special.
#pragma once

#include <memory>
#include <string>

#include "sql/session_context.h"

namespace tusk::backend {

// The view `schema.name` ("" = unqualified, which finds the pg_catalog ones),
// or nullptr. Parsed once per process.
std::shared_ptr<const sql::ViewDef> BuiltinView(const std::string& schema, const std::string& name);

}  // namespace tusk::backend
