// Placeholder until the control tool lands (being written in this session).
#include "ctl/ctl.h"
#include <cstdio>
namespace tusk::ctl {
int InitDbMain(int, char**) { fprintf(stderr, "initdb: not built yet\n"); return 1; }
bool IsCtlVerb(const std::string& v) { return v == "start" || v == "stop" || v == "restart" || v == "reload" || v == "status" || v == "kill"; }
int CtlMain(int, char** argv) { fprintf(stderr, "%s: not built yet\n", argv[0]); return 1; }
}  // namespace tusk::ctl
