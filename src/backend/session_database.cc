// CREATE/ALTER/DROP DATABASE: pg_database rows plus, for CREATE and DROP,
// the database's directory (PostgreSQL's file-copy strategy, WAL-logged in
// the Database rmgr).
#include <signal.h>
#include <unistd.h>

#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <cctype>
#include <set>

#include "access/transam/xact.h"
#include "access/wal/wal.h"
#include "access/wal/wal_dbase.h"
#include "backend/interrupts.h"
#include "backend/session.h"
#include "catalog/acl.h"
#include "catalog/catalog.h"
#include "catalog/db_role_setting.h"
#include "catalog/role_store.h"
#include "postmaster/checkpoint.h"
#include "postmaster/pgstat.h"
#include "storage/file/smgr.h"
#include "storage/ipc/proc_array.h"
#include "storage/lmgr/lock.h"
#include "utils/guc.h"

namespace tusk::backend {
namespace {

// Serialises CREATE/DROP DATABASE (no unique index on datname yet).
void LockDatabaseCatalog() {
  lmgr::Acquire(lmgr::LockTag::Relation(0, catalog::kDatabaseRelationId), lmgr::LockMode::kShareRowExclusive, false);
}

lmgr::LockTag DatabaseObject(uint32_t db_oid) {
  return lmgr::LockTag::Object(0, catalog::kDatabaseRelationId, db_oid, 0);
}

std::string BusyDetail(int others) {
  return others == 1 ? "There is 1 other session using the database."
                     : "There are " + std::to_string(others) + " other sessions using the database.";
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool IsDefault(const sql::DefElem& e) { return e.arg_kind == sql::DefElem::kIdent && Lower(e.arg) == "default"; }

// PostgreSQL's defGetBoolean: the integers 0 and 1, or true/false/on/off.
bool ParseBoolOption(const sql::DefElem& e) {
  if (e.arg_kind == sql::DefElem::kNone) return true;
  if (e.arg_kind == sql::DefElem::kNumber) {
    if (e.arg.find_first_not_of("0123456789") == std::string::npos && !e.arg.empty()) {
      const unsigned long long v = e.arg.size() > 18 ? 2 : std::stoull(e.arg);
      if (v <= 1) return v == 1;
    }
  } else {
    const std::string v = Lower(e.arg);
    if (v == "true" || v == "on") return true;
    if (v == "false" || v == "off") return false;
  }
  throw MakeError(sqlstate::kSyntaxError, e.name + " requires a Boolean value");
}

int ParseIntOption(const sql::DefElem& e) {
  if (e.arg_kind != sql::DefElem::kNumber) throw MakeError(sqlstate::kSyntaxError, e.name + " requires an integer value");
  try {
    size_t used = 0;
    long v = std::stol(e.arg, &used);
    if (used == e.arg.size() && v >= INT32_MIN && v <= INT32_MAX) return static_cast<int>(v);
  } catch (const std::exception&) {
  }
  throw MakeError(sqlstate::kSyntaxError, e.name + " requires an integer value");
}

std::optional<catalog::CatalogTuple<catalog::DatabaseRow>> FindDatabaseTuple(
    const std::function<bool(const catalog::DatabaseRow&)>& match, const heap::XactContext& x) {
  auto rows = catalog::ScanCatalogTuples<catalog::DatabaseRow>(x.snapshot, x.Me(), match);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

PgError NoSuchDatabase(const std::string& name) {
  return MakeError(sqlstate::kInvalidCatalogName, "database \"" + name + "\" does not exist");
}

PgError NotOwner(const std::string& name) {
  return MakeError(sqlstate::kInsufficientPrivilege, "must be owner of database " + name);
}

int Position(const sql::DefElem& e) { return e.location >= 0 ? e.location + 1 : 0; }

}  // namespace

int Session::WaitForOtherSessions(uint32_t db_oid) {
  // As PostgreSQL's CountOtherDBBackends: sessions about to leave get 5 s,
  // and autovacuum workers in the database are asked to leave (SIGTERM: a
  // worker stops after the table it is on, quietly).
  int others = 0;
  for (int i = 0; i < 50; ++i) {
    std::vector<int32_t> workers;
    others = proc_array::CountDatabaseUsers(db_oid, &workers) - (info_.database_oid == db_oid ? 1 : 0);
    if (others <= 0) return 0;
    for (int32_t pid : workers) kill(pid, SIGTERM);
    SleepInterruptibly(0.1);
  }
  return others;
}

std::string Session::RunCreateDatabase(const sql::CreateDatabaseStmt& stmt) {
  PreventInTransactionBlock("CREATE DATABASE");
  xact::CheckWritable("CREATE DATABASE");

  std::optional<std::string> owner_name, template_name;
  std::optional<int> conn_limit;
  std::optional<bool> is_template, allow_connections;
  std::set<std::string> seen;
  for (const sql::DefElem& e : stmt.options) {
    if (!seen.insert(e.name).second)
      throw PgError(sqlstate::kSyntaxError, "conflicting or redundant options").Position(Position(e));
    const bool is_default = IsDefault(e);
    if (e.name == "owner") {
      if (!is_default) owner_name = e.arg;
    } else if (e.name == "template") {
      if (!is_default) template_name = e.arg;
    } else if (e.name == "connection_limit") {
      conn_limit = ParseIntOption(e);
      if (*conn_limit < -1) throw MakeError(sqlstate::kInvalidParameterValue, "invalid connection limit: " + e.arg);
    } else if (e.name == "is_template") {
      is_template = ParseBoolOption(e);
    } else if (e.name == "allow_connections") {
      allow_connections = ParseBoolOption(e);
    } else if (e.name == "strategy") {
      const std::string v = Lower(e.arg);
      if (v != "wal_log" && v != "file_copy")
        throw MakeError(sqlstate::kInvalidParameterValue, "invalid create database strategy \"" + e.arg + "\"", {},
                        "Valid strategies are \"wal_log\" and \"file_copy\".");
      // Both copy the files: the template's WAL-logged block copy is not built.
    } else if (e.name == "encoding") {
      const std::string v = Lower(e.arg);
      if (!is_default && v != "utf8" && v != "utf-8" && v != "unicode" && v != "6")
        throw MakeError(sqlstate::kFeatureNotSupported, "encoding \"" + e.arg + "\" is not supported",
                        "Databases use the encoding UTF8 only.");
    } else if (e.name == "locale" || e.name == "lc_collate" || e.name == "lc_ctype") {
      if (!is_default && e.arg != "C" && e.arg != "POSIX")
        throw MakeError("42809", "invalid locale name: \"" + e.arg + "\"");
    } else if (e.name == "tablespace") {
      if (!is_default && e.arg != "pg_default")
        throw MakeError(sqlstate::kUndefinedObject, "tablespace \"" + e.arg + "\" does not exist");
    } else {
      throw PgError(sqlstate::kSyntaxError, "option \"" + e.name + "\" not recognized").Position(Position(e));
    }
  }

  LockDatabaseCatalog();
  heap::XactContext x = catalog::CatalogXactContext();
  const catalog::RoleRecord me = CurrentRole(x);
  // PostgreSQL's order of checks: owner, privilege, template, name.
  uint32_t owner = me.oid;
  if (owner_name) {
    std::optional<catalog::RoleRecord> o = catalog::FindRole(*owner_name, x.snapshot, x.Me());
    if (!o) throw MakeError(sqlstate::kUndefinedObject, "role \"" + *owner_name + "\" does not exist");
    owner = o->oid;
  }
  if (!me.superuser && !me.createdb)
    throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied to create database");
  if (!me.superuser && owner != me.oid)
    throw MakeError(sqlstate::kInsufficientPrivilege, "must be member of role \"" + owner_name.value_or("") + "\"");

  const std::string tmpl_name = template_name.value_or("template1");
  std::optional<catalog::DatabaseRow> tmpl = catalog::LookupDatabase(tmpl_name, x.snapshot, x.Me());
  if (!tmpl) throw MakeError(sqlstate::kInvalidCatalogName, "template database \"" + tmpl_name + "\" does not exist");
  // No new sessions in the template while it is copied (they wait in start-up).
  lmgr::Acquire(DatabaseObject(tmpl->oid), lmgr::LockMode::kShare, false);
  x = catalog::CatalogXactContext();
  tmpl = catalog::LookupDatabaseByOid(tmpl->oid, x.snapshot, x.Me());
  if (!tmpl) throw MakeError(sqlstate::kInvalidCatalogName, "template database \"" + tmpl_name + "\" does not exist");
  if (!tmpl->datistemplate && !me.superuser && tmpl->datdba != me.oid)
    throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied to copy database \"" + tmpl_name + "\"");
  if (catalog::LookupDatabase(stmt.name, x.snapshot, x.Me()))
    throw MakeError("42P04", "database \"" + stmt.name + "\" already exists");
  if (int others = WaitForOtherSessions(tmpl->oid); others > 0)
    throw MakeError(sqlstate::kObjectInUse,
                    "source database \"" + tmpl_name + "\" is being accessed by other users", BusyDetail(others));

  std::vector<catalog::DatabaseRow> existing = catalog::ScanCatalog<catalog::DatabaseRow>(x.snapshot, x.Me());
  catalog::DatabaseRow db = *tmpl;
  db.oid = catalog::NewObjectOid([&](uint32_t oid) {
    for (const catalog::DatabaseRow& d : existing)
      if (d.oid == oid) return true;
    struct stat st;
    return stat(smgr::FullPath("base/" + std::to_string(oid)).c_str(), &st) == 0;
  });
  db.datname = stmt.name;
  db.datdba = owner;
  db.datistemplate = is_template.value_or(false);
  db.datallowconn = allow_connections.value_or(true);
  db.datconnlimit = conn_limit.value_or(-1);
  db.datacl.reset();
  catalog::InsertCatalogRow(db, x);

  // The template's pages must be in its files before they are copied.
  checkpoint::RequestAndWait(&backend::CheckForInterrupts);
  try {
    wal::CopyDatabaseDirectory(tmpl->oid, db.oid);
  } catch (...) {
    try {
      wal::RemoveDatabaseDirectory(db.oid);
    } catch (const PgError&) {
    }
    throw;
  }
  // Last: from here on nothing can fail before commit but the commit itself.
  // Redo repeats the copy if the crash comes before the next checkpoint.
  wal::Flush(wal::LogDatabaseCreate(tmpl->oid, db.oid, x.xid));
  return "CREATE DATABASE";
}

std::string Session::RunDropDatabase(const sql::DropDatabaseStmt& stmt) {
  PreventInTransactionBlock("DROP DATABASE");
  xact::CheckWritable("DROP DATABASE");
  LockDatabaseCatalog();
  heap::XactContext x = catalog::CatalogXactContext();
  auto lookup = [&] {
    auto rows = catalog::ScanCatalogTuples<catalog::DatabaseRow>(
        x.snapshot, x.Me(), [&](const catalog::DatabaseRow& d) { return d.datname == stmt.name; });
    return rows.empty() ? std::nullopt : std::optional(rows.front());
  };
  std::optional<catalog::CatalogTuple<catalog::DatabaseRow>> db = lookup();
  if (db) {
    // Sessions starting up wait on this lock and then find the row gone.
    lmgr::Acquire(DatabaseObject(db->row.oid), lmgr::LockMode::kAccessExclusive, false);
    x = catalog::CatalogXactContext();
    db = lookup();
  }
  if (!db) {
    if (!stmt.missing_ok)
      throw MakeError(sqlstate::kInvalidCatalogName, "database \"" + stmt.name + "\" does not exist");
    EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                         "database \"" + stmt.name + "\" does not exist, skipping"));
    return "DROP DATABASE";
  }
  const catalog::RoleRecord me = CurrentRole(x);
  const uint32_t oid = db->row.oid;
  if (!me.superuser && db->row.datdba != me.oid)
    throw MakeError(sqlstate::kInsufficientPrivilege, "must be owner of database " + stmt.name);
  if (db->row.datistemplate) throw MakeError("42809", "cannot drop a template database");
  if (oid == info_.database_oid) throw MakeError(sqlstate::kObjectInUse, "cannot drop the currently open database");
  if (stmt.force) {
    // WITH (FORCE): end the other sessions first, with pg_terminate_backend's rules.
    for (const ProcSnapshot& p : proc_array::SnapshotAll()) {
      if (p.type != BackendType::kClientBackend || p.database_oid != oid || p.pid == getpid()) continue;
      if (p.is_superuser && !me.superuser)
        throw MakeError(sqlstate::kInsufficientPrivilege, "must be a superuser to terminate superuser process");
      if (!me.superuser && p.role_oid != me.oid)
        throw MakeError(sqlstate::kInsufficientPrivilege,
                        "must be a member of the role whose process is being terminated or member of "
                        "pg_signal_backend");
    }
    for (const ProcSnapshot& p : proc_array::SnapshotAll())
      if (p.type == BackendType::kClientBackend && p.database_oid == oid && p.pid != getpid()) kill(p.pid, SIGTERM);
  }
  if (int others = WaitForOtherSessions(oid); others > 0)
    throw MakeError(sqlstate::kObjectInUse, "database \"" + stmt.name + "\" is being accessed by other users",
                    BusyDetail(others));
  catalog::DeleteCatalogRow<catalog::DatabaseRow>(db->tid, x);
  // Its per-database settings go with it (PostgreSQL's DropSetting); their
  // writers hold the database's lock, which this statement has.
  catalog::LockDbRoleSettingCatalog();
  heap::XactContext settings = catalog::CatalogXactContext();
  catalog::DropDbRoleSettings(oid, 0, settings);

