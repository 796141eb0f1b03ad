// Execution of INSERT, UPDATE and DELETE: rows from the compiled source,
// column limits, NOT NULL and CHECK constraints, the table's row operations
// with READ COMMITTED re-check of concurrently updated rows, and RETURNING.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sql/executor/plan.h"

namespace tusk::sql {

struct CompiledModify {
  AnalyzedModify::Kind kind = AnalyzedModify::kInsert;
  std::shared_ptr<StoredTable> table;
  CompiledQuery source;
  std::vector<ExprProgram> new_row;
  std::vector<ExprProgram> recheck_where;  // 0 or 1
  std::vector<ExprProgram> recheck_set;
  bool can_recheck = true;
  std::vector<std::string> check_names;
  std::vector<ExprProgram> checks;
  std::vector<ExprProgram> returning;
  std::vector<uint32_t> returning_types;
  bool on_conflict_nothing = false;
  std::vector<uint32_t> arbiters;  // ON CONFLICT unique indexes; empty: all
  bool on_conflict_update = false;
  std::vector<ExprProgram> conflict_set;
  std::vector<ExprProgram> conflict_where;  // 0 or 1
};

CompiledModify CompileModify(const AnalyzedModify& m, size_t num_params);

// Runs the whole statement; RETURNING rows go to *returning. Returns the
// number of rows inserted, updated or deleted.
int64_t RunModify(const CompiledModify& m, ExecState& st, std::vector<Row>* returning);

// INSERT whose source is one VALUES row of parameters: inserts one row per
// call of next_params (which fills st.params), without RETURNING.
int64_t RunInsertFeed(const CompiledModify& m, ExecState& st, bool freeze, const std::function<void(int64_t)>& at_row,
                      const std::function<bool()>& next_params);

}  // namespace tusk::sql
