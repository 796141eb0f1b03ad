// hex / base64 / escape encodings (see bytea_codec.h). Messages and
// SQLSTATEs are PostgreSQL 15's (encode.c, varlena.c).
#include "sql/types/bytea_codec.h"

#include "utils/base64.h"

#include "utils/error.h"
#include "utils/hex.h"

namespace tusk::sql {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// The whole UTF-8 character starting at p, for messages that quote the
// offending character (PostgreSQL prints pg_mblen bytes).
std::string_view CharAt(std::string_view s, size_t p) {
  unsigned char c = static_cast<unsigned char>(s[p]);
  size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
  return s.substr(p, n);
}

int HexValue(std::string_view s, size_t p) {
  if (const int v = HexDigitValue(s[p]); v >= 0) return v;
  throw PgError(sqlstate::kInvalidParameterValue, "invalid hexadecimal digit: \"" + std::string(CharAt(s, p)) + "\"");
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool IsOctal(char c, char hi) { return c >= '0' && c <= hi; }

}  // namespace

void HexEncode(std::string_view bytes, std::string& out) {
  out.reserve(out.size() + bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHexDigits[c >> 4];
    out += kHexDigits[c & 15];
  }
}

void HexDecode(std::string_view text, std::string& out) {
  out.reserve(out.size() + text.size() / 2);
  size_t i = 0;
  while (i < text.size()) {
    if (IsSpace(text[i])) {
      ++i;
      continue;
    }
    int hi = HexValue(text, i++);
    if (i >= text.size())
      throw PgError(sqlstate::kInvalidParameterValue, "invalid hexadecimal data: odd number of digits");
    int lo = HexValue(text, i++);
    out += static_cast<char>((hi << 4) | lo);
  }
}

void Base64Encode(std::string_view bytes, std::string& out) {
  // PostgreSQL breaks the line after every 76 characters, that is after each
  // whole 57 bytes, even after the last of them.
  constexpr size_t kLineBytes = 57;
  for (size_t i = 0; i < bytes.size(); i += kLineBytes) {
    out += tusk::Base64Encode(bytes.substr(i, kLineBytes));
    if (bytes.size() - i >= kLineBytes) out += '\n';
  }
}

void Base64Decode(std::string_view text, std::string& out) {
  uint32_t buf = 0;
  int pos = 0;  // symbols in the current group of four
  int end = 0;  // 0: no '=' yet; 1/2: the group ended after 1/2 bytes
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (IsSpace(c)) continue;
    int b = 0;
    if (c == '=') {
      // Padding may only start in the third or fourth position of a group.
      if (!end) {
        if (pos == 2) end = 1;
        else if (pos == 3) end = 2;
        else throw PgError(sqlstate::kInvalidParameterValue, "unexpected \"=\" while decoding base64 sequence");
      }
    } else {
      b = Base64Value(c);
      if (b < 0)
        throw PgError(sqlstate::kInvalidParameterValue,
                      "invalid symbol \"" + std::string(CharAt(text, i)) + "\" found while decoding base64 sequence");
    }
    buf = (buf << 6) | static_cast<uint32_t>(b);
    if (++pos == 4) {
      out += static_cast<char>((buf >> 16) & 255);
      if (end == 0 || end > 1) out += static_cast<char>((buf >> 8) & 255);
      if (end == 0) out += static_cast<char>(buf & 255);
      buf = 0;
      pos = 0;
    }
  }
  if (pos != 0)
    throw PgError(sqlstate::kInvalidParameterValue, "invalid base64 end sequence")
        .Hint("Input data is missing padding, is truncated, or is otherwise corrupted.");
}

void EscapeEncode(std::string_view bytes, std::string& out) {
  for (unsigned char c : bytes) {
    if (c == 0 || c >= 0x80) {
      out += '\\';
      out += static_cast<char>('0' + (c >> 6));
      out += static_cast<char>('0' + ((c >> 3) & 7));
      out += static_cast<char>('0' + (c & 7));
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += static_cast<char>(c);
    }
  }
}

void EscapeDecode(std::string_view text, std::string& out) {
  out.reserve(out.size() + text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '\\') {
      out += text[i++];
    } else if (i + 3 < text.size() && IsOctal(text[i + 1], '3') && IsOctal(text[i + 2], '7') &&
               IsOctal(text[i + 3], '7')) {
      out += static_cast<char>(((text[i + 1] - '0') << 6) | ((text[i + 2] - '0') << 3) | (text[i + 3] - '0'));
      i += 4;
    } else if (i + 1 < text.size() && text[i + 1] == '\\') {
      out += '\\';
      i += 2;
    } else {
      throw PgError(sqlstate::kInvalidTextRepresentation, "invalid input syntax for type bytea");
    }
  }
}

}  // namespace tusk::sql
