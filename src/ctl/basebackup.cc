// `tusk basebackup` (contract 10): a base backup of a running server over
// the replication protocol, PostgreSQL's pg_basebackup in plain format. It
// connects with libpq (utils/libpq_dl.h) as a replication connection, sends
// BASE_BACKUP, and unpacks the tar archives the CopyOut stream carries ('n'
// a new archive, 'd' its bytes, 'p' progress, 'm' the manifest that follows)
// into the target directory. The WAL the backup needs comes inside the
// archive (BASE_BACKUP's WAL option) unless -X none. -R makes the copy a
// standby of the server it came from: standby.signal and primary_conninfo.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "ctl/ctl.h"
#include "utils/libpq_dl.h"

namespace tusk::ctl {
namespace {

namespace fs = std::filesystem;

constexpr char kProg[] = "tusk basebackup";

struct Options {
  std::string dir, host, port, user, label = "tusk base backup", checkpoint = "fast", wal = "stream";
  bool write_recovery_conf = false;
  bool manifest = true;
  bool progress = false;
};

struct Failure {
  std::string message;
};

[[noreturn]] void Fail(const std::string& message) { throw Failure{message}; }

std::string Usage() {
  return std::string(kProg) +
         " takes a base backup of a running Tusk or PostgreSQL server.\n\n"
         "Usage:\n  tusk basebackup -D DIRECTORY [OPTION]...\n\n"
         "Options:\n"
         "  -D, --pgdata=DIRECTORY    receive the base backup into DIRECTORY (new or empty)\n"
         "  -R, --write-recovery-conf write standby.signal and primary_conninfo (a standby)\n"
         "  -X, --wal-method=none|fetch|stream\n"
         "                            include the WAL the backup needs (default), or not\n"
         "  -c, --checkpoint=fast|spread\n"
         "  -l, --label=LABEL         the backup's label\n"
         "  -P, --progress            show progress\n"
         "      --no-manifest         no backup_manifest\n"
         "  -h, --host=HOST           the server's host or socket directory\n"
         "  -p, --port=PORT           the server's port\n"
         "  -U, --username=NAME       connect as NAME\n"
         "  -?, --help                show this help, then exit\n";
}

// Returns nullopt after printing help; throws Failure on a bad argument.
std::optional<Options> Parse(int argc, char** argv) {
  Options o;
  auto value = [&](int* i, const std::string& arg, const std::string& name) -> std::string {
    const std::string long_prefix = "--" + name + "=";
    if (arg.rfind(long_prefix, 0) == 0) return arg.substr(long_prefix.size());
    if (arg.size() > 2 && arg[0] == '-' && arg[1] != '-') return arg.substr(2);
    if (*i + 1 >= argc) Fail("option requires an argument -- '" + arg + "'");
    return argv[++*i];
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto is = [&](const char* s, const char* l) {
      return a.rfind(s, 0) == 0 || a == std::string("--") + l || a.rfind(std::string("--") + l + "=", 0) == 0;
    };
    if (a == "-?" || a == "--help") {
      fputs(Usage().c_str(), stdout);
      return std::nullopt;
    }
    if (a == "-R" || a == "--write-recovery-conf") o.write_recovery_conf = true;
    else if (a == "-P" || a == "--progress") o.progress = true;
    else if (a == "--no-manifest") o.manifest = false;
    else if (a == "-Fp" || a == "--format=plain" || a == "--format=p") continue;
    else if (is("-D", "pgdata")) o.dir = value(&i, a, "pgdata");
    else if (is("-X", "wal-method")) o.wal = value(&i, a, "wal-method");
    else if (is("-c", "checkpoint")) o.checkpoint = value(&i, a, "checkpoint");
    else if (is("-l", "label")) o.label = value(&i, a, "label");
    else if (is("-h", "host")) o.host = value(&i, a, "host");
    else if (is("-p", "port")) o.port = value(&i, a, "port");
    else if (is("-U", "username")) o.user = value(&i, a, "username");
    else Fail("invalid option \"" + a + "\"\nTry \"tusk basebackup --help\" for more information.");
  }
  if (o.dir.empty()) Fail("no target directory specified\nTry \"tusk basebackup --help\" for more information.");
  if (o.wal == "f") o.wal = "fetch";
  if (o.wal == "s") o.wal = "stream";
  if (o.wal == "n") o.wal = "none";
  if (o.wal != "none" && o.wal != "fetch" && o.wal != "stream")
    Fail("invalid wal-method option \"" + o.wal + "\", must be \"fetch\", \"stream\", or \"none\"");
  if (o.checkpoint != "fast" && o.checkpoint != "spread")
    Fail("invalid checkpoint argument \"" + o.checkpoint + "\", must be \"fast\" or \"spread\"");
  return o;
}

// Single quotes for a SQL literal or a conninfo value.
std::string Quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string ConfQuoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// The keywords of the connection, also what -R writes as primary_conninfo.
std::string Conninfo(const Options& o) {
  std::string c;
  if (!o.host.empty()) c += "host=" + Quoted(o.host) + " ";
  if (!o.port.empty()) c += "port=" + Quoted(o.port) + " ";
  if (!o.user.empty()) c += "user=" + Quoted(o.user) + " ";
  return c;
}

uint64_t Octal(const char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '7'; ++i) v = v * 8 + static_cast<uint64_t>(p[i] - '0');
  return v;
}

// Unpacks a tar stream fed in pieces into `root`.
class TarExtractor {
 public:
  explicit TarExtractor(std::string root) : root_(std::move(root)) {}

