// Engine entry points: statement tags, Prepare (analyze + compile once) and
// Cursor execution with per-row encoding into caller-chosen formats. SHOW is
// a tiny row source over SessionContext::GetConfig.
#include "sql/engine.h"

#include <chrono>
#include <cstdio>

#include "sql/analyzer/analyzer.h"
#include "sql/executor/modify.h"
#include "sql/explain.h"
#include "sql/executor/plan.h"
#include "sql/parser/lexer.h"
#include "sql/parser/parser.h"
#include "sql/functions/registry.h"
#include "sql/types/type_io.h"
#include "sql/types/type_oids.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {

std::vector<std::unique_ptr<Statement>> ParseQuery(std::string_view query) { return ParseStatements(query); }

std::string CommandTagOf(const Statement& s) {
  switch (s.kind()) {
    case StmtKind::kSelect:
    case StmtKind::kValues: return "SELECT";
    case StmtKind::kSet: return "SET";
    case StmtKind::kReset: return "RESET";
    case StmtKind::kShow: return "SHOW";
    case StmtKind::kTransaction:
      switch (s.transaction().kind) {
        case TransactionStmt::kBegin: return "BEGIN";
        case TransactionStmt::kStart: return "START TRANSACTION";
        case TransactionStmt::kCommit: return "COMMIT";
        case TransactionStmt::kRollback:
        case TransactionStmt::kRollbackTo: return "ROLLBACK";
        case TransactionStmt::kSavepoint: return "SAVEPOINT";
        case TransactionStmt::kRelease: return "RELEASE";
      }
      return "COMMIT";
    case StmtKind::kCreateRole: return "CREATE ROLE";
    case StmtKind::kAlterRole: return "ALTER ROLE";
    case StmtKind::kDropRole: return "DROP ROLE";
    case StmtKind::kDiscard: {
      switch (s.discard().target) {
        case DiscardStmt::kAll: return "DISCARD ALL";
        case DiscardStmt::kPlans: return "DISCARD PLANS";
        case DiscardStmt::kSequences: return "DISCARD SEQUENCES";
        case DiscardStmt::kTemp: return "DISCARD TEMP";
      }
      return "DISCARD ALL";
    }
    case StmtKind::kNotify:
      switch (s.notify().action) {
        case NotifyStmt::kListen: return "LISTEN";
        case NotifyStmt::kUnlisten: return "UNLISTEN";
        case NotifyStmt::kNotify: return "NOTIFY";
      }
      return "NOTIFY";
    case StmtKind::kGrant: return s.grant().is_grant ? "GRANT" : "REVOKE";
    case StmtKind::kSchema: return s.schema().action == SchemaStmt::kCreate ? "CREATE SCHEMA" : "ALTER SCHEMA";
    case StmtKind::kCreateTable: return "CREATE TABLE";
    case StmtKind::kCreateTableAs: return "SELECT";  // PostgreSQL reports "SELECT n"
    case StmtKind::kDrop:
      switch (s.drop().object) {
        case DropStmt::kTable: return "DROP TABLE";
        case DropStmt::kIndex: return "DROP INDEX";
        case DropStmt::kView: return "DROP VIEW";
        case DropStmt::kSequence: return "DROP SEQUENCE";
        case DropStmt::kSchema: return "DROP SCHEMA";
      }
      return "DROP TABLE";
    case StmtKind::kTruncate: return "TRUNCATE TABLE";
    case StmtKind::kCreateIndex: return "CREATE INDEX";
    case StmtKind::kAlterTable: return "ALTER TABLE";
    case StmtKind::kInsert: return "INSERT";  // the backend appends "0 n"
    case StmtKind::kUpdate: return "UPDATE";
    case StmtKind::kDelete: return "DELETE";
    case StmtKind::kCopy: return "COPY";
    case StmtKind::kVacuum: return s.vacuum().is_vacuum ? "VACUUM" : "ANALYZE";
    case StmtKind::kCheckpoint: return "CHECKPOINT";
    case StmtKind::kExplain: return "EXPLAIN";
    case StmtKind::kCreateDatabase: return "CREATE DATABASE";
    case StmtKind::kAlterDatabase: return "ALTER DATABASE";
    case StmtKind::kDropDatabase: return "DROP DATABASE";
    case StmtKind::kCreateView: return "CREATE VIEW";
    case StmtKind::kCreateSequence: return "CREATE SEQUENCE";
    case StmtKind::kAlterSequence: return "ALTER SEQUENCE";
    case StmtKind::kPrepare: return "PREPARE";
    case StmtKind::kExecute: return "EXECUTE";  // the executor reports the prepared statement's tag
    case StmtKind::kDeallocate: return s.deallocate().all ? "DEALLOCATE ALL" : "DEALLOCATE";
    case StmtKind::kLock: return "LOCK TABLE";
    case StmtKind::kSetConstraints: return "SET CONSTRAINTS";
    case StmtKind::kAlterSystem: return "ALTER SYSTEM";
    case StmtKind::kDeclareCursor: return "DECLARE CURSOR";
    case StmtKind::kFetch: return s.fetch().is_move ? "MOVE" : "FETCH";  // the backend appends the count
    case StmtKind::kClosePortal: return s.close_portal().all ? "CLOSE CURSOR ALL" : "CLOSE CURSOR";
  }
  return "";
}

