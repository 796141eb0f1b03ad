// Unicode case mapping through glibc's C.UTF-8 locale (see text_locale.h).
#include "sql/functions/text_locale.h"

#include <wctype.h>

#include "utils/utf8.h"

namespace tusk::sql {
namespace {

constexpr uint32_t kInvalidByte = 0x80000000u;

}  // namespace

locale_t CtypeLocale() {
  // Created once, never freed: locale objects are immutable and shared by
  // every thread.
  static locale_t loc = [] {
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    if (!l) l = newlocale(LC_CTYPE_MASK, "C.utf8", static_cast<locale_t>(0));
    return l;
  }();
  return loc;
}

std::vector<uint32_t> DecodeUtf8(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
    bool ok = extra >= 0 && i + extra < s.size();
    uint32_t cp = extra == 0 ? c : extra == 1 ? (c & 0x1F) : extra == 2 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; ok && k <= extra; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if (!ok) {
      out.push_back(kInvalidByte | c);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

std::string EncodeUtf8(const std::vector<uint32_t>& cps) {
  std::string out;
  out.reserve(cps.size());
  for (uint32_t cp : cps) {
    if (cp & kInvalidByte) {
      out.push_back(static_cast<char>(cp & 0xFF));
    } else {
      AppendUtf8(out, cp);
    }
  }
  return out;
}

uint32_t ToLowerCp(uint32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
  if (cp & kInvalidByte) return cp;
  locale_t loc = CtypeLocale();
  return loc ? static_cast<uint32_t>(towlower_l(static_cast<wint_t>(cp), loc)) : cp;
}

uint32_t ToUpperCp(uint32_t cp) {
  if (cp < 0x80) return cp >= 'a' && cp <= 'z' ? cp - 32 : cp;
  if (cp & kInvalidByte) return cp;
  locale_t loc = CtypeLocale();
  return loc ? static_cast<uint32_t>(towupper_l(static_cast<wint_t>(cp), loc)) : cp;
}

bool IsAlnumCp(uint32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || ((cp | 32) >= 'a' && (cp | 32) <= 'z');
  if (cp & kInvalidByte) return false;
  locale_t loc = CtypeLocale();
  return loc && iswalnum_l(static_cast<wint_t>(cp), loc);
}

std::string Utf8Lower(std::string_view s) {
  std::vector<uint32_t> cps = DecodeUtf8(s);
  for (uint32_t& cp : cps) cp = ToLowerCp(cp);
  return EncodeUtf8(cps);
}

std::string Utf8Upper(std::string_view s) {
  std::vector<uint32_t> cps = DecodeUtf8(s);
  for (uint32_t& cp : cps) cp = ToUpperCp(cp);
  return EncodeUtf8(cps);
}

std::string Utf8Initcap(std::string_view s) {
  std::vector<uint32_t> cps = DecodeUtf8(s);
  bool in_word = false;
  for (uint32_t& cp : cps) {
    cp = in_word ? ToLowerCp(cp) : ToUpperCp(cp);
    in_word = IsAlnumCp(cp);
  }
  return EncodeUtf8(cps);
}

}  // namespace tusk::sql
