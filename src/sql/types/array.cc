// Array values: construction and the text (array_in/array_out) and binary
// (array_send/array_recv) forms. The text parser accepts PostgreSQL's full
// syntax, including nested braces and "[lo:hi]=" decorations, so that
// malformed input gets PostgreSQL's DETAIL; multidimensional values are then
// refused because the engine's arrays are one-dimensional.
#include "sql/types/array.h"

#include <optional>

#include "sql/types/type_io.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr int kMaxDims = 6;  // PostgreSQL's MAXDIM
constexpr char kArraySubscriptError[] = "2202E";

bool ArraySpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

[[noreturn]] void Malformed(std::string_view text, const std::string& detail) {
  throw PgError(sqlstate::kInvalidTextRepresentation, "malformed array literal: \"" + std::string(text) + "\"")
      .Detail(detail);
}

[[noreturn]] void MultiDim() {
  throw PgError(sqlstate::kFeatureNotSupported, "multidimensional arrays are not supported");
}

// One element as written: its de-quoted text, or nullopt for NULL.
using RawElement = std::optional<std::string>;

struct ParsedLiteral {
  int ndim = 0;                 // 0 for '{}'
  std::vector<int64_t> dims;    // element count per dimension
  std::vector<RawElement> elems;
  bool explicit_dims = false;
  std::vector<int64_t> lower, upper;  // from "[lo:hi]" decorations
};

// Reads an optionally signed decimal integer at text[*i]; false if no digits.
bool ReadBound(std::string_view t, size_t* i, int64_t* v) {
  size_t p = *i;
  bool neg = false;
  if (p < t.size() && (t[p] == '+' || t[p] == '-')) neg = t[p++] == '-';
  size_t digits = p;
  int64_t x = 0;
  while (p < t.size() && t[p] >= '0' && t[p] <= '9') {
    if (x < (int64_t{1} << 40)) x = x * 10 + (t[p] - '0');
    ++p;
  }
  if (p == digits) return false;
  *v = neg ? -x : x;
  *i = p;
  return true;
}

// Parses the "[lo:hi][lo:hi]=" prefix; *i is at the first '['.
void ParseDimensions(std::string_view t, size_t* i, ParsedLiteral& out) {
  size_t p = *i;
  while (p < t.size() && t[p] == '[') {
    ++p;
    int64_t lo = 1, hi;
    if (!ReadBound(t, &p, &hi)) Malformed(t, "\"[\" must introduce explicitly-specified array dimensions.");
    if (p < t.size() && t[p] == ':') {
      ++p;
      lo = hi;
      if (!ReadBound(t, &p, &hi)) Malformed(t, "Missing array dimension value.");
    }
    if (p >= t.size() || t[p] != ']') Malformed(t, "Missing \"]\" after array dimensions.");
    ++p;
    if (static_cast<int>(out.lower.size()) >= kMaxDims) {
      throw PgError(sqlstate::kProgramLimitExceeded, "number of array dimensions (" +
                                                         std::to_string(out.lower.size() + 1) +
                                                         ") exceeds the maximum allowed (" +
                                                         std::to_string(kMaxDims) + ")");
    }
    if (hi < lo) throw PgError(kArraySubscriptError, "upper bound cannot be less than lower bound");
    out.lower.push_back(lo);
    out.upper.push_back(hi);
  }
  while (p < t.size() && ArraySpace(t[p])) ++p;
  if (p >= t.size() || t[p] != '=') Malformed(t, "Missing \"=\" after array dimensions.");
  ++p;
  while (p < t.size() && ArraySpace(t[p])) ++p;
  if (p >= t.size() || t[p] != '{') Malformed(t, "Array contents must start with \"{\".");
  out.explicit_dims = true;
  *i = p;
}

