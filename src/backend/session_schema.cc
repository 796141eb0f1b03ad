// CREATE, ALTER and DROP SCHEMA: pg_namespace rows of this database.
//
// As in PostgreSQL: creating takes CREATE on the database, a schema named
// "pg_*" is reserved, and only the owner alters or drops one. DROP SCHEMA
// refuses while relations are in it, unless CASCADE, which drops them the
// way DROP VIEW/TABLE/SEQUENCE ... CASCADE would, views first. Writers are
// serialised by a ShareRowExclusiveLock on pg_namespace (there is no unique
// index on nspname), and read it under a snapshot taken after that lock.
#include "access/transam/xact.h"
#include "backend/session.h"
#include "backend/stored_table.h"
#include "catalog/acl.h"
#include "catalog/catalog.h"
#include "catalog/table_ddl.h"
#include "catalog/temp_namespace.h"
#include "utils/error.h"

namespace tusk::backend {
namespace {

constexpr char kDuplicateSchema[] = "42P06";
constexpr char kInvalidSchemaName[] = "3F000";

void LockNamespaceCatalog() {
  lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), catalog::kNamespaceRelationId),
                lmgr::LockMode::kShareRowExclusive, false);
}

std::optional<catalog::CatalogTuple<catalog::NamespaceRow>> FindSchema(const std::string& name,
                                                                       const heap::XactContext& x) {
  auto rows = catalog::ScanCatalogTuples<catalog::NamespaceRow>(
      x.snapshot, x.Me(), [&](const catalog::NamespaceRow& n) { return n.nspname == name; });
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

void CheckSchemaName(const std::string& name) {
  if (name.starts_with("pg_"))
    throw MakeError(sqlstate::kReservedName, "unacceptable schema name \"" + name + "\"",
                    "The prefix \"pg_\" is reserved for system schemas.");
}

const char* RelationWord(char relkind) {
  switch (relkind) {
    case 'v': return "view";
    case 'S': return "sequence";
    default: return "table";
  }
}

}  // namespace

std::string Session::RunSchema(const sql::SchemaStmt& s) {
  const char* tag = s.action == sql::SchemaStmt::kCreate ? "CREATE SCHEMA" : "ALTER SCHEMA";
  xact::CheckWritable(tag);
  LockNamespaceCatalog();
  heap::XactContext x = catalog::CatalogXactContext();
  const catalog::RoleRecord me = CurrentRole(x);
  auto db = catalog::LookupDatabase(CurrentDatabase(), x.snapshot, x.Me());
  auto may_create_here = [&] {
    if (!db || HasDatabasePrivilege(*db, me, catalog::kAclCreate)) return;
    throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied for database " + CurrentDatabase());
  };
  auto member_of = [&](const catalog::RoleRecord& role) {
    // Role membership is not stored: a role is a member of itself only.
    if (!me.superuser && role.oid != me.oid)
      throw MakeError(sqlstate::kInsufficientPrivilege, "must be member of role \"" + role.name + "\"");
  };

  if (s.action == sql::SchemaStmt::kCreate) {
    const catalog::RoleRecord owner = s.authorization ? RoleFromSpec(*s.authorization, x) : me;
    const std::string name = s.name.empty() ? owner.name : s.name;
    may_create_here();
    member_of(owner);
    CheckSchemaName(name);
    if (FindSchema(name, x)) {
      if (s.if_not_exists) {
        EmitNotice(MakeNotice(ErrLevel::kNotice, kDuplicateSchema, "schema \"" + name + "\" already exists, skipping"));
        return tag;
      }
      throw MakeError(kDuplicateSchema, "schema \"" + name + "\" already exists");
    }
    catalog::NamespaceRow row;
    row.oid = catalog::NewRelationOid();
    row.nspname = name;
    row.nspowner = owner.oid;
    catalog::InsertCatalogRow(row, x);
    StoredTablesCatalogWritten();
    return tag;
  }

  auto tuple = FindSchema(s.name, x);
  if (!tuple) throw MakeError(kInvalidSchemaName, "schema \"" + s.name + "\" does not exist");
  if (!me.superuser && tuple->row.nspowner != me.oid)
    throw MakeError(sqlstate::kInsufficientPrivilege, "must be owner of schema " + s.name);
  if (s.action == sql::SchemaStmt::kRename) {
    if (FindSchema(s.new_name, x)) throw MakeError(kDuplicateSchema, "schema \"" + s.new_name + "\" already exists");
    may_create_here();
    CheckSchemaName(s.new_name);
    tuple->row.nspname = s.new_name;
  } else {
    const catalog::RoleRecord owner = RoleFromSpec(*s.authorization, x);
    if (owner.oid == tuple->row.nspowner) return tag;
    member_of(owner);
    may_create_here();
    if (tuple->row.nspacl) {
      const std::string old_name = AclRoleName(tuple->row.nspowner);
      auto acl = catalog::AclOf(tuple->row.nspacl, catalog::AclObject::kSchema, old_name);
      catalog::AclChangeOwner(&acl, old_name, owner.name);
      tuple->row.nspacl = catalog::FormatAcl(acl);
    }
    tuple->row.nspowner = owner.oid;
  }
  catalog::UpdateCatalogRow(tuple->tid, tuple->row, x);
  StoredTablesCatalogWritten();
  return tag;
}

