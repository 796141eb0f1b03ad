// Type coercion: PostgreSQL's cast table (implicit / assignment / explicit
// contexts), cast implementations, and unknown-literal resolution.
#pragma once

#include <string>

#include "sql/analyzer/texpr.h"
#include "sql/types/type_oids.h"

namespace tusk::sql {

enum class CoercionContext : uint8_t { kImplicit, kAssignment, kExplicit };

// True if a value of type from may be converted to type to in the context.
bool CanCoerce(uint32_t from, uint32_t to, CoercionContext cc);

// Cast step flag: convert with the type's output function rather than the
// cast proper (they differ for bool -> text: "t" versus "true").
inline constexpr int kCastViaOutput = 1;

// Implementation used for casts between distinct types (type_a = source,
// type_b = target, call_typmod = target typmod).
void CastFunction(const Step& st, const Datum* const* args, Datum& out, ExecContext& ctx);

}  // namespace tusk::sql
