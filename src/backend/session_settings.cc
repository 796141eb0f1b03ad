// ALTER ROLE/DATABASE ... SET/RESET: entries of pg_db_role_setting rows
// written in the session's transaction. They take effect in sessions that
// start after the commit (backend_main.cc reads them, ApplyStartupSettings
// applies them); the running session keeps its settings, as in PostgreSQL.
#include "backend/session.h"
#include "catalog/catalog.h"
#include "catalog/db_role_setting.h"
#include "utils/guc.h"

namespace tusk::backend {

std::string Session::RunAlterRoleSet(const sql::AlterRoleStmt& a, const heap::XactContext& x) {
  // PostgreSQL's AlterRoleSet, in its order: the role and the right to
  // change it, the database (and, for ALL, its ownership), global settings.
  const catalog::RoleRecord me = CurrentRole(x);
  uint32_t role = 0, db = 0;
  if (!a.all_roles) {
    CheckAlterableRoleName(a.role);
    const catalog::RoleRecord target = RoleFromSpec(a.role, x);
    if (target.superuser) {
      if (!me.superuser) throw MakeError(sqlstate::kInsufficientPrivilege, "must be superuser to alter superusers");
    } else if (!me.superuser && !me.createrole && target.oid != me.oid) {
      throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied");
    }
    role = target.oid;
  }
  if (!a.database.empty()) {
    const catalog::DatabaseRow d = HoldDatabase(a.database);
    // ALL IN DATABASE is ALTER DATABASE ... SET by another name.
    if (a.all_roles && !me.superuser && d.datdba != me.oid)
      throw MakeError(sqlstate::kInsufficientPrivilege, "must be owner of database " + a.database);
    db = d.oid;
  } else if (a.all_roles && !me.superuser) {
    throw MakeError(sqlstate::kInsufficientPrivilege, "must be superuser to alter settings globally");
  }
  AlterSetting(db, role, *a.setting, me.superuser);
  return "ALTER ROLE";
}

void Session::AlterSetting(uint32_t db, uint32_t role, const sql::SettingClause& c, bool superuser) {
  std::optional<std::string> value;
  if (c.kind == sql::SettingClause::kValue) value = FlattenSetValues(c.name, c.values);
  if (c.kind == sql::SettingClause::kFromCurrent) value = guc::CurrentValueToStore(c.name, superuser);

  // Writers of the catalog are serialised (no unique index on its key yet).
  catalog::LockDbRoleSettingCatalog();
  heap::XactContext x = catalog::CatalogXactContext();
  std::optional<std::vector<std::string>> entries = catalog::FindDbRoleSetting(db, role, x.snapshot, x.Me());
  if (c.kind == sql::SettingClause::kResetAll) {
    if (!entries) return;
    // A non-superuser keeps what it could not have set (PostgreSQL's GUCArrayReset).
    std::vector<std::string> kept;
    if (!superuser)
      for (const std::string& e : *entries)
        if (!guc::MayRemoveStoredSetting(catalog::SettingEntryName(e), false)) kept.push_back(e);
    catalog::WriteDbRoleSetting(db, role, kept, x);
    return;
  }
  // RESET with no row checks nothing, as in PostgreSQL.
  if (!entries && !value) return;
  const std::string name = guc::CheckStoredSetting(c.name, value, superuser);
  std::vector<std::string> next = entries.value_or(std::vector<std::string>{});
  if (value)
    catalog::PutSettingEntry(&next, name, *value);
  else
    catalog::RemoveSettingEntry(&next, name);
  catalog::WriteDbRoleSetting(db, role, next, x);
}

}  // namespace tusk::backend
