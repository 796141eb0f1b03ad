// SQL text of an expression AST, for what the catalog stores as text
// (DEFAULT and CHECK expressions): fully parenthesized, so that reparsing
// it gives back the same tree.
#pragma once

#include <string>

#include "sql/parser/ast.h"

namespace tusk::sql {

// Throws 0A000 for constructs it cannot write back (subqueries, windows).
std::string DeparseExpr(const Expr& e);
std::string DeparseTypeName(const TypeName& t);
std::string QuoteIdentifier(const std::string& name);
std::string QuoteLiteral(const std::string& text);

}  // namespace tusk::sql
