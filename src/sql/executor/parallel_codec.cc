// Encoding for parallel query messages and the combination of partial
// aggregate states (see parallel_codec.h).
#include "sql/executor/parallel_codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <memory>
#include <vector>

#include "sql/functions/registry.h"
#include "sql/types/array.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {

void ByteWriter::Bytes(std::string_view v) {
  U32(static_cast<uint32_t>(v.size()));
  Raw(v.data(), v.size());
}

const char* ByteReader::Take(size_t n) {
  if (in_.size() - pos_ < n) throw PgError(sqlstate::kInternalError, "parallel worker message is truncated");
  const char* p = in_.data() + pos_;
  pos_ += n;
  return p;
}

std::string_view ByteReader::Bytes() {
  const uint32_t n = U32();
  return {Take(n), n};
}

uint32_t ByteReader::Count(size_t min_size) {
  const uint32_t n = U32();
  if (n > (in_.size() - pos_) / min_size) {
    throw PgError(sqlstate::kInternalError, "parallel worker message is truncated");
  }
  return n;
}

namespace {

// A Datum's fields beside `null`; only those holding something other than
// their default are written, so an int column costs a flag byte and 8 bytes.
constexpr uint8_t kNullField = 1, kBoolField = 2, kIntField = 4, kIntervalField = 8, kFloatField = 16,
                  kTextField = 32, kNumericField = 64, kArrayField = 128;

// Numeric as its text: exact for every value, display scale and specials
// included. Its binary wire form is not: dscale is 16 bits there, while
// Parse accepts scales up to 100000 ('1e-70000').
void WriteNumeric(ByteWriter& w, const Numeric& n) { w.Bytes(n.ToString()); }
Numeric ReadNumeric(ByteReader& r) { return Numeric::Parse(r.Bytes()); }

bool IsDefault(const Numeric& n) { return n.is_zero() && n.scale() == 0; }

[[noreturn]] void ThrowNotCombinable() {
  throw PgError(sqlstate::kInternalError, "aggregate state cannot be passed between parallel processes");
}

// agg_state.cc's bound on the fast numeric sum's units (10^37): a combined
// sum stays within it, so later AggAccumulate calls may keep adding.
constexpr __int128 NumericUnitsLimit() {
  __int128 l = 1;
  for (int k = 0; k < 37; ++k) l *= 10;
  return l;
}

// units * 10^(to - from), false on overflow.
bool Rescale(__int128* units, int from, int to) {
  for (int k = from; k < to; ++k) {
    if (__builtin_mul_overflow(*units, 10, units)) return false;
  }
  return true;
}

Numeric NumericSum(const AggState& s) { return s.nfast ? Numeric::FromScaledInt128(s.nunits, s.nscale) : s.nsum; }

// The sum of both parts' numeric inputs: in units while the total fits, as
// a Numeric otherwise. Either way the value and the scale (the largest
// input scale) are those of a serial sum, whose mode never shows in AggFinal.
void CombineNumericSum(AggState& into, const AggState& from) {
  if (into.nfast && from.nfast) {
    const int scale = std::max(into.nscale, from.nscale);
    __int128 a = into.nunits, b = from.nunits, sum;
    constexpr __int128 kLimit = NumericUnitsLimit();
    if (Rescale(&a, into.nscale, scale) && Rescale(&b, from.nscale, scale) && !__builtin_add_overflow(a, b, &sum) &&
        sum < kLimit && sum > -kLimit) {
      into.nunits = sum;
      into.nscale = scale;
      return;
    }
  }
  into.nsum = NumericSum(into).Add(NumericSum(from));
  into.nfast = false;
}

// PostgreSQL's float8_combine: Chan et al.'s pairwise update of the
// Youngs-Cramer Sxx. Both parts are non-empty.
void CombineFloatVariance(AggState& into, const AggState& from) {
  const double n1 = static_cast<double>(into.count), n2 = static_cast<double>(from.count);
  // A part that saw NaN or infinity has Sxx NaN already (AggAccumulate);
  // the result is NaN then, whatever the sums do.
  const bool nan = std::isnan(into.fsxx) || std::isnan(from.fsxx);
  const double tmp = into.fsum / n1 - from.fsum / n2;
  const double sum = into.fsum + from.fsum;
  const double sxx = into.fsxx + from.fsxx + n1 * n2 * tmp * tmp / (n1 + n2);
  if (nan) {
    into.fsum = sum;
    into.fsxx = std::nan("");
    return;
  }
  // Finite inputs overflowing: the error a serial accumulation raises.
  if (std::isinf(sum) || std::isinf(sxx)) {
    throw PgError(sqlstate::kNumericValueOutOfRange, "value out of range: overflow");
  }
  into.fsum = sum;
  into.fsxx = sxx;
}

}  // namespace

