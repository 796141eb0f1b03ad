// The backup manifest pg_basebackup stores beside a base backup
// (PostgreSQL's JSON format, version 1): one entry per file with its size,
// modification time and CRC-32C, the WAL range the backup needs, and a
// SHA-256 of everything before the checksum line.
#pragma once

#include <cstdint>
#include <string>

#include "access/wal/wal_format.h"

namespace tusk::replication {

class ManifestBuilder {
 public:
  // force_encode: every path as "Encoded-Path" (hex), as MANIFEST 'force-encode'.
  // with_checksums: false for MANIFEST_CHECKSUMS 'none'.
  ManifestBuilder(bool force_encode, bool with_checksums);

  // `crc` is the file's finished CRC-32C (utils/crc32c.h).
  void AddFile(const std::string& path, uint64_t size, int64_t mtime, uint32_t crc);
  // The whole manifest, ending in the Manifest-Checksum line.
  std::string Finish(uint32_t timeline, wal::Lsn start, wal::Lsn end);

 private:
  std::string text_;
  bool force_encode_;
  bool with_checksums_;
  bool first_ = true;
};

// "2026-11-23 16:01:50 GMT".
std::string ManifestTime(int64_t epoch_seconds);
// A JSON string literal, quotes included.
std::string JsonQuote(const std::string& s);

}  // namespace tusk::replication
