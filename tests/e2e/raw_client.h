// A byte-level protocol v3 client for tests that libpq cannot express:
// row limits and PortalSuspended, malformed and truncated messages, fuzzing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tusk::test {

struct RawMessage {
  char type = 0;
  std::string body;
};

class RawClient {
 public:
  // Connects to the Unix socket in `sockdir` on `port`; fd() < 0 on failure.
  RawClient(const std::string& sockdir, int port);
  ~RawClient();
  int fd() const { return fd_; }

  void SendRaw(const std::string& bytes);
  void SendStartup(const std::string& user, const std::string& database);
  void Send(char type, const std::string& body);
  // Reads one message (timeout in ms); type 0 on EOF/timeout.
  RawMessage Read(int timeout_ms = 5000);
  // Reads until ReadyForQuery (inclusive) or EOF; returns all messages.
  std::vector<RawMessage> ReadUntilReady(int timeout_ms = 5000);
  // Completes the trust startup; true when ReadyForQuery arrived.
  bool Login(const std::string& user, const std::string& database = "postgres");

  static std::string Int32(int32_t v);
  static std::string Int16(int16_t v);
  static std::string CStr(const std::string& s) { return s + std::string(1, '\0'); }
  // The value of field `code` ('M', 'C', ...) of an ErrorResponse/NoticeResponse body.
  static std::string ErrorField(const std::string& body, char code);

 private:
  bool ReadExact(char* buf, size_t n, int timeout_ms);
  int fd_ = -1;
};

}  // namespace tusk::test
