// The WAL receiver process (see walreceiver.h); libpq comes from utils/libpq_dl.h.
#include "postmaster/walreceiver.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "access/wal/wal_format.h"
#include "postmaster/aux_process.h"
#include "storage/file/control_file.h"
#include "storage/file/vfs.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "utils/guc.h"
#include "utils/libpq_dl.h"
#include "utils/log.h"
#include "utils/process_globals.h"
#include "utils/ps_title.h"

namespace tusk::walrcv {
namespace {

struct Shared {
  std::atomic<uint64_t> replay;
  std::atomic<uint64_t> flushed;
  std::atomic<int> pid;
  char conninfo[512];
};

Shared* g_shared = nullptr;

}  // namespace

size_t ShmemSize() { return shmem::AlignedSize(sizeof(Shared)); }
void ShmemInit() {
  g_shared = new (shmem::Alloc(sizeof(Shared))) Shared();
  g_shared->replay.store(0);
  g_shared->flushed.store(0);
  g_shared->pid.store(0);
  g_shared->conninfo[0] = '\0';
}

void SetReplayPosition(wal::Lsn lsn) { g_shared->replay.store(lsn, std::memory_order_release); }
wal::Lsn ReplayPosition() { return g_shared->replay.load(std::memory_order_acquire); }
void SetFlushed(wal::Lsn lsn) { g_shared->flushed.store(lsn, std::memory_order_release); }
wal::Lsn Flushed() { return g_shared->flushed.load(std::memory_order_acquire); }
void SetConnected(int pid, const char* conninfo) {
  std::strncpy(g_shared->conninfo, conninfo, sizeof g_shared->conninfo - 1);
  g_shared->pid.store(pid, std::memory_order_release);
}
int ConnectedPid() { return g_shared->pid.load(std::memory_order_acquire); }

}  // namespace tusk::walrcv

namespace tusk::aux {
namespace {

uint64_t ReadBE64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void PutBE64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Microseconds since 2000-01-01, the protocol's clock.
int64_t PgNow() {
  using namespace std::chrono;
  const int64_t unix_us = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  return unix_us - 946684800LL * 1000000;
}

// Writes received WAL into pg_wal, one segment file at a time.
class SegmentWriter {
 public:
  ~SegmentWriter() { Close(); }

  // Writes `len` bytes that belong at `lsn` (they may cross segments).
  bool Write(wal::Lsn lsn, const char* data, size_t len) {
    while (len > 0) {
      const uint64_t segno = wal::SegmentOf(lsn);
      if (fd_ < 0 || segno != segno_) {
        if (!Sync()) return false;
        Close();
        if (!Open(segno)) return false;
      }
      const size_t offset = static_cast<size_t>(lsn % wal::kSegmentSize);
      const size_t n = std::min(len, static_cast<size_t>(wal::kSegmentSize) - offset);
      if (!vfs::PWriteAll(fd_, data, n, static_cast<off_t>(offset))) {
        Log(ErrLevel::kLog, "could not write to log segment " + wal::SegmentFileName(segno) + ": " + strerror(errno));
        return false;
      }
      lsn += n;
      data += n;
      len -= n;
      written_ = lsn;
    }
    return true;
  }

  // Everything written is durable; its end becomes the flushed position.
  bool Sync() {
    if (fd_ < 0 || written_ <= walrcv::Flushed()) return true;
    if (vfs::Fsync(fd_) != 0) {
      Log(ErrLevel::kLog, "could not fsync log segment " + wal::SegmentFileName(segno_) + ": " + strerror(errno));
      return false;
    }
    walrcv::SetFlushed(written_);
    return true;
  }

  wal::Lsn written() const { return written_; }

