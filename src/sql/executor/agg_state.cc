// Aggregate transition states and final values, shared by the Aggregate
// node and window aggregates (see agg_state.h).
#include "sql/executor/agg_state.h"

#include <algorithm>
#include <cmath>

#include "sql/functions/registry.h"
#include "sql/types/array.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

[[noreturn]] void ThrowFloatOverflow() {
  throw PgError(sqlstate::kNumericValueOutOfRange, "value out of range: overflow");
}

// PostgreSQL's numeric_stddev_internal / float8_var_* finals.
Datum Statistics(const AggSpec& a, const AggState& s) {
  bool sample = a.def->kind == AggKind::kVarSamp || a.def->kind == AggKind::kStddevSamp;
  bool stddev = a.def->kind == AggKind::kStddevSamp || a.def->kind == AggKind::kStddevPop;
  if (s.count == 0 || (sample && s.count <= 1)) return Datum::Null();
  if (a.result_type == oid::kFloat8) {
    double v = s.fsxx / (sample ? static_cast<double>(s.count) - 1 : static_cast<double>(s.count));
    return Datum::Float(stddev ? std::sqrt(v) : v);
  }
  if (s.special) return Datum::Num(Numeric::NaN());
  Numeric n = Numeric::FromInt(s.count);
  // N * sum(x^2) - sum(x)^2 over N * (N - 1) (or N * N), exactly, then
  // divided at the usual division scale.
  Numeric num = n.Mul(s.nsum2).Sub(s.nsum.Mul(s.nsum));
  if (num.Compare(Numeric::FromInt(0)) <= 0) return Datum::Num(Numeric::FromInt(0));
  Numeric den = sample ? n.Mul(Numeric::FromInt(s.count - 1)) : n.Mul(n);
  Numeric var = num.Div(den);
  return Datum::Num(stddev ? var.Sqrt(var.scale()) : var);
}

// PostgreSQL's interval_div: fractional months become days (30 each) and
// fractional days seconds, rounded to microseconds.
Datum IntervalDiv(const Datum& span, double factor) {
  auto ts_round = [](double j) { return std::rint(j * 1000000.0) / 1000000.0; };
  Datum r;
  r.null = false;
  r.months = static_cast<int32_t>(span.months / factor);
  r.days = static_cast<int32_t>(span.days / factor);
  double month_remainder_days = ts_round((span.months / factor - r.months) * 30);
  double sec_remainder =
      ts_round((span.days / factor - r.days + month_remainder_days - static_cast<int>(month_remainder_days)) * 86400);
  if (std::fabs(sec_remainder) >= 86400) {
    r.days += static_cast<int>(sec_remainder / 86400);
    sec_remainder -= static_cast<int>(sec_remainder / 86400) * 86400.0;
  }
  r.days += static_cast<int32_t>(month_remainder_days);
  r.i = static_cast<int64_t>(std::rint(static_cast<double>(span.i) / factor + sec_remainder * 1000000.0));
  return r;
}

Numeric FromI128(__int128 v) {
  bool neg = v < 0;
  unsigned __int128 m = neg ? -static_cast<unsigned __int128>(v) : v;
  std::string d;
  do {
    d.insert(d.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  } while (m);
  return Numeric::Parse((neg ? "-" : "") + d);
}

constexpr __int128 NumericUnitsLimit() {
  __int128 l = 1;
  for (int k = 0; k < 37; ++k) l *= 10;
  return l;
}

// The numeric sum leaves the fast form for decimal arithmetic for good.
void NumericSumToDecimal(AggState& s) {
  if (!s.nfast) return;
  s.nsum = Numeric::FromScaledInt128(s.nunits, s.nscale);
  s.nfast = false;
}

void AddNumeric(AggState& s, const Numeric& x) {
  if (s.nfast) {
    const int scale = std::max(s.nscale, x.scale());
    __int128 units, sum = s.nunits;
    bool fits = x.ToScaledInt128(scale, &units);
    for (int k = s.nscale; fits && k < scale; ++k) fits = !__builtin_mul_overflow(sum, 10, &sum);
    constexpr __int128 kLimit = NumericUnitsLimit();
    if (fits && !__builtin_add_overflow(sum, units, &sum) && sum < kLimit && sum > -kLimit) {
      s.nunits = sum;
      s.nscale = scale;
      return;
    }
    NumericSumToDecimal(s);
  }
  s.nsum = s.nsum.Add(x);
}

// Takes x (no wider than the sum's scale) out of the sum again.
void SubNumeric(AggState& s, const Numeric& x) {
  if (s.nfast) {
    __int128 units, sum;
    constexpr __int128 kLimit = NumericUnitsLimit();
    if (x.ToScaledInt128(s.nscale, &units) && !__builtin_sub_overflow(s.nunits, units, &sum) && sum < kLimit &&
        sum > -kLimit) {
      s.nunits = sum;
      return;
    }
    NumericSumToDecimal(s);
  }
  s.nsum = s.nsum.Sub(x);
}

Numeric NumericSum(const AggState& s) { return s.nfast ? Numeric::FromScaledInt128(s.nunits, s.nscale) : s.nsum; }

}  // namespace