  // The files go only once the row's deletion is durable: commit here, as
  // PostgreSQL's VACUUM commits inside its statement, and go on in a new
  // transaction that the session then commits as usual.
  xact::CommitResult committed = xact::Commit();
  if (committed.lsn != wal::kInvalidLsn && !committed.flushed) wal::Flush(committed.lsn);
  pgstat::DropDatabase(oid, stmt.name);
  const guc::Vars& v = guc::V();
  xact::StartTransaction(xact::IsolationFromName(v.default_transaction_isolation), v.default_transaction_read_only);
  try {
    // Logged first: a crash before the files are gone removes them in redo.
    wal::Flush(wal::LogDatabaseDrop(oid, 0));
    wal::RemoveDatabaseDirectory(oid);
  } catch (const PgError& e) {
    if (e.data().level >= ErrLevel::kFatal) throw;
    EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kWarning,
                         "some useless files may be left behind in old database directory \"base/" +
                             std::to_string(oid) + "\""));
  }
  return "DROP DATABASE";
}


std::string Session::RunAlterDatabase(const sql::AlterDatabaseStmt& stmt) {
  xact::CheckWritable("ALTER DATABASE");
  switch (stmt.action) {
    case sql::AlterDatabaseStmt::kOptions: AlterDatabaseOptions(stmt); break;
    case sql::AlterDatabaseStmt::kRename: RenameDatabase(stmt.name, stmt.new_name); break;
    case sql::AlterDatabaseStmt::kOwner: AlterDatabaseOwner(stmt.name, stmt.owner); break;
    case sql::AlterDatabaseStmt::kSetTablespace: MoveDatabase(stmt.name, stmt.new_name); break;
    case sql::AlterDatabaseStmt::kRefreshCollation: {
      heap::XactContext x = catalog::CatalogXactContext();
      std::optional<catalog::DatabaseRow> db = catalog::LookupDatabase(stmt.name, x.snapshot, x.Me());
      if (!db) throw NoSuchDatabase(stmt.name);
      const catalog::RoleRecord me = CurrentRole(x);
      if (!me.superuser && db->datdba != me.oid) throw NotOwner(stmt.name);
      // Only the C and POSIX locales exist, whose version is none: nothing to record.
      EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion, "version has not changed"));
      break;
    }
    case sql::AlterDatabaseStmt::kSetting: {
      const catalog::DatabaseRow db = HoldDatabase(stmt.name);
      const catalog::RoleRecord me = CurrentRole(catalog::CatalogXactContext());
      if (!me.superuser && db.datdba != me.oid) throw NotOwner(stmt.name);
      AlterSetting(db.oid, 0, stmt.setting, me.superuser);
      break;
    }
  }
  return "ALTER DATABASE";
}

