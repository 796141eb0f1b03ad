// Text and binary input/output functions for the built-in types, matching
// PostgreSQL's typinput/typoutput/typsend/typreceive behaviour and errors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sql/types/datum.h"

namespace tusk::sql {

class SessionContext;

// Session state the I/O functions depend on.
struct IoContext {
  std::string timezone = "UTC";
  int extra_float_digits = 1;
  // bytea_output = escape (the default, hex, is false).
  bool bytea_escape = false;
  // Catalog lookups of regclass/regnamespace/regrole; without one those
  // types read and print only numbers.
  SessionContext* session = nullptr;
};

// Appends the text form of a non-null value of the given type to out.
void TextOut(uint32_t type_oid, const Datum& d, const IoContext& io, std::string& out);
// Parses text into a value (never null). typmod as in pg_attribute (-1 none).
Datum TextIn(uint32_t type_oid, std::string_view text, const IoContext& io, int32_t typmod = -1);
// TextIn into an existing value, reusing its buffers (COPY's per-row
// fields); only the fields the type uses are written.
void TextInto(uint32_t type_oid, std::string_view text, const IoContext& io, Datum& d, int32_t typmod = -1);
// Appends PostgreSQL's binary (send) form.
void BinaryOut(uint32_t type_oid, const Datum& d, std::string& out);
// Parses the binary (receive) form; throws 22P03 on malformed data.
Datum BinaryIn(uint32_t type_oid, std::string_view data);
bool HasBinaryIo(uint32_t type_oid);

// float8out / float4out with extra_float_digits >= 1: shortest exact.
std::string FormatFloat8(double v);
std::string FormatFloat4(float v);

// Integer input with PostgreSQL's messages; range given by the type.
int64_t ParseInteger(std::string_view text, uint32_t type_oid);
double ParseFloat(std::string_view text, uint32_t type_oid);
bool ParseBool(std::string_view text);

// numeric(p, s) typmods without the 4-byte header: precision in the high
// 16 bits, the scale (-1000..1000) as an 11-bit two's complement, as in
// PostgreSQL 15.
inline int32_t NumericTypmod(int precision, int scale) { return (precision << 16) | (scale & 0x7ff); }
inline int NumericTypmodPrecision(int32_t typmod) { return (typmod >> 16) & 0xffff; }
inline int NumericTypmodScale(int32_t typmod) { return ((typmod & 0x7ff) ^ 1024) - 1024; }

// Applies a typmod (numeric(p,s), varchar(n), bpchar(n)) for explicit casts.
void ApplyTypmod(uint32_t type_oid, int32_t typmod, Datum& d);

}  // namespace tusk::sql
