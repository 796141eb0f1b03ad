// Statements the backend runs itself: transaction control, SET/RESET, ALTER SYSTEM,
// DISCARD, CHECKPOINT; roles and databases are in session_roles.cc.
#include "access/transam/xact.h"
#include "backend/interrupts.h"
#include "backend/session.h"
#include "backend/session_temp.h"
#include "postmaster/checkpoint.h"
#include "protocol/message.h"
#include "sql/parser/deparse.h"
#include "utils/guc.h"
#include "utils/process_globals.h"

namespace tusk::backend {

std::string FlattenSetValues(const std::string& name, const std::vector<sql::SetValue>& values) {
  const guc::ListKind list = guc::ParamListKind(name);
  if (list == guc::ListKind::kSingle && values.size() > 1)
    throw MakeError(sqlstate::kInvalidParameterValue, "SET " + name + " takes only one argument");
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    const sql::SetValue& v = values[i];
    if (list == guc::ListKind::kQuotedList && v.kind != sql::SetValue::kNumber)
      out += sql::QuoteIdentifier(v.text);
    else
      out += v.text;
  }
  return out;
}

namespace {

void ApplyTransactionModes(const sql::TransactionModes& m, bool session_default) {
  const char* iso = session_default ? "default_transaction_isolation" : "transaction_isolation";
  const char* ro = session_default ? "default_transaction_read_only" : "transaction_read_only";
  const char* def = session_default ? "default_transaction_deferrable" : "transaction_deferrable";
  if (m.isolation) guc::SetConfigOption(iso, *m.isolation, true, !session_default);
  if (m.read_only) guc::SetConfigOption(ro, *m.read_only ? "on" : "off", true, !session_default);
  if (m.deferrable) guc::SetConfigOption(def, *m.deferrable ? "on" : "off", true, !session_default);
  if (!session_default) {
    if (m.isolation) xact::SetIsolation(xact::IsolationFromName(*m.isolation));
    if (m.read_only) xact::SetReadOnly(*m.read_only);
  }
}

}  // namespace

std::string Session::RunUtility(const sql::Statement& stmt) {
  switch (stmt.kind()) {
    case sql::StmtKind::kTransaction: return RunTransactionStmt(stmt.transaction());
    case sql::StmtKind::kSet:
    case sql::StmtKind::kReset: return RunSet(stmt);
    case sql::StmtKind::kAlterSystem: return RunAlterSystem(stmt.alter_system());
    case sql::StmtKind::kCreateRole:
    case sql::StmtKind::kAlterRole:
    case sql::StmtKind::kDropRole: return RunRoleStmt(stmt);
    case sql::StmtKind::kGrant: return RunGrant(stmt.grant());
    case sql::StmtKind::kSchema: return RunSchema(stmt.schema());
    case sql::StmtKind::kCreateDatabase: return RunCreateDatabase(stmt.create_database());
    case sql::StmtKind::kAlterDatabase: return RunAlterDatabase(stmt.alter_database());
    case sql::StmtKind::kDropDatabase: return RunDropDatabase(stmt.drop_database());
    case sql::StmtKind::kDiscard: {
      if (stmt.discard().target == sql::DiscardStmt::kAll) {
        PreventInTransactionBlock("DISCARD ALL");
        guc::ResetAllOptions();
        statements_.clear();
        portals_.clear();
        cursors_.clear();  // CLOSE ALL
        DiscardSequences();
        DropAllTempRelations();
        AdvisoryUnlockAll();
        UnlistenAll();  // UNLISTEN *, at once: DISCARD ALL runs outside a transaction block
      } else if (stmt.discard().target == sql::DiscardStmt::kSequences) {
        DiscardSequences();
      } else if (stmt.discard().target == sql::DiscardStmt::kTemp) {
        DropAllTempRelations();
      } else if (stmt.discard().target == sql::DiscardStmt::kPlans) {
        // PostgreSQL's ResetPlanCache: every prepared statement plans again at its next use.
        plan_cache_.clear();
        for (auto& entry : statements_) entry.second->tables_epoch = 0;
      }
      return sql::CommandTagOf(stmt);
    }
    case sql::StmtKind::kCreateTable: return RunCreateTable(stmt.create_table());
    case sql::StmtKind::kCreateTableAs: return RunCreateTableAs(stmt);
    case sql::StmtKind::kCreateIndex: return RunCreateIndex(stmt.create_index());
    case sql::StmtKind::kDrop: return RunDrop(stmt.drop());
    case sql::StmtKind::kTruncate: return RunTruncate(stmt.truncate());
    case sql::StmtKind::kCopy:
      copy_stmt_text_ = stmt.query();
      return RunCopy(stmt.copy());
    case sql::StmtKind::kAlterTable: return RunAlterTable(stmt.alter_table());
    case sql::StmtKind::kVacuum: return RunVacuum(stmt.vacuum());
    case sql::StmtKind::kCreateView: return RunCreateView(stmt);
    case sql::StmtKind::kCreateSequence: return RunCreateSequence(stmt.create_sequence());
    case sql::StmtKind::kAlterSequence: return RunAlterSequence(stmt.alter_sequence());
    case sql::StmtKind::kLock: return RunLock(stmt.lock());
    case sql::StmtKind::kPrepare: return RunPrepare(stmt);
    case sql::StmtKind::kDeallocate: return RunDeallocate(stmt.deallocate());
    case sql::StmtKind::kDeclareCursor: return RunDeclareCursor(stmt);
    case sql::StmtKind::kFetch: return RunFetch(stmt.fetch(), {}, false);
    case sql::StmtKind::kClosePortal: return RunClosePortal(stmt.close_portal());
    case sql::StmtKind::kNotify: return RunNotifyStmt(stmt.notify());
    case sql::StmtKind::kCheckpoint:
      if (!info_.role.superuser)
        throw MakeError(sqlstate::kInsufficientPrivilege, "must be superuser or have privileges of pg_checkpoint to do CHECKPOINT");
      checkpoint::RequestAndWait(&backend::CheckForInterrupts);
      return "CHECKPOINT";
    default:
      // Parsed but not executable yet: say so rather than pretend it ran.
      throw MakeError(sqlstate::kFeatureNotSupported, sql::CommandTagOf(stmt) + " is not supported yet");
  }
}

