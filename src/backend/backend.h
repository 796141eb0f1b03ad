// A backend: the process of one client session, forked by the postmaster
// right after accept(). It reads the startup packet (under
// authentication_timeout), answers SSL/GSS requests, serves cancel requests,
// authenticates, then runs the command loop until the client leaves.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace tusk::backend {

// The postmaster's verdict on new connections when it forked this child
// (PostgreSQL's canAcceptConnections).
// kSuperuser: a smart shutdown waits for an online backup; only superusers may connect.
enum class CacState { kOk, kStartup, kShutdown, kRecovery, kNotConsistent, kTooMany, kSuperuser, kSuspending };

struct CancelTarget {
  pid_t pid;
  int32_t key;
};

struct ClientConnection {
  int fd = -1;
  sockaddr_storage addr = {};
  socklen_t addr_len = 0;
  bool is_unix = false;
  int32_t cancel_key = 0;
  CacState cac = CacState::kOk;
  // The postmaster's backends at fork time: a CancelRequest is checked against
  // these (the child holds a copy of the postmaster's table, as in PostgreSQL).
  std::vector<CancelTarget> cancel_targets;
};

// The end of start-up every session sends: ParameterStatus for each reported
// setting, BackendKeyData; application_name goes into the process slot.
void AppendStartupReport(std::string* out, int32_t cancel_key);

// Runs the session; returns the process exit code (0 normal, 1 after FATAL).
int BackendMain(ClientConnection conn);

// A parallel worker for the request in parallel slot `slot` (parallel_worker.cc);
// returns the exit code.
int ParallelWorkerMain(int slot);

}  // namespace tusk::backend
