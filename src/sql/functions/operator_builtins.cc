// Builtin operators: arithmetic and comparison for each numeric type (with
// PostgreSQL's overflow and division errors), text comparison, concatenation,
// LIKE/ILIKE, boolean comparison and basic date/time arithmetic.
#include <cmath>
#include <cstdint>
#include <vector>

#include "sql/functions/registry.h"
#include "sql/functions/text_locale.h"
#include "sql/types/datetime.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

enum Arith { kAdd, kSub, kMul, kDiv, kMod, kNeg, kPos, kPow };
enum Cmp { kEq, kNe, kLt, kLe, kGt, kGe };

void IntArith(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  uint32_t t = st.type_a;
  int64_t lo = t == oid::kInt2 ? INT16_MIN : t == oid::kInt4 ? INT32_MIN : INT64_MIN;
  int64_t hi = t == oid::kInt2 ? INT16_MAX : t == oid::kInt4 ? INT32_MAX : INT64_MAX;
  int64_t x = a[0]->i, r = 0;
  bool ovf = false;
  switch (st.aux) {
    case kAdd: ovf = __builtin_add_overflow(x, a[1]->i, &r); break;
    case kSub: ovf = __builtin_sub_overflow(x, a[1]->i, &r); break;
    case kMul: ovf = __builtin_mul_overflow(x, a[1]->i, &r); break;
    case kDiv:
      if (a[1]->i == 0) ThrowDivisionByZero();
      if (a[1]->i == -1) {
        ovf = __builtin_sub_overflow(int64_t{0}, x, &r);
      } else {
        r = x / a[1]->i;
      }
      break;
    case kMod:
      if (a[1]->i == 0) ThrowDivisionByZero();
      r = a[1]->i == -1 ? 0 : x % a[1]->i;
      break;
    case kNeg: ovf = __builtin_sub_overflow(int64_t{0}, x, &r); break;
    case kPos: r = x; break;
  }
  if (ovf || r < lo || r > hi) ThrowIntOutOfRange(t);
  out.i = r;
}

void FloatArith(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  double x = a[0]->f, r = 0;
  double y = st.aux == kNeg || st.aux == kPos ? 0 : a[1]->f;
  switch (st.aux) {
    case kAdd: r = x + y; break;
    case kSub: r = x - y; break;
    case kMul: r = x * y; break;
    case kDiv:
      if (y == 0 && !std::isnan(x)) ThrowDivisionByZero();  // NaN / 0 is NaN
      r = x / y;
      break;
    case kNeg: r = -x; break;
    case kPos: r = x; break;
    case kPow:
      if (x == 0 && y < 0) {
        throw PgError("2201F", "zero raised to a negative power is undefined");
      }
      if (x < 0 && std::floor(y) != y) {
        throw PgError("2201F", "a negative number raised to a non-integer power yields a complex result");
      }
      r = std::pow(x, y);
      break;
  }
  bool is_float4 = st.type_a == oid::kFloat4 && st.type_b != oid::kFloat8;
  if (is_float4) r = static_cast<float>(r);
  if (std::isinf(r) && !std::isinf(x) && !std::isinf(y)) {
    throw PgError(sqlstate::kNumericValueOutOfRange, "value out of range: overflow");
  }
  if (r == 0 && x != 0 && (st.aux == kMul || st.aux == kDiv || st.aux == kPow) && y != 0 && !std::isinf(y)) {
    throw PgError(sqlstate::kNumericValueOutOfRange, "value out of range: underflow");
  }
  out.f = r;
}

void NumericArith(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  switch (st.aux) {
    case kAdd: out.n = a[0]->n.Add(a[1]->n); break;
    case kSub: out.n = a[0]->n.Sub(a[1]->n); break;
    case kMul: out.n = a[0]->n.Mul(a[1]->n); break;
    case kDiv: out.n = a[0]->n.Div(a[1]->n); break;
    case kMod: out.n = a[0]->n.Mod(a[1]->n); break;
    case kNeg: out.n = a[0]->n.Neg(); break;
    case kPos: out.n = a[0]->n; break;
    case kPow: out.n = a[0]->n.Pow(a[1]->n); break;
  }
}

