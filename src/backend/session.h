// One client session after authentication: the command loop over the simple
// and extended query protocols, the transaction-block state, the session's
// view of settings, and the SessionContext the SQL engine calls back into.
//
// Transaction-block states (TxState) and their transitions, all in SetTxState():
//   kIdle       -> kInBlock    BEGIN / START TRANSACTION
//   kInBlock    -> kIdle       COMMIT, ROLLBACK
//   kInBlock    -> kFailed     an ERROR inside the block
//   kFailed     -> kIdle       COMMIT (reported as ROLLBACK), ROLLBACK
//   kFailed     -> kInBlock    ROLLBACK TO SAVEPOINT
// Outside a block every statement (simple protocol) or every message run up
// to Sync (extended protocol) is its own implicit transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <string>
#include <utility>
#include <vector>

#include "access/transam/snapshot.h"
#include "backend/online_backup.h"
#include "catalog/role_store.h"
#include "protocol/connection.h"
#include "sql/engine.h"
#include "sql/parser/query_shape.h"
#include "sql/session_context.h"
#include "storage/lmgr/lock.h"
#include "utils/guc.h"

namespace tusk::backend {

struct SessionInfo {
  std::string user;
  std::string database;
  uint32_t database_oid = 0;
  catalog::RoleRecord role;
  int32_t cancel_key = 0;
  std::vector<std::pair<std::string, std::string>> startup_settings;
  // pg_db_role_setting's entries for this database and role, with the
  // source each applies as (database user, user, database, global).
  std::vector<std::pair<guc::Source, std::vector<std::string>>> stored_settings;
};

class SystemViews;

// SET's values as one string (PostgreSQL's flatten_set_variable_args): only
// list parameters take several (22023 otherwise); words and strings of
// identifier lists (search_path) are quoted as identifiers where needed.
std::string FlattenSetValues(const std::string& name, const std::vector<sql::SetValue>& values);

// DISCARD SEQUENCES (and ALL): forgets every sequence's cached values,
// currval and lastval state of this session (session_sequence.cc).
void DiscardSequences();
struct CopyFormat;  // session_copy.cc

class Session : public sql::SessionContext {
 public:
  Session(protocol::Connection& conn, SessionInfo info);
  ~Session() override;

  // Runs until the client leaves (0) or a FATAL ends the session (1).
  int Run();

