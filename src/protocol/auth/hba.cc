// pg_hba.conf parsing and matching with PostgreSQL 15's tokenising rules,
// checks and log texts; address checks cover IPv4, IPv6 (including
// IPv4-mapped clients), samehost/samenet and host names.

#include "protocol/auth/hba.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <strings.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace tusk::auth {
namespace {

// A line split into fields, each field a comma list of tokens.
using Field = std::vector<HbaToken>;

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Reads one token at *pos. Returns false at end of line or comment. Sets
// *comma if the token was ended by an unquoted comma (the list continues).
bool NextToken(const std::string& line, size_t* pos, HbaToken* tok, bool* comma) {
  size_t i = *pos;
  while (i < line.size() && IsBlank(line[i])) ++i;
  if (i >= line.size() || line[i] == '#') {
    *pos = line.size();
    return false;
  }
  tok->text.clear();
  tok->quoted = false;
  *comma = false;
  bool in_quote = false;
  for (; i < line.size(); ++i) {
    char c = line[i];
    if (!in_quote && (IsBlank(c) || c == '#')) break;
    if (!in_quote && c == ',') {
      *comma = true;
      ++i;
      break;
    }
    if (c == '"') {
      // Inside quotes, "" stands for one literal quote.
      if (in_quote && i + 1 < line.size() && line[i + 1] == '"') {
        tok->text += '"';
        ++i;
        continue;
      }
      in_quote = !in_quote;
      tok->quoted = true;
      continue;
    }
    tok->text += c;
  }
  *pos = i;
  return true;
}

bool IsKeyword(const HbaToken& t, const char* kw) { return !t.quoted && t.text == kw; }

// Reads the tokens of an @file: every token of every line, as one list.
void ExpandInclude(const std::string& hba_path, const HbaToken& at, Field* field,
                   std::vector<ErrorData>* errors) {
  std::string name = at.text.substr(1);
  std::string full = name;
  if (!name.empty() && name[0] != '/') {
    size_t slash = hba_path.rfind('/');
    full = (slash == std::string::npos ? std::string(".") : hba_path.substr(0, slash)) + "/" + name;
  }
  std::ifstream in(full);
  if (!in) {
    ErrorData e;
    e.level = ErrLevel::kLog;
    e.sqlstate = sqlstate::kConfigFileError;
    e.message = "could not open secondary authentication file \"" + at.text + "\" as \"" + full +
                "\": " + strerror(errno);
    errors->push_back(std::move(e));
    return;
  }
  std::string line;
  while (std::getline(in, line)) {
    size_t pos = 0;
    HbaToken tok;
    bool comma = false;
    while (NextToken(line, &pos, &tok, &comma)) {
      if (!tok.text.empty() || tok.quoted) field->push_back(tok);
    }
  }
}

// Splits a line into whitespace-separated fields of comma lists.
std::vector<Field> SplitLine(const std::string& hba_path, const std::string& line,
                             std::vector<ErrorData>* errors) {
  std::vector<Field> fields;
  size_t pos = 0;
  HbaToken tok;
  bool comma = false;
  while (NextToken(line, &pos, &tok, &comma)) {
    Field field;
    for (;;) {
      if (!tok.quoted && tok.text.size() > 1 && tok.text[0] == '@') {
        ExpandInclude(hba_path, tok, &field, errors);
      } else if (!tok.text.empty() || tok.quoted) {
        field.push_back(tok);
      }
      // A trailing comma continues the list even across whitespace.
      if (!comma || !NextToken(line, &pos, &tok, &comma)) break;
    }
    fields.push_back(std::move(field));
  }
  return fields;
}

// Thrown inside line parsing and turned into one LOG entry for that line.
struct LineError {
  std::string message;
  std::string hint;
};

[[noreturn]] void Fail(std::string message, std::string hint = {}) {
  throw LineError{std::move(message), std::move(hint)};
}

// Numeric address parse as PostgreSQL does it (getaddrinfo, AI_NUMERICHOST),
// so forms like "10.1" or "fe80::1%eth0" mean the same here as there.
int ParseNumericAddr(const std::string& text, sockaddr_storage* out) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(text.c_str(), nullptr, &hints, &res);
  if (rc == 0 && res) {
    memset(out, 0, sizeof *out);
    memcpy(out, res->ai_addr, res->ai_addrlen);
  }
  if (res) freeaddrinfo(res);
  return rc;
}