  void Feed(const char* data, size_t len) {
    while (len > 0) {
      if (ended_) return;
      if (remaining_ == 0 && skip_ == 0) {
        const size_t take = std::min(len, 512 - header_.size());
        header_.append(data, take);
        data += take;
        len -= take;
        if (header_.size() == 512) StartMember();
        continue;
      }
      if (remaining_ > 0) {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(len, remaining_));
        out_.write(data, static_cast<std::streamsize>(take));
        if (!out_) Fail("could not write to file \"" + path_ + "\": " + strerror(errno));
        data += take;
        len -= take;
        remaining_ -= take;
        if (remaining_ == 0) out_.close();
        continue;
      }
      const size_t take = static_cast<size_t>(std::min<uint64_t>(len, skip_));
      data += take;
      len -= take;
      skip_ -= take;
    }
  }

 private:
  void StartMember() {
    const std::string h = std::move(header_);
    header_.clear();
    if (h.find_first_not_of('\0') == std::string::npos) {
      ended_ = true;  // the first of the two zero blocks
      return;
    }
    const std::string name(h.data(), strnlen(h.data(), 100));
    const std::string prefix(h.data() + 345, strnlen(h.data() + 345, 155));
    std::string rel = prefix.empty() ? name : prefix + "/" + name;
    while (!rel.empty() && rel.back() == '/') rel.pop_back();
    if (rel.find("..") != std::string::npos) Fail("invalid path in archive: \"" + rel + "\"");
    const uint64_t size = Octal(h.data() + 124, 12);
    const auto mode = static_cast<fs::perms>(Octal(h.data() + 100, 8) & 07777);
    path_ = root_ + "/" + rel;
    std::error_code ec;
    switch (h[156]) {
      case '5':
        fs::create_directories(path_, ec);
        if (ec) Fail("could not create directory \"" + path_ + "\": " + ec.message());
        fs::permissions(path_, mode, ec);
        return;
      case '2': {
        const std::string target(h.data() + 157, strnlen(h.data() + 157, 100));
        fs::create_directory_symlink(target, path_, ec);
        if (ec) Fail("could not create symbolic link \"" + path_ + "\": " + ec.message());
        return;
      }
      default:
        fs::create_directories(fs::path(path_).parent_path(), ec);
        out_.open(path_, std::ios::binary | std::ios::trunc);
        if (!out_) Fail("could not create file \"" + path_ + "\": " + strerror(errno));
        fs::permissions(path_, mode, ec);
        remaining_ = size;
        skip_ = (512 - size % 512) % 512;
        if (size == 0) out_.close();
        return;
    }
  }

  std::string root_;
  std::string header_;
  std::string path_;
  std::ofstream out_;
  uint64_t remaining_ = 0, skip_ = 0;
  bool ended_ = false;
};

class BaseBackup {
 public:
  explicit BaseBackup(Options o) : o_(std::move(o)) {}
  ~BaseBackup() {
    if (conn_ != nullptr) pq_.finish(conn_);
  }
  void Run();

 private:
  PGresult* Next(ExecStatusType want, const char* what);
  void Receive();
  void WriteRecoveryConf();

  Options o_;
  Libpq pq_{};
  PGconn* conn_ = nullptr;
};

PGresult* BaseBackup::Next(ExecStatusType want, const char* what) {
  PGresult* r = pq_.get_result(conn_);
  if (r == nullptr || pq_.result_status(r) != want) {
    std::string message = r != nullptr ? TrimMessage(pq_.result_error_message(r)) : TrimMessage(pq_.error_message(conn_));
    if (r != nullptr) pq_.clear(r);
    Fail(std::string("could not ") + what + ": " + message);
  }
  return r;
}

