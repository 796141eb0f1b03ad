// Roles in pg_authid: reading rows into RoleRecords, and CREATE/ALTER/DROP
// ROLE as insert, update and delete of pg_authid rows in the caller's
// transaction.
#include "catalog/role_store.h"

#include "catalog/catalog.h"
#include "protocol/auth/md5.h"
#include "protocol/auth/scram.h"
#include "storage/lmgr/lock.h"
#include "utils/error.h"

namespace tusk::catalog {
namespace {

void CheckReservedName(const std::string& name) {
  if (name.compare(0, 3, "pg_") == 0) {
    throw MakeError(sqlstate::kReservedName, "role name \"" + name + "\" is reserved",
                    "Role names starting with \"pg_\" are reserved.");
  }
  if (name == "public" || name == "none") {
    throw MakeError(sqlstate::kReservedName, "role name \"" + name + "\" is reserved");
  }
}

// Turns the PASSWORD clause into what is stored: verifiers pass through,
// plain text is hashed per password_encryption, NULL and '' clear it.
std::optional<std::string> MakeStoredPassword(const std::optional<std::string>& given, const std::string& name,
                                              const std::string& password_encryption) {
  if (!given.has_value() || given->empty()) return std::nullopt;
  const std::string& pw = *given;
  if (auth::IsScramVerifier(pw) || auth::IsMd5Verifier(pw)) return pw;
  if (password_encryption == "scram-sha-256" || password_encryption.empty()) {
    return auth::BuildScramVerifier(pw);
  }
  if (password_encryption == "md5") return auth::BuildMd5Verifier(pw, name);
  throw MakeError(sqlstate::kInvalidParameterValue,
                  "invalid value for parameter \"password_encryption\": \"" + password_encryption + "\"");
}

void ApplyOptions(const RoleOptions& o, const std::string& password_encryption, AuthIdRow* r) {
  if (o.superuser) r->rolsuper = *o.superuser;
  if (o.inherit) r->rolinherit = *o.inherit;
  if (o.createrole) r->rolcreaterole = *o.createrole;
  if (o.createdb) r->rolcreatedb = *o.createdb;
  if (o.can_login) r->rolcanlogin = *o.can_login;
  if (o.replication) r->rolreplication = *o.replication;
  if (o.bypassrls) r->rolbypassrls = *o.bypassrls;
  if (o.conn_limit) r->rolconnlimit = *o.conn_limit;
  if (o.password) r->rolpassword = MakeStoredPassword(*o.password, r->rolname, password_encryption);
}

std::string DoesNotExist(const std::string& name) { return "role \"" + name + "\" does not exist"; }

std::optional<CatalogTuple<AuthIdRow>> FindTuple(const std::string& name, heap::XactContext& xact) {
  auto rows = ScanCatalogTuples<AuthIdRow>(xact.snapshot, xact.Me(),
                                           [&](const AuthIdRow& r) { return r.rolname == name; });
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

}  // namespace

RoleRecord RoleFromRow(const AuthIdRow& row) {
  RoleRecord r;
  r.name = row.rolname;
  r.oid = row.oid;
  r.superuser = row.rolsuper;
  r.inherit = row.rolinherit;
  r.createrole = row.rolcreaterole;
  r.createdb = row.rolcreatedb;
  r.can_login = row.rolcanlogin;
  r.replication = row.rolreplication;
  r.bypassrls = row.rolbypassrls;
  r.conn_limit = row.rolconnlimit;
  r.password = row.rolpassword.value_or("");
  return r;
}

std::optional<RoleRecord> FindRole(const std::string& name, const transam::Snapshot& snapshot,
                                   const transam::CurrentXact& me) {
  std::optional<AuthIdRow> row = LookupRole(name, snapshot, me);
  if (!row) return std::nullopt;
  return RoleFromRow(*row);
}

std::optional<RoleRecord> FindRoleByOid(uint32_t oid, const transam::Snapshot& snapshot,
                                        const transam::CurrentXact& me) {
  std::optional<AuthIdRow> row = LookupRoleByOid(oid, snapshot, me);
  if (!row) return std::nullopt;
  return RoleFromRow(*row);
}

std::vector<RoleRecord> ListRoles(const transam::Snapshot& snapshot, const transam::CurrentXact& me) {
  std::vector<RoleRecord> out;
  for (const AuthIdRow& row : ScanCatalog<AuthIdRow>(snapshot, me)) out.push_back(RoleFromRow(row));
  return out;
}

void LockRoleCatalog() {
  lmgr::Acquire(lmgr::LockTag::Relation(0, kAuthIdRelationId), lmgr::LockMode::kShareRowExclusive, false);
}

uint32_t CreateRole(const std::string& name, const RoleOptions& options, const std::string& password_encryption,
                    heap::XactContext& xact) {
  CheckReservedName(name);
  if (name.empty()) throw MakeError(sqlstate::kInvalidParameterValue, "role name must not be empty");
  std::vector<AuthIdRow> roles = ScanCatalog<AuthIdRow>(xact.snapshot, xact.Me());
  for (const AuthIdRow& r : roles)
    if (r.rolname == name) throw MakeError(sqlstate::kDuplicateObject, "role \"" + name + "\" already exists");
  AuthIdRow row;  // defaults are CREATE ROLE's: NOLOGIN, INHERIT, no limit
  row.rolname = name;
  row.oid = NewObjectOid([&](uint32_t oid) {
    for (const AuthIdRow& r : roles)
      if (r.oid == oid) return true;
    return false;
  });
  ApplyOptions(options, password_encryption, &row);
  InsertCatalogRow(row, xact);
  return row.oid;
}

void AlterRole(const std::string& name, const RoleOptions& options, const std::string& password_encryption,
               heap::XactContext& xact) {
  std::optional<CatalogTuple<AuthIdRow>> t = FindTuple(name, xact);
  if (!t) throw MakeError(sqlstate::kUndefinedObject, DoesNotExist(name));
  ApplyOptions(options, password_encryption, &t->row);
  UpdateCatalogRow(t->tid, t->row, xact);
}

bool DropRole(const std::string& name, bool missing_ok, const std::string& current_user, heap::XactContext& xact) {
  std::optional<CatalogTuple<AuthIdRow>> t = FindTuple(name, xact);
  if (!t) {
    if (missing_ok) return false;
    throw MakeError(sqlstate::kUndefinedObject, DoesNotExist(name));
  }
  // Same order of checks as PostgreSQL: the current user first.
  if (name == current_user) throw MakeError(sqlstate::kObjectInUse, "current user cannot be dropped");
  if (t->row.oid < kFirstNormalObjectId)
    throw MakeError(sqlstate::kObjectInUse,
                    "cannot drop role " + name + " because it is required by the database system");
  DeleteCatalogRow<AuthIdRow>(t->tid, xact);
  return true;
}

}  // namespace tusk::catalog
