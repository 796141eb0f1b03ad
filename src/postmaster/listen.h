// The postmaster's listening sockets: TCP for each listen_addresses entry and
// a Unix socket .s.PGSQL.PORT in each unix_socket_directories entry, with its
// lock file .s.PGSQL.PORT.lock.
#pragma once

#include <string>
#include <vector>

namespace tusk::postmaster {

struct ListenSockets {
  std::vector<int> fds;
  std::vector<bool> is_unix;
  std::vector<std::string> unix_paths;  // socket files to unlink at exit (with their .lock)
  std::string first_socket_dir;
  std::string first_listen_address;
};

// Logs each `listening on ...` line and each failure as PostgreSQL does.
// Throws PgError FATAL when nothing could be created for a configured kind
// (`could not create any TCP/IP sockets`, `could not create any Unix-domain sockets`).
ListenSockets CreateListenSockets(int port, const std::string& listen_addresses,
                                  const std::string& socket_dirs, int socket_permissions);

void CloseListenSockets(ListenSockets* sockets);  // in children, and at exit
void RemoveSocketFiles(const ListenSockets& sockets);

// Splits a comma-separated list (with optional quotes/spaces), as the server reads it.
std::vector<std::string> SplitList(const std::string& value);

}  // namespace tusk::postmaster