bool ReturnsRows(const Statement& s) {
  switch (s.kind()) {
    case StmtKind::kSelect:
    case StmtKind::kValues:
    case StmtKind::kShow:
    case StmtKind::kExplain: return true;
    case StmtKind::kInsert: return !s.insert().returning.empty();
    case StmtKind::kUpdate: return !s.update().returning.empty();
    case StmtKind::kDelete: return !s.delete_().returning.empty();
    default: return false;
  }
}

bool IsPlannable(const Statement& s) {
  switch (s.kind()) {
    case StmtKind::kSelect:
    case StmtKind::kValues:
    case StmtKind::kShow:
    case StmtKind::kInsert:
    case StmtKind::kUpdate:
    case StmtKind::kDelete:
    case StmtKind::kExplain: return true;
    default: return false;
  }
}

struct QueryPlan {
  std::shared_ptr<const CompiledModify> modify;
  std::vector<std::string> explain_lines;  // EXPLAIN (is_show is set too)
  bool explain_analyze = false;
  std::shared_ptr<PreparedQuery> explain_inner;
  bool is_show = false;
  ShowStmt show;
  CompiledQuery query;
  std::vector<uint32_t> param_types;
  std::vector<ColumnDesc> columns;
};

PreparedQuery::PreparedQuery() = default;
PreparedQuery::~PreparedQuery() = default;
const std::vector<uint32_t>& PreparedQuery::ParamTypes() const { return plan_->param_types; }
const std::vector<ColumnDesc>& PreparedQuery::Columns() const { return plan_->columns; }

namespace {

ColumnDesc Describe(const std::string& name, uint32_t type, int32_t typmod) {
  const TypeInfo* ti = LookupType(type);
  ColumnDesc d;
  d.name = name;
  d.type_oid = type;
  d.type_len = ti ? ti->len : -1;
  // PostgreSQL's atttypmod for varchar/bpchar/numeric (and their arrays) includes the 4-byte header.
  // A record's typmod names its fields only inside this process; PostgreSQL sends -1 for records too.
  if (type == oid::kRecord) typmod = -1;
  const uint32_t base = IsArrayType(type) ? ElementTypeOf(type) : type;
  d.type_mod = typmod >= 0 && (base == oid::kVarchar || base == oid::kBpchar || base == oid::kNumeric) ? typmod + 4
                                                                                                        : typmod;
  return d;
}

// Canonical spellings PostgreSQL uses for SHOW column headers.
std::string ShowColumnName(const std::string& name) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"timezone", "TimeZone"}, {"datestyle", "DateStyle"}, {"intervalstyle", "IntervalStyle"}};
  for (const auto& [k, v] : kNames) {
    if (name == k) return v;
  }
  return name;
}

}  // namespace

