// The binary-to-text encodings PostgreSQL's encode()/decode() offer (hex,
// base64, escape), also used by bytea's own text input and output.
#pragma once

#include <string>
#include <string_view>

namespace tusk::sql {

// Lower-case hex digits, two per byte.
void HexEncode(std::string_view bytes, std::string& out);
// Hex digit pairs, whitespace allowed between pairs (not inside one);
// 22023 "invalid hexadecimal digit" / "odd number of digits".
void HexDecode(std::string_view text, std::string& out);
// base64 with a newline after every 76 output characters, as PostgreSQL.
void Base64Encode(std::string_view bytes, std::string& out);
// base64 ignoring whitespace; 22023 on bad symbols, misplaced '=' or a
// truncated final group.
void Base64Decode(std::string_view text, std::string& out);
// encode(..., 'escape'): NUL and bytes >= 0x80 as \ooo, backslash doubled,
// everything else as is.
void EscapeEncode(std::string_view bytes, std::string& out);
// \ooo (first digit 0-3) and \\ ; any other backslash is 22P02 "invalid
// input syntax for type bytea".
void EscapeDecode(std::string_view text, std::string& out);

}  // namespace tusk::sql