// Parses the brace structure starting at the '{' at text[*i].
void ParseBraces(std::string_view t, size_t* i, ParsedLiteral& out) {
  enum State {
    kLevelStart,      // just after '{'
    kInElem,          // inside an unquoted element
    kInQuoted,        // inside "..."
    kQuotedDone,      // after the closing quote
    kAfterDelim,      // after ',' that follows an element
    kLevelDone,       // after a '}' that closed an inner level
    kAfterLevelDelim  // after ',' that follows an inner level
  };
  State st = kLevelStart;
  int depth = 1;
  std::vector<int64_t> count(kMaxDims + 2, 0);  // items in the open level at each depth
  std::vector<int64_t> dims(kMaxDims + 2, -1);  // first-seen item count per depth
  int leaf_depth = 0;                           // depth where elements live
  std::string cur;
  size_t keep = 0;        // cur[0, keep) must survive trailing-space trimming
  bool quoted = false;    // the current element had quotes or escapes
  bool in_elem = false;
  auto unexpected = [&](char c) { Malformed(t, std::string("Unexpected \"") + c + "\" character."); };
  auto mismatch = [&]() { Malformed(t, "Multidimensional arrays must have sub-arrays with matching dimensions."); };
  auto finish_elem = [&]() {
    if (!in_elem) return;
    cur.resize(std::max(keep, cur.find_last_not_of(" \t\n\r\v\f") == std::string::npos
                                  ? size_t{0}
                                  : cur.find_last_not_of(" \t\n\r\v\f") + 1));
    bool is_null = !quoted && cur.size() == 4 && (cur[0] | 0x20) == 'n' && (cur[1] | 0x20) == 'u' &&
                   (cur[2] | 0x20) == 'l' && (cur[3] | 0x20) == 'l';
    out.elems.push_back(is_null ? RawElement() : RawElement(cur));
    if (leaf_depth == 0) leaf_depth = depth;
    if (leaf_depth != depth) mismatch();
    ++count[depth];
    cur.clear();
    keep = 0;
    quoted = false;
    in_elem = false;
  };
  size_t p = *i + 1;
  for (; p < t.size(); ++p) {
    char c = t[p];
    if (st == kInQuoted) {
      if (c == '\\') {
        if (++p >= t.size()) break;
        cur.push_back(t[p]);
      } else if (c == '"') {
        st = kQuotedDone;
      } else {
        cur.push_back(c);
      }
      keep = cur.size();
      continue;
    }
    if (ArraySpace(c)) {
      if (st == kInElem) cur.push_back(c);
      continue;
    }
    switch (c) {
      case '\\':
        if (st != kLevelStart && st != kInElem && st != kAfterDelim) unexpected(c);
        if (++p >= t.size()) Malformed(t, "Unexpected end of input.");
        cur.push_back(t[p]);
        keep = cur.size();
        quoted = in_elem = true;
        st = kInElem;
        break;
      case '"':
        if (st != kLevelStart && st != kAfterDelim) Malformed(t, "Unexpected array element.");
        quoted = in_elem = true;
        st = kInQuoted;
        break;
      case '{':
        if (st != kLevelStart && st != kAfterLevelDelim) unexpected(c);
        if (depth >= kMaxDims) {
          throw PgError(sqlstate::kProgramLimitExceeded, "number of array dimensions (" + std::to_string(depth + 1) +
                                                             ") exceeds the maximum allowed (" +
                                                             std::to_string(kMaxDims) + ")");
        }
        if (leaf_depth != 0 && leaf_depth <= depth) mismatch();
        ++count[depth];
        ++depth;
        count[depth] = 0;
        st = kLevelStart;
        break;
      case '}':
        if (st != kInElem && st != kQuotedDone && st != kLevelDone && !(st == kLevelStart && depth == 1)) {
          unexpected(c);
        }
        finish_elem();
        if (st != kLevelStart || depth > 1) {
          if (dims[depth] < 0) dims[depth] = count[depth];
          else if (dims[depth] != count[depth]) mismatch();
        }
        --depth;
        st = kLevelDone;
        break;
      case ',':
        if (st == kInElem || st == kQuotedDone) {
          finish_elem();
          st = kAfterDelim;
        } else if (st == kLevelDone) {
          st = kAfterLevelDelim;
        } else {
          unexpected(c);
        }
        break;
      default:
        if (st != kLevelStart && st != kInElem && st != kAfterDelim) Malformed(t, "Unexpected array element.");
        cur.push_back(c);
        in_elem = true;
        st = kInElem;
        break;
    }
    if (depth == 0) break;
  }
  if (depth > 0) Malformed(t, "Unexpected end of input.");
  for (++p; p < t.size(); ++p) {
    if (!ArraySpace(t[p])) Malformed(t, "Junk after closing right brace.");
  }
  out.ndim = leaf_depth;
  for (int d = 1; d <= leaf_depth; ++d) out.dims.push_back(dims[d]);
  *i = p;
}

