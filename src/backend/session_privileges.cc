// Privileges: GRANT and REVOKE on tables, sequences, databases and schemas,
// and the checks that read what they wrote (catalog/acl.h has the lists).
//
// A superuser passes every check. Anyone else needs the privilege in the
// object's acl, where a NULL acl is the default (the owner has everything;
// PUBLIC has CONNECT and TEMPORARY on databases). The public schema's acl is
// PostgreSQL 15's: its CREATE belongs to pg_database_owner, whom the owner of
// the current database stands for. Role membership is not stored, so a role
// holds what is granted to it or to PUBLIC.
#include <cctype>
#include <functional>
#include <set>

#include "access/transam/xact.h"
#include "backend/session.h"
#include "backend/stored_table.h"
#include "catalog/acl.h"
#include "catalog/catalog.h"
#include "catalog/role_store.h"
#include "catalog/table_ddl.h"
#include "utils/error.h"

namespace tusk::backend {
namespace {

constexpr bool Same(sql::SqlPrivilege a, catalog::AclPriv b) { return static_cast<uint32_t>(a) == static_cast<uint32_t>(b); }
static_assert(Same(sql::kPrivInsert, catalog::kAclInsert) && Same(sql::kPrivSelect, catalog::kAclSelect) &&
              Same(sql::kPrivUpdate, catalog::kAclUpdate) && Same(sql::kPrivDelete, catalog::kAclDelete) &&
              Same(sql::kPrivTruncate, catalog::kAclTruncate) && Same(sql::kPrivUsage, catalog::kAclUsage));

const transam::Snapshot& Snap() { return xact::GetTransactionSnapshot(); }

constexpr char kInvalidGrantOperation[] = "0LP01";
constexpr char kPrivilegeNotGranted[] = "01007";
constexpr char kPrivilegeNotRevoked[] = "01006";

const char* RelationNoun(char relkind) {
  switch (relkind) {
    case 'S': return "sequence";
    case 'v': return "view";
    case 'i': return "index";
    case 'm': return "materialized view";
    default: return "table";
  }
}

catalog::AclObject RelationAclObject(char relkind) {
  return relkind == 'S' ? catalog::AclObject::kSequence : catalog::AclObject::kTable;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One object a GRANT names: its acl column, owner and how errors name it.
struct GrantObject {
  uint32_t oid = 0;
  catalog::AclObject kind;
  std::string noun;  // "table", "sequence", "database", "schema"
  std::string name;
  uint32_t owner = 0;
  std::optional<std::string> acl;
  std::function<void(const std::string&)> store;  // writes the new acl text
};

}  // namespace

void Session::CheckIdentitySetting(const std::string& name, const std::string& value) {
  if (name != "role" && name != "session_authorization") return;
  if (name == "role" && value == "none") return;
  auto role = catalog::FindRole(value, Snap(), xact::CurrentXactForVisibility());
  if (!role) throw MakeError(sqlstate::kInvalidParameterValue, "role \"" + value + "\" does not exist");
  if (name == "role") {
    // Role membership is not stored: a role is a member of itself only.
    if (!session_role_.superuser && role->oid != session_role_.oid)
      throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied to set role \"" + value + "\"");
  } else if (!login_role_.superuser && role->oid != login_role_.oid) {
    throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied to set session authorization");
  }
  identity_roles_[value] = *role;
}

void Session::SyncIdentity() {
  const guc::Vars& v = guc::V();
  const std::string& session_auth = v.session_authorization.empty() ? login_role_.name : v.session_authorization;
  const std::string& role = v.role.empty() ? std::string("none") : v.role;
  if (session_auth == synced_session_auth_ && role == synced_role_) return;
  auto known = [&](const std::string& name) {
    auto it = identity_roles_.find(name);
    return it == identity_roles_.end() ? login_role_ : it->second;
  };
  session_role_ = known(session_auth);
  info_.role = role == "none" ? session_role_ : known(role);
  info_.user = info_.role.name;
  catalog::SetCurrentUser(info_.role.oid, info_.role.name);  // new relations' owner; drops cached plans
  guc::SetInternalOption("is_superuser", info_.role.superuser ? "on" : "off");
  synced_session_auth_ = session_auth;
  synced_role_ = role;
}

std::string Session::AclRoleName(uint32_t role) {
  if (role == info_.role.oid) return info_.user;
  return RoleName(role).value_or(std::to_string(role));
}

std::string Session::DatabaseOwnerAlias() {
  auto db = catalog::LookupDatabase(CurrentDatabase(), Snap(), xact::CurrentXactForVisibility());
  return db && db->datdba == info_.role.oid ? "pg_database_owner" : "";
}

uint32_t Session::RelationPrivilegesHeld(char relkind, uint32_t owner, const std::optional<std::string>& acl,
                                         uint32_t as_role) {
  std::string role;
  if (as_role == 0 || as_role == info_.role.oid) {
    if (IsSuperuser()) return ~0u;
    role = info_.user;
  } else {
    auto r = catalog::FindRoleByOid(as_role, Snap(), xact::CurrentXactForVisibility());
    if (!r || r->superuser) return ~0u;
    role = r->name;
  }
  return catalog::AclHeld(catalog::AclOf(acl, RelationAclObject(relkind), AclRoleName(owner)), role);
}

void Session::CheckRelationPrivilege(char relkind, const std::string& name, uint32_t owner,
                                     const std::optional<std::string>& acl, uint32_t privs, uint32_t as_role) {
  if ((RelationPrivilegesHeld(relkind, owner, acl, as_role) & privs) == privs) return;
  throw RelationPermissionDenied(relkind, name);
}

PgError Session::RelationPermissionDenied(char relkind, const std::string& name) {
  return MakeError(sqlstate::kInsufficientPrivilege, std::string("permission denied for ") + RelationNoun(relkind) + " " + name);
}

void Session::CheckRelationOwner(const catalog::ClassRow& cls) {
  if (!OwnsRelation(cls))
    throw MakeError(sqlstate::kInsufficientPrivilege, std::string("must be owner of ") + RelationNoun(cls.relkind) + " " + cls.relname);
}

bool Session::OwnsRelation(const catalog::ClassRow& cls) { return IsSuperuser() || cls.relowner == info_.role.oid; }

void Session::CheckCreateInNamespace(uint32_t nsp, int location) {
  if (IsSuperuser() || nsp == MyTempNamespace()) return;
  auto rows = catalog::ScanCatalog<catalog::NamespaceRow>(Snap(), xact::CurrentXactForVisibility(),
                                                           [&](const catalog::NamespaceRow& r) { return r.oid == nsp; });
  if (rows.empty() || rows[0].nspname.starts_with("pg_temp_")) return;
  auto items = catalog::AclOf(rows[0].nspacl, catalog::AclObject::kSchema, AclRoleName(rows[0].nspowner));
  if (catalog::AclHeld(items, info_.user, DatabaseOwnerAlias()) & catalog::kAclCreate) return;
  PgError e = MakeError(sqlstate::kInsufficientPrivilege, "permission denied for schema " + rows[0].nspname);
  if (location >= 0) e.Position(location + 1);
  throw e;
}

bool Session::RoleHasPrivilege(char kind, uint32_t object, const std::string& role_name, const std::string& privilege) {
  const transam::CurrentXact me = xact::CurrentXactForVisibility();
  std::optional<catalog::RoleRecord> role =
      role_name == info_.user ? std::optional(info_.role) : catalog::FindRole(role_name, Snap(), me);
  if (!role) return false;
  if (role->superuser) return true;
  const uint32_t bit = catalog::AclPrivilegeByName(privilege);
  if (kind == 'r') {
    auto cls = catalog::LookupRelationByOid(object, Snap(), me);
    if (!cls) return false;
    // System catalogs are readable by everyone, as PostgreSQL grants SELECT on them to PUBLIC.
    if (object < catalog::kFirstNormalObjectId) return bit == catalog::kAclSelect;
    auto acl = catalog::AclOf(cls->relacl, RelationAclObject(cls->relkind), AclRoleName(cls->relowner));
    return catalog::AclHeld(acl, role->name) & bit;
  }
  if (kind == 'd') {
    auto dbs = catalog::ScanCatalog<catalog::DatabaseRow>(Snap(), me, [&](const auto& d) { return d.oid == object; });
    return !dbs.empty() && HasDatabasePrivilege(dbs[0], *role, bit);
  }
  auto rows = catalog::ScanCatalog<catalog::NamespaceRow>(Snap(), me, [&](const auto& n) { return n.oid == object; });
  if (rows.empty()) return false;
  auto db = catalog::LookupDatabase(CurrentDatabase(), Snap(), me);
  const std::string also = db && db->datdba == role->oid ? "pg_database_owner" : "";
  auto acl = catalog::AclOf(rows[0].nspacl, catalog::AclObject::kSchema, AclRoleName(rows[0].nspowner));
  return catalog::AclHeld(acl, role->name, also) & bit;
}

bool Session::HasDatabasePrivilege(const catalog::DatabaseRow& db, const catalog::RoleRecord& role, uint32_t privs) {
  if (role.superuser) return true;
  auto items = catalog::AclOf(db.datacl, catalog::AclObject::kDatabase, AclRoleName(db.datdba));
  return (catalog::AclHeld(items, role.name, db.datdba == role.oid ? "pg_database_owner" : "") & privs) == privs;
}

void Session::ChangeRelationOwner(const catalog::ClassRow& cls, const sql::RoleSpec& spec) {
  heap::XactContext x = catalog::CatalogXactContext();
  const catalog::RoleRecord new_owner = RoleFromSpec(spec, x);
  if (new_owner.oid == cls.relowner) return;
  if (!IsSuperuser()) {
    // Role membership is not stored: a role is a member of itself only.
    if (new_owner.oid != info_.role.oid)
      throw MakeError(sqlstate::kInsufficientPrivilege, "must be member of role \"" + new_owner.name + "\"");
    CheckCreateInNamespace(cls.relnamespace);
  }
  lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), cls.oid), lmgr::LockMode::kAccessExclusive, false);
  std::vector<uint32_t> relids{cls.oid};
  if (cls.reltoastrelid) relids.push_back(cls.reltoastrelid);
  for (const auto& i : catalog::ScanCatalog<catalog::IndexRow>(x.snapshot, x.Me(), [&](const auto& r) { return r.indrelid == cls.oid; }))
    relids.push_back(i.indexrelid);
  for (const auto& d : catalog::FindDependencies([&](const catalog::DependRow& r) {
         return r.classid == catalog::kRelationRelationId && r.refobjid == cls.oid && (r.deptype == 'a' || r.deptype == 'i');
       }, x.snapshot, x.Me()))
    relids.push_back(d.objid);
  const std::string old_name = AclRoleName(cls.relowner);
  for (uint32_t relid : relids) {
    catalog::UpdateClassRow(relid, [&](catalog::ClassRow& r) {
      if (r.relacl) {
        auto acl = catalog::AclOf(r.relacl, RelationAclObject(r.relkind), old_name);
        catalog::AclChangeOwner(&acl, old_name, new_owner.name);
        r.relacl = catalog::FormatAcl(acl);
      }
      r.relowner = new_owner.oid;
    }, x);
  }
  StoredTablesCatalogWritten();
}

