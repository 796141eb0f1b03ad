// The session's answers to psql's describe functions (pg_get_indexdef,
// pg_get_constraintdef, pg_get_expr, pg_get_viewdef): columns, indexes,
// constraints and view queries read from the stored catalogs under the
// statement's snapshot.
#include <algorithm>
#include <sstream>

#include "access/transam/xact.h"
#include "backend/session.h"
#include "catalog/catalog.h"
#include "catalog/table_ddl.h"

namespace tusk::backend {
namespace {

const transam::Snapshot& Snap() { return xact::GetTransactionSnapshot(); }

// "1 2 3" (int2vector) or "{1,2,3}" (int2[]) as numbers.
std::vector<int16_t> ParseInt2List(const std::string& s) {
  std::string t = s;
  for (char& c : t)
    if (c == '{' || c == '}' || c == ',') c = ' ';
  std::istringstream in(t);
  std::vector<int16_t> out;
  for (int v; in >> v;) out.push_back(static_cast<int16_t>(v));
  return out;
}

}  // namespace

std::vector<sql::ColumnFacts> Session::RelationColumns(uint32_t relid) {
  auto rows = catalog::ScanCatalog<catalog::AttributeRow>(
      Snap(), xact::CurrentXactForVisibility(),
      [&](const catalog::AttributeRow& r) { return r.attrelid == relid && r.attnum > 0 && !r.attisdropped; });
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.attnum < b.attnum; });
  std::vector<sql::ColumnFacts> out;
  for (const auto& r : rows) out.push_back({r.attnum, r.attname, r.atttypid, r.atttypmod});
  return out;
}

std::optional<sql::IndexFacts> Session::IndexByOid(uint32_t index) {
  const transam::CurrentXact me = xact::CurrentXactForVisibility();
  auto rows = catalog::ScanCatalog<catalog::IndexRow>(
      Snap(), me, [&](const catalog::IndexRow& r) { return r.indexrelid == index; });
  if (rows.empty()) return std::nullopt;
  auto cls = catalog::LookupRelationByOid(index, Snap(), me);
  if (!cls) return std::nullopt;
  sql::IndexFacts f;
  f.oid = index;
  f.relid = rows[0].indrelid;
  f.name = cls->relname;
  f.am = "btree";  // the only index access method Tusk has
  f.unique = rows[0].indisunique;
  f.primary = rows[0].indisprimary;
  f.attnums = ParseInt2List(rows[0].indkey);
  f.options = ParseInt2List(rows[0].indoption);
  return f;
}

std::optional<sql::ConstraintFacts> Session::ConstraintByOid(uint32_t constraint) {
  auto rows = catalog::ScanCatalog<catalog::ConstraintRow>(
      Snap(), xact::CurrentXactForVisibility(), [&](const catalog::ConstraintRow& r) { return r.oid == constraint; });
  if (rows.empty()) return std::nullopt;
  const catalog::ConstraintRow& r = rows[0];
  sql::ConstraintFacts f;
  f.oid = r.oid;
  f.relid = r.conrelid;
  f.index = r.conindid;
  f.name = r.conname;
  f.type = r.contype;
  f.deferrable = r.condeferrable;
  f.deferred = r.condeferred;
  if (r.conkey) f.keys = ParseInt2List(*r.conkey);
  if (r.conbin) f.expr_sql = *r.conbin;
  return f;
}

std::optional<std::string> Session::ViewQuery(uint32_t relid) {
  auto rows = catalog::ScanCatalog<catalog::RewriteRow>(
      Snap(), xact::CurrentXactForVisibility(),
      [&](const catalog::RewriteRow& r) { return r.ev_class == relid && r.rulename == "_RETURN"; });
  if (rows.empty()) return std::nullopt;
  return rows[0].ev_action;
}

}  // namespace tusk::backend
