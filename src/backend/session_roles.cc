// CREATE/ALTER/DROP ROLE: pg_authid rows written in the session's
// transaction, so a rollback undoes them. ALTER ROLE ... SET is
// session_settings.cc.
#include "access/transam/xact.h"
#include "backend/session.h"
#include "catalog/catalog.h"
#include "catalog/db_role_setting.h"
#include "catalog/role_store.h"
#include "storage/lmgr/lock.h"
#include "utils/guc.h"

namespace tusk::backend {

catalog::RoleRecord Session::CurrentRole(const heap::XactContext& x) const {
  return catalog::FindRoleByOid(info_.role.oid, x.snapshot, x.Me()).value_or(info_.role);
}

void Session::CheckAlterableRoleName(const sql::RoleSpec& spec) const {
  if (spec.kind == sql::RoleSpec::kName && spec.name.starts_with("pg_"))
    throw MakeError(sqlstate::kReservedName, "role name \"" + spec.name + "\" is reserved",
                    "Cannot alter reserved roles.");
}

catalog::RoleRecord Session::RoleFromSpec(const sql::RoleSpec& spec, const heap::XactContext& x) const {
  // Only one identity per session: SET ROLE and SET SESSION AUTHORIZATION do not change it.
  if (spec.kind == sql::RoleSpec::kCurrentUser || spec.kind == sql::RoleSpec::kSessionUser) return CurrentRole(x);
  const std::string name = spec.kind == sql::RoleSpec::kPublic ? "public" : spec.name;
  std::optional<catalog::RoleRecord> role = catalog::FindRole(name, x.snapshot, x.Me());
  if (!role) throw MakeError(sqlstate::kUndefinedObject, "role \"" + name + "\" does not exist");
  return *role;
}

std::string Session::RunRoleStmt(const sql::Statement& stmt) {
  xact::CheckWritable(sql::CommandTagOf(stmt).c_str());
  auto to_options = [](const sql::RoleOptions& o) {
    catalog::RoleOptions r;
    r.superuser = o.superuser;
    r.inherit = o.inherit;
    r.createrole = o.createrole;
    r.createdb = o.createdb;
    r.can_login = o.login;
    r.replication = o.replication;
    r.bypassrls = o.bypassrls;
    r.conn_limit = o.connection_limit;
    if (o.password_given) r.password = o.password;
    return r;
  };
  auto check_password = [this](const sql::RoleOptions& o) {
    if (o.password_given && o.password && o.password->empty())
      EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                           "empty string is not a valid password, clearing password"));
  };
  std::string encryption = guc::ShowConfigOption("password_encryption", true).value_or("scram-sha-256");
  // Role DDL is serialised, and reads what the previous writer committed.
  catalog::LockRoleCatalog();
  heap::XactContext x = catalog::CatalogXactContext();
  const catalog::RoleRecord me = CurrentRole(x);
  const bool su = me.superuser;
  switch (stmt.kind()) {
    case sql::StmtKind::kCreateRole: {
      const sql::CreateRoleStmt& c = stmt.create_role();
      if (!su && !me.createrole) throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied to create role");
      if (!su && c.options.superuser.value_or(false))
        throw MakeError(sqlstate::kInsufficientPrivilege, "must be superuser to create superusers");
      if (catalog::FindRole(c.name, x.snapshot, x.Me()))
        throw MakeError(sqlstate::kDuplicateObject, "role \"" + c.name + "\" already exists");
      check_password(c.options);
      catalog::RoleOptions opts = to_options(c.options);
      if (!opts.can_login) opts.can_login = c.is_user;
      catalog::CreateRole(c.name, opts, encryption, x);
      return "CREATE ROLE";
    }
    case sql::StmtKind::kAlterRole: {
      const sql::AlterRoleStmt& a = stmt.alter_role();
      if (a.setting) return RunAlterRoleSet(a, x);
      CheckAlterableRoleName(a.role);
      const catalog::RoleRecord target = RoleFromSpec(a.role, x);
      bool self_password_only = target.oid == me.oid && !a.options.superuser && !a.options.login &&
                                !a.options.createdb && !a.options.createrole && !a.options.replication &&
                                !a.options.connection_limit;
      if (!su && !(me.createrole && !target.superuser) && !self_password_only)
        throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied");
      check_password(a.options);
      catalog::AlterRole(target.name, to_options(a.options), encryption, x);
      return "ALTER ROLE";
    }
    case sql::StmtKind::kDropRole: {
      const sql::DropRoleStmt& d = stmt.drop_role();
      if (!su && !me.createrole) throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied to drop role");
      for (const std::string& name : d.names) {
        if (name == info_.user) throw MakeError(sqlstate::kObjectInUse, "current user cannot be dropped");
        auto role = catalog::FindRole(name, x.snapshot, x.Me());
        if (!role) {
          if (!d.missing_ok) throw MakeError(sqlstate::kUndefinedObject, "role \"" + name + "\" does not exist");
          EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                               "role \"" + name + "\" does not exist, skipping"));
          continue;
        }
        if (role->oid < catalog::kFirstNormalObjectId)
          throw MakeError(sqlstate::kObjectInUse,
                          "cannot drop role " + name + " because it is required by the database system");
        if (role->superuser && !su) throw MakeError(sqlstate::kInsufficientPrivilege, "must be superuser to drop superusers");
        std::vector<std::string> deps = RoleDependencies(*role, x);
        if (!deps.empty()) {
          std::string detail;
          for (const std::string& d : deps) detail += (detail.empty() ? "" : "\n") + d;
          throw MakeError(sqlstate::kDependentObjectsStillExist,
                          "role \"" + name + "\" cannot be dropped because some objects depend on it", detail);
        }
        catalog::DropRole(name, true, info_.user, x);
        // Its settings go with it, in every database (PostgreSQL's DropSetting).
        catalog::LockDbRoleSettingCatalog();
        heap::XactContext settings = catalog::CatalogXactContext();
        catalog::DropDbRoleSettings(0, role->oid, settings);
      }
      return "DROP ROLE";
    }
    default:
      return sql::CommandTagOf(stmt);
  }
}

}  // namespace tusk::backend
