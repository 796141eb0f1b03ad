// Redo dispatch for crash recovery, the XLOG resource manager's checkpoint
// record, and the first segment initdb writes. Log lines follow PostgreSQL
// 15's wording so operators see familiar recovery messages.
#include "access/wal/wal_redo.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "access/wal/wal.h"
#include "access/wal/wal_dbase.h"
#include "access/wal/wal_internal.h"
#include "storage/buffer/buffer.h"
#include "storage/file/vfs.h"
#include "utils/crc32c.h"
#include "utils/error.h"
#include "utils/log.h"

namespace tusk::wal {
namespace {

struct RmgrEntry {
  const char* name = nullptr;
  RedoFunction redo = nullptr;
};

RmgrEntry* Table() {
  static RmgrEntry table[256];
  return table;
}

bool DecodeCheckpoint(std::string_view data, CheckpointInfo* info);

void XlogRedo(const DecodedRecord& rec) {
  if (rec.info == kXlogNextOid) {
    uint32_t next_oid;
    if (rec.main_data.size() != sizeof next_oid)
      throw PgError(sqlstate::kInternalError, "invalid NEXTOID record at " + LsnToString(rec.lsn), ErrLevel::kPanic);
    std::memcpy(&next_oid, rec.main_data.data(), sizeof next_oid);
    internal::AdvanceOidCounterTo(next_oid);
    return;
  }
  if (rec.info == kXlogSwitch) return;  // the reader already skipped to the next segment
  if (rec.info == kXlogBackupEnd) return;  // the startup process watches for it
  // Checkpoint records change no pages (start-up reads the first one
  // directly); a later one still carries the OID counter forward.
  CheckpointInfo info;
  if ((rec.info == kXlogCheckpointShutdown || rec.info == kXlogCheckpointOnline) &&
      DecodeCheckpoint(rec.main_data, &info))
    internal::AdvanceOidCounterTo(info.next_oid);
}

void EnsureBuiltins() {
  if (Table()[kRmgrXlog].redo == nullptr) RegisterRmgr(kRmgrXlog, "XLOG", XlogRedo);
  if (Table()[kRmgrDatabase].redo == nullptr) RegisterDatabaseRmgr();
}

double Seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; }

bool DecodeCheckpoint(std::string_view data, CheckpointInfo* info) {
  if (data.size() != kCheckpointDataSize) return false;
  std::memcpy(&info->redo, data.data(), 8);
  std::memcpy(&info->next_xid, data.data() + 8, 8);
  std::memcpy(&info->time, data.data() + 16, 8);
  std::memcpy(&info->next_oid, data.data() + 24, 4);
  info->shutdown = data[28] != 0;
  return true;
}

}  // namespace

void RegisterRmgr(uint8_t id, const char* name, RedoFunction redo) {
  if (id > kMaxRmgrId) throw PgError(sqlstate::kInternalError, "resource manager ID " + std::to_string(id) + " out of range");
  Table()[id] = RmgrEntry{name, redo};
}

const char* RmgrName(uint8_t id) { return Table()[id].name; }

void EncodeCheckpoint(const CheckpointInfo& info, char out[kCheckpointDataSize]) {
  std::memset(out, 0, kCheckpointDataSize);
  std::memcpy(out, &info.redo, 8);
  std::memcpy(out + 8, &info.next_xid, 8);
  std::memcpy(out + 16, &info.time, 8);
  std::memcpy(out + 24, &info.next_oid, 4);
  out[28] = info.shutdown ? 1 : 0;
}

Lsn WriteCheckpointRecord(const CheckpointInfo& info) {
  char data[kCheckpointDataSize];
  EncodeCheckpoint(info, data);
  RecordBuilder b;
  b.AddData(data, sizeof data);
  Lsn end = b.Insert(kRmgrXlog, info.shutdown ? kXlogCheckpointShutdown : kXlogCheckpointOnline, 0);
  Flush(end);
  return b.last_start();
}

