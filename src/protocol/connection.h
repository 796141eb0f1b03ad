// A client socket as the backend uses it: buffered, non-blocking underneath,
// with every wait on the latch and the postmaster-death pipe so that signals
// (cancel, terminate, reload, timeouts) are seen while blocked on the client.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace tusk::protocol {

// Largest startup packet and ordinary message, as in PostgreSQL (10000 bytes
// for startup and small messages, 1 GB for query-bearing ones).
inline constexpr size_t kMaxStartupPacket = 10000;
inline constexpr size_t kMaxSmallMessage = 10000;
inline constexpr size_t kMaxLargeMessage = 0x3fffffff;

class Connection {
 public:
  explicit Connection(int fd);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Called after every wake-up while waiting on the client (wait result mask
  // from latch::WaitLatch). It may throw PgError to end the wait (e.g. FATAL).
  void SetWakeHook(std::function<void(int)> hook) { wake_hook_ = std::move(hook); }

  // While input is awaited, poll the socket for up to `us` microseconds before
  // sleeping. Waking a sleeping process costs tens of microseconds (more on
  // virtual machines), which dominates a quick request/response exchange;
  // callers allow it only when there are CPUs to spare. 0 turns it off.
  void SetInputSpin(int us) { spin_us_ = us; }

  // A deadline for reads (authentication_timeout); when it passes, reads throw
  // the given FATAL. Cleared by passing an empty message.
  void SetReadDeadline(std::chrono::steady_clock::time_point deadline, std::string fatal_message);
  void ClearReadDeadline() { has_deadline_ = false; }

  // Startup-phase packet: int32 length (itself included), then the body.
  // Returns false on EOF before any byte. Throws FATAL 08P01 on a bad length.
  bool ReadStartupPacket(std::string* body);

  // Regular message: type byte, int32 length, body. Returns false on EOF at a
  // message boundary (the client left). Throws FATAL 08P01 on EOF inside a
  // message or a length outside [4, limit for the type].
  bool ReadMessage(char* type, std::string* body);

  // True if bytes are already buffered (no need to flush before reading).
  bool HasBufferedInput() const { return in_pos_ < in_.size(); }
  // Bytes held by the input buffer, consumed ones included: bounded by the
  // largest message plus 80 kB however long the client streams.
  size_t InputBufferBytes() const { return in_.size(); }

  std::string& out() { return out_; }
  // Sends everything buffered; waits (interruptibly) while the socket is full.
  void Flush();
  // Flushes only when the buffer has grown past a threshold (row streaming).
  void MaybeFlush() {
    if (out_.size() >= 65536) Flush();
  }
  // After a fatal error or on exit: best effort, bounded, ignores errors.
  void FlushBestEffort();

  int fd() const { return fd_; }
  bool broken() const { return broken_; }

 private:
  // Ensures n bytes are buffered; false on EOF before them.
  bool Fill(size_t n);
  // Polls for up to spin_us_; true once input (or EOF/error) is there.
  bool SpinForInput();
  void Wait(int events);

  int fd_;
  std::string in_;
  size_t in_pos_ = 0;
  std::string out_;
  bool broken_ = false;
  int spin_us_ = 0;
  std::function<void(int)> wake_hook_;
  bool has_deadline_ = false;
  std::chrono::steady_clock::time_point deadline_;
  std::string deadline_message_;
};

}  // namespace tusk::protocol