void WriteDatum(ByteWriter& w, const Datum& d) {
  const bool num = !IsDefault(d.n);
  const uint8_t fields = (d.null ? kNullField : 0) | (d.b ? kBoolField : 0) | (d.i ? kIntField : 0) |
                         (d.days || d.months ? kIntervalField : 0) |
                         (std::bit_cast<uint64_t>(d.f) ? kFloatField : 0) | (d.s.empty() ? 0 : kTextField) |
                         (num ? kNumericField : 0) | (d.arr ? kArrayField : 0);
  w.U8(fields);
  if (fields & kIntField) w.I64(d.i);
  if (fields & kIntervalField) {
    w.I32(d.days);
    w.I32(d.months);
  }
  if (fields & kFloatField) w.F64(d.f);
  if (fields & kTextField) w.Bytes(d.s);
  if (num) WriteNumeric(w, d.n);
  if (d.arr) {
    w.U32(d.arr->elem_type);
    w.I32(d.arr->lbound);
    w.U32(static_cast<uint32_t>(d.arr->elems.size()));
    for (const Datum& e : d.arr->elems) WriteDatum(w, e);
  }
}

Datum ReadDatum(ByteReader& r) {
  Datum d;
  const uint8_t fields = r.U8();
  d.null = fields & kNullField;
  d.b = fields & kBoolField;
  if (fields & kIntField) d.i = r.I64();
  if (fields & kIntervalField) {
    d.days = r.I32();
    d.months = r.I32();
  }
  if (fields & kFloatField) d.f = r.F64();
  if (fields & kTextField) d.s = r.Bytes();
  if (fields & kNumericField) d.n = ReadNumeric(r);
  if (fields & kArrayField) {
    auto a = std::make_shared<ArrayValue>();
    a->elem_type = r.U32();
    a->lbound = r.I32();
    a->elems.resize(r.Count());  // each element is at least its flag byte
    for (Datum& e : a->elems) e = ReadDatum(r);
    d.arr = std::move(a);
  }
  return d;
}

void WriteProgram(ByteWriter& w, const ExprProgram& p) {
  if (!p.subplans.empty()) {
    throw PgError(sqlstate::kInternalError, "an expression with a subquery cannot be sent to a parallel worker");
  }
  w.U32(static_cast<uint32_t>(p.steps.size()));
  for (const Step& st : p.steps) {
    w.U8(static_cast<uint8_t>(st.op));
    w.U8(st.strict);
    w.I32(st.out);
    w.I32(st.target);
    w.I32(st.aux);
    // Valid in every process: all are forks of one postmaster binary.
    w.U64(reinterpret_cast<uintptr_t>(st.fn));
    w.U32(st.type_a);
    w.U32(st.type_b);
    w.I32(st.typmod);
    w.U32(static_cast<uint32_t>(st.args.size()));
    for (int a : st.args) w.I32(a);
  }
  w.U32(static_cast<uint32_t>(p.regs.size()));
  for (const Datum& d : p.regs) WriteDatum(w, d);
  w.U32(static_cast<uint32_t>(p.param_regs.size()));
  for (int reg : p.param_regs) w.I32(reg);
  w.I32(p.result);
  w.U32(p.type);
}

ExprProgram ReadProgram(ByteReader& r) {
  ExprProgram p;
  p.steps.resize(r.Count());
  for (Step& st : p.steps) {
    const uint8_t op = r.U8();
    // Eval's switch has no default: an unknown op would loop forever.
    if (op > static_cast<uint8_t>(OpCode::kArrayAnyAll)) {
      throw PgError(sqlstate::kInternalError, "invalid step in parallel worker message");
    }
    st.op = static_cast<OpCode>(op);
    st.strict = r.U8() != 0;
    st.out = r.I32();
    st.target = r.I32();
    st.aux = r.I32();
    st.fn = reinterpret_cast<FnImpl>(static_cast<uintptr_t>(r.U64()));
    st.type_a = r.U32();
    st.type_b = r.U32();
    st.typmod = r.I32();
    std::vector<int> args(r.Count(sizeof(int32_t)));
    for (int& a : args) a = r.I32();
    st.args = args;
  }
  p.regs.resize(r.Count());
  for (Datum& d : p.regs) d = ReadDatum(r);
  p.param_regs.resize(r.Count(sizeof(int32_t)));
  for (int& reg : p.param_regs) reg = r.I32();
  p.result = r.I32();
  p.type = r.U32();
  return p;
}

