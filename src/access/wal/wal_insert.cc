// Record assembly, insertion into the shared WAL buffers, and writing and
// syncing them out with group commit. Segment files are handled in
// wal_segment.cc; the invariants are numbered in README.md.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "access/wal/wal.h"
#include "access/wal/wal_internal.h"
#include "access/wal/wal_redo.h"
#include "storage/file/vfs.h"
#include "storage/ipc/shmem.h"
#include "utils/crc32c.h"
#include "utils/error.h"
#include "utils/guc.h"

namespace tusk::wal {
namespace internal {
namespace {
WalShared* g_shared = nullptr;
}  // namespace

bool SharedStarted() { return g_shared != nullptr && g_shared->started.load(std::memory_order_acquire); }

WalShared* Shared() {
  if (g_shared == nullptr || !g_shared->started.load(std::memory_order_acquire)) {
    throw PgError(sqlstate::kInternalError, "WAL is not initialized", ErrLevel::kPanic);
  }
  return g_shared;
}

std::string DataDir() { return g_shared ? std::string(g_shared->datadir) : std::string(); }

WalShared* RawShared() { return g_shared; }
void SetRawShared(WalShared* s) { g_shared = s; }

}  // namespace internal

bool IsStarted() { return internal::SharedStarted(); }

using internal::WalShared;

namespace {

char* Slot(WalShared* s, Lsn pos) {
  uint64_t page = pos / kPageSize;
  return s->pages + (page % s->num_pages) * kPageSize + pos % kPageSize;
}

void Append(std::string* out, const void* p, size_t n) { out->append(static_cast<const char*>(p), n); }
template <typename T>
void AppendInt(std::string* out, T v) {
  Append(out, &v, sizeof v);
}

// Writes [written, target) from the buffers to the segment files. Caller holds
// write_lock. A trailing partial page is completed with zeros on disk, so a
// torn tail left by an earlier crash never survives behind new records.
void WriteLocked(WalShared* s, Lsn target) {
  Lsn from = s->written.load(std::memory_order_relaxed);
  if (target <= from) return;
  while (from < target) {
    uint64_t segno = SegmentOf(from);
    Lsn seg_end = (segno + 1) * kSegmentSize;
    Lsn page_start = from - from % kPageSize;
    // One run: contiguous buffer slots inside one segment.
    uint64_t slot = (from / kPageSize) % s->num_pages;
    Lsn run_end = std::min({target, seg_end, page_start + (s->num_pages - slot) * kPageSize});
    int fd = internal::OpenSegmentForWrite(segno);
    off_t offset = static_cast<off_t>(from % kSegmentSize);
    size_t len = run_end - from;
    char tail[kPageSize];
    const char* src = Slot(s, from);
    bool partial = run_end % kPageSize != 0;
    bool ok;
    if (partial) {
      // Full pages from the buffers, then the last page through a local copy
      // padded with zeros: inserters may be filling its rest right now.
      Lsn last_page = run_end - run_end % kPageSize;
      size_t whole = last_page > from ? last_page - from : 0;
      ok = whole == 0 || vfs::PWriteAll(fd, src, whole, offset);
      if (ok) {
        Lsn tail_from = std::max(from, last_page);
        size_t used = run_end - tail_from;
        size_t pad = kPageSize - run_end % kPageSize;
        std::memcpy(tail, Slot(s, tail_from), used);
        std::memset(tail + used, 0, pad);
        len = used + pad;
        offset = static_cast<off_t>(tail_from % kSegmentSize);
        ok = vfs::PWriteAll(fd, tail, len, offset);
      }
    } else {
      ok = vfs::PWriteAll(fd, src, len, offset);
    }
    s->writes.fetch_add(1, std::memory_order_relaxed);
    if (!ok) {
      int e = errno;
      char msg[256];
      std::snprintf(msg, sizeof msg, "could not write to log file %s at offset %u, length %zu: ",
                    SegmentFileName(segno).c_str(), static_cast<unsigned>(offset), len);
      internal::ThrowPanic(msg, e);
    }
    from = run_end;
    s->written.store(from, std::memory_order_release);
  }
}

// Writes and syncs up to `target` (<= insert_pos). Caller holds write_lock.
void WriteAndSyncLocked(WalShared* s, Lsn target) {
  Lsn already_flushed = s->flushed.load(std::memory_order_relaxed);
  WriteLocked(s, target);
  if (target <= already_flushed) return;
  // Every segment touched since the last sync; usually just one.
  // (WAL begins in segment 1: there is never a segment 0 to sync.)
  uint64_t first = std::max<uint64_t>(1, SegmentOf(already_flushed));
  for (uint64_t seg = first; seg <= SegmentOf(target - 1); ++seg) internal::SyncSegment(seg);
  s->flushed.store(target, std::memory_order_release);
  // Segments now durable to their last byte are complete (archiving).
  for (uint64_t seg = first; seg < SegmentOf(target); ++seg) internal::SegmentCompleted(seg);
}

// Starts the page at `page_start` in its buffer slot: evicts the page the
// slot held (writing it out if needed), zeroes it and fills the header.
// Caller holds insert_lock.
void InitPage(WalShared* s, Lsn page_start, uint32_t rem_len) {
  // A bulk load writes 16 MB of WAL in well under the WAL writer's delay; a
  // wake every quarter segment lets it create the next segments in time, so
  // the inserter does not write 16 MB of zeros under insert_lock itself.
  constexpr Lsn kWakeEvery = kSegmentSize / 4;
  if (page_start % kWakeEvery == 0) {
    if (int32_t pid = s->walwriter_pid.load(std::memory_order_relaxed); pid > 0) kill(pid, SIGUSR1);
  }
  Lsn evict_end = page_start >= uint64_t{s->num_pages} * kPageSize
                      ? page_start - uint64_t{s->num_pages - 1} * kPageSize
                      : 0;
  if (s->written.load(std::memory_order_acquire) < evict_end) {
    LWLockGuard w(s->write_lock, LWLockMode::kExclusive);
    WriteLocked(s, evict_end);
  }
  char* page = Slot(s, page_start);
  std::memset(page, 0, kPageSize);
  PageHeader h{};
  h.magic = kPageMagic;
  h.info = rem_len > 0 ? kPageFirstIsContRecord : 0;
  h.timeline = kTimeline;
  h.pageaddr = page_start;
  h.rem_len = rem_len;
  if (page_start % kSegmentSize == 0) {
    LongPageHeader lh{};
    lh.std = h;
    lh.std.info |= kPageLongHeader;
    lh.system_identifier = s->system_identifier;
    lh.segment_size = kSegmentSize;
    lh.page_size = kPageSize;
    std::memcpy(page, &lh, sizeof lh);
  } else {
    std::memcpy(page, &h, sizeof h);
  }
}

// Copies a finished record at the insert position. Caller holds insert_lock.
void CopyRecordLocked(WalShared* s, const std::string& rec, Lsn* start, Lsn* end, Lsn* raw_end = nullptr) {
  Lsn pos = s->insert_pos.load(std::memory_order_relaxed);
  if (pos % kPageSize == 0) {
    InitPage(s, pos, 0);
    pos += PageHeaderSizeAt(pos);
  }
  *start = pos;
  const char* p = rec.data();
  size_t remaining = rec.size();
  while (remaining > 0) {
    if (pos % kPageSize == 0) {
      InitPage(s, pos, static_cast<uint32_t>(remaining));
      pos += PageHeaderSizeAt(pos);
    }
    size_t n = std::min<size_t>(remaining, kPageSize - pos % kPageSize);
    std::memcpy(Slot(s, pos), p, n);
    pos += n;
    p += n;
    remaining -= n;
  }
  // Padding bytes are already zero (InitPage zeroes whole pages).
  *end = AlignRecord(pos);
  if (raw_end) *raw_end = pos;
  s->prev_record = *start;
  s->insert_pos.store(*end, std::memory_order_release);
}

// Fills in the 24-byte header of an assembled record (prev-link from
// prev_record) and its CRC; `crc` covers the bytes after the header.
// Caller holds insert_lock.
void FinishHeaderLocked(WalShared* s, std::string* rec, uint64_t xid, uint32_t crc) {
  RecordHeader h{};
  h.total_len = static_cast<uint32_t>(rec->size());
  h.xid = xid;
  h.prev = s->prev_record;
  std::memcpy(rec->data(), &h, sizeof h);
  crc = Crc32c(crc, rec->data(), 4);
  crc = Crc32c(crc, rec->data() + 8, kRecordHeaderSize - 8);
  std::memcpy(rec->data() + 4, &crc, 4);
}

}  // namespace

int NumBufferPages(const guc::Vars& vars) {
  int n = vars.wal_buffers;
  if (n <= 0) n = vars.shared_buffers / 32;
  return std::clamp<int>(n, 8, static_cast<int>(kSegmentSize / kPageSize));
}

size_t ShmemSize(const guc::Vars& vars) {
  return shmem::AlignedSize(sizeof(WalShared)) +
         shmem::AlignedSize(static_cast<size_t>(NumBufferPages(vars)) * kPageSize);
}

void ShmemInit(const guc::Vars& vars) {
  void* mem = shmem::Alloc(sizeof(WalShared));
  auto* s = new (mem) WalShared();
  s->num_pages = static_cast<uint32_t>(NumBufferPages(vars));
  s->pages = static_cast<char*>(shmem::Alloc(static_cast<size_t>(s->num_pages) * kPageSize));
  internal::SetRawShared(s);
  SetDataDirectory(vars.data_directory);
}

void SetDataDirectory(const std::string& datadir) {
  WalShared* s = internal::RawShared();
  std::snprintf(s->datadir, sizeof s->datadir, "%s", datadir.c_str());
}

void StartupWal(Lsn end_of_valid_wal, Lsn prev_record, uint64_t system_identifier) {
  WalShared* s = internal::RawShared();
  internal::CloseCachedSegment();
  s->system_identifier = system_identifier;
  s->prev_record = prev_record;
  s->insert_pos.store(end_of_valid_wal);
  s->written.store(end_of_valid_wal);
  s->flushed.store(end_of_valid_wal);
  if (s->redo.load() == 0) s->redo.store(end_of_valid_wal);
  s->last_important.store(kInvalidLsn);
  s->last_seg_switch_time.store(static_cast<int64_t>(std::time(nullptr)));
  s->last_seg_switch_lsn.store(end_of_valid_wal);
  if (end_of_valid_wal % kPageSize != 0) {
    // The page holding the end already has a header and records: keep them,
    // and zero what follows so the torn tail is overwritten with new data.
    Lsn page_start = end_of_valid_wal - end_of_valid_wal % kPageSize;
    char* page = Slot(s, page_start);
    std::memset(page, 0, kPageSize);
    std::string path = SegmentPath(s->datadir, SegmentOf(page_start));
    int fd = vfs::Open(path, O_RDONLY);
    if (fd < 0) internal::ThrowPanic("could not open file \"" + path + "\": ", errno);
    ssize_t n = vfs::PRead(fd, page, kPageSize, static_cast<off_t>(page_start % kSegmentSize));
    int e = errno;
    vfs::Close(fd);
    if (n != static_cast<ssize_t>(kPageSize)) internal::ThrowPanic("could not read file \"" + path + "\": ", n < 0 ? e : EIO);
    std::memset(page + end_of_valid_wal % kPageSize, 0, kPageSize - end_of_valid_wal % kPageSize);
  }
  s->started.store(true, std::memory_order_release);
}

// ---- RecordBuilder ----

void RecordBuilder::RegisterBlock(uint8_t id, RelFileLocator rel, uint8_t fork, uint32_t block,
                                  const char* page, uint8_t flags) {
  if (id > kMaxBlockId || blocks_[id].used) {
    throw PgError(sqlstate::kInternalError, "invalid or duplicate WAL block id " + std::to_string(id));
  }
  Block& b = blocks_[id];
  nblocks_ = std::max<uint8_t>(nblocks_, static_cast<uint8_t>(id + 1));
  b.used = true;
  b.rel = rel;
  b.fork = fork;
  b.block = block;
  b.page = page;
  b.flags = flags;
}

void RecordBuilder::AddBlockData(uint8_t id, const void* data, size_t len) {
  if (id > kMaxBlockId || !blocks_[id].used || blocks_[id].data.size() + len > 0xFFFF) {
    throw PgError(sqlstate::kInternalError, "invalid WAL block data for block id " + std::to_string(id));
  }
  Append(&blocks_[id].data, data, len);
}

void RecordBuilder::AddData(const void* data, size_t len) { Append(&main_data_, data, len); }

bool RecordBuilder::ImageTaken(uint8_t id) const { return id <= kMaxBlockId && blocks_[id].image_taken; }

void RecordBuilder::Reset() {
  for (uint8_t id = 0; id < nblocks_; ++id) {
    Block& b = blocks_[id];
    b.used = false;
    b.page = nullptr;
    b.flags = 0;
    b.data.clear();
  }
  nblocks_ = 0;
  main_data_.clear();
}

void RecordBuilder::Assemble(Lsn redo, bool fpw, std::string* out) {
  std::string payload;  // images and block data, after all the headers
  const RelFileLocator* prev_rel = nullptr;
  for (uint8_t id = 0; id <= kMaxBlockId; ++id) blocks_[id].image_taken = false;
  for (uint8_t id = 0; id < nblocks_; ++id) {
    Block& b = blocks_[id];
    if (!b.used) continue;
    bool image = b.page != nullptr && !(b.flags & (kRegWillInit | kRegNoImage)) &&
                 ((b.flags & kRegForceImage) || (fpw && PageGetLsn(b.page) <= redo));
    uint8_t fork_flags = b.fork & kBlockForkMask;
    if (image) fork_flags |= kBlockHasImage;
    if (!b.data.empty()) fork_flags |= kBlockHasData;
    if (b.flags & kRegWillInit) fork_flags |= kBlockWillInit;
    bool same = prev_rel != nullptr && *prev_rel == b.rel;
    if (same) fork_flags |= kBlockSameRel;
    AppendInt<uint8_t>(out, id);
    AppendInt<uint8_t>(out, fork_flags);
    AppendInt<uint16_t>(out, static_cast<uint16_t>(b.data.size()));
    if (image) {
      uint16_t lower, upper, hole_off = 0, hole_len = 0;
      std::memcpy(&lower, b.page + kPdLowerOffset, 2);
      std::memcpy(&upper, b.page + kPdUpperOffset, 2);
      if ((b.flags & kRegStandard) && lower >= kMinPdLower && lower < upper && upper <= kBlockSize) {
        hole_off = lower;
        hole_len = static_cast<uint16_t>(upper - lower);
      }
      AppendInt<uint16_t>(out, static_cast<uint16_t>(kBlockSize - hole_len));
      AppendInt<uint16_t>(out, hole_off);
      AppendInt<uint8_t>(out, static_cast<uint8_t>(kImageApply | (hole_len ? kImageHasHole : 0)));
      if (hole_len) {
        Append(&payload, b.page, hole_off);
        Append(&payload, b.page + hole_off + hole_len, kBlockSize - hole_off - hole_len);
      } else {
        Append(&payload, b.page, kBlockSize);
      }
      b.image_taken = true;
    }
    if (!same) {
      AppendInt<uint32_t>(out, b.rel.spc_oid);
      AppendInt<uint32_t>(out, b.rel.db_oid);
      AppendInt<uint32_t>(out, b.rel.rel_number);
    }
    AppendInt<uint32_t>(out, b.block);
    payload += b.data;
    prev_rel = &b.rel;
  }
  if (!main_data_.empty()) {
    if (main_data_.size() < 256) {
      AppendInt<uint8_t>(out, kMainDataShort);
      AppendInt<uint8_t>(out, static_cast<uint8_t>(main_data_.size()));
    } else {
      AppendInt<uint8_t>(out, kMainDataLong);
      AppendInt<uint32_t>(out, static_cast<uint32_t>(main_data_.size()));
    }
  }
  *out += payload;
  *out += main_data_;
}

Lsn RecordBuilder::Insert(uint8_t rmgr, uint8_t info, uint64_t xid) {
  WalShared* s = internal::Shared();
  std::string rec;
  for (;;) {
    Lsn redo = s->redo.load(std::memory_order_acquire);
    rec.assign(kRecordHeaderSize, '\0');
    rec.push_back(static_cast<char>(rmgr));
    rec.push_back(static_cast<char>(info));
    Assemble(redo, guc::V().full_page_writes, &rec);
    if (rec.size() > kMaxRecordSize) {
      throw PgError(sqlstate::kProgramLimitExceeded, "WAL record would be too large");
    }
    // The data part of the CRC needs no lock; the header part covers the
    // prev-link, known only once we hold the insertion lock.
    uint32_t crc = Crc32c(0, rec.data() + kRecordHeaderSize, rec.size() - kRecordHeaderSize);
    LWLockGuard g(s->insert_lock, LWLockMode::kExclusive);
    if (s->redo.load(std::memory_order_relaxed) != redo) continue;  // a checkpoint began: decide images again
    FinishHeaderLocked(s, &rec, xid, crc);
    Lsn start, end;
    CopyRecordLocked(s, rec, &start, &end);
    s->last_important.store(start, std::memory_order_release);
    g.Unlock();
    last_start_ = start;
    Reset();
    return end;
  }
}

Lsn SwitchSegment() {
  WalShared* s = internal::Shared();
  std::string rec(kRecordHeaderSize, '\0');
  rec.push_back(static_cast<char>(kRmgrXlog));
  rec.push_back(static_cast<char>(kXlogSwitch));
  uint32_t crc = Crc32c(0, rec.data() + kRecordHeaderSize, rec.size() - kRecordHeaderSize);
  LWLockGuard g(s->insert_lock, LWLockMode::kExclusive);
  Lsn pos = s->insert_pos.load(std::memory_order_relaxed);
  // At a segment boundary the previous segment is already complete: nothing to skip.
  if (pos % kSegmentSize == 0) {
    g.Unlock();
    Flush(pos);
    return pos;
  }
  FinishHeaderLocked(s, &rec, 0, crc);
  Lsn start, end, raw_end;
  CopyRecordLocked(s, rec, &start, &end, &raw_end);
  // The rest of the segment: empty pages with valid headers, as PostgreSQL
  // writes them, so the segment file is whole when it is archived. They are
  // in the buffers before insert_pos passes them (invariant 3).
  Lsn seg_end = SwitchEndOf(end);
  for (Lsn page = (end + kPageSize - 1) / kPageSize * kPageSize; page < seg_end; page += kPageSize) InitPage(s, page, 0);
  s->insert_pos.store(seg_end, std::memory_order_release);
  g.Unlock();
  Flush(seg_end);
  return raw_end;
}

// ---- Flushing ----

void Flush(Lsn upto) {
  // During recovery the WAL being replayed is already on disk: pages that redo
  // dirties may be written without flushing anything.
  if (!internal::SharedStarted()) return;
  WalShared* s = internal::Shared();
  if (upto <= s->flushed.load(std::memory_order_acquire)) return;
  s->flush_requests.fetch_add(1, std::memory_order_relaxed);
  // Waiting here is the group commit: whoever holds the lock writes and
  // syncs everything inserted so far, which usually covers us too. Waiters
  // only wait for it to be free and look again (AcquireOrWait), so those
  // it covered leave at once instead of taking the lock one after another.
  while (upto > s->flushed.load(std::memory_order_acquire)) {
    if (!s->write_lock.AcquireOrWait()) continue;
    LWLockGuard w(s->write_lock, LWLockGuard::Adopt{});
    if (upto <= s->flushed.load(std::memory_order_relaxed)) return;
    WriteAndSyncLocked(s, s->insert_pos.load(std::memory_order_acquire));
    return;
  }
}

void BackgroundFlush() {
  WalShared* s = internal::Shared();
  Lsn target = s->insert_pos.load(std::memory_order_acquire);
  if (target > s->flushed.load(std::memory_order_acquire)) Flush(target);
  // Pre-allocate the next segment, and the one after once a quarter of the
  // current one is used, so neither a commit nor a bulk load (woken by
  // InitPage every quarter segment) waits for 16 MB of zeros under insert_lock.
  if (internal::EnsureSegmentExists(SegmentOf(target) + 1)) s->segments_added.fetch_add(1);
  if (target % kSegmentSize >= kSegmentSize / 4) {
    if (internal::EnsureSegmentExists(SegmentOf(target) + 2)) s->segments_added.fetch_add(1);
  }
}

void SetWalWriterPid(int pid) {
  if (WalShared* s = internal::RawShared()) s->walwriter_pid.store(pid, std::memory_order_relaxed);
}

Lsn InsertPosition() { return internal::Shared()->insert_pos.load(std::memory_order_acquire); }
Lsn FlushedPosition() { return internal::Shared()->flushed.load(std::memory_order_acquire); }

Lsn GetRedoPointer() { return internal::Shared()->redo.load(std::memory_order_acquire); }

void SetRedoPointer(Lsn redo) {
  WalShared* s = internal::RawShared();
  LWLockGuard g(s->insert_lock, LWLockMode::kExclusive);
  s->redo.store(redo, std::memory_order_release);
}

Lsn AdvanceRedoPointer() {
  WalShared* s = internal::Shared();
  LWLockGuard g(s->insert_lock, LWLockMode::kExclusive);
  Lsn pos = s->insert_pos.load(std::memory_order_relaxed);
  s->redo.store(pos, std::memory_order_release);
  return pos;
}

Stats GetStats() {
  WalShared* s = internal::Shared();
  Stats st;
  st.syncs = s->syncs.load();
  st.flush_requests = s->flush_requests.load();
  st.writes = s->writes.load();
  return st;
}

}  // namespace tusk::wal
