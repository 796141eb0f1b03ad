// Per-type conversion between wire/text forms and Datum. Float output uses
// the shortest round-trip digits with PostgreSQL's switch to exponent form
// outside [1e-4, 1e15) (1e6 for float4).
#include "sql/types/type_io.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <cstring>

#include "sql/types/array.h"
#include "sql/types/bytea.h"
#include "sql/types/datetime.h"
#include "sql/types/pg_lsn.h"
#include "sql/types/record.h"
#include "sql/types/regtypes.h"
#include "sql/types/time.h"
#include "sql/types/type_oids.h"
#include "sql/types/uuid.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

bool IsVectorType(uint32_t type) { return type == oid::kInt2Vector || type == oid::kOidVector; }

// int2vectorin / oidvectorin: numbers separated by spaces, subscripts from 0.
Datum VectorTextIn(uint32_t type, std::string_view text) {
  const uint32_t elem = type == oid::kInt2Vector ? oid::kInt2 : oid::kOid;
  std::vector<Datum> elems;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i == text.size()) break;
    size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    elems.push_back(Datum::Int(ParseInteger(text.substr(i, j - i), elem)));
    i = j;
  }
  return MakeArray(elem, std::move(elems), 0);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

[[noreturn]] void BadSyntax(uint32_t type_oid, std::string_view text) {
  throw PgError(sqlstate::kInvalidTextRepresentation,
                "invalid input syntax for type " + TypeSqlName(type_oid) + ": \"" + std::string(text) + "\"");
}

// True when the decimal `s` is exactly the midpoint between v and one of
// its neighbours. PostgreSQL's Ryu never prints such a bound (1e23::float8
// is 9.999999999999999e+22, '95e20'::float8 9.500000000000001e+21), while
// std::to_chars does when the value's mantissa is even.
template <typename T>
bool IsMidpoint(T v, const std::string& s) {
  T a = std::fabs(v);
  if (a == 0) return false;
  const char* digits = s.c_str() + (s[0] == '-' ? 1 : 0);
  long double d = std::strtold(digits, nullptr);
  for (T n : {std::nextafter(a, std::numeric_limits<T>::infinity()), std::nextafter(a, T(0))}) {
    if (std::isinf(n)) continue;
    if (d == (static_cast<long double>(a) + static_cast<long double>(n)) / 2) return true;
  }
  return false;
}

template <typename T>
std::string ShortestFloat(T v, int max_fixed_exp) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  if (IsMidpoint(v, sci)) {
    // The next shortest correctly rounded form that reads back as v.
    for (int precision = 1; precision <= std::numeric_limits<T>::max_digits10; ++precision) {
      r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific, precision);
      std::string cand(buf, r.ptr);
      T back;
      std::from_chars(cand.data(), cand.data() + cand.size(), back);
      if (back == v && !IsMidpoint(v, cand)) {
        // Drop trailing zeros of the mantissa, as the shortest form has none.
        size_t e = cand.find('e');
        std::string mant = cand.substr(0, e), ex = cand.substr(e);
        if (mant.find('.') != std::string::npos) {
          while (mant.back() == '0') mant.pop_back();
          if (mant.back() == '.') mant.pop_back();
        }
        sci = mant + ex;
        break;
      }
    }
    return sci;  // only magnitudes far beyond the fixed range get here
  }
  size_t e = sci.find('e');
  int exp = std::atoi(sci.c_str() + e + 1);
  if (exp < -4 || exp >= max_fixed_exp) return sci;
  r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

void Put(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t Get(std::string_view d, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(d[i]);
  return v;
}

// tidin's syntax: "(block,offset)", blanks allowed before either number, a
// block of at most 32 bits and an offset of at most 16.
int64_t TidIn(std::string_view text) {
  auto bad = [&]() {
    return PgError(sqlstate::kInvalidTextRepresentation,
                   "invalid input syntax for type tid: \"" + std::string(text) + "\"");
  };
  size_t p = text.find('(');
  if (p == std::string_view::npos) throw bad();
  auto number = [&](uint64_t max, char end) {
    ++p;
    while (p < text.size() && (text[p] == ' ' || text[p] == '\t' || text[p] == '\n')) ++p;
    const size_t digits = p;
    uint64_t v = 0;
    while (p < text.size() && text[p] >= '0' && text[p] <= '9') {
      v = v * 10 + static_cast<uint64_t>(text[p++] - '0');
      if (v > max) throw bad();
    }
    if (p == digits || p >= text.size() || text[p] != end) throw bad();
    return v;
  };
  const uint64_t block = number(0xFFFFFFFFull, ',');
  const uint64_t offset = number(0xFFFF, ')');
  return static_cast<int64_t>((block << 16) | offset);
}

}  // namespace

