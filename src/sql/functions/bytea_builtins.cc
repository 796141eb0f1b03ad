// Functions and operators on bytea: ||, length/octet_length/bit_length,
// md5/sha224..sha512, substring/substr, position, get_byte/set_byte,
// encode/decode. The comparison operators are registered
// with the other types' in operator_builtins.cc (CompareDatum orders bytea
// byte-wise).
#include <openssl/evp.h>

#include <algorithm>

#include "sql/functions/registry.h"
#include "sql/types/bytea_codec.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

enum Format { kHex, kBase64, kEscape };

// encode/decode's format argument, case-insensitive as in PostgreSQL.
Format ParseFormat(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  if (lower == "hex") return kHex;
  if (lower == "base64") return kBase64;
  if (lower == "escape") return kEscape;
  throw PgError(sqlstate::kInvalidParameterValue, "unrecognized encoding: \"" + name + "\"");
}

void ByteaConcat(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  out.s.assign(a[0]->s);
  out.s.append(a[1]->s);
}

// length(bytea) and octet_length(bytea) both count bytes.
void ByteaLength(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  out.i = static_cast<int64_t>(a[0]->s.size());
}

void ByteaMd5(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(a[0]->s.data(), a[0]->s.size(), digest, &len, EVP_md5(), nullptr);
  out.s.clear();
  HexEncode(std::string_view(reinterpret_cast<const char*>(digest), len), out.s);
}

// sha224/256/384/512(bytea) -> bytea, the raw digest; aux picks the hash.
void ByteaSha(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const EVP_MD* md = st.aux == 224 ? EVP_sha224() : st.aux == 256 ? EVP_sha256() : st.aux == 384 ? EVP_sha384() : EVP_sha512();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(a[0]->s.data(), a[0]->s.size(), digest, &len, md, nullptr);
  out.s.assign(reinterpret_cast<const char*>(digest), len);
}

void ByteaBitLength(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  out.i = static_cast<int64_t>(a[0]->s.size()) * 8;
}

// position(needle IN haystack): the parser passes (haystack, needle); a
// 1-based byte position, 0 when absent, 1 for an empty needle.
void ByteaPosition(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  size_t p = a[0]->s.find(a[1]->s);
  out.i = p == std::string::npos ? 0 : static_cast<int64_t>(p) + 1;
}

// get_byte/set_byte index bytes from 0; outside is 2202E with the range.
void CheckByteIndex(const std::string& s, int64_t n) {
  if (n < 0 || n >= static_cast<int64_t>(s.size()))
    throw PgError("2202E", "index " + std::to_string(n) + " out of valid range, 0.." +
                               std::to_string(static_cast<int64_t>(s.size()) - 1));
}

void GetByte(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  CheckByteIndex(a[0]->s, a[1]->i);
  out.i = static_cast<unsigned char>(a[0]->s[static_cast<size_t>(a[1]->i)]);
}

// The new value keeps its low 8 bits, as PostgreSQL stores it into a byte.
void SetByte(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  CheckByteIndex(a[0]->s, a[1]->i);
  std::string r = a[0]->s;
  r[static_cast<size_t>(a[1]->i)] = static_cast<char>(a[2]->i & 0xff);
  out.s = std::move(r);
}

// btrim/ltrim/rtrim(bytea, bytea): aux 0 both ends, 1 leading, 2 trailing;
// the second argument is a set of bytes.
void ByteaTrim(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  std::string_view v(a[0]->s);
  const std::string& set = a[1]->s;
  if (st.aux != 2) {
    size_t b = v.find_first_not_of(set);
    v.remove_prefix(b == std::string_view::npos ? v.size() : b);
  }
  if (st.aux != 1) {
    size_t e = v.find_last_not_of(set);
    v = e == std::string_view::npos ? std::string_view() : v.substr(0, e + 1);
  }
  out.s.assign(v);
}

// overlay(b PLACING r FROM start [FOR count]): b's first start-1 bytes, r,
// then b from byte start+count (count defaults to length(r)).
void ByteaOverlay(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const std::string& b = a[0]->s;
  int64_t from = a[2]->i;
  int64_t count = st.args.size() > 3 ? a[3]->i : static_cast<int64_t>(a[1]->s.size());
  if (from <= 0) throw PgError("22011", "negative substring length not allowed");
  int64_t rest = from + count;  // PostgreSQL's substring(b, from + count)
  int64_t n = static_cast<int64_t>(b.size());
  std::string r = b.substr(0, static_cast<size_t>(std::min(from - 1, n)));
  r += a[1]->s;
  if (rest < 1) rest = 1;
  if (rest <= n) r.append(b, static_cast<size_t>(rest - 1), std::string::npos);
  out.s = std::move(r);
}

// LIKE over bytes (PostgreSQL's SB_MatchText): '%' any run, '_' one byte,
// '\\' takes the next byte literally; reaching a trailing escape is 22025.
// kAbort means no later alignment of an enclosing '%' can match either.
enum Match { kNo, kYes, kAbort };

[[noreturn]] void ThrowTrailingEscape() {
  throw PgError("22025", "LIKE pattern must not end with escape character");
}