// Fills *mask with a prefix-length netmask of the given family; false if out of range.
bool MakeCidrMask(int family, const std::string& bits_text, sockaddr_storage* mask) {
  if (bits_text.empty() || bits_text.size() > 3) return false;
  int bits = 0;
  for (char c : bits_text) {
    if (c < '0' || c > '9') return false;
    bits = bits * 10 + (c - '0');
  }
  int max_bits = family == AF_INET ? 32 : 128;
  if (bits > max_bits) return false;
  memset(mask, 0, sizeof *mask);
  mask->ss_family = static_cast<sa_family_t>(family);
  uint8_t* bytes = family == AF_INET
                       ? reinterpret_cast<uint8_t*>(&reinterpret_cast<sockaddr_in*>(mask)->sin_addr)
                       : reinterpret_cast<uint8_t*>(&reinterpret_cast<sockaddr_in6*>(mask)->sin6_addr);
  for (int i = 0; i < max_bits / 8; ++i) {
    int take = std::min(8, std::max(0, bits - 8 * i));
    bytes[i] = static_cast<uint8_t>(take == 0 ? 0 : (0xff << (8 - take)) & 0xff);
  }
  return true;
}

// The raw address bytes of an IPv4/IPv6 sockaddr, and their length.
const uint8_t* AddrBytes(const sockaddr_storage& sa, size_t* len) {
  if (sa.ss_family == AF_INET) {
    *len = 4;
    return reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(&sa)->sin_addr);
  }
  if (sa.ss_family == AF_INET6) {
    *len = 16;
    return reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in6*>(&sa)->sin6_addr);
  }
  *len = 0;
  return nullptr;
}

void ParseAddress(const std::vector<Field>& fields, size_t* idx, HbaLine* line) {
  if (*idx >= fields.size()) Fail("end-of-line before IP address specification");
  const Field& f = fields[*idx];
  if (f.size() > 1) {
    Fail("multiple values specified for host address", "Specify one address range per line.");
  }
  if (f.empty()) Fail("end-of-line before IP address specification");
  const HbaToken& tok = f[0];
  ++*idx;
  if (IsKeyword(tok, "all")) { line->addr_kind = HbaAddrKind::kAll; return; }
  if (IsKeyword(tok, "samehost")) { line->addr_kind = HbaAddrKind::kSameHost; return; }
  if (IsKeyword(tok, "samenet")) { line->addr_kind = HbaAddrKind::kSameNet; return; }

  std::string text = tok.text;
  size_t slash = text.find('/');
  std::string host = text.substr(0, slash);
  int rc = ParseNumericAddr(host, &line->addr);
  if (rc == EAI_NONAME) {
    line->addr_kind = HbaAddrKind::kHostName;
    line->hostname = host;
  } else if (rc != 0) {
    Fail("invalid IP address \"" + host + "\": " + gai_strerror(rc));
  } else {
    line->addr_kind = HbaAddrKind::kCidr;
  }
  if (slash != std::string::npos) {
    if (line->addr_kind == HbaAddrKind::kHostName) {
      Fail("specifying both host name and CIDR mask is invalid: \"" + text + "\"");
    }
    if (!MakeCidrMask(line->addr.ss_family, text.substr(slash + 1), &line->mask)) {
      Fail("invalid CIDR mask in address \"" + text + "\"");
    }
    return;
  }
  if (line->addr_kind == HbaAddrKind::kHostName) return;

  // A bare address takes its netmask from the next field.
  if (*idx >= fields.size() || fields[*idx].empty()) {
    Fail("end-of-line before netmask specification",
         "Specify an address range in CIDR notation, or provide a separate netmask.");
  }
  const Field& mf = fields[*idx];
  if (mf.size() > 1) {
    Fail("multiple values specified for netmask", "Specify one address range per line.");
  }
  ++*idx;
  rc = ParseNumericAddr(mf[0].text, &line->mask);
  if (rc != 0) Fail("invalid IP mask \"" + mf[0].text + "\": " + gai_strerror(rc));
  if (line->mask.ss_family != line->addr.ss_family) Fail("IP address and mask do not match");
}

