// `tusk initdb` internals: option parsing, the text of the generated
// configuration files, and the run itself, split out so tests can call each
// piece without a subprocess.
#pragma once

#include <string>

namespace tusk::ctl {

struct InitDbOptions {
  std::string datadir;        // -D, positional, or $PGDATA; made absolute by RunInitDb
  std::string username;       // -U; empty: the OS user running initdb
  std::string auth_local;     // --auth-local or -A; empty: default
  std::string auth_host;      // --auth-host or -A; empty: default
  std::string pwfile;         // --pwfile
  bool no_sync = false;       // -N
  bool no_instructions = false;
  bool help = false;
  bool version = false;
};

// On failure `error` holds the full stderr text (with the "hint: Try" line).
struct InitDbParseResult {
  bool ok = false;
  std::string error;
  InitDbOptions options;
};

// Pure: no output, no environment access. argv[0] is "initdb".
InitDbParseResult ParseInitDbArgs(int argc, char** argv, const char* pgdata_env);

std::string InitDbHelpText();

// Creates the cluster, printing progress like PostgreSQL's initdb; returns the exit code.
int RunInitDb(InitDbOptions options);

// Contents of the files initdb writes (pg_hba.conf gets the chosen methods).
std::string PostgresqlConfText(const std::string& timezone);
// The machine's time zone as PostgreSQL's initdb finds it: TZ if it names a
// zone, else the zone /etc/localtime links to, else /etc/timezone; "GMT"
// when none of them names one. `zoneinfo` is the tz database's directory.
std::string SystemTimeZone(const char* tz_env, const std::string& localtime_path, const std::string& timezone_file,
                           const std::string& zoneinfo);
std::string PostgresqlAutoConfText();
std::string PgHbaConfText(const std::string& local_method, const std::string& host_method);
std::string PgIdentConfText();

// True if the method needs the superuser to have a password.
bool MethodNeedsPassword(const std::string& method);

}  // namespace tusk::ctl
