// The parsed statement root handed to the backend: its kind, its slice of
// the query text, and typed access to the AST structs in ast.h.
// Statements share ownership of the whole query text for error positions.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "sql/parser/ast.h"
#include "sql/parser/ast_ddl.h"

namespace tusk::sql {

enum class StmtKind : uint8_t {
  kSelect,
  kValues,
  kSet,
  kReset,
  kShow,
  kTransaction,
  kCreateRole,
  kAlterRole,
  kDropRole,
  kDiscard,
  kCreateTable,
  kCreateTableAs,
  kDrop,
  kTruncate,
  kCreateIndex,
  kAlterTable,
  kInsert,
  kUpdate,
  kDelete,
  kCopy,
  kVacuum,
  kCheckpoint,
  kExplain,
  kCreateDatabase,
  kAlterDatabase,
  kDropDatabase,
  kCreateView,
  kPrepare,
  kExecute,
  kDeallocate,
  kLock,
  kSetConstraints,
  kAlterSystem,
  kDeclareCursor,
  kFetch,  // FETCH and MOVE
  kClosePortal,
  kCreateSequence,
  kAlterSequence,
  kNotify,  // LISTEN, UNLISTEN and NOTIFY
  kGrant,   // GRANT and REVOKE of privileges
  kSchema,  // CREATE SCHEMA and ALTER SCHEMA
};

struct Statement {
  using Body = std::variant<std::shared_ptr<SelectStmt>, SetStmt, ResetStmt, ShowStmt, TransactionStmt,
                            CreateRoleStmt, AlterRoleStmt, DropRoleStmt, DiscardStmt,
                            std::shared_ptr<CreateTableStmt>,
                            std::shared_ptr<CreateTableAsStmt>,
                            std::shared_ptr<DropStmt>,
                            std::shared_ptr<TruncateStmt>,
                            std::shared_ptr<IndexStmt>,
                            std::shared_ptr<AlterTableStmt>,
                            std::shared_ptr<InsertStmt>,
                            std::shared_ptr<UpdateStmt>,
                            std::shared_ptr<DeleteStmt>,
                            std::shared_ptr<CopyStmt>,
                            std::shared_ptr<VacuumStmt>,
                            std::shared_ptr<CheckpointStmt>,
                            std::shared_ptr<ExplainStmt>,
                            std::shared_ptr<CreateDatabaseStmt>,
                            std::shared_ptr<AlterDatabaseStmt>,
                            std::shared_ptr<DropDatabaseStmt>,
                            std::shared_ptr<ViewStmt>,
                            std::shared_ptr<PrepareStmt>,
                            std::shared_ptr<ExecuteStmt>,
                            std::shared_ptr<DeallocateStmt>,
                            std::shared_ptr<LockStmt>,
                            std::shared_ptr<ConstraintsSetStmt>, AlterSystemStmt,
                            std::shared_ptr<DeclareCursorStmt>,
                            std::shared_ptr<FetchStmt>,
                            std::shared_ptr<ClosePortalStmt>,
                            std::shared_ptr<CreateSeqStmt>,
                            std::shared_ptr<AlterSeqStmt>, NotifyStmt,
                            std::shared_ptr<GrantStmt>, std::shared_ptr<SchemaStmt>>;

  StmtKind kind() const { return kind_; }
  // This statement's text without the terminating ';' (for pg_stat_activity).
  const std::string& source_text() const { return source_; }
  // Byte offset of the statement within the whole query string.
  int start_offset() const { return start_; }
  // The whole query string the statement came from; error positions are
  // relative to it.
  const std::string& query() const { return *query_; }

