// current_schema() and current_schemas(boolean): the search_path as
// PostgreSQL resolves it. Names are taken in order, "$user" standing for the
// current user's name; names without an existing schema and repeats are
// left out, and pg_catalog is searched first (implicitly) unless listed.
// pg_temp is left out: there are no temporary schemas.
#include <algorithm>

#include "sql/functions/registry.h"
#include "sql/session_context.h"
#include "sql/types/array.h"
#include "sql/types/type_oids.h"
#include "utils/guc.h"

namespace tusk::sql {
namespace {

// The explicit schemas of the session's search_path that exist.
std::vector<std::string> ExplicitSchemas(ExecContext& ctx) {
  std::vector<std::string> path;
  if (auto sp = ctx.session->GetConfig("search_path", true)) path = guc::ParseSearchPath(*sp);
  std::vector<std::string> found;
  for (std::string name : path) {
    if (name == "$user") name = ctx.session->CurrentUser();
    if (name == "pg_temp" || std::find(found.begin(), found.end(), name) != found.end()) continue;
    if (ctx.session->NamespaceOid(name) != 0) found.push_back(std::move(name));
  }
  return found;
}

void CurrentSchema(const Step&, const Datum* const*, Datum& out, ExecContext& ctx) {
  std::vector<std::string> found = ExplicitSchemas(ctx);
  if (found.empty()) {
    out.null = true;
    return;
  }
  out.s = std::move(found[0]);
}

void CurrentSchemas(const Step&, const Datum* const* a, Datum& out, ExecContext& ctx) {
  std::vector<std::string> found = ExplicitSchemas(ctx);
  if (a[0]->b && std::find(found.begin(), found.end(), "pg_catalog") == found.end()) {
    found.insert(found.begin(), "pg_catalog");
  }
  std::vector<Datum> elems;
  for (auto& n : found) elems.push_back(Datum::Text(std::move(n)));
  out = MakeArray(oid::kName, std::move(elems));
}

}  // namespace

void AddSchemaBuiltins(std::vector<FuncDef>& f) {
  f.push_back({"current_schema", {}, oid::kName, CurrentSchema, false});
  f.push_back({"current_schemas", {oid::kBool}, oid::kNameArray, CurrentSchemas});
}

}  // namespace tusk::sql
