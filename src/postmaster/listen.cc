// Creating TCP and Unix listening sockets with PostgreSQL's log lines.
#include "postmaster/listen.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "utils/error.h"
#include "utils/log.h"
#include "utils/process_globals.h"

namespace tusk::postmaster {

std::vector<std::string> SplitList(const std::string& value) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : value) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  for (auto& s : out) {
    size_t b = s.find_first_not_of(" \t");
    size_t e = s.find_last_not_of(" \t");
    s = b == std::string::npos ? "" : s.substr(b, e - b + 1);
  }
  std::vector<std::string> nonempty;
  for (auto& s : out)
    if (!s.empty()) nonempty.push_back(s);
  return nonempty;
}

namespace {

std::string AddrText(const sockaddr* sa) {
  char host[NI_MAXHOST];
  if (getnameinfo(sa, sa->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6), host, sizeof host,
                  nullptr, 0, NI_NUMERICHOST) != 0)
    return "?";
  return host;
}

const char* FamilyName(int family) { return family == AF_INET ? "IPv4" : family == AF_INET6 ? "IPv6" : "Unix"; }

bool ListenTcp(const addrinfo* ai, int port, ListenSockets* out) {
  std::string addr = AddrText(ai->ai_addr);
  int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    Log(ErrLevel::kLog, std::string("could not create ") + FamilyName(ai->ai_family) + " socket for address \"" +
                            addr + "\": " + strerror(errno));
    return false;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    int saved = errno;
    ErrorData d;
    d.level = ErrLevel::kLog;
    d.message = std::string("could not bind ") + FamilyName(ai->ai_family) + " address \"" + addr + "\": " +
                strerror(saved);
    if (saved == EADDRINUSE)
      d.hint = "Is another postmaster already running on port " + std::to_string(port) +
               "? If not, wait a few seconds and retry.";
    LogEntry(d);
    close(fd);
    return false;
  }
  if (listen(fd, 1024) != 0) {
    Log(ErrLevel::kLog, std::string("could not listen on ") + FamilyName(ai->ai_family) + " address \"" + addr +
                            "\": " + strerror(errno));
    close(fd);
    return false;
  }
  LogLine(std::string("listening on ") + FamilyName(ai->ai_family) + " address \"" + addr + "\", port " +
          std::to_string(port));
  out->fds.push_back(fd);
  out->is_unix.push_back(false);
  return true;
}

// The socket's lock file works like postmaster.pid: a live PID in it means
// another server owns the socket.
bool LockSocketFile(const std::string& lock_path, const std::string& dir, int port) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    int fd = open(lock_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      std::string text = std::to_string(getpid()) + "\n" + Globals().data_dir + "\n" +
                         std::to_string(Globals().start_time) + "\n" + std::to_string(port) + "\n" + dir + "\n";
      ssize_t w = write(fd, text.data(), text.size());
      close(fd);
      return w == static_cast<ssize_t>(text.size());
    }
    if (errno != EEXIST) return false;
    std::ifstream in(lock_path);
    long pid = 0;
    in >> pid;
    if (pid > 0 && pid != getpid() && (kill(pid, 0) == 0 || errno == EPERM)) {
      throw MakeFatal(sqlstate::kConfigFileError, "lock file \"" + lock_path + "\" already exists", {},
                      "Is another postmaster (PID " + std::to_string(pid) + ") using socket file \"" +
                          lock_path.substr(0, lock_path.size() - 5) + "\"?");
    }
    unlink(lock_path.c_str());
  }
  return false;
}

bool ListenUnix(const std::string& dir, int port, int permissions, ListenSockets* out) {
  std::string path = dir + "/.s.PGSQL." + std::to_string(port);
  sockaddr_un sun = {};
  if (path.size() >= sizeof sun.sun_path) {
    Log(ErrLevel::kLog, "Unix-domain socket path \"" + path + "\" is too long (maximum " +
                            std::to_string(sizeof sun.sun_path - 1) + " bytes)");
    return false;
  }
  if (!LockSocketFile(path + ".lock", dir, port)) {
    Log(ErrLevel::kLog, "could not create lock file \"" + path + ".lock\": " + strerror(errno));
    return false;
  }
  unlink(path.c_str());  // left by a crashed server: our lock says nobody else owns it
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sun.sun_family = AF_UNIX;
  memcpy(sun.sun_path, path.c_str(), path.size() + 1);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0 || listen(fd, 1024) != 0) {
    Log(ErrLevel::kLog, "could not bind Unix address \"" + path + "\": " + strerror(errno));
    if (fd >= 0) close(fd);
    unlink((path + ".lock").c_str());
    return false;
  }
  chmod(path.c_str(), permissions);
  LogLine("listening on Unix socket \"" + path + "\"");
  out->fds.push_back(fd);
  out->is_unix.push_back(true);
  out->unix_paths.push_back(path);
  if (out->first_socket_dir.empty()) out->first_socket_dir = dir;
  return true;
}

}  // namespace

ListenSockets CreateListenSockets(int port, const std::string& listen_addresses, const std::string& socket_dirs,
                                  int socket_permissions) {
  ListenSockets out;
  auto hosts = SplitList(listen_addresses);
  bool any_tcp = false;
  for (const std::string& host : hosts) {
    addrinfo hints = {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* res = nullptr;
    std::string port_text = std::to_string(port);
    int rc = getaddrinfo(host == "*" ? nullptr : host.c_str(), port_text.c_str(), &hints, &res);
    if (rc != 0) {
      Log(ErrLevel::kLog, "could not translate host name \"" + host + "\", service \"" + port_text +
                              "\" to address: " + gai_strerror(rc));
      Log(ErrLevel::kWarning, "could not create listen socket for \"" + host + "\"");
      continue;
    }
    bool any = false;
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
      any |= ListenTcp(ai, port, &out);
    }
    freeaddrinfo(res);
    if (!any) {
      Log(ErrLevel::kWarning, "could not create listen socket for \"" + host + "\"");
    } else {
      any_tcp = true;
      if (out.first_listen_address.empty()) out.first_listen_address = host;
    }
  }
  if (!hosts.empty() && !any_tcp) throw MakeFatal(sqlstate::kConfigFileError, "could not create any TCP/IP sockets");
  auto dirs = SplitList(socket_dirs);
  bool any_unix = false;
  for (const std::string& dir : dirs) {
    any_unix |= ListenUnix(dir, port, socket_permissions, &out);
  }
  if (!dirs.empty() && !any_unix)
    throw MakeFatal(sqlstate::kConfigFileError, "could not create any Unix-domain sockets");
  if (out.fds.empty()) throw MakeFatal(sqlstate::kConfigFileError, "no socket created for listening");
  return out;
}

void CloseListenSockets(ListenSockets* sockets) {
  for (int fd : sockets->fds) close(fd);
  sockets->fds.clear();
  sockets->is_unix.clear();
}

void RemoveSocketFiles(const ListenSockets& sockets) {
  for (const std::string& p : sockets.unix_paths) {
    unlink(p.c_str());
    unlink((p + ".lock").c_str());
  }
}

}  // namespace tusk::postmaster