catalog::DatabaseRow Session::HoldDatabase(const std::string& name) {
  heap::XactContext x = catalog::CatalogXactContext();
  std::optional<catalog::DatabaseRow> db = catalog::LookupDatabase(name, x.snapshot, x.Me());
  if (!db) throw NoSuchDatabase(name);
  lmgr::Acquire(DatabaseObject(db->oid), lmgr::LockMode::kAccessShare, false);
  x = catalog::CatalogXactContext();
  db = catalog::LookupDatabaseByOid(db->oid, x.snapshot, x.Me());
  if (!db) throw NoSuchDatabase(name);
  return *db;
}

void Session::AlterDatabaseOptions(const sql::AlterDatabaseStmt& stmt) {
  const sql::DefElem *is_template = nullptr, *allow_connections = nullptr, *conn_limit = nullptr,
                     *tablespace = nullptr;
  for (const sql::DefElem& e : stmt.options) {
    const sql::DefElem** slot = e.name == "is_template"         ? &is_template
                                : e.name == "allow_connections" ? &allow_connections
                                : e.name == "connection_limit"  ? &conn_limit
                                : e.name == "tablespace"        ? &tablespace
                                                                : nullptr;
    if (!slot)
      throw PgError(sqlstate::kSyntaxError, "option \"" + e.name + "\" not recognized").Position(Position(e));
    if (*slot) throw PgError(sqlstate::kSyntaxError, "conflicting or redundant options").Position(Position(e));
    *slot = &e;
  }
  if (tablespace) {
    // WITH TABLESPACE is SET TABLESPACE spelt otherwise, and takes nothing else.
    if (stmt.options.size() != 1)
      throw PgError(sqlstate::kFeatureNotSupported, "option \"tablespace\" cannot be specified with other options")
          .Position(Position(*tablespace));
    MoveDatabase(stmt.name, tablespace->arg);
    return;
  }
  // An option named with DEFAULT takes its default: not a template,
  // connections allowed, no limit.
  std::optional<bool> new_template, new_allow;
  std::optional<int> new_limit;
  if (is_template) new_template = IsDefault(*is_template) ? false : ParseBoolOption(*is_template);
  if (allow_connections) new_allow = IsDefault(*allow_connections) || ParseBoolOption(*allow_connections);
  if (conn_limit) {
    new_limit = IsDefault(*conn_limit) ? -1 : ParseIntOption(*conn_limit);
    if (*new_limit < -1)
      throw MakeError(sqlstate::kInvalidParameterValue, "invalid connection limit: " + std::to_string(*new_limit));
  }

  LockDatabaseCatalog();
  heap::XactContext x = catalog::CatalogXactContext();
  auto db = FindDatabaseTuple([&](const catalog::DatabaseRow& d) { return d.datname == stmt.name; }, x);
  if (!db) throw NoSuchDatabase(stmt.name);
  const catalog::RoleRecord me = CurrentRole(x);
  if (!me.superuser && db->row.datdba != me.oid) throw NotOwner(stmt.name);
  // A session could lock itself out of the only database it can reach.
  if (new_allow == false && db->row.oid == info_.database_oid)
    throw MakeError(sqlstate::kInvalidParameterValue, "cannot disallow connections for current database");
  if (new_template) db->row.datistemplate = *new_template;
  if (new_allow) db->row.datallowconn = *new_allow;
  if (new_limit) db->row.datconnlimit = *new_limit;
  // New sessions read the row when they start, so limits apply from the next connection on.
  catalog::UpdateCatalogRow(db->tid, db->row, x);
}

