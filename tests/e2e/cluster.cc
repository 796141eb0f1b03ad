// The e2e harness: temporary clusters, process inspection, command running.
#include "cluster.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace tusk::test {

using Clock = std::chrono::steady_clock;

CommandResult RunCommand(const std::string& command, int timeout_seconds) {
  CommandResult r;
  std::string wrapped = "timeout -k 5 " + std::to_string(timeout_seconds) + " bash -c '" ;
  for (char c : command) wrapped += c == '\'' ? std::string("'\\''") : std::string(1, c);
  wrapped += "' 2>&1";
  FILE* p = popen(wrapped.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

std::string ProcessTitle(pid_t pid) {
  // read(2) rather than a stream: a process that exits between open and read
  // fails the read with ESRCH, which must mean "no title", not an exception.
  std::string s;
  int fd = open(("/proc/" + std::to_string(pid) + "/cmdline").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return s;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  close(fd);
  for (char& c : s)
    if (c == '\0') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

bool ProcessAlive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  // A zombie is not alive.
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] != 'Z';
}

std::string QueryValue(PGconn* conn, const std::string& sql) {
  Result res(PQexec(conn, sql.c_str()));
  EXPECT_EQ(PQresultStatus(res.get()), PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(conn);
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK || PQntuples(res.get()) < 1) return "";
  return PQgetisnull(res.get(), 0, 0) ? "NULL" : PQgetvalue(res.get(), 0, 0);
}

void Exec(PGconn* conn, const std::string& sql) {
  Result r(PQexec(conn, sql.c_str()));
  EXPECT_TRUE(PQresultStatus(r.get()) == PGRES_COMMAND_OK || PQresultStatus(r.get()) == PGRES_TUPLES_OK)
      << sql << ": " << PQerrorMessage(conn);
}

std::string SqlState(const PGresult* res) {
  const char* s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  return s ? s : "";
}

std::string Tag(PGconn* conn, const std::string& sql) {
  Result r(PQexec(conn, sql.c_str()));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(conn);
  return PQcmdStatus(r.get());
}

Failure Fails(PGconn* conn, const std::string& sql) {
  Result r(PQexec(conn, sql.c_str()));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_FATAL_ERROR) << sql;
  auto field = [&](int code) {
    const char* v = PQresultErrorField(r.get(), code);
    return std::string(v ? v : "");
  };
  return {field(PG_DIAG_SQLSTATE), field(PG_DIAG_MESSAGE_PRIMARY), field(PG_DIAG_MESSAGE_DETAIL)};
}

void ExpectErrors(PGconn* conn, const std::vector<ErrorCase>& cases) {
  for (const ErrorCase& k : cases) {
    Failure f = Fails(conn, k.sql);
    EXPECT_EQ(f.sqlstate, k.sqlstate) << k.sql;
    EXPECT_EQ(f.message, k.message) << k.sql;
  }
}

std::string LockFileStatus(const Cluster& c) {
  std::ifstream in(c.datadir() + "/postmaster.pid");
  std::string line;
  for (int i = 0; i < 8 && std::getline(in, line); ++i) {
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

Cluster::Cluster(const std::string& initdb_args) {
  char tmpl[] = "/tmp/tusk-e2e-XXXXXX";
  dir_ = mkdtemp(tmpl);
  datadir_ = dir_ + "/data";
  log_path_ = dir_ + "/server.log";
  port_ = FreePort();
  superuser_ = "tusk";
  std::string args = initdb_args;
  if (args.find("-U") == std::string::npos) args += " -U " + superuser_;
  size_t u = args.find("-U ");
  superuser_ = args.substr(u + 3, args.find(' ', u + 3) == std::string::npos ? std::string::npos
                                                                              : args.find(' ', u + 3) - u - 3);
  CommandResult r = RunCommand(tusk_binary() + " initdb -N -D " + datadir_ + " " + args);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  AppendConf("port = " + std::to_string(port_) + "\nunix_socket_directories = '" + dir_ +
             "'\nlisten_addresses = '127.0.0.1'\n");
}

Cluster::~Cluster() {
  KillEverything();
  RunCommand("rm -rf " + dir_);
}

std::string Cluster::tusk_binary() const { return TUSK_BINARY; }

std::string Cluster::Env() const {
  return "PGHOST=" + dir_ + " PGPORT=" + std::to_string(port_) + " PGUSER=" + superuser_ + " PGDATABASE=postgres ";
}

void Cluster::AppendConf(const std::string& lines) {
  std::ofstream out(datadir_ + "/postgresql.conf", std::ios::app);
  out << lines << "\n";
}

void Cluster::WriteHba(const std::string& contents) {
  std::ofstream out(datadir_ + "/pg_hba.conf", std::ios::trunc);
  out << contents << "\n";
}

void Cluster::Start(const std::string& extra_args, bool wait) {
  std::string cmd = "exec " + tusk_binary() + " server -D " + datadir_ + " " + extra_args + " >>" + log_path_ + " 2>&1";
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  pm_pid_ = pid;
  if (wait) {
    ASSERT_TRUE(WaitReady()) << ReadLog();
  }
}

bool Cluster::WaitReady(int timeout_seconds) {
  auto end = Clock::now() + std::chrono::seconds(timeout_seconds);
  std::string ci = Conninfo();
  while (Clock::now() < end) {
    if (PQping(ci.c_str()) == PQPING_OK) return true;
    int status;
    if (pm_pid_ && waitpid(pm_pid_, &status, WNOHANG) == pm_pid_) {
      pm_pid_ = 0;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

bool Cluster::Running() const { return pm_pid_ != 0 && ProcessAlive(pm_pid_); }

bool Cluster::TryReap(int* status) {
  if (pm_pid_ == 0) return true;
  if (waitpid(pm_pid_, status, WNOHANG) == pm_pid_) {
    pm_pid_ = 0;
    return true;
  }
  return false;
}

int Cluster::StopWith(int sig, int timeout_seconds) {
  if (pm_pid_ == 0) return -1;
  kill(pm_pid_, sig);
  auto end = Clock::now() + std::chrono::seconds(timeout_seconds);
  int status = 0;
  while (Clock::now() < end) {
    if (TryReap(&status)) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "postmaster did not exit after signal " << sig;
  return -1;
}

void Cluster::KillEverything() {
  std::vector<pid_t> children = Children();
  if (pm_pid_ != 0) {
    kill(pm_pid_, SIGQUIT);
    int status;
    for (int i = 0; i < 100 && !TryReap(&status); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (pm_pid_ != 0) {
      kill(pm_pid_, SIGKILL);
      waitpid(pm_pid_, &status, 0);
      pm_pid_ = 0;
    }
  }
  // Anything still running on this data directory (e.g. a server started by `tusk start`).
  RunCommand("pkill -KILL -f -- '" + datadir_ + "( |$)' ; true");
  for (pid_t c : children) kill(c, SIGKILL);
}

std::string Cluster::Conninfo(const std::string& db, const std::string& user, bool tcp) const {
  std::string ci = "host=" + std::string(tcp ? "127.0.0.1" : dir_) + " port=" + std::to_string(port_) +
                   " dbname=" + db + " user=" + (user.empty() ? superuser_ : user) + " connect_timeout=10";
  return ci;
}

Conn Cluster::Connect(const std::string& db, const std::string& user, bool tcp, const std::string& extra) {
  return Conn(PQconnectdb((Conninfo(db, user, tcp) + " " + extra).c_str()));
}

CommandResult Cluster::Psql(const std::string& sql_or_args, const std::string& user, bool tcp) {
  std::string env = "PGHOST=" + std::string(tcp ? "127.0.0.1" : dir_) + " PGPORT=" + std::to_string(port_) +
                    " PGUSER=" + (user.empty() ? superuser_ : user) + " PGDATABASE=postgres ";
  std::string quoted = "'";
  for (char c : sql_or_args) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  return RunCommand(env + "psql -X -A -t -v ON_ERROR_STOP=1 -c " + quoted);
}

std::string Cluster::ReadLog() const {
  std::ifstream in(log_path_);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

size_t Cluster::LogSize() const { return ReadLog().size(); }

size_t Cluster::WaitForLog(const std::string& needle, int timeout_seconds, size_t from) const {
  auto end = Clock::now() + std::chrono::seconds(timeout_seconds);
  do {
    std::string log = ReadLog();
    size_t p = log.find(needle, from);
    if (p != std::string::npos) return p + needle.size();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (Clock::now() < end);
  return std::string::npos;
}

std::vector<pid_t> Cluster::Children() const {
  std::vector<pid_t> out;
  if (pm_pid_ == 0) return out;
  DIR* d = opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    pid_t pid = atoi(e->d_name);
    if (pid <= 0) continue;
    std::ifstream in("/proc/" + std::string(e->d_name) + "/stat");
    std::string stat;
    std::getline(in, stat);
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(stat.substr(paren + 2));
    char state;
    pid_t ppid;
    rest >> state >> ppid;
    if (ppid == pm_pid_ && state != 'Z') out.push_back(pid);
  }
  closedir(d);
  return out;
}

std::map<pid_t, std::string> Cluster::ChildTitles() const {
  std::map<pid_t, std::string> out;
  for (pid_t p : Children()) out[p] = ProcessTitle(p);
  return out;
}

pid_t Cluster::WaitForChild(const std::string& needle, int timeout_seconds) const {
  auto end = Clock::now() + std::chrono::seconds(timeout_seconds);
  do {
    for (const auto& [pid, title] : ChildTitles())
      if (title.find(needle) != std::string::npos) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (Clock::now() < end);
  return 0;
}

}  // namespace tusk::test