ParsedLiteral ParseLiteral(std::string_view t) {
  ParsedLiteral out;
  size_t i = 0;
  while (i < t.size() && ArraySpace(t[i])) ++i;
  if (i < t.size() && t[i] == '[') {
    ParseDimensions(t, &i, out);
  } else if (i >= t.size() || t[i] != '{') {
    Malformed(t, "Array value must start with \"{\" or dimension information.");
  }
  ParseBraces(t, &i, out);
  if (out.explicit_dims) {
    bool match = out.lower.size() == static_cast<size_t>(out.ndim);
    for (size_t d = 0; match && d < out.lower.size(); ++d) match = out.upper[d] - out.lower[d] + 1 == out.dims[d];
    if (!match) Malformed(t, "Specified array dimensions do not match array contents.");
  }
  return out;
}

bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  if (s.size() == 4 && (s[0] | 0x20) == 'n' && (s[1] | 0x20) == 'u' && (s[2] | 0x20) == 'l' && (s[3] | 0x20) == 'l') {
    return true;
  }
  for (char c : s) {
    if (c == '"' || c == '\\' || c == '{' || c == '}' || c == ',' || ArraySpace(c)) return true;
  }
  return false;
}

void Put32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

[[noreturn]] void BadBinary(const std::string& msg = "incorrect binary data format") {
  throw PgError(sqlstate::kInvalidBinaryRepresentation, msg);
}

}  // namespace

bool ArrayValue::HasNull() const {
  for (const Datum& d : elems) {
    if (d.null) return true;
  }
  return false;
}

Datum MakeArray(uint32_t elem_type, std::vector<Datum> elems, int32_t lbound) {
  auto a = std::make_shared<ArrayValue>();
  a->elem_type = elem_type;
  a->lbound = elems.empty() ? 1 : lbound;
  a->elems = std::move(elems);
  return Datum::Array(std::move(a));
}

Datum EmptyArray(uint32_t elem_type) { return MakeArray(elem_type, {}); }

