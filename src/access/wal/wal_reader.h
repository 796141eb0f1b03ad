// Reading the WAL back: a Reader walks segment files from an LSN, validates
// page headers, prev-links and CRCs, decodes block references (restoring
// full-page images to 8 kB), and stops at the first invalid record.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "access/wal/wal_format.h"

namespace tusk::wal {

// Resource managers 0..kMaxRmgrId; a record naming another is invalid.
inline constexpr uint8_t kMaxRmgrId = 127;

struct BlockRef {
  uint8_t id = 0;
  RelFileLocator rel;
  uint8_t fork = 0;
  uint32_t block = 0;
  uint8_t flags = 0;      // kBlock* bits as logged (fork bits masked off)
  bool has_image = false;
  bool apply_image = false;
  bool will_init = false;
  std::string image;      // kBlockSize bytes when has_image (the hole zero-filled)
  std::string_view data;  // per-block data, into the reader's record buffer
};

struct DecodedRecord {
  Lsn lsn = kInvalidLsn;      // where the record starts
  Lsn end_lsn = kInvalidLsn;  // where the next one may start (aligned)
  Lsn prev = kInvalidLsn;
  uint64_t xid = 0;
  uint8_t rmgr = 0;
  uint8_t info = 0;
  std::vector<BlockRef> blocks;  // in block-id order
  std::string_view main_data;    // into the reader's record buffer
  const BlockRef* Block(uint8_t id) const;
};

class Reader {
 public:
  // `start` must be the start of a record (or the page boundary before one).
  // A nonzero `system_identifier` is checked against long page headers.
  Reader(std::string datadir, Lsn start, uint64_t system_identifier = 0);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // The next valid record, valid until the next call; nullptr at the end of
  // valid WAL, with error() saying why (PostgreSQL's text; empty when the WAL
  // simply ran out, e.g. a segment file does not exist).
  const DecodedRecord* Next();
  const std::string& error() const { return error_; }
  // After Next() returned nullptr: forget the failure and the pages read, so
  // the next call reads the files again from the same position (a standby
  // waits there for WAL still being received).
  void Retry();
  // Start and end of the last record returned (kInvalidLsn before any).
  Lsn last_start() const { return last_start_; }
  Lsn last_end() const { return last_end_; }

 private:
  bool LoadPage(Lsn page_start);
  bool ValidatePage(Lsn page_start);
  bool Fail(std::string message);
  bool Decode(Lsn lsn);

  std::string datadir_;
  uint64_t system_identifier_;
  Lsn next_;
  bool first_ = true;
  bool failed_ = false;
  std::string error_;
  Lsn last_start_ = kInvalidLsn;
  Lsn last_end_ = kInvalidLsn;
  // Pages are read kReadAheadPages at a time (one pread instead of 32;
  // the files do not change while a Reader walks them): chunk_ holds
  // chunk_len_ bytes from chunk_start_, page_ points at the validated page.
  static constexpr size_t kReadAheadPages = 32;
  std::vector<char> chunk_;
  Lsn chunk_start_ = ~Lsn{0};
  size_t chunk_len_ = 0;
  const char* page_ = nullptr;
  Lsn page_lsn_ = ~Lsn{0};
  int fd_ = -1;
  uint64_t fd_segno_ = 0;
  std::string record_;
  DecodedRecord decoded_;
};

}  // namespace tusk::wal
