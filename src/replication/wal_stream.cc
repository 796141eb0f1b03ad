// START_REPLICATION (physical): CopyBoth mode, XLogData ('w') messages read
// from the pg_wal segment files up to the flushed position, primary
// keepalives ('k'), and the standby's status updates ('r') and hot-standby
// feedback ('h'). New WAL is noticed by polling the flushed position every
// few milliseconds while idle (the WAL writer does not wake senders).
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>

#include "access/wal/wal.h"
#include "backend/interrupts.h"
#include "protocol/message.h"
#include "replication/walsender_internal.h"
#include "storage/ipc/latch.h"
#include "utils/guc.h"
#include "utils/log.h"
#include "utils/process_globals.h"
#include "utils/timestamp.h"

namespace tusk::replication {
namespace {

constexpr size_t kMaxSend = 128 * 1024;   // WAL bytes per XLogData message
constexpr int kIdleWaitMs = 5;            // polling interval for new WAL
constexpr int kChunksPerRound = 16;       // then look at the client again
constexpr int64_t kIdleKeepaliveUs = 10 * 1000000;

void PutInt64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t ReadInt64(protocol::MessageReader& r) {
  const uint64_t hi = static_cast<uint32_t>(r.Int32());
  const uint64_t lo = static_cast<uint32_t>(r.Int32());
  return (hi << 32) | lo;
}

PgError SegmentRemoved(uint64_t segno) {
  return MakeError(sqlstate::kUndefinedFile,
                   "requested WAL segment " + wal::SegmentFileName(segno) + " has already been removed");
}

// Samples of (end of WAL sent, when) to turn the standby's positions into lags.
class LagTracker {
 public:
  void Sent(wal::Lsn end, int64_t now) {
    for (auto& q : queues_) {
      if (!q.empty() && q.back().first >= end) continue;
      if (q.size() >= 4096) q.pop_front();
      q.emplace_back(end, now);
    }
  }
  // The lag for position `pos` of kind `which` (0 write, 1 flush, 2 replay); -1 when unknown.
  int64_t Lag(int which, wal::Lsn pos, int64_t now, int64_t previous) {
    auto& q = queues_[which];
    int64_t sent_at = -1;
    while (!q.empty() && q.front().first <= pos) {
      sent_at = q.front().second;
      q.pop_front();
    }
    return sent_at < 0 ? previous : now - sent_at;
  }

 private:
  std::deque<std::pair<wal::Lsn, int64_t>> queues_[3];
};

// The segment file being read (opened read-only; a recycled one is caught by
// the removal horizon check after each read).
class SegmentReader {
 public:
  ~SegmentReader() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Reads [from, from + len) which lies in one segment.
  void Read(wal::Lsn from, char* buf, size_t len) {
    const uint64_t seg = wal::SegmentOf(from);
    if (fd_ < 0 || seg != segno_) {
      Close();
      if (seg < RemovedBelowSegment()) throw SegmentRemoved(seg);
      const std::string path = wal::SegmentPath(Globals().data_dir, seg);
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) {
        if (errno == ENOENT) throw SegmentRemoved(seg);
        throw MakeError(sqlstate::kIoError, "could not open file \"" + path + "\": " + std::strerror(errno));
      }
      segno_ = seg;
    }
    size_t done = 0;
    const off_t base = static_cast<off_t>(from % wal::kSegmentSize);
    while (done < len) {
      ssize_t n = ::pread(fd_, buf + done, len - done, base + static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        throw MakeError(sqlstate::kIoError, "could not read from log segment " + wal::SegmentFileName(seg) +
                                                ", offset " + std::to_string(base + static_cast<off_t>(done)) +
                                                (n < 0 ? std::string(": ") + std::strerror(errno) : ""));
      done += static_cast<size_t>(n);
    }
    // Recycled or removed while we read: what we read cannot be trusted.
    if (seg < RemovedBelowSegment()) throw SegmentRemoved(seg);
  }

