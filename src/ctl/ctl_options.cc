// Command-line parsing and --help for the control verbs. A small getopt-like
// parser of its own, because getopt's global state and direct printing would
// make the parser untestable; its messages copy GNU getopt's wording.
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "ctl/ctl_internal.h"

namespace tusk::ctl {
namespace {

struct OptSpec {
  char short_name;
  const char* long_name;
  bool takes_arg;
};

// -c and -p are accepted for pg_ctl compatibility: cores follow the shell's
// ulimit, and the server is always this executable.
constexpr OptSpec kOpts[] = {
    {'D', "pgdata", true},  {'l', "log", true},       {'m', "mode", true},     {'o', "options", true},
    {'s', "silent", false}, {'t', "timeout", true},   {'w', "wait", false},    {'W', "no-wait", false},
    {'?', "help", false},   {'V', "version", false},  {'c', "core-files", false}, {'p', nullptr, true},
};

const OptSpec* FindShort(char c) {
  for (const auto& s : kOpts)
    if (s.short_name == c) return &s;
  return nullptr;
}

const OptSpec* FindLong(const std::string& name) {
  for (const auto& s : kOpts)
    if (s.long_name && name == s.long_name) return &s;
  return nullptr;
}

std::string TryHelp() { return std::string("Try \"") + kProgName + " --help\" for more information.\n"; }

std::string Prefixed(const std::string& msg) { return std::string(kProgName) + ": " + msg + "\n"; }

// Applies one option; returns an error message (already complete) or "".
std::string Apply(CtlOptions* o, char opt, const std::string& arg) {
  switch (opt) {
    case 'D': o->datadir = arg; break;
    case 'l': o->log_file = arg; break;
    case 'm':
      if (arg == "s" || arg == "smart") o->mode = ShutdownMode::kSmart;
      else if (arg == "f" || arg == "fast") o->mode = ShutdownMode::kFast;
      else if (arg == "i" || arg == "immediate") o->mode = ShutdownMode::kImmediate;
      else return Prefixed("unrecognized shutdown mode \"" + arg + "\"") + TryHelp();
      break;
    case 'o':
      // pg_ctl appends repeated -o values, separated by a space.
      if (o->have_post_opts) o->post_opts += " ";
      o->post_opts += arg;
      o->have_post_opts = true;
      break;
    case 's': o->silent = true; break;
    case 't': o->timeout_secs = atoi(arg.c_str()); break;
    case 'w': o->wait = true; break;
    case 'W': o->wait = false; break;
    case '?': o->help = true; break;
    case 'V': o->version = true; break;
    default: break;  // -c, -p: accepted, no effect
  }
  return "";
}

}  // namespace

int SignalFromName(const std::string& name) {
  static const struct {
    const char* name;
    int sig;
  } kSignals[] = {{"ABRT", SIGABRT}, {"HUP", SIGHUP}, {"INT", SIGINT},   {"KILL", SIGKILL},
                  {"QUIT", SIGQUIT}, {"TERM", SIGTERM}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}};
  for (const auto& s : kSignals)
    if (name == s.name) return s.sig;
  return 0;
}

