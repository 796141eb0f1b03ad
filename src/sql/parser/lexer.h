// SQL tokenizer following PostgreSQL's lexical rules (scan.l semantics).
// The whole query string is tokenized up front so the parser can look ahead
// freely and so every token keeps its byte offset for error positions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tusk::sql {

enum class TokKind : uint8_t {
  kIdent,      // unquoted identifier or keyword, already folded to lower case
  kQuotedIdent,
  kInteger,    // digits only; text holds the digits
  kNumeric,    // decimal point and/or exponent
  kString,     // text holds the decoded value
  kBitString,  // B'...' (text = bits) or X'...' (text = 'x' + hex digits)
  kParam,      // $n; ival holds n
  kOp,         // operator; text holds it ("!=" is normalized to "<>")
  kTypecast,   // ::
  kColonEquals,
  kEqualsGreater,
  kPunct,      // one of ( ) [ ] , ; . :
  kError,      // a lexical error: text is the message, ival the position
  kEnd,
};

struct Token {
  TokKind kind;
  std::string text;   // see TokKind
  int64_t ival = 0;
  int offset = 0;     // byte offset of the token's first character
  int end = 0;        // byte offset just past the token
};

// Tokenizes the whole query; always ends with one kEnd token whose offset is
// the query length. A lexical error becomes a kError token (followed by
// kEnd) so that it is reported only if the parser gets that far, like
// PostgreSQL's on-demand scanner; ThrowIfError raises it.
std::vector<Token> Tokenize(std::string_view query);
void ThrowIfError(const Token& tok);

// 1-based character position of a byte offset, as PostgreSQL reports it
// (multibyte UTF-8 sequences count as one character).
int CharPosition(std::string_view query, int byte_offset);

// Throws 42601 "syntax error at or near ..." (or "at end of input").
[[noreturn]] void ThrowSyntaxError(std::string_view query, const Token& tok);
[[noreturn]] void ThrowSyntaxErrorMsg(std::string_view query, const std::string& msg, int byte_offset,
                                      int byte_end);

// Lower-cases ASCII letters only, like PostgreSQL's identifier folding.
std::string FoldIdentifier(std::string_view s);

}  // namespace tusk::sql
