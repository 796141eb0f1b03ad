// Placeholder until the postmaster lands (being written in this session).
#include "postmaster/postmaster.h"
#include <cstdio>
namespace tusk::postmaster {
int PostmasterMain(int, char**) { fprintf(stderr, "server: not built yet\n"); return 1; }
}  // namespace tusk::postmaster