// Integer bit operators: & | # (xor), prefix ~, << and >> (shift count int4).
enum BitOp { kAnd, kOr, kXor, kNot, kShl, kShr };

void IntBits(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  uint32_t t = st.type_a;
  int64_t x = a[0]->i;
  int bits = t == oid::kInt2 ? 16 : t == oid::kInt4 ? 32 : 64;
  int64_t r = 0;
  switch (st.aux) {
    case kAnd: r = x & a[1]->i; break;
    case kOr: r = x | a[1]->i; break;
    case kXor: r = x ^ a[1]->i; break;
    case kNot: r = ~x; break;
    case kShl:
    case kShr: {
      // Shift in the type's width; C's shifts by >= width are undefined, the
      // hardware (and so PostgreSQL on x86-64) masks the count.
      int64_t n = a[1]->i & (bits == 64 ? 63 : 31);
      if (st.aux == kShl) {
        uint64_t u = static_cast<uint64_t>(x) << n;
        r = bits == 16 ? static_cast<int16_t>(u) : bits == 32 ? static_cast<int32_t>(u) : static_cast<int64_t>(u);
      } else {
        r = n >= bits ? (x < 0 ? -1 : 0) : x >> n;
      }
      break;
    }
  }
  out.i = r;
}

// Prefix @ (absolute value) for every numeric type.
void AbsOp(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  uint32_t t = st.type_a;
  if (t == oid::kNumeric) {
    out.n = a[0]->n.Abs();
  } else if (t == oid::kFloat4 || t == oid::kFloat8) {
    out.f = std::fabs(a[0]->f);
  } else {
    int64_t lo = t == oid::kInt2 ? INT16_MIN : t == oid::kInt4 ? INT32_MIN : INT64_MIN;
    if (a[0]->i == lo) ThrowIntOutOfRange(t);
    out.i = a[0]->i < 0 ? -a[0]->i : a[0]->i;
  }
}

// Prefix |/ (square root) and ||/ (cube root) of float8.
void RootOp(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  double x = a[0]->f;
  if (st.aux == 0) {
    if (x < 0) throw PgError("2201F", "cannot take square root of a negative number");
    out.f = std::sqrt(x);
  } else {
    out.f = std::cbrt(x);
  }
}

void Compare(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  int c = CompareDatum(st.type_a, *a[0], *a[1]);
  switch (st.aux) {
    case kEq: out.b = c == 0; break;
    case kNe: out.b = c != 0; break;
    case kLt: out.b = c < 0; break;
    case kLe: out.b = c <= 0; break;
    case kGt: out.b = c > 0; break;
    case kGe: out.b = c >= 0; break;
  }
}

// float4 vs float8 comparisons widen the float4 side (already a double).
void CompareFloat(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  Step s = st;
  s.type_a = oid::kFloat8;
  Compare(s, a, out, ctx);
}

void TextConcat(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  out.s.assign(a[0]->s);
  out.s.append(a[1]->s);
}

// A LIKE pattern element: a literal character, _ (one character), % (any
// run), or a trailing escape character (an error once matching reaches it).
struct LikeToken {
  enum Kind : uint8_t { kChar, kOne, kAny, kBadEscape } kind;
  uint32_t cp = 0;
};

std::vector<LikeToken> LikeTokens(const std::vector<uint32_t>& p, bool has_esc, uint32_t esc, bool fold) {
  std::vector<LikeToken> out;
  for (size_t i = 0; i < p.size(); ++i) {
    if (has_esc && p[i] == esc) {
      if (i + 1 == p.size()) {
        out.push_back({LikeToken::kBadEscape});
      } else {
        ++i;
        out.push_back({LikeToken::kChar, fold ? ToLowerCp(p[i]) : p[i]});
      }
    } else if (p[i] == '%') {
      out.push_back({LikeToken::kAny});
    } else if (p[i] == '_') {
      out.push_back({LikeToken::kOne});
    } else {
      out.push_back({LikeToken::kChar, fold ? ToLowerCp(p[i]) : p[i]});
    }
  }
  return out;
}

