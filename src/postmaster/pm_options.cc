// Command-line parsing and data-directory checks for `tusk server`.
#include "postmaster/pm_options.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "utils/guc.h"
#include "utils/log.h"

namespace tusk::postmaster {
namespace {

void PrintHelp() {
  printf(
      "tusk server is the Tusk server (the postmaster).\n\n"
      "Usage:\n"
      "  tusk server [OPTION]...\n\n"
      "Options:\n"
      "  -B NBUFFERS        number of shared buffers\n"
      "  -c NAME=VALUE      set run-time parameter\n"
      "  -D DATADIR         database directory\n"
      "  -F                 turn fsync off\n"
      "  -h HOSTNAME        host name or IP address to listen on\n"
      "  -i                 enable TCP/IP connections (listen on all addresses)\n"
      "  -k DIRECTORY       Unix-domain socket location\n"
      "  -N MAX-CONNECT     maximum number of allowed connections\n"
      "  -p PORT            port number to listen on\n"
      "  --NAME=VALUE       set run-time parameter\n"
      "  -V, --version      output version information, then exit\n"
      "  -?, --help         show this help, then exit\n\n"
      "If no data directory is given, the environment variable PGDATA is used.\n");
}

std::string MakeAbsolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == nullptr) return path;
  std::string p = std::string(cwd) + "/" + path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

void Fatal(const std::string& message, const std::string& detail = {}, const std::string& hint = {}) {
  ErrorData d;
  d.level = ErrLevel::kFatal;
  d.message = message;
  d.detail = detail;
  d.hint = hint;
  LogEntry(d);
}

bool CheckDataDir(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT)
      Fatal("data directory \"" + dir + "\" does not exist");
    else
      Fatal("could not read permissions of directory \"" + dir + "\": " + strerror(errno));
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    Fatal("specified data directory \"" + dir + "\" is not a directory");
    return false;
  }
  if (st.st_uid != geteuid()) {
    Fatal("data directory \"" + dir + "\" has wrong ownership", {},
          "The server must be started by the user that owns the data directory.");
    return false;
  }
  if ((st.st_mode & 0027) != 0) {
    Fatal("data directory \"" + dir + "\" has invalid permissions",
          "Permissions should be u=rwx (0700) or u=rwx,g=rx (0750).");
    return false;
  }
  std::string version_file = dir + "/PG_VERSION";
  std::ifstream in(version_file);
  if (!in) {
    Fatal("\"" + dir + "\" is not a valid data directory", "File \"" + version_file + "\" is missing.");
    return false;
  }
  std::string version;
  in >> version;
  if (version != "15") {
    Fatal("database files are incompatible with server",
          "The data directory was initialized by PostgreSQL version " + version +
              ", which is not compatible with this version 15.");
    return false;
  }
  return true;
}

}  // namespace

int ParsePostmasterOptions(int argc, char** argv, PmOptions* out) {
  std::string data_dir;
  std::vector<std::pair<std::string, std::string>> settings;
  for (int i = 1; i < argc; ++i) out->argv.push_back(argv[i]);
  auto need_value = [&](int& i, const char* flag) -> const char* {
    if (i + 1 >= argc) {
      fprintf(stderr, "tusk server: option requires an argument -- '%s'\n", flag + 1);
      fprintf(stderr, "Try \"tusk server --help\" for more information.\n");
      return nullptr;
    }
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const char* v = nullptr;
    if (a == "--help" || a == "-?") {
      PrintHelp();
      return 0;
    } else if (a == "--version" || a == "-V") {
      printf("tusk (PostgreSQL) 15.0\n");
      return 0;
    } else if (a == "-D") {
      if (!(v = need_value(i, "-D"))) return 1;
      data_dir = v;
    } else if (a == "-p") {
      if (!(v = need_value(i, "-p"))) return 1;
      settings.emplace_back("port", v);
    } else if (a == "-k") {
      if (!(v = need_value(i, "-k"))) return 1;
      settings.emplace_back("unix_socket_directories", v);
    } else if (a == "-h") {
      if (!(v = need_value(i, "-h"))) return 1;
      settings.emplace_back("listen_addresses", v);
    } else if (a == "-N") {
      if (!(v = need_value(i, "-N"))) return 1;
      settings.emplace_back("max_connections", v);
    } else if (a == "-B") {
      if (!(v = need_value(i, "-B"))) return 1;
      settings.emplace_back("shared_buffers", v);
    } else if (a == "-i") {
      settings.emplace_back("listen_addresses", "*");
    } else if (a == "-F") {
      settings.emplace_back("fsync", "off");
    } else if (a == "-c" || (a.rfind("--", 0) == 0 && a.size() > 2)) {
      std::string item;
      if (a == "-c") {
        if (!(v = need_value(i, "-c"))) return 1;
        item = v;
      } else {
        item = a.substr(2);
      }
      size_t eq = item.find('=');
      if (eq == std::string::npos) {
        fprintf(stderr, "tusk server: --%s requires a value\n", item.c_str());
        return 1;
      }
      std::string name = item.substr(0, eq);
      for (char& c : name)
        if (c == '-') c = '_';
      settings.emplace_back(name, item.substr(eq + 1));
    } else if (a.rfind("-c", 0) == 0 && a.size() > 2) {
      std::string item = a.substr(2);
      size_t eq = item.find('=');
      if (eq == std::string::npos) {
        fprintf(stderr, "tusk server: -c %s requires a value\n", item.c_str());
        return 1;
      }
      settings.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    } else {
      fprintf(stderr, "tusk server: invalid argument: \"%s\"\n", a.c_str());
      fprintf(stderr, "Try \"tusk server --help\" for more information.\n");
      return 1;
    }
  }
  if (data_dir.empty()) {
    const char* env = getenv("PGDATA");
    if (env != nullptr) data_dir = env;
  }
  if (data_dir.empty()) {
    fprintf(stderr,
            "tusk server does not know where to find the server configuration file.\n"
            "You must specify the --config-file or -D invocation option or set the PGDATA environment variable.\n");
    return 2;
  }
  out->data_dir = MakeAbsolute(data_dir);
  for (const auto& [name, value] : settings) {
    try {
      guc::SetCommandLineOption(name, value);
    } catch (const PgError& e) {
      ErrorData d = e.data();
      d.level = ErrLevel::kFatal;
      LogEntry(d);
      return 1;
    }
  }
  std::string conf = out->data_dir + "/postgresql.conf";
  if (access(conf.c_str(), R_OK) != 0) {
    fprintf(stderr, "tusk server: could not access the server configuration file \"%s\": %s\n", conf.c_str(),
            strerror(errno));
    return 2;
  }
  if (!CheckDataDir(out->data_dir)) return 1;
  std::vector<ErrorData> messages;
  bool ok = guc::ProcessConfigFile(out->data_dir, false, ErrLevel::kFatal, &messages);
  for (const ErrorData& m : messages) LogEntry(m);
  if (!ok) return 1;
  return -1;
}

void WritePostmasterOpts(const PmOptions& options) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  std::string text = n > 0 ? std::string(exe, static_cast<size_t>(n)) : "tusk";
  text += " \"server\"";
  for (const std::string& a : options.argv) text += " \"" + a + "\"";
  text += "\n";
  std::ofstream out(options.data_dir + "/postmaster.opts", std::ios::trunc);
  out << text;
}

}  // namespace tusk::postmaster