bool AggCanCombine(const AggSpec& a) {
  if (!a.def || a.distinct || !a.order_types.empty()) return false;
  switch (a.def->kind) {
    case AggKind::kCountStar:
    case AggKind::kCount:
    case AggKind::kSum:
    case AggKind::kAvg:
    case AggKind::kMin:
    case AggKind::kMax:
    case AggKind::kBoolAnd:
    case AggKind::kBoolOr:
    case AggKind::kVarSamp:
    case AggKind::kVarPop:
    case AggKind::kStddevSamp:
    case AggKind::kStddevPop: return true;
    case AggKind::kStringAgg:
    case AggKind::kArrayAgg: return false;
  }
  return false;
}

// Every field the combinable aggregates use, whatever the kind: one state
// per group is small next to the rows it stands for.
void WriteAggState(ByteWriter& w, const AggSpec& a, const AggState& s) {
  if (!AggCanCombine(a)) ThrowNotCombinable();
  w.I64(s.count);
  w.I128(s.isum);
  w.U8(s.nfast);
  w.I128(s.nunits);
  w.I32(s.nscale);
  WriteNumeric(w, s.nsum);
  w.F64(s.fsum);
  WriteNumeric(w, s.nsum2);
  w.F64(s.fsxx);
  w.U8(s.special);
  WriteDatum(w, s.best);
  w.I32(s.max_scale);
  w.I64(s.max_scale_count);
}

AggState ReadAggState(ByteReader& r, const AggSpec& a) {
  if (!AggCanCombine(a)) ThrowNotCombinable();
  AggState s;
  s.count = r.I64();
  s.isum = r.I128();
  s.nfast = r.U8() != 0;
  s.nunits = r.I128();
  s.nscale = r.I32();
  s.nsum = ReadNumeric(r);
  s.fsum = r.F64();
  s.nsum2 = ReadNumeric(r);
  s.fsxx = r.F64();
  s.special = r.U8() != 0;
  s.best = ReadDatum(r);
  s.max_scale = r.I32();
  s.max_scale_count = r.I64();
  return s;
}

void CombineAggState(const AggSpec& a, AggState& into, const AggState& from, ExecContext& ctx) {
  (void)ctx;  // no combinable aggregate needs the session yet; AggAccumulate's takes it too
  if (!AggCanCombine(a)) ThrowNotCombinable();
  if (from.count == 0) return;  // a part without (non-null) inputs changes nothing
  if (into.count == 0) {        // nor does an empty state: it becomes the other part
    into = from;
    return;
  }
  const bool floats = a.arg_type == oid::kFloat4 || a.arg_type == oid::kFloat8;
  switch (a.def->kind) {
    case AggKind::kCountStar:
    case AggKind::kCount: break;
    case AggKind::kSum:
    case AggKind::kAvg:
      if (a.arg_type == oid::kInterval) {
        if (__builtin_add_overflow(into.best.months, from.best.months, &into.best.months) ||
            __builtin_add_overflow(into.best.days, from.best.days, &into.best.days) ||
            __builtin_add_overflow(into.best.i, from.best.i, &into.best.i)) {
          throw PgError(sqlstate::kDatetimeFieldOverflow, "interval out of range");
        }
      } else if (floats) {
        into.fsum += from.fsum;
      } else if (a.arg_type == oid::kNumeric) {
        CombineNumericSum(into, from);
        // The largest input scale and how many inputs have it (AggRemove's
        // bookkeeping; kept right for a leader that goes on accumulating).
        if (from.max_scale > into.max_scale) {
          into.max_scale = from.max_scale;
          into.max_scale_count = from.max_scale_count;
        } else if (from.max_scale == into.max_scale) {
          into.max_scale_count += from.max_scale_count;
        }
      } else {
        into.isum += from.isum;
      }
      break;
    case AggKind::kMin:
    case AggKind::kMax: {
      // Strictly better only, as AggAccumulate: of equal values (1.5 and
      // 1.50) the earlier input stays.
      const int c = CompareDatum(a.arg_type, from.best, into.best);
      if (a.def->kind == AggKind::kMin ? c < 0 : c > 0) into.best = from.best;
      break;
    }
    case AggKind::kBoolAnd: into.best.b = into.best.b && from.best.b; break;
    case AggKind::kBoolOr: into.best.b = into.best.b || from.best.b; break;
    case AggKind::kVarSamp:
    case AggKind::kVarPop:
    case AggKind::kStddevSamp:
    case AggKind::kStddevPop:
      if (floats) {
        CombineFloatVariance(into, from);  // reads both counts: before they are added
      } else {
        // Exact sums of the finite inputs; NaN or infinity anywhere makes the result NaN.
        into.special = into.special || from.special;
        into.nsum = into.nsum.Add(from.nsum);
        into.nsum2 = into.nsum2.Add(from.nsum2);
      }
      break;
    case AggKind::kStringAgg:
    case AggKind::kArrayAgg: break;  // not combinable: refused above
  }
  into.count += from.count;
}

}  // namespace tusk::sql
