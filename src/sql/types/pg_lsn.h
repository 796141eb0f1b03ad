// pg_lsn: a 64-bit WAL position, written as two hexadecimal 32-bit halves
// "X/Y" (pg_lsn_in / pg_lsn_out). The Datum keeps the bit pattern in `i`;
// comparisons treat it as unsigned.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sql/types/numeric.h"

namespace tusk::sql {

// nullopt unless `text` is 1-8 hex digits, '/', 1-8 hex digits (nothing else,
// no blanks), as PostgreSQL's input function demands.
std::optional<uint64_t> ParsePgLsn(std::string_view text);
// Throws 22P02 `invalid input syntax for type pg_lsn: "..."`.
uint64_t PgLsnIn(std::string_view text);
std::string FormatPgLsn(uint64_t lsn);

// pg_lsn(numeric): rounded to an integer; 22023 "pg_lsn out of range" when
// outside 0..2^64-1, 0A000 "cannot convert NaN to pg_lsn" for NaN.
uint64_t NumericToLsn(const Numeric& n);
Numeric LsnToNumeric(uint64_t lsn);

}  // namespace tusk::sql