bool ReadCheckpointRecordIn(const std::string& datadir, Lsn lsn, CheckpointInfo* info, std::string* error) {
  Reader r(datadir, lsn);
  const DecodedRecord* rec = r.Next();
  if (rec == nullptr) {
    *error = r.error().empty() ? "invalid checkpoint record" : r.error();
    return false;
  }
  if (rec->lsn != lsn) {
    *error = "invalid checkpoint record";
    return false;
  }
  if (rec->rmgr != kRmgrXlog) {
    *error = "invalid resource manager ID in checkpoint record";
    return false;
  }
  if (rec->info != kXlogCheckpointShutdown && rec->info != kXlogCheckpointOnline) {
    *error = "invalid xl_info in checkpoint record";
    return false;
  }
  if (!rec->blocks.empty() || !DecodeCheckpoint(rec->main_data, info)) {
    *error = "invalid length of checkpoint record";
    return false;
  }
  return true;
}

bool ReadCheckpointRecord(Lsn lsn, CheckpointInfo* info, std::string* error) {
  return ReadCheckpointRecordIn(internal::DataDir(), lsn, info, error);
}

Lsn RunRedo(Lsn redo_start, Lsn checkpoint_lsn, RedoResult* result, void (*on_segment)(uint64_t segno),
            const RedoHooks* hooks) {
  EnsureBuiltins();
  // Replay alone changes relation sizes now: remember them (no fstat per record).
  struct SizesScope {
    SizesScope() { buffer::BeginRedoSizes(); }
    ~SizesScope() { buffer::EndRedoSizes(); }
  } sizes;
  RedoResult res;
  rusage ru0{};
  getrusage(RUSAGE_SELF, &ru0);
  auto t0 = std::chrono::steady_clock::now();
  Reader reader(internal::DataDir(), redo_start);
  const DecodedRecord* rec = reader.Next();
  res.end_of_wal = redo_start;
  if (rec != nullptr && redo_start == checkpoint_lsn) {
    // The checkpoint record is where redo would start: nothing in it to replay.
    res.end_of_wal = rec->end_lsn;
    res.last_record = rec->lsn;
    if (hooks != nullptr && hooks->after_record) hooks->after_record(*rec);
    rec = reader.Next();
  }
  // A standby waits here for more WAL; otherwise the first end is the end.
  auto more = [&] {
    if (hooks == nullptr || !hooks->at_end || !hooks->at_end(res.end_of_wal, reader.error())) return false;
    reader.Retry();
    rec = reader.Next();
    return true;
  };
  while (rec == nullptr && more()) {
  }
  if (rec == nullptr) {
    if (!reader.error().empty()) Log(ErrLevel::kLog, reader.error());
    LogLine("redo is not required");
  } else {
    LogLine("redo starts at " + LsnToString(rec->lsn));
    uint64_t segment = 0;
    do {
      for (; rec != nullptr; rec = reader.Next()) {
        if (on_segment != nullptr && SegmentOf(rec->lsn) != segment) {
          segment = SegmentOf(rec->lsn);
          on_segment(segment);
        }
        const char* name = RmgrName(rec->rmgr);
        RedoFunction fn = Table()[rec->rmgr].redo;
        if (name == nullptr || fn == nullptr) {
          throw PgError(sqlstate::kInternalError,
                        "resource manager with ID " + std::to_string(rec->rmgr) + " not registered", ErrLevel::kPanic);
        }
        if (hooks != nullptr && hooks->before_record) hooks->before_record(*rec);
        fn(*rec);
        res.replayed++;
        if (rec->xid > res.max_xid) res.max_xid = rec->xid;
        res.last_record = rec->lsn;
        res.end_of_wal = rec->end_lsn;
        if (hooks != nullptr && hooks->after_record) hooks->after_record(*rec);
      }
    } while (more());
    if (!reader.error().empty()) Log(ErrLevel::kLog, reader.error());
    rusage ru1{};
    getrusage(RUSAGE_SELF, &ru1);
    double user = Seconds(ru1.ru_utime) - Seconds(ru0.ru_utime);
    double sys = Seconds(ru1.ru_stime) - Seconds(ru0.ru_stime);
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    char usage[160];
    std::snprintf(usage, sizeof usage, "CPU: user: %.2f s, system: %.2f s, elapsed: %.2f s", user, sys, elapsed);
    LogLine("redo done at " + LsnToString(res.last_record) + " system usage: " + usage);
  }
  res.stop_reason = reader.error();
  if (result != nullptr) *result = res;
  return res.end_of_wal;
}

