// `tusk initdb`: creates a data directory (configuration files, the directory
// skeleton PostgreSQL tools expect, global/pg_control, and the system catalogs
// with the bootstrap superuser in pg_authid), fsyncs it, and prints
// PostgreSQL-style progress.
#include <fcntl.h>
#include <pwd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "access/wal/wal.h"
#include "ctl/ctl.h"
#include "ctl/initdb.h"
#include "storage/file/sync_dir.h"
#include "ctl/initdb_catalog.h"
#include "utils/error.h"
#include "storage/file/control_file.h"

// Implemented by the authentication module (src/protocol/auth/scram.cc);
// declared here rather than including its header to keep initdb's dependency
// down to this one function.
namespace tusk::auth {
std::string BuildScramVerifier(std::string_view password, int iterations = 4096);
}  // namespace tusk::auth

namespace tusk::ctl {
namespace {

namespace fs = std::filesystem;

// Thrown after the error has been printed; RunInitDb cleans up and exits 1.
struct InitDbFailure {};

void Error(const std::string& msg) {
  fflush(stdout);
  fprintf(stderr, "initdb: error: %s\n", msg.c_str());
}

[[noreturn]] void Fail(const std::string& msg) {
  Error(msg);
  throw InitDbFailure{};
}

std::string Errno() { return strerror(errno); }

// PostgreSQL's directory skeleton; Tusk uses a subset today, the rest keeps
// tools that inspect data directories (and people) on familiar ground.
constexpr const char* kSubdirs[] = {
    "global",         "base",          "base/1",
    "pg_wal",         "pg_wal/archive_status",           "pg_commit_ts",   "pg_dynshmem",
    "pg_notify",      "pg_serial",     "pg_snapshots",   "pg_subtrans",    "pg_twophase",
    "pg_multixact",   "pg_multixact/members",            "pg_multixact/offsets",
    "pg_replslot",    "pg_tblspc",     "pg_stat",        "pg_stat_tmp",    "pg_xact",
    "pg_logical",     "pg_logical/snapshots",            "pg_logical/mappings",
};

constexpr const char* kLocalMethods[] = {"trust", "reject", "scram-sha-256", "md5", "password",
                                         "peer",  "pam",    "ldap",          "radius"};
constexpr const char* kHostMethods[] = {"trust", "reject", "scram-sha-256", "md5", "password",
                                        "ident", "pam",    "ldap",          "radius"};

template <size_t N>
bool OneOf(const std::string& m, const char* const (&list)[N]) {
  for (const char* x : list)
    if (m == x) return true;
  return false;
}

void WriteFile(const std::string& path, const std::string& contents) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) Fail("could not open file \"" + path + "\" for writing: " + Errno());
  size_t off = 0;
  while (off < contents.size()) {
    ssize_t n = write(fd, contents.data() + off, contents.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string e = Errno();
      close(fd);
      Fail("could not write file \"" + path + "\": " + e);
    }
    off += static_cast<size_t>(n);
  }
  if (close(fd) != 0) Fail("could not close file \"" + path + "\": " + Errno());
}

// Files first, then every directory (their entries name the files), then the
// parent, so a crash right after initdb cannot lose any part of the cluster.
void SyncDataDir(const std::string& dir) {
  std::string error;
  if (!FsyncTree(dir, &error)) Fail(error);
}

// pg_controldata shows this number; PostgreSQL derives it from the clock.
// Mixing in random bits keeps two clusters made in the same second distinct,
// which matters because replication uses it to recognise its partner.
uint64_t NewSystemIdentifier() {
  uint32_t rnd = 0;
  if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd) rnd = static_cast<uint32_t>(getpid()) * 2654435761u;
  return (static_cast<uint64_t>(time(nullptr)) << 32) | rnd;
}