 private:
  bool Open(uint64_t segno) {
    const std::string dir = Globals().data_dir;
    const std::string path = wal::SegmentPath(dir, segno);
    fd_ = vfs::Open(path, O_RDWR);
    if (fd_ < 0 && errno == ENOENT) {
      // Created whole under a temporary name, as the primary creates its segments.
      const std::string tmp = dir + "/pg_wal/xlogtemp." + std::to_string(getpid());
      int fd = vfs::Open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
      bool ok = fd >= 0;
      std::vector<char> zeros(1 << 20, 0);
      for (uint64_t off = 0; ok && off < wal::kSegmentSize; off += zeros.size())
        ok = vfs::PWriteAll(fd, zeros.data(), zeros.size(), static_cast<off_t>(off));
      ok = ok && vfs::Fsync(fd) == 0;
      if (fd >= 0) vfs::Close(fd);
      ok = ok && vfs::Rename(tmp, path) == 0;
      if (ok) vfs::FsyncDir(dir + "/pg_wal");
      if (ok) fd_ = vfs::Open(path, O_RDWR);
    }
    if (fd_ < 0) {
      Log(ErrLevel::kLog, "could not open log segment " + wal::SegmentFileName(segno) + ": " + strerror(errno));
      return false;
    }
    segno_ = segno;
    return true;
  }

  void Close() {
    if (fd_ >= 0) vfs::Close(fd_);
    fd_ = -1;
  }

  int fd_ = -1;
  uint64_t segno_ = 0;
  wal::Lsn written_ = 0;
};

class Receiver {
 public:
  int Run();

 private:
  bool Connect();
  bool Stream();
  bool SendStatus(bool reply_requested);

