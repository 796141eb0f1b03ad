// The bytea type: a Datum's `s` holds the raw bytes (any byte, 0x00
// included). Stored and sent in binary exactly as those bytes; the text
// forms are PostgreSQL's hex (\x0102) and escape (\001\002) formats.
#pragma once

#include <string>
#include <string_view>

namespace tusk::sql {

// byteain: "\x" + hex digit pairs (whitespace between pairs), otherwise the
// escape format (\ooo octal, \\ a backslash, other bytes as they are).
// Errors as PostgreSQL's: 22023 for bad hex, 22P02 for bad escapes.
void ByteaIn(std::string_view text, std::string& out);
// byteaout: hex ("\x" + lower-case digits) or, with escape, printable ASCII
// as is, "\\" for a backslash and \ooo for every other byte.
void ByteaOut(std::string_view bytes, bool escape, std::string& out);

}  // namespace tusk::sql
