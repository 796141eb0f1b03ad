// The uuid type (OID 2950): 16 bytes kept raw in Datum::s, so byte order
// (memcmp) is PostgreSQL's uuid order and storage is the bytes themselves.
#pragma once

#include <string>
#include <string_view>

namespace tusk::sql {

inline constexpr size_t kUuidLen = 16;

// uuid_in: 32 hex digits in either case, a hyphen allowed after any group of
// four digits but the last, the whole optionally in braces; nothing else
// (no blanks). 22P02 otherwise.
void UuidIn(std::string_view text, std::string& out);
// uuid_out: lower-case 8-4-4-4-12.
void UuidOut(std::string_view bytes, std::string& out);
// A version 4 (random) uuid from the kernel's random source.
std::string RandomUuid();

}  // namespace tusk::sql
