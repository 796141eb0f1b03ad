// The SQL engine API the backend calls: parse a query string into
// statements, describe them, and plan/execute SELECT, VALUES, SHOW, EXPLAIN
// and INSERT/UPDATE/DELETE through PreparedQuery and Cursor.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/parser/ast.h"
#include "sql/parser/statement.h"
#include "sql/session_context.h"

namespace tusk::sql {

// Throws PgError 42601 with a 1-based position into the whole query.
std::vector<std::unique_ptr<Statement>> ParseQuery(std::string_view query);

// Builds the engine's static tables (keywords, builtin functions, operators,
// aggregates, types). The postmaster calls it before forking, so every
// backend inherits them instead of building its own copy per connection.
void WarmUpBuiltins();

// CommandComplete tag: "SELECT" (the backend appends the row count), "SET",
// "SHOW", "BEGIN", "COMMIT", "ROLLBACK", "CREATE ROLE", ...
std::string CommandTagOf(const Statement& stmt);
bool ReturnsRows(const Statement& stmt);  // SELECT / VALUES / SHOW, DML with RETURNING
// Statements that run through Prepare and a Cursor (the row-returning ones
// and INSERT / UPDATE / DELETE); the rest are utility statements.
bool IsPlannable(const Statement& stmt);

struct ColumnDesc {
  std::string name;
  uint32_t table_oid = 0;
  int16_t attnum = 0;
  uint32_t type_oid;
  int16_t type_len;
  int32_t type_mod = -1;
};

class Cursor;
struct QueryPlan;

// Rows for PreparedQuery::InsertRows: the text of each parameter, one row
// per call, until Next returns false. Next replaces the whole of *params
// (it may reuse the strings of the previous row).
class RowFeed {
 public:
  virtual ~RowFeed() = default;
  virtual bool Next(std::vector<std::optional<std::string>>* params) = 0;
  // An error is about the row the n-th call of Next (from 0) returned, not
  // the latest one: rows are written in batches (StoredTable::InsertBuffered),
  // at most StoredTable::kMaxHeldRows back.
  virtual void PointAtRow(int64_t n) { (void)n; }
};

class PreparedQuery {
 public:
  ~PreparedQuery();
  const std::vector<uint32_t>& ParamTypes() const;
  const std::vector<ColumnDesc>& Columns() const;
  // Starts an execution. params are raw bytes per param_formats (0 text,
  // 1 binary; empty = all text; one entry applies to all); nullopt = NULL.
  std::unique_ptr<Cursor> Open(const std::vector<std::optional<std::string>>& params,
                               const std::vector<int16_t>& param_formats, SessionContext& ctx) const;
  // COPY FROM: runs `INSERT ... VALUES ($1, ..., $n)` once for every row the
  // feed gives, in one execution (programs bound once, no cursor per row).
  // Returns the rows inserted; errors propagate with the feed at the failing row.
  // `freeze`: COPY FREEZE, already checked to be allowed (StoredTable::freeze_inserts).
  int64_t InsertRows(RowFeed& feed, SessionContext& ctx, bool freeze = false) const;

 private:
  friend std::unique_ptr<PreparedQuery> Prepare(const Statement&, const std::vector<uint32_t>&, SessionContext&);
  PreparedQuery();
  std::unique_ptr<QueryPlan> plan_;
};

// Plans a row-producing statement once; 42P18 if a parameter's type cannot
// be determined. param_type_hints: 0 = unspecified.
std::unique_ptr<PreparedQuery> Prepare(const Statement& stmt, const std::vector<uint32_t>& param_type_hints,
                                       SessionContext& ctx);

// PREPARE name (type, ...): the declared parameter types; 42704 for an
// unknown type (prepare_params.cc).
std::vector<uint32_t> PrepareParamTypes(const Statement& prepare);
// EXECUTE name (expr, ...) against a statement with the given parameter
// types: each argument analyzed without FROM, assignment-coerced to its
// parameter's type (42804 if it cannot be) and evaluated, as PostgreSQL's
// EvaluateParams does; 42601 for the wrong number of them. Returns the
// values ready for PreparedQuery::Open with their formats (binary where the
// type has a binary form, so nothing is lost to a text round trip).
void EvaluateExecuteParams(const Statement& execute, const std::vector<uint32_t>& types, SessionContext& ctx,
                           std::vector<std::optional<std::string>>* values, std::vector<int16_t>* formats);

class Cursor {
 public:
  ~Cursor();
  // Appends the next row's values (text or binary per result_formats; one
  // entry applies to all; empty = text) to out. Returns false at the end.
  bool Next(const std::vector<int16_t>& result_formats, std::vector<std::optional<std::string>>* out);
  // Rows inserted, updated or deleted (INSERT/UPDATE/DELETE, once run).
  int64_t Processed() const;
  // CommandComplete tag once the cursor is exhausted: "SELECT n",
  // "INSERT 0 n", "UPDATE n", "DELETE n", or the statement's tag.
  std::string CompletionTag(const Statement& stmt, int64_t rows_sent) const;

 private:
  friend class PreparedQuery;
  struct Impl;
  explicit Cursor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tusk::sql