std::string FormatFloat8(double v) { return ShortestFloat(v, 15); }
std::string FormatFloat4(float v) { return ShortestFloat(v, 6); }

int64_t ParseInteger(std::string_view text, uint32_t type_oid) {
  // As PostgreSQL 15's pg_strtoint16/32/64: blanks around, one sign, digits,
  // the range checked digit by digit (so "99999999999x" is out of range,
  // not bad syntax). oidin checks trailing junk before the range.
  // C-locale isspace without a libc call: COPY parses every int here.
  auto blank = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  uint64_t hi = INT64_MAX, lo_mag = static_cast<uint64_t>(INT64_MAX) + 1;  // magnitude limits
  if (type_oid == oid::kInt2) hi = INT16_MAX, lo_mag = 32768;
  if (type_oid == oid::kInt4) hi = INT32_MAX, lo_mag = 2147483648u;
  if (type_oid == oid::kOid) hi = UINT32_MAX, lo_mag = 2147483648u;  // oidin accepts negatives
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end && blank(*p)) ++p;
  bool neg = false;
  if (p < end && (*p == '+' || *p == '-')) neg = *p++ == '-';
  const uint64_t limit = neg ? lo_mag : hi;
  const char* const digits = p;
  uint64_t mag = 0;
  bool overflow = false;
  for (; p < end && *p >= '0' && *p <= '9'; ++p) {
    const unsigned d = static_cast<unsigned>(*p - '0');
    if (overflow || mag > (limit - d) / 10) {
      overflow = true;
    } else {
      mag = mag * 10 + d;
    }
  }
  if (p == digits) BadSyntax(type_oid, text);
  auto out_of_range = [&] {
    throw PgError(sqlstate::kNumericValueOutOfRange,
                  "value \"" + std::string(text) + "\" is out of range for type " + TypeSqlName(type_oid));
  };
  if (overflow && type_oid != oid::kOid) out_of_range();
  while (p < end && blank(*p)) ++p;
  if (p != end) BadSyntax(type_oid, text);
  if (overflow) out_of_range();
  int64_t v = neg ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
  if (type_oid == oid::kOid && v < 0) v += int64_t{1} << 32;
  return v;
}

double ParseFloat(std::string_view text, uint32_t type_oid) {
  std::string t(Trim(text));
  std::string lower;
  for (char c : t) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower == "nan") return std::nan("");
  if (lower == "infinity" || lower == "+infinity" || lower == "inf" || lower == "+inf") return INFINITY;
  if (lower == "-infinity" || lower == "-inf") return -INFINITY;
  if (t.empty()) BadSyntax(type_oid, text);
  char* end;
  errno = 0;
  double v = std::strtod(t.c_str(), &end);
  if (*end != '\0' || lower.find_first_of("xp") != std::string::npos) BadSyntax(type_oid, text);
  bool out_of_range = errno == ERANGE && (v == 0 ? true : std::isinf(v));
  if (type_oid == oid::kFloat4 && !out_of_range) {
    float f = static_cast<float>(v);
    out_of_range = (std::isinf(f) && !std::isinf(v)) || (f == 0 && v != 0);
  }
  if (out_of_range) {
    throw PgError(sqlstate::kNumericValueOutOfRange,
                  "\"" + t + "\" is out of range for type " + TypeSqlName(type_oid));
  }
  return v;
}

// regtypein: an OID, or a type name (case-insensitive unless quoted).
static uint64_t ParseXid8(std::string_view text) {
  // xid8in: strtou64 in base 0 and nothing checked (garbage reads as 0).
  std::string t(text);
  return std::strtoull(t.c_str(), nullptr, 0);
}

bool ParseBool(std::string_view text) {
  std::string t;
  for (char c : Trim(text)) t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  auto prefix = [&](const char* word, size_t min_len) {
    return t.size() >= min_len && t.size() <= std::strlen(word) && std::strncmp(word, t.c_str(), t.size()) == 0;
  };
  if (prefix("true", 1) || prefix("yes", 1) || t == "on" || t == "1") return true;
  if (prefix("false", 1) || prefix("no", 1) || prefix("off", 2) || t == "0") return false;
  BadSyntax(oid::kBool, text);
}