CtlParseResult ParseCtlArgs(int argc, char** argv, const char* pgdata_env, const char* timeout_env) {
  CtlParseResult r;
  CtlOptions& o = r.options;
  o.verb = argc > 0 ? argv[0] : "";
  if (timeout_env && *timeout_env) o.timeout_secs = atoi(timeout_env);
  std::vector<std::string> positional;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (options_done || a.size() < 2 || a[0] != '-') {
      positional.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a[1] == '-') {
      size_t eq = a.find('=');
      std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      const OptSpec* spec = FindLong(name);
      if (!spec) {
        r.error = Prefixed("unrecognized option '" + a.substr(0, eq) + "'") + TryHelp();
        return r;
      }
      std::string arg;
      if (spec->takes_arg) {
        if (eq != std::string::npos) {
          arg = a.substr(eq + 1);
        } else if (i + 1 < argc) {
          arg = argv[++i];
        } else {
          r.error = Prefixed("option '--" + name + "' requires an argument") + TryHelp();
          return r;
        }
      } else if (eq != std::string::npos) {
        r.error = Prefixed("option '--" + name + "' doesn't allow an argument") + TryHelp();
        return r;
      }
      r.error = Apply(&o, spec->short_name, arg);
      if (!r.error.empty()) return r;
      continue;
    }
    // A cluster of short options, the last of which may take an argument.
    for (size_t j = 1; j < a.size(); ++j) {
      const OptSpec* spec = FindShort(a[j]);
      if (!spec) {
        r.error = Prefixed(std::string("invalid option -- '") + a[j] + "'") + TryHelp();
        return r;
      }
      std::string arg;
      if (spec->takes_arg) {
        if (j + 1 < a.size()) {
          arg = a.substr(j + 1);
        } else if (i + 1 < argc) {
          arg = argv[++i];
        } else {
          r.error = Prefixed(std::string("option requires an argument -- '") + a[j] + "'") + TryHelp();
          return r;
        }
        j = a.size();
      }
      r.error = Apply(&o, spec->short_name, arg);
      if (!r.error.empty()) return r;
    }
  }
  // Help and version win over everything else, as in pg_ctl.
  if (o.help || o.version) {
    r.ok = true;
    return r;
  }

  if (o.verb == "kill") {
    if (positional.size() < 2) {
      r.error = Prefixed("missing arguments for kill mode") + TryHelp();
      return r;
    }
    if (positional.size() > 2) {
      r.error = Prefixed("too many command-line arguments (first is \"" + o.verb + "\")") + TryHelp();
      return r;
    }
    o.kill_signal = SignalFromName(positional[0]);
    if (o.kill_signal == 0) {
      r.error = Prefixed("unrecognized signal name \"" + positional[0] + "\"") + TryHelp();
      return r;
    }
    // pg_ctl uses atol here, so "abc" would signal PID 0 (our own process
    // group); refuse instead of reproducing that.
    char* end = nullptr;
    o.kill_pid = strtol(positional[1].c_str(), &end, 10);
    if (positional[1].empty() || *end != '\0' || o.kill_pid <= 0) {
      r.error = Prefixed("invalid process ID \"" + positional[1] + "\"") + TryHelp();
      return r;
    }
    r.ok = true;
    return r;
  }
  if (!positional.empty()) {
    // pg_ctl's getopt permutation makes it name the operation here.
    r.error = Prefixed("too many command-line arguments (first is \"" + o.verb + "\")") + TryHelp();
    return r;
  }
  if (o.datadir.empty() && pgdata_env && *pgdata_env) o.datadir = pgdata_env;
  if (o.datadir.empty()) {
    r.error = Prefixed("no database directory specified and environment variable PGDATA unset") + TryHelp();
    return r;
  }
  // pg_ctl strips trailing slashes so "DIR/postmaster.pid" prints cleanly.
  while (o.datadir.size() > 1 && o.datadir.back() == '/') o.datadir.pop_back();
  r.ok = true;
  return r;
}

std::string CtlHelpText() {
  std::string p = kProgName;
  return p + " start, stop, restart, reload, status, suspend, resume, promote and kill\n"
             "control a Tusk server "
             "the way pg_ctl controls PostgreSQL.\n"
             "\n"
             "Usage:\n"
             "  " + p + " start      [-D DATADIR] [-l FILENAME] [-W] [-t SECS] [-s]\n"
             "                  [-o OPTIONS] [-c]\n"
             "  " + p + " stop       [-D DATADIR] [-m SHUTDOWN-MODE] [-W] [-t SECS] [-s]\n"
             "  " + p + " restart    [-D DATADIR] [-m SHUTDOWN-MODE] [-W] [-t SECS] [-s]\n"
             "                  [-o OPTIONS] [-c]\n"
             "  " + p + " reload     [-D DATADIR] [-s]\n"
             "  " + p + " status     [-D DATADIR]\n"
             "  " + p + " suspend    [-D DATADIR] [-W] [-t SECS] [-s]\n"
             "  " + p + " resume     [-D DATADIR] [-W] [-s]\n"
             "  " + p + " promote    [-D DATADIR] [-W] [-t SECS] [-s]\n"
             "  " + p + " kill       SIGNALNAME PID\n"
             "\n"
             "Common options:\n"
             "  -D, --pgdata=DATADIR   location of the database storage area\n"
             "  -s, --silent           only print errors, no informational messages\n"
             "  -t, --timeout=SECS     seconds to wait when using -w option\n"
             "  -V, --version          output version information, then exit\n"
             "  -w, --wait             wait until operation completes (default)\n"
             "  -W, --no-wait          do not wait until operation completes\n"
             "  -?, --help             show this help, then exit\n"
             "If the -D option is omitted, the environment variable PGDATA is used.\n"
             "\n"
             "Options for start or restart:\n"
             "  -c, --core-files       accepted for compatibility; core files follow ulimit\n"
             "  -l, --log=FILENAME     write (or append) server log to FILENAME\n"
             "  -o, --options=OPTIONS  command line options to pass to \"" + p + " server\"\n"
             "\n"
             "Options for stop or restart:\n"
             "  -m, --mode=MODE        MODE can be \"smart\", \"fast\", or \"immediate\"\n"
             "\n"
             "Shutdown modes are:\n"
             "  smart       quit after all clients have disconnected\n"
             "  fast        quit directly, with proper shutdown (default)\n"
             "  immediate   quit without complete shutdown; will lead to recovery on restart\n"
             "\n"
             "Suspend (a quiet, consistent data directory, e.g. for a snapshot):\n"
             "  notify autovacuum, freeze new writes and wait up to SECS (default 60)\n"
             "  for running transactions, checkpoint and fsync every file, then stay\n"
             "  suspended (read-only queries go on) until \"" + p + " resume\".\n"
             "\n"
             "Allowed signal names for kill:\n"
             "  ABRT HUP INT KILL QUIT TERM USR1 USR2\n";
}

}  // namespace tusk::ctl