std::string ReadPasswordFile(const std::string& path) {
  FILE* f = fopen(path.c_str(), "r");
  if (!f) Fail("could not open file \"" + path + "\" for reading: " + Errno());
  std::string line;
  int c;
  bool any = false;
  while ((c = fgetc(f)) != EOF) {
    any = true;
    if (c == '\n') break;
    line += static_cast<char>(c);
  }
  bool err = ferror(f);
  fclose(f);
  if (err) Fail("could not read password from file \"" + path + "\": " + Errno());
  if (!any) Fail("password file \"" + path + "\" is empty");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string OsUserName() {
  struct passwd* pw = getpwuid(geteuid());
  if (!pw) {
    Error("could not look up effective user ID " + std::to_string(geteuid()) + ": " +
          (errno ? Errno() : "user does not exist"));
    throw InitDbFailure{};
  }
  return pw->pw_name;
}

// Quotes the path in the closing instructions only when the shell would need it.
std::string ShellArg(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:,") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void Step(const char* what) {
  printf("%s ... ", what);
  fflush(stdout);
}
void Ok() { printf("ok\n"); fflush(stdout); }

void CreateCluster(const InitDbOptions& o, const std::string& superuser, const std::string& verifier) {
  Step("creating subdirectories");
  for (const char* sub : kSubdirs) {
    std::string p = o.datadir + "/" + sub;
    if (mkdir(p.c_str(), 0700) != 0 && errno != EEXIST) Fail("could not create directory \"" + p + "\": " + Errno());
  }
  Ok();

  Step("selecting default time zone");
  const std::string timezone = SystemTimeZone(getenv("TZ"), "/etc/localtime", "/etc/timezone", "/usr/share/zoneinfo");
  printf("%s\n", timezone.c_str());
  fflush(stdout);

  Step("creating configuration files");
  WriteFile(o.datadir + "/PG_VERSION", "15\n");
  // PostgreSQL also stamps each database directory; some tools look there.
  // template0 and postgres are copies of template1, made after its catalogs exist.
  WriteFile(o.datadir + "/base/1/PG_VERSION", "15\n");
  WriteFile(o.datadir + "/postgresql.conf", PostgresqlConfText(timezone));
  WriteFile(o.datadir + "/postgresql.auto.conf", PostgresqlAutoConfText());
  WriteFile(o.datadir + "/pg_hba.conf", PgHbaConfText(o.auth_local, o.auth_host));
  WriteFile(o.datadir + "/pg_ident.conf", PgIdentConfText());
  Ok();

  Step("writing control file");
  ControlData cd;
  cd.system_identifier = NewSystemIdentifier();
  cd.state = DbState::kShutdowned;
  cd.checkpoint_time = time(nullptr);
  // The first WAL segment holds a shutdown checkpoint; the control file points at it.
  cd.checkpoint_lsn = cd.redo_lsn = wal::BootstrapWal(o.datadir, cd.system_identifier, cd.next_xid, cd.next_oid);
  std::string err;
  if (!WriteControlFile(o.datadir, &cd, &err)) Fail(err);
  Ok();

  Step("creating system catalogs");
  try {
    BootstrapCatalogInProcess(o.datadir, cd.system_identifier, cd.checkpoint_lsn, superuser, verifier);
  } catch (const PgError& e) {
    Fail(e.data().message);
  }
  Ok();
}

}  // namespace