void TextOut(uint32_t type, const Datum& d, const IoContext& io, std::string& out) {
  switch (type) {
    case oid::kBool: out += d.b ? "t" : "f"; return;
    case oid::kInt2:
    case oid::kInt4:
    case oid::kInt8:
    case oid::kOid: out += std::to_string(d.i); return;
    case oid::kRegtype: case oid::kRegclass: case oid::kRegproc: case oid::kRegprocedure: case oid::kRegnamespace:
    case oid::kRegrole:
      out += RegOut(type, static_cast<uint32_t>(d.i), io.session);
      return;
    case oid::kPgLsn: out += FormatPgLsn(static_cast<uint64_t>(d.i)); return;
    case oid::kTid:
      out += '(' + std::to_string(static_cast<uint64_t>(d.i) >> 16) + ',' + std::to_string(d.i & 0xFFFF) + ')';
      return;
    case oid::kXid8: out += std::to_string(static_cast<uint64_t>(d.i)); return;
    case oid::kFloat4: out += FormatFloat4(static_cast<float>(d.f)); return;
    case oid::kFloat8: out += FormatFloat8(d.f); return;
    case oid::kNumeric: out += d.n.ToString(); return;
    case oid::kDate: out += FormatDate(d.i); return;
    case oid::kTime: out += FormatTime(d.i); return;
    case oid::kTimestamp: out += FormatTimestamp(d.i); return;
    case oid::kTimestamptz: out += FormatTimestamptz(d.i, io.timezone); return;
    case oid::kInterval: out += FormatInterval(d.months, d.days, d.i); return;
    case oid::kVoid: return;
    case oid::kBytea: ByteaOut(d.s, io.bytea_escape, out); return;
    case oid::kUuid: UuidOut(d.s, out); return;
    default:
      if (IsVectorType(type) && d.arr) {
        for (size_t i = 0; i < d.arr->elems.size(); ++i) {
          if (i) out += ' ';
          out += std::to_string(d.arr->elems[i].i);
        }
      } else if (d.rec) {
        RecordTextOut(*d.rec, io, out);
      } else if (d.arr) {
        ArrayTextOut(*d.arr, io, out);
      } else if (IsArrayType(type)) {
        out += "{}";  // defensive: an array-typed Datum without a value
      } else {
        out += d.s;  // text family, unknown, inet
      }
      return;
  }
}

Datum TextIn(uint32_t type, std::string_view text, const IoContext& io, int32_t typmod) {
  Datum d;
  TextInto(type, text, io, d, typmod);
  return d;
}

void TextInto(uint32_t type, std::string_view text, const IoContext& io, Datum& d, int32_t typmod) {
  d.null = false;
  switch (type) {
    case oid::kBool: d.b = ParseBool(text); break;
    case oid::kInt2:
    case oid::kInt4:
    case oid::kInt8:
    case oid::kOid: d.i = ParseInteger(text, type); break;
    case oid::kRegtype: case oid::kRegclass: case oid::kRegproc: case oid::kRegprocedure: case oid::kRegnamespace:
    case oid::kRegrole:
      d.i = RegIn(type, text, io.session);
      break;
    case oid::kPgLsn: d.i = static_cast<int64_t>(PgLsnIn(text)); break;
    case oid::kTid: d.i = TidIn(text); break;
    case oid::kXid8: d.i = static_cast<int64_t>(ParseXid8(text)); break;
    case oid::kFloat4: d.f = static_cast<float>(ParseFloat(text, type)); break;
    case oid::kFloat8: d.f = ParseFloat(text, type); break;
    case oid::kNumeric: d.n = Numeric::Parse(text); break;
    case oid::kDate: d.i = ParseDate(text); break;
    case oid::kTime: d.i = ParseTime(text); break;
    case oid::kTimestamp: d.i = ParseTimestamp(text); break;
    case oid::kTimestamptz: d.i = ParseTimestamptz(text, io.timezone); break;
    case oid::kInterval: ParseInterval(text, &d.months, &d.days, &d.i); break;
    case oid::kVoid: break;
    case oid::kName:
      d.s.assign(text.substr(0, 63));
      break;
    case oid::kBytea: ByteaIn(text, d.s); break;
    case oid::kUuid: UuidIn(text, d.s); break;
    case oid::kInt2Vector:
    case oid::kOidVector: d = VectorTextIn(type, text); return;
    case oid::kRecord:
      throw PgError(sqlstate::kFeatureNotSupported, "input of anonymous composite types is not implemented");
    default:
      if (uint32_t elem = ElementTypeOf(type)) {
        d = ArrayTextIn(elem, text, io, typmod);
        return;
      }
      d.s.assign(text);  // reuses the string's buffer when d is reused
      break;
  }
  if (typmod >= 0) ApplyTypmod(type, typmod, d);
}

