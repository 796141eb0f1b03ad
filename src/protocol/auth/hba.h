// pg_hba.conf: parsing into HbaLine records with PostgreSQL 15's error texts,
// choosing the first line that matches a connection, and the texts of the
// FATAL messages a backend sends when no line matches or a line rejects.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "utils/error.h"

namespace tusk::auth {

enum class HbaConnType { kLocal, kHost, kHostSsl, kHostNoSsl, kHostGssEnc, kHostNoGssEnc };

// Methods Tusk implements. Others PostgreSQL knows (gss, sspi, pam, ldap,
// radius, cert, bsd) are rejected at parse time as "not supported by this build".
enum class AuthMethod { kTrust, kReject, kPassword, kMd5, kScramSha256, kPeer, kIdent };

// One word of a field. Quoting matters: "all" in quotes names a database
// called all, while all without quotes is the keyword.
struct HbaToken {
  std::string text;
  bool quoted = false;
};
inline bool operator==(const HbaToken& t, std::string_view s) { return t.text == s; }

enum class HbaAddrKind { kAll, kCidr, kSameHost, kSameNet, kHostName };

struct HbaLine {
  int line_number = 0;
  std::string raw;  // the line as written, for "Connection matched pg_hba.conf line N"
  HbaConnType type = HbaConnType::kLocal;
  std::vector<HbaToken> databases, roles;  // @file includes already expanded
  // Address (unused for kLocal).
  HbaAddrKind addr_kind = HbaAddrKind::kAll;
  sockaddr_storage addr{};  // kCidr: network address
  sockaddr_storage mask{};  // kCidr: netmask, same family as addr
  std::string hostname;     // kHostName: name, or ".suffix"
  AuthMethod method = AuthMethod::kTrust;
  std::string usermap;  // map= (ident, peer)
  std::vector<std::pair<std::string, std::string>> options;  // every name=value, in order
};

// What the server supports, which decides whether hostssl / hostgssenc lines
// are errors (as in PostgreSQL with ssl = off or without GSSAPI).
struct HbaParseOptions {
  bool ssl_enabled = false;
  bool gss_supported = false;
};

// Parses the file. Returns true if every line parsed (and there was at least
// one); otherwise false, with one ErrorData per bad line (level LOG, SQLSTATE
// F0000, context `line N of configuration file "PATH"`). Good lines are
// appended to *out either way. A missing @file is logged into *errors without
// making the result false, as PostgreSQL does.
bool ParseHbaFile(const std::string& path, std::vector<HbaLine>* out,
                  std::vector<ErrorData>* errors, const HbaParseOptions& options = {});

struct HbaRequest {
  bool is_unix_socket = false;
  sockaddr_storage addr{};  // client address (TCP only)
  socklen_t addr_len = 0;
  std::string user;
  std::string database;
  bool replication_connection = false;  // physical replication (walsender without database)
};

// First matching line, or nullptr (then the connection is refused).
const HbaLine* MatchHba(const std::vector<HbaLine>& lines, const HbaRequest& req);

// Client host as PostgreSQL prints it: numeric address, or "[local]".
std::string HbaClientHost(const HbaRequest& req);

// `no pg_hba.conf entry for host "H", user "U", database "D", no encryption`
// (replication: `no pg_hba.conf entry for replication connection from host ...`). FATAL 28000.
std::string NoHbaEntryMessage(const HbaRequest& req);

// `pg_hba.conf rejects connection for host "H", user "U", database "D", no encryption`
// (replication variant likewise). FATAL 28000, for a matched `reject` line.
std::string HbaRejectMessage(const HbaRequest& req);

// The FATAL text after a failed authentication, e.g.
// `password authentication failed for user "u"`, and its SQLSTATE (28P01 for
// the password methods, else 28000).
std::string AuthFailedMessage(AuthMethod method, const std::string& user);
const char* AuthFailedSqlState(AuthMethod method);

// `Connection matched pg_hba.conf line N: "RAW"`: the log-only DETAIL of an auth failure.
std::string HbaLineDetail(const HbaLine& line);

// The method's pg_hba.conf keyword ("scram-sha-256", "md5", ...).
const char* AuthMethodName(AuthMethod method);

}  // namespace tusk::auth
