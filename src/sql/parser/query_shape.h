// The shape of a simple-protocol query: its text with the literal constants
// replaced by parameters, so statements that differ only in their constants
// (pgbench's `... WHERE aid = 12345`) can share one cached plan.
//
// Only constants whose replacement by a typed parameter cannot change the
// meaning are replaced; everything else stays in the shape's text:
// - integers and decimals after an operator, `(`, `,`, `[` or a keyword that
//   starts an expression (AND, OR, THEN, ...). A sign after an operand
//   stays an operator; a sign where an operand starts is folded into the
//   value, as PostgreSQL folds it; where that is unclear (BETWEEN -5) the
//   number stays. Not in lists when the query has BY or
//   DISTINCT anywhere (ORDER BY 1 and DISTINCT ON (1) name output columns),
//   and not after a bare keyword such as FETCH FIRST;
// - plain '...' strings in the same places, so typed literals (DATE '...',
//   INTERVAL '1' DAY) keep their literal.
// The parameter types follow PostgreSQL's typing of numeric constants (int4,
// int8 or numeric); strings are unknown-typed, like their literals.
// A replacement that is not valid SQL (numeric($1, $2)) only makes the
// shape's Prepare fail, and the caller then does not cache it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tusk::sql {

struct QueryShape {
  std::string text;                  // the query with $1..$n in place of the constants
  std::vector<std::string> values;   // each parameter's text
  std::vector<uint32_t> types;       // each parameter's type OID; 0 = unknown (a string)
  // The cache key: text plus the parameter types.
  std::string Key() const;
};

// Fills *shape and returns true for one SELECT, INSERT, UPDATE or DELETE
// (a trailing semicolon allowed) that has at least one replaceable constant
// and no $n of its own; false for anything else.
bool ShapeOf(std::string_view query, QueryShape* shape);

}  // namespace tusk::sql