// SQL LIKE over code points, backtracking to the last %. ILIKE lower-cases
// both sides (PostgreSQL's behaviour in a UTF8 database).
bool LikeMatch(const std::vector<uint32_t>& s, const std::vector<LikeToken>& p) {
  size_t si = 0, pi = 0, star_p = SIZE_MAX, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi].kind == LikeToken::kAny) {
      star_p = ++pi;
      star_s = si;
      continue;
    }
    if (pi < p.size()) {
      if (p[pi].kind == LikeToken::kBadEscape) {
        throw PgError("22025", "LIKE pattern must not end with escape character");
      }
      if (p[pi].kind == LikeToken::kOne || p[pi].cp == s[si]) {
        ++si;
        ++pi;
        continue;
      }
    }
    if (star_p == SIZE_MAX) return false;
    pi = star_p;
    si = ++star_s;
  }
  while (pi < p.size() && p[pi].kind == LikeToken::kAny) ++pi;
  return pi == p.size();
}

// aux bit 0: ILIKE, bit 1: NOT.
void Like(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  bool has_esc = true;
  uint32_t esc = '\\';
  if (st.args.size() == 3) {
    std::vector<uint32_t> e = DecodeUtf8(a[2]->s);
    if (e.size() > 1) throw PgError("22025", "invalid escape string").Hint("Escape string must be empty or one character.");
    has_esc = !e.empty();
    if (has_esc) esc = e[0];
  }
  bool fold = (st.aux & 1) != 0;
  std::vector<uint32_t> text = DecodeUtf8(fold ? Utf8Lower(a[0]->s) : a[0]->s);
  bool m = LikeMatch(text, LikeTokens(DecodeUtf8(a[1]->s), has_esc, esc, fold));
  out.b = (st.aux & 2) ? !m : m;
}

// timestamp(tz) +/- interval; months and days are applied on the calendar.
void TsInterval(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  const Datum& ts = *a[0];
  const Datum& iv = *a[1];
  int sign = st.aux == kSub ? -1 : 1;
  int64_t t = ts.i;
  if (iv.months || iv.days) {
    // Work in local time for timestamptz so "1 day" keeps the wall clock.
    int off = st.type_a == oid::kTimestamptz ? UtcOffsetAt(ctx.io.timezone, t) : 0;
    int64_t local = t + off * kUsecPerSec;
    std::string s = FormatTimestamp(local);
    int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2)), d = std::stoi(s.substr(8, 2));
    int64_t tod = ((local % kUsecPerDay) + kUsecPerDay) % kUsecPerDay;
    int total = y * 12 + (m - 1) + sign * iv.months;
    y = total / 12;
    m = total % 12 + 1;
    static const int kDim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int dim = kDim[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    if (d > dim) d = dim;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    local = ParseDate(buf) * kUsecPerDay + tod + sign * static_cast<int64_t>(iv.days) * kUsecPerDay;
    t = st.type_a == oid::kTimestamptz ? local - UtcOffsetAt(ctx.io.timezone, local - off * kUsecPerSec) * kUsecPerSec
                                        : local;
  }
  out.i = t + sign * iv.i;
}

void TsMinus(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  int64_t diff = a[0]->i - a[1]->i;
  out.months = 0;
  out.days = static_cast<int32_t>(diff / kUsecPerDay);
  out.i = diff % kUsecPerDay;
}

void IntervalArith(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  int sign = st.aux == kSub ? -1 : 1;
  if (st.aux == kNeg) {
    out.months = -a[0]->months;
    out.days = -a[0]->days;
    out.i = -a[0]->i;
    return;
  }
  out.months = a[0]->months + sign * a[1]->months;
  out.days = a[0]->days + sign * a[1]->days;
  out.i = a[0]->i + sign * a[1]->i;
}

