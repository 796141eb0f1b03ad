// The session's answers to the SQL engine: settings, signals to other
// backends, sleeping, notices, and system views.
#include "backend/stored_table.h"
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "backend/builtin_views.h"
#include "backend/interrupts.h"
#include "backend/session.h"
#include "backend/system_views.h"
#include "access/transam/xact.h"
#include "catalog/role_store.h"
#include "protocol/message.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/proc_array.h"
#include "utils/guc.h"
#include "postmaster/pgstat.h"

namespace tusk::backend {

std::optional<std::string> Session::GetConfig(const std::string& name, bool missing_ok) {
  return guc::ShowConfigOption(name, missing_ok);
}

std::string Session::SetConfig(const std::string& name, const std::string& value, bool is_local) {
  return guc::SetConfigOption(name, value, info_.role.superuser, is_local);
}

namespace {

// PostgreSQL's pg_signal_backend rules: only client backends and autovacuum
// processes can be signalled; superusers' sessions only by superusers; others
// by members of the same role.
bool SignalBackend(Session& s, int pid, int sig, const char* what, bool caller_superuser, uint32_t caller_role) {
  auto target = proc_array::FindByPid(pid);
  bool signallable = target && (target->type == BackendType::kClientBackend ||
                                target->type == BackendType::kAutovacuumWorker ||
                                target->type == BackendType::kAutovacuumLauncher);
  if (!signallable) {
    s.EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kWarning,
                           "PID " + std::to_string(pid) + " is not a PostgreSQL backend process"));
    return false;
  }
  if (!caller_superuser) {
    if (target->is_superuser)
      throw MakeError(sqlstate::kInsufficientPrivilege, std::string("permission denied to ") + what,
                      std::string("Only roles with the SUPERUSER attribute may ") + what +
                          " of roles with the SUPERUSER attribute.");
    if (target->role_oid != caller_role)
      throw MakeError(sqlstate::kInsufficientPrivilege, std::string("permission denied to ") + what,
                      std::string("Only roles with privileges of the role whose process is being ") +
                          (sig == SIGINT ? "canceled" : "terminated") + " or with privileges of the "
                          "\"pg_signal_backend\" role may " + what + ".");
  }
  if (kill(pid, sig) != 0) {
    s.EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kWarning,
                           "could not send signal to process " + std::to_string(pid) + ": " + strerror(errno)));
    return false;
  }
  return true;
}

}  // namespace

bool Session::CancelBackend(int pid) {
  return SignalBackend(*this, pid, SIGINT, "cancel query", info_.role.superuser, info_.role.oid);
}

bool Session::TerminateBackend(int pid) {
  return SignalBackend(*this, pid, SIGTERM, "terminate process", info_.role.superuser, info_.role.oid);
}

bool Session::ReloadConf() {
  if (!info_.role.superuser)
    throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied for function pg_reload_conf");
  if (kill(getppid(), SIGHUP) != 0) {
    EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kWarning, "failed to send signal to postmaster: " +
                                                                      std::string(strerror(errno))));
    return false;
  }
  return true;
}

void Session::SleepInterruptibly(double seconds) {
  using Clock = std::chrono::steady_clock;
  auto end = Clock::now() + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
  for (;;) {
    backend::CheckForInterrupts();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
    if (left <= 0) return;
    int rc = latch::WaitLatch(-1, 0, left);
    if (rc & latch::kLatchSet) latch::ResetLatch();
    if (rc & latch::kPostmasterDeath)
      throw MakeFatal(sqlstate::kAdminShutdown, "terminating connection due to unexpected postmaster exit");
  }
}

void Session::CheckForInterrupts() { backend::CheckForInterrupts(); }

void Session::ForceNextStatsFlush() { pgstat::ForceNextFlush(); }

static int NoticeRank(ErrLevel l) {
  switch (l) {
    case ErrLevel::kDebug: return 0;
    case ErrLevel::kLog: return 1;
    case ErrLevel::kNotice: return 2;
    case ErrLevel::kWarning: return 3;
    case ErrLevel::kError: return 4;
    default: return 5;
  }
}

void Session::EmitNotice(const ErrorData& notice) {
  // client_min_messages: INFO is always sent, as in PostgreSQL.
  auto min = static_cast<ErrLevel>(guc::V().client_min_messages);
  if (notice.level != ErrLevel::kInfo && NoticeRank(notice.level) < NoticeRank(min)) return;
  protocol::AppendErrorMessage(&conn_.out(), notice, true);
}

sql::VirtualTable* Session::LookupRelation(const std::string& schema, const std::string& name) {
  if (!schema.empty() && schema != "pg_catalog") return nullptr;
  if (!SystemViews::MayName(name)) return nullptr;
  if (!views_) views_ = std::make_unique<SystemViews>(*this);
  sql::VirtualTable* t = views_->Find(name);
  if (t) ++virtual_lookups_;
  return t;
}

std::shared_ptr<sql::StoredTable> Session::LookupTable(const std::string& schema, const std::string& name) {
  return OpenStoredTable(schema, name);
}

std::shared_ptr<const sql::ViewDef> Session::LookupView(const std::string& schema, const std::string& name) {
  if (auto v = BuiltinView(schema, name)) return v;
  return OpenView(schema, name);
}

}  // namespace tusk::backend