Match LikeBytes(std::string_view t, std::string_view p) {
  while (!t.empty() && !p.empty()) {
    if (p[0] == '\\') {
      p.remove_prefix(1);
      if (p.empty()) ThrowTrailingEscape();
      if (p[0] != t[0]) return kNo;
    } else if (p[0] == '%') {
      p.remove_prefix(1);
      // Runs of % and _ after a %: each _ consumes a byte.
      while (!p.empty()) {
        if (p[0] == '%') {
          p.remove_prefix(1);
        } else if (p[0] == '_') {
          if (t.empty()) return kAbort;
          t.remove_prefix(1);
          p.remove_prefix(1);
        } else {
          break;
        }
      }
      if (p.empty()) return kYes;
      char first;
      if (p[0] == '\\') {
        if (p.size() < 2) ThrowTrailingEscape();
        first = p[1];
      } else {
        first = p[0];
      }
      // Try the rest of the pattern at every position starting with its
      // first literal byte.
      for (; !t.empty(); t.remove_prefix(1)) {
        if (t[0] == first) {
          Match m = LikeBytes(t, p);
          if (m != kNo) return m;
        }
      }
      return kAbort;
    } else if (p[0] != '_' && p[0] != t[0]) {
      return kNo;
    }
    t.remove_prefix(1);
    p.remove_prefix(1);
  }
  if (!t.empty()) return kNo;
  while (!p.empty() && p[0] == '%') p.remove_prefix(1);
  return p.empty() ? kYes : kAbort;
}

// bytea ~~ bytea (aux 0) and !~~ (aux 1).
void ByteaLike(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  bool m = LikeBytes(a[0]->s, a[1]->s) == kYes;
  out.b = st.aux ? !m : m;
}

// substring(b, start [, count]) counting bytes: positions before 1 shorten
// the result as in the SQL standard; a negative count is 22011.
void ByteaSubstring(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const std::string& s = a[0]->s;
  int64_t n = static_cast<int64_t>(s.size());
  int64_t from = a[1]->i;
  int64_t to = n + 1;
  if (st.args.size() == 3) {
    if (a[2]->i < 0) throw PgError("22011", "negative substring length not allowed");
    to = from + a[2]->i;  // int4 operands: no int64 overflow
  }
  int64_t b = std::max<int64_t>(from, 1), e = std::min<int64_t>(to, n + 1);
  if (e <= b) {
    out.s.clear();
    return;
  }
  out.s.assign(s, static_cast<size_t>(b - 1), static_cast<size_t>(e - b));
}

void Encode(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  Format f = ParseFormat(a[1]->s);
  out.s.clear();
  switch (f) {
    case kHex: HexEncode(a[0]->s, out.s); break;
    case kBase64: Base64Encode(a[0]->s, out.s); break;
    case kEscape: EscapeEncode(a[0]->s, out.s); break;
  }
}

void Decode(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  Format f = ParseFormat(a[1]->s);
  std::string result;  // not out.s: the input may be the same Datum
  switch (f) {
    case kHex: HexDecode(a[0]->s, result); break;
    case kBase64: Base64Decode(a[0]->s, result); break;
    case kEscape: EscapeDecode(a[0]->s, result); break;
  }
  out.s = std::move(result);
}

}  // namespace

void AddByteaBuiltins(std::vector<OperDef>& ops, std::vector<FuncDef>& f) {
  constexpr uint32_t kB = oid::kBytea, kT = oid::kText, kI = oid::kInt4;
  ops.push_back({"||", kB, kB, kB, ByteaConcat, 0});
  ops.push_back({"~~", kB, kB, oid::kBool, ByteaLike, 0});
  ops.push_back({"!~~", kB, kB, oid::kBool, ByteaLike, 1});
  f.push_back({"length", {kB}, kI, ByteaLength});
  f.push_back({"octet_length", {kB}, kI, ByteaLength});
  f.push_back({"bit_length", {kB}, kI, ByteaBitLength});
  f.push_back({"md5", {kB}, kT, ByteaMd5});
  for (int bits : {224, 256, 384, 512}) f.push_back({"sha" + std::to_string(bits), {kB}, kB, ByteaSha, true, false, bits});
  f.push_back({"position", {kB, kB}, kI, ByteaPosition});
  f.push_back({"get_byte", {kB, kI}, kI, GetByte});
  f.push_back({"set_byte", {kB, kI, kI}, kB, SetByte});
  f.push_back({"substring", {kB, kI}, kB, ByteaSubstring});
  f.push_back({"substring", {kB, kI, kI}, kB, ByteaSubstring});
  f.push_back({"substr", {kB, kI}, kB, ByteaSubstring});
  f.push_back({"substr", {kB, kI, kI}, kB, ByteaSubstring});
  f.push_back({"btrim", {kB, kB}, kB, ByteaTrim, true, false, 0});
  f.push_back({"ltrim", {kB, kB}, kB, ByteaTrim, true, false, 1});
  f.push_back({"rtrim", {kB, kB}, kB, ByteaTrim, true, false, 2});
  f.push_back({"overlay", {kB, kB, kI}, kB, ByteaOverlay});
  f.push_back({"overlay", {kB, kB, kI, kI}, kB, ByteaOverlay});
  f.push_back({"encode", {kB, kT}, kT, Encode});
  f.push_back({"decode", {kT, kT}, kB, Decode});
}

}  // namespace tusk::sql
