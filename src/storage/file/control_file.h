// The control file, global/pg_control: cluster state and the last checkpoint.
// Layout is documented byte by byte in docs/formats/control_file.md.
#pragma once

#include <cstdint>
#include <string>

namespace tusk {

// Cluster states, as pg_controldata names them.
enum class DbState : uint32_t {
  kStartup = 0,
  kShutdowned = 1,
  kShutdownedInRecovery = 2,
  kShutdowning = 3,
  kInCrashRecovery = 4,
  kInArchiveRecovery = 5,
  kInProduction = 6,
};

const char* DbStateName(DbState state);

// Fixed-size, written in place with one write of kControlFileSize bytes
// (smaller than a disk sector, so the write is atomic) and fsynced.
struct ControlData {
  uint32_t magic = 0x5475736b;  // "Tusk"
  // The on-disk format's version, checked at every read: raise it whenever
  // pages, tuples or WAL records change layout. 2: 8-byte B-tree tuple
  // headers and the compact heap UPDATE record.
  uint32_t version = 2;
  uint64_t system_identifier = 0;
  DbState state = DbState::kShutdowned;
  uint32_t pad0 = 0;
  int64_t time = 0;             // when this file was last written (epoch seconds)
  uint64_t checkpoint_lsn = 0;  // last checkpoint record
  uint64_t redo_lsn = 0;        // its redo point
  int64_t checkpoint_time = 0;  // epoch seconds
  uint64_t next_xid = 3;        // 64-bit: no wraparound
  uint32_t next_oid = 16384;
  uint32_t crc = 0;             // CRC-32C of every byte before this field
};

inline constexpr size_t kControlFileSize = 512;
inline constexpr char kControlFilePath[] = "global/pg_control";

// Reads and checks DIR/global/pg_control. On failure returns false and sets
// *error to a message fit for a FATAL ("incorrect checksum in control file").
[[nodiscard]] bool ReadControlFile(const std::string& datadir, ControlData* out, std::string* error);

// Stamps time and crc, writes and fsyncs. On failure returns false and sets *error.
[[nodiscard]] bool WriteControlFile(const std::string& datadir, ControlData* data, std::string* error);

}  // namespace tusk