void AggAccumulate(const AggSpec& a, AggState& s, const Datum& v, const Datum& v2, ExecContext& ctx) {
  if (a.def->kind == AggKind::kCountStar) {
    ++s.count;
    return;
  }
  if (v.null && a.def->kind != AggKind::kArrayAgg) return;  // array_agg keeps NULLs
  if (a.distinct) {
    std::string k;
    AppendKey(a.arg_type, v, ctx.io, k);
    if (a.def->arg2) AppendKey(a.arg2_type, v2, ctx.io, k);
    if (!s.seen.insert(k).second) return;
  }
  ++s.count;
  switch (a.def->kind) {
    case AggKind::kSum:
    case AggKind::kAvg:
      if (a.arg_type == oid::kInterval) {
        if (s.count == 1) {
          s.best = v;
        } else if (__builtin_add_overflow(s.best.months, v.months, &s.best.months) ||
                   __builtin_add_overflow(s.best.days, v.days, &s.best.days) ||
                   __builtin_add_overflow(s.best.i, v.i, &s.best.i)) {
          throw PgError("22008", "interval out of range");
        }
      } else if (a.arg_type == oid::kFloat4 || a.arg_type == oid::kFloat8) {
        s.fsum += v.f;
      } else if (a.arg_type == oid::kNumeric) {
        AddNumeric(s, v.n);
        if (s.count == 1 || v.n.scale() > s.max_scale) {
          s.max_scale = v.n.scale();
          s.max_scale_count = 1;
        } else if (v.n.scale() == s.max_scale) {
          ++s.max_scale_count;
        }
      } else {
        s.isum += v.i;
      }
      break;
    case AggKind::kMin:
    case AggKind::kMax: {
      if (s.count == 1) {
        s.best = v;
      } else {
        int c = CompareDatum(a.arg_type, v, s.best);
        if (a.def->kind == AggKind::kMin ? c < 0 : c > 0) s.best = v;
      }
      break;
    }
    case AggKind::kBoolAnd: s.best = Datum::Bool(s.count == 1 ? v.b : s.best.b && v.b); break;
    case AggKind::kBoolOr: s.best = Datum::Bool(s.count == 1 ? v.b : s.best.b || v.b); break;
    case AggKind::kStringAgg:
      if (s.count > 1 && !v2.null) s.text += v2.s;
      s.text += v.s;
      break;
    case AggKind::kArrayAgg: s.items.push_back(v); break;
    case AggKind::kVarSamp:
    case AggKind::kVarPop:
    case AggKind::kStddevSamp:
    case AggKind::kStddevPop:
      if (a.arg_type == oid::kFloat4 || a.arg_type == oid::kFloat8) {
        // PostgreSQL's float8_accum (Youngs-Cramer).
        double n = static_cast<double>(s.count);
        double old_sum = s.fsum;
        s.fsum += v.f;
        if (n > 1) {
          double tmp = v.f * n - s.fsum;
          s.fsxx += tmp * tmp / (n * (n - 1));
          // Finite inputs overflowing is an error; infinities make Sxx NaN.
          if (std::isinf(s.fsum) || std::isinf(s.fsxx)) {
            if (!std::isinf(old_sum) && !std::isinf(v.f)) ThrowFloatOverflow();
            s.fsxx = std::nan("");
          }
        } else if (std::isnan(v.f) || std::isinf(v.f)) {
          s.fsxx = std::nan("");
        }
      } else {
        Numeric x = a.arg_type == oid::kNumeric ? v.n : Numeric::FromInt(v.i);
        if (x.is_special()) {
          s.special = true;
        } else {
          s.nsum = s.nsum.Add(x);
          s.nsum2 = s.nsum2.Add(x.Mul(x));
        }
      }
      break;
    default: break;
  }
}

