// The authentication exchanges of protocol v3 (AuthenticationXXX messages).
#include "protocol/auth_flow.h"

#include <openssl/rand.h>

#include <memory>
#include <vector>

#include "protocol/auth/md5.h"
#include "protocol/auth/scram.h"
#include "protocol/message.h"
#include "utils/log.h"

namespace tusk::protocol {
namespace {

std::vector<auth::HbaLine>& Rules() {
  static std::vector<auth::HbaLine> rules;
  return rules;
}

enum AuthRequest : int32_t { kAuthOk = 0, kAuthCleartext = 3, kAuthMd5 = 5, kAuthSasl = 10, kAuthSaslContinue = 11, kAuthSaslFinal = 12 };

[[noreturn]] void Fail(const auth::HbaLine& line, const std::string& user, const std::string& log_detail) {
  PgError e(auth::AuthFailedSqlState(line.method), auth::AuthFailedMessage(line.method, user), ErrLevel::kFatal);
  // The client learns only that it failed; the server log says why and which rule matched.
  e.data().detail_log = log_detail.empty() ? auth::HbaLineDetail(line) : log_detail + "\n" + auth::HbaLineDetail(line);
  throw e;
}

// Reads the client's 'p' message; false if it hung up.
bool ReadPasswordPacket(Connection& conn, std::string* body) {
  char type;
  if (!conn.ReadMessage(&type, body)) return false;
  if (type != 'p')
    throw PgError(sqlstate::kProtocolViolation,
                  "expected password response, got message type " + std::to_string(static_cast<int>(type)),
                  ErrLevel::kFatal);
  return true;
}

bool DoScram(Connection& conn, const auth::HbaLine& line, const std::string& user, const std::string& verifier) {
  {
    MessageWriter w(&conn.out(), 'R');
    w.Int32(kAuthSasl).CString("SCRAM-SHA-256").Byte('\0');
  }
  conn.Flush();
  std::string body;
  if (!ReadPasswordPacket(conn, &body)) return false;
  MessageReader r(body);
  std::string mechanism(r.CString());
  int32_t len = r.Int32();
  std::string data = len < 0 ? "" : std::string(r.Bytes(static_cast<size_t>(len)));
  auth::ScramServer scram(user, auth::IsScramVerifier(verifier) ? verifier : "");
  std::string server_first = scram.HandleClientFirst(mechanism, data);
  {
    MessageWriter w(&conn.out(), 'R');
    w.Int32(kAuthSaslContinue).Bytes(server_first);
  }
  conn.Flush();
  if (!ReadPasswordPacket(conn, &body)) return false;
  bool ok = false;
  std::string server_final = scram.HandleClientFinal(body, &ok);
  if (!ok) Fail(line, user, scram.log_detail());
  MessageWriter(&conn.out(), 'R').Int32(kAuthSaslFinal).Bytes(server_final);
  return true;
}

bool DoMd5(Connection& conn, const auth::HbaLine& line, const std::string& user, const std::string& verifier) {
  uint8_t salt[4];
  RAND_bytes(salt, sizeof salt);
  {
    MessageWriter w(&conn.out(), 'R');
    w.Int32(kAuthMd5).Bytes(std::string_view(reinterpret_cast<const char*>(salt), 4));
  }
  conn.Flush();
  std::string body;
  if (!ReadPasswordPacket(conn, &body)) return false;
  MessageReader r(body);
  std::string response(r.CString());
  if (verifier.empty()) Fail(line, user, "User \"" + user + "\" has no password assigned.");
  if (!auth::CheckMd5Response(verifier, salt, response)) Fail(line, user, "Password does not match for user \"" + user + "\".");
  return true;
}

bool DoPassword(Connection& conn, const auth::HbaLine& line, const std::string& user, const std::string& verifier) {
  MessageWriter(&conn.out(), 'R').Int32(kAuthCleartext);
  conn.Flush();
  std::string body;
  if (!ReadPasswordPacket(conn, &body)) return false;
  MessageReader r(body);
  std::string password(r.CString());
  if (verifier.empty()) Fail(line, user, "User \"" + user + "\" has no password assigned.");
  if (!auth::CheckPlainPassword(verifier, user, password))
    Fail(line, user, "Password does not match for user \"" + user + "\".");
  return true;
}

}  // namespace

bool LoadHbaRules(const std::string& datadir, bool is_reload) {
  std::vector<auth::HbaLine> lines;
  std::vector<ErrorData> errors;
  std::string path = datadir + "/pg_hba.conf";
  bool ok = auth::ParseHbaFile(path, &lines, &errors);
  for (const ErrorData& e : errors) LogEntry(e);
  if (!ok) {
    // At start the caller ends with FATAL `could not load pg_hba.conf`.
    if (is_reload) LogLine("pg_hba.conf was not reloaded");
    return false;
  }
  Rules() = std::move(lines);
  return true;
}

bool AuthenticateClient(Connection& conn, const auth::HbaRequest& req, const catalog::RoleRecord* role) {
  const auth::HbaLine* line = auth::MatchHba(Rules(), req);
  if (line == nullptr) throw MakeFatal(sqlstate::kInvalidAuthorizationSpecification, auth::NoHbaEntryMessage(req));
  const std::string verifier = role ? role->password : "";
  bool ok = true;
  switch (line->method) {
    case auth::AuthMethod::kTrust:
      break;
    case auth::AuthMethod::kReject:
      throw MakeFatal(sqlstate::kInvalidAuthorizationSpecification, auth::HbaRejectMessage(req));
    case auth::AuthMethod::kScramSha256:
      ok = DoScram(conn, *line, req.user, verifier);
      break;
    case auth::AuthMethod::kMd5:
      // A SCRAM verifier cannot answer an md5 challenge: use SCRAM, as PostgreSQL does.
      ok = auth::IsScramVerifier(verifier) ? DoScram(conn, *line, req.user, verifier)
                                           : DoMd5(conn, *line, req.user, verifier);
      break;
    case auth::AuthMethod::kPassword:
      ok = DoPassword(conn, *line, req.user, verifier);
      break;
    case auth::AuthMethod::kPeer:
    case auth::AuthMethod::kIdent:
      throw MakeFatal(sqlstate::kInvalidAuthorizationSpecification,
                      std::string(auth::AuthMethodName(line->method)) + " authentication failed for user \"" +
                          req.user + "\"");
  }
  if (!ok) return false;
  if (role == nullptr)
    throw MakeFatal(sqlstate::kInvalidAuthorizationSpecification, "role \"" + req.user + "\" does not exist");
  MessageWriter(&conn.out(), 'R').Int32(kAuthOk);
  return true;
}

}  // namespace tusk::protocol
