// Server side of SCRAM-SHA-256: verifier building/parsing, the two message
// handlers and the key arithmetic, on top of OpenSSL's PBKDF2, HMAC and SHA-256.
// Error texts follow PostgreSQL's so clients and logs look the same.

#include "protocol/auth/scram.h"

#include "utils/base64.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <charconv>
#include <mutex>

#include "utils/error.h"

namespace tusk::auth {
namespace {

constexpr size_t kRawNonceLen = 18;  // as PostgreSQL: 24 base64 characters

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  // Without a working CSPRNG neither salts nor nonces are safe; refuse.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw PgError(sqlstate::kInternalError, "could not generate random bytes");
  }
  return out;
}

std::mutex g_mock_mutex;
std::string g_mock_secret;  // guarded by g_mock_mutex

std::string MockSecret() {
  std::lock_guard<std::mutex> lock(g_mock_mutex);
  if (g_mock_secret.empty()) g_mock_secret = RandomBytes(32);
  return g_mock_secret;
}

PgError Malformed(std::string detail) {
  return MakeError(sqlstate::kProtocolViolation, "malformed SCRAM message", std::move(detail));
}

// Printable form of one offending character for error details.
std::string Sanitize(std::string_view s) {
  if (s.empty()) return "end of input";
  unsigned char c = static_cast<unsigned char>(s[0]);
  if (c >= 0x21 && c <= 0x7e) return std::string(1, static_cast<char>(c));
  char buf[8];
  snprintf(buf, sizeof buf, "0x%02x", c);
  return buf;
}

// Reads "<attr>=<value>" at the cursor, consuming the value and one following
// comma. Values run to the next comma: SCRAM escapes commas inside values.
std::string ReadAttributeValue(std::string_view* in, char attr) {
  if (in->empty() || (*in)[0] != attr) {
    throw Malformed("Expected attribute \"" + std::string(1, attr) + "\" but found \"" +
                    Sanitize(*in) + "\".");
  }
  in->remove_prefix(1);
  if (in->empty() || (*in)[0] != '=') {
    throw Malformed("Expected character \"=\" for attribute \"" + std::string(1, attr) + "\".");
  }
  in->remove_prefix(1);
  size_t comma = in->find(',');
  std::string value(in->substr(0, comma));
  if (comma == std::string_view::npos) {
    in->remove_prefix(in->size());
  } else {
    in->remove_prefix(comma + 1);
  }
  return value;
}

// Reads any "<letter>=<value>"; returns the letter.
char ReadAnyAttribute(std::string_view* in, std::string* value) {
  if (in->empty()) throw Malformed("Attribute expected, but found end of string.");
  char attr = (*in)[0];
  if (!((attr >= 'a' && attr <= 'z') || (attr >= 'A' && attr <= 'Z'))) {
    throw Malformed("Attribute expected, but found invalid character \"" + Sanitize(*in) + "\".");
  }
  *value = ReadAttributeValue(in, attr);
  return attr;
}

void CheckNoNul(std::string_view data) {
  if (data.empty()) throw Malformed("The message is empty.");
  if (data.find('\0') != std::string_view::npos) {
    throw Malformed("Message length does not match input length.");
  }
}

