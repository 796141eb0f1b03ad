// MD5 password verifiers ("md5" + 32 hex digits) and the checks for the md5
// and plain `password` authentication methods, in PostgreSQL's formats.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tusk::auth {

// Lower-case hex MD5 of the bytes.
std::string Md5Hex(std::string_view data);

// "md5" + Md5Hex(password + username): what pg_authid stores for md5.
std::string BuildMd5Verifier(std::string_view password, std::string_view username);

// True if `text` is "md5" followed by exactly 32 lower- or upper-case hex digits.
bool IsMd5Verifier(std::string_view text);

// The md5 method: the server sends a 4-byte salt and the client answers
// "md5" + Md5Hex(Md5Hex(password + username) + salt). False if the stored
// verifier is not md5 (a SCRAM verifier cannot answer an md5 challenge).
bool CheckMd5Response(std::string_view stored_verifier, const uint8_t salt[4],
                      std::string_view client_response);

// The `password` method (cleartext on the wire): recomputes the stored kind
// of verifier (SCRAM or md5) from the plaintext and compares in constant time.
bool CheckPlainPassword(std::string_view stored_verifier, std::string_view username,
                        std::string_view plaintext);

}  // namespace tusk::auth
