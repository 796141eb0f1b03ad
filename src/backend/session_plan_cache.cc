// Plans of simple-protocol statements, cached by shape (sql/parser/query_shape.h):
// `SELECT abalance FROM pgbench_accounts WHERE aid = 12345` and `... = 678`
// share the plan of `... WHERE aid = $1`, so a repeated statement skips
// parsing, analysis and compilation, as a prepared statement does.
//
// A shape's plan is built the first time the statement succeeds with its
// literals (so every error is the literal statement's own) and kept only if
// the plan with parameters gives the same columns with the same types, its
// parameters got the types of the literals, and it reads no view over
// process memory (pg_stat_activity is computed when it is looked up).
// A plan is used only while the cached table descriptions and every setting
// are those it was built with. Binding the values happens before anything
// is sent: if one fails (an input error the literal reports with a position),
// the statement takes the ordinary path and reports its own error.
#include "access/transam/xact.h"
#include "backend/session.h"
#include "backend/stored_table.h"
#include "sql/types/type_oids.h"
#include "utils/guc.h"
#include "utils/ps_title.h"

namespace tusk::backend {

namespace {

constexpr size_t kMaxCachedPlans = 256;

bool SameColumns(const std::vector<sql::ColumnDesc>& a, const std::vector<sql::ColumnDesc>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].type_oid != b[i].type_oid || a[i].type_mod != b[i].type_mod ||
        a[i].table_oid != b[i].table_oid || a[i].attnum != b[i].attnum)
      return false;
  }
  return true;
}

// Numbers must keep the literal's type; strings may take any type but
// unknown, as an unknown-typed literal is coerced to what its context needs.
bool SameParamTypes(const std::vector<uint32_t>& literal, const std::vector<uint32_t>& resolved) {
  if (literal.size() != resolved.size()) return false;
  for (size_t i = 0; i < literal.size(); ++i) {
    if (literal[i] != 0 ? resolved[i] != literal[i] : resolved[i] == 0 || resolved[i] == sql::oid::kUnknown)
      return false;
  }
  return true;
}

}  // namespace

bool Session::PlanCacheCurrent() {
  const uint64_t tables = StoredTablesEpoch(), settings = guc::AssignCount();
  if (tables != plan_tables_epoch_ || settings != plan_settings_epoch_) {
    plan_cache_.clear();  // also lets go of the table descriptions the plans hold
    plan_tables_epoch_ = tables;
    plan_settings_epoch_ = settings;
  }
  return tables != 0;  // 0: this transaction changed the catalog
}

bool Session::RunCachedPlan(sql::QueryShape& shape) {
  const std::string key = shape.Key();
  auto it = plan_cache_.find(key);
  // A shape CachePlan found uncacheable keeps its verdict until the cache is dropped.
  if (it == plan_cache_.end() || !it->second.query || tx_ == TxState::kFailed) return false;
  current_tag_ = sql::CommandTagOf(*it->second.stmt);
  SetPsActivity(current_tag_);
  StartTransactionIfNeeded();
  xact::StartCommand();
  StoredTablesAtStatementStart();  // may drop the descriptions the plan was built from
  if (!PlanCacheCurrent() || plan_cache_.count(key) == 0) return false;
  const CachedPlan& plan = it->second;
  std::vector<std::optional<std::string>> params;
  params.reserve(shape.values.size());
  for (std::string& v : shape.values) params.emplace_back(std::move(v));  // the caller is done with them
  std::unique_ptr<sql::Cursor> cursor;
  try {
    cursor = plan.query->Open(params, {}, *this);
  } catch (const PgError& e) {
    if (e.data().level >= ErrLevel::kFatal) throw;
    return false;
  }
  try {
    RunPrepared(*plan.stmt, *plan.query, std::move(cursor));
    FinishImplicitTransaction();
  } catch (const PgError& e) {
    if (e.data().level >= ErrLevel::kFatal) throw;
    HandleError(e);
  }
  return true;
}

void Session::CachePlan(const sql::QueryShape& shape, const sql::Statement& literal_stmt,
                        const std::vector<sql::ColumnDesc>& literal_columns) {
  if (!PlanCacheCurrent()) return;
  const std::string key = shape.Key();
  if (plan_cache_.count(key)) return;  // already decided: a shape that cannot be cached is not tried again
  if (plan_cache_.size() >= kMaxCachedPlans) plan_cache_.clear();
  CachedPlan plan;
  const int lookups = virtual_lookups_;
  try {
    auto stmts = sql::ParseQuery(shape.text);
    if (stmts.size() == 1 && stmts[0]->kind() == literal_stmt.kind()) {
      std::unique_ptr<sql::PreparedQuery> query = sql::Prepare(*stmts[0], shape.types, *this);
      if (virtual_lookups_ == lookups && SameColumns(query->Columns(), literal_columns) &&
          SameParamTypes(shape.types, query->ParamTypes())) {
        plan.stmt = std::move(stmts[0]);
        plan.query = std::move(query);
      }
    }
  } catch (const PgError& e) {
    if (e.data().level >= ErrLevel::kFatal) throw;
  }
  plan_cache_[key] = std::move(plan);
}

}  // namespace tusk::backend