std::unique_ptr<PreparedQuery> Prepare(const Statement& stmt, const std::vector<uint32_t>& hints,
                                       SessionContext& ctx) {
  std::unique_ptr<PreparedQuery> pq(new PreparedQuery());
  pq->plan_ = std::make_unique<QueryPlan>();
  QueryPlan& p = *pq->plan_;
  if (stmt.kind() == StmtKind::kShow) {
    p.is_show = true;
    p.show = stmt.show();
    if (p.show.all) {
      for (const char* c : {"name", "setting", "description"}) p.columns.push_back(Describe(c, oid::kText, -1));
    } else {
      ctx.GetConfig(p.show.name, false);  // unknown names fail at prepare time, like PostgreSQL
      p.columns.push_back(Describe(ShowColumnName(p.show.name), oid::kText, -1));
    }
    return pq;
  }
  if (stmt.kind() == StmtKind::kExplain) {
    const ExplainStmt& e = stmt.explain();
    for (const auto& o : e.options) {
      bool on = o.arg_kind == DefElem::kNone || o.arg == "true" || o.arg == "on" || o.arg == "1";
      if (o.name == "analyze" && on) p.explain_analyze = true;
    }
    p.is_show = true;  // rows computed here, sent like SHOW's
    p.columns.push_back(Describe("QUERY PLAN", oid::kText, -1));
    p.explain_lines = ExplainLines(*e.statement, ctx);
    if (p.explain_analyze) p.explain_inner = Prepare(*e.statement, {}, ctx);
    return pq;
  }
  if (stmt.kind() == StmtKind::kInsert || stmt.kind() == StmtKind::kUpdate || stmt.kind() == StmtKind::kDelete) {
    if (stmt.kind() == StmtKind::kInsert) {
      // INSERT ... SELECT refuses what a plain SELECT refuses, with the same error.
      const InsertStmt& ins = stmt.insert();
      int loc = -1;
      const char* what = nullptr;
      if (ins.with) {
        for (const auto& c : ins.with->ctes) {
          if (!what) what = FindUnplannableSelectFeature(*c.query, &loc);
        }
      }
      if (!what && ins.source && ins.source->values.empty()) what = FindUnplannableSelectFeature(*ins.source, &loc);
      if (what) {
        throw PgError(sqlstate::kFeatureNotSupported, std::string(what) + " is not supported yet")
            .Position(CharPosition(stmt.query(), loc));
      }
    }
    AnalyzedModify m = AnalyzeModify(stmt, hints, ctx);
    for (const auto& c : m.returning_columns) p.columns.push_back(Describe(c.name, c.type, c.typmod));
    p.param_types = m.param_types;
    p.modify = std::make_shared<const CompiledModify>(CompileModify(m, m.param_types.size()));
    return pq;
  }
  if (!ReturnsRows(stmt)) throw PgError(sqlstate::kInternalError, "statement does not return rows");
  if (stmt.kind() != StmtKind::kSelect && stmt.kind() != StmtKind::kValues) {
    // EXPLAIN and DML ... RETURNING return rows but cannot be planned yet.
    throw PgError(sqlstate::kFeatureNotSupported, CommandTagOf(stmt) + " is not supported yet");
  }
  int loc = -1;
  if (const char* what = FindUnplannableSelectFeature(stmt.select(), &loc)) {
    throw PgError(sqlstate::kFeatureNotSupported, std::string(what) + " is not supported yet")
        .Position(CharPosition(stmt.query(), loc));
  }
  AnalyzedQuery q = AnalyzeSelect(stmt, hints, ctx);
  for (size_t i = 0; i < q.visible; ++i) {
    p.columns.push_back(Describe(q.columns[i].name, q.columns[i].type, q.columns[i].typmod));
  }
  p.param_types = q.param_types;
  p.query = CompileQuery(q);
  return pq;
}

