// A WAL sender: the process of a physical replication connection
// (`replication=true` in the startup packet). After the start-up phase in
// backend/backend_main.cc it runs the replication commands (repl_command.h)
// over the simple query protocol: IDENTIFY_SYSTEM, SHOW, TIMELINE_HISTORY,
// the slot commands, BASE_BACKUP (basebackup.cc) and START_REPLICATION
// (wal_stream.cc). Ordinary SQL is refused, as in PostgreSQL 15.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tusk::protocol {
class Connection;
}

namespace tusk::replication {

struct WalSenderParams {
  std::string user;
  uint32_t role_oid = 0;
  bool superuser = false;
  int32_t cancel_key = 0;
  // The client's startup-packet settings (application_name, options' -c ...).
  std::vector<std::pair<std::string, std::string>> startup_settings;
};

// Runs until the client leaves (0) or a FATAL ends the connection (1). The
// caller has claimed the process-array slot of kind kWalSender.
int WalSenderMain(protocol::Connection& conn, const WalSenderParams& params);

}  // namespace tusk::replication