  // sql::SessionContext
  int BackendPid() override;
  std::string CurrentUser() override { return info_.user; }
  std::string SessionUser() override { return session_role_.name; }
  std::string CurrentDatabase() override { return info_.database; }
  void CheckRelationPrivilege(char relkind, const std::string& name, uint32_t owner,
                              const std::optional<std::string>& acl, uint32_t privs,
                              uint32_t as_role) override;  // session_privileges.cc
  bool RoleHasPrivilege(char kind, uint32_t object, const std::string& role, const std::string& privilege) override;
  bool IsSuperuser() override { return info_.role.superuser; }
  std::optional<std::string> GetConfig(const std::string& name, bool missing_ok) override;
  std::string SetConfig(const std::string& name, const std::string& value, bool is_local) override;
  bool CancelBackend(int pid) override;
  bool TerminateBackend(int pid) override;
  bool ReloadConf() override;
  int64_t TransactionStartMicros() override { return xact_start_us_; }
  int64_t StatementStartMicros() override { return stmt_start_us_; }
  void SleepInterruptibly(double seconds) override;
  void CheckForInterrupts() override;
  // Parallel query (parallel_leader.cc).
  bool ParallelPossible(bool execute) override;
  void ForceNextStatsFlush() override;
  int ParallelWorkersFor(uint32_t nblocks) override;
  std::unique_ptr<sql::ParallelWorkers> LaunchParallelWorkers(uint32_t relid, uint32_t nblocks, int workers,
                                                              const std::function<std::string()>& request) override;
  void EmitNotice(const ErrorData& notice) override;
  sql::VirtualTable* LookupRelation(const std::string& schema, const std::string& name) override;
  std::shared_ptr<sql::StoredTable> LookupTable(const std::string& schema, const std::string& name) override;
  std::shared_ptr<const sql::ViewDef> LookupView(const std::string& schema, const std::string& name) override;
  // Administration functions (session_admin.cc).
  uint32_t ResolveRelationOid(const std::string& schema, const std::string& name) override;
  std::optional<sql::RelationFacts> RelationByOid(uint32_t relid) override;
  std::optional<FunctionFacts> FunctionByOid(uint32_t proc) override;
  uint32_t NamespaceOid(const std::string& name) override;
  std::optional<std::string> NamespaceName(uint32_t nsp) override;
  uint32_t MyTempNamespace() override;  // session_temp.cc
  uint32_t RoleOid(const std::string& name) override;
  std::optional<std::string> RoleName(uint32_t role) override;
  uint32_t DatabaseOid(const std::string& name) override;
  // Describe functions (session_describe.cc).
  std::vector<sql::ColumnFacts> RelationColumns(uint32_t relid) override;
  std::optional<sql::IndexFacts> IndexByOid(uint32_t index) override;
  std::optional<sql::ConstraintFacts> ConstraintByOid(uint32_t constraint) override;
  std::optional<std::string> ViewQuery(uint32_t relid) override;
  int64_t RelationForkSize(uint32_t relid, int fork) override;
  std::optional<std::string> RelationFilePath(uint32_t relid) override;
  std::optional<int64_t> DatabaseSize(uint32_t db) override;
  uint64_t WalPosition(int which) override;
  int64_t PostmasterStartMicros() override;
  int64_t ConfLoadMicros() override;
  bool RotateLogfile() override;
  std::optional<std::string> CurrentLogfile(const std::string& format) override;
  std::optional<std::string> ServerAddr() override;
  std::optional<int> ServerPort() override;
  std::optional<std::string> ClientAddr() override;
  std::optional<int> ClientPort() override;
  uint64_t CurrentXid() override;
  // Sequences (session_sequence.cc).
  int64_t SequenceNextval(uint32_t relid) override;
  int64_t SequenceCurrval(uint32_t relid) override;
  int64_t SequenceSetval(uint32_t relid, int64_t value, bool is_called) override;
  int64_t SequenceLastval() override;
  void Notify(const std::string& channel, const std::string& payload) override;
  bool AdvisoryLock(const AdvisoryKey& key, bool shared, bool xact, bool wait) override;
  bool AdvisoryUnlock(const AdvisoryKey& key, bool shared) override;
  void AdvisoryUnlockAll() override;
  std::optional<std::string> SerialSequence(const std::string& table, const std::string& column) override;
  uint64_t SwitchWal() override;
  void SuspendServer(int timeout_s) override;
  void ResumeServer() override;
  bool Promote(bool wait, int wait_seconds) override;
  uint64_t BackupStart(const std::string& label, bool fast) override;
  BackupStopInfo BackupStop(bool wait_for_archive) override;
  // pg_prepared_statements: the named statements, in text form (session_prepare.cc).
  std::vector<std::vector<std::optional<std::string>>> PreparedStatementRows() const;

  // A SQL cursor (DECLARE ... CURSOR; session_cursor.cc, whose helpers walk
  // it, hence public). Positions count as in PostgreSQL: 0 is before the
  // first row, k is on row k, and once the query has run out, pulled + 1 is
  // after the last row. A SCROLL cursor
  // keeps every row it has read, so that it can go back; a NO SCROLL one
  // keeps none. WITH HOLD cursors read their remaining rows into `rows` at
  // the commit of the transaction that declared them and live on without
  // an executor (`held`).
  struct SqlCursor {
    std::shared_ptr<sql::Statement> stmt;             // the cursor's query
    std::shared_ptr<const sql::PreparedQuery> query;  // the plan `cursor` runs
    std::unique_ptr<sql::Cursor> cursor;              // null once the query has run out, or when held
    bool scroll = false;
    bool hold = false;
    bool binary = false;
    bool held = false;
    bool new_in_xact = true;  // declared in the current transaction: an abort drops it, held or not
    // An error while it ran, or a statement's error while its query was
    // open: it cannot be used again, only closed (PostgreSQL's failed portal).
    bool failed = false;
    size_t level = 0;  // savepoints_.size() when declared: ROLLBACK TO drops the cursor with its savepoint
    std::vector<std::vector<std::optional<std::string>>> rows;  // rows first_buffered, first_buffered + 1, ...
    int64_t first_buffered = 1;
    std::vector<int16_t> buffered_formats;  // one per column: what the buffered rows were produced as
    int64_t pulled = 0;                     // rows read from the query so far
    bool exhausted = false;                 // the query has no more rows
    int64_t pos = 0;
    transam::Snapshot snapshot;  // taken at DECLARE: every row is read as of then
  };

