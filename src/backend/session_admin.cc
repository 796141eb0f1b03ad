// The session's answers to the administration functions: catalog facts for
// regclass/regnamespace/regrole, relation and database sizes measured on
// disk, WAL positions, server clocks, log rotation and connection addresses.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <fstream>

#include "access/transam/known_xids.h"
#include "access/transam/xact.h"
#include "access/wal/wal.h"
#include "backend/interrupts.h"
#include "backend/session.h"
#include "catalog/catalog.h"
#include "catalog/table_ddl.h"
#include "storage/file/smgr.h"
#include "storage/ipc/pmsignal.h"
#include "storage/ipc/suspend.h"
#include "utils/guc.h"
#include "utils/process_globals.h"

namespace tusk::backend {
namespace {

const transam::Snapshot& Snap() { return xact::GetTransactionSnapshot(); }

smgr::RelFileLocator LocatorOf(const catalog::ClassRow& c) {
  if (c.relisshared) return {smgr::kGlobalTablespace, 0, c.relfilenode};
  return {c.reltablespace ? c.reltablespace : smgr::kDefaultTablespace, catalog::CurrentDatabase(), c.relfilenode};
}

bool HasStorage(const catalog::ClassRow& c) { return c.relfilenode != 0 && c.relkind != 'v'; }

// Sum of the sizes of the regular files under `dir` (recursively).
int64_t DirectorySize(const std::string& dir) {
  int64_t total = 0;
  DIR* d = opendir(dir.c_str());
  if (!d) return 0;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = dir + "/" + name;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      total += DirectorySize(path);
    } else {
      total += st.st_size;
    }
  }
  closedir(d);
  return total;
}

std::optional<std::string> SocketAddr(int fd, bool peer, int* port) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len)
                : getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (rc != 0) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    *port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    *port = ntohs(a->sin6_port);
  } else {
    return std::nullopt;  // Unix-domain socket
  }
  return std::string(buf);
}

}  // namespace

uint32_t Session::ResolveRelationOid(const std::string& schema, const std::string& name) {
  auto cls = catalog::ResolveRelation(schema, name, Snap(), xact::CurrentXactForVisibility());
  if (cls) return cls->oid;
  // The catalogs Tusk keeps as virtual tables (system_views.cc) answer to
  // PostgreSQL's OIDs, so psql's 'pg_catalog.pg_extension'::regclass works.
  // Their tableoid column (analyze_from.cc) is the same OID.
  static const std::pair<const char*, uint32_t> kVirtualCatalogs[] = {
      {"pg_am", 2601},           {"pg_tablespace", 1213},  {"pg_collation", 3456},
      {"pg_auth_members", 1261}, {"pg_extension", 3079},   {"pg_description", 2609},
      {"pg_shdescription", 2396}, {"pg_publication", 6104}, {"pg_publication_namespace", 6237},
      {"pg_publication_rel", 6106}, {"pg_policy", 3256},    {"pg_statistic_ext", 3381},
      {"pg_trigger", 2620},      {"pg_foreign_table", 3118}, {"pg_database", 1262},
      {"pg_authid", 1260},       {"pg_inherits", 2611},    {"pg_language", 2612},
      {"pg_conversion", 2607},   {"pg_db_role_setting", 2964}, {"pg_default_acl", 826},
      {"pg_event_trigger", 3466}, {"pg_foreign_data_wrapper", 2328}, {"pg_foreign_server", 1417},
      {"pg_largeobject_metadata", 2995}, {"pg_subscription", 6100}, {"pg_ts_config", 3602},
      {"pg_ts_dict", 3600},      {"pg_ts_parser", 3601},   {"pg_ts_template", 3764},
      {"pg_user_mapping", 1418}};
  if (schema.empty() || schema == "pg_catalog")
    for (const auto& [n, o] : kVirtualCatalogs)
      if (name == n) return o;
  return 0;
}

// A function is visible when its schema is on the search path (pg_catalog
// always is) and no function of the same name and argument types comes from
// a schema earlier on it.
std::optional<sql::SessionContext::FunctionFacts> Session::FunctionByOid(uint32_t proc) {
  const transam::CurrentXact me = xact::CurrentXactForVisibility();
  auto procs = catalog::ScanCatalog<catalog::ProcRow>(Snap(), me);
  auto it = std::find_if(procs.begin(), procs.end(), [&](const catalog::ProcRow& p) { return p.oid == proc; });
  if (it == procs.end()) return std::nullopt;
  FunctionFacts f;
  f.result_type = it->prorettype;
  std::istringstream args(it->proargtypes);  // oidvector text: "26 23"
  for (uint32_t t; args >> t;) f.arg_types.push_back(t);
  std::vector<uint32_t> path = catalog::SearchPath(Snap(), me);
  if (std::find(path.begin(), path.end(), catalog::kPgCatalogNamespace) == path.end())
    path.insert(path.begin(), catalog::kPgCatalogNamespace);
  for (uint32_t nsp : path) {
    auto first = std::find_if(procs.begin(), procs.end(), [&](const catalog::ProcRow& p) {
      return p.pronamespace == nsp && p.proname == it->proname && p.proargtypes == it->proargtypes;
    });
    if (first != procs.end()) {
      f.visible = first->oid == proc;
      break;
    }
  }
  return f;
}