std::string Xor(std::string_view a, std::string_view b) {
  std::string out(a.size(), '\0');
  for (size_t i = 0; i < a.size(); ++i) out[i] = static_cast<char>(a[i] ^ b[i]);
  return out;
}

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len)) {
    throw PgError(sqlstate::kInternalError, "could not compute HMAC-SHA-256");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Sha256(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::string ScramSaltedPassword(std::string_view password, std::string_view salt, int iterations) {
  unsigned char out[kScramKeyLen];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(), sizeof out,
                        out) != 1) {
    throw PgError(sqlstate::kInternalError, "could not compute salted password");
  }
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::string BuildScramVerifierWithSalt(std::string_view password, std::string_view salt,
                                       int iterations) {
  std::string salted = ScramSaltedPassword(password, salt, iterations);
  std::string stored_key = Sha256(HmacSha256(salted, "Client Key"));
  std::string server_key = HmacSha256(salted, "Server Key");
  return std::string(kScramMechanism) + "$" + std::to_string(iterations) + ":" +
         Base64Encode(salt) + "$" + Base64Encode(stored_key) + ":" + Base64Encode(server_key);
}

std::string BuildScramVerifier(std::string_view password, int iterations) {
  return BuildScramVerifierWithSalt(password, RandomBytes(kScramSaltLen), iterations);
}

bool ParseScramVerifier(std::string_view verifier, ScramVerifier* out) {
  std::string_view prefix = std::string_view(kScramMechanism);
  if (verifier.size() <= prefix.size() || verifier.substr(0, prefix.size()) != prefix ||
      verifier[prefix.size()] != '$') {
    return false;
  }
  std::string_view rest = verifier.substr(prefix.size() + 1);
  size_t dollar = rest.find('$');
  if (dollar == std::string_view::npos) return false;
  std::string_view iter_salt = rest.substr(0, dollar);
  std::string_view keys = rest.substr(dollar + 1);
  size_t colon1 = iter_salt.find(':');
  size_t colon2 = keys.find(':');
  if (colon1 == std::string_view::npos || colon2 == std::string_view::npos) return false;

  ScramVerifier v;
  std::string_view iter_text = iter_salt.substr(0, colon1);
  auto [ptr, ec] = std::from_chars(iter_text.data(), iter_text.data() + iter_text.size(),
                                   v.iterations);
  if (ec != std::errc() || ptr != iter_text.data() + iter_text.size() || v.iterations <= 0) {
    return false;
  }
  if (!Base64Decode(iter_salt.substr(colon1 + 1), &v.salt) || v.salt.empty()) return false;
  if (!Base64Decode(keys.substr(0, colon2), &v.stored_key) ||
      v.stored_key.size() != kScramKeyLen) {
    return false;
  }
  if (!Base64Decode(keys.substr(colon2 + 1), &v.server_key) ||
      v.server_key.size() != kScramKeyLen) {
    return false;
  }
  *out = std::move(v);
  return true;
}

bool IsScramVerifier(std::string_view text) {
  ScramVerifier ignored;
  return ParseScramVerifier(text, &ignored);
}

void SetScramMockSecret(std::string_view secret) {
  std::lock_guard<std::mutex> lock(g_mock_mutex);
  g_mock_secret = std::string(secret);
}

ScramServer::ScramServer(std::string username, std::string verifier)
    : username_(std::move(username)) {
  if (!ParseScramVerifier(verifier, &verifier_)) {
    // Same salt for the same name every time, so that probing twice does not
    // reveal that the role is made up.
    doomed_ = true;
    verifier_.iterations = kScramDefaultIterations;
    verifier_.salt = HmacSha256(MockSecret(), username_).substr(0, kScramSaltLen);
    verifier_.stored_key.assign(kScramKeyLen, '\0');
    verifier_.server_key.assign(kScramKeyLen, '\0');
    // An empty verifier means "no role" or "no password"; the caller knows which.
    if (!verifier.empty()) {
      log_detail_ = "User \"" + username_ + "\" does not have a valid SCRAM secret.";
    }
  }
}

std::string ScramServer::HandleClientFirst(std::string_view mechanism, std::string_view data) {
  if (state_ != State::kInit) {
    throw MakeError(sqlstate::kProtocolViolation, "unexpected SCRAM client-first-message");
  }
  if (mechanism != kScramMechanism) {
    throw MakeError(sqlstate::kProtocolViolation,
                    "client selected an invalid SASL authentication mechanism");
  }
  CheckNoNul(data);
  std::string_view in = data;

  // gs2-cbind-flag: we offer no -PLUS mechanism, so "p" is a client error.
  switch (in[0]) {
    case 'n':
    case 'y':
      cbind_flag_ = in[0];
      in.remove_prefix(1);
      if (in.empty() || in[0] != ',') {
        throw Malformed("Comma expected, but found character \"" + Sanitize(in) + "\".");
      }
      in.remove_prefix(1);
      break;
    case 'p':
      throw Malformed(
          "The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message "
          "includes channel binding data.");
    default:
      throw Malformed("Unexpected channel-binding flag \"" + Sanitize(in) + "\".");
  }
  if (!in.empty() && in[0] == 'a') {
    throw MakeError(sqlstate::kFeatureNotSupported,
                    "client uses authorization identity, but it is not supported");
  }
  if (in.empty() || in[0] != ',') {
    throw Malformed("Unexpected attribute \"" + Sanitize(in) + "\" in client-first-message.");
  }
  in.remove_prefix(1);
  client_first_bare_ = std::string(in);

  if (!in.empty() && in[0] == 'm') {
    throw MakeError(sqlstate::kFeatureNotSupported,
                    "client requires an unsupported SCRAM extension");
  }
  // The user name inside SCRAM is ignored, as PostgreSQL does: the startup
  // packet's user is the one being authenticated (libpq sends it empty).
  (void)ReadAttributeValue(&in, 'n');
  client_nonce_ = ReadAttributeValue(&in, 'r');
  if (client_nonce_.empty()) throw Malformed("The client nonce is empty.");
  for (char c : client_nonce_) {
    if (c < 0x21 || c > 0x7e) throw Malformed("The client nonce contains non-printable characters.");
  }
  std::string ignored;
  while (!in.empty()) ReadAnyAttribute(&in, &ignored);

  server_nonce_ = Base64Encode(RandomBytes(kRawNonceLen));
  server_first_ = "r=" + client_nonce_ + server_nonce_ + ",s=" + Base64Encode(verifier_.salt) +
                  ",i=" + std::to_string(verifier_.iterations);
  state_ = State::kSentServerFirst;
  return server_first_;
}

std::string ScramServer::HandleClientFinal(std::string_view data, bool* ok) {
  *ok = false;
  if (state_ != State::kSentServerFirst) {
    throw MakeError(sqlstate::kProtocolViolation, "unexpected SCRAM client-final-message");
  }
  state_ = State::kDone;
  CheckNoNul(data);
  std::string_view in = data;

  // Without channel binding the client must echo its gs2 header: "n,," or "y,,".
  std::string cbind = ReadAttributeValue(&in, 'c');
  std::string expected = Base64Encode(std::string(1, cbind_flag_) + ",,");
  if (cbind != expected) {
    throw MakeError(sqlstate::kProtocolViolation,
                    "unexpected SCRAM channel-binding attribute in client-final-message");
  }
  std::string nonce = ReadAttributeValue(&in, 'r');

  std::string proof_b64;
  size_t proof_start = 0;
  for (;;) {
    proof_start = data.size() - in.size();
    std::string value;
    char attr = ReadAnyAttribute(&in, &value);
    if (attr == 'p') {
      proof_b64 = std::move(value);
      break;
    }
  }
  std::string proof;
  if (!Base64Decode(proof_b64, &proof) || proof.size() != kScramKeyLen) {
    throw Malformed("Malformed proof in client-final-message.");
  }
  // ReadAttributeValue stopped at a comma, so anything left follows "p=".
  if (!in.empty() || data[data.size() - 1] == ',') {
    throw Malformed("Garbage found at the end of client-final-message.");
  }
  // proof_start is where "p=" begins; the message without proof drops the comma before it.
  std::string_view without_proof = data.substr(0, proof_start - 1);

  // A wrong nonce is a failed login, not a protocol error, as in PostgreSQL.
  bool nonce_ok = nonce == client_nonce_ + server_nonce_;

  std::string auth_message = client_first_bare_ + "," + server_first_ + "," +
                             std::string(without_proof);
  std::string client_signature = HmacSha256(verifier_.stored_key, auth_message);
  std::string client_key = Xor(proof, client_signature);
  std::string computed = Sha256(client_key);
  bool proof_ok = CRYPTO_memcmp(computed.data(), verifier_.stored_key.data(), kScramKeyLen) == 0;

  if (!nonce_ok || !proof_ok || doomed_) return "";
  *ok = true;
  return "v=" + Base64Encode(HmacSha256(verifier_.server_key, auth_message));
}

}  // namespace tusk::auth
