// Recursive-descent SQL parser entry point. Expressions use precedence
// climbing over PostgreSQL's operator precedence table (see parser_expr.cc).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "sql/parser/statement.h"

namespace tusk::sql {

// Splits the query at top-level ';' and parses each statement. Empty
// statements are dropped, so a blank query yields an empty vector.
// Throws PgError 42601 (or 0A000 for recognized but unsupported syntax).
std::vector<std::unique_ptr<Statement>> ParseStatements(std::string_view query);

}  // namespace tusk::sql