void ParseMethod(const std::vector<Field>& fields, size_t* idx, HbaLine* line) {
  if (*idx >= fields.size() || fields[*idx].empty()) {
    Fail("end-of-line before authentication method");
  }
  const Field& f = fields[*idx];
  if (f.size() > 1) {
    Fail("multiple values specified for authentication type",
         "Specify exactly one authentication type per line.");
  }
  ++*idx;
  const std::string& m = f[0].text;
  struct Known { const char* name; AuthMethod method; };
  static const Known kKnown[] = {
      {"trust", AuthMethod::kTrust},     {"reject", AuthMethod::kReject},
      {"password", AuthMethod::kPassword}, {"md5", AuthMethod::kMd5},
      {"scram-sha-256", AuthMethod::kScramSha256}, {"peer", AuthMethod::kPeer},
      {"ident", AuthMethod::kIdent},
  };
  static const char* const kUnsupported[] = {"gss", "sspi", "pam", "ldap", "radius", "cert", "bsd"};
  for (const Known& k : kKnown) {
    if (m == k.name) {
      line->method = k.method;
      // On a Unix socket there is no ident server to ask; PostgreSQL uses peer.
      if (line->method == AuthMethod::kIdent && line->type == HbaConnType::kLocal) {
        line->method = AuthMethod::kPeer;
      }
      if (line->method == AuthMethod::kPeer && line->type != HbaConnType::kLocal) {
        Fail("peer authentication is only supported on local sockets");
      }
      return;
    }
  }
  for (const char* u : kUnsupported) {
    if (m == u) Fail("invalid authentication method \"" + m + "\": not supported by this build");
  }
  Fail("invalid authentication method \"" + m + "\"");
}

void ParseOptions(const std::vector<Field>& fields, size_t idx, HbaLine* line) {
  for (; idx < fields.size(); ++idx) {
    for (const HbaToken& tok : fields[idx]) {
      size_t eq = tok.text.find('=');
      if (eq == std::string::npos) {
        Fail("authentication option not in name=value format: " + tok.text);
      }
      std::string name = tok.text.substr(0, eq);
      std::string value = tok.text.substr(eq + 1);
      if (name == "map") {
        if (line->method != AuthMethod::kIdent && line->method != AuthMethod::kPeer) {
          Fail("authentication option \"map\" is only valid for authentication methods ident, "
               "peer, gssapi, sspi, and cert");
        }
        line->usermap = value;
      } else if (name == "clientcert" || name == "clientname") {
        if (line->type != HbaConnType::kHostSsl) {
          Fail("clientcert can only be configured for \"hostssl\" rows");
        }
      } else {
        Fail("unrecognized authentication option name: \"" + name + "\"");
      }
      line->options.emplace_back(name, value);
    }
  }
}

void ParseLine(const std::vector<Field>& fields, const HbaParseOptions& opts, HbaLine* line) {
  const Field& type = fields[0];
  if (type.size() > 1) {
    Fail("multiple values specified for connection type",
         "Specify exactly one connection type per line.");
  }
  const std::string& t = type[0].text;
  if (t == "local") line->type = HbaConnType::kLocal;
  else if (t == "host") line->type = HbaConnType::kHost;
  else if (t == "hostssl") line->type = HbaConnType::kHostSsl;
  else if (t == "hostnossl") line->type = HbaConnType::kHostNoSsl;
  else if (t == "hostgssenc") line->type = HbaConnType::kHostGssEnc;
  else if (t == "hostnogssenc") line->type = HbaConnType::kHostNoGssEnc;
  else Fail("invalid connection type \"" + t + "\"");

  if (line->type == HbaConnType::kHostSsl && !opts.ssl_enabled) {
    Fail("hostssl record cannot match because SSL is disabled", "Set ssl = on in postgresql.conf.");
  }
  if (line->type == HbaConnType::kHostGssEnc && !opts.gss_supported) {
    Fail("hostgssenc record cannot match because GSSAPI is not supported by this build");
  }
  // An @file that yields nothing leaves an empty list: the line parses but
  // matches no database (or role), as in PostgreSQL.
  if (fields.size() < 2) Fail("end-of-line before database specification");
  line->databases = fields[1];
  if (fields.size() < 3) Fail("end-of-line before role specification");
  line->roles = fields[2];
  size_t idx = 3;
  if (line->type != HbaConnType::kLocal) ParseAddress(fields, &idx, line);
  ParseMethod(fields, &idx, line);
  ParseOptions(fields, idx, line);
}

