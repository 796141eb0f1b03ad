// Roles (users and groups), kept crash-safely in DATADIR/global/tusk_roles
// until the catalog moves into tables (pg_authid). Writers serialise on an
// flock of the file; each change writes a new file, fsyncs it, renames it
// over the old one and fsyncs the directory, so a crash leaves the old or the
// new set, never a mix. Format: docs/formats/roles.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tusk::catalog {

inline constexpr uint32_t kBootstrapSuperuserOid = 10;

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

// Attributes named in CREATE/ALTER ROLE; unset fields are left alone by Alter.
struct RoleOptions {
  std::optional<bool> superuser, inherit, createrole, createdb, can_login, replication, bypassrls;
  std::optional<int> conn_limit;
  std::optional<std::optional<std::string>> password;  // set to nullopt inner = PASSWORD NULL
};

// initdb: writes the file with the one bootstrap superuser (OID 10, all
// attributes), whose password verifier may be empty. False + *error on failure.
[[nodiscard]] bool BootstrapRoles(const std::string& datadir, const std::string& superuser,
                                  const std::string& password_verifier, std::string* error);

// Reads every role. False + *error if the file is missing or damaged.
[[nodiscard]] bool LoadRoles(const std::string& datadir, std::vector<RoleRecord>* out, std::string* error);

// Finds one role by name; nullopt if absent. Throws PgError (XX000/58030) if the file is unreadable.
std::optional<RoleRecord> FindRole(const std::string& datadir, const std::string& name);

// CREATE ROLE: throws PgError 42710 `role "NAME" already exists`, 42939 for
// reserved names ("pg_*", "public", "none"...). A plain-text password is turned
// into a verifier per password_encryption ("scram-sha-256" or "md5").
void CreateRole(const std::string& datadir, const std::string& name, const RoleOptions& options,
                const std::string& password_encryption);

// ALTER ROLE: throws 42704 `role "NAME" does not exist`.
void AlterRole(const std::string& datadir, const std::string& name, const RoleOptions& options,
               const std::string& password_encryption);

// DROP ROLE [IF EXISTS]: throws 42704 `role "NAME" does not exist` unless
// missing_ok (then returns false, and the caller sends the NOTICE
// `role "NAME" does not exist, skipping`). Refuses the bootstrap superuser
// (55006 `cannot drop role NAME because it is required by the database system`)
// and the current user (55006 `current user cannot be dropped`).
bool DropRole(const std::string& datadir, const std::string& name, bool missing_ok,
              const std::string& current_user);

}  // namespace tusk::catalog