void ApplyTypmod(uint32_t type, int32_t typmod, Datum& d) {
  if (typmod < 0 || d.null) return;
  if (d.arr) {
    // Array values are shared: the element typmod applies to a copy.
    std::vector<Datum> elems = d.arr->elems;
    for (Datum& e : elems) ApplyTypmod(d.arr->elem_type, typmod, e);
    d = MakeArray(d.arr->elem_type, std::move(elems), d.arr->lbound);
  } else if (type == oid::kVarchar || type == oid::kBpchar) {
    // typmod here is the declared length (not PostgreSQL's length + 4).
    size_t chars = 0, i = 0;
    for (; i < d.s.size(); ++i) {
      if ((static_cast<unsigned char>(d.s[i]) & 0xC0) != 0x80) {
        if (static_cast<int32_t>(chars) == typmod) break;
        ++chars;
      }
    }
    d.s.resize(i);
    if (type == oid::kBpchar) d.s.append(static_cast<size_t>(typmod) - chars, ' ');
  } else if (type == oid::kTime || type == oid::kTimestamp || type == oid::kTimestamptz) {
    d.i = RoundTime(d.i, typmod);
  } else if (type == oid::kNumeric) {
    int precision = NumericTypmodPrecision(typmod), scale = NumericTypmodScale(typmod);
    if (d.n.is_nan()) return;
    if (d.n.is_inf()) {
      throw PgError(sqlstate::kNumericValueOutOfRange, "numeric field overflow")
          .Detail("A field with precision " + std::to_string(precision) + ", scale " + std::to_string(scale) +
                  " cannot hold an infinite value.");
    }
    if (d.n.scale() != scale) d.n = d.n.Round(scale);  // already at the scale: nothing to round (COPY's common case)
    if (!d.n.is_zero() && d.n.LeadingExponent() + 1 > precision - scale) {
      throw PgError(sqlstate::kNumericValueOutOfRange, "numeric field overflow")
          .Detail("A field with precision " + std::to_string(precision) + ", scale " + std::to_string(scale) +
                  " must round to an absolute value less than " +
                  (precision != scale ? "10^" + std::to_string(precision - scale) : "1") + ".");
    }
  }
}

bool HasBinaryIo(uint32_t type) {
  switch (type) {
    case oid::kBool: case oid::kInt2: case oid::kInt4: case oid::kInt8: case oid::kOid: case oid::kRegtype:
    case oid::kRegclass: case oid::kRegproc: case oid::kRegprocedure: case oid::kRegnamespace: case oid::kRegrole:
    case oid::kPgLsn: case oid::kXid8: case oid::kTid:
    case oid::kFloat4: case oid::kFloat8: case oid::kNumeric: case oid::kText: case oid::kVarchar:
    case oid::kBpchar: case oid::kName: case oid::kUnknown: case oid::kDate: case oid::kTimestamp:
    case oid::kTimestamptz: case oid::kInterval: case oid::kVoid: case oid::kBytea: case oid::kUuid: case oid::kTime:
    case oid::kRecord:
      return true;
    default: {
      uint32_t elem = ElementTypeOf(type);
      return elem != 0 && HasBinaryIo(elem);
    }
  }
}

