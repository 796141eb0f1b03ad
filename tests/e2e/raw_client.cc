// Raw protocol client: framing only, no interpretation beyond what tests need.
#include "raw_client.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace tusk::test {

RawClient::RawClient(const std::string& sockdir, int port) {
  fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a = {};
  a.sun_family = AF_UNIX;
  std::string path = sockdir + "/.s.PGSQL." + std::to_string(port);
  strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

RawClient::~RawClient() {
  if (fd_ >= 0) close(fd_);
}

std::string RawClient::Int32(int32_t v) {
  uint32_t n = htonl(static_cast<uint32_t>(v));
  return std::string(reinterpret_cast<const char*>(&n), 4);
}

std::string RawClient::Int16(int16_t v) {
  uint16_t n = htons(static_cast<uint16_t>(v));
  return std::string(reinterpret_cast<const char*>(&n), 2);
}

void RawClient::SendRaw(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t w = send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (w <= 0) return;
    off += static_cast<size_t>(w);
  }
}

void RawClient::SendStartup(const std::string& user, const std::string& database) {
  std::string body = Int32(3 << 16) + CStr("user") + CStr(user) + CStr("database") + CStr(database) + CStr("");
  SendRaw(Int32(static_cast<int32_t>(body.size() + 4)) + body);
}

void RawClient::Send(char type, const std::string& body) {
  SendRaw(std::string(1, type) + Int32(static_cast<int32_t>(body.size() + 4)) + body);
}

bool RawClient::ReadExact(char* buf, size_t n, int timeout_ms) {
  size_t got = 0;
  while (got < n) {
    pollfd p = {fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    ssize_t r = recv(fd_, buf + got, n - got, 0);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

RawMessage RawClient::Read(int timeout_ms) {
  RawMessage m;
  char header[5];
  if (fd_ < 0 || !ReadExact(header, 5, timeout_ms)) return m;
  uint32_t len;
  memcpy(&len, header + 1, 4);
  len = ntohl(len);
  if (len < 4 || len > (1u << 30)) return m;
  std::string body(len - 4, '\0');
  if (!ReadExact(body.data(), body.size(), timeout_ms)) return m;
  m.type = header[0];
  m.body = std::move(body);
  return m;
}

std::vector<RawMessage> RawClient::ReadUntilReady(int timeout_ms) {
  std::vector<RawMessage> out;
  for (;;) {
    RawMessage m = Read(timeout_ms);
    if (m.type == 0) break;
    out.push_back(m);
    if (m.type == 'Z') break;
  }
  return out;
}

bool RawClient::Login(const std::string& user, const std::string& database) {
  SendStartup(user, database);
  auto msgs = ReadUntilReady();
  return !msgs.empty() && msgs.back().type == 'Z';
}

std::string RawClient::ErrorField(const std::string& body, char code) {
  size_t i = 0;
  while (i < body.size() && body[i] != '\0') {
    char f = body[i++];
    size_t end = body.find('\0', i);
    if (end == std::string::npos) break;
    if (f == code) return body.substr(i, end - i);
    i = end + 1;
  }
  return "";
}

}  // namespace tusk::test