void Session::RenameDatabase(const std::string& name, const std::string& new_name) {
  LockDatabaseCatalog();
  heap::XactContext x = catalog::CatalogXactContext();
  std::optional<catalog::DatabaseRow> found = catalog::LookupDatabase(name, x.snapshot, x.Me());
  if (!found) throw NoSuchDatabase(name);
  // As for DROP DATABASE: sessions starting up in it wait, then find the
  // name gone; the lock is held to the end of the transaction.
  const uint32_t oid = found->oid;
  lmgr::Acquire(DatabaseObject(oid), lmgr::LockMode::kAccessExclusive, false);
  x = catalog::CatalogXactContext();
  auto db = FindDatabaseTuple([&](const catalog::DatabaseRow& d) { return d.oid == oid; }, x);
  if (!db) throw NoSuchDatabase(name);
  // PostgreSQL's order: owner, CREATEDB, the new name, the current database, other sessions.
  const catalog::RoleRecord me = CurrentRole(x);
  if (!me.superuser && db->row.datdba != me.oid) throw NotOwner(name);
  if (!me.superuser && !me.createdb)
    throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied to rename database");
  if (catalog::LookupDatabase(new_name, x.snapshot, x.Me()))
    throw MakeError("42P04", "database \"" + new_name + "\" already exists");
  if (oid == info_.database_oid)
    throw MakeError(sqlstate::kFeatureNotSupported, "current database cannot be renamed");
  if (int others = WaitForOtherSessions(oid); others > 0)
    throw MakeError(sqlstate::kObjectInUse, "database \"" + name + "\" is being accessed by other users",
                    BusyDetail(others));
  db->row.datname = new_name;
  catalog::UpdateCatalogRow(db->tid, db->row, x);
}

