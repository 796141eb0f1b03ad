// Builtin string functions. Character counts and positions are in UTF-8
// characters, as PostgreSQL computes them in a UTF8 database.
#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "utils/utf8.h"
#include "sql/functions/registry.h"
#include "sql/functions/text_locale.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

using T = uint32_t;
constexpr T kText = oid::kText, kInt4 = oid::kInt4;

// Byte offsets of each character start, plus the end.
std::vector<size_t> CharStarts(const std::string& s) {
  std::vector<size_t> v;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) v.push_back(i);
  }
  v.push_back(s.size());
  return v;
}

int64_t CharLen(const std::string& s) {
  int64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

void Length(const Step&, const Datum* const* a, Datum& out, ExecContext&) { out.i = CharLen(a[0]->s); }
void OctetLength(const Step&, const Datum* const* a, Datum& out, ExecContext&) { out.i = static_cast<int64_t>(a[0]->s.size()); }
void BitLength(const Step&, const Datum* const* a, Datum& out, ExecContext&) { out.i = static_cast<int64_t>(a[0]->s.size()) * 8; }

void Lower(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  out.s = st.aux ? Utf8Upper(a[0]->s) : Utf8Lower(a[0]->s);
}

// substring(s, start [, count]) with SQL semantics for out-of-range starts.
void Substring(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const std::string& s = a[0]->s;
  auto starts = CharStarts(s);
  int64_t nchars = static_cast<int64_t>(starts.size()) - 1;
  int64_t from = a[1]->i;
  int64_t to = nchars + 1;
  if (st.args.size() == 3) {
    if (a[2]->i < 0) throw PgError("22011", "negative substring length not allowed");
    to = from + a[2]->i;
    if (to < from) to = nchars + 1;  // overflow
  }
  int64_t b = std::max<int64_t>(from, 1), e = std::min<int64_t>(to, nchars + 1);
  if (e <= b) {
    out.s.clear();
    return;
  }
  out.s = s.substr(starts[b - 1], starts[e - 1] - starts[b - 1]);
}

// overlay(t PLACING s FROM from [FOR count]): t's first from-1 characters,
// s, then t from character from+count (count defaults to length(s)).
void Overlay(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  int64_t from = a[2]->i;
  int64_t count = st.args.size() > 3 ? a[3]->i : CharLen(a[1]->s);
  if (from <= 0) throw PgError("22011", "negative substring length not allowed");
  int64_t rest = from + count;
  if (rest > INT32_MAX || rest < INT32_MIN) throw PgError(sqlstate::kNumericValueOutOfRange, "integer out of range");
  auto starts = CharStarts(a[0]->s);
  int64_t nchars = static_cast<int64_t>(starts.size()) - 1;
  int64_t head = std::min(from - 1, nchars);
  out.s = a[0]->s.substr(0, starts[head]);
  out.s += a[1]->s;
  int64_t tail = std::max<int64_t>(rest, 1);
  if (tail <= nchars) out.s += a[0]->s.substr(starts[tail - 1]);
}

void Position(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  size_t p = a[0]->s.find(a[1]->s);
  out.i = p == std::string::npos ? 0 : CharLen(a[0]->s.substr(0, p)) + 1;
}

// aux: 0 btrim, 1 ltrim, 2 rtrim. The set is of characters, not bytes.
void Trim(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const std::string& s = a[0]->s;
  std::vector<uint32_t> set = DecodeUtf8(st.args.size() > 1 ? std::string_view(a[1]->s) : std::string_view(" "));
  std::vector<uint32_t> cps = DecodeUtf8(s);
  auto in_set = [&](uint32_t cp) { return std::find(set.begin(), set.end(), cp) != set.end(); };
  size_t b = 0, e = cps.size();
  if (st.aux != 2) {
    while (b < e && in_set(cps[b])) ++b;
  }
  if (st.aux != 1) {
    while (e > b && in_set(cps[e - 1])) --e;
  }
  out.s = EncodeUtf8(std::vector<uint32_t>(cps.begin() + static_cast<std::ptrdiff_t>(b),
                                           cps.begin() + static_cast<std::ptrdiff_t>(e)));
}

void Replace(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  const std::string& s = a[0]->s;
  const std::string& from = a[1]->s;
  if (from.empty()) {
    out.s = s;
    return;
  }
  out.s.clear();
  size_t pos = 0;
  for (size_t f; (f = s.find(from, pos)) != std::string::npos; pos = f + from.size()) {
    out.s.append(s, pos, f - pos);
    out.s += a[2]->s;
  }
  out.s.append(s, pos, std::string::npos);
}

// concat / concat_ws: NULL arguments are skipped (non-strict).
void Concat(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  out.s.clear();
  size_t first = 0;
  std::string sep;
  if (st.aux == 1) {
    if (a[0]->null) {
      out.null = true;
      return;
    }
    sep = a[0]->s;
    first = 1;
  }
  bool any = false;
  for (size_t i = first; i < st.args.size(); ++i) {
    if (a[i]->null) continue;
    if (any) out.s += sep;
    out.s += a[i]->s;
    any = true;
  }
}

void Repeat(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  out.s.clear();
  if (a[1]->i > 0 && a[0]->s.size() * static_cast<size_t>(a[1]->i) > (1u << 30)) {
    throw PgError(sqlstate::kProgramLimitExceeded, "requested length too large");
  }
  for (int64_t i = 0; i < a[1]->i; ++i) out.s += a[0]->s;
}

// left/right(s, n); negative n means all but |n| characters.
void LeftRight(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  auto starts = CharStarts(a[0]->s);
  int64_t len = static_cast<int64_t>(starts.size()) - 1;
  int64_t n = a[1]->i;
  int64_t take = n >= 0 ? std::min(n, len) : std::max<int64_t>(len + n, 0);
  if (st.aux == 0) {
    out.s = a[0]->s.substr(0, starts[take]);
  } else {
    out.s = a[0]->s.substr(starts[len - take]);
  }
}

void Md5(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(a[0]->s.data(), a[0]->s.size(), digest, &len, EVP_md5(), nullptr);
  static const char* kHex = "0123456789abcdef";
  out.s.clear();
  for (unsigned i = 0; i < len; ++i) {
    out.s += kHex[digest[i] >> 4];
    out.s += kHex[digest[i] & 15];
  }
}

void Reverse(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  auto starts = CharStarts(a[0]->s);
  out.s.clear();
  for (size_t i = starts.size() - 1; i > 0; --i) out.s.append(a[0]->s, starts[i - 1], starts[i] - starts[i - 1]);
}


// lpad (aux 0) / rpad (aux 1): pads with the fill repeated, or truncates.
void Pad(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const std::string& s = a[0]->s;
  int64_t len = std::max<int64_t>(a[1]->i, 0);
  std::string fill = st.args.size() == 3 ? a[2]->s : std::string(" ");
  auto starts = CharStarts(s);
  int64_t n = static_cast<int64_t>(starts.size()) - 1;
  if (n >= len || fill.empty()) {
    out.s = s.substr(0, starts[std::min(n, len)]);
    return;
  }
  auto fstarts = CharStarts(fill);
  int64_t fn = static_cast<int64_t>(fstarts.size()) - 1;
  std::string pad;
  for (int64_t i = 0; i < len - n; ++i) {
    int64_t k = i % fn;
    pad.append(fill, fstarts[k], fstarts[k + 1] - fstarts[k]);
  }
  out.s = st.aux ? s + pad : pad + s;
}

void Initcap(const Step&, const Datum* const* a, Datum& out, ExecContext&) { out.s = Utf8Initcap(a[0]->s); }

void SplitPart(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  const std::string& s = a[0]->s;
  const std::string& d = a[1]->s;
  int64_t n = a[2]->i;
  if (n == 0) throw PgError("22023", "field position must not be zero");
  out.s.clear();
  std::vector<std::string> parts;
  if (d.empty()) {
    if (!s.empty()) parts.push_back(s);
  } else if (!s.empty()) {
    size_t b = 0;
    for (;;) {
      size_t p = s.find(d, b);
      if (p == std::string::npos) {
        parts.push_back(s.substr(b));
        break;
      }
      parts.push_back(s.substr(b, p - b));
      b = p + d.size();
    }
  }
  int64_t cnt = static_cast<int64_t>(parts.size());
  if (n < 0) n = cnt + n + 1;
  if (n >= 1 && n <= cnt) out.s = parts[n - 1];
}

void Translate(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  const std::string &s = a[0]->s, &from = a[1]->s, &to = a[2]->s;
  auto ss = CharStarts(s), fs = CharStarts(from), ts = CharStarts(to);
  auto ch = [](const std::string& str, const std::vector<size_t>& v, size_t i) {
    return std::string_view(str).substr(v[i], v[i + 1] - v[i]);
  };
  out.s.clear();
  for (size_t i = 0; i + 1 < ss.size(); ++i) {
    std::string_view c = ch(s, ss, i);
    size_t k = 0;
    while (k + 1 < fs.size() && ch(from, fs, k) != c) ++k;
    if (k + 1 == fs.size()) {
      out.s += c;
    } else if (k + 1 < ts.size()) {
      out.s += ch(to, ts, k);
    }
  }
}

void Ascii(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  const std::string& s = a[0]->s;
  if (s.empty()) {
    out.i = 0;
    return;
  }
  unsigned char c = static_cast<unsigned char>(s[0]);
  int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
  uint32_t cp = extra == 0 ? c : extra == 1 ? (c & 0x1F) : extra == 2 ? (c & 0x0F) : (c & 0x07);
  for (int i = 1; i <= extra && static_cast<size_t>(i) < s.size(); ++i) cp = (cp << 6) | (s[i] & 0x3F);
  out.i = cp;
}

void Chr(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  int64_t cp = a[0]->i;
  if (cp == 0) throw PgError("54000", "null character not permitted");
  if (cp < 0 || cp > 0x10FFFF) throw PgError("54000", "requested character too large for encoding: " + std::to_string(cp));
  if (cp >= 0xD800 && cp <= 0xDFFF) {
    throw PgError("54000", "requested character not valid for encoding: " + std::to_string(cp));
  }
  out.s.clear();
  AppendUtf8(out.s, static_cast<uint32_t>(cp));
}

}  // namespace