struct Cursor::Impl {
  const QueryPlan* plan;
  SessionContext* session;
  ExecState state;
  std::unique_ptr<PlanNode> root;
  std::vector<std::vector<std::optional<std::string>>> show_rows;
  size_t show_pos = 0;
  bool modified = false;  // the INSERT/UPDATE/DELETE has run
  int64_t processed = 0;
  std::vector<Row> returning;
  size_t returning_pos = 0;
};

Cursor::Cursor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Cursor::~Cursor() = default;

std::unique_ptr<Cursor> PreparedQuery::Open(const std::vector<std::optional<std::string>>& params,
                                            const std::vector<int16_t>& formats, SessionContext& ctx) const {
  auto impl = std::make_unique<Cursor::Impl>();
  impl->plan = plan_.get();
  impl->session = &ctx;
  impl->state.ctx.session = &ctx;
  if (auto tz = ctx.GetConfig("timezone", true)) impl->state.ctx.io.timezone = *tz;
  if (auto bo = ctx.GetConfig("bytea_output", true)) impl->state.ctx.io.bytea_escape = *bo == "escape";
  impl->state.ctx.io.session = &ctx;
  const QueryPlan& p = *plan_;
  if (!p.explain_lines.empty()) {
    for (const auto& l : p.explain_lines) impl->show_rows.push_back({l});
    if (p.explain_analyze) {
      int64_t start = ctx.StatementStartMicros();
      (void)start;
      auto t0 = std::chrono::steady_clock::now();
      auto cur = p.explain_inner->Open(params, formats, ctx);
      std::vector<std::optional<std::string>> sink;
      int64_t rows = 0;
      while (cur->Next({}, &sink)) {
        sink.clear();
        ++rows;
      }
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      char buf[64];
      snprintf(buf, sizeof buf, "%.3f", ms);
      impl->show_rows.push_back({std::string("Execution Time: ") + buf + " ms"});
    }
    return std::unique_ptr<Cursor>(new Cursor(std::move(impl)));
  }
  if (p.is_show) {
    if (p.show.all) {
      if (VirtualTable* t = ctx.LookupRelation("pg_catalog", "pg_settings")) {
        const auto& cols = t->Columns();
        int idx[3] = {-1, -1, -1};
        for (size_t i = 0; i < cols.size(); ++i) {
          if (cols[i].name == "name") idx[0] = static_cast<int>(i);
          if (cols[i].name == "setting") idx[1] = static_cast<int>(i);
          if (cols[i].name == "short_desc") idx[2] = static_cast<int>(i);
        }
        for (auto& row : t->Rows()) {
          std::vector<std::optional<std::string>> out;
          for (int k : idx) out.push_back(k >= 0 && k < static_cast<int>(row.size()) ? row[k] : std::nullopt);
          impl->show_rows.push_back(std::move(out));
        }
      }
    } else {
      impl->show_rows.push_back({ctx.GetConfig(p.show.name, false)});
    }
    return std::unique_ptr<Cursor>(new Cursor(std::move(impl)));
  }
  if (params.size() != p.param_types.size()) {
    throw PgError(sqlstate::kProtocolViolation, "bind message supplies " + std::to_string(params.size()) +
                                                    " parameters, but prepared statement requires " +
                                                    std::to_string(p.param_types.size()));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    int16_t fmt = formats.empty() ? 0 : formats.size() == 1 ? formats[0] : (i < formats.size() ? formats[i] : 0);
    if (!params[i]) {
      impl->state.params.push_back(Datum::Null());
    } else if (fmt == 1) {
      try {
        impl->state.params.push_back(BinaryIn(p.param_types[i], *params[i]));
      } catch (const PgError&) {
        throw PgError(sqlstate::kInvalidBinaryRepresentation,
                      "incorrect binary data format in bind parameter " + std::to_string(i + 1));
      }
    } else {
      impl->state.params.push_back(TextIn(p.param_types[i], *params[i], impl->state.ctx.io));
    }
  }
  impl->state.top = &p.query;
  if (!p.modify) impl->root = BuildPlan(p.query, impl->state);
  return std::unique_ptr<Cursor>(new Cursor(std::move(impl)));
}

