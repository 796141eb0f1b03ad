// EXPLAIN: the plan the engine will run, as PostgreSQL's text format draws
// it without costs (node names, "->" nesting, Index Cond / Filter / Sort Key
// / Group Key / Hash Cond / Merge Cond / Join Filter lines).
#pragma once

#include <string>
#include <vector>

#include "sql/parser/statement.h"
#include "sql/session_context.h"

namespace tusk::sql {

// The lines of the plan of `stmt` (the statement under EXPLAIN).
std::vector<std::string> ExplainLines(const Statement& stmt, SessionContext& ctx);

}  // namespace tusk::sql
