// Roles (users and groups) as the server uses them: pg_authid rows read into
// a RoleRecord, and CREATE/ALTER/DROP ROLE as heap changes to pg_authid in
// the caller's transaction, so they commit, roll back and survive crashes
// like any other row (MVCC and the WAL do it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "access/heap/heapam.h"
#include "catalog/schema.h"

namespace tusk::catalog {

inline constexpr uint32_t kBootstrapSuperuserOid = kBootstrapSuperuserId;

// One pg_authid row, as authentication and permission checks read it.
struct RoleRecord {
  std::string name;
  uint32_t oid = 0;
  bool superuser = false;
  bool inherit = true;
  bool createrole = false;
  bool createdb = false;
  bool can_login = false;
  bool replication = false;
  bool bypassrls = false;
  int conn_limit = -1;   // -1: no limit
  std::string password;  // stored verifier ("SCRAM-SHA-256$...", "md5..."), empty: none
};

RoleRecord RoleFromRow(const AuthIdRow& row);

// Attributes named in CREATE/ALTER ROLE; unset fields are left alone by Alter.
struct RoleOptions {
  std::optional<bool> superuser, inherit, createrole, createdb, can_login, replication, bypassrls;
  std::optional<int> conn_limit;
  std::optional<std::optional<std::string>> password;  // set to nullopt inner = PASSWORD NULL
};

// Lookups under the caller's snapshot (a fresh one for DDL: CatalogXactContext).
std::optional<RoleRecord> FindRole(const std::string& name, const transam::Snapshot& snapshot,
                                   const transam::CurrentXact& me = {});
std::optional<RoleRecord> FindRoleByOid(uint32_t oid, const transam::Snapshot& snapshot,
                                        const transam::CurrentXact& me = {});
std::vector<RoleRecord> ListRoles(const transam::Snapshot& snapshot, const transam::CurrentXact& me = {});

// Serialises role DDL: ShareRowExclusiveLock on pg_authid until the end of
// the transaction (there is no unique index on rolname yet to catch two
// sessions creating the same name). Take it before CatalogXactContext(), so
// the snapshot sees what the previous holder committed.
void LockRoleCatalog();

// CREATE ROLE: a new OID from the WAL-logged counter and a pg_authid row in
// `xact`. Throws 42939 for reserved names ("pg_*", "public", "none"), 22023
// for an empty one, 42710 `role "NAME" already exists`. A plain-text password
// is turned into a verifier per password_encryption ("scram-sha-256" or "md5").
// Returns the role's OID.
uint32_t CreateRole(const std::string& name, const RoleOptions& options, const std::string& password_encryption,
                    heap::XactContext& xact);

// ALTER ROLE: a new version of the row. Throws 42704 `role "NAME" does not exist`.
void AlterRole(const std::string& name, const RoleOptions& options, const std::string& password_encryption,
               heap::XactContext& xact);

// DROP ROLE [IF EXISTS]: deletes the row. Throws 42704 `role "NAME" does not
// exist` unless missing_ok (then returns false, and the caller sends the NOTICE
// `role "NAME" does not exist, skipping`). Refuses the current user (55006
// `current user cannot be dropped`) and then the bootstrap superuser (55006
// `cannot drop role NAME because it is required by the database system`).
bool DropRole(const std::string& name, bool missing_ok, const std::string& current_user, heap::XactContext& xact);

}  // namespace tusk::catalog