 private:
  enum class TxState { kIdle, kInBlock, kFailed };

  // A named (or the unnamed) statement of the extended protocol or of SQL
  // PREPARE: one namespace, as in PostgreSQL (session_prepare.cc).
  struct PreparedStatement {
    std::shared_ptr<sql::Statement> stmt;  // null for an empty query
    // Plannable statements only. Replaced when re-planned; portals hold
    // the plan their cursor runs.
    std::shared_ptr<const sql::PreparedQuery> query;
    std::vector<uint32_t> param_types;  // fixed at prepare time
    // StoredTablesEpoch() the plan was built under; 0 forces a re-plan.
    uint64_t tables_epoch = 0;
    std::string text;  // pg_prepared_statements.statement
    bool from_sql = false;
    int64_t prepare_time_us = 0;
    // Executions; every plan here is generic (one plan for all parameter
    // values), so PostgreSQL's generic_plans counts them all.
    int64_t executions = 0;
  };
  struct Portal {
    std::shared_ptr<PreparedStatement> source;
    std::shared_ptr<const sql::PreparedQuery> query;  // the plan the cursor runs
    std::shared_ptr<PreparedStatement> executed;      // SQL EXECUTE: the statement it runs
    std::unique_ptr<sql::Cursor> cursor;
    std::vector<std::optional<std::string>> params;
    std::vector<int16_t> param_formats;  // one per parameter
    std::vector<int16_t> result_formats;
    int64_t rows_sent = 0;
    bool done = false;  // utility statements run once
    // Taken when an Execute stops at its row limit: the next Execute goes on
    // reading as of the first one.
    std::optional<transam::Snapshot> snapshot;
  };

  void StartupMessages();
  void ApplyStartupSettings();
  bool ReadCommand(char* type, std::string* body);
  void OnIdleWake(int wait_result);
  void ReportIdleState();
  void Dispatch(char type, const std::string& body);

  void SimpleQuery(const std::string& query);
  void Parse(const std::string& body);
  void Bind(const std::string& body);
  void Describe(const std::string& body);
  void Execute(const std::string& body);
  void Close(const std::string& body);
  void Sync();

