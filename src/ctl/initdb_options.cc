// Argument parsing and --help for `tusk initdb`. Kept free of side effects so
// the unit tests can exercise every message.
#include <cstring>
#include <vector>

#include "ctl/initdb.h"

namespace tusk::ctl {
namespace {

struct OptSpec {
  char short_name;  // 0: long only
  const char* long_name;
  bool takes_arg;
  int id;
};

enum Id { kAuth, kAuthHost, kAuthLocal, kPgdata, kUser, kPwfile, kNoSync, kNoInstr, kHelp, kVersion, kIgnored };

// -E/--encoding, --locale, --no-locale and -k are accepted so scripts written
// for PostgreSQL's initdb keep working; Tusk has one encoding and no page
// checksums to switch on.
constexpr OptSpec kOpts[] = {
    {'A', "auth", true, kAuth},          {0, "auth-host", true, kAuthHost},   {0, "auth-local", true, kAuthLocal},
    {'D', "pgdata", true, kPgdata},      {'U', "username", true, kUser},      {0, "pwfile", true, kPwfile},
    {'N', "no-sync", false, kNoSync},    {0, "no-instructions", false, kNoInstr},
    {'?', "help", false, kHelp},         {'V', "version", false, kVersion},   {'E', "encoding", true, kIgnored},
    {0, "locale", true, kIgnored},       {0, "no-locale", false, kIgnored},   {'k', "data-checksums", false, kIgnored},
};

std::string Hint() { return "initdb: hint: Try \"tusk initdb --help\" for more information.\n"; }

}  // namespace

InitDbParseResult ParseInitDbArgs(int argc, char** argv, const char* pgdata_env) {
  InitDbParseResult r;
  InitDbOptions& o = r.options;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.size() < 2 || a[0] != '-') {
      positional.push_back(a);
      continue;
    }
    const OptSpec* spec = nullptr;
    std::string arg;
    bool have_arg = false;
    if (a[1] == '-') {
      size_t eq = a.find('=');
      std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      for (const auto& s : kOpts)
        if (name == s.long_name) spec = &s;
      if (!spec) {
        r.error = "initdb: unrecognized option '" + a.substr(0, eq) + "'\n" + Hint();
        return r;
      }
      if (eq != std::string::npos) {
        if (!spec->takes_arg) {
          r.error = "initdb: option '--" + name + "' doesn't allow an argument\n" + Hint();
          return r;
        }
        arg = a.substr(eq + 1);
        have_arg = true;
      }
      if (spec->takes_arg && !have_arg) {
        if (i + 1 >= argc) {
          r.error = "initdb: option '--" + name + "' requires an argument\n" + Hint();
          return r;
        }
        arg = argv[++i];
      }
    } else {
      // Only single short options (with attached or separate argument).
      for (const auto& s : kOpts)
        if (s.short_name == a[1]) spec = &s;
      if (!spec || (!spec->takes_arg && a.size() > 2)) {
        char bad = spec ? a[2] : a[1];
        r.error = std::string("initdb: invalid option -- '") + bad + "'\n" + Hint();
        return r;
      }
      if (spec->takes_arg) {
        if (a.size() > 2) {
          arg = a.substr(2);
        } else if (i + 1 < argc) {
          arg = argv[++i];
        } else {
          r.error = std::string("initdb: option requires an argument -- '") + a[1] + "'\n" + Hint();
          return r;
        }
      }
    }
    switch (spec->id) {
      case kAuth: o.auth_local = o.auth_host = arg; break;
      case kAuthHost: o.auth_host = arg; break;
      case kAuthLocal: o.auth_local = arg; break;
      case kPgdata: o.datadir = arg; break;
      case kUser: o.username = arg; break;
      case kPwfile: o.pwfile = arg; break;
      case kNoSync: o.no_sync = true; break;
      case kNoInstr: o.no_instructions = true; break;
      case kHelp: o.help = true; break;
      case kVersion: o.version = true; break;
      default: break;
    }
  }
  if (o.help || o.version) {
    r.ok = true;
    return r;
  }
  // One positional argument names the directory, unless -D already did.
  size_t first_extra = 0;
  if (o.datadir.empty() && !positional.empty()) {
    o.datadir = positional[0];
    first_extra = 1;
  }
  if (positional.size() > first_extra) {
    r.error = "initdb: error: too many command-line arguments (first is \"" + positional[first_extra] + "\")\n" +
              Hint();
    return r;
  }
  if (o.datadir.empty() && pgdata_env) o.datadir = pgdata_env;
  r.ok = true;
  return r;
}

std::string InitDbHelpText() {
  return "tusk initdb creates a new Tusk database cluster (a data directory).\n"
         "\n"
         "Usage:\n"
         "  tusk initdb [OPTION]... [DATADIR]\n"
         "\n"
         "Options:\n"
         "  -A, --auth=METHOD         default authentication method for local connections\n"
         "      --auth-host=METHOD    default authentication method for local TCP/IP connections\n"
         "      --auth-local=METHOD   default authentication method for local-socket connections\n"
         " [-D, --pgdata=]DATADIR     location for this database cluster\n"
         "  -E, --encoding=ENCODING   accepted for compatibility; the encoding is UTF8\n"
         "  -k, --data-checksums      accepted for compatibility; no effect\n"
         "      --locale=LOCALE       accepted for compatibility; no effect\n"
         "      --no-locale           accepted for compatibility; no effect\n"
         "      --pwfile=FILE         read password for the new superuser from file\n"
         "  -U, --username=NAME       database superuser name\n"
         "\n"
         "Less commonly used options:\n"
         "  -N, --no-sync             do not wait for changes to be written safely to disk\n"
         "      --no-instructions     do not print instructions for next steps\n"
         "\n"
         "Other options:\n"
         "  -V, --version             output version information, then exit\n"
         "  -?, --help                show this help, then exit\n"
         "\n"
         "If the data directory is not specified, the environment variable PGDATA\n"
         "is used.\n";
}

}  // namespace tusk::ctl
