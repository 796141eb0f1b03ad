// The floor server: the least work any PostgreSQL-protocol server could do
// for pgbench's select-only script, to bound what a real server can reach on
// this machine. Like Tusk and PostgreSQL it forks one process per connection,
// and that process exits on disconnect; it does no authentication, keeps no
// data and answers every query with one fixed row. Its throughput is a
// ceiling: a real server makes the same system calls (accept, fork, recv,
// send, exit) and more work besides, while pgbench costs the same CPU.
//
// Usage: floor_server SOCKET_DIR PORT. Listens on SOCKET_DIR/.s.PGSQL.PORT
// until killed. Speaks just enough of protocol 3.0 for pgbench -S in the
// simple, extended and prepared modes, with or without -C.
#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

constexpr uint32_t kSslRequest = 80877103;
constexpr uint32_t kGssRequest = 80877104;
constexpr uint32_t kInt4 = 23, kText = 25, kInt8 = 20;

class Conn {
 public:
  explicit Conn(int fd) : fd_(fd) {}

  // Buffered: one read(2) takes in everything the client has sent, as a
  // real server's does, so a pipelined Bind/Execute/Sync costs one call.
  bool ReadExact(void* buf, size_t n) {
    auto* p = static_cast<char*>(buf);
    while (n > 0) {
      if (in_pos_ == in_len_) {
        ssize_t r = read(fd_, in_, sizeof in_);
        if (r <= 0) return false;
        in_pos_ = 0;
        in_len_ = static_cast<size_t>(r);
      }
      size_t take = std::min(n, in_len_ - in_pos_);
      memcpy(p, in_ + in_pos_, take);
      in_pos_ += take;
      p += take;
      n -= take;
    }
    return true;
  }

  void Begin(char type) {
    out_.push_back(type);
    len_at_ = out_.size();
    out_.append(4, '\0');
  }
  void Int16(uint16_t v) { v = htons(v); out_.append(reinterpret_cast<char*>(&v), 2); }
  void Int32(uint32_t v) { v = htonl(v); out_.append(reinterpret_cast<char*>(&v), 4); }
  void Str(std::string_view s) { out_.append(s); out_.push_back('\0'); }
  void Bytes(std::string_view s) { out_.append(s); }
  void End() {
    uint32_t len = htonl(static_cast<uint32_t>(out_.size() - len_at_));
    memcpy(&out_[len_at_], &len, 4);
  }
  void Empty(char type) { Begin(type); End(); }
  void Flush() {
    size_t pos = 0;
    while (pos < out_.size()) {
      ssize_t w = write(fd_, out_.data() + pos, out_.size() - pos);
      if (w <= 0) break;
      pos += static_cast<size_t>(w);
    }
    out_.clear();
  }

 private:
  int fd_;
  char in_[16384];
  size_t in_pos_ = 0, in_len_ = 0;
  std::string out_;
  size_t len_at_ = 0;
};

struct Column {
  const char* name;
  uint32_t type;
  int16_t size;
};

void RowDescription(Conn& c, const Column* cols, int n) {
  c.Begin('T');
  c.Int16(static_cast<uint16_t>(n));
  for (int i = 0; i < n; ++i) {
    c.Str(cols[i].name);
    c.Int32(0);
    c.Int16(0);
    c.Int32(cols[i].type);
    c.Int16(static_cast<uint16_t>(cols[i].size));
    c.Int32(0xffffffff);
    c.Int16(0);
  }
  c.End();
}

// pgbench asks once, at start, whether pgbench_accounts exists and is
// partitioned (three columns); every other statement gets one int4 column.
bool IsTableInfoQuery(std::string_view sql) { return sql.find("partstrat") != std::string_view::npos; }

void Describe(Conn& c, bool table_info) {
  static constexpr Column kInfo[] = {{"n", kInt4, 4}, {"partstrat", kText, -1}, {"count", kInt8, 8}};
  static constexpr Column kOne[] = {{"abalance", kInt4, 4}};
  if (table_info)
    RowDescription(c, kInfo, 3);
  else
    RowDescription(c, kOne, 1);
}