std::string Session::RunTransactionStmt(const sql::TransactionStmt& t) {
  using K = sql::TransactionStmt;
  switch (t.kind) {
    case K::kBegin:
    case K::kStart:
      if (tx_ != TxState::kIdle) {
        EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kActiveSqlTransaction,
                             "there is already a transaction in progress"));
      } else {
        // The implicit transaction this statement opened becomes the block.
        implicit_xact_open_ = false;
        SetTxState(TxState::kInBlock);
        xact_start_us_ = stmt_start_us_;
      }
      ApplyTransactionModes(t.modes, false);
      return "BEGIN";
    case K::kCommit:
      if (tx_ == TxState::kIdle) {
        EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kNoActiveSqlTransaction, "there is no transaction in progress"));
        return "COMMIT";
      }
      if (tx_ == TxState::kFailed) {
        AbortTransaction();
        return "ROLLBACK";
      }
      CommitTransaction();
      return "COMMIT";
    case K::kRollback:
      if (tx_ == TxState::kIdle) {
        EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kNoActiveSqlTransaction, "there is no transaction in progress"));
        // In a multi-statement Query this rolls back the statements before it.
        if (implicit_xact_open_) AbortTransaction();
        return "ROLLBACK";
      }
      AbortTransaction();
      return "ROLLBACK";
    case K::kSavepoint:
      if (tx_ == TxState::kIdle)
        throw MakeError(sqlstate::kNoActiveSqlTransaction, "SAVEPOINT can only be used in transaction blocks");
      xact::BeginSubtransaction(t.savepoint);
      savepoints_.push_back(t.savepoint);
      return "SAVEPOINT";
    case K::kRelease:
    case K::kRollbackTo: {
      const char* what = t.kind == K::kRelease ? "RELEASE SAVEPOINT" : "ROLLBACK TO SAVEPOINT";
      if (tx_ == TxState::kIdle)
        throw MakeError(sqlstate::kNoActiveSqlTransaction, std::string(what) + " can only be used in transaction blocks");
      auto it = savepoints_.end();
      for (auto s = savepoints_.begin(); s != savepoints_.end(); ++s)
        if (*s == t.savepoint) it = s;
      if (it == savepoints_.end())
        throw MakeError("3B001", "savepoint \"" + t.savepoint + "\" does not exist");
      if (t.kind == K::kRelease) {
        xact::ReleaseSubtransaction(t.savepoint);
        CursorsAtRelease(static_cast<size_t>(it - savepoints_.begin()));
        savepoints_.erase(it, savepoints_.end());
        return "RELEASE";
      }
      // Cursors declared since the savepoint go with it, before the
      // subtransaction's resources do.
      CursorsAtRollbackTo(static_cast<size_t>(it - savepoints_.begin()));
      NotifyAtRollbackTo(static_cast<size_t>(it - savepoints_.begin()));
      xact::RollbackToSubtransaction(t.savepoint);
      savepoints_.erase(it + 1, savepoints_.end());
      SetTxState(TxState::kInBlock);
      return "ROLLBACK";
    }
  }
  return "BEGIN";
}

std::string Session::RunAlterSystem(const sql::AlterSystemStmt& a) {
  PreventInTransactionBlock("ALTER SYSTEM");
  std::optional<std::string> value;
  if (!a.reset_all && a.set.kind == sql::SetStmt::kValue) value = FlattenSetValues(a.set.name, a.set.values);
  guc::AlterSystemSetConfigFile(Globals().data_dir, a.set.name, value, a.reset_all, info_.role.superuser);
  return "ALTER SYSTEM";
}

std::string Session::RunSet(const sql::Statement& stmt) {
  bool su = info_.role.superuser;
  if (stmt.kind() == sql::StmtKind::kReset) {
    const sql::ResetStmt& r = stmt.reset();
    if (r.all)
      guc::ResetAllOptions();
    else
      guc::ResetConfigOption(r.name, su);
    SyncIdentity();
    return "RESET";
  }
  const sql::SetStmt& s = stmt.set();
  if (s.is_local && !InTransactionBlock())
    EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kNoActiveSqlTransaction,
                         "SET LOCAL can only be used in transaction blocks"));
  switch (s.kind) {
    case sql::SetStmt::kValue: {
      const std::string value = FlattenSetValues(s.name, s.values);
      CheckIdentitySetting(s.name, value);
      guc::SetConfigOption(s.name, value, su, s.is_local);
      SyncIdentity();
      break;
    }
    case sql::SetStmt::kDefault:
      guc::ResetConfigOption(s.name, su);
      SyncIdentity();
      break;
    case sql::SetStmt::kTransaction:
      if (!InTransactionBlock())
        EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kNoActiveSqlTransaction,
                             "SET TRANSACTION can only be used in transaction blocks"));
      ApplyTransactionModes(s.modes, false);
      break;
    case sql::SetStmt::kSessionCharacteristics:
      ApplyTransactionModes(s.modes, true);
      break;
  }
  return "SET";
}

}  // namespace tusk::backend
