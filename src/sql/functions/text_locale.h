// Character classification and case mapping of the server's ctype locale,
// C.UTF-8: Unicode simple case mappings as glibc's towlower/towupper give
// them, which is what PostgreSQL's lower/upper/initcap/ILIKE do in a UTF8
// database whose lc_ctype is C.UTF-8. Invalid UTF-8 bytes pass through.
#pragma once

#include <locale.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tusk::sql {

// The C.UTF-8 locale (nullptr when the system lacks it; callers then fall
// back to ASCII-only rules).
locale_t CtypeLocale();

// Code points of a UTF-8 string; an invalid byte becomes a code point of its
// own value with bit 31 set, so EncodeUtf8 restores it unchanged.
std::vector<uint32_t> DecodeUtf8(std::string_view s);
std::string EncodeUtf8(const std::vector<uint32_t>& cps);

uint32_t ToLowerCp(uint32_t cp);
uint32_t ToUpperCp(uint32_t cp);
bool IsAlnumCp(uint32_t cp);

std::string Utf8Lower(std::string_view s);
std::string Utf8Upper(std::string_view s);
// initcap: first letter of each alphanumeric run upper case, the rest lower.
std::string Utf8Initcap(std::string_view s);

}  // namespace tusk::sql