void Row(Conn& c, bool table_info) {
  c.Begin('D');
  if (table_info) {
    c.Int16(3);
    c.Int32(1), c.Bytes("1");
    c.Int32(0xffffffff);  // NULL: not partitioned
    c.Int32(1), c.Bytes("0");
  } else {
    c.Int16(1);  // also pgbench's scale (count of pgbench_branches)
    c.Int32(2), c.Bytes("10");
  }
  c.End();
  c.Begin('C');
  c.Str("SELECT 1");
  c.End();
}

void Serve(int fd) {
  Conn c(fd);
  uint32_t len, code;
  for (;;) {  // SSL and GSS requests are refused; then the startup packet
    if (!c.ReadExact(&len, 4)) return;
    len = ntohl(len);
    if (len < 8 || len > 10000) return;
    std::string body(len - 4, '\0');
    if (!c.ReadExact(body.data(), body.size())) return;
    memcpy(&code, body.data(), 4);
    code = ntohl(code);
    if (code != kSslRequest && code != kGssRequest) break;
    c.Bytes("N");
    c.Flush();
  }
  c.Begin('R'), c.Int32(0), c.End();
  for (auto [k, v] : {std::pair{"server_version", "15.0"}, {"server_encoding", "UTF8"}, {"client_encoding", "UTF8"},
                      {"DateStyle", "ISO, MDY"}, {"integer_datetimes", "on"}, {"standard_conforming_strings", "on"}}) {
    c.Begin('S'), c.Str(k), c.Str(v), c.End();
  }
  c.Begin('K'), c.Int32(static_cast<uint32_t>(getpid())), c.Int32(1), c.End();
  c.Begin('Z'), c.Bytes("I"), c.End();
  c.Flush();
  bool table_info = false;  // what the last Parse prepared
  std::string body;
  for (;;) {
    char type;
    if (!c.ReadExact(&type, 1) || !c.ReadExact(&len, 4)) return;
    len = ntohl(len);
    if (len < 4 || len > (1u << 20)) return;
    body.resize(len - 4);
    if (!c.ReadExact(body.data(), body.size())) return;
    switch (type) {
      case 'Q': {
        bool info = IsTableInfoQuery(body);
        Describe(c, info);
        Row(c, info);
        c.Begin('Z'), c.Bytes("I"), c.End();
        c.Flush();
        break;
      }
      case 'P':
        table_info = IsTableInfoQuery(std::string_view(body).substr(body.find('\0') + 1));
        c.Empty('1');
        break;
      case 'B': c.Empty('2'); break;
      case 'D':
        if (!body.empty() && body[0] == 'S') c.Begin('t'), c.Int16(1), c.Int32(kInt4), c.End();
        Describe(c, table_info);
        break;
      case 'E': Row(c, table_info); break;
      case 'C': c.Empty('3'); break;
      case 'S':
        c.Begin('Z'), c.Bytes("I"), c.End();
        c.Flush();
        break;
      case 'H': c.Flush(); break;
      case 'X': return;
      default: return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s SOCKET_DIR PORT\n", argv[0]);
    return 2;
  }
  std::string path = std::string(argv[1]) + "/.s.PGSQL." + argv[2];
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    fprintf(stderr, "socket path too long: %s\n", path.c_str());
    return 2;
  }
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  signal(SIGCHLD, SIG_IGN);  // children are reaped by the kernel
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  unlink(path.c_str());
  if (s < 0 || bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(s, 128) != 0) {
    perror(path.c_str());
    return 1;
  }
  for (;;) {
    int fd = accept(s, nullptr, nullptr);
    if (fd < 0) continue;
    pid_t pid = fork();
    if (pid == 0) {
      close(s);
      Serve(fd);
      _exit(0);
    }
    close(fd);
  }
}