  const SelectStmt& select() const { return *std::get<std::shared_ptr<SelectStmt>>(body_); }
  const SetStmt& set() const { return std::get<SetStmt>(body_); }
  const ResetStmt& reset() const { return std::get<ResetStmt>(body_); }
  const ShowStmt& show() const { return std::get<ShowStmt>(body_); }
  const TransactionStmt& transaction() const { return std::get<TransactionStmt>(body_); }
  const CreateRoleStmt& create_role() const { return std::get<CreateRoleStmt>(body_); }
  const AlterRoleStmt& alter_role() const { return std::get<AlterRoleStmt>(body_); }
  const DropRoleStmt& drop_role() const { return std::get<DropRoleStmt>(body_); }
  const DiscardStmt& discard() const { return std::get<DiscardStmt>(body_); }
  const NotifyStmt& notify() const { return std::get<NotifyStmt>(body_); }
  const GrantStmt& grant() const { return *std::get<std::shared_ptr<GrantStmt>>(body_); }
  const SchemaStmt& schema() const { return *std::get<std::shared_ptr<SchemaStmt>>(body_); }
  const CreateTableStmt& create_table() const { return *std::get<std::shared_ptr<CreateTableStmt>>(body_); }
  const CreateTableAsStmt& create_table_as() const { return *std::get<std::shared_ptr<CreateTableAsStmt>>(body_); }
  const DropStmt& drop() const { return *std::get<std::shared_ptr<DropStmt>>(body_); }
  const TruncateStmt& truncate() const { return *std::get<std::shared_ptr<TruncateStmt>>(body_); }
  const IndexStmt& create_index() const { return *std::get<std::shared_ptr<IndexStmt>>(body_); }
  const AlterTableStmt& alter_table() const { return *std::get<std::shared_ptr<AlterTableStmt>>(body_); }
  const InsertStmt& insert() const { return *std::get<std::shared_ptr<InsertStmt>>(body_); }
  const UpdateStmt& update() const { return *std::get<std::shared_ptr<UpdateStmt>>(body_); }
  const DeleteStmt& delete_() const { return *std::get<std::shared_ptr<DeleteStmt>>(body_); }
  const CopyStmt& copy() const { return *std::get<std::shared_ptr<CopyStmt>>(body_); }
  const VacuumStmt& vacuum() const { return *std::get<std::shared_ptr<VacuumStmt>>(body_); }
  const CheckpointStmt& checkpoint() const { return *std::get<std::shared_ptr<CheckpointStmt>>(body_); }
  const ExplainStmt& explain() const { return *std::get<std::shared_ptr<ExplainStmt>>(body_); }
  const CreateDatabaseStmt& create_database() const { return *std::get<std::shared_ptr<CreateDatabaseStmt>>(body_); }
  const AlterDatabaseStmt& alter_database() const { return *std::get<std::shared_ptr<AlterDatabaseStmt>>(body_); }
  const DropDatabaseStmt& drop_database() const { return *std::get<std::shared_ptr<DropDatabaseStmt>>(body_); }
  const ViewStmt& create_view() const { return *std::get<std::shared_ptr<ViewStmt>>(body_); }
  const PrepareStmt& prepare() const { return *std::get<std::shared_ptr<PrepareStmt>>(body_); }
  const ExecuteStmt& execute() const { return *std::get<std::shared_ptr<ExecuteStmt>>(body_); }
  const DeallocateStmt& deallocate() const { return *std::get<std::shared_ptr<DeallocateStmt>>(body_); }
  const LockStmt& lock() const { return *std::get<std::shared_ptr<LockStmt>>(body_); }
  const AlterSystemStmt& alter_system() const { return std::get<AlterSystemStmt>(body_); }
  const ConstraintsSetStmt& set_constraints() const { return *std::get<std::shared_ptr<ConstraintsSetStmt>>(body_); }

  const DeclareCursorStmt& declare_cursor() const { return *std::get<std::shared_ptr<DeclareCursorStmt>>(body_); }
  const FetchStmt& fetch() const { return *std::get<std::shared_ptr<FetchStmt>>(body_); }
  const ClosePortalStmt& close_portal() const { return *std::get<std::shared_ptr<ClosePortalStmt>>(body_); }
  const CreateSeqStmt& create_sequence() const { return *std::get<std::shared_ptr<CreateSeqStmt>>(body_); }
  const AlterSeqStmt& alter_sequence() const { return *std::get<std::shared_ptr<AlterSeqStmt>>(body_); }

  Statement(StmtKind k, Body body, std::shared_ptr<const std::string> query, int start, std::string source)
      : kind_(k), body_(std::move(body)), query_(std::move(query)), start_(start), source_(std::move(source)) {}

 private:
  StmtKind kind_;
  Body body_;
  std::shared_ptr<const std::string> query_;
  int start_;
  std::string source_;
};

}  // namespace tusk::sql