// quote_ident: as is when it is a plain lower-case name that is not a
// keyword PostgreSQL would misread (anything but an unreserved keyword).
std::string QuoteIdent(const std::string& s) {
  static const std::set<std::string> kKeywords = {
      // reserved
      "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast", "check",
      "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role",
      "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do",
      "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in",
      "initially", "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
      "null", "offset", "on", "only", "or", "order", "placing", "primary", "references", "returning", "select",
      "session_user", "some", "symmetric", "table", "then", "to", "trailing", "true", "union", "unique", "user",
      "using", "variadic", "when", "where", "window", "with",
      // type_func_name
      "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze", "full",
      "ilike", "inner", "is", "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps",
      "right", "similar", "tablesample", "verbose",
      // col_name
      "between", "bigint", "bit", "boolean", "char", "character", "coalesce", "dec", "decimal", "exists",
      "extract", "float", "greatest", "grouping", "inout", "int", "integer", "interval", "least", "national",
      "nchar", "none", "normalize", "nullif", "numeric", "out", "overlay", "position", "precision", "real", "row",
      "setof", "smallint", "substring", "time", "timestamp", "treat", "trim", "values", "varchar",
      "xmlattributes", "xmlconcat", "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse",
      "xmlpi", "xmlroot", "xmlserialize", "xmltable"};
  bool safe = !s.empty() && ((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_');
  for (char c : s) safe = safe && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (safe && !kKeywords.count(s)) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

namespace {

// quote_literal: doubled quotes; with a backslash, an E'' string with
// doubled backslashes.
std::string QuoteLiteralText(const std::string& s) {
  std::string out = s.find('\\') != std::string::npos ? "E'" : "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  return out + "'";
}

void QuoteIdentFn(const Step&, const Datum* const* a, Datum& out, ExecContext&) { out.s = QuoteIdent(a[0]->s); }

// aux 0: quote_literal (strict), 1: quote_nullable (NULL is the word NULL).
void QuoteLiteralFn(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  if (a[0]->null) {
    if (st.aux == 0) {
      out.null = true;
    } else {
      out.s = "NULL";
    }
    return;
  }
  out.s = QuoteLiteralText(a[0]->s);
}

// format(fmt, args...): %[n$][-][width|*|*n$](s|I|L) and %%, as
// PostgreSQL's text_format.
void Format(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  if (a[0]->null) {
    out.null = true;
    return;
  }
  const std::string& f = a[0]->s;
  size_t nargs = st.args.size() - 1;
  auto bad_type = [](const std::string& spec) {
    return PgError(sqlstate::kInvalidParameterValue, "unrecognized format() type specifier \"" + spec + "\"")
        .Hint("For a single \"%\" use \"%%\".");
  };
  auto unterminated = [] {
    return PgError(sqlstate::kInvalidParameterValue, "unterminated format() type specifier")
        .Hint("For a single \"%\" use \"%%\".");
  };
  auto too_few = [] { return PgError(sqlstate::kInvalidParameterValue, "too few arguments for format()"); };
  out.s.clear();
  size_t arg = 0;  // last argument used (1-based)
  size_t i = 0;
  auto number = [&](size_t* n) {
    size_t start = i;
    *n = 0;
    while (i < f.size() && f[i] >= '0' && f[i] <= '9') {
      *n = *n * 10 + static_cast<size_t>(f[i] - '0');
      if (*n > INT32_MAX) throw PgError(sqlstate::kInvalidParameterValue, "number is out of range");
      ++i;
    }
    return i > start;
  };
  while (i < f.size()) {
    if (f[i] != '%') {
      out.s += f[i++];
      continue;
    }
    ++i;
    if (i >= f.size()) throw unterminated();
    if (f[i] == '%') {
      out.s += '%';
      ++i;
      continue;
    }
    size_t argpos = 0, width = 0, widthpos = 0;
    bool left = false, width_from_arg = false, has_width = false;
    size_t n;
    if (number(&n)) {
      if (i < f.size() && f[i] == '$') {
        if (n == 0) throw PgError(sqlstate::kInvalidParameterValue, "format specifies argument 0, but arguments are numbered from 1");
        argpos = n;
        ++i;
      } else {
        width = n;
        has_width = true;
      }
    }
    if (!has_width) {
      while (i < f.size() && f[i] == '-') {
        left = true;
        ++i;
      }
      if (i < f.size() && f[i] == '*') {
        ++i;
        width_from_arg = true;
        if (number(&n)) {
          if (i >= f.size() || f[i] != '$') throw PgError(sqlstate::kInvalidParameterValue, "width argument position must be ended by \"$\"");
          if (n == 0) throw PgError(sqlstate::kInvalidParameterValue, "format specifies argument 0, but arguments are numbered from 1");
          widthpos = n;
          ++i;
        }
      } else if (number(&n)) {
        width = n;
      }
    }
    if (i >= f.size()) throw unterminated();
    char type = f[i];
    size_t len = 1;
    while (i + len < f.size() && (static_cast<unsigned char>(f[i + len]) & 0xC0) == 0x80) ++len;
    std::string spec = f.substr(i, len);
    ++i;
    if (type != 's' && type != 'I' && type != 'L') throw bad_type(spec);
    if (width_from_arg) {
      size_t wa = widthpos ? widthpos : arg + 1;
      if (wa > nargs) throw too_few();
      arg = wa;
      const Datum& w = *a[wa];
      long long wv = w.null ? 0 : std::strtoll(w.s.c_str(), nullptr, 10);
      if (wv < 0) {
        left = true;
        wv = -wv;
      }
      width = static_cast<size_t>(wv);
    }
    size_t which = argpos ? argpos : arg + 1;
    if (which > nargs) throw too_few();
    arg = which;
    const Datum& v = *a[which];
    std::string piece;
    if (type == 's') {
      if (!v.null) piece = v.s;
    } else if (type == 'I') {
      if (v.null) throw PgError("22004", "null values cannot be formatted as an SQL identifier");
      piece = QuoteIdent(v.s);
    } else {
      piece = v.null ? "NULL" : QuoteLiteralText(v.s);
    }
    size_t chars = static_cast<size_t>(CharLen(piece));
    if (chars < width) {
      std::string pad(width - chars, ' ');
      piece = left ? piece + pad : pad + piece;
    }
    out.s += piece;
  }
}

void StartsWith(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  out.b = a[0]->s.compare(0, a[1]->s.size(), a[1]->s) == 0 && a[0]->s.size() >= a[1]->s.size();
}

}  // namespace

void AddStringBuiltins(std::vector<FuncDef>& f) {
  f.push_back({"length", {kText}, kInt4, Length});
  f.push_back({"char_length", {kText}, kInt4, Length});
  f.push_back({"character_length", {kText}, kInt4, Length});
  f.push_back({"octet_length", {kText}, kInt4, OctetLength});
  // bit_length(text): with bit_length(bytea) registered, an unknown literal
  // must still find the text variant first, as in PostgreSQL.
  f.push_back({"bit_length", {kText}, kInt4, BitLength});
  f.push_back({"lower", {kText}, kText, Lower, true, false, 0});
  f.push_back({"upper", {kText}, kText, Lower, true, false, 1});
  f.push_back({"substring", {kText, kInt4}, kText, Substring});
  f.push_back({"substring", {kText, kInt4, kInt4}, kText, Substring});
  f.push_back({"substr", {kText, kInt4}, kText, Substring});
  f.push_back({"substr", {kText, kInt4, kInt4}, kText, Substring});
  f.push_back({"position", {kText, kText}, kInt4, Position});
  f.push_back({"overlay", {kText, kText, kInt4}, kText, Overlay});
  f.push_back({"overlay", {kText, kText, kInt4, kInt4}, kText, Overlay});
  f.push_back({"strpos", {kText, kText}, kInt4, Position});
  f.push_back({"btrim", {kText}, kText, Trim, true, false, 0});
  f.push_back({"btrim", {kText, kText}, kText, Trim, true, false, 0});
  f.push_back({"ltrim", {kText}, kText, Trim, true, false, 1});
  f.push_back({"ltrim", {kText, kText}, kText, Trim, true, false, 1});
  f.push_back({"rtrim", {kText}, kText, Trim, true, false, 2});
  f.push_back({"rtrim", {kText, kText}, kText, Trim, true, false, 2});
  f.push_back({"replace", {kText, kText, kText}, kText, Replace});
  f.push_back({"concat", {kAnyArg}, kText, Concat, false, true, 0});
  f.push_back({"concat_ws", {kText, kAnyArg}, kText, Concat, false, true, 1});
  f.push_back({"repeat", {kText, kInt4}, kText, Repeat});
  f.push_back({"left", {kText, kInt4}, kText, LeftRight, true, false, 0});
  f.push_back({"right", {kText, kInt4}, kText, LeftRight, true, false, 1});
  f.push_back({"md5", {kText}, kText, Md5});
  f.push_back({"reverse", {kText}, kText, Reverse});
  f.push_back({"lpad", {kText, kInt4}, kText, Pad, true, false, 0});
  f.push_back({"lpad", {kText, kInt4, kText}, kText, Pad, true, false, 0});
  f.push_back({"rpad", {kText, kInt4}, kText, Pad, true, false, 1});
  f.push_back({"rpad", {kText, kInt4, kText}, kText, Pad, true, false, 1});
  f.push_back({"initcap", {kText}, kText, Initcap});
  f.push_back({"split_part", {kText, kText, kInt4}, kText, SplitPart});
  f.push_back({"translate", {kText, kText, kText}, kText, Translate});
  f.push_back({"ascii", {kText}, kInt4, Ascii});
  f.push_back({"chr", {kInt4}, kText, Chr});
  f.push_back({"starts_with", {kText, kText}, oid::kBool, StartsWith});
  f.push_back({"quote_ident", {kText}, kText, QuoteIdentFn});
  f.push_back({"quote_literal", {kAnyArg}, kText, QuoteLiteralFn, true, false, 0});
  f.push_back({"quote_nullable", {kAnyArg}, kText, QuoteLiteralFn, false, false, 1});
  f.push_back({"format", {kText}, kText, Format, false});
  f.push_back({"format", {kText, kAnyArg}, kText, Format, false, true});
}

}  // namespace tusk::sql