void ArrayTextOut(const ArrayValue& a, const IoContext& io, std::string& out) {
  if (!a.elems.empty() && a.lbound != 1) {
    out += "[" + std::to_string(a.lbound) + ":" + std::to_string(a.ubound()) + "]=";
  }
  out.push_back('{');
  std::string item;
  for (size_t i = 0; i < a.elems.size(); ++i) {
    if (i) out.push_back(',');
    const Datum& e = a.elems[i];
    if (e.null) {
      out += "NULL";
      continue;
    }
    item.clear();
    TextOut(a.elem_type, e, io, item);
    if (!NeedsQuotes(item)) {
      out += item;
      continue;
    }
    out.push_back('"');
    for (char c : item) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
}

Datum ArrayTextIn(uint32_t elem_type, std::string_view text, const IoContext& io, int32_t typmod) {
  ParsedLiteral lit = ParseLiteral(text);
  if (lit.ndim > 1) MultiDim();
  std::vector<Datum> elems;
  elems.reserve(lit.elems.size());
  for (const RawElement& raw : lit.elems) {
    elems.push_back(raw ? TextIn(elem_type, *raw, io, typmod) : Datum::Null());
  }
  int64_t lb = lit.explicit_dims && !lit.lower.empty() ? lit.lower[0] : 1;
  if (lb < INT32_MIN || lb > INT32_MAX) {
    throw PgError(sqlstate::kProgramLimitExceeded, "array lower bound is too large: " + std::to_string(lb));
  }
  return MakeArray(elem_type, std::move(elems), static_cast<int32_t>(lb));
}

void ArrayBinaryOut(const ArrayValue& a, std::string& out) {
  bool nonempty = !a.elems.empty();
  Put32(out, nonempty ? 1 : 0);
  Put32(out, a.HasNull() ? 1 : 0);
  Put32(out, a.elem_type);
  if (nonempty) {
    Put32(out, static_cast<uint32_t>(a.elems.size()));
    Put32(out, static_cast<uint32_t>(a.lbound));
  }
  std::string item;
  for (const Datum& e : a.elems) {
    if (e.null) {
      Put32(out, 0xFFFFFFFFu);
      continue;
    }
    item.clear();
    BinaryOut(a.elem_type, e, item);
    Put32(out, static_cast<uint32_t>(item.size()));
    out += item;
  }
}

Datum ArrayBinaryIn(uint32_t elem_type, std::string_view data) {
  size_t pos = 0;
  auto get32 = [&]() -> int32_t {
    if (data.size() - pos < 4) BadBinary("insufficient data left in message");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(data[pos++]);
    return static_cast<int32_t>(v);
  };
  int32_t ndim = get32();
  int32_t flags = get32();
  uint32_t stored_elem = static_cast<uint32_t>(get32());
  if (ndim < 0) BadBinary("invalid number of dimensions: " + std::to_string(ndim));
  if (ndim > kMaxDims) {
    throw PgError(sqlstate::kProgramLimitExceeded, "number of array dimensions (" + std::to_string(ndim) +
                                                       ") exceeds the maximum allowed (" + std::to_string(kMaxDims) +
                                                       ")");
  }
  if (flags != 0 && flags != 1) BadBinary("invalid array flags");
  if (stored_elem != elem_type) {
    throw PgError(sqlstate::kDatatypeMismatch, "binary data has array element type " + std::to_string(stored_elem) +
                                                   " (" + TypeSqlName(stored_elem) + ") instead of expected " +
                                                   std::to_string(elem_type) + " (" + TypeSqlName(elem_type) + ")");
  }
  int64_t nitems = ndim > 0 ? 1 : 0;
  int32_t lbound = 1;
  for (int d = 0; d < ndim; ++d) {
    int32_t dim = get32();
    int32_t lb = get32();
    if (dim < 0) BadBinary("invalid array dimensions");
    if (d == 0) lbound = lb;
    if (static_cast<int64_t>(lb) + dim - 1 > INT32_MAX) {
      throw PgError(sqlstate::kProgramLimitExceeded, "array upper bound is too large: " +
                                                         std::to_string(static_cast<int64_t>(lb) + dim - 1));
    }
    nitems *= dim;
  }
  if (nitems > 0 && ndim > 1) MultiDim();
  std::vector<Datum> elems;
  for (int64_t k = 0; k < nitems; ++k) {
    int32_t len = get32();
    if (len == -1) {
      elems.push_back(Datum::Null());
      continue;
    }
    if (len < 0 || data.size() - pos < static_cast<size_t>(len)) BadBinary("insufficient data left in message");
    try {
      elems.push_back(BinaryIn(elem_type, data.substr(pos, static_cast<size_t>(len))));
    } catch (const PgError& e) {
      if (e.data().sqlstate != std::string(sqlstate::kInvalidBinaryRepresentation)) throw;
      BadBinary("improper binary format in array element " + std::to_string(k + 1));
    }
    pos += static_cast<size_t>(len);
  }
  if (pos != data.size()) BadBinary();
  return MakeArray(elem_type, std::move(elems), lbound);
}

}  // namespace tusk::sql
