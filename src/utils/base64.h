// Standard base64 (RFC 4648, with padding).
#pragma once

#include <string>
#include <string_view>

namespace tusk {

std::string Base64Encode(std::string_view raw);
// Strict: false on any bad input (length not a multiple of 4, a stray '=',
// a symbol outside the alphabet).
bool Base64Decode(std::string_view text, std::string* raw);

}  // namespace tusk