int RunInitDb(InitDbOptions o) {
  bool auth_warning = false;
  if (o.auth_local.empty()) {
    o.auth_local = "trust";
    auth_warning = true;
  }
  if (o.auth_host.empty()) {
    o.auth_host = "trust";
    auth_warning = true;
  }
  if (!OneOf(o.auth_local, kLocalMethods)) {
    Error("invalid authentication method \"" + o.auth_local + "\" for \"local\" connections");
    return 1;
  }
  if (!OneOf(o.auth_host, kHostMethods)) {
    Error("invalid authentication method \"" + o.auth_host + "\" for \"host\" connections");
    return 1;
  }
  if ((MethodNeedsPassword(o.auth_local) || MethodNeedsPassword(o.auth_host)) && o.pwfile.empty()) {
    Error("must specify a password for the superuser to enable password authentication");
    return 1;
  }
  if (o.datadir.empty()) {
    Error("no data directory specified");
    fprintf(stderr,
            "initdb: hint: You must identify the directory where the data for this database system "
            "will reside.  Do this with either the invocation option -D or the environment variable PGDATA.\n");
    return 1;
  }

  bool created_dir = false, made_files = false;
  try {
    std::string os_user = OsUserName();
    std::string superuser = o.username.empty() ? os_user : o.username;
    if (superuser.rfind("pg_", 0) == 0)
      Fail("superuser name \"" + superuser + "\" is disallowed; role names cannot begin with \"pg_\"");
    std::error_code ec;
    fs::path abs = fs::absolute(o.datadir, ec);
    if (!ec) o.datadir = abs.lexically_normal().string();
    while (o.datadir.size() > 1 && o.datadir.back() == '/') o.datadir.pop_back();

    printf("The files belonging to this database system will be owned by user \"%s\".\n"
           "This user must also own the server process.\n\n"
           "Data page checksums are disabled.\n\n",
           os_user.c_str());
    fflush(stdout);

    std::string verifier;
    if (!o.pwfile.empty()) verifier = auth::BuildScramVerifier(ReadPasswordFile(o.pwfile));

    struct stat st;
    if (stat(o.datadir.c_str(), &st) != 0) {
      if (errno != ENOENT) Fail("could not access directory \"" + o.datadir + "\": " + Errno());
      printf("creating directory %s ... ", o.datadir.c_str());
      fflush(stdout);
      fs::create_directories(o.datadir, ec);
      if (ec || chmod(o.datadir.c_str(), 0700) != 0)
        Fail("could not create directory \"" + o.datadir + "\": " + (ec ? ec.message() : Errno()));
      created_dir = true;
      Ok();
    } else {
      if (!S_ISDIR(st.st_mode) || !fs::is_empty(o.datadir, ec)) {
        Error("directory \"" + o.datadir + "\" exists but is not empty");
        fprintf(stderr,
                "initdb: hint: If you want to create a new database system, either remove or empty the "
                "directory \"%s\" or run tusk initdb with an argument other than \"%s\".\n",
                o.datadir.c_str(), o.datadir.c_str());
        return 1;
      }
      printf("fixing permissions on existing directory %s ... ", o.datadir.c_str());
      fflush(stdout);
      if (chmod(o.datadir.c_str(), 0700) != 0)
        Fail("could not change permissions of directory \"" + o.datadir + "\": " + Errno());
      Ok();
    }
    made_files = true;

    CreateCluster(o, superuser, verifier);

    if (o.no_sync) {
      printf("\nSync to disk skipped.\nThe data directory might become corrupt if the operating system crashes.\n");
    } else {
      Step("syncing data to disk");
      SyncDataDir(o.datadir);
      Ok();
    }
  } catch (const InitDbFailure&) {
    // Leave nothing half-made behind: a later initdb would refuse the directory.
    if (created_dir) {
      fprintf(stderr, "initdb: removing data directory \"%s\"\n", o.datadir.c_str());
      std::error_code ec;
      fs::remove_all(o.datadir, ec);
    } else if (made_files) {
      fprintf(stderr, "initdb: removing contents of data directory \"%s\"\n", o.datadir.c_str());
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(o.datadir, ec)) fs::remove_all(e.path(), ec);
    }
    return 1;
  } catch (const fs::filesystem_error& e) {
    Error(e.what());
    return 1;
  }

  fflush(stdout);
  if (auth_warning) {
    printf("\n");
    fflush(stdout);
    fprintf(stderr,
            "initdb: warning: enabling \"trust\" authentication for local connections\n"
            "initdb: hint: You can change this by editing pg_hba.conf or using the option -A, or "
            "--auth-local and --auth-host, the next time you run initdb.\n");
    fflush(stderr);
  }
  if (!o.no_instructions)
    printf("\nSuccess. You can now start the database server using:\n\n    tusk start -D %s -l logfile\n\n",
           ShellArg(o.datadir).c_str());
  fflush(stdout);
  return 0;
}

int InitDbMain(int argc, char** argv) {
  InitDbParseResult parsed = ParseInitDbArgs(argc, argv, getenv("PGDATA"));
  if (!parsed.ok) {
    fputs(parsed.error.c_str(), stderr);
    return 1;
  }
  if (parsed.options.help) {
    fputs(InitDbHelpText().c_str(), stdout);
    return 0;
  }
  if (parsed.options.version) {
    printf("tusk initdb (PostgreSQL) 15.0\n");
    return 0;
  }
  return RunInitDb(parsed.options);
}

std::string SystemTimeZone(const char* tz_env, const std::string& localtime_path, const std::string& timezone_file,
                           const std::string& zoneinfo) {
  // A zone name is a relative path to a regular file of the tz database.
  auto is_zone = [&](std::string name) {
    if (name.empty() || name[0] == '/' || name.find("..") != std::string::npos) return std::string();
    struct stat st;
    if (stat((zoneinfo + "/" + name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::string();
    return name;
  };
  if (tz_env && *tz_env) {
    std::string name = is_zone(tz_env[0] == ':' ? tz_env + 1 : tz_env);
    if (!name.empty()) return name;
  }
  std::error_code ec;
  const std::string target = std::filesystem::read_symlink(localtime_path, ec).string();
  const std::string marker = "zoneinfo/";
  const size_t at = target.rfind(marker);
  if (!ec && at != std::string::npos) {
    std::string name = is_zone(target.substr(at + marker.size()));
    if (!name.empty()) return name;
  }
  std::ifstream f(timezone_file);
  std::string line;
  if (f && std::getline(f, line)) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    std::string name = is_zone(line);
    if (!name.empty()) return name;
  }
  return "GMT";
}

}  // namespace tusk::ctl