ErrorData ConfigError(std::string message, std::string hint, int line_no, const std::string& path) {
  ErrorData e;
  e.level = ErrLevel::kLog;
  e.sqlstate = sqlstate::kConfigFileError;
  e.message = std::move(message);
  e.hint = std::move(hint);
  if (line_no > 0) {
    e.context = "line " + std::to_string(line_no) + " of configuration file \"" + path + "\"";
  }
  return e;
}

// ---- matching ----

// Client and line addresses in one family: an IPv4 client on an IPv6 socket
// arrives as ::ffff:a.b.c.d and must still match IPv4 lines, and the reverse.
bool ToFamily(const sockaddr_storage& in, int family, sockaddr_storage* out) {
  if (in.ss_family == family) { *out = in; return true; }
  memset(out, 0, sizeof *out);
  if (in.ss_family == AF_INET6 && family == AF_INET) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&in);
    if (!IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) return false;
    auto* v4 = reinterpret_cast<sockaddr_in*>(out);
    v4->sin_family = AF_INET;
    memcpy(&v4->sin_addr, v6->sin6_addr.s6_addr + 12, 4);
    return true;
  }
  if (in.ss_family == AF_INET && family == AF_INET6) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&in);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
    v6->sin6_family = AF_INET6;
    v6->sin6_addr.s6_addr[10] = 0xff;
    v6->sin6_addr.s6_addr[11] = 0xff;
    memcpy(v6->sin6_addr.s6_addr + 12, &v4->sin_addr, 4);
    return true;
  }
  return false;
}

bool InRange(const sockaddr_storage& client, const sockaddr_storage& net,
             const sockaddr_storage& mask) {
  sockaddr_storage c;
  if (!ToFamily(client, net.ss_family, &c)) return false;
  size_t len = 0, mlen = 0, nlen = 0;
  const uint8_t* cb = AddrBytes(c, &len);
  const uint8_t* nb = AddrBytes(net, &nlen);
  const uint8_t* mb = AddrBytes(mask, &mlen);
  if (!cb || len != nlen || len != mlen) return false;
  for (size_t i = 0; i < len; ++i) {
    if ((cb[i] & mb[i]) != (nb[i] & mb[i])) return false;
  }
  return true;
}

