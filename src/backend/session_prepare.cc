// SQL PREPARE / EXECUTE / DEALLOCATE, and re-planning of prepared
// statements (SQL and extended protocol alike) after catalog changes.
//
// A statement keeps its parsed form, its plan, its parameter types (fixed
// when prepared) and the StoredTablesEpoch() the plan was built under. The
// epoch moves whenever cached table descriptions are dropped (any catalog
// change, a new search_path) and is 0 while this transaction has written the
// catalog; then the next Bind, Describe or EXECUTE plans it again. As in
// PostgreSQL, the new plan may not return different columns: that is an
// error, and the statement is tried again at its next use.
#include "backend/session.h"

#include "access/transam/xact.h"
#include "backend/stored_table.h"
#include "backend/system_views.h"
#include "protocol/message.h"
#include "sql/types/type_oids.h"

namespace tusk::backend {
namespace {

// PostgreSQL's equalTupleDescs over a query's result: names, types, typmods.
bool SameResult(const std::vector<sql::ColumnDesc>& a, const std::vector<sql::ColumnDesc>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].type_oid != b[i].type_oid || a[i].type_mod != b[i].type_mod) return false;
  return true;
}

}  // namespace

std::shared_ptr<Session::PreparedStatement> Session::FindStatement(const std::string& name) {
  auto it = statements_.find(name);
  if (it == statements_.end())
    throw MakeError(sqlstate::kInvalidSqlStatementName, "prepared statement \"" + name + "\" does not exist");
  return it->second;
}

void Session::Revalidate(PreparedStatement& ps) {
  if (!ps.query) return;
  StoredTablesRefresh();
  const uint64_t epoch = StoredTablesEpoch();
  if (epoch != 0 && epoch == ps.tables_epoch) return;
  // Bind runs between statements: a new command sees this transaction's own
  // latest changes and, in READ COMMITTED, what others committed since.
  xact::StartCommand();
  std::shared_ptr<const sql::PreparedQuery> query = sql::Prepare(*ps.stmt, ps.param_types, *this);
  if (!SameResult(query->Columns(), ps.query->Columns()))
    throw MakeError(sqlstate::kFeatureNotSupported, "cached plan must not change result type");
  ps.query = std::move(query);
  ps.tables_epoch = epoch;
}

std::string Session::RunPrepare(const sql::Statement& stmt) {
  const sql::PrepareStmt& p = stmt.prepare();
  if (p.name.empty()) throw MakeError("42P14", "invalid statement name: must not be empty");
  auto ps = std::make_shared<PreparedStatement>();
  ps->stmt = p.statement;
  std::unique_ptr<sql::PreparedQuery> query = sql::Prepare(*ps->stmt, sql::PrepareParamTypes(stmt), *this);
  ps->param_types = query->ParamTypes();
  ps->query = std::move(query);
  ps->tables_epoch = StoredTablesEpoch();
  ps->text = stmt.query();  // PostgreSQL shows the whole query string
  ps->from_sql = true;
  ps->prepare_time_us = stmt_start_us_;
  // Checked after planning, as PostgreSQL stores the statement last.
  if (statements_.count(p.name))
    throw MakeError("42P05", "prepared statement \"" + p.name + "\" already exists");
  statements_[p.name] = std::move(ps);
  return "PREPARE";
}

std::string Session::RunDeallocate(const sql::DeallocateStmt& d) {
  if (d.all) {
    // The unnamed statement is the extended protocol's own, not a prepared statement.
    for (auto it = statements_.begin(); it != statements_.end();) it = it->first.empty() ? ++it : statements_.erase(it);
    return "DEALLOCATE ALL";
  }
  if (statements_.erase(d.name) == 0)
    throw MakeError(sqlstate::kInvalidSqlStatementName, "prepared statement \"" + d.name + "\" does not exist");
  return "DEALLOCATE";
}

std::shared_ptr<Session::PreparedStatement> Session::OpenExecute(const sql::Statement& stmt,
                                                                 std::shared_ptr<const sql::PreparedQuery>* query,
                                                                 std::unique_ptr<sql::Cursor>* cursor) {
  std::shared_ptr<PreparedStatement> ps = FindStatement(stmt.execute().name);
  std::vector<std::optional<std::string>> values;
  std::vector<int16_t> formats;
  sql::EvaluateExecuteParams(stmt, ps->param_types, *this, &values, &formats);
  if (ps->query) {
    Revalidate(*ps);
    ++ps->executions;
    *query = ps->query;
    *cursor = ps->query->Open(values, formats, *this);
  }
  return ps;
}

void Session::RunExecute(const sql::Statement& stmt) {
  std::shared_ptr<const sql::PreparedQuery> query;
  std::unique_ptr<sql::Cursor> cursor;
  std::shared_ptr<PreparedStatement> ps = OpenExecute(stmt, &query, &cursor);
  if (!ps->stmt) {
    protocol::MessageWriter(&conn_.out(), 'I');
    return;
  }
  if (!cursor) {
    // A utility statement prepared through the extended protocol.
    std::string tag = RunUtility(*ps->stmt);
    SendParameterChanges();
    protocol::MessageWriter(&conn_.out(), 'C').CString(tag);
    return;
  }
  RunPrepared(*ps->stmt, *query, std::move(cursor));
}

const std::vector<sql::ColumnDesc>* Session::ResultColumns(const sql::Statement* stmt,
                                                           const sql::PreparedQuery* query) {
  if (stmt && stmt->kind() == sql::StmtKind::kExecute) {
    auto it = statements_.find(stmt->execute().name);
    if (it == statements_.end()) return nullptr;
    stmt = it->second->stmt.get();
    query = it->second->query.get();
  }
  if (!stmt || !query || !sql::ReturnsRows(*stmt)) return nullptr;
  return &query->Columns();
}

std::vector<std::vector<std::optional<std::string>>> Session::PreparedStatementRows() const {
  std::vector<std::vector<std::optional<std::string>>> rows;
  for (const auto& [name, ps] : statements_) {
    if (name.empty()) continue;  // the unnamed statement is not a prepared statement
    std::string types = "{";
    for (size_t i = 0; i < ps->param_types.size(); ++i)
      types += (i ? ",\"" : "\"") + sql::TypeSqlName(ps->param_types[i]) + "\"";
    types += "}";
    rows.push_back({name, ps->text, FormatTimestamptzUtc(ps->prepare_time_us), types,
                    std::string(ps->from_sql ? "t" : "f"), std::to_string(ps->executions), std::string("0")});
  }
  return rows;
}

}  // namespace tusk::backend