  // Runs one statement to completion (simple protocol), sending its rows;
  // then caches the plan of its shape, if given (session_plan_cache.cc).
  void RunStatement(const sql::Statement& stmt, const sql::QueryShape* shape = nullptr);
  // Sends the RowDescription, the rows of an opened cursor and the tag.
  void RunPrepared(const sql::Statement& stmt, const sql::PreparedQuery& prepared,
                   std::unique_ptr<sql::Cursor> cursor);
  // Simple-protocol plans by shape (session_plan_cache.cc). RunCachedPlan
  // runs the statement from a valid cached plan, or returns false having
  // sent nothing, and the caller takes the ordinary path. Once it has bound
  // them, it takes the shape's values.
  bool RunCachedPlan(sql::QueryShape& shape);
  void CachePlan(const sql::QueryShape& shape, const sql::Statement& literal_stmt,
                 const std::vector<sql::ColumnDesc>& literal_columns);
  // Sends DataRows from a cursor; returns rows sent; *done at end of rows.
  int64_t SendRows(sql::Cursor& cursor, const std::vector<int16_t>& formats, int64_t max_rows, bool* done);
  // SQL PREPARE / EXECUTE / DEALLOCATE and re-planning (session_prepare.cc).
  std::string RunPrepare(const sql::Statement& stmt);
  std::string RunDeallocate(const sql::DeallocateStmt& d);
  // Simple protocol: sends the executed statement's rows and tag.
  void RunExecute(const sql::Statement& stmt);
  // Finds the statement, evaluates the arguments and, for a plannable
  // statement, re-plans it if needed and opens *cursor on *query.
  std::shared_ptr<PreparedStatement> OpenExecute(const sql::Statement& stmt,
                                                 std::shared_ptr<const sql::PreparedQuery>* query,
                                                 std::unique_ptr<sql::Cursor>* cursor);
  std::shared_ptr<PreparedStatement> FindStatement(const std::string& name);
  // Re-plans a statement whose tables may have changed since it was planned;
  // 0A000 if its result columns would change (the old plan is kept).
  void Revalidate(PreparedStatement& ps);
  // What Describe reports: a row-returning statement's columns, or for SQL
  // EXECUTE those of the statement it names; null for none.
  const std::vector<sql::ColumnDesc>* ResultColumns(const sql::Statement* stmt, const sql::PreparedQuery* query);
  // SQL cursors (session_cursor.cc). RunFetch sends the rows of a FETCH
  // (with a RowDescription first in the simple protocol, where a BINARY
  // cursor's rows are binary) and returns the tag.
  // The extended protocol binds parameters of the cursor's query (psycopg 3
  // sends DECLARE ... FOR SELECT ... $1 with its values); types as Parse gave them.
  struct CursorParams {
    const std::vector<uint32_t>* types;
    const std::vector<std::optional<std::string>>* values;
    const std::vector<int16_t>* formats;
  };
  std::string RunDeclareCursor(const sql::Statement& stmt, const CursorParams* params = nullptr);
  std::string RunFetch(const sql::FetchStmt& f, const std::vector<int16_t>& formats, bool simple_protocol);
  std::string RunClosePortal(const sql::ClosePortalStmt& c);
  // Describe of a FETCH: the columns of the cursor it names, null for MOVE
  // or an unknown cursor (PostgreSQL's UtilityTupleDescriptor).
  const std::vector<sql::ColumnDesc>* FetchColumns(const sql::Statement* stmt);
  // Transaction ends: WITH HOLD cursors of the transaction are read to the
  // end and kept, the others closed (before the commit itself, so an error
  // there aborts it); an abort closes all but those already held.
  void CursorsAtCommit();
  void CursorsAtAbort();
  // An error: every cursor with a running query stops it and fails before
  // the buffer pins its scans hold are released wholesale (buffer::AtAbort).
  void CursorsAtError();
  // ROLLBACK TO / RELEASE of the savepoint at savepoints_[index].
  void CursorsAtRollbackTo(size_t index);