// PostgreSQL's interval_mul and interval_div: each field is scaled, and the
// fractions of months and days cascade down as 30-day months and 86400-second
// days, rounded to microseconds.
constexpr double kDaysPerMonth = 30, kSecsPerDay = 86400;

double TsRound(double x) { return std::rint(x * 1e6) / 1e6; }

int32_t IntervalField(double v) {
  if (std::isnan(v) || v > INT32_MAX || v < INT32_MIN)
    throw PgError(sqlstate::kDatetimeFieldOverflow, "interval out of range");
  return static_cast<int32_t>(v);
}

void ScaleInterval(const Datum& span, double factor, bool divide, Datum& out) {
  if (divide && factor == 0) ThrowDivisionByZero();
  auto scaled = [&](double v) { return divide ? v / factor : v * factor; };
  const double months = scaled(span.months), days = scaled(span.days);
  out.months = IntervalField(months);
  out.days = IntervalField(days);
  double month_remainder_days = TsRound((months - out.months) * kDaysPerMonth);
  double sec_remainder =
      TsRound((days - out.days + month_remainder_days - static_cast<int>(month_remainder_days)) * kSecsPerDay);
  if (std::fabs(sec_remainder) >= kSecsPerDay) {
    out.days += static_cast<int>(sec_remainder / kSecsPerDay);
    sec_remainder -= static_cast<int>(sec_remainder / kSecsPerDay) * kSecsPerDay;
  }
  out.days += static_cast<int32_t>(month_remainder_days);
  const double usecs = std::rint(scaled(static_cast<double>(span.i)) + sec_remainder * 1e6);
  if (std::isnan(usecs) || usecs >= 9223372036854775808.0 || usecs < -9223372036854775808.0)
    throw PgError(sqlstate::kDatetimeFieldOverflow, "interval out of range");
  out.i = static_cast<int64_t>(usecs);
}

void IntervalScale(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  if (st.type_a == oid::kInterval) ScaleInterval(*a[0], a[1]->f, st.aux == kDiv, out);
  else ScaleInterval(*a[1], a[0]->f, false, out);
}

void DateInt(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  out.i = st.aux == kSub ? a[0]->i - a[1]->i : a[0]->i + a[1]->i;
}

}  // namespace

