#include "replication/manifest.h"

#include <time.h>

#include <cstdio>

#include "protocol/auth/scram.h"

namespace tusk::replication {
namespace {

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// Whether the bytes are valid UTF-8 (otherwise the path is hex-encoded).
bool ValidUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += n;
  }
  return true;
}

}  // namespace

std::string ManifestTime(int64_t epoch_seconds) {
  time_t t = static_cast<time_t>(epoch_seconds);
  tm parts{};
  gmtime_r(&t, &parts);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S GMT", &parts);
  return buf;
}

std::string JsonQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

ManifestBuilder::ManifestBuilder(bool force_encode, bool with_checksums)
    : force_encode_(force_encode), with_checksums_(with_checksums) {
  text_ = "{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [";
}

void ManifestBuilder::AddFile(const std::string& path, uint64_t size, int64_t mtime, uint32_t crc) {
  text_ += first_ ? "\n" : ",\n";
  first_ = false;
  if (force_encode_ || !ValidUtf8(path))
    text_ += "{ \"Encoded-Path\": \"" + Hex(path) + "\", ";
  else
    text_ += "{ \"Path\": " + JsonQuote(path) + ", ";
  text_ += "\"Size\": " + std::to_string(size) + ", \"Last-Modified\": \"" + ManifestTime(mtime) + "\"";
  if (with_checksums_) {
    // The CRC's bytes in memory order (little-endian), as PostgreSQL prints them.
    std::string bytes(4, '\0');
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
    text_ += ", \"Checksum-Algorithm\": \"CRC32C\", \"Checksum\": \"" + Hex(bytes) + "\"";
  }
  text_ += " }";
}

std::string ManifestBuilder::Finish(uint32_t timeline, wal::Lsn start, wal::Lsn end) {
  std::string out = text_;
  out += "\n],\n\"WAL-Ranges\": [\n{ \"Timeline\": " + std::to_string(timeline) + ", \"Start-LSN\": \"" +
         wal::LsnToString(start) + "\", \"End-LSN\": \"" + wal::LsnToString(end) + "\" }\n],\n";
  out += "\"Manifest-Checksum\": \"" + Hex(auth::Sha256(out)) + "\"}\n";
  return out;
}

}  // namespace tusk::replication