 private:
  int fd_ = -1;
  uint64_t segno_ = 0;
};

// Releases an acquired slot on every way out.
class SlotHold {
 public:
  explicit SlotHold(std::string name) : name_(std::move(name)) {}
  ~SlotHold() {
    if (!name_.empty()) ReleaseSlot(name_);
  }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

}  // namespace

void WalSender::StartReplication(const Command& cmd) {
  if (cmd.logical) throw MakeError(sqlstate::kFeatureNotSupported, "logical decoding requires a database connection");
  if (cmd.timeline != 0 && cmd.timeline != wal::kTimeline)
    throw MakeError(sqlstate::kInternalError,
                    "requested timeline " + std::to_string(cmd.timeline) + " is not in this server's history");
  std::string slot_name;
  if (cmd.has_slot) {
    AcquireSlot(cmd.name);
    slot_name = cmd.name;
  }
  SlotHold hold(slot_name);
  const wal::Lsn flushed = wal::FlushedPosition();
  if (cmd.lsn > flushed)
    throw MakeError(sqlstate::kInternalError, "requested starting point " + wal::LsnToString(cmd.lsn) +
                                                  " is ahead of the WAL flush position of this server " +
                                                  wal::LsnToString(flushed));
  wal::Lsn sent = cmd.lsn;
  // Hold the WAL from the start on, then make sure it is still there.
  info_ = SenderInfo{};
  info_.state = SenderState::kCatchup;
  info_.keep = sent;
  info_.sent = sent;
  Publish();
  if (sent < flushed) {
    const uint64_t seg = wal::SegmentOf(sent);
    if (seg < RemovedBelowSegment() || ::access(wal::SegmentPath(Globals().data_dir, seg).c_str(), F_OK) != 0)
      throw SegmentRemoved(seg);
  }

  protocol::MessageWriter(&conn_.out(), 'W').Byte(0).Int16(0);  // CopyBothResponse
  conn_.Flush();
  SetActivity("streaming " + wal::LsnToString(sent));

  SegmentReader reader;
  LagTracker lags;
  std::string buf(kMaxSend, '\0');
  int64_t last_heard = NowMicros(), last_sent_msg = last_heard, last_title = 0;
  wal::Lsn title_lsn = 0;
  bool ping_pending = false;
  bool done = false;
  auto keepalive = [&](bool reply_requested) {
    std::string body;
    PutInt64(&body, sent);
    PutInt64(&body, static_cast<uint64_t>(NowPgMicros()));
    body.push_back(reply_requested ? 1 : 0);
    protocol::MessageWriter(&conn_.out(), 'd').Byte('k').Bytes(body);
    last_sent_msg = NowMicros();
  };
  auto input_ready = [this] {
    if (conn_.HasBufferedInput()) return true;
    pollfd p{conn_.fd(), POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  };

  while (!done) {
    CheckInterrupts();
    // The standby's messages.
    while (!done && input_ready()) {
      char type;
      std::string body;
      if (!conn_.ReadMessage(&type, &body)) {
        LogLine("unexpected EOF on standby connection");
        throw EndOfSession{};
      }
      last_heard = NowMicros();
      ping_pending = false;
      if (type == 'c') {
        done = true;
      } else if (type == 'X') {
        throw EndOfSession{};
      } else if (type == 'd') {
        protocol::MessageReader r(body);
        const char kind = r.Byte();
        if (kind == 'r') {
          const wal::Lsn write = ReadInt64(r), flush = ReadInt64(r), apply = ReadInt64(r);
          const int64_t sent_time = static_cast<int64_t>(ReadInt64(r));
          const bool reply = r.Byte() != 0;
          const int64_t now = NowMicros();
          info_.write_lag_us = lags.Lag(0, write, now, info_.write_lag_us);
          info_.flush_lag_us = lags.Lag(1, flush, now, info_.flush_lag_us);
          info_.replay_lag_us = lags.Lag(2, apply, now, info_.replay_lag_us);
          info_.write = write;
          info_.flush = flush;
          info_.replay = apply;
          info_.reply_time_us = sent_time + kPgEpochOffsetMicros;
          Publish();
          if (!slot_name.empty() && flush != wal::kInvalidLsn) AdvanceSlot(slot_name, flush);
          if (reply) keepalive(false);
        } else if (kind == 'h') {
          (void)ReadInt64(r);  // send time
          const uint64_t xmin = static_cast<uint32_t>(r.Int32());
          const uint64_t epoch = static_cast<uint32_t>(r.Int32());
          info_.xmin = xmin == 0 ? 0 : (epoch << 32) | xmin;
          Publish();
        } else {
          throw MakeFatal(sqlstate::kProtocolViolation, std::string("unexpected message type \"") + kind + "\"");
        }
      } else {
        throw MakeFatal(sqlstate::kProtocolViolation,
                        "invalid standby message type \"" + std::string(1, type) + "\"");
      }
    }
    if (done) break;

    // WAL, up to what is flushed.
    bool sent_any = false;
    const wal::Lsn end = wal::FlushedPosition();
    for (int i = 0; i < kChunksPerRound && sent < end; ++i) {
      const wal::Lsn seg_end = (wal::SegmentOf(sent) + 1) * wal::kSegmentSize;
      const size_t len = static_cast<size_t>(std::min<uint64_t>({end - sent, kMaxSend, seg_end - sent}));
      reader.Read(sent, buf.data(), len);
      std::string header;
      PutInt64(&header, sent);
      PutInt64(&header, end);
      PutInt64(&header, static_cast<uint64_t>(NowPgMicros()));
      {
        protocol::MessageWriter w(&conn_.out(), 'd');
        w.Byte('w').Bytes(header).Bytes(std::string_view(buf.data(), len));
      }
      sent += len;
      sent_any = true;
      last_sent_msg = NowMicros();
      lags.Sent(sent, last_sent_msg);
      conn_.MaybeFlush();
      if (conn_.broken()) throw EndOfSession{};
    }
    const int64_t now = NowMicros();
    if (sent_any || (sent >= end && info_.state == SenderState::kCatchup)) {
      info_.sent = sent;
      info_.keep = sent;  // our read position (a slot holds back its own restart_lsn)
      if (sent >= end) info_.state = SenderState::kStreaming;
      Publish();
    }
    if (title_lsn != sent && (now - last_title >= 100000 || !sent_any)) {
      SetActivity("streaming " + wal::LsnToString(sent));
      title_lsn = sent;
      last_title = now;
    }
    // A smart shutdown: once the sessions are gone and everything flushed
    // is sent, the stream ends (the shutdown checkpoint is not sent: the
    // postmaster waits for us before asking for it).
    if (!sent_any && sent >= wal::FlushedPosition() && SmartShutdownDone()) {
      info_.state = SenderState::kStopping;
      Publish();
      break;
    }

    // Keepalives and the replication timeout.
    const int64_t timeout_us = static_cast<int64_t>(guc::V().wal_sender_timeout) * 1000;
    if (timeout_us > 0 && now - last_heard > timeout_us) {
      LogLine("terminating walsender process due to replication timeout");
      throw EndOfSession{};
    }
    if (timeout_us > 0 && !ping_pending && now - last_heard > timeout_us / 2) {
      keepalive(true);
      ping_pending = true;
    } else if (now - last_sent_msg > kIdleKeepaliveUs) {
      keepalive(false);
    }
    conn_.Flush();
    if (conn_.broken()) throw EndOfSession{};
    if (sent_any || input_ready()) continue;
    const int rc = latch::WaitLatch(conn_.fd(), latch::kSocketReadable, kIdleWaitMs);
    if (rc & latch::kLatchSet) latch::ResetLatch();
    if (rc & latch::kPostmasterDeath)
      throw MakeFatal(sqlstate::kAdminShutdown, "terminating connection due to unexpected postmaster exit");
  }
  // The client ended the stream (answer with CopyDone), or we do.
  protocol::MessageWriter(&conn_.out(), 'c');
  if (!done) {
    // Ours: the client answers with CopyDone; wait for it a little.
    conn_.Flush();
    const int64_t deadline = NowMicros() + 2000000;
    while (!conn_.broken() && NowMicros() < deadline) {
      if (!input_ready()) {
        (void)latch::WaitLatch(conn_.fd(), latch::kSocketReadable, 100);
        latch::ResetLatch();
        continue;
      }
      char type;
      std::string body;
      if (!conn_.ReadMessage(&type, &body) || type == 'c' || type == 'X') break;
    }
  }
  info_.keep = 0;
  Publish();
  // PostgreSQL 15 ends the stream and then the command, each with its own tag.
  SendCommandComplete("START_STREAMING");
  SendCommandComplete("START_REPLICATION");
}

}  // namespace tusk::replication
