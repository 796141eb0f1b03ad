// How SQL values are laid out inside heap tuples and index keys: fixed-width
// types in native byte order with pg_type's length, variable-width ones as
// the bytes of a varlena (text-like types raw, everything else in the
// type's binary send form, which round-trips exactly).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sql/types/datum.h"

namespace tusk::sql {

// pg_type.typlen of the stored form: > 0 fixed width, -1 varlena.
int16_t StorageLength(uint32_t type_oid);

// Appends the stored bytes of a non-null value (exactly StorageLength bytes
// for fixed-width types).
void EncodeStored(uint32_t type_oid, const Datum& d, std::string& out);
// The value of stored bytes; `d` is overwritten (reusing its buffers).
void DecodeStored(uint32_t type_oid, std::string_view bytes, Datum& d);

// Orders two stored values of the same type without decoding where the
// type allows (integers, floats, text by bytes); <0, 0, >0.
int CompareStored(uint32_t type_oid, std::string_view a, std::string_view b);
// An unsigned 64-bit image ordered as CompareStored orders the values, for
// the integer-like types; false for any other type.
bool StoredSortImage(uint32_t type_oid, std::string_view v, uint64_t* out);

}  // namespace tusk::sql
