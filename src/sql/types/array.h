// Array values. Arrays are one-dimensional with a lower bound (1 unless
// written otherwise, e.g. '[0:1]={a,b}'); an array without elements is
// PostgreSQL's zero-dimensional empty array '{}'. A value is immutable and
// shared between Datums; functions that change an array build a new one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sql/types/datum.h"

namespace tusk::sql {

struct IoContext;

struct ArrayValue {
  uint32_t elem_type = 0;     // element type OID (also kept for empty arrays)
  int32_t lbound = 1;         // subscript of elems[0]
  std::vector<Datum> elems;   // null elements are Datums with null = true

  bool empty() const { return elems.empty(); }
  int32_t ubound() const { return lbound + static_cast<int32_t>(elems.size()) - 1; }
  bool HasNull() const;
};

// Builds a non-null array Datum. An empty elems makes '{}' (lbound reset to 1).
Datum MakeArray(uint32_t elem_type, std::vector<Datum> elems, int32_t lbound = 1);
// An empty array of the element type.
Datum EmptyArray(uint32_t elem_type);

// Text form with PostgreSQL's array_out quoting ("{1,NULL,\"a b\"}", with a
// "[lo:hi]=" prefix when the lower bound is not 1).
void ArrayTextOut(const ArrayValue& a, const IoContext& io, std::string& out);
// array_in for the given element type; typmod applies to each element.
// Errors: 22P02 "malformed array literal" with PostgreSQL's DETAIL; 0A000 for
// multidimensional input.
Datum ArrayTextIn(uint32_t elem_type, std::string_view text, const IoContext& io, int32_t typmod);
// array_send / array_recv wire format.
void ArrayBinaryOut(const ArrayValue& a, std::string& out);
Datum ArrayBinaryIn(uint32_t elem_type, std::string_view data);

}  // namespace tusk::sql