  // LISTEN/UNLISTEN/NOTIFY (session_notify.cc). Both take effect at commit,
  // as in PostgreSQL; notifications reach this session only outside a
  // transaction block, before ReadyForQuery or when idle.
  std::string RunNotifyStmt(const sql::NotifyStmt& n);
  void NotifyPreCommit();  // 54000 if the queue cannot take this transaction's notifications
  void NotifyAtCommit();
  void NotifyAtAbort();
  void NotifyAtRollbackTo(size_t index);
  void UnlistenAll();  // stops listening to everything (session end, DISCARD ALL)
  void DeliverNotifications();
  // ReadyForQuery, after any notifications due.
  void ReadyForQuery();
  void CursorsAtRelease(size_t index);
  // Utility statements the backend executes itself; returns the command tag.
  std::string RunUtility(const sql::Statement& stmt);
  std::string RunTransactionStmt(const sql::TransactionStmt& t);
  std::string RunSet(const sql::Statement& stmt);
  std::string RunAlterSystem(const sql::AlterSystemStmt& a);
  std::string RunRoleStmt(const sql::Statement& stmt);
  // The session's role as pg_authid has it now under x's snapshot (its
  // attributes may have changed since login); the login-time copy if the
  // row is gone.
  catalog::RoleRecord CurrentRole(const heap::XactContext& x) const;
  // The role a RoleSpec names (42704 if none; PUBLIC is none), and
  // PostgreSQL's check_rolespec_name for ALTER ROLE (42939 for "pg_*").
  catalog::RoleRecord RoleFromSpec(const sql::RoleSpec& spec, const heap::XactContext& x) const;
  void CheckAlterableRoleName(const sql::RoleSpec& spec) const;
  // Privileges (session_privileges.cc).
  std::string RunGrant(const sql::GrantStmt& g);
  // Validates SET ROLE / SET SESSION AUTHORIZATION's value as PostgreSQL's
  // check hooks do; SyncIdentity then makes the settings the session's identity.
  void CheckIdentitySetting(const std::string& name, const std::string& value);
  void SyncIdentity();
  std::string RunSchema(const sql::SchemaStmt& s);       // session_schema.cc
  std::string RunDropSchema(const sql::DropStmt& d);
  std::string AclRoleName(uint32_t role);  // as acl text names it
  // "pg_database_owner" when this session's user owns the current database.
  std::string DatabaseOwnerAlias();
  // 42501 "must be owner of table|view|sequence|index NAME".
  void CheckRelationOwner(const catalog::ClassRow& cls);
  bool OwnsRelation(const catalog::ClassRow& cls);
  // ALTER TABLE/SEQUENCE ... OWNER TO: the relation, its indexes, toast
  // table and owned sequences get the new owner; their acls follow.
  void ChangeRelationOwner(const catalog::ClassRow& cls, const sql::RoleSpec& owner);
  // The privileges (catalog::AclPriv bits) the role (0: this session's
  // user) holds on a relation; every bit for a superuser.
  uint32_t RelationPrivilegesHeld(char relkind, uint32_t owner, const std::optional<std::string>& acl, uint32_t as_role);
  PgError RelationPermissionDenied(char relkind, const std::string& name);
  // 42501 "permission denied for schema NAME" without CREATE on it.
  void CheckCreateInNamespace(uint32_t nsp, int location = -1);
  // What keeps DROP ROLE from dropping the role, as PostgreSQL's DETAIL
  // lines name it: databases anywhere, relations and schemas here.
  std::vector<std::string> RoleDependencies(const catalog::RoleRecord& role, const heap::XactContext& x);
  bool HasDatabasePrivilege(const catalog::DatabaseRow& db, const catalog::RoleRecord& role, uint32_t privs);
  // ALTER ROLE/DATABASE ... SET/RESET (session_settings.cc): the
  // permission checks of ALTER ROLE, then PostgreSQL's AlterSetting on the
  // pg_db_role_setting row of (db, role), 0 meaning all.
  std::string RunAlterRoleSet(const sql::AlterRoleStmt& a, const heap::XactContext& x);
  void AlterSetting(uint32_t db, uint32_t role, const sql::SettingClause& clause, bool superuser);
  // Table DDL (session_ddl.cc).
  std::string RunCreateTable(const sql::CreateTableStmt& c);
  std::string RunCreateIndex(const sql::IndexStmt& s);
  std::string RunDrop(const sql::DropStmt& d);
  std::string RunTruncate(const sql::TruncateStmt& t);
  std::string RunAlterTable(const sql::AlterTableStmt& a);
  std::string RunVacuum(const sql::VacuumStmt& v);
  std::string RunCreateView(const sql::Statement& stmt);
  std::string RunCreateSequence(const sql::CreateSeqStmt& s);
  std::string RunAlterSequence(const sql::AlterSeqStmt& s);
  std::string RunCreateTableAs(const sql::Statement& stmt);  // session_create_as.cc
  std::string RunLock(const sql::LockStmt& l);
  // COPY FROM STDIN / TO STDOUT (session_copy.cc).
  std::string RunCopy(const sql::CopyStmt& c);
  std::string copy_stmt_text_;  // the whole query string holding the COPY, for COPY (query) TO
  std::string CopyFrom(const sql::CopyStmt& c, const CopyFormat& f);
  std::string CopyTo(const sql::CopyStmt& c, const CopyFormat& f);
  // CREATE DATABASE / DROP DATABASE (session_database.cc). DROP commits the
  // transaction itself before removing the files, then opens a new one.
  std::string RunCreateDatabase(const sql::CreateDatabaseStmt& stmt);
  std::string RunDropDatabase(const sql::DropDatabaseStmt& stmt);
  // ALTER DATABASE (session_database.cc). Changes of datconnlimit and
  // datallowconn apply to the sessions that start after the commit.
  std::string RunAlterDatabase(const sql::AlterDatabaseStmt& stmt);
  void AlterDatabaseOptions(const sql::AlterDatabaseStmt& stmt);
  void RenameDatabase(const std::string& name, const std::string& new_name);
  void AlterDatabaseOwner(const std::string& name, const sql::RoleSpec& owner);
  void MoveDatabase(const std::string& name, const std::string& tablespace);
  // Looks the database up and holds AccessShareLock on it to the end of the
  // transaction, then checks it is still there (PostgreSQL's
  // shdepLockAndCheckObject): a DROP DATABASE waits for the holder. 3D000.
  catalog::DatabaseRow HoldDatabase(const std::string& name);
  // Waits up to 5 s for other sessions to leave the database; their count.
  int WaitForOtherSessions(uint32_t db_oid);