Lsn BootstrapWal(const std::string& datadir, uint64_t system_identifier, uint64_t next_xid, uint32_t next_oid) {
  // The first segment is number 1, as in PostgreSQL; the record follows the long header.
  const uint64_t segno = 1;
  const Lsn page_lsn = segno * kSegmentSize;
  const Lsn lsn = page_lsn + kLongHeaderSize;
  std::vector<char> page(kPageSize, 0);
  LongPageHeader lh{};
  lh.std.magic = kPageMagic;
  lh.std.info = kPageLongHeader;
  lh.std.timeline = kTimeline;
  lh.std.pageaddr = page_lsn;
  lh.system_identifier = system_identifier;
  lh.segment_size = kSegmentSize;
  lh.page_size = kPageSize;
  std::memcpy(page.data(), &lh, sizeof lh);

  CheckpointInfo info;
  info.redo = lsn;
  info.next_xid = next_xid;
  info.next_oid = next_oid;
  info.time = static_cast<int64_t>(std::time(nullptr));
  info.shutdown = true;
  std::string rec(kRecordHeaderSize, '\0');
  rec.push_back(static_cast<char>(kRmgrXlog));
  rec.push_back(static_cast<char>(kXlogCheckpointShutdown));
  rec.push_back(static_cast<char>(kMainDataShort));
  rec.push_back(static_cast<char>(kCheckpointDataSize));
  char data[kCheckpointDataSize];
  EncodeCheckpoint(info, data);
  rec.append(data, sizeof data);
  RecordHeader h{};
  h.total_len = static_cast<uint32_t>(rec.size());
  std::memcpy(rec.data(), &h, sizeof h);
  uint32_t crc = Crc32c(0, rec.data() + kRecordHeaderSize, rec.size() - kRecordHeaderSize);
  crc = Crc32c(crc, rec.data(), 4);
  crc = Crc32c(crc, rec.data() + 8, kRecordHeaderSize - 8);
  std::memcpy(rec.data() + 4, &crc, 4);
  std::memcpy(page.data() + kLongHeaderSize, rec.data(), rec.size());

  std::string dir = datadir + "/pg_wal";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string path = SegmentPath(datadir, segno);
  std::string tmp = dir + "/xlogtemp." + std::to_string(::getpid());
  int fd = vfs::Open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) throw MakeFatal("58030", "could not create file \"" + tmp + "\": " + std::strerror(errno));
  std::vector<char> zeros(1 << 20, 0);
  bool ok = true;
  for (uint64_t off = 0; ok && off < kSegmentSize; off += zeros.size()) {
    ok = vfs::PWriteAll(fd, zeros.data(), zeros.size(), static_cast<off_t>(off));
  }
  ok = ok && vfs::PWriteAll(fd, page.data(), page.size(), 0) && vfs::Fsync(fd) == 0;
  int e = errno;
  vfs::Close(fd);
  if (!ok) throw MakeFatal("58030", "could not write to file \"" + tmp + "\": " + std::strerror(e));
  if (vfs::Rename(tmp, path) != 0) {
    throw MakeFatal("58030", "could not rename file \"" + tmp + "\" to \"" + path + "\": " + std::strerror(errno));
  }
  vfs::FsyncDir(dir);
  return lsn;
}

}  // namespace tusk::wal
