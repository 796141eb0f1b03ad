// A backend's life from fork to the command loop: startup packet (under
// authentication_timeout), SSL/GSS requests refused with 'N', cancel requests,
// the postmaster's admission verdict, authentication, the process slot and
// connection limits, then the session's start-up messages.
#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstring>

#include "backend/backend.h"
#include "backend/interrupts.h"
#include "backend/session.h"
#include "access/transam/xact.h"
#include "catalog/acl.h"
#include "catalog/catalog.h"
#include "catalog/db_role_setting.h"
#include "catalog/role_store.h"
#include "storage/file/smgr.h"
#include "postmaster/pgstat.h"
#include "protocol/auth_flow.h"
#include "storage/lmgr/lock.h"
#include "protocol/connection.h"
#include "protocol/message.h"
#include "replication/walsender.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/pmsignal.h"
#include "storage/ipc/proc_array.h"
#include "utils/guc.h"
#include "utils/log.h"
#include "utils/process_globals.h"
#include "utils/timestamp.h"
#include "utils/ps_title.h"

namespace tusk::backend {
namespace {

constexpr int32_t kCancelRequestCode = (1234 << 16) | 5678;
constexpr int32_t kSslRequestCode = (1234 << 16) | 5679;
constexpr int32_t kGssEncRequestCode = (1234 << 16) | 5680;


// Splits the startup "options" value into -c settings (backslash escapes spaces).
std::vector<std::pair<std::string, std::string>> ParseOptionsParam(const std::string& options) {
  std::vector<std::string> words;
  std::string cur;
  bool escaped = false;
  for (char c : options) {
    if (escaped) {
      cur += c;
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == ' ' || c == '\t') {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) words.push_back(cur);
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string item;
    if (words[i] == "-c" && i + 1 < words.size()) {
      item = words[++i];
    } else if (words[i].rfind("-c", 0) == 0 && words[i].size() > 2) {
      item = words[i].substr(2);
    } else if (words[i].rfind("--", 0) == 0) {
      item = words[i].substr(2);
    } else {
      throw MakeFatal(sqlstate::kSyntaxError, "invalid command-line argument for server process: " + words[i],
                      {}, "Try \"tusk server --help\" for more information.");
    }
    size_t eq = item.find('=');
    if (eq == std::string::npos)
      throw MakeFatal(sqlstate::kSyntaxError, "--" + item + " requires a value");
    std::string name = item.substr(0, eq);
    for (char& ch : name)
      if (ch == '-') ch = '_';
    out.emplace_back(name, item.substr(eq + 1));
  }
  return out;
}

std::string ClientHostText(const ClientConnection& c, int* port) {
  if (c.is_unix) {
    *port = -1;
    return "[local]";
  }
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&c.addr), c.addr_len, host, sizeof host, serv, sizeof serv,
                  NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return "?";
  *port = atoi(serv);
  return host;
}

// pg_db_role_setting's rows for a session of `role` in `db`, most specific
// first, each with the source it applies as (PostgreSQL's process_settings).
// Read in the caller's transaction.
std::vector<std::pair<guc::Source, std::vector<std::string>>> LoadStoredSettings(uint32_t db, uint32_t role) {
  std::vector<catalog::DbRoleSettingRow> rows = catalog::ScanCatalog<catalog::DbRoleSettingRow>(
      xact::GetTransactionSnapshot(), {}, [&](const catalog::DbRoleSettingRow& r) {
        return (r.setdatabase == db || r.setdatabase == 0) && (r.setrole == role || r.setrole == 0);
      });
  static constexpr struct {
    bool by_db, by_role;
    guc::Source source;
  } kOrder[] = {{true, true, guc::Source::kDatabaseUser},
                {false, true, guc::Source::kUser},
                {true, false, guc::Source::kDatabase},
                {false, false, guc::Source::kGlobal}};
  std::vector<std::pair<guc::Source, std::vector<std::string>>> out;
  for (const auto& o : kOrder)
    for (const catalog::DbRoleSettingRow& r : rows)
      if ((r.setdatabase != 0) == o.by_db && (r.setrole != 0) == o.by_role && r.setconfig)
        out.emplace_back(o.source, catalog::ParseSettingArray(*r.setconfig));
  return out;
}

// The startup packet's `replication` value: true for a physical WAL sender,
// false for a normal session. `database` (logical replication) is refused.
bool ParseReplicationParam(const std::string& value) {
  std::string v = value;
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "database")
    throw MakeFatal(sqlstate::kFeatureNotSupported, "logical replication connections are not supported");
  if (v == "true" || v == "on" || v == "yes" || v == "1" || v == "t" || v == "y") return true;
  if (v == "false" || v == "off" || v == "no" || v == "0" || v == "f" || v == "n") return false;
  PgError e = MakeFatal(sqlstate::kInvalidParameterValue,
                        "invalid value for parameter \"replication\": \"" + value + "\"");
  e.Hint("Valid values are: \"false\", 0, \"true\", 1, \"database\".");
  throw e;
}