std::optional<sql::RelationFacts> Session::RelationByOid(uint32_t relid) {
  const transam::CurrentXact me = xact::CurrentXactForVisibility();
  auto cls = catalog::LookupRelationByOid(relid, Snap(), me);
  if (!cls) return std::nullopt;
  sql::RelationFacts f;
  f.oid = cls->oid;
  f.name = cls->relname;
  f.relkind = cls->relkind;
  f.relfilenode = HasStorage(*cls) ? cls->relfilenode : 0;
  f.tablespace = cls->reltablespace;
  f.toast_oid = cls->reltoastrelid;
  f.schema = NamespaceName(cls->relnamespace).value_or(std::to_string(cls->relnamespace));
  auto first = catalog::ResolveRelation("", cls->relname, Snap(), me);
  f.visible = first && first->oid == cls->oid;
  for (const auto& ix : catalog::ScanCatalog<catalog::IndexRow>(
           Snap(), me, [&](const catalog::IndexRow& r) { return r.indrelid == relid; }))
    f.indexes.push_back(ix.indexrelid);
  std::sort(f.indexes.begin(), f.indexes.end());
  return f;
}

uint32_t Session::NamespaceOid(const std::string& name) {
  auto ns = catalog::LookupNamespace(name, Snap(), xact::CurrentXactForVisibility());
  return ns ? ns->oid : 0;
}

std::optional<std::string> Session::NamespaceName(uint32_t nsp) {
  auto rows = catalog::ScanCatalog<catalog::NamespaceRow>(Snap(), xact::CurrentXactForVisibility(),
                                                          [&](const catalog::NamespaceRow& r) { return r.oid == nsp; });
  if (rows.empty()) return std::nullopt;
  return rows[0].nspname;
}

uint32_t Session::RoleOid(const std::string& name) {
  auto r = catalog::LookupRole(name, Snap(), xact::CurrentXactForVisibility());
  return r ? r->oid : 0;
}

std::optional<std::string> Session::RoleName(uint32_t role) {
  auto r = catalog::LookupRoleByOid(role, Snap(), xact::CurrentXactForVisibility());
  if (!r) return std::nullopt;
  return r->rolname;
}

uint32_t Session::DatabaseOid(const std::string& name) {
  auto d = catalog::LookupDatabase(name, Snap(), xact::CurrentXactForVisibility());
  return d ? d->oid : 0;
}

int64_t Session::RelationForkSize(uint32_t relid, int fork) {
  auto cls = catalog::LookupRelationByOid(relid, Snap(), xact::CurrentXactForVisibility());
  if (!cls || !HasStorage(*cls)) return 0;
  const smgr::RelFileLocator loc = LocatorOf(*cls);
  int64_t total = 0;
  for (uint32_t segno = 0;; ++segno) {
    struct stat st;
    std::string path = smgr::FullPath(smgr::SegmentPath(loc, static_cast<smgr::Fork>(fork), segno));
    if (stat(path.c_str(), &st) != 0) break;
    total += st.st_size;
  }
  return total;
}

std::optional<std::string> Session::RelationFilePath(uint32_t relid) {
  auto cls = catalog::LookupRelationByOid(relid, Snap(), xact::CurrentXactForVisibility());
  if (!cls || !HasStorage(*cls)) return std::nullopt;
  return smgr::RelPath(LocatorOf(*cls), smgr::Fork::kMain);
}

std::optional<int64_t> Session::DatabaseSize(uint32_t db) {
  auto row = catalog::LookupDatabaseByOid(db, Snap(), xact::CurrentXactForVisibility());
  if (!row) return std::nullopt;
  return DirectorySize(smgr::FullPath("base/" + std::to_string(db)));
}

uint64_t Session::WalPosition(int which) { return which == 0 ? wal::InsertPosition() : wal::FlushedPosition(); }

int64_t Session::PostmasterStartMicros() {
  const ProcessGlobals& g = Globals();
  return g.start_time_us ? g.start_time_us : static_cast<int64_t>(g.start_time) * 1000000;
}

int64_t Session::ConfLoadMicros() { return Globals().conf_load_time_us; }

bool Session::RotateLogfile() {
  if (!info_.role.superuser)
    throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied for function pg_rotate_logfile");
  if (!guc::V().logging_collector) {
    EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kWarning,
                          "rotation not possible because log collection not active"));
    return false;
  }
  pmsignal::SendToPostmaster(pmsignal::Reason::kRotateLogfile);
  return true;
}

