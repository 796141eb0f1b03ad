// Cast table and cast implementation. Casts not listed in pg_cast fall back
// to I/O conversion through text, which PostgreSQL allows to and from string
// types only (assignment to text, explicit from text).
#include "sql/analyzer/coerce.h"

#include <cmath>

#include "sql/functions/registry.h"
#include "sql/types/array.h"
#include "sql/types/datetime.h"
#include "sql/types/time.h"
#include "sql/types/type_io.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

bool IsInt(uint32_t t) { return t == oid::kInt2 || t == oid::kInt4 || t == oid::kInt8; }
bool IsFloat(uint32_t t) { return t == oid::kFloat4 || t == oid::kFloat8; }
bool IsNumericFamily(uint32_t t) { return IsInt(t) || IsFloat(t) || t == oid::kNumeric; }
bool IsStringType(uint32_t t) {
  return t == oid::kText || t == oid::kVarchar || t == oid::kBpchar || t == oid::kName || t == oid::kUnknown;
}
bool IsDateTime(uint32_t t) { return t == oid::kDate || t == oid::kTimestamp || t == oid::kTimestamptz; }

// Rank in the implicit numeric promotion chain.
int NumRank(uint32_t t) {
  switch (t) {
    case oid::kInt2: return 0;
    case oid::kInt4: return 1;
    case oid::kInt8: return 2;
    case oid::kNumeric: return 3;
    case oid::kFloat4: return 4;
    case oid::kFloat8: return 5;
    default: return -1;
  }
}

int64_t CheckedInt(int64_t v, uint32_t t) {
  int64_t lo = t == oid::kInt2 ? INT16_MIN : t == oid::kInt4 ? INT32_MIN : INT64_MIN;
  int64_t hi = t == oid::kInt2 ? INT16_MAX : t == oid::kInt4 ? INT32_MAX : INT64_MAX;
  if (v < lo || v > hi) ThrowIntOutOfRange(t);
  return v;
}

int64_t FloatToInt(double f, uint32_t t) {
  f = std::nearbyint(f);
  // Bounds as doubles: the int8 upper bound must be exclusive.
  double lo = t == oid::kInt2 ? INT16_MIN : t == oid::kInt4 ? INT32_MIN : -9223372036854775808.0;
  double hi = t == oid::kInt2 ? INT16_MAX + 1.0 : t == oid::kInt4 ? INT32_MAX + 1.0 : 9223372036854775808.0;
  if (std::isnan(f) || f < lo || f >= hi) ThrowIntOutOfRange(t);
  return static_cast<int64_t>(f);
}

int64_t FloorDivDay(int64_t us) { return us >= 0 ? us / kUsecPerDay : -((-us + kUsecPerDay - 1) / kUsecPerDay); }

}  // namespace

bool CanCoerce(uint32_t from, uint32_t to, CoercionContext cc) {
  if (from == to || from == oid::kUnknown) return true;
  uint32_t from_elem = ElementTypeOf(from), to_elem = ElementTypeOf(to);
  if (from_elem && to_elem) {
    // Array to array converts element by element, in the same context.
    return CanCoerce(from_elem, to_elem, cc);
  }
  bool implicit = false, assignment = false, explicit_ok = false;
  if (IsNumericFamily(from) && IsNumericFamily(to)) {
    implicit = NumRank(to) > NumRank(from);
    assignment = true;
  } else if ((IsInt(from) || from == oid::kOid) && (to == oid::kOid || IsRegType(to))) {
    implicit = true;  // oid and the reg* aliases are the same value; integers widen to them
  } else if (IsRegType(from) && to == oid::kOid) {
    implicit = true;
  } else if (IsRegType(from) && (to == oid::kInt4 || to == oid::kInt8)) {
    assignment = true;
  } else if (to == oid::kRegclass && (from == oid::kText || from == oid::kVarchar)) {
    implicit = true;  // regclass(text): how pg_relation_size('t') reads a name

  } else if (from == oid::kOid && IsInt(to)) {
    implicit = to == oid::kInt8;
    assignment = true;
  } else if ((from == oid::kBool && to == oid::kInt4) || (from == oid::kInt4 && to == oid::kBool)) {
    explicit_ok = true;
  } else if (IsStringType(from) && IsStringType(to)) {
    implicit = to != oid::kUnknown;
  } else if ((from == oid::kTimestamp || from == oid::kTimestamptz || from == oid::kInterval) && to == oid::kTime) {
    assignment = true;  // the time of day
  } else if (from == oid::kTime && to == oid::kInterval) {
    implicit = true;
  } else if (IsDateTime(from) && IsDateTime(to)) {
    // date -> timestamp(tz) and timestamp -> timestamptz widen implicitly.
    implicit = (from == oid::kDate) || (from == oid::kTimestamp && to == oid::kTimestamptz);
    assignment = true;
  } else if (to == oid::kText || to == oid::kVarchar || to == oid::kBpchar || to == oid::kName) {
    assignment = true;  // I/O conversion to a string type
  } else if (IsStringType(from) && LookupType(to)) {
    explicit_ok = to != oid::kVoid;  // I/O conversion from a string type
  }
  switch (cc) {
    case CoercionContext::kImplicit: return implicit;
    case CoercionContext::kAssignment: return implicit || assignment;
    case CoercionContext::kExplicit: return implicit || assignment || explicit_ok;
  }
  return false;
}