class Startup {
 public:
  explicit Startup(ClientConnection& c) : client_(c), conn_(c.fd) { client_.fd = -1; }

  // Returns the exit code. Errors before the command loop are FATAL.
  int Run();

 private:
  bool ReadStartup();  // false: the connection ends here (cancel, EOF)
  void CheckAdmission();
  using StoredSettings = std::vector<std::pair<guc::Source, std::vector<std::string>>>;
  catalog::DatabaseRow OpenDatabase(ProcSlot* slot, const catalog::RoleRecord& role, StoredSettings* settings);
  void SendFatal(const PgError& e);
  // The rest of the start-up of a physical replication connection, then the WAL sender.
  int RunWalSender();
  // The role, from pg_authid, in a short transaction of its own: none stays
  // open while the client takes its time over the password.
  std::optional<catalog::RoleRecord> LookUpRole();
  auth::HbaRequest HbaRequestFor(bool replication) const;
  // After authentication: a role that may not log in is refused; while a
  // suspend runs, others are turned away and a superuser aborts it (contract 11).
  void CheckRoleAdmission(const catalog::RoleRecord& role) const;
  // The session in its process-array slot, for pg_stat_activity.
  void PublishSession(ProcSlot* slot, const catalog::RoleRecord& role, const std::string& database) const;

  ClientConnection& client_;
  protocol::Connection conn_;
  std::string user_, database_, application_name_;
  std::vector<std::pair<std::string, std::string>> settings_;
  std::string host_;
  int port_ = 0;
  bool walsender_ = false;  // replication=true
};

std::optional<catalog::RoleRecord> Startup::LookUpRole() {
  xact::StartTransaction(xact::Isolation::kReadCommitted, true);
  std::optional<catalog::RoleRecord> role = catalog::FindRole(user_, xact::GetTransactionSnapshot());
  xact::Commit();
  return role;
}

auth::HbaRequest Startup::HbaRequestFor(bool replication) const {
  auth::HbaRequest req;
  req.is_unix_socket = client_.is_unix;
  req.addr = client_.addr;
  req.addr_len = client_.addr_len;
  req.user = user_;
  req.database = database_;
  req.replication_connection = replication;
  return req;
}

void Startup::CheckRoleAdmission(const catalog::RoleRecord& role) const {
  if (!role.can_login)
    throw MakeFatal(sqlstate::kInvalidAuthorizationSpecification, "role \"" + user_ + "\" is not permitted to log in");
  if (client_.cac == CacState::kSuspending) {
    if (!role.superuser) throw MakeFatal(sqlstate::kCannotConnectNow, "the database system is suspending");
    pmsignal::SendToPostmaster(pmsignal::Reason::kAbortSuspend);
  }
}

void Startup::PublishSession(ProcSlot* slot, const catalog::RoleRecord& role, const std::string& database) const {
  proc_array::SlotWriter w(slot);
  slot->role_oid = role.oid;
  slot->is_superuser = role.superuser;
  slot->client_port = client_.is_unix ? -1 : port_;
  slot->backend_start_us = NowMicros();
  slot->state_change_us = slot->backend_start_us;
  proc_array::CopyString(slot->user, sizeof slot->user, user_);
  proc_array::CopyString(slot->database, sizeof slot->database, database);
  proc_array::CopyString(slot->client_addr, sizeof slot->client_addr, client_.is_unix ? "" : host_);
}

void Startup::SendFatal(const PgError& e) {
  ErrorData d = e.data();
  LogEntry(d);
  if (d.level < ErrLevel::kError) return;  // COMMERROR: the log only
  protocol::AppendErrorMessage(&conn_.out(), d, false);
  conn_.FlushBestEffort();
}

