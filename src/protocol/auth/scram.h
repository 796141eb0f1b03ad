// SCRAM-SHA-256 (RFC 5802 / RFC 7677) as PostgreSQL speaks it: stored
// verifiers in pg_authid's format and the server side of the SASL exchange
// (no channel binding, since Tusk has no TLS yet).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tusk::auth {

inline constexpr char kScramMechanism[] = "SCRAM-SHA-256";
inline constexpr int kScramDefaultIterations = 4096;
inline constexpr size_t kScramKeyLen = 32;   // SHA-256 output
inline constexpr size_t kScramSaltLen = 16;  // PostgreSQL's default salt length

// Parts of "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>", decoded.
struct ScramVerifier {
  int iterations = 0;
  std::string salt;        // raw bytes
  std::string stored_key;  // raw, kScramKeyLen bytes
  std::string server_key;  // raw, kScramKeyLen bytes
};

// Builds a verifier from a password with a fresh random 16-byte salt.
// The password is used byte for byte (no SASLprep; see README.md).
std::string BuildScramVerifier(std::string_view password, int iterations = kScramDefaultIterations);

// Builds a verifier with a caller-chosen salt; deterministic, for tests and tools.
std::string BuildScramVerifierWithSalt(std::string_view password, std::string_view salt,
                                       int iterations);

// Decodes a stored verifier. False (and *out untouched) unless it is well formed.
bool ParseScramVerifier(std::string_view verifier, ScramVerifier* out);

// True if `text` looks like a SCRAM verifier that ParseScramVerifier accepts.
bool IsScramVerifier(std::string_view text);

// The key derivations of RFC 5802 section 3, exposed so that the plain
// `password` method can check a password against a stored verifier.
std::string ScramSaltedPassword(std::string_view password, std::string_view salt, int iterations);
std::string HmacSha256(std::string_view key, std::string_view data);
std::string Sha256(std::string_view data);

// Sets the secret from which made-up salts for unknown roles are derived.
// Without a call, a per-process random secret is used; a caller that wants the
// salt for a missing role to stay the same across restarts (as PostgreSQL's
// mock_authentication_nonce does) passes a value kept in the data directory.
void SetScramMockSecret(std::string_view secret);

// One server-side SCRAM exchange. Not reusable: make one per authentication.
class ScramServer {
 public:
  // verifier: the role's stored password; empty (or not a SCRAM verifier)
  // when the role does not exist or cannot use SCRAM. The exchange then runs
  // with a made-up salt and fails at the end, so that a client cannot tell
  // a missing role from a wrong password.
  ScramServer(std::string username, std::string verifier);

  // mechanism and client-first-message from SASLInitialResponse; returns the
  // server-first-message. Throws PgError 08P01 on malformed input, 0A000 for
  // an authzid or a mandatory extension.
  std::string HandleClientFirst(std::string_view mechanism, std::string_view data);

  // client-final-message; *ok = true iff the proof matched a real verifier.
  // Returns the server-final-message ("v=...") on success, "" on failure
  // (PostgreSQL sends an ErrorResponse rather than "e=" then). Throws 08P01
  // on malformed input.
  std::string HandleClientFinal(std::string_view data, bool* ok);

  // Why the exchange is bound to fail, for the server log only (never sent to
  // the client), e.g. `User "u" does not have a valid SCRAM secret.`; empty if not doomed.
  const std::string& log_detail() const { return log_detail_; }

 private:
  enum class State { kInit, kSentServerFirst, kDone };

  std::string username_;
  ScramVerifier verifier_;
  bool doomed_ = false;  // no usable verifier: fail however good the proof is
  std::string log_detail_;
  State state_ = State::kInit;
  char cbind_flag_ = 'n';
  std::string client_first_bare_;
  std::string client_nonce_;
  std::string server_nonce_;
  std::string server_first_;
};

}  // namespace tusk::auth