bool AggRemove(const AggSpec& a, AggState& s, const Datum& v) {
  if (a.distinct) return false;
  switch (a.def->kind) {
    case AggKind::kCountStar: --s.count; return true;
    case AggKind::kCount:
      if (!v.null) --s.count;
      return true;
    case AggKind::kSum:
    case AggKind::kAvg:
      if (v.null) return true;
      if (a.arg_type == oid::kFloat4 || a.arg_type == oid::kFloat8) return false;  // rounding
      if (a.arg_type == oid::kInterval) {
        if (__builtin_sub_overflow(s.best.months, v.months, &s.best.months) ||
            __builtin_sub_overflow(s.best.days, v.days, &s.best.days) ||
            __builtin_sub_overflow(s.best.i, v.i, &s.best.i)) {
          return false;
        }
      } else if (a.arg_type == oid::kNumeric) {
        // The sum's scale is the largest input scale: it stays right only
        // while another input with that scale remains.
        if (v.n.is_special() || (!s.nfast && s.nsum.is_special())) return false;
        if (v.n.scale() == s.max_scale) {
          if (s.max_scale_count <= 1 && s.max_scale > 0) return false;
          --s.max_scale_count;
        }
        SubNumeric(s, v.n);
      } else {
        s.isum -= v.i;
      }
      --s.count;
      return true;
    default: return false;
  }
}

Datum AggFinal(const AggSpec& a, const AggState& s) {
  switch (a.def->kind) {
    case AggKind::kCountStar:
    case AggKind::kCount: return Datum::Int(s.count);
    case AggKind::kMin:
    case AggKind::kMax:
    case AggKind::kBoolAnd:
    case AggKind::kBoolOr: return s.count ? s.best : Datum::Null();
    case AggKind::kStringAgg: return s.count ? Datum::Text(s.text) : Datum::Null();
    case AggKind::kArrayAgg: return s.count ? MakeArray(ElementTypeOf(a.result_type), s.items) : Datum::Null();
    case AggKind::kSum:
      if (!s.count) return Datum::Null();
      if (a.result_type == oid::kInterval) return s.best;
      if (a.result_type == oid::kFloat4 || a.result_type == oid::kFloat8) return Datum::Float(s.fsum);
      if (a.result_type == oid::kNumeric) return Datum::Num(a.arg_type == oid::kNumeric ? NumericSum(s) : FromI128(s.isum));
      if (s.isum > INT64_MAX || s.isum < INT64_MIN) ThrowIntOutOfRange(oid::kInt8);
      return Datum::Int(static_cast<int64_t>(s.isum));
    case AggKind::kVarSamp:
    case AggKind::kVarPop:
    case AggKind::kStddevSamp:
    case AggKind::kStddevPop:
      return Statistics(a, s);
    case AggKind::kAvg: {
      if (!s.count) return Datum::Null();
      if (a.result_type == oid::kInterval) return IntervalDiv(s.best, static_cast<double>(s.count));
      if (a.result_type == oid::kFloat8) return Datum::Float(s.fsum / static_cast<double>(s.count));
      Numeric sum = a.arg_type == oid::kNumeric ? NumericSum(s) : FromI128(s.isum);
      return Datum::Num(sum.Div(Numeric::FromInt(s.count)));
    }
  }
  return Datum::Null();
}

}  // namespace tusk::sql