std::vector<std::string> Session::RoleDependencies(const catalog::RoleRecord& role, const heap::XactContext& x) {
  std::vector<std::string> out;
  auto mentions = [&](const std::optional<std::string>& acl) {
    auto items = acl ? catalog::ParseAcl(*acl) : std::nullopt;
    return items && catalog::AclMentions(*items, role.name);
  };
  for (const auto& db : catalog::ScanCatalog<catalog::DatabaseRow>(x.snapshot, x.Me(), [](const auto&) { return true; })) {
    if (db.datdba == role.oid) out.push_back("owner of database " + db.datname);
    if (mentions(db.datacl)) out.push_back("privileges for database " + db.datname);
  }
  for (const auto& n : catalog::ScanCatalog<catalog::NamespaceRow>(x.snapshot, x.Me(), [](const auto&) { return true; })) {
    if (n.nspowner == role.oid && !n.nspname.starts_with("pg_temp_") && !n.nspname.starts_with("pg_toast_temp_"))
      out.push_back("owner of schema " + n.nspname);
    if (mentions(n.nspacl)) out.push_back("privileges for schema " + n.nspname);
  }
  for (const auto& c : catalog::ScanCatalog<catalog::ClassRow>(x.snapshot, x.Me(), [](const auto&) { return true; })) {
    if (c.relkind == 'i' || c.relkind == 't') continue;  // they go with their tables
    if (c.relowner == role.oid) out.push_back(std::string("owner of ") + RelationNoun(c.relkind) + " " + c.relname);
    if (mentions(c.relacl)) out.push_back(std::string("privileges for ") + RelationNoun(c.relkind) + " " + c.relname);
  }
  return out;
}

