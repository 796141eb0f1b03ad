// Entry point of the control verbs: parses the arguments, handles --help and
// --version, and hands over to the verb's implementation.
#include "ctl/ctl.h"

#include <cstdio>
#include <cstdlib>

#include "ctl/ctl_internal.h"

namespace tusk::ctl {

bool IsCtlVerb(const std::string& verb) {
  // logrotate is not implemented, so it stays an unknown subcommand.
  return verb == "start" || verb == "stop" || verb == "restart" || verb == "reload" || verb == "status" ||
         verb == "kill" || verb == "suspend" || verb == "resume" || verb == "promote";
}

int CtlMain(int argc, char** argv) {
  CtlParseResult parsed = ParseCtlArgs(argc, argv, getenv("PGDATA"), getenv("PGCTLTIMEOUT"));
  if (!parsed.ok) {
    fputs(parsed.error.c_str(), stderr);
    return 1;
  }
  const CtlOptions& o = parsed.options;
  if (o.help) {
    fputs(CtlHelpText().c_str(), stdout);
    return 0;
  }
  if (o.version) {
    printf("%s (PostgreSQL) 15.0\n", kProgName);
    return 0;
  }
  try {
    if (o.verb == "start") return DoStart(o, false);
    if (o.verb == "stop") return DoStop(o);
    if (o.verb == "restart") return DoRestart(o);
    if (o.verb == "reload") return DoReload(o);
    if (o.verb == "status") return DoStatus(o);
    if (o.verb == "kill") return DoKill(o);
    if (o.verb == "suspend") return DoSuspend(o);
    if (o.verb == "resume") return DoResume(o);
    if (o.verb == "promote") return DoPromote(o);
  } catch (const CtlExit& e) {
    return e.code;
  }
  fprintf(stderr, "%s: unrecognized operation mode \"%s\"\nTry \"%s --help\" for more information.\n", kProgName,
          o.verb.c_str(), kProgName);
  return 1;
}

}  // namespace tusk::ctl