void CastFunction(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  const Datum& in = *a[0];
  uint32_t from = st.type_a, to = st.type_b;
  if (in.arr && IsArrayType(to)) {
    // Element-wise: each non-null element goes through the element cast,
    // which also applies the typmod.
    Step elem_step;
    elem_step.type_a = in.arr->elem_type;
    elem_step.type_b = ElementTypeOf(to);
    elem_step.typmod = st.typmod;
    elem_step.aux = st.aux;
    std::vector<Datum> elems;
    elems.reserve(in.arr->elems.size());
    for (const Datum& e : in.arr->elems) {
      elems.emplace_back();
      if (e.null) continue;
      elems.back().null = false;
      const Datum* arg = &e;
      if (elem_step.type_a == elem_step.type_b) {
        elems.back() = e;
        ApplyTypmod(elem_step.type_b, st.typmod, elems.back());
      } else {
        CastFunction(elem_step, &arg, elems.back(), ctx);
      }
    }
    out = MakeArray(elem_step.type_b, std::move(elems), in.arr->lbound);
    return;
  }
  if (IsInt(from) || from == oid::kOid || IsRegType(from)) {
    if (IsInt(to)) out.i = CheckedInt(in.i, to);
    else if (to == oid::kOid || IsRegType(to)) {
      if (in.i < INT32_MIN || in.i > UINT32_MAX) throw PgError(sqlstate::kNumericValueOutOfRange, "OID out of range");
      out.i = in.i < 0 ? in.i + (int64_t{1} << 32) : in.i;
    } else if (IsFloat(to)) out.f = to == oid::kFloat4 ? static_cast<float>(in.i) : static_cast<double>(in.i);
    else if (to == oid::kNumeric) out.n = Numeric::FromInt(in.i);
    else if (to == oid::kBool) out.b = in.i != 0;
    else goto io;
  } else if (IsFloat(from)) {
    if (IsInt(to)) out.i = FloatToInt(in.f, to);
    else if (to == oid::kFloat4) {
      float f = static_cast<float>(in.f);
      if (std::isinf(f) && !std::isinf(in.f)) throw PgError(sqlstate::kNumericValueOutOfRange, "value out of range: overflow");
      out.f = f;
    } else if (to == oid::kFloat8) out.f = in.f;
    else if (to == oid::kNumeric) out.n = Numeric::FromDouble(in.f);
    else goto io;
  } else if (from == oid::kNumeric) {
    if (to == oid::kInt2) out.i = in.n.ToInt64(INT16_MIN, INT16_MAX, "smallint");
    else if (to == oid::kInt4) out.i = in.n.ToInt64(INT32_MIN, INT32_MAX, "integer");
    else if (to == oid::kInt8) out.i = in.n.ToInt64(INT64_MIN, INT64_MAX, "bigint");
    else if (IsFloat(to)) {
      // Through float8in/float4in, as PostgreSQL does (their range errors).
      out.f = in.n.is_nan() ? std::nan("") : ParseFloat(in.n.ToString(), to);
      if (to == oid::kFloat4) out.f = static_cast<float>(out.f);
    }
    else if (to == oid::kNumeric) out.n = in.n;
    else goto io;
  } else if (from == oid::kBool && to == oid::kInt4) {
    out.i = in.b ? 1 : 0;
  } else if (from == oid::kBool && IsStringType(to) && st.aux != kCastViaOutput) {
    // bool's cast to text spells the words out; its output function prints t/f.
    out.s = in.b ? "true" : "false";
  } else if (IsDateTime(from) && IsDateTime(to)) {
    int64_t us = from == oid::kDate ? in.i * kUsecPerDay : in.i;
    // Convert between local (timestamp/date) and UTC (timestamptz) time.
    if (from != oid::kTimestamptz && to == oid::kTimestamptz) {
      int off = UtcOffsetAt(ctx.io.timezone, us);
      us -= UtcOffsetAt(ctx.io.timezone, us - off * kUsecPerSec) * kUsecPerSec;
    } else if (from == oid::kTimestamptz && to != oid::kTimestamptz) {
      us += UtcOffsetAt(ctx.io.timezone, us) * kUsecPerSec;
    }
    out.i = to == oid::kDate ? FloorDivDay(us) : us;
  } else if (to == oid::kTime && (from == oid::kTimestamp || from == oid::kTimestamptz || from == oid::kInterval)) {
    if (from != oid::kInterval && (in.i == INT64_MAX || in.i == INT64_MIN)) {
      out.null = true;  // PostgreSQL's timestamp_time: an infinite timestamp has no time of day
      return;
    }
    int64_t us = in.i;
    if (from == oid::kTimestamptz) us += UtcOffsetAt(ctx.io.timezone, us) * kUsecPerSec;
    out.i = TimeOfDay(us);  // an interval's days and months do not count
  } else if (from == oid::kTime && to == oid::kInterval) {
    out.i = in.i;
    out.days = 0;
    out.months = 0;
  } else if (IsStringType(from) && IsStringType(to)) {
    out.s = in.s;
    // character(n) loses its padding when converted to other string types.
    if (from == oid::kBpchar && to != oid::kBpchar) {
      while (!out.s.empty() && out.s.back() == ' ') out.s.pop_back();
    }
    if (to == oid::kName && out.s.size() > 63) out.s.resize(63);
  } else {
    goto io;
  }
  ApplyTypmod(to, st.typmod, out);
  return;
io:
  // I/O conversion: output in the source type, input in the target type.
  std::string text;
  TextOut(from, in, ctx.io, text);
  out = TextIn(to, text, ctx.io, st.typmod);
}

}  // namespace tusk::sql
