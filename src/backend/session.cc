// The session's command loop, the simple query protocol and the transaction
// block state machine.
#include "backend/session.h"

#include <sched.h>
#include <sys/time.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/interrupts.h"
#include "backend/session_temp.h"
#include "backend/stored_table.h"
#include "catalog/catalog.h"
#include "catalog/table_ddl.h"
#include "access/transam/xact.h"
#include "backend/system_views.h"
#include "storage/buffer/buffer.h"
#include "storage/lmgr/lock.h"
#include "storage/lmgr/lwlock.h"
#include "postmaster/pgstat.h"
#include "protocol/message.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/proc_array.h"
#include "utils/guc.h"
#include "utils/log.h"
#include "utils/process_globals.h"
#include "utils/timestamp.h"
#include "utils/ps_title.h"

namespace tusk::backend {
namespace {

// How long to poll for the client's next message before sleeping: worth it
// only while every connected backend, and a client beside it, can have a CPU
// of its own. With more backends than that, a spinning one would take CPU
// from one doing work.
int IdleSpinMicros() {
  static const int cpus = [] {
    cpu_set_t set;
    return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  }();
  constexpr int kSpinMicros = 100;
  return proc_array::AtMostBackends(cpus / 2) ? kSpinMicros : 0;
}

}  // namespace

Session::Session(protocol::Connection& conn, SessionInfo info)
    : conn_(conn), info_(std::move(info)) {}

Session::~Session() = default;

int Session::BackendPid() { return getpid(); }

void Session::ApplyStartupSettings() {
  // Settings from the startup packet: the client's own, like SET but with source "client".
  for (const auto& [name, value] : info_.startup_settings) {
    try {
      guc::SetConfigOption(name, value, info_.role.superuser, false, guc::Source::kClient);
    } catch (PgError& e) {
      e.data().level = ErrLevel::kFatal;
      throw;
    }
  }
  // Then pg_db_role_setting's, which the client's override (PostgreSQL's
  // process_settings comes after the startup options at a lower priority).
  // They also become what RESET returns to.
  for (const auto& [source, entries] : info_.stored_settings) {
    for (const ErrorData& warning : guc::ApplyStoredSettings(entries, source)) {
      LogEntry(warning);
      EmitNotice(warning);
    }
  }
  guc::SetInternalOption("session_authorization", info_.user);
  guc::SetInternalOption("is_superuser", info_.role.superuser ? "on" : "off");
  login_role_ = session_role_ = info_.role;
  identity_roles_[info_.user] = info_.role;
  synced_session_auth_ = info_.user;
}

void Session::StartupMessages() {
  ApplyStartupSettings();
  AppendStartupReport(&conn_.out(), info_.cancel_key);
}

void AppendStartupReport(std::string* out, int32_t cancel_key) {
  for (const auto& [name, value] : guc::AllReportedValues()) protocol::AppendParameterStatus(out, name, value);
  guc::TakeReportChanges();  // everything was just reported
  protocol::MessageWriter(out, 'K').Int32(getpid()).Int32(cancel_key);
  if (ProcSlot* slot = proc_array::MySlot()) {
    proc_array::SlotWriter w(slot);
    auto app = guc::ShowConfigOption("application_name", true);
    proc_array::CopyString(slot->application_name, sizeof slot->application_name, app.value_or(""));
  }
}

int Session::Run() {
  SetQuitMessageSink([this](const ErrorData& d) {
    protocol::AppendErrorMessage(&conn_.out(), d, true);
    conn_.FlushBestEffort();
  });
  int exit_code = 0;
  try {
    StartupMessages();
    ReadyForQuery();
    for (;;) {
      char type;
      std::string body;
      if (!ReadCommand(&type, &body)) break;  // the client went away
      if (type == 'X') break;
      try {
        Dispatch(type, body);
      } catch (const PgError& e) {
        if (e.data().level >= ErrLevel::kFatal) throw;
        HandleError(e);
        if (type == 'Q') {
          ReadyForQuery();
        } else if (type != 'S') {
          ignore_till_sync_ = true;
        }
      }
    }
  } catch (const PgError& e) {
    ErrorData d = e.data();
    d.level = ErrLevel::kFatal;
    // A client already gone gets no message, but the log says why the session ended.
    if (d.sqlstate != sqlstate::kProtocolViolation || !conn_.broken()) LogEntry(d);
    if (!conn_.broken()) {
      protocol::AppendErrorMessage(&conn_.out(), d, false);
      conn_.FlushBestEffort();
    }
    pgstat::CountSessionEnd(d.sqlstate == sqlstate::kAdminShutdown, true);
    exit_code = 1;
  }
  ReleaseAllLWLocks();
  cursors_.clear();  // their scans unpin their buffers before all pins go
  buffer::AtAbort();
  if (tx_ != TxState::kIdle || implicit_xact_open_) AbortTransaction();
  backup_.AbortAtExit();
  RemoveTempTablesAtExit();  // also after a FATAL, as PostgreSQL's before_shmem_exit callback
  UnlistenAll();
  lmgr::ReleaseAll(true);
  if (guc::V().log_disconnections) LogLine("disconnection: user=" + info_.user + " database=" + info_.database);
  pgstat::Flush(true);
  proc_array::ReleaseMySlot();
  return exit_code;
}

void Session::ReportIdleState() {
  SessionState st = tx_ == TxState::kIdle      ? SessionState::kIdle
                    : tx_ == TxState::kInBlock ? SessionState::kIdleInTransaction
                                               : SessionState::kIdleInTransactionAborted;
  if (ProcSlot* slot = proc_array::MySlot()) {
    proc_array::SlotWriter w(slot);
    slot->state = st;
    slot->state_change_us = NowMicros();
  }
  SetPsActivity(SessionStateName(st));
}

void Session::OnIdleWake(int wait_result) {
  if (wait_result & latch::kPostmasterDeath)
    throw MakeFatal(sqlstate::kAdminShutdown, "terminating connection due to unexpected postmaster exit");
  if (TakeReloadRequest()) {
    ReloadConfigInChild();
    SendParameterChanges();
    conn_.Flush();
  }
  if (tx_ == TxState::kIdle && !listen_channels_.empty()) {
    const size_t before = conn_.out().size();
    DeliverNotifications();  // a NOTIFY committed elsewhere woke us (SIGUSR1)
    if (conn_.out().size() != before) conn_.Flush();
  }
  try {
    backend::CheckForInterrupts();
  } catch (const PgError& e) {
    if (e.data().level >= ErrLevel::kFatal) throw;
    // An ERROR while idle (SIGFPE): report it at once, as PostgreSQL does.
    HandleError(e);
    ReadyForQuery();
    conn_.Flush();
  }
}

bool Session::ReadCommand(char* type, std::string* body) {
  if (!conn_.HasBufferedInput()) {
    pgstat::Flush(false);
    const guc::Vars& v = guc::V();
    IdleStarted(tx_ != TxState::kIdle, v.idle_in_transaction_session_timeout, v.idle_session_timeout);
    ReportIdleState();
    conn_.Flush();
  }
  conn_.SetWakeHook([this](int rc) { OnIdleWake(rc); });
  // A terminate that arrived mid-statement is acted on before waiting.
  OnIdleWake(0);
  conn_.SetInputSpin(conn_.HasBufferedInput() ? 0 : IdleSpinMicros());
  bool ok = conn_.ReadMessage(type, body);
  conn_.SetInputSpin(0);
  conn_.SetWakeHook([](int rc) {
    if (rc & latch::kPostmasterDeath)
      throw MakeFatal(sqlstate::kAdminShutdown, "terminating connection due to unexpected postmaster exit");
    backend::CheckForInterrupts();
  });
  IdleFinished();
  return ok;
}

void Session::Dispatch(char type, const std::string& body) {
  if (ignore_till_sync_ && type != 'S') return;  // skip the rest of a failed extended-protocol batch
  switch (type) {
    case 'Q': {
      protocol::MessageReader r(body);
      std::string query(r.CString());
      r.ExpectEnd();
      SimpleQuery(query);
      return;
    }
    case 'P': Parse(body); return;
    case 'B': Bind(body); return;
    case 'D': Describe(body); return;
    case 'E': Execute(body); return;
    case 'C': Close(body); return;
    case 'S': Sync(); return;
    case 'H': conn_.Flush(); return;
    case 'F':
      throw MakeError(sqlstate::kFeatureNotSupported, "fastpath function calls are not supported");
    case 'd': case 'c': case 'f':
      return;  // COPY data outside COPY is ignored, as PostgreSQL does
    default:
      throw PgError(sqlstate::kProtocolViolation,
                    "invalid frontend message type " + std::to_string(static_cast<unsigned char>(type)),
                    ErrLevel::kFatal);
  }
}

void Session::BeginStatement(const sql::Statement* stmt, const std::string& text) {
  stmt_start_us_ = NowMicros();
  has_statement_ = true;
  current_tag_ = stmt ? sql::CommandTagOf(*stmt) : "";
  std::string title_tag = current_tag_;
  if (ProcSlot* slot = proc_array::MySlot()) {
    proc_array::SlotWriter w(slot);
    slot->state = SessionState::kRunning;
    slot->query_start_us = stmt_start_us_;
    slot->state_change_us = stmt_start_us_;
    proc_array::CopyString(slot->query, sizeof slot->query, text);
  }
  SetPsActivity(title_tag);
  pgstat::CountStatement();
  StatementStarted(guc::V().statement_timeout);
}

void Session::EndStatement() {
  StatementFinished();
  has_statement_ = false;
}

void Session::StartTransactionIfNeeded() {
  if (tx_ != TxState::kIdle || implicit_xact_open_) return;
  implicit_xact_open_ = true;
  xact_start_us_ = stmt_start_us_ ? stmt_start_us_ : NowMicros();
  guc::AtTransactionStart();
  const guc::Vars& v = guc::V();
  xact::StartTransaction(xact::IsolationFromName(v.default_transaction_isolation), v.default_transaction_read_only);
  // A hot standby's transactions are read-only, and SHOW says so (contract 10).
  if (xact::IsReadOnly() && !v.transaction_read_only) guc::SetConfigOption("transaction_read_only", "on", true, true);
  if (ProcSlot* slot = proc_array::MySlot()) {
    proc_array::SlotWriter w(slot);
    slot->xact_start_us = xact_start_us_;
  }
}

void Session::FinishImplicitTransaction() {
  if (tx_ == TxState::kIdle && implicit_xact_open_) CommitTransaction();
}

void Session::CommitTransaction() {
  // Deferred work runs first: if it fails, the transaction aborts instead.
  auto work = std::move(at_commit_);
  at_commit_.clear();
  try {
    // Cursors first, as PostgreSQL's PreCommit_Portals: a WITH HOLD cursor
    // reads its rows while the transaction's snapshot and locks still hold.
    CursorsAtCommit();
    for (auto& fn : work) fn();
    TempTablesPreCommit();
    NotifyPreCommit();
    xact::Commit();  // WAL flush, then clog, then out of the process array
  } catch (...) {
    AbortTransaction();
    throw;
  }
  catalog::AtEndOfTransaction(true);
  catalog::AtEndOfTransactionDdl(true);
  TempTablesAtEndOfTransaction(true);
  StoredTablesAtTransactionEnd();
  guc::AtTransactionEnd(true);
  lmgr::ReleaseAll(false);
  pgstat::CountTransactionEnd(true);
  implicit_xact_open_ = false;
  savepoints_.clear();
  SetTxState(TxState::kIdle);
  ClearUnnamedPortal();
  NotifyAtCommit();
}

void Session::AbortTransaction() {
  CursorsAtAbort();  // before the abort, while their scans' buffers are still pinned
  xact::Abort();
  catalog::AtEndOfTransaction(false);
  catalog::AtEndOfTransactionDdl(false);
  TempTablesAtEndOfTransaction(false);
  StoredTablesAtTransactionEnd();
  at_commit_.clear();
  NotifyAtAbort();
  lmgr::ReleaseAll(false);
  guc::AtTransactionEnd(false);
  pgstat::CountTransactionEnd(false);
  implicit_xact_open_ = false;
  savepoints_.clear();
  SetTxState(TxState::kIdle);
  ClearUnnamedPortal();
}

void Session::SetTxState(TxState next) {
  tx_ = next;
  if (next == TxState::kIdle) {
    xact_start_us_ = 0;
    if (ProcSlot* slot = proc_array::MySlot()) {
      proc_array::SlotWriter w(slot);
      slot->xact_start_us = 0;
    }
  }
}

char Session::TxStatusByte() const {
  switch (tx_) {
    case TxState::kIdle: return 'I';
    case TxState::kInBlock: return 'T';
    case TxState::kFailed: return 'E';
  }
  return 'I';
}

void Session::HandleError(const PgError& e) {
  EndStatement();
  // Whatever the statement held at the moment it failed.
  ReleaseAllLWLocks();
  CursorsAtError();
  buffer::AtAbort();
  ErrorData d = e.data();
  LogEntry(d);
  protocol::AppendErrorMessage(&conn_.out(), d, false);
  if (tx_ == TxState::kInBlock) {
    at_commit_.clear();
    SetTxState(TxState::kFailed);
  } else if (tx_ == TxState::kIdle && implicit_xact_open_) {
    AbortTransaction();
  }
}

void Session::PreventInTransactionBlock(const char* what) const {
  if (InTransactionBlock())
    throw MakeError(sqlstate::kActiveSqlTransaction, std::string(what) + " cannot run inside a transaction block");
}

bool Session::IsTransactionExit(const sql::Statement& stmt) const {
  if (stmt.kind() != sql::StmtKind::kTransaction) return false;
  auto k = stmt.transaction().kind;
  return k == sql::TransactionStmt::kCommit || k == sql::TransactionStmt::kRollback ||
         k == sql::TransactionStmt::kRollbackTo;
}

void Session::SimpleQuery(const std::string& query) {
  stmt_start_us_ = NowMicros();
  std::vector<std::unique_ptr<sql::Statement>> stmts;
  sql::QueryShape shape;
  bool shaped = false;
  try {
    BeginStatement(nullptr, query);
    shaped = sql::ShapeOf(query, &shape);
    if (shaped && RunCachedPlan(shape)) {
      EndStatement();
      ReadyForQuery();
      return;
    }
    stmts = sql::ParseQuery(query);
  } catch (const PgError& e) {
    if (e.data().level >= ErrLevel::kFatal) throw;
    HandleError(e);
    ReadyForQuery();
    return;
  }
  if (stmts.empty()) {
    EndStatement();
    protocol::MessageWriter(&conn_.out(), 'I');
    ReadyForQuery();
    return;
  }
  implicit_block_ = stmts.size() > 1;
  for (size_t i = 0; i < stmts.size(); ++i) {
    const sql::Statement& stmt = *stmts[i];
    try {
      if (tx_ == TxState::kFailed && !IsTransactionExit(stmt))
        throw MakeError(sqlstate::kInFailedSqlTransaction,
                        "current transaction is aborted, commands ignored until end of transaction block");
      current_tag_ = sql::CommandTagOf(stmt);
      SetPsActivity(current_tag_);
      RunStatement(stmt, shaped && stmts.size() == 1 ? &shape : nullptr);
      if (i + 1 == stmts.size() || stmt.kind() == sql::StmtKind::kTransaction) FinishImplicitTransaction();
    } catch (const PgError& e) {
      if (e.data().level >= ErrLevel::kFatal) {
        implicit_block_ = false;
        throw;
      }
      HandleError(e);
      break;  // the rest of the query string is skipped
    }
  }
  implicit_block_ = false;
  EndStatement();
  ReadyForQuery();
}

void Session::RunStatement(const sql::Statement& stmt, const sql::QueryShape* shape) {
  StartTransactionIfNeeded();
  xact::StartCommand();
  StoredTablesAtStatementStart();
  if (stmt.kind() == sql::StmtKind::kExecute) {
    RunExecute(stmt);
    return;
  }
  if (stmt.kind() == sql::StmtKind::kFetch) {
    std::string tag = RunFetch(stmt.fetch(), {}, true);
    protocol::MessageWriter(&conn_.out(), 'C').CString(tag);
    return;
  }
  if (!sql::IsPlannable(stmt)) {
    std::string tag = RunUtility(stmt);
    SendParameterChanges();
    protocol::MessageWriter(&conn_.out(), 'C').CString(tag);
    return;
  }
  std::unique_ptr<sql::PreparedQuery> prepared = sql::Prepare(stmt, {}, *this);
  RunPrepared(stmt, *prepared, prepared->Open({}, {}, *this));
  if (shape) CachePlan(*shape, stmt, prepared->Columns());
}

void Session::RunPrepared(const sql::Statement& stmt, const sql::PreparedQuery& prepared,
                          std::unique_ptr<sql::Cursor> cursor) {
  std::vector<int16_t> formats;  // simple protocol: text
  if (sql::ReturnsRows(stmt)) AppendRowDescription(prepared.Columns(), formats);
  bool done = false;
  int64_t n;
  {
    ParallelScope parallel(parallel_ok_, stmt.kind() == sql::StmtKind::kSelect);
    n = SendRows(*cursor, formats, 0, &done);
  }
  SendParameterChanges();  // set_config() may have changed a reported setting
  protocol::MessageWriter(&conn_.out(), 'C').CString(cursor->CompletionTag(stmt, n));
}

int64_t Session::SendRows(sql::Cursor& cursor, const std::vector<int16_t>& formats, int64_t max_rows, bool* done) {
  std::vector<std::optional<std::string>> values;
  int64_t n = 0;
  *done = false;
  while (max_rows == 0 || n < max_rows) {
    values.clear();
    if (!cursor.Next(formats, &values)) {
      *done = true;
      break;
    }
    protocol::AppendDataRow(&conn_.out(), values);  // whole before any flush
    ++n;
    conn_.MaybeFlush();
  }
  return n;
}

void Session::AppendRowDescription(const std::vector<sql::ColumnDesc>& columns, const std::vector<int16_t>& formats) {
  protocol::MessageWriter w(&conn_.out(), 'T');
  w.Int16(static_cast<int16_t>(columns.size()));
  for (size_t i = 0; i < columns.size(); ++i) {
    const sql::ColumnDesc& c = columns[i];
    int16_t fmt = formats.empty() ? 0 : formats.size() == 1 ? formats[0] : formats[i];
    w.CString(c.name).Int32(static_cast<int32_t>(c.table_oid)).Int16(c.attnum);
    w.Int32(static_cast<int32_t>(c.type_oid)).Int16(c.type_len).Int32(c.type_mod).Int16(fmt);
  }
}

void Session::SendParameterChanges() {
  for (const auto& [name, value] : guc::TakeReportChanges()) {
    protocol::AppendParameterStatus(&conn_.out(), name, value);
    if (name == "application_name") {
      if (ProcSlot* slot = proc_array::MySlot()) {
        proc_array::SlotWriter w(slot);
        proc_array::CopyString(slot->application_name, sizeof slot->application_name, value);
      }
    }
  }
}

void Session::ClearUnnamedPortal() { portals_.erase(""); }

}  // namespace tusk::backend
