// The `tusk` executable: dispatches a subcommand to its subsystem, nothing else.
#include <cstdio>
#include <cstring>
#include <string>

#include "ctl/ctl.h"
#include "postmaster/postmaster.h"
#include "utils/ps_title.h"

static void PrintUsage(const char* prog) {
  printf(
      "%s is a PostgreSQL-compatible database server.\n\n"
      "Usage:\n"
      "  %s initdb  -D DATADIR [-U USER] [--auth METHOD]   create a data directory\n"
      "  %s server  -D DATADIR [-p PORT] [-c NAME=VALUE]... run the server in the foreground\n"
      "  %s start   [-D DATADIR] [-w|-W] [-t SECS] [-l LOGFILE] [-o \"OPTIONS\"]\n"
      "  %s stop    [-D DATADIR] [-m smart|fast|immediate] [-w|-W] [-t SECS]\n"
      "  %s restart [-D DATADIR] [-m MODE] [-w|-W] [-t SECS] [-l LOGFILE] [-o \"OPTIONS\"]\n"
      "  %s reload  [-D DATADIR]\n"
      "  %s status  [-D DATADIR]\n"
      "  %s kill    SIGNALNAME PID\n"
      "  %s suspend [-D DATADIR] [-t SECS]   (resume: %s resume [-D DATADIR])\n"
      "  %s promote [-D DATADIR]\n"
      "  %s basebackup -D NEWDIR [-h HOST] [-p PORT] [-U USER] [-R]\n\n"
      "Each subcommand accepts --help. DATADIR defaults to $PGDATA.\n",
      prog, prog, prog, prog, prog, prog, prog, prog, prog, prog, prog, prog, prog);
}

int main(int argc, char** argv) {
  const char* prog = "tusk";
  if (argc < 2) {
    PrintUsage(prog);
    return 1;
  }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-?" || cmd == "help") {
    PrintUsage(prog);
    return 0;
  }
  if (cmd == "--version" || cmd == "-V") {
    printf("tusk (PostgreSQL) 15.0\n");
    return 0;
  }
  if (cmd == "server" || cmd == "postgres") {
    // Children overwrite the argv area with their titles.
    tusk::SavePsArgs(argc, argv);
    return tusk::postmaster::PostmasterMain(argc - 1, argv + 1);
  }
  if (cmd == "initdb") return tusk::ctl::InitDbMain(argc - 1, argv + 1);
  if (cmd == "basebackup") return tusk::ctl::BaseBackupMain(argc - 1, argv + 1);
  if (tusk::ctl::IsCtlVerb(cmd)) return tusk::ctl::CtlMain(argc - 1, argv + 1);
  fprintf(stderr, "%s: unknown subcommand \"%s\"\nTry \"%s --help\" for more information.\n", prog,
          cmd.c_str(), prog);
  return 1;
}
