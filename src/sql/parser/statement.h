// The parsed statement root handed to the backend: its kind, its slice of
// the query text, and typed access to the AST structs in ast.h.
// Statements share ownership of the whole query text for error positions.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "sql/parser/ast.h"

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
};

struct Statement {
  using Body = std::variant<std::shared_ptr<SelectStmt>, SetStmt, ResetStmt, ShowStmt, TransactionStmt,
                            CreateRoleStmt, AlterRoleStmt, DropRoleStmt, DiscardStmt>;

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