void AddOperatorBuiltins(std::vector<OperDef>& ops, std::vector<FuncDef>&) {
  static const char* kArithNames[] = {"+", "-", "*", "/", "%"};
  static const char* kCmpNames[] = {"=", "<>", "<", "<=", ">", ">="};
  for (uint32_t t : {oid::kInt2, oid::kInt4, oid::kInt8}) {
    for (int i = 0; i < 5; ++i) ops.push_back({kArithNames[i], t, t, t, IntArith, i});
    ops.push_back({"-", 0, t, t, IntArith, kNeg});
    ops.push_back({"+", 0, t, t, IntArith, kPos});
  }
  for (uint32_t t : {oid::kFloat4, oid::kFloat8}) {
    for (int i = 0; i < 4; ++i) ops.push_back({kArithNames[i], t, t, t, FloatArith, i});
    ops.push_back({"-", 0, t, t, FloatArith, kNeg});
    ops.push_back({"+", 0, t, t, FloatArith, kPos});
  }
  // Mixed float4/float8 arithmetic yields float8 (PostgreSQL's float48 ops).
  for (int i = 0; i < 4; ++i) {
    ops.push_back({kArithNames[i], oid::kFloat4, oid::kFloat8, oid::kFloat8, FloatArith, i});
    ops.push_back({kArithNames[i], oid::kFloat8, oid::kFloat4, oid::kFloat8, FloatArith, i});
  }
  ops.push_back({"^", oid::kFloat8, oid::kFloat8, oid::kFloat8, FloatArith, kPow});
  for (uint32_t t : {oid::kInt2, oid::kInt4, oid::kInt8}) {
    ops.push_back({"&", t, t, t, IntBits, kAnd});
    ops.push_back({"|", t, t, t, IntBits, kOr});
    ops.push_back({"#", t, t, t, IntBits, kXor});
    ops.push_back({"~", 0, t, t, IntBits, kNot});
    ops.push_back({"<<", t, oid::kInt4, t, IntBits, kShl});
    ops.push_back({">>", t, oid::kInt4, t, IntBits, kShr});
  }
  for (uint32_t t : {oid::kInt2, oid::kInt4, oid::kInt8, oid::kFloat4, oid::kFloat8, oid::kNumeric}) {
    ops.push_back({"@", 0, t, t, AbsOp, 0});
  }
  ops.push_back({"|/", 0, oid::kFloat8, oid::kFloat8, RootOp, 0});
  ops.push_back({"||/", 0, oid::kFloat8, oid::kFloat8, RootOp, 1});
  for (int i = 0; i < 5; ++i) ops.push_back({kArithNames[i], oid::kNumeric, oid::kNumeric, oid::kNumeric, NumericArith, i});
  ops.push_back({"-", 0, oid::kNumeric, oid::kNumeric, NumericArith, kNeg});
  ops.push_back({"+", 0, oid::kNumeric, oid::kNumeric, NumericArith, kPos});
  ops.push_back({"^", oid::kNumeric, oid::kNumeric, oid::kNumeric, NumericArith, kPow});

  for (uint32_t t : {oid::kBool, oid::kInt2, oid::kInt4, oid::kInt8, oid::kFloat4, oid::kFloat8, oid::kNumeric,
                     oid::kText, oid::kBpchar, oid::kName, oid::kOid, oid::kDate, oid::kTimestamp,
                     oid::kTimestamptz, oid::kInterval, oid::kPgLsn, oid::kXid8, oid::kBytea, oid::kUuid, oid::kTime,
                     oid::kTid}) {
    for (int i = 0; i < 6; ++i) ops.push_back({kCmpNames[i], t, t, oid::kBool, Compare, i});
  }
  for (int i = 0; i < 6; ++i) {
    ops.push_back({kCmpNames[i], oid::kFloat4, oid::kFloat8, oid::kBool, CompareFloat, i});
    ops.push_back({kCmpNames[i], oid::kFloat8, oid::kFloat4, oid::kBool, CompareFloat, i});
  }
  ops.push_back({"||", oid::kText, oid::kText, oid::kText, TextConcat, 0});
  ops.push_back({"~~", oid::kText, oid::kText, oid::kBool, Like, 0});
  ops.push_back({"~~*", oid::kText, oid::kText, oid::kBool, Like, 1});
  ops.push_back({"!~~", oid::kText, oid::kText, oid::kBool, Like, 2});
  ops.push_back({"!~~*", oid::kText, oid::kText, oid::kBool, Like, 3});
  for (uint32_t t : {oid::kTimestamp, oid::kTimestamptz}) {
    ops.push_back({"+", t, oid::kInterval, t, TsInterval, kAdd});
    ops.push_back({"-", t, oid::kInterval, t, TsInterval, kSub});
    ops.push_back({"-", t, t, oid::kInterval, TsMinus, 0});
  }
  ops.push_back({"+", oid::kInterval, oid::kInterval, oid::kInterval, IntervalArith, kAdd});
  ops.push_back({"-", oid::kInterval, oid::kInterval, oid::kInterval, IntervalArith, kSub});
  ops.push_back({"-", 0, oid::kInterval, oid::kInterval, IntervalArith, kNeg});
  ops.push_back({"*", oid::kInterval, oid::kFloat8, oid::kInterval, IntervalScale, kMul});
  ops.push_back({"*", oid::kFloat8, oid::kInterval, oid::kInterval, IntervalScale, kMul});
  ops.push_back({"/", oid::kInterval, oid::kFloat8, oid::kInterval, IntervalScale, kDiv});
  ops.push_back({"+", oid::kDate, oid::kInt4, oid::kDate, DateInt, kAdd});
  ops.push_back({"-", oid::kDate, oid::kInt4, oid::kDate, DateInt, kSub});
  ops.push_back({"-", oid::kDate, oid::kDate, oid::kInt4, DateInt, kSub});
}

}  // namespace tusk::sql
