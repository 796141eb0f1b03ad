// Buffered, interrupt-aware socket I/O for one client.
#include "protocol/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "storage/ipc/latch.h"
#include "utils/error.h"

namespace tusk::protocol {

Connection::Connection(int fd) : fd_(fd) {
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // fails harmlessly on Unix sockets
  setsockopt(fd_, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
}

Connection::~Connection() {
  if (fd_ >= 0) close(fd_);
}

void Connection::SetReadDeadline(std::chrono::steady_clock::time_point deadline, std::string fatal_message) {
  has_deadline_ = true;
  deadline_ = deadline;
  deadline_message_ = std::move(fatal_message);
}

void Connection::Wait(int events) {
  long timeout = -1;
  if (has_deadline_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw PgError(sqlstate::kProtocolViolation, deadline_message_, ErrLevel::kFatal);
    timeout = left.count();
  }
  int rc = latch::WaitLatch(fd_, events, timeout);
  if (rc & latch::kLatchSet) latch::ResetLatch();
  if (wake_hook_ && (rc & (latch::kLatchSet | latch::kPostmasterDeath | latch::kTimeout))) wake_hook_(rc);
}

bool Connection::SpinForInput() {
  if (spin_us_ <= 0) return false;
  // A signal during the spin sets the latch; the wait after it sees that, so
  // interrupts are late by at most the spin.
  auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(spin_us_);
  do {
#if defined(__x86_64__)
    for (int i = 0; i < 16; ++i) __builtin_ia32_pause();
#endif
    char c;
    ssize_t r = recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return true;
  } while (std::chrono::steady_clock::now() < end);
  return false;
}

namespace {
constexpr size_t kCompactAt = 64 * 1024;
}  // namespace

bool Connection::Fill(size_t n) {
  if (in_pos_ > 0 && in_pos_ == in_.size()) {
    in_.clear();
    in_pos_ = 0;
  } else if (in_pos_ >= kCompactAt) {
    // A client that streams (COPY FROM STDIN) rarely leaves the buffer
    // empty: drop what was read, or the buffer grows to the whole stream.
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
  while (in_.size() - in_pos_ < n) {
    if (broken_) return false;
    char buf[16384];
    ssize_t r = recv(fd_, buf, sizeof buf, 0);
    if (r > 0) {
      in_.append(buf, static_cast<size_t>(r));
      continue;
    }
    if (r == 0) {
      broken_ = true;
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!SpinForInput()) Wait(latch::kSocketReadable);
      continue;
    }
    broken_ = true;  // ECONNRESET and friends: the client is gone
    return false;
  }
  return true;
}

bool Connection::ReadStartupPacket(std::string* body) {
  if (!Fill(1)) return false;
  // Framing errors here are PostgreSQL's COMMERROR: logged (level LOG), never sent.
  if (!Fill(4)) throw PgError(sqlstate::kProtocolViolation, "incomplete startup packet", ErrLevel::kLog);
  uint32_t len;
  memcpy(&len, in_.data() + in_pos_, 4);
  len = ntohl(len);
  if (len < 8 || len > kMaxStartupPacket)
    throw PgError(sqlstate::kProtocolViolation, "invalid length of startup packet", ErrLevel::kLog);
  if (!Fill(len)) throw PgError(sqlstate::kProtocolViolation, "incomplete startup packet", ErrLevel::kLog);
  body->assign(in_.data() + in_pos_ + 4, len - 4);
  in_pos_ += len;
  return true;
}

static size_t LimitFor(char type) {
  switch (type) {
    case 'Q': case 'P': case 'B': case 'F': case 'd': case 'p': return kMaxLargeMessage;
    default: return kMaxSmallMessage;
  }
}

bool Connection::ReadMessage(char* type, std::string* body) {
  if (!Fill(1)) return false;
  if (!Fill(5)) throw PgError(sqlstate::kProtocolViolation, "unexpected EOF on client connection", ErrLevel::kFatal);
  *type = in_[in_pos_];
  uint32_t len;
  memcpy(&len, in_.data() + in_pos_ + 1, 4);
  len = ntohl(len);
  if (len < 4 || len > LimitFor(*type))
    throw PgError(sqlstate::kProtocolViolation, "invalid message length", ErrLevel::kFatal);
  if (!Fill(1 + len))
    throw PgError(sqlstate::kProtocolViolation, "unexpected EOF on client connection", ErrLevel::kFatal);
  body->assign(in_.data() + in_pos_ + 5, len - 4);
  in_pos_ += 1 + len;
  return true;
}

void Connection::Flush() {
  size_t pos = 0;
  while (pos < out_.size() && !broken_) {
    ssize_t w = send(fd_, out_.data() + pos, out_.size() - pos, MSG_NOSIGNAL);
    if (w > 0) {
      pos += static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      Wait(latch::kSocketWritable);
      continue;
    }
    broken_ = true;
  }
  out_.clear();
}

void Connection::FlushBestEffort() {
  auto hook = std::move(wake_hook_);
  wake_hook_ = nullptr;
  has_deadline_ = true;
  deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  try {
    Flush();
  } catch (...) {
    out_.clear();
  }
  wake_hook_ = std::move(hook);
}

}  // namespace tusk::protocol
