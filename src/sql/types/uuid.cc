// Text forms of uuid values (see uuid.h).
#include "sql/types/uuid.h"

#include <sys/random.h>

#include <cerrno>

#include "utils/error.h"
#include "utils/hex.h"

namespace tusk::sql {
namespace {

[[noreturn]] void BadUuid(std::string_view text) {
  throw PgError(sqlstate::kInvalidTextRepresentation,
                "invalid input syntax for type uuid: \"" + std::string(text) + "\"");
}

}  // namespace

void UuidIn(std::string_view text, std::string& out) {
  std::string_view s = text;
  const bool braces = !s.empty() && s.front() == '{';
  if (braces) s.remove_prefix(1);
  out.resize(kUuidLen);
  for (size_t i = 0; i < kUuidLen; ++i) {
    if (s.size() < 2) BadUuid(text);
    int hi = HexDigitValue(s[0]), lo = HexDigitValue(s[1]);
    if (hi < 0 || lo < 0) BadUuid(text);
    out[i] = static_cast<char>(hi << 4 | lo);
    s.remove_prefix(2);
    // Hyphens may follow any even number of bytes, never the last byte.
    if (!s.empty() && s.front() == '-' && i % 2 == 1 && i + 1 < kUuidLen) s.remove_prefix(1);
  }
  if (braces) {
    if (s.empty() || s.front() != '}') BadUuid(text);
    s.remove_prefix(1);
  }
  if (!s.empty()) BadUuid(text);
}

void UuidOut(std::string_view bytes, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    unsigned char b = static_cast<unsigned char>(bytes[i]);
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
}

std::string RandomUuid() {
  unsigned char b[kUuidLen];
  size_t got = 0;
  while (got < sizeof b) {
    ssize_t n = getrandom(b + got, sizeof b - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw PgError(sqlstate::kInternalError, "could not generate random values");
    }
    got += static_cast<size_t>(n);
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return std::string(reinterpret_cast<const char*>(b), sizeof b);
}

}  // namespace tusk::sql