// samehost / samenet: compare with each configured interface address.
bool MatchInterfaces(const sockaddr_storage& client, bool whole_net) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return false;
  bool found = false;
  for (ifaddrs* ifa = list; ifa && !found; ifa = ifa->ifa_next) {
    if (!ifa->ifa_addr) continue;
    int fam = ifa->ifa_addr->sa_family;
    if (fam != AF_INET && fam != AF_INET6) continue;
    sockaddr_storage addr{}, mask{};
    memcpy(&addr, ifa->ifa_addr, fam == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
    if (whole_net && ifa->ifa_netmask) {
      memcpy(&mask, ifa->ifa_netmask, fam == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
      mask.ss_family = static_cast<sa_family_t>(fam);
    } else {
      MakeCidrMask(fam, fam == AF_INET ? "32" : "128", &mask);
    }
    found = InRange(client, addr, mask);
  }
  freeifaddrs(list);
  return found;
}

// Host name lines, as PostgreSQL checks them: reverse-resolve the client,
// compare the name (or its suffix for ".domain"), then forward-resolve that
// name and require the client address among the answers, so a forged PTR
// record alone cannot pass.
bool MatchHostName(const HbaRequest& req, const std::string& pattern) {
  char name[NI_MAXHOST];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&req.addr), req.addr_len, name, sizeof name,
                  nullptr, 0, NI_NAMEREQD) != 0) {
    return false;
  }
  std::string client_name = name;
  if (!pattern.empty() && pattern[0] == '.') {
    if (client_name.size() <= pattern.size() ||
        strcasecmp(client_name.c_str() + client_name.size() - pattern.size(), pattern.c_str()) != 0) {
      return false;
    }
  } else if (strcasecmp(client_name.c_str(), pattern.c_str()) != 0) {
    return false;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(client_name.c_str(), nullptr, &hints, &res) != 0) return false;
  bool ok = false;
  for (addrinfo* a = res; a && !ok; a = a->ai_next) {
    sockaddr_storage addr{}, mask{};
    memcpy(&addr, a->ai_addr, a->ai_addrlen);
    MakeCidrMask(addr.ss_family, addr.ss_family == AF_INET ? "32" : "128", &mask);
    ok = InRange(req.addr, addr, mask);
  }
  freeaddrinfo(res);
  return ok;
}

bool MatchAddress(const HbaLine& line, const HbaRequest& req) {
  switch (line.addr_kind) {
    case HbaAddrKind::kAll: return true;
    case HbaAddrKind::kCidr: return InRange(req.addr, line.addr, line.mask);
    case HbaAddrKind::kSameHost: return MatchInterfaces(req.addr, false);
    case HbaAddrKind::kSameNet: return MatchInterfaces(req.addr, true);
    case HbaAddrKind::kHostName: return MatchHostName(req, line.hostname);
  }
  return false;
}

bool MatchDatabase(const HbaLine& line, const HbaRequest& req) {
  for (const HbaToken& t : line.databases) {
    if (req.replication_connection) {
      // Physical replication has no database; only the keyword admits it.
      if (IsKeyword(t, "replication")) return true;
      continue;
    }
    if (IsKeyword(t, "all")) return true;
    if (IsKeyword(t, "sameuser") || IsKeyword(t, "samerole") || IsKeyword(t, "samegroup")) {
      // samerole should test membership in the role named like the database;
      // without role membership yet, it degrades to sameuser.
      if (req.database == req.user) return true;
      continue;
    }
    if (IsKeyword(t, "replication")) continue;
    if (t.text == req.database) return true;
  }
  return false;
}

bool MatchRole(const HbaLine& line, const HbaRequest& req) {
  for (const HbaToken& t : line.roles) {
    if (IsKeyword(t, "all")) return true;
    if (!t.quoted && !t.text.empty() && t.text[0] == '+') {
      // +group means "member of group"; roles have no members yet, so a role
      // counts only as a member of itself.
      if (t.text.substr(1) == req.user) return true;
      continue;
    }
    if (t.text == req.user) return true;
  }
  return false;
}

std::string QuoteHost(const HbaRequest& req) { return "host \"" + HbaClientHost(req) + "\""; }

}  // namespace

bool ParseHbaFile(const std::string& path, std::vector<HbaLine>* out,
                  std::vector<ErrorData>* errors, const HbaParseOptions& options) {
  std::ifstream in(path);
  if (!in) {
    int err = errno;
    errors->push_back(ConfigError("could not open configuration file \"" + path +
                                      "\": " + strerror(err), "", 0, path));
    return false;
  }
  bool ok = true;
  size_t parsed = 0;
  std::string text;
  int line_no = 0;
  while (std::getline(in, text)) {
    ++line_no;
    std::vector<Field> fields = SplitLine(path, text, errors);
    if (fields.empty()) continue;
    HbaLine line;
    line.line_number = line_no;
    line.raw = text;
    while (!line.raw.empty() && IsBlank(line.raw.back())) line.raw.pop_back();
    try {
      if (fields[0].empty()) Fail("end-of-line before database specification");
      ParseLine(fields, options, &line);
      out->push_back(std::move(line));
      ++parsed;
    } catch (const LineError& e) {
      errors->push_back(ConfigError(e.message, e.hint, line_no, path));
      ok = false;
    }
  }
  // With no lines nobody could ever connect; PostgreSQL refuses such a file.
  if (ok && parsed == 0) {
    errors->push_back(ConfigError("configuration file \"" + path + "\" contains no entries", "",
                                  0, path));
    ok = false;
  }
  return ok;
}