std::string Session::RunDropSchema(const sql::DropStmt& d) {
  xact::CheckWritable("DROP SCHEMA");
  LockNamespaceCatalog();
  heap::XactContext x = catalog::CatalogXactContext();
  const catalog::RoleRecord me = CurrentRole(x);
  std::vector<catalog::CatalogTuple<catalog::NamespaceRow>> victims;
  for (const sql::RangeVar& rv : d.names) {
    auto tuple = FindSchema(rv.name, x);
    if (!tuple) {
      if (d.missing_ok) {
        EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                              "schema \"" + rv.name + "\" does not exist, skipping"));
        continue;
      }
      throw MakeError(kInvalidSchemaName, "schema \"" + rv.name + "\" does not exist");
    }
    if (tuple->row.oid == catalog::kPgCatalogNamespace || tuple->row.oid == catalog::kPgToastNamespace ||
        catalog::IsTempNamespaceName(rv.name))
      throw MakeError(sqlstate::kDependentObjectsStillExist,
                      "cannot drop schema " + rv.name + " because it is required by the database system");
    if (!me.superuser && tuple->row.nspowner != me.oid)
      throw MakeError(sqlstate::kInsufficientPrivilege, "must be owner of schema " + rv.name);
    victims.push_back(std::move(*tuple));
  }
  // What is in them, as PostgreSQL lists it: "table s.t", "view s.v".
  struct Member {
    char relkind;
    std::string schema, name;
  };
  std::vector<Member> members;
  for (const auto& v : victims) {
    for (const auto& c : catalog::ScanCatalog<catalog::ClassRow>(x.snapshot, x.Me(), [&](const catalog::ClassRow& r) {
           return r.relnamespace == v.row.oid && (r.relkind == 'r' || r.relkind == 'v' || r.relkind == 'S');
         })) {
      // A serial or identity column's sequence is part of its table.
      if (c.relkind == 'S' && !catalog::FindDependencies([&](const catalog::DependRow& r) {
                                 return r.classid == catalog::kRelationRelationId && r.objid == c.oid &&
                                        (r.deptype == 'a' || r.deptype == 'i');
                               }, x.snapshot, x.Me()).empty())
        continue;
      members.push_back({c.relkind, v.row.nspname, c.relname});
    }
  }
  if (!members.empty()) {
    std::string detail;
    for (const Member& m : members)
      detail += (detail.empty() ? "" : "\n") + std::string(d.cascade ? "drop cascades to " : "") + RelationWord(m.relkind) +
                " " + m.schema + "." + m.name + (d.cascade ? "" : " depends on schema " + m.schema);
    if (!d.cascade)
      throw MakeError(sqlstate::kDependentObjectsStillExist,
                      "cannot drop schema " + victims.front().row.nspname + " because other objects depend on it", detail)
          .Hint("Use DROP ... CASCADE to drop the dependent objects too.");
    if (members.size() == 1) {
      EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion, detail));
    } else {
      ErrorData n = MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                               "drop cascades to " + std::to_string(members.size()) + " other objects");
      n.detail = detail;
      EmitNotice(n);
    }
    // Views first (they may read the tables), then tables (with their owned
    // sequences), then the sequences still there; each pass one DROP ...
    // CASCADE over what the catalog holds by then.
    for (const sql::DropStmt::Object kind : {sql::DropStmt::kView, sql::DropStmt::kTable, sql::DropStmt::kSequence}) {
      xact::CommandCounterIncrement();
      x = catalog::CatalogXactContext();
      sql::DropStmt drop;
      drop.object = kind;
      drop.cascade = true;
      const char want = kind == sql::DropStmt::kView ? 'v' : kind == sql::DropStmt::kTable ? 'r' : 'S';
      for (const auto& v : victims) {
        for (const auto& c : catalog::ScanCatalog<catalog::ClassRow>(x.snapshot, x.Me(), [&](const catalog::ClassRow& r) {
               return r.relnamespace == v.row.oid && r.relkind == want;
             })) {
          sql::RangeVar rv;
          rv.schema = v.row.nspname;
          rv.name = c.relname;
          drop.names.push_back(std::move(rv));
        }
      }
      if (!drop.names.empty()) RunDrop(drop);
    }
    xact::CommandCounterIncrement();
    x = catalog::CatalogXactContext();
  }
  for (const auto& v : victims) catalog::DeleteCatalogRow<catalog::NamespaceRow>(v.tid, x);
  StoredTablesCatalogWritten();
  return "DROP SCHEMA";
}

}  // namespace tusk::backend