  Libpq pq_{};
  PGconn* conn_ = nullptr;
  SegmentWriter writer_;
  std::chrono::steady_clock::time_point last_status_{};
  wal::Lsn last_applied_ = 0;
};

bool Receiver::Connect() {
  std::string error;
  if (!pq_.Load(&error)) {
    Log(ErrLevel::kFatal, error);
    return false;
  }
  const std::string conninfo = guc::V().primary_conninfo;
  // The receiver's own settings come last, so they win over the user's.
  const std::string full = conninfo + " replication=true dbname=replication fallback_application_name=walreceiver";
  conn_ = pq_.connectdb(full.c_str());
  if (pq_.status(conn_) != CONNECTION_OK) {
    Log(ErrLevel::kFatal, "could not connect to the primary server: " + TrimMessage(pq_.error_message(conn_)));
    return false;
  }
  PGresult* r = pq_.exec(conn_, "IDENTIFY_SYSTEM");
  if (pq_.result_status(r) != PGRES_TUPLES_OK || pq_.ntuples(r) != 1) {
    Log(ErrLevel::kFatal, "could not receive database system identifier and timeline ID from the primary server: " +
                              TrimMessage(pq_.result_error_message(r)));
    pq_.clear(r);
    return false;
  }
  const std::string primary_id = pq_.getvalue(r, 0, 0);
  pq_.clear(r);
  ControlData control;
  if (!ReadControlFile(Globals().data_dir, &control, &error)) {
    Log(ErrLevel::kFatal, error);
    return false;
  }
  if (primary_id != std::to_string(control.system_identifier)) {
    ErrorData d;
    d.level = ErrLevel::kFatal;
    d.message = "database system identifier differs between the primary and standby";
    d.detail = "The primary's identifier is " + primary_id + ", the standby's identifier is " +
               std::to_string(control.system_identifier) + ".";
    LogEntry(d);
    return false;
  }
  walrcv::SetConnected(getpid(), conninfo.c_str());
  return true;
}

bool Receiver::SendStatus(bool reply_requested) {
  const wal::Lsn written = writer_.written(), flushed = walrcv::Flushed(), applied = walrcv::ReplayPosition();
  std::string msg = "r";
  PutBE64(&msg, written);
  PutBE64(&msg, flushed);
  PutBE64(&msg, applied);
  last_applied_ = applied;
  PutBE64(&msg, static_cast<uint64_t>(PgNow()));
  msg.push_back(reply_requested ? 1 : 0);
  last_status_ = std::chrono::steady_clock::now();
  return pq_.put_copy_data(conn_, msg.data(), static_cast<int>(msg.size())) == 1 && pq_.flush(conn_) == 0;
}

bool Receiver::Stream() {
  const wal::Lsn replay = walrcv::ReplayPosition();
  const wal::Lsn start = replay - replay % wal::kSegmentSize;
  const std::string command = "START_REPLICATION " + wal::LsnToString(start) + " TIMELINE 1";
  PGresult* r = pq_.exec(conn_, command.c_str());
  if (pq_.result_status(r) != PGRES_COPY_BOTH) {
    Log(ErrLevel::kFatal, "could not start WAL streaming: " + TrimMessage(pq_.result_error_message(r)));
    pq_.clear(r);
    return false;
  }
  pq_.clear(r);
  LogLine("streaming replication successfully connected to primary");
  LogLine("started streaming WAL from primary at " + wal::LsnToString(start) + " on timeline 1");
  AuxFlags& f = Flags();
  const int sock = pq_.socket(conn_);
  for (;;) {
    latch::ResetLatch();
    if (int rc = CommonWakeupChecks(); rc >= 0) return false;
    if (f.got_sigterm) return true;
    char* buf = nullptr;
    int n = pq_.get_copy_data(conn_, &buf, 1);
    if (n > 0) {
      bool ok = true;
      if (buf[0] == 'w' && n >= 25) {
        ok = writer_.Write(ReadBE64(buf + 1), buf + 25, static_cast<size_t>(n - 25));
        SetPsActivity("streaming " + wal::LsnToString(writer_.written()));
      } else if (buf[0] == 'k' && n >= 18 && buf[17] != 0) {
        ok = writer_.Sync() && SendStatus(false);
      }
      pq_.freemem(buf);
      if (!ok) return false;
      continue;
    }
    if (n == -1) {
      LogLine("replication terminated by primary server");
      return false;
    }
    if (n < -1) {
      Log(ErrLevel::kFatal, "could not receive data from WAL stream: " + TrimMessage(pq_.error_message(conn_)));
      return false;
    }
    // Caught up for now: make it durable, tell the primary, wait for more.
    const wal::Lsn before = walrcv::Flushed();
    if (!writer_.Sync()) return false;
    const auto interval = std::chrono::seconds(std::max(1, guc::V().wal_receiver_status_interval));
    // Replies when the flush or the replay moved (pg_stat_replication's
    // flush_lsn and replay_lsn follow), and at least every interval.
    if (walrcv::Flushed() != before || walrcv::ReplayPosition() != last_applied_ ||
        std::chrono::steady_clock::now() - last_status_ >= interval) {
      if (!SendStatus(false)) {
        Log(ErrLevel::kFatal, "could not send data to WAL stream: " + TrimMessage(pq_.error_message(conn_)));
        return false;
      }
    }
    latch::WaitLatch(sock, latch::kSocketReadable, 100);
    if (pq_.consume_input(conn_) == 0) {
      Log(ErrLevel::kFatal, "could not receive data from WAL stream: " + TrimMessage(pq_.error_message(conn_)));
      return false;
    }
  }
}

int Receiver::Run() {
  bool clean = Connect() && Stream();
  walrcv::SetConnected(0, "");
  if (conn_ != nullptr) {
    if (clean) pq_.put_copy_end(conn_, nullptr);
    pq_.finish(conn_);
  }
  writer_.Sync();
  // Exit 1 (not 0) after a failure, as a FATAL does; either way the postmaster
  // starts a new receiver while the standby still needs one.
  return clean ? 0 : 1;
}

}  // namespace

int WalReceiverMain() {
  InstallAuxSignalHandlers();
  InitPsDisplay("walreceiver");
  proc_array::ClaimSlot(BackendType::kWalReceiver);
  Receiver receiver;
  int rc = receiver.Run();
  proc_array::ReleaseMySlot();
  return rc;
}

}  // namespace tusk::aux