void BaseBackup::Receive() {
  std::optional<TarExtractor> tar;
  std::ofstream manifest;
  for (;;) {
    char* buf = nullptr;
    const int n = pq_.get_copy_data(conn_, &buf, 0);
    if (n == -1) break;
    if (n < -1) Fail("could not read COPY data: " + TrimMessage(pq_.error_message(conn_)));
    const char type = buf[0];
    if (type == 'n') {
      const std::string name(buf + 1);
      if (name != "base.tar") Fail("unexpected archive \"" + name + "\" (tablespaces are not supported)");
      tar.emplace(o_.dir);
    } else if (type == 'm') {
      tar.reset();
      manifest.open(o_.dir + "/backup_manifest", std::ios::binary | std::ios::trunc);
    } else if (type == 'd') {
      if (manifest.is_open()) manifest.write(buf + 1, n - 1);
      else if (tar) tar->Feed(buf + 1, static_cast<size_t>(n - 1));
      else Fail("received data outside an archive");
    } else if (type == 'p' && o_.progress) {
      uint64_t done = 0;
      for (int i = 1; i <= 8 && i < n; ++i) done = (done << 8) | static_cast<unsigned char>(buf[i]);
      fprintf(stderr, "%llu kB\r", static_cast<unsigned long long>(done / 1024));
    }
    pq_.freemem(buf);
  }
  if (o_.progress) fputc('\n', stderr);
}

void BaseBackup::WriteRecoveryConf() {
  std::ofstream(o_.dir + "/standby.signal");
  std::ofstream conf(o_.dir + "/postgresql.auto.conf", std::ios::app);
  std::string info = Conninfo(o_);
  while (!info.empty() && info.back() == ' ') info.pop_back();
  conf << "primary_conninfo = " << ConfQuoted(info) << "\n";
  if (!conf) Fail("could not write to file \"" + o_.dir + "/postgresql.auto.conf\": " + strerror(errno));
}

void BaseBackup::Run() {
  std::string error;
  if (!pq_.Load(&error)) Fail(error);
  const std::string conninfo = Conninfo(o_) + "dbname=replication replication=true fallback_application_name=tusk_basebackup";
  conn_ = pq_.connectdb(conninfo.c_str());
  if (pq_.status(conn_) != CONNECTION_OK) Fail(TrimMessage(pq_.error_message(conn_)));
  std::string command = "BASE_BACKUP ( LABEL " + Quoted(o_.label) + ", CHECKPOINT '" + o_.checkpoint + "'";
  // The WAL comes in the archive, so waiting for its archiving is pointless (as pg_basebackup).
  if (o_.wal != "none") command += ", WAL, WAIT false";
  if (o_.progress) command += ", PROGRESS";
  command += o_.manifest ? ", MANIFEST 'yes'" : ", MANIFEST 'no'";
  command += " )";
  if (pq_.send_query(conn_, command.c_str()) != 1)
    Fail("could not send replication command \"BASE_BACKUP\": " + TrimMessage(pq_.error_message(conn_)));
  pq_.clear(Next(PGRES_TUPLES_OK, "initiate base backup"));
  pq_.clear(Next(PGRES_TUPLES_OK, "get backup header"));
  pq_.clear(Next(PGRES_COPY_OUT, "get COPY data stream"));
  Receive();
  PGresult* end = Next(PGRES_TUPLES_OK, "get write-ahead log end position from server");
  pq_.clear(end);
  while (PGresult* r = pq_.get_result(conn_)) {
    const ExecStatusType st = pq_.result_status(r);
    std::string message = TrimMessage(pq_.result_error_message(r));
    pq_.clear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) Fail("final receive failed: " + message);
  }
  if (o_.write_recovery_conf) WriteRecoveryConf();
}

}  // namespace

int BaseBackupMain(int argc, char** argv) {
  bool created = false;
  std::string dir;
  try {
    std::optional<Options> o = Parse(argc, argv);
    if (!o) return 0;
    std::error_code ec;
    if (fs::exists(o->dir, ec)) {
      if (!fs::is_empty(o->dir, ec)) Fail("directory \"" + o->dir + "\" exists but is not empty");
      dir = o->dir;
    } else {
      dir = o->dir;
      fs::create_directories(dir, ec);
      if (ec) Fail("could not create directory \"" + dir + "\": " + ec.message());
      created = true;
    }
    fs::permissions(dir, fs::perms::owner_all, ec);
    BaseBackup(std::move(*o)).Run();
    return 0;
  } catch (const Failure& f) {
    fprintf(stderr, "%s: error: %s\n", kProg, f.message.c_str());
    if (!dir.empty() && fs::exists(dir)) {
      // As pg_basebackup: what this run made goes, a directory that was there stays (emptied).
      fprintf(stderr, "%s: removing %s \"%s\"\n", kProg, created ? "data directory" : "contents of data directory",
              dir.c_str());
      std::error_code ec;
      if (created) {
        fs::remove_all(dir, ec);
      } else {
        for (const auto& e : fs::directory_iterator(dir, ec)) fs::remove_all(e.path(), ec);
      }
    }
    return 1;
  }
}

}  // namespace tusk::ctl