bool Startup::ReadStartup() {
  bool ssl_done = false, gss_done = false;
  for (;;) {
    std::string body;
    if (!conn_.ReadStartupPacket(&body)) return false;  // a port probe: nothing to say
    protocol::MessageReader r(body);
    int32_t code = r.Int32();
    if (code == kCancelRequestCode) {
      if (body.size() != 12)
        throw PgError(sqlstate::kProtocolViolation, "invalid length of startup packet", ErrLevel::kLog);
      int32_t pid = r.Int32();
      int32_t key = r.Int32();
      for (const CancelTarget& t : client_.cancel_targets) {
        if (t.pid == pid && t.key == key) {
          kill(pid, SIGINT);
          break;
        }
      }
      return false;  // a cancel connection gets no reply
    }
    if ((code == kSslRequestCode && !ssl_done) || (code == kGssEncRequestCode && !gss_done)) {
      // No TLS or GSS encryption yet: refuse, and the client goes on in the clear.
      (code == kSslRequestCode ? ssl_done : gss_done) = true;
      if (body.size() != 4)
        throw PgError(sqlstate::kProtocolViolation, "invalid length of startup packet", ErrLevel::kLog);
      conn_.out().push_back('N');
      conn_.Flush();
      continue;
    }
    int major = (code >> 16) & 0xffff, minor = code & 0xffff;
    if (major != 3)
      throw PgError(sqlstate::kFeatureNotSupported,
                    "unsupported frontend protocol " + std::to_string(major) + "." + std::to_string(minor) +
                        ": server supports 3.0 to 3.0",
                    ErrLevel::kFatal);
    if (body.back() != '\0')
      throw PgError(sqlstate::kProtocolViolation, "invalid startup packet layout: expected terminator as last byte",
                    ErrLevel::kFatal);
    std::vector<std::string> unrecognized;
    for (;;) {
      std::string name(r.CString());
      if (name.empty()) break;
      std::string value(r.CString());
      if (name == "user") {
        user_ = value;
      } else if (name == "database") {
        database_ = value;
      } else if (name == "options") {
        for (auto& kv : ParseOptionsParam(value)) settings_.push_back(kv);
      } else if (name == "replication") {
        walsender_ = ParseReplicationParam(value);
      } else if (name.rfind("_pq_.", 0) == 0) {
        unrecognized.push_back(name);
      } else {
        if (name == "application_name") application_name_ = value;
        settings_.emplace_back(name, value);
      }
    }
    if (minor > 0 || !unrecognized.empty()) {
      protocol::MessageWriter w(&conn_.out(), 'v');
      w.Int32(3 << 16).Int32(static_cast<int32_t>(unrecognized.size()));
      for (const auto& u : unrecognized) w.CString(u);
    }
    if (user_.empty())
      throw MakeFatal(sqlstate::kInvalidAuthorizationSpecification,
                      "no PostgreSQL user name specified in startup packet");
    if (database_.empty()) database_ = user_;
    return true;
  }
}

void Startup::CheckAdmission() {
  switch (client_.cac) {
    case CacState::kOk:
    case CacState::kSuperuser:
    case CacState::kSuspending: return;  // checked once the role is known
    case CacState::kStartup:
      throw MakeFatal(sqlstate::kCannotConnectNow, "the database system is starting up");
    case CacState::kShutdown:
      throw MakeFatal(sqlstate::kCannotConnectNow, "the database system is shutting down");
    case CacState::kRecovery:
      throw MakeFatal(sqlstate::kCannotConnectNow, "the database system is in recovery mode");
    case CacState::kNotConsistent:
      throw MakeFatal(sqlstate::kCannotConnectNow, "the database system is not yet accepting connections",
                      "Consistent recovery state has not been yet reached.");
    case CacState::kTooMany:
      throw MakeFatal(sqlstate::kTooManyConnections, "sorry, too many clients already");
  }
}