void Session::AlterDatabaseOwner(const std::string& name, const sql::RoleSpec& owner) {
  LockDatabaseCatalog();
  heap::XactContext x = catalog::CatalogXactContext();
  // The new owner is looked up first, as PostgreSQL's ExecAlterOwnerStmt does.
  const catalog::RoleRecord new_owner = RoleFromSpec(owner, x);
  auto db = FindDatabaseTuple([&](const catalog::DatabaseRow& d) { return d.datname == name; }, x);
  if (!db) throw NoSuchDatabase(name);
  if (db->row.datdba == new_owner.oid) return;  // nothing to change, and nothing to check
  const catalog::RoleRecord me = CurrentRole(x);
  if (!me.superuser) {
    if (db->row.datdba != me.oid) throw NotOwner(name);
    // Role membership is not stored: a role is a member of itself only.
    if (new_owner.oid != me.oid)
      throw MakeError(sqlstate::kInsufficientPrivilege, "must be member of role \"" + new_owner.name + "\"");
    if (!me.createdb)
      throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied to change owner of database");
  }
  if (db->row.datacl) {  // the old owner's privileges become the new owner's (aclnewowner)
    const std::string old_name = AclRoleName(db->row.datdba);
    auto acl = catalog::AclOf(db->row.datacl, catalog::AclObject::kDatabase, old_name);
    catalog::AclChangeOwner(&acl, old_name, new_owner.name);
    db->row.datacl = catalog::FormatAcl(acl);
  }
  db->row.datdba = new_owner.oid;
  catalog::UpdateCatalogRow(db->tid, db->row, x);
}

void Session::MoveDatabase(const std::string& name, const std::string& tablespace) {
  PreventInTransactionBlock("ALTER DATABASE SET TABLESPACE");
  heap::XactContext x = catalog::CatalogXactContext();
  std::optional<catalog::DatabaseRow> db = catalog::LookupDatabase(name, x.snapshot, x.Me());
  if (!db) throw NoSuchDatabase(name);
  const catalog::RoleRecord me = CurrentRole(x);
  if (!me.superuser && db->datdba != me.oid) throw NotOwner(name);
  if (db->oid == info_.database_oid)
    throw MakeError(sqlstate::kObjectInUse, "cannot change the tablespace of the currently open database");
  // pg_default and pg_global are the only tablespaces, and every database is in pg_default.
  if (tablespace == "pg_global")
    throw MakeError(sqlstate::kInvalidParameterValue, "pg_global cannot be used as default tablespace");
  if (tablespace != "pg_default")
    throw MakeError(sqlstate::kUndefinedObject, "tablespace \"" + tablespace + "\" does not exist");
}

}  // namespace tusk::backend
