// CREATE/DROP DATABASE: pg_database rows plus the database's directory,
// PostgreSQL's file-copy strategy, WAL-logged in the Database rmgr.
#include <signal.h>
#include <unistd.h>

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "access/transam/xact.h"
#include "access/wal/wal.h"
#include "access/wal/wal_dbase.h"
#include "backend/interrupts.h"
#include "backend/session.h"
#include "catalog/catalog.h"
#include "catalog/role_store.h"
#include "postmaster/checkpoint.h"
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

bool ParseBoolOption(const sql::DefElem& e) {
  const std::string v = Lower(e.arg);
  if (e.arg_kind == sql::DefElem::kNone || v == "true" || v == "on" || v == "yes" || v == "1") return true;
  if (v == "false" || v == "off" || v == "no" || v == "0") return false;
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

}  // namespace

int Session::WaitForOtherSessions(uint32_t db_oid) {
  // As PostgreSQL's CountOtherDBBackends: sessions about to leave get 5 s.
  int others = 0;
  for (int i = 0; i < 50; ++i) {
    others = proc_array::CountBackendsForDatabase(db_oid) - (info_.database_oid == db_oid ? 1 : 0);
    if (others <= 0) return 0;
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
      throw MakeError(sqlstate::kSyntaxError, "conflicting or redundant options");
    const bool is_default = e.arg_kind == sql::DefElem::kIdent && Lower(e.arg) == "default";
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
      throw PgError(sqlstate::kSyntaxError, "option \"" + e.name + "\" not recognized")
          .Position(e.location >= 0 ? e.location + 1 : 0);
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

  // The files go only once the row's deletion is durable: commit here, as
  // PostgreSQL's VACUUM commits inside its statement, and go on in a new
  // transaction that the session then commits as usual.
  xact::CommitResult committed = xact::Commit();
  if (committed.lsn != wal::kInvalidLsn && !committed.flushed) wal::Flush(committed.lsn);
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

}  // namespace tusk::backend
