// Statements the backend runs itself: transaction control, SET/RESET,
// DISCARD, and CREATE/ALTER/DROP ROLE (applied at commit).
#include "access/transam/xact.h"
#include "backend/interrupts.h"
#include "backend/session.h"
#include "postmaster/checkpoint.h"
#include "protocol/message.h"
#include "utils/guc.h"
#include "utils/process_globals.h"

namespace tusk::backend {
namespace {

std::string JoinSetValues(const std::vector<sql::SetValue>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    // A list element that needs quoting keeps it, as PostgreSQL's flatten does for identifiers.
    const sql::SetValue& v = values[i];
    if (values.size() > 1 && v.kind == sql::SetValue::kString && v.text.find_first_of(", ") != std::string::npos)
      out += "\"" + v.text + "\"";
    else
      out += v.text;
  }
  return out;
}

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
    case sql::StmtKind::kCreateRole:
    case sql::StmtKind::kAlterRole:
    case sql::StmtKind::kDropRole: return RunRoleStmt(stmt);
    case sql::StmtKind::kDiscard: {
      if (tx_ != TxState::kIdle)
        throw MakeError(sqlstate::kActiveSqlTransaction, "DISCARD ALL cannot run inside a transaction block");
      if (stmt.discard().target == sql::DiscardStmt::kAll) {
        guc::ResetAllOptions();
        statements_.clear();
        portals_.clear();
      } else if (stmt.discard().target == sql::DiscardStmt::kPlans) {
        // No plan cache yet: nothing to drop.
      }
      return sql::CommandTagOf(stmt);
    }
    case sql::StmtKind::kCreateTable: return RunCreateTable(stmt.create_table());
    case sql::StmtKind::kCreateIndex: return RunCreateIndex(stmt.create_index());
    case sql::StmtKind::kDrop: return RunDrop(stmt.drop());
    case sql::StmtKind::kTruncate: return RunTruncate(stmt.truncate());
    case sql::StmtKind::kCopy: return RunCopy(stmt.copy());
    case sql::StmtKind::kAlterTable: return RunAlterTable(stmt.alter_table());
    case sql::StmtKind::kVacuum: return RunVacuum(stmt.vacuum());
    case sql::StmtKind::kCheckpoint:
      if (!info_.role.superuser)
        throw MakeError(sqlstate::kInsufficientPrivilege, "must be superuser to do CHECKPOINT");
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
        savepoints_.erase(it, savepoints_.end());
        return "RELEASE";
      }
      xact::RollbackToSubtransaction(t.savepoint);
      savepoints_.erase(it + 1, savepoints_.end());
      SetTxState(TxState::kInBlock);
      return "ROLLBACK";
    }
  }
  return "BEGIN";
}

std::string Session::RunSet(const sql::Statement& stmt) {
  bool su = info_.role.superuser;
  if (stmt.kind() == sql::StmtKind::kReset) {
    const sql::ResetStmt& r = stmt.reset();
    if (r.all)
      guc::ResetAllOptions();
    else
      guc::ResetConfigOption(r.name, su);
    return "RESET";
  }
  const sql::SetStmt& s = stmt.set();
  if (s.is_local && tx_ == TxState::kIdle)
    EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kNoActiveSqlTransaction,
                         "SET LOCAL can only be used in transaction blocks"));
  switch (s.kind) {
    case sql::SetStmt::kValue:
      guc::SetConfigOption(s.name, JoinSetValues(s.values), su, s.is_local);
      break;
    case sql::SetStmt::kDefault:
      guc::ResetConfigOption(s.name, su);
      break;
    case sql::SetStmt::kTransaction:
      if (tx_ == TxState::kIdle)
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

std::string Session::RunRoleStmt(const sql::Statement& stmt) {
  const std::string& dir = Globals().data_dir;
  auto to_options = [](const sql::RoleOptions& o) {
    catalog::RoleOptions r;
    r.superuser = o.superuser;
    r.inherit = o.inherit;
    r.createrole = o.createrole;
    r.createdb = o.createdb;
    r.can_login = o.login;
    r.replication = o.replication;
    r.bypassrls = o.bypassrls;
    r.conn_limit = o.connection_limit;
    if (o.password_given) r.password = o.password;
    return r;
  };
  auto check_password = [this](const sql::RoleOptions& o) {
    if (o.password_given && o.password && o.password->empty())
      EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                           "empty string is not a valid password, clearing password"));
  };
  std::string encryption = guc::ShowConfigOption("password_encryption", true).value_or("scram-sha-256");
  bool su = info_.role.superuser;
  switch (stmt.kind()) {
    case sql::StmtKind::kCreateRole: {
      const sql::CreateRoleStmt& c = stmt.create_role();
      if (!su && !info_.role.createrole)
        throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied to create role");
      if (!su && c.options.superuser.value_or(false))
        throw MakeError(sqlstate::kInsufficientPrivilege, "must be superuser to create superusers");
      if (catalog::FindRole(dir, c.name))
        throw MakeError(sqlstate::kDuplicateObject, "role \"" + c.name + "\" already exists");
      check_password(c.options);
      catalog::RoleOptions opts = to_options(c.options);
      if (!opts.can_login) opts.can_login = c.is_user;
      std::string name = c.name;
      at_commit_.push_back([dir, name, opts, encryption] { catalog::CreateRole(dir, name, opts, encryption); });
      return c.is_user ? "CREATE ROLE" : "CREATE ROLE";
    }
    case sql::StmtKind::kAlterRole: {
      const sql::AlterRoleStmt& a = stmt.alter_role();
      auto target = catalog::FindRole(dir, a.name);
      if (!target) throw MakeError(sqlstate::kUndefinedObject, "role \"" + a.name + "\" does not exist");
      bool self_password_only = a.name == info_.user && !a.options.superuser && !a.options.login &&
                                !a.options.createdb && !a.options.createrole && !a.options.replication &&
                                !a.options.connection_limit;
      if (!su && !(info_.role.createrole && !target->superuser) && !self_password_only)
        throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied");
      check_password(a.options);
      catalog::RoleOptions opts = to_options(a.options);
      std::string name = a.name;
      at_commit_.push_back([dir, name, opts, encryption] { catalog::AlterRole(dir, name, opts, encryption); });
      return "ALTER ROLE";
    }
    case sql::StmtKind::kDropRole: {
      const sql::DropRoleStmt& d = stmt.drop_role();
      if (!su && !info_.role.createrole)
        throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied to drop role");
      for (const std::string& name : d.names) {
        if (name == info_.user) throw MakeError(sqlstate::kObjectInUse, "current user cannot be dropped");
        auto role = catalog::FindRole(dir, name);
        if (!role) {
          if (!d.missing_ok) throw MakeError(sqlstate::kUndefinedObject, "role \"" + name + "\" does not exist");
          EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                               "role \"" + name + "\" does not exist, skipping"));
          continue;
        }
        if (role->oid == catalog::kBootstrapSuperuserOid)
          throw MakeError(sqlstate::kObjectInUse,
                          "cannot drop role " + name + " because it is required by the database system");
        if (role->superuser && !su) throw MakeError(sqlstate::kInsufficientPrivilege, "must be superuser to drop superusers");
        std::string user = info_.user;
        at_commit_.push_back([dir, name, user] { catalog::DropRole(dir, name, true, user); });
      }
      return "DROP ROLE";
    }
    default:
      return sql::CommandTagOf(stmt);
  }
}

}  // namespace tusk::backend
