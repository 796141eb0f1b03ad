// The on-disk shape of the write-ahead log: LSNs, segment names, page headers,
// the 24-byte record header and block references. Byte-level description in
// docs/formats/wal.md; everything here is little-endian and fixed-size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace tusk::wal {

// A byte position in the WAL stream (seam 2 of docs/design/storage.md).
using Lsn = uint64_t;
inline constexpr Lsn kInvalidLsn = 0;

// "%X/%X" of the high and low 32 bits, as PostgreSQL prints LSNs.
std::string LsnToString(Lsn lsn);

inline constexpr uint32_t kPageSize = 8192;                  // WAL page (XLOG_BLCKSZ)
inline constexpr uint32_t kBlockSize = 8192;                 // data page carried in images
inline constexpr uint64_t kSegmentSize = 16u * 1024 * 1024;  // wal_segment_size (fixed)
inline constexpr uint32_t kTimeline = 1;                     // no timeline switches yet
inline constexpr uint64_t kSegmentsPerId = 0x100000000ull / kSegmentSize;

// File name of segment `segno` without the directory ("000000010000000000000001").
std::string SegmentFileName(uint64_t segno);
// DATADIR/pg_wal/NAME.
std::string SegmentPath(const std::string& datadir, uint64_t segno);
// Parses a 24-hex-digit name of timeline 1; false for anything else.
bool ParseSegmentFileName(const std::string& name, uint64_t* segno);
inline uint64_t SegmentOf(Lsn lsn) { return lsn / kSegmentSize; }
// Where the record after an XLOG SWITCH record ending (aligned) at `end`
// starts: the next segment boundary, or `end` itself when it is one.
inline Lsn SwitchEndOf(Lsn end) { return (end + kSegmentSize - 1) / kSegmentSize * kSegmentSize; }

// ---- Page headers ----
inline constexpr uint16_t kPageMagic = 0x7A51;  // Tusk's own: the record layout is not PostgreSQL's
inline constexpr uint16_t kPageFirstIsContRecord = 0x0001;
inline constexpr uint16_t kPageLongHeader = 0x0002;
inline constexpr uint16_t kPageAllFlags = 0x0003;

// Every page starts with this (24 bytes with the padding).
struct PageHeader {
  uint16_t magic;
  uint16_t info;      // kPage* flags
  uint32_t timeline;
  uint64_t pageaddr;  // LSN of the page's first byte: detects recycled or misplaced pages
  uint32_t rem_len;   // bytes of a continued record that follow this header
  uint32_t pad;
};
static_assert(sizeof(PageHeader) == 24);

// The first page of each segment carries this instead (40 bytes).
struct LongPageHeader {
  PageHeader std;
  uint64_t system_identifier;
  uint32_t segment_size;
  uint32_t page_size;
};
static_assert(sizeof(LongPageHeader) == 40);

inline constexpr uint32_t kShortHeaderSize = sizeof(PageHeader);
inline constexpr uint32_t kLongHeaderSize = sizeof(LongPageHeader);
inline uint32_t PageHeaderSizeAt(Lsn page_start) {
  return page_start % kSegmentSize == 0 ? kLongHeaderSize : kShortHeaderSize;
}

// ---- Records ----
inline constexpr uint32_t kRecordAlign = 8;
inline constexpr uint32_t kRecordHeaderSize = 24;
// The smallest record: header plus rmgr id and info.
inline constexpr uint32_t kMinRecordSize = kRecordHeaderSize + 2;
inline constexpr uint32_t kMaxRecordSize = 1u << 30;
inline uint64_t AlignRecord(uint64_t n) { return (n + kRecordAlign - 1) & ~uint64_t{kRecordAlign - 1}; }

struct RecordHeader {
  uint32_t total_len;  // header included, alignment padding excluded
  uint32_t crc;        // CRC-32C of bytes 24..total_len, then bytes 0..3 and 8..23
  uint64_t prev;       // start LSN of the previous record
  uint64_t xid;        // 0 when the record belongs to no transaction
};
static_assert(sizeof(RecordHeader) == kRecordHeaderSize);

// Relation identity (seam 5).
struct RelFileLocator {
  uint32_t spc_oid = 0;
  uint32_t db_oid = 0;
  uint32_t rel_number = 0;
  bool operator==(const RelFileLocator&) const = default;
};

// Block-reference header flags (byte 1 of a block reference, above the fork).
inline constexpr uint8_t kBlockForkMask = 0x0F;
inline constexpr uint8_t kBlockHasImage = 0x10;
inline constexpr uint8_t kBlockHasData = 0x20;
inline constexpr uint8_t kBlockWillInit = 0x40;
inline constexpr uint8_t kBlockSameRel = 0x80;
// Image header info bits.
inline constexpr uint8_t kImageHasHole = 0x01;
inline constexpr uint8_t kImageApply = 0x02;
// Block ids 0..31 are blocks; these two introduce the main data.
inline constexpr uint8_t kMaxBlockId = 31;
inline constexpr uint8_t kMainDataShort = 255;  // 1-byte length follows
inline constexpr uint8_t kMainDataLong = 254;   // 4-byte length follows

// Offsets in a data page (our page header): LSN, then pd_lower/pd_upper.
inline constexpr size_t kPageLsnOffset = 0;
inline constexpr size_t kPdLowerOffset = 12;
inline constexpr size_t kPdUpperOffset = 14;
inline constexpr uint16_t kMinPdLower = 16;

inline Lsn PageGetLsn(const char* page) {
  Lsn v;
  std::memcpy(&v, page + kPageLsnOffset, sizeof v);
  return v;
}
inline void PageSetLsn(char* page, Lsn lsn) { std::memcpy(page + kPageLsnOffset, &lsn, sizeof lsn); }

}  // namespace tusk::wal
