// MD5 verifiers and the md5/password method checks. Every comparison of
// secret-derived bytes goes through CRYPTO_memcmp so timing says nothing
// about how many leading characters matched.

#include "protocol/auth/md5.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "protocol/auth/scram.h"
#include "utils/error.h"

namespace tusk::auth {
namespace {

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  // Lengths are not secret here (both sides have a fixed, public format).
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string Md5Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr) != 1) {
    throw PgError(sqlstate::kInternalError, "could not compute MD5 hash");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string BuildMd5Verifier(std::string_view password, std::string_view username) {
  std::string input(password);
  input += username;
  return "md5" + Md5Hex(input);
}

bool IsMd5Verifier(std::string_view text) {
  if (text.size() != 35 || text.substr(0, 3) != "md5") return false;
  for (char c : text.substr(3)) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

bool CheckMd5Response(std::string_view stored_verifier, const uint8_t salt[4],
                      std::string_view client_response) {
  if (!IsMd5Verifier(stored_verifier)) return false;
  std::string input = Lower(stored_verifier.substr(3));
  input.append(reinterpret_cast<const char*>(salt), 4);
  std::string expected = "md5" + Md5Hex(input);
  return ConstantTimeEqual(expected, client_response);
}

bool CheckPlainPassword(std::string_view stored_verifier, std::string_view username,
                        std::string_view plaintext) {
  ScramVerifier scram;
  if (ParseScramVerifier(stored_verifier, &scram)) {
    std::string salted = ScramSaltedPassword(plaintext, scram.salt, scram.iterations);
    std::string stored_key = Sha256(HmacSha256(salted, "Client Key"));
    return ConstantTimeEqual(stored_key, scram.stored_key);
  }
  if (IsMd5Verifier(stored_verifier)) {
    return ConstantTimeEqual(BuildMd5Verifier(plaintext, username), Lower(stored_verifier));
  }
  // No password, or a format we do not know: nothing can match.
  return false;
}

}  // namespace tusk::auth