  void AppendRowDescription(const std::vector<sql::ColumnDesc>& columns, const std::vector<int16_t>& formats);
  void SendParameterChanges();

  void BeginStatement(const sql::Statement* stmt, const std::string& text);
  void EndStatement();
  void StartTransactionIfNeeded();
  void FinishImplicitTransaction();
  void CommitTransaction();
  void AbortTransaction();
  void SetTxState(TxState next);
  char TxStatusByte() const;
  // ERROR: report to the client, abort the transaction; FATAL rethrows.
  void HandleError(const PgError& e);
  bool IsTransactionExit(const sql::Statement& stmt) const;
  // In an explicit block, or in the implicit block of a multi-statement Query.
  bool InTransactionBlock() const { return tx_ != TxState::kIdle || implicit_block_; }
  // 25001 "WHAT cannot run inside a transaction block" (PreventInTransactionBlock).
  void PreventInTransactionBlock(const char* what) const;
  void ClearUnnamedPortal();

  protocol::Connection& conn_;
  SessionInfo info_;  // info_.user and info_.role: the current user (SET ROLE moves them)
  // SET ROLE and SET SESSION AUTHORIZATION (session_privileges.cc): the
  // authenticated role, session_user, the roles the two settings named
  // (checked when set, so a rollback can restore them without the catalog),
  // and the settings the current identity was derived from.
  catalog::RoleRecord login_role_, session_role_;
  std::map<std::string, catalog::RoleRecord> identity_roles_;
  std::string synced_role_ = "none", synced_session_auth_;
  std::unique_ptr<SystemViews> views_;
  OnlineBackup backup_;  // pg_backup_start .. pg_backup_stop
  TxState tx_ = TxState::kIdle;
  bool implicit_xact_open_ = false;
  // The statements of one simple Query are one implicit transaction block,
  // as in PostgreSQL: they commit together at the end (or at a transaction
  // statement among them) and an error rolls back all of them.
  bool implicit_block_ = false;
  std::vector<std::string> savepoints_;
  std::vector<std::function<void()>> at_commit_;  // work deferred to just before commit
  struct PendingListen {
    sql::NotifyStmt::Action action;  // kListen or kUnlisten
    std::string channel;             // "" with kUnlisten: UNLISTEN *
    size_t level;                    // savepoints_.size() when issued
  };
  struct PendingNotify {
    std::string channel, payload;
    size_t level;
  };
  std::vector<PendingListen> pending_listens_;
  std::vector<PendingNotify> pending_notifies_;
  std::set<std::string> listen_channels_;  // committed LISTENs
  // Session-level advisory locks, one entry per acquisition (session_advisory.cc).
  std::vector<std::pair<lmgr::LockTag, lmgr::LockMode>> advisory_locks_;
  bool ignore_till_sync_ = false;
  bool has_statement_ = false;
  std::string current_tag_;
  int64_t xact_start_us_ = 0;
  int64_t stmt_start_us_ = 0;
  // Set only while a statement runs that reads to its end in one go (a
  // SELECT of the simple protocol, or an Execute without a row limit): only
  // then may its scans use parallel workers, as in PostgreSQL.
  bool parallel_ok_ = false;
  struct ParallelScope {
    ParallelScope(bool& flag, bool on) : flag_(flag) { flag_ = on; }
    ~ParallelScope() { flag_ = false; }
    bool& flag_;
  };
  std::map<std::string, std::shared_ptr<PreparedStatement>> statements_;
  std::map<std::string, std::unique_ptr<Portal>> portals_;
  std::map<std::string, std::unique_ptr<SqlCursor>> cursors_;
  struct CachedPlan {
    std::unique_ptr<sql::Statement> stmt;       // the shape's statement, with $n
    std::unique_ptr<sql::PreparedQuery> query;  // null: this shape is not cached
  };
  std::unordered_map<std::string, CachedPlan> plan_cache_;
  // The StoredTablesEpoch() and guc::AssignCount() the cached plans were
  // built under; PlanCacheCurrent drops them all when either moves.
  uint64_t plan_tables_epoch_ = 0;
  uint64_t plan_settings_epoch_ = 0;
  bool PlanCacheCurrent();
  int virtual_lookups_ = 0;  // LookupRelation hits: views over process memory are never cached
};

}  // namespace tusk::backend