std::string Session::RunGrant(const sql::GrantStmt& g) {
  using T = sql::GrantStmt;
  const char* tag = g.is_grant ? "GRANT" : "REVOKE";
  xact::CheckWritable(tag);
  const catalog::AclObject kind = g.target == T::kTable      ? catalog::AclObject::kTable
                                  : g.target == T::kSequence ? catalog::AclObject::kSequence
                                  : g.target == T::kDatabase ? catalog::AclObject::kDatabase
                                                             : catalog::AclObject::kSchema;
  const char* kind_noun = g.target == T::kTable      ? "relation"
                          : g.target == T::kSequence ? "sequence"
                          : g.target == T::kDatabase ? "database"
                                                     : "schema";
  uint32_t privs = 0;
  for (const std::string& w : g.privileges) {
    uint32_t bit = catalog::AclPrivilegeByName(w);
    if (bit == 0) throw MakeError(sqlstate::kSyntaxError, "unrecognized privilege type \"" + Lower(w) + "\"");
    // ON TABLE may name sequences too: their privileges are checked per object below.
    const uint32_t allowed = catalog::AclAllPrivileges(kind) |
                             (g.target == T::kTable ? catalog::AclAllPrivileges(catalog::AclObject::kSequence) : 0);
    if (!(bit & allowed))
      throw MakeError(kInvalidGrantOperation, "invalid privilege type " + std::string(w == "TEMP" ? "TEMPORARY" : w) +
                                                  " for " + kind_noun);
    privs |= bit;
  }
  const bool all = g.privileges.empty();

  heap::XactContext x = catalog::CatalogXactContext();
  if (g.granted_by && g.granted_by->kind != sql::RoleSpec::kCurrentUser &&
      RoleFromSpec(*g.granted_by, x).oid != info_.role.oid)
    throw MakeError(sqlstate::kFeatureNotSupported, "grantor must be current user");
  std::vector<std::string> grantees;
  for (const sql::RoleSpec& r : g.grantees) {
    if (r.kind == sql::RoleSpec::kPublic) {
      if (g.is_grant && g.grant_option)
        throw MakeError(kInvalidGrantOperation, "grant options can only be granted to roles");
      grantees.push_back("");
    } else {
      grantees.push_back(RoleFromSpec(r, x).name);
    }
  }

  std::vector<GrantObject> objects;
  auto add_relation = [&](const catalog::ClassRow& cls) {
    if (cls.relkind == 'i' || cls.relkind == 'I')
      throw MakeError("42809", "\"" + cls.relname + "\" is an index");
    if (g.target == T::kSequence && cls.relkind != 'S')
      throw MakeError("42809", "\"" + cls.relname + "\" is not a sequence");
    const uint32_t relid = cls.oid;
    objects.push_back({relid, RelationAclObject(cls.relkind), RelationNoun(cls.relkind), cls.relname, cls.relowner, cls.relacl,
                       [this, relid](const std::string& text) {
                         heap::XactContext w = catalog::CatalogXactContext();
                         catalog::UpdateClassRow(relid, [&](catalog::ClassRow& r) { r.relacl = text; }, w);
                         StoredTablesCatalogWritten();
                       }});
  };
  if (g.target == T::kTable || g.target == T::kSequence) {
    if (g.all_in_schema) {
      for (const std::string& schema : g.names) {
        const uint32_t nsp = NamespaceOid(schema);
        if (nsp == 0) throw MakeError("3F000", "schema \"" + schema + "\" does not exist");
        for (const auto& cls : catalog::ScanCatalog<catalog::ClassRow>(x.snapshot, x.Me(), [&](const catalog::ClassRow& r) {
               return r.relnamespace == nsp && (g.target == T::kSequence ? r.relkind == 'S'
                                                                         : r.relkind == 'r' || r.relkind == 'v' ||
                                                                               r.relkind == 'm' || r.relkind == 'p');
             }))
          add_relation(cls);
      }
    } else {
      for (const sql::RangeVar& rv : g.relations) {
        auto cls = catalog::ResolveRelation(rv.schema, rv.name, x.snapshot, x.Me());
        if (!cls) {
          std::string shown = rv.schema.empty() ? rv.name : rv.schema + "." + rv.name;
          throw MakeError(sqlstate::kUndefinedTable, "relation \"" + shown + "\" does not exist");
        }
        add_relation(*cls);
      }
    }
  } else if (g.target == T::kDatabase) {
    for (const std::string& name : g.names) {
      auto rows = catalog::ScanCatalogTuples<catalog::DatabaseRow>(
          x.snapshot, x.Me(), [&](const catalog::DatabaseRow& d) { return d.datname == name; });
      if (rows.empty()) throw MakeError(sqlstate::kInvalidCatalogName, "database \"" + name + "\" does not exist");
      auto tuple = rows.front();
      objects.push_back({tuple.row.oid, kind, "database", name, tuple.row.datdba, tuple.row.datacl, [tuple](const std::string& text) mutable {
                           heap::XactContext w = catalog::CatalogXactContext();
                           tuple.row.datacl = text;
                           catalog::UpdateCatalogRow(tuple.tid, tuple.row, w);
                         }});
    }
  } else {
    for (const std::string& name : g.names) {
      auto rows = catalog::ScanCatalogTuples<catalog::NamespaceRow>(
          x.snapshot, x.Me(), [&](const catalog::NamespaceRow& n) { return n.nspname == name; });
      if (rows.empty()) throw MakeError("3F000", "schema \"" + name + "\" does not exist");
      auto tuple = rows.front();
      objects.push_back({tuple.row.oid, kind, "schema", name, tuple.row.nspowner, tuple.row.nspacl, [this, tuple](const std::string& text) mutable {
                           heap::XactContext w = catalog::CatalogXactContext();
                           tuple.row.nspacl = text;
                           catalog::UpdateCatalogRow(tuple.tid, tuple.row, w);
                           StoredTablesCatalogWritten();
                         }});
    }
  }

  const catalog::RoleRecord me = CurrentRole(x);
  std::set<uint32_t> done;
  for (GrantObject& o : objects) {
    if (!done.insert(o.oid).second) continue;  // named twice: once is what PostgreSQL's result shows
    const std::string owner = AclRoleName(o.owner);
    std::vector<catalog::AclItem> acl = catalog::AclOf(o.acl, o.kind, owner);
    uint32_t want = all ? catalog::AclAllPrivileges(o.kind) : privs;
    if (o.kind == catalog::AclObject::kSequence && g.target == T::kTable && !all &&
        (want & ~catalog::AclAllPrivileges(o.kind))) {
      EmitNotice(MakeNotice(ErrLevel::kWarning, kInvalidGrantOperation,
                            "sequence \"" + o.name + "\" only supports USAGE, SELECT, and UPDATE privileges"));
      want &= catalog::AclAllPrivileges(o.kind);
    }
    if (o.kind == catalog::AclObject::kTable && (want & ~catalog::AclAllPrivileges(o.kind))) {
      for (const std::string& w : g.privileges)
        if (catalog::AclPrivilegeByName(w) & ~catalog::AclAllPrivileges(o.kind))
          throw MakeError(kInvalidGrantOperation, "invalid privilege type " + w + " for table");
    }
    // The owner (or a superuser acting for it) grants as the owner; anyone
    // else grants what its grant options cover, in its own name.
    std::string grantor = owner;
    if (!me.superuser && o.owner != me.oid) {
      const uint32_t options = catalog::AclGrantOptionsHeld(acl, me.name);
      if (options == 0 && catalog::AclHeld(acl, me.name) == 0)
        throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied for " + o.noun + " " + o.name);
      grantor = me.name;
      if ((want & options) != want) {
        if ((want & options) == 0 || !all) {
          EmitNotice(MakeNotice(ErrLevel::kWarning, g.is_grant ? kPrivilegeNotGranted : kPrivilegeNotRevoked,
                                g.is_grant ? "no privileges were granted for \"" + o.name + "\""
                                           : "no privileges could be revoked for \"" + o.name + "\""));
          if ((want & options) == 0) continue;
        }
        want &= options;
      }
    }
    for (const std::string& grantee : grantees) {
      if (g.is_grant) {
        catalog::AclGrant(&acl, grantee, grantor, want, g.grant_option);
      } else {
        catalog::AclRevoke(&acl, grantee, grantor, want, g.grant_option);
      }
    }
    o.store(catalog::FormatAcl(acl));
  }
  return tag;
}

}  // namespace tusk::backend
