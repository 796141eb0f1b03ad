// The WAL reader: page-header checks, record reassembly across continuation
// pages, prev-link and CRC checks, and block-reference decoding. Reason texts
// are PostgreSQL 15's, so logs read the same after a crash.
#include "access/wal/wal_reader.h"

#include "access/wal/wal_redo.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "storage/file/vfs.h"
#include "utils/crc32c.h"

namespace tusk::wal {
namespace {

std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

unsigned Hi(Lsn l) { return static_cast<unsigned>(l >> 32); }
unsigned Lo(Lsn l) { return static_cast<unsigned>(l); }

}  // namespace

const BlockRef* DecodedRecord::Block(uint8_t id) const {
  for (const BlockRef& b : blocks) {
    if (b.id == id) return &b;
  }
  return nullptr;
}

Reader::Reader(std::string datadir, Lsn start, uint64_t system_identifier)
    : datadir_(std::move(datadir)), system_identifier_(system_identifier), next_(start) {}

Reader::~Reader() {
  if (fd_ >= 0) vfs::Close(fd_);
}

void Reader::Retry() {
  failed_ = false;
  error_.clear();
  chunk_len_ = 0;
  page_lsn_ = ~Lsn{0};
  page_ = nullptr;
  if (fd_ >= 0) vfs::Close(fd_);
  fd_ = -1;
}

bool Reader::Fail(std::string message) {
  failed_ = true;
  error_ = std::move(message);
  return false;
}

bool Reader::LoadPage(Lsn page_start) {
  if (page_lsn_ == page_start) return true;
  uint64_t segno = SegmentOf(page_start);
  page_lsn_ = ~Lsn{0};
  if (chunk_len_ == 0 || page_start < chunk_start_ || page_start + kPageSize > chunk_start_ + chunk_len_) {
    if (fd_ < 0 || fd_segno_ != segno) {
      if (fd_ >= 0) vfs::Close(fd_);
      std::string path = SegmentPath(datadir_, segno);
      fd_ = vfs::Open(path, O_RDONLY);
      if (fd_ < 0) {
        // A missing segment is simply the end of the WAL, as in crash recovery.
        if (errno == ENOENT) return Fail("");
        return Fail(Format("could not open file \"pg_wal/%s\": %s", SegmentFileName(segno).c_str(), std::strerror(errno)));
      }
      fd_segno_ = segno;
    }
    off_t offset = static_cast<off_t>(page_start % kSegmentSize);
    size_t want = std::min<size_t>(kReadAheadPages * kPageSize, kSegmentSize - page_start % kSegmentSize);
    if (chunk_.size() < kReadAheadPages * kPageSize) chunk_.resize(kReadAheadPages * kPageSize);
    chunk_len_ = 0;
    ssize_t n = vfs::PRead(fd_, chunk_.data(), want, offset);
    if (n < 0) {
      return Fail(Format("could not read from log segment %s, offset %u: %s", SegmentFileName(segno).c_str(),
                         static_cast<unsigned>(offset), std::strerror(errno)));
    }
    if (n < static_cast<ssize_t>(kPageSize)) {
      return Fail(Format("could not read from log segment %s, offset %u: read %d of %zu", SegmentFileName(segno).c_str(),
                         static_cast<unsigned>(offset), static_cast<int>(n), static_cast<size_t>(kPageSize)));
    }
    chunk_start_ = page_start;
    chunk_len_ = static_cast<size_t>(n) - static_cast<size_t>(n) % kPageSize;
  }
  page_ = chunk_.data() + (page_start - chunk_start_);
  if (!ValidatePage(page_start)) return false;
  page_lsn_ = page_start;
  return true;
}

bool Reader::ValidatePage(Lsn page_start) {
  PageHeader h;
  std::memcpy(&h, page_, sizeof h);
  // Only the failure messages need the segment's name: formatting it per page costs.
  auto seg_name = [&] { return SegmentFileName(SegmentOf(page_start)); };
  unsigned offset = static_cast<unsigned>(page_start % kSegmentSize);
  if (h.magic != kPageMagic) {
    return Fail(Format("invalid magic number %04X in log segment %s, offset %u", h.magic, seg_name().c_str(), offset));
  }
  // The long header must be exactly on each segment's first page: the header
  // size, and so every offset on the page, follows from it.
  bool want_long = offset == 0;
  if ((h.info & ~kPageAllFlags) != 0 || ((h.info & kPageLongHeader) != 0) != want_long) {
    return Fail(Format("invalid info bits %04X in log segment %s, offset %u", h.info, seg_name().c_str(), offset));
  }
  if (want_long) {
    LongPageHeader lh;
    std::memcpy(&lh, page_, sizeof lh);
    if (system_identifier_ != 0 && lh.system_identifier != system_identifier_) {
      return Fail(Format("WAL file is from different database system: WAL file database system identifier is %llu, "
                         "pg_control database system identifier is %llu",
                         static_cast<unsigned long long>(lh.system_identifier),
                         static_cast<unsigned long long>(system_identifier_)));
    }
    if (lh.segment_size != kSegmentSize) {
      return Fail("WAL file is from different database system: incorrect segment size in page header");
    }
    if (lh.page_size != kPageSize) {
      return Fail("WAL file is from different database system: incorrect XLOG_BLCKSZ in page header");
    }
  }
  if (h.pageaddr != page_start) {
    return Fail(Format("unexpected pageaddr %X/%X in log segment %s, offset %u", Hi(h.pageaddr), Lo(h.pageaddr),
                       seg_name().c_str(), offset));
  }
  if (h.timeline != kTimeline) {
    return Fail(Format("unexpected timeline ID %u in log segment %s, offset %u", h.timeline, seg_name().c_str(), offset));
  }
  return true;
}

const DecodedRecord* Reader::Next() {
  if (failed_) return nullptr;
  Lsn rec = next_;
  Lsn page_start = rec - rec % kPageSize;
  if (!LoadPage(page_start)) return nullptr;
  uint32_t hdr = PageHeaderSizeAt(page_start);
  uint32_t off = static_cast<uint32_t>(rec % kPageSize);
  if (off == 0) {
    rec += hdr;
    off = hdr;
  } else if (off < hdr) {
    Fail(Format("invalid record offset at %X/%X", Hi(rec), Lo(rec)));
    return nullptr;
  }
  PageHeader ph;
  std::memcpy(&ph, page_, sizeof ph);
  if ((ph.info & kPageFirstIsContRecord) && off == hdr) {
    Fail(Format("contrecord is requested by %X/%X", Hi(rec), Lo(rec)));
    return nullptr;
  }
  // Alignment guarantees the length word is on this page.
  uint32_t total_len;
  std::memcpy(&total_len, page_ + off, 4);
  if (total_len < kRecordHeaderSize) {
    Fail(Format("invalid record length at %X/%X: wanted %u, got %u", Hi(rec), Lo(rec), kRecordHeaderSize, total_len));
    return nullptr;
  }
  if (total_len > kMaxRecordSize) {
    Fail(Format("record length %u at %X/%X too long", total_len, Hi(rec), Lo(rec)));
    return nullptr;
  }
  auto check_prev = [&](const RecordHeader& h) {
    // The first record read has no predecessor to compare with; it can at
    // least not point forward.
    bool bad = first_ ? h.prev >= rec : h.prev != last_start_;
    if (bad) Fail(Format("record with incorrect prev-link %X/%X at %X/%X", Hi(h.prev), Lo(h.prev), Hi(rec), Lo(rec)));
    return !bad;
  };
  RecordHeader h;
  bool header_checked = false;
  if (kPageSize - off >= kRecordHeaderSize) {
    // Check the header before following a possibly garbage length further.
    std::memcpy(&h, page_ + off, sizeof h);
    if (!check_prev(h)) return nullptr;
    header_checked = true;
  }
  record_.resize(total_len);
  size_t got = 0;
  Lsn pos = rec;
  while (got < total_len) {
    if (pos % kPageSize == 0) {
      if (!LoadPage(pos)) return nullptr;
      std::memcpy(&ph, page_, sizeof ph);
      if (!(ph.info & kPageFirstIsContRecord)) {
        Fail(Format("there is no contrecord flag at %X/%X", Hi(pos), Lo(pos)));
        return nullptr;
      }
      if (ph.rem_len == 0 || ph.rem_len != total_len - got) {
        Fail(Format("invalid contrecord length %u (expected %lld) at %X/%X", ph.rem_len,
                    static_cast<long long>(total_len - got), Hi(pos), Lo(pos)));
        return nullptr;
      }
      pos += PageHeaderSizeAt(pos);
    }
    size_t n = std::min<size_t>(total_len - got, kPageSize - pos % kPageSize);
    std::memcpy(record_.data() + got, page_ + pos % kPageSize, n);
    got += n;
    pos += n;
  }
  std::memcpy(&h, record_.data(), sizeof h);
  if (!header_checked && !check_prev(h)) return nullptr;
  if (total_len < kMinRecordSize) {
    Fail(Format("record with invalid length at %X/%X", Hi(rec), Lo(rec)));
    return nullptr;
  }
  uint8_t rmgr = static_cast<uint8_t>(record_[kRecordHeaderSize]);
  if (rmgr > kMaxRmgrId) {
    Fail(Format("invalid resource manager ID %u at %X/%X", rmgr, Hi(rec), Lo(rec)));
    return nullptr;
  }
  uint32_t crc = Crc32c(0, record_.data() + kRecordHeaderSize, total_len - kRecordHeaderSize);
  crc = Crc32c(crc, record_.data(), 4);
  crc = Crc32c(crc, record_.data() + 8, kRecordHeaderSize - 8);
  if (crc != h.crc) {
    Fail(Format("incorrect resource manager data checksum in record at %X/%X", Hi(rec), Lo(rec)));
    return nullptr;
  }
  if (!Decode(rec)) return nullptr;
  decoded_.lsn = rec;
  decoded_.end_lsn = AlignRecord(pos);
  decoded_.prev = h.prev;
  decoded_.xid = h.xid;
  decoded_.rmgr = rmgr;
  decoded_.info = static_cast<uint8_t>(record_[kRecordHeaderSize + 1]);
  // After an XLOG SWITCH the rest of the segment is unused: go on at the next one.
  if (rmgr == kRmgrXlog && decoded_.info == kXlogSwitch) decoded_.end_lsn = SwitchEndOf(decoded_.end_lsn);
  first_ = false;
  last_start_ = rec;
  last_end_ = decoded_.end_lsn;
  next_ = decoded_.end_lsn;
  return &decoded_;
}

bool Reader::Decode(Lsn lsn) {
  struct Pending {
    size_t index;
    uint16_t data_len;
    uint16_t image_len;
    uint16_t hole_offset;
    bool has_hole;
  };
  decoded_.blocks.clear();
  decoded_.main_data = {};
  const char* p = record_.data() + kMinRecordSize;
  const char* end = record_.data() + record_.size();
  auto short_record = [&] { return Fail(Format("record with invalid length at %X/%X", Hi(lsn), Lo(lsn))); };
  auto take = [&](void* dst, size_t n) {
    if (static_cast<size_t>(end - p) < n) return false;
    std::memcpy(dst, p, n);
    p += n;
    return true;
  };
  // Block ids rise strictly up to kMaxBlockId, which bounds the count: no
  // allocation per record.
  Pending pending[kMaxBlockId + 1];
  size_t npending = 0;
  uint32_t main_len = 0;
  int last_id = -1;
  bool have_rel = false;
  RelFileLocator prev_rel;
  // Headers come first; the payloads they announce fill the rest, so the
  // headers end where only the announced payload bytes remain.
  size_t payload = 0;
  while (static_cast<size_t>(end - p) > payload) {
    uint8_t id = 0;
    take(&id, 1);  // cannot fail: the loop condition leaves at least one byte
    if (id == kMainDataShort) {
      uint8_t len8;
      if (!take(&len8, 1)) return short_record();
      main_len = len8;
      break;
    }
    if (id == kMainDataLong) {
      if (!take(&main_len, 4)) return short_record();
      break;
    }
    if (id > kMaxBlockId) return Fail(Format("invalid block_id %u at %X/%X", id, Hi(lsn), Lo(lsn)));
    if (static_cast<int>(id) <= last_id) return Fail(Format("out-of-order block_id %u at %X/%X", id, Hi(lsn), Lo(lsn)));
    last_id = id;
    BlockRef b;
    Pending pd{};
    uint8_t fork_flags;
    if (!take(&fork_flags, 1) || !take(&pd.data_len, 2)) return short_record();
    b.id = id;
    b.fork = fork_flags & kBlockForkMask;
    b.flags = fork_flags & ~kBlockForkMask;
    b.has_image = fork_flags & kBlockHasImage;
    b.will_init = fork_flags & kBlockWillInit;
    bool has_data = fork_flags & kBlockHasData;
    if (has_data && pd.data_len == 0) {
      return Fail(Format("BKPBLOCK_HAS_DATA set, but no data included at %X/%X", Hi(lsn), Lo(lsn)));
    }
    if (!has_data && pd.data_len != 0) {
      return Fail(Format("BKPBLOCK_HAS_DATA not set, but data length is %u at %X/%X", pd.data_len, Hi(lsn), Lo(lsn)));
    }
    if (b.has_image) {
      uint8_t image_info;
      if (!take(&pd.image_len, 2) || !take(&pd.hole_offset, 2) || !take(&image_info, 1)) return short_record();
      pd.has_hole = image_info & kImageHasHole;
      b.apply_image = image_info & kImageApply;
      unsigned hole_len = kBlockSize - std::min<unsigned>(pd.image_len, kBlockSize);
      if (pd.has_hole && (pd.hole_offset == 0 || hole_len == 0 || pd.hole_offset + hole_len > kBlockSize)) {
        return Fail(Format("BKPIMAGE_HAS_HOLE set, but hole offset %u length %u block image length %u at %X/%X",
                           pd.hole_offset, hole_len, pd.image_len, Hi(lsn), Lo(lsn)));
      }
      if (!pd.has_hole && pd.hole_offset != 0) {
        return Fail(Format("BKPIMAGE_HAS_HOLE not set, but hole offset %u length %u at %X/%X", pd.hole_offset, hole_len,
                           Hi(lsn), Lo(lsn)));
      }
      if (!pd.has_hole && pd.image_len != kBlockSize) {
        return Fail(Format("neither BKPIMAGE_HAS_HOLE nor BKPIMAGE_COMPRESSED set, but block image length is %u at %X/%X",
                           pd.image_len, Hi(lsn), Lo(lsn)));
      }
    }
    if (fork_flags & kBlockSameRel) {
      if (!have_rel) return Fail(Format("BKPBLOCK_SAME_REL set but no previous rel at %X/%X", Hi(lsn), Lo(lsn)));
      b.rel = prev_rel;
    } else if (!take(&b.rel.spc_oid, 4) || !take(&b.rel.db_oid, 4) || !take(&b.rel.rel_number, 4)) {
      return short_record();
    }
    if (!take(&b.block, 4)) return short_record();
    prev_rel = b.rel;
    have_rel = true;
    payload += pd.data_len + (b.has_image ? pd.image_len : 0);
    pd.index = decoded_.blocks.size();
    decoded_.blocks.push_back(std::move(b));
    pending[npending++] = pd;
  }
  // Then the payloads, in the same order as the headers.
  for (size_t i = 0; i < npending; ++i) {
    const Pending& pd = pending[i];
    BlockRef& b = decoded_.blocks[pd.index];
    if (b.has_image) {
      if (static_cast<size_t>(end - p) < pd.image_len) return short_record();
      b.image.assign(kBlockSize, '\0');
      if (pd.has_hole) {
        size_t hole_len = kBlockSize - pd.image_len;
        std::memcpy(b.image.data(), p, pd.hole_offset);
        std::memcpy(b.image.data() + pd.hole_offset + hole_len, p + pd.hole_offset, pd.image_len - pd.hole_offset);
      } else {
        std::memcpy(b.image.data(), p, kBlockSize);
      }
      p += pd.image_len;
    }
    if (pd.data_len > 0) {
      if (static_cast<size_t>(end - p) < pd.data_len) return short_record();
      b.data = std::string_view(p, pd.data_len);
      p += pd.data_len;
    }
  }
  if (static_cast<size_t>(end - p) != main_len) return short_record();
  decoded_.main_data = std::string_view(p, main_len);
  return true;
}

}  // namespace tusk::wal