const HbaLine* MatchHba(const std::vector<HbaLine>& lines, const HbaRequest& req) {
  for (const HbaLine& line : lines) {
    if (line.type == HbaConnType::kLocal) {
      if (!req.is_unix_socket) continue;
    } else {
      if (req.is_unix_socket) continue;
      // No TLS or GSSAPI encryption exists yet, so every TCP connection is
      // plain: hostssl/hostgssenc never match, their negations always do.
      if (line.type == HbaConnType::kHostSsl || line.type == HbaConnType::kHostGssEnc) continue;
      if (!MatchAddress(line, req)) continue;
    }
    if (!MatchDatabase(line, req)) continue;
    if (!MatchRole(line, req)) continue;
    return &line;
  }
  return nullptr;
}

std::string HbaClientHost(const HbaRequest& req) {
  if (req.is_unix_socket) return "[local]";
  char host[NI_MAXHOST];
  socklen_t len = req.addr_len;
  if (len == 0) len = req.addr.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&req.addr), len, host, sizeof host, nullptr, 0,
                  NI_NUMERICHOST) != 0) {
    return "???";
  }
  return host;
}

std::string NoHbaEntryMessage(const HbaRequest& req) {
  if (req.replication_connection) {
    return "no pg_hba.conf entry for replication connection from " + QuoteHost(req) + ", user \"" +
           req.user + "\", no encryption";
  }
  return "no pg_hba.conf entry for " + QuoteHost(req) + ", user \"" + req.user +
         "\", database \"" + req.database + "\", no encryption";
}

std::string HbaRejectMessage(const HbaRequest& req) {
  if (req.replication_connection) {
    return "pg_hba.conf rejects replication connection for " + QuoteHost(req) + ", user \"" +
           req.user + "\", no encryption";
  }
  return "pg_hba.conf rejects connection for " + QuoteHost(req) + ", user \"" + req.user +
         "\", database \"" + req.database + "\", no encryption";
}

std::string AuthFailedMessage(AuthMethod method, const std::string& user) {
  const std::string quoted = "\"" + user + "\"";
  switch (method) {
    case AuthMethod::kReject:
      return "authentication failed for user " + quoted + ": host rejected";
    case AuthMethod::kTrust:
      return "\"trust\" authentication failed for user " + quoted;
    case AuthMethod::kIdent:
      return "Ident authentication failed for user " + quoted;
    case AuthMethod::kPeer:
      return "Peer authentication failed for user " + quoted;
    case AuthMethod::kPassword:
    case AuthMethod::kMd5:
    case AuthMethod::kScramSha256:
      return "password authentication failed for user " + quoted;
  }
  return "authentication failed for user " + quoted + ": invalid authentication method";
}

const char* AuthFailedSqlState(AuthMethod method) {
  switch (method) {
    case AuthMethod::kPassword:
    case AuthMethod::kMd5:
    case AuthMethod::kScramSha256:
      return sqlstate::kInvalidPassword;
    default:
      return sqlstate::kInvalidAuthorizationSpecification;
  }
}

std::string HbaLineDetail(const HbaLine& line) {
  return "Connection matched pg_hba.conf line " + std::to_string(line.line_number) + ": \"" +
         line.raw + "\"";
}

const char* AuthMethodName(AuthMethod method) {
  switch (method) {
    case AuthMethod::kTrust: return "trust";
    case AuthMethod::kReject: return "reject";
    case AuthMethod::kPassword: return "password";
    case AuthMethod::kMd5: return "md5";
    case AuthMethod::kScramSha256: return "scram-sha-256";
    case AuthMethod::kPeer: return "peer";
    case AuthMethod::kIdent: return "ident";
  }
  return "unknown";
}

}  // namespace tusk::auth