void WarmUpBuiltins() {
  ParseQuery("SELECT a FROM b WHERE c = 1 ORDER BY d LIMIT 1");
  AllFunctions();
  AllOperators();
  AllAggregates();
  LookupTypeByName("int4");
}

int64_t PreparedQuery::InsertRows(RowFeed& feed, SessionContext& ctx, bool freeze) const {
  const QueryPlan& p = *plan_;
  if (!p.modify || p.modify->kind != AnalyzedModify::kInsert || !p.modify->returning.empty() ||
      p.modify->on_conflict_nothing || p.modify->on_conflict_update)
    throw PgError(sqlstate::kInternalError, "InsertRows needs a plain INSERT");
  ExecState state;
  state.ctx.session = &ctx;
  if (auto tz = ctx.GetConfig("timezone", true)) state.ctx.io.timezone = *tz;
  if (auto bo = ctx.GetConfig("bytea_output", true)) state.ctx.io.bytea_escape = *bo == "escape";
  state.ctx.io.session = &ctx;
  std::vector<std::optional<std::string>> text;
  return RunInsertFeed(*p.modify, state, freeze, [&](int64_t n) { feed.PointAtRow(n); }, [&]() {
    if (!feed.Next(&text)) return false;  // replaces text (its strings may be reused)
    if (text.size() != p.param_types.size())
      throw PgError(sqlstate::kInternalError, "InsertRows: wrong number of values");
    state.params.resize(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i]) TextInto(p.param_types[i], *text[i], state.ctx.io, state.params[i]);
      else state.params[i].null = true;
    }
    return true;
  });
}

bool Cursor::Next(const std::vector<int16_t>& formats, std::vector<std::optional<std::string>>* out) {
  Impl& c = *impl_;
  if (c.plan->is_show) {
    if (c.show_pos >= c.show_rows.size()) return false;
    for (auto& v : c.show_rows[c.show_pos++]) out->push_back(std::move(v));
    return true;
  }
  c.session->CheckForInterrupts();
  const Row* r;
  const std::vector<uint32_t>* types_ptr;
  size_t visible;
  if (c.plan->modify) {
    if (!c.modified) {
      c.modified = true;
      c.processed = RunModify(*c.plan->modify, c.state, &c.returning);
    }
    if (c.returning_pos >= c.returning.size()) return false;
    r = &c.returning[c.returning_pos++];
    types_ptr = &c.plan->modify->returning_types;
    visible = types_ptr->size();
  } else {
    r = c.root->Next(c.state);
    if (!r) return false;
    types_ptr = &c.plan->query.target_types;
    visible = c.plan->query.visible;
  }
  const auto& types = *types_ptr;
  for (size_t i = 0; i < visible; ++i) {
    const Datum& d = (*r)[i];
    if (d.null) {
      out->push_back(std::nullopt);
      continue;
    }
    int16_t fmt = formats.empty() ? 0 : formats.size() == 1 ? formats[0] : (i < formats.size() ? formats[i] : 0);
    std::string buf;
    if (fmt == 1) {
      BinaryOut(types[i], d, buf);
    } else {
      TextOut(types[i], d, c.state.ctx.io, buf);
    }
    out->push_back(std::move(buf));
  }
  return true;
}

int64_t Cursor::Processed() const { return impl_->processed; }

std::string Cursor::CompletionTag(const Statement& stmt, int64_t rows_sent) const {
  std::string tag = CommandTagOf(stmt);
  if (tag == "SELECT") return tag + " " + std::to_string(rows_sent);
  if (tag == "INSERT") return "INSERT 0 " + std::to_string(impl_->processed);
  if (tag == "UPDATE" || tag == "DELETE") return tag + " " + std::to_string(impl_->processed);
  return tag;
}

}  // namespace tusk::sql
