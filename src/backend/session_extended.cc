// The extended query protocol: Parse, Bind, Describe, Execute, Close, Sync,
// with named and unnamed statements and portals, row limits and
// PortalSuspended. After an error, messages are skipped until Sync.
#include <arpa/inet.h>

#include "access/transam/xact.h"
#include "backend/interrupts.h"
#include "backend/stored_table.h"
#include "backend/session.h"
#include "protocol/message.h"
#include "sql/types/type_oids.h"

namespace tusk::backend {

void Session::Parse(const std::string& body) {
  protocol::MessageReader r(body);
  std::string name(r.CString());
  std::string query(r.CString());
  int16_t nparams = r.Int16();
  if (nparams < 0) throw PgError(sqlstate::kProtocolViolation, "invalid message format", ErrLevel::kFatal);
  std::vector<uint32_t> types;
  for (int i = 0; i < nparams; ++i) types.push_back(static_cast<uint32_t>(r.Int32()));
  r.ExpectEnd();
  BeginStatement(nullptr, query);
  if (!name.empty() && statements_.count(name))
    throw MakeError("42P05", "prepared statement \"" + name + "\" already exists");
  auto ps = std::make_shared<PreparedStatement>();
  auto stmts = sql::ParseQuery(query);
  if (stmts.size() > 1)
    throw MakeError(sqlstate::kSyntaxError, "cannot insert multiple commands into a prepared statement");
  if (!stmts.empty()) {
    ps->stmt = std::move(stmts[0]);
    if (tx_ == TxState::kFailed && !IsTransactionExit(*ps->stmt))
      throw MakeError(sqlstate::kInFailedSqlTransaction,
                      "current transaction is aborted, commands ignored until end of transaction block");
    StartTransactionIfNeeded();
    // A command of its own, so that the plan (and the epoch recorded with
    // it) reflects the catalog as of now, not as of the block's last statement.
    xact::StartCommand();
    StoredTablesAtStatementStart();
    if (sql::IsPlannable(*ps->stmt)) {
      std::unique_ptr<sql::PreparedQuery> query = sql::Prepare(*ps->stmt, types, *this);
      ps->param_types = query->ParamTypes();
      ps->query = std::move(query);
      ps->tables_epoch = StoredTablesEpoch();
    } else if (ps->stmt->kind() == sql::StmtKind::kDeclareCursor) {
      // The cursor's query decides the parameters, as PostgreSQL's parse
      // analysis of DECLARE does; the cursor plans it again when opened.
      ps->param_types = sql::Prepare(*ps->stmt->declare_cursor().query, types, *this)->ParamTypes();
    } else {
      ps->param_types = types;
    }
  }
  EndStatement();
  ps->text = query;
  ps->prepare_time_us = stmt_start_us_;
  statements_[name] = std::move(ps);
  protocol::MessageWriter(&conn_.out(), '1');
}

void Session::Bind(const std::string& body) {
  protocol::MessageReader r(body);
  std::string portal_name(r.CString());
  std::string stmt_name(r.CString());
  int16_t nformats = r.Int16();
  std::vector<int16_t> param_formats;
  for (int i = 0; i < nformats; ++i) param_formats.push_back(r.Int16());
  int16_t nparams = r.Int16();
  std::vector<std::optional<std::string>> params;
  for (int i = 0; i < nparams; ++i) {
    int32_t len = r.Int32();
    if (len == -1) {
      params.emplace_back(std::nullopt);
    } else if (len < 0) {
      throw PgError(sqlstate::kProtocolViolation, "invalid message format", ErrLevel::kFatal);
    } else {
      params.emplace_back(std::string(r.Bytes(static_cast<size_t>(len))));
    }
  }
  int16_t nresult = r.Int16();
  std::vector<int16_t> result_formats;
  for (int i = 0; i < nresult; ++i) result_formats.push_back(r.Int16());
  r.ExpectEnd();

  auto it = statements_.find(stmt_name);
  if (it == statements_.end())
    throw MakeError(sqlstate::kInvalidSqlStatementName, "prepared statement \"" + stmt_name + "\" does not exist");
  std::shared_ptr<PreparedStatement> ps = it->second;
  if (nformats > 1 && nformats != nparams)
    throw MakeError(sqlstate::kProtocolViolation, "bind message has " + std::to_string(nformats) +
                                                      " parameter formats but " + std::to_string(nparams) +
                                                      " parameters");
  if (static_cast<size_t>(nparams) != ps->param_types.size())
    throw MakeError(sqlstate::kProtocolViolation,
                    "bind message supplies " + std::to_string(nparams) + " parameters, but prepared statement \"" +
                        stmt_name + "\" requires " + std::to_string(ps->param_types.size()));
  for (int16_t f : param_formats)
    if (f != 0 && f != 1)
      throw MakeError(sqlstate::kProtocolViolation, "unsupported format code: " + std::to_string(f));
  for (int16_t f : result_formats)
    if (f != 0 && f != 1)
      throw MakeError(sqlstate::kProtocolViolation, "unsupported format code: " + std::to_string(f));
  if (ps->stmt && tx_ == TxState::kFailed && !IsTransactionExit(*ps->stmt))
    throw MakeError(sqlstate::kInFailedSqlTransaction,
                    "current transaction is aborted, commands ignored until end of transaction block");
  if (!portal_name.empty() && (portals_.count(portal_name) || cursors_.count(portal_name)))
    throw MakeError("42P03", "portal \"" + portal_name + "\" already exists");
  StartTransactionIfNeeded();
  Revalidate(*ps);
  auto portal = std::make_unique<Portal>();
  portal->source = ps;
  portal->result_formats = result_formats;
  if (ps->query) {
    if (!result_formats.empty() && result_formats.size() != 1 && result_formats.size() != ps->query->Columns().size())
      throw MakeError(sqlstate::kProtocolViolation,
                      "bind message has " + std::to_string(result_formats.size()) + " result formats but query has " +
                          std::to_string(ps->query->Columns().size()) + " columns");
    std::vector<int16_t> formats = param_formats;
    if (formats.size() == 1) formats.assign(params.size(), formats[0]);
    ++ps->executions;
    portal->query = ps->query;
    portal->cursor = ps->query->Open(params, formats, *this);
  }
  portal->param_formats = param_formats.size() == 1 ? std::vector<int16_t>(params.size(), param_formats[0])
                                                   : param_formats;
  portal->params = std::move(params);
  portals_[portal_name] = std::move(portal);
  protocol::MessageWriter(&conn_.out(), '2');
}

void Session::Describe(const std::string& body) {
  protocol::MessageReader r(body);
  char kind = r.Byte();
  std::string name(r.CString());
  r.ExpectEnd();
  if (kind == 'S') {
    auto it = statements_.find(name);
    if (it == statements_.end())
      throw MakeError(sqlstate::kInvalidSqlStatementName, "prepared statement \"" + name + "\" does not exist");
    PreparedStatement& ps = *it->second;
    // The description is that of the plan as it would run now (PostgreSQL
    // revalidates here too); an aborted block cannot plan.
    if (ps.query && sql::ReturnsRows(*ps.stmt) && tx_ == TxState::kFailed)
      throw MakeError(sqlstate::kInFailedSqlTransaction,
                      "current transaction is aborted, commands ignored until end of transaction block");
    if (ps.query) {
      StartTransactionIfNeeded();
      Revalidate(ps);
    }
    {
      protocol::MessageWriter w(&conn_.out(), 't');
      w.Int16(static_cast<int16_t>(ps.param_types.size()));
      for (uint32_t t : ps.param_types) w.Int32(static_cast<int32_t>(t));
    }
    const std::vector<sql::ColumnDesc>* columns = ResultColumns(ps.stmt.get(), ps.query.get());
    if (!columns) columns = FetchColumns(ps.stmt.get());
    if (columns)
      AppendRowDescription(*columns, {});
    else
      protocol::MessageWriter(&conn_.out(), 'n');
    return;
  }
  if (kind == 'P') {
    auto it = portals_.find(name);
    if (it == portals_.end()) throw MakeError(sqlstate::kInvalidCursorName, "portal \"" + name + "\" does not exist");
    const Portal& p = *it->second;
    const std::vector<sql::ColumnDesc>* columns =
        p.executed ? ResultColumns(p.executed->stmt.get(), p.query.get()) : ResultColumns(p.source->stmt.get(), p.query.get());
    if (!columns) columns = FetchColumns(p.source->stmt.get());
    if (columns)
      AppendRowDescription(*columns, p.result_formats);
    else
      protocol::MessageWriter(&conn_.out(), 'n');
    return;
  }
  throw MakeError(sqlstate::kProtocolViolation,
                  "invalid DESCRIBE message subtype " + std::to_string(static_cast<int>(kind)));
}

void Session::Execute(const std::string& body) {
  protocol::MessageReader r(body);
  std::string name(r.CString());
  int32_t max_rows = r.Int32();
  r.ExpectEnd();
  auto it = portals_.find(name);
  if (it == portals_.end()) throw MakeError(sqlstate::kInvalidCursorName, "portal \"" + name + "\" does not exist");
  Portal& p = *it->second;
  const sql::Statement* stmt = p.source->stmt.get();
  if (stmt == nullptr) {
    protocol::MessageWriter(&conn_.out(), 'I');
    return;
  }
  if (tx_ == TxState::kFailed && !IsTransactionExit(*stmt))
    throw MakeError(sqlstate::kInFailedSqlTransaction,
                    "current transaction is aborted, commands ignored until end of transaction block");
  BeginStatement(stmt, stmt->source_text());
  StartTransactionIfNeeded();
  xact::StartCommand();
  StoredTablesAtStatementStart();
  if (!p.cursor && !p.done && stmt->kind() == sql::StmtKind::kExecute) {
    p.executed = OpenExecute(*stmt, &p.query, &p.cursor);
    stmt = p.executed->stmt.get();
    if (stmt == nullptr) {
      p.done = true;
      EndStatement();
      protocol::MessageWriter(&conn_.out(), 'I');
      return;
    }
  } else if (p.executed) {
    stmt = p.executed->stmt.get();
  }
  if (!p.cursor) {
    if (p.done) throw MakeError("55000", "portal \"" + name + "\" cannot be run");
    // FETCH sends its rows in the formats Bind asked for; no RowDescription
    // here, Describe gives that.
    std::string tag;
    if (stmt->kind() == sql::StmtKind::kFetch) {
      tag = RunFetch(stmt->fetch(), p.result_formats, false);
    } else if (stmt->kind() == sql::StmtKind::kDeclareCursor) {
      CursorParams params{&p.source->param_types, &p.params, &p.param_formats};
      tag = RunDeclareCursor(*stmt, &params);
    } else {
      tag = RunUtility(*stmt);
    }
    p.done = true;
    SendParameterChanges();
    protocol::MessageWriter(&conn_.out(), 'C').CString(tag);
    EndStatement();
    return;
  }
  bool done = false;
  {
    xact::QuerySnapshotScope as_first(p.snapshot ? &*p.snapshot : nullptr);
    ParallelScope parallel(parallel_ok_, max_rows <= 0 && p.rows_sent == 0 && stmt->kind() == sql::StmtKind::kSelect);
    p.rows_sent += SendRows(*p.cursor, p.result_formats, max_rows > 0 ? max_rows : 0, &done);
  }
  if (!done && !p.snapshot) p.snapshot = xact::QuerySnapshot();  // what this Execute read under
  EndStatement();
  if (done) {
    SendParameterChanges();
    protocol::MessageWriter(&conn_.out(), 'C').CString(p.cursor->CompletionTag(*stmt, p.rows_sent));
  } else {
    protocol::MessageWriter(&conn_.out(), 's');
  }
}

void Session::Close(const std::string& body) {
  protocol::MessageReader r(body);
  char kind = r.Byte();
  std::string name(r.CString());
  r.ExpectEnd();
  if (kind == 'S') {
    statements_.erase(name);
  } else if (kind == 'P') {
    portals_.erase(name);
  } else {
    throw MakeError(sqlstate::kProtocolViolation,
                    "invalid CLOSE message subtype " + std::to_string(static_cast<int>(kind)));
  }
  protocol::MessageWriter(&conn_.out(), '3');
}

void Session::Sync() {
  ignore_till_sync_ = false;
  try {
    FinishImplicitTransaction();
  } catch (const PgError& e) {
    if (e.data().level >= ErrLevel::kFatal) throw;
    HandleError(e);
  }
  ReadyForQuery();
}

}  // namespace tusk::backend