std::optional<std::string> Session::CurrentLogfile(const std::string& format) {
  if (!info_.role.superuser)
    throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied for function pg_current_logfile");
  if (!format.empty() && format != "stderr" && format != "csvlog" && format != "jsonlog")
    throw MakeError(sqlstate::kInvalidParameterValue, "log format \"" + format + "\" is not supported",
                    "", "The supported log formats are \"stderr\", \"csvlog\", and \"jsonlog\".");
  std::ifstream in(Globals().data_dir + "/current_logfiles");
  std::string line;
  while (std::getline(in, line)) {
    size_t sp = line.find(' ');
    if (sp == std::string::npos) continue;
    if (format.empty() || line.compare(0, sp, format) == 0) return line.substr(sp + 1);
  }
  return std::nullopt;
}

std::optional<std::string> Session::ServerAddr() {
  int port = 0;
  return SocketAddr(conn_.fd(), false, &port);
}
std::optional<int> Session::ServerPort() {
  int port = 0;
  if (!SocketAddr(conn_.fd(), false, &port)) return std::nullopt;
  return port;
}
std::optional<std::string> Session::ClientAddr() {
  int port = 0;
  return SocketAddr(conn_.fd(), true, &port);
}
std::optional<int> Session::ClientPort() {
  int port = 0;
  if (!SocketAddr(conn_.fd(), true, &port)) return std::nullopt;
  return port;
}

uint64_t Session::CurrentXid() {
  xact::GetXid(true);
  return xact::GetTopXid();
}

uint64_t Session::SwitchWal() {
  if (!info_.role.superuser)
    throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied for function pg_switch_wal");
  suspend::WriteScope writing;  // a switch record changes the directory: not while suspended
  return wal::SwitchSegment();
}

namespace {

// Files the request with the postmaster and waits for its answer.
void AskPostmaster(suspend::RequestKind kind, int timeout_s, const char* what) {
  uint64_t ticket = suspend::SubmitRequest(kind, timeout_s);
  if (ticket == 0) throw MakeError(sqlstate::kObjectNotInPrerequisiteState, "another suspend or resume request is pending");
  pmsignal::SendToPostmaster(pmsignal::Reason::kSuspendRequest);
  std::string message;
  if (!suspend::WaitForAnswer(ticket, &backend::CheckForInterrupts, &message))
    throw MakeError(sqlstate::kObjectNotInPrerequisiteState, std::string("could not ") + what + " server: " + message);
}

}  // namespace

void Session::SuspendServer(int timeout_s) {
  if (!info_.role.superuser) throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied for function pg_suspend");
  if (timeout_s <= 0) throw MakeError(sqlstate::kInvalidParameterValue, "\"timeout\" must be greater than zero");
  // The freeze step waits for every transaction that has written: ours would wait for itself.
  if (xact::GetTopXid() != 0)
    throw MakeError(sqlstate::kActiveSqlTransaction, "cannot suspend the server in a transaction that has written");
  AskPostmaster(suspend::RequestKind::kSuspend, timeout_s, "suspend");
}

bool Session::Promote(bool wait, int wait_seconds) {
  if (!info_.role.superuser) throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied for function pg_promote");
  if (!transam::KnownXidsActive()) {
    PgError e(sqlstate::kObjectNotInPrerequisiteState, "recovery is not in progress");
    e.Hint("Recovery control functions can only be executed during recovery.");
    throw e;
  }
  if (wait_seconds <= 0) throw MakeError(sqlstate::kInvalidParameterValue, "\"wait_seconds\" must be greater than zero");
  const std::string path = Globals().data_dir + "/promote.signal";
  {
    std::ofstream out(path);
    if (!out)
      throw MakeError(sqlstate::kIoError, "could not create file \"" + path + "\": " + std::strerror(errno));
  }
  pmsignal::SendToPostmaster(pmsignal::Reason::kPromote);
  if (!wait) return true;
  for (int i = 0; i < wait_seconds * 10; ++i) {
    if (!transam::KnownXidsActive()) return true;
    backend::CheckForInterrupts();
    usleep(100000);
  }
  EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kWarning,
                        "server did not promote within " + std::to_string(wait_seconds) + " seconds"));
  return false;
}

void Session::ResumeServer() {
  if (!info_.role.superuser) throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied for function pg_resume");
  AskPostmaster(suspend::RequestKind::kResume, 0, "resume");
}

uint64_t Session::BackupStart(const std::string& label, bool fast) {
  if (!info_.role.superuser)
    throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied for function pg_backup_start");
  return backup_.Start(label, fast, &backend::CheckForInterrupts);
}

sql::SessionContext::BackupStopInfo Session::BackupStop(bool wait_for_archive) {
  if (!info_.role.superuser)
    throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied for function pg_backup_stop");
  BackupStopResult r = backup_.Stop(wait_for_archive, &backend::CheckForInterrupts,
                                    [this](const ErrorData& n) { EmitNotice(n); });
  return {r.stop_lsn, std::move(r.label_file), std::move(r.spcmap_file)};
}

}  // namespace tusk::backend