// The database from pg_database, as PostgreSQL's InitPostgres finds it: look
// it up, announce it in our slot, take RowExclusiveLock on it (which waits
// out a DROP DATABASE or a CREATE DATABASE copying it, both of which count
// the sessions in it after locking), then look again under a new snapshot in
// case it was dropped or renamed meanwhile. The lock goes with the transaction.
// The same transaction reads the role's stored settings for this database.
catalog::DatabaseRow Startup::OpenDatabase(ProcSlot* slot, const catalog::RoleRecord& role, StoredSettings* settings) {
  auto missing = [this] {
    return MakeFatal(sqlstate::kInvalidCatalogName, "database \"" + database_ + "\" does not exist");
  };
  xact::StartTransaction(xact::Isolation::kReadCommitted, true);
  xact::StartCommand();
  std::optional<catalog::DatabaseRow> db = catalog::LookupDatabase(database_, xact::GetTransactionSnapshot());
  if (!db) throw missing();
  {
    proc_array::SlotWriter w(slot);
    slot->database_oid = db->oid;
  }
  lmgr::Acquire(lmgr::LockTag::Object(0, catalog::kDatabaseRelationId, db->oid, 0), lmgr::LockMode::kRowExclusive,
                false);
  xact::StartCommand();  // a fresh snapshot, taken after the lock
  db = catalog::LookupDatabaseByOid(db->oid, xact::GetTransactionSnapshot());
  if (!db || db->datname != database_) throw missing();
  if (!db->datallowconn)
    throw MakeFatal("55000", "database \"" + database_ + "\" is not currently accepting connections");
  if (!role.superuser) {
    auto owner = catalog::FindRoleByOid(db->datdba, xact::GetTransactionSnapshot());
    auto acl = catalog::AclOf(db->datacl, catalog::AclObject::kDatabase, owner ? owner->name : std::to_string(db->datdba));
    if (!(catalog::AclHeld(acl, role.name, db->datdba == role.oid ? "pg_database_owner" : "") & catalog::kAclConnect))
      throw MakeFatal(sqlstate::kInsufficientPrivilege, "permission denied for database \"" + database_ + "\"",
                      "User does not have CONNECT privilege.");
  }
  const std::string subdir = "base/" + std::to_string(db->oid);
  struct stat st;
  if (stat(smgr::FullPath(subdir).c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw MakeFatal(sqlstate::kInvalidCatalogName, "database \"" + database_ + "\" does not exist",
                    "The database subdirectory \"" + subdir + "\" is missing.");
  *settings = LoadStoredSettings(db->oid, role.oid);
  xact::Commit();
  return *db;
}

int Startup::Run() {
  InitPsDisplay("startup");
  host_ = ClientHostText(client_, &port_);
  GetLogSettings().backend_type = "client backend";
  GetLogSettings().remote_host = client_.is_unix ? "[local]" : host_ + "(" + std::to_string(port_) + ")";
  const guc::Vars& v = guc::V();
  try {
    // A client that does not finish authenticating in time is dropped silently.
    conn_.SetReadDeadline(std::chrono::steady_clock::now() + std::chrono::seconds(v.authentication_timeout),
                          "canceling authentication due to timeout");
    conn_.SetWakeHook([](int) { CheckForInterrupts(); });
    if (v.log_connections) {
      std::string where = client_.is_unix ? "host=[local]" : "host=" + host_ + " port=" + std::to_string(port_);
      LogLine("connection received: " + where);
    }
    if (!ReadStartup()) return 0;
    GetLogSettings().user_name = user_;
    GetLogSettings().database_name = database_;
    CheckAdmission();
    if (walsender_) return RunWalSender();
    InitPsDisplay(user_ + " " + database_ + " " +
                  (client_.is_unix ? std::string("[local]") : host_ + "(" + std::to_string(port_) + ")"));
    SetPsActivity("authentication");
    // The slot first, as PostgreSQL does: a full server says so before asking for a password.
    ProcSlot* slot = proc_array::ClaimSlot(BackendType::kClientBackend);
    if (slot == nullptr) throw MakeFatal(sqlstate::kTooManyConnections, "sorry, too many clients already");
    std::optional<catalog::RoleRecord> role = LookUpRole();
    if (!protocol::AuthenticateClient(conn_, HbaRequestFor(false), role ? &*role : nullptr)) {
      proc_array::ReleaseMySlot();
      return 0;  // the client hung up to ask its user for a password
    }
    conn_.ClearReadDeadline();
    CheckRoleAdmission(*role);
    StoredSettings stored_settings;
    catalog::DatabaseRow db = OpenDatabase(slot, *role, &stored_settings);
    catalog::SetCurrentDatabase(db.oid);
    catalog::SetCurrentUser(role->oid, role->name);
    if (!role->superuser && client_.cac == CacState::kSuperuser)
      throw MakeFatal(sqlstate::kInsufficientPrivilege, "must be superuser to connect during database shutdown");
    if (!role->superuser && v.superuser_reserved_connections > 0 &&
        proc_array::FreeBackendSlots() < v.superuser_reserved_connections)
      throw MakeFatal(sqlstate::kTooManyConnections,
                      "remaining connection slots are reserved for non-replication superuser connections");
    PublishSession(slot, *role, database_);
    if (!role->superuser && role->conn_limit >= 0 && proc_array::CountBackendsForRole(role->oid) > role->conn_limit)
      throw MakeFatal(sqlstate::kTooManyConnections, "too many connections for role \"" + user_ + "\"");
    if (!role->superuser && db.datconnlimit >= 0 && proc_array::CountBackendsForDatabase(db.oid) > db.datconnlimit)
      throw MakeFatal(sqlstate::kTooManyConnections, "too many connections for database \"" + database_ + "\"");
    if (v.log_connections)
      LogLine("connection authorized: user=" + user_ + " database=" + database_ +
              (application_name_.empty() ? "" : " application_name=" + application_name_));
    SessionInfo info;
    info.user = user_;
    info.database = database_;
    info.database_oid = db.oid;
    info.role = *role;
    info.cancel_key = client_.cancel_key;
    info.startup_settings = settings_;
    info.stored_settings = std::move(stored_settings);
    pgstat::CountSessionStart(database_);
    Session session(conn_, std::move(info));
    return session.Run();
  } catch (const PgError& e) {
    SendFatal(e);
    xact::Abort();
    lmgr::ReleaseAll(true);
    proc_array::ReleaseMySlot();
    return e.data().level < ErrLevel::kError ? 0 : 1;
  }
}

int Startup::RunWalSender() {
  const guc::Vars& v = guc::V();
  Globals().my_type = BackendType::kWalSender;
  GetLogSettings().backend_type = "walsender";
  const std::string remote = client_.is_unix ? "[local]" : host_ + "(" + std::to_string(port_) + ")";
  InitPsDisplay("walsender " + user_ + " " + remote);
  SetPsActivity("authentication");
  // WAL senders have slots of their own, max_wal_senders of them.
  ProcSlot* slot = proc_array::ClaimSlot(BackendType::kWalSender);
  if (slot == nullptr)
    throw MakeFatal(sqlstate::kTooManyConnections,
                    "number of requested standby connections exceeds max_wal_senders (currently " +
                        std::to_string(v.max_wal_senders) + ")");
  std::optional<catalog::RoleRecord> role = LookUpRole();
  if (!protocol::AuthenticateClient(conn_, HbaRequestFor(true), role ? &*role : nullptr)) {
    proc_array::ReleaseMySlot();
    return 0;
  }
  conn_.ClearReadDeadline();
  CheckRoleAdmission(*role);
  if (!role->superuser && client_.cac == CacState::kSuperuser)
    throw MakeFatal(sqlstate::kInsufficientPrivilege, "must be superuser to connect during database shutdown");
  if (!role->superuser && !role->replication)
    throw MakeFatal(sqlstate::kInsufficientPrivilege, "must be superuser or replication role to start walsender");
  catalog::SetCurrentUser(role->oid, role->name);
  PublishSession(slot, *role, "");  // a physical WAL sender has no database
  if (v.log_connections)
    LogLine("replication connection authorized: user=" + user_ +
            (application_name_.empty() ? "" : " application_name=" + application_name_));
  replication::WalSenderParams params;
  params.user = user_;
  params.role_oid = role->oid;
  params.superuser = role->superuser;
  params.cancel_key = client_.cancel_key;
  params.startup_settings = settings_;
  return replication::WalSenderMain(conn_, params);
}

}  // namespace

int BackendMain(ClientConnection conn) {
  Globals().my_type = BackendType::kClientBackend;
  InstallBackendSignalHandlers();
  // A lock wait must still notice cancel, timeouts and termination.
  lmgr::SetWaitInterruptHook(&CheckForInterrupts);
  Startup startup(conn);
  return startup.Run();
}

}  // namespace tusk::backend