void BinaryOut(uint32_t type, const Datum& d, std::string& out) {
  switch (type) {
    case oid::kBool: out.push_back(d.b ? 1 : 0); return;
    case oid::kInt2: Put(out, static_cast<uint16_t>(d.i), 2); return;
    case oid::kInt4:
    case oid::kOid:
    case oid::kRegtype: case oid::kRegclass: case oid::kRegproc: case oid::kRegprocedure: case oid::kRegnamespace:
    case oid::kRegrole:
    case oid::kDate: Put(out, static_cast<uint32_t>(d.i), 4); return;
    case oid::kTid:  // tidsend: the block as int4, the offset as int2
      Put(out, static_cast<uint32_t>(static_cast<uint64_t>(d.i) >> 16), 4);
      Put(out, static_cast<uint16_t>(d.i & 0xFFFF), 2);
      return;
    case oid::kPgLsn: case oid::kXid8:
    case oid::kInt8:
    case oid::kTimestamp:
    case oid::kTime:
    case oid::kTimestamptz: Put(out, static_cast<uint64_t>(d.i), 8); return;
    case oid::kFloat4: {
      float f = static_cast<float>(d.f);
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      Put(out, bits, 4);
      return;
    }
    case oid::kFloat8: {
      uint64_t bits;
      std::memcpy(&bits, &d.f, 8);
      Put(out, bits, 8);
      return;
    }
    case oid::kNumeric: out += d.n.ToBinary(); return;
    case oid::kInterval:
      Put(out, static_cast<uint64_t>(d.i), 8);
      Put(out, static_cast<uint32_t>(d.days), 4);
      Put(out, static_cast<uint32_t>(d.months), 4);
      return;
    case oid::kVoid: return;
    default:
      if (d.rec) {
        RecordBinaryOut(*d.rec, out);
      } else if (d.arr) {
        ArrayBinaryOut(*d.arr, out);
      } else if (uint32_t elem = ElementTypeOf(type)) {
        ArrayBinaryOut(*EmptyArray(elem).arr, out);
      } else {
        out += d.s;
      }
      return;
  }
}

Datum BinaryIn(uint32_t type, std::string_view data) {
  auto need = [&](size_t n) {
    if (data.size() != n) {
      throw PgError(sqlstate::kInvalidBinaryRepresentation, "incorrect binary data format");
    }
  };
  Datum d;
  d.null = false;
  switch (type) {
    case oid::kBool: need(1); d.b = data[0] != 0; break;
    case oid::kInt2: need(2); d.i = static_cast<int16_t>(Get(data, 2)); break;
    case oid::kInt4: case oid::kDate: need(4); d.i = static_cast<int32_t>(Get(data, 4)); break;
    case oid::kOid: case oid::kRegtype: case oid::kRegclass: case oid::kRegproc: case oid::kRegprocedure:
    case oid::kRegnamespace: case oid::kRegrole:
      need(4);
      d.i = static_cast<uint32_t>(Get(data, 4));
      break;
    case oid::kInt8: case oid::kPgLsn: case oid::kXid8: case oid::kTimestamp: case oid::kTimestamptz: need(8); d.i = static_cast<int64_t>(Get(data, 8)); break;
    case oid::kTid:
      need(6);
      d.i = static_cast<int64_t>((Get(data, 4) << 16) | Get(data.substr(4), 2));
      break;
    case oid::kTime:
      need(8);
      d.i = static_cast<int64_t>(Get(data, 8));
      if (d.i < 0 || d.i > kUsecPerDay) throw PgError(sqlstate::kDatetimeFieldOverflow, "time out of range");
      break;
    case oid::kFloat4: {
      need(4);
      uint32_t bits = static_cast<uint32_t>(Get(data, 4));
      float f;
      std::memcpy(&f, &bits, 4);
      d.f = f;
      break;
    }
    case oid::kFloat8: {
      need(8);
      uint64_t bits = Get(data, 8);
      std::memcpy(&d.f, &bits, 8);
      break;
    }
    case oid::kNumeric: d.n = Numeric::FromBinary(data); break;
    case oid::kInterval:
      need(16);
      d.i = static_cast<int64_t>(Get(data, 8));
      d.days = static_cast<int32_t>(Get(data.substr(8), 4));
      d.months = static_cast<int32_t>(Get(data.substr(12), 4));
      break;
    case oid::kVoid: break;
    case oid::kUuid: need(kUuidLen); d.s.assign(data); break;
    case oid::kRecord:
      throw PgError(sqlstate::kFeatureNotSupported, "input of anonymous composite types is not implemented");
    default:
      if (uint32_t elem = ElementTypeOf(type)) return ArrayBinaryIn(elem, data);
      d.s = std::string(data);
      break;
  }
  return d;
}

}  // namespace tusk::sql
