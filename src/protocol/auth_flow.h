// Client authentication on the wire: picks the pg_hba.conf rule, runs the
// method's exchange (trust, reject, password, md5, SCRAM-SHA-256) and throws
// FATAL with PostgreSQL's message when it fails. pg_hba.conf is parsed by the
// postmaster at start and on reload; backends use the copy they inherited.
#pragma once

#include <string>

#include "catalog/role_store.h"
#include "protocol/auth/hba.h"
#include "protocol/connection.h"

namespace tusk::protocol {

// Postmaster: (re)load pg_hba.conf. At start a broken file is fatal (returns
// false after logging); on reload the old rules are kept and a LOG says so.
bool LoadHbaRules(const std::string& datadir, bool is_reload);

// Runs authentication for `req`; `role` is the role if it exists. Returns only
// on success (after sending AuthenticationOk). Returns false if the client
// hung up in the middle (psql does that to prompt for a password).
bool AuthenticateClient(Connection& conn, const auth::HbaRequest& req, const catalog::RoleRecord* role);

}  // namespace tusk::protocol
