// More builtin math functions on float8 and integers: exp, ln, log, log10,
// cbrt, pi, degrees, radians, sign(float8), gcd, lcm and width_bucket.
#include <cmath>
#include <numbers>

#include "sql/functions/registry.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr uint32_t kI4 = oid::kInt4, kI8 = oid::kInt8, kF8 = oid::kFloat8;

[[noreturn]] void Overflow() { throw PgError(sqlstate::kNumericValueOutOfRange, "value out of range: overflow"); }

void Exp(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  double v = a[0]->f;
  out.f = std::exp(v);
  if (std::isinf(v) || std::isnan(v)) return;
  if (std::isinf(out.f)) Overflow();
  if (out.f == 0) throw PgError(sqlstate::kNumericValueOutOfRange, "value out of range: underflow");
}

// aux 0: ln, 1: log10
void Log(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  double v = a[0]->f;
  if (v == 0) throw PgError("2201E", "cannot take logarithm of zero");
  if (v < 0) throw PgError("2201E", "cannot take logarithm of a negative number");
  out.f = st.aux ? std::log10(v) : std::log(v);
}

void Cbrt(const Step&, const Datum* const* a, Datum& out, ExecContext&) { out.f = std::cbrt(a[0]->f); }
void Pi(const Step&, const Datum* const*, Datum& out, ExecContext&) { out.f = std::numbers::pi; }

// aux 0: degrees, 1: radians
void Degrees(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  double v = a[0]->f;
  out.f = st.aux ? v * (std::numbers::pi / 180.0) : v / (std::numbers::pi / 180.0);
  if (std::isinf(out.f) && !std::isinf(v)) Overflow();
}

void SignFloat(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  double v = a[0]->f;
  out.f = std::isnan(v) ? v : v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0;
}

int64_t Gcd64(int64_t x, int64_t y, uint32_t type) {
  // Works on negatives; the only unrepresentable result is -min.
  while (y != 0) {
    int64_t r = (y == -1) ? 0 : x % y;
    x = y;
    y = r;
  }
  int64_t lo = type == kI4 ? INT32_MIN : INT64_MIN;
  if (x == lo) ThrowIntOutOfRange(type);
  return x < 0 ? -x : x;
}

// aux 0: gcd, 1: lcm
void GcdLcm(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  uint32_t t = st.type_a ? st.type_a : kI8;
  int64_t x = a[0]->i, y = a[1]->i;
  if (!st.aux) {
    out.i = Gcd64(x, y, t);
    return;
  }
  if (x == 0 || y == 0) {
    out.i = 0;
    return;
  }
  int64_t g = Gcd64(x, y, t);
  __int128 r = static_cast<__int128>(x / g) * y;
  if (r < 0) r = -r;
  int64_t hi = t == kI4 ? INT32_MAX : INT64_MAX;
  if (r > hi) ThrowIntOutOfRange(t);
  out.i = static_cast<int64_t>(r);
}

void WidthBucket(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  double v = a[0]->f, lo = a[1]->f, hi = a[2]->f;
  int64_t n = a[3]->i;
  if (n <= 0) throw PgError("2201G", "count must be greater than zero");
  if (std::isnan(v) || std::isnan(lo) || std::isnan(hi)) {
    throw PgError("2201G", "operand, lower bound, and upper bound cannot be NaN");
  }
  if (std::isinf(lo) || std::isinf(hi)) throw PgError("2201G", "lower and upper bounds must be finite");
  if (lo == hi) throw PgError("2201G", "lower bound cannot equal upper bound");
  if (lo < hi) {
    if (v < lo) out.i = 0;
    else if (v >= hi) out.i = n + 1;
    else out.i = static_cast<int64_t>(n * ((v - lo) / (hi - lo))) + 1;
  } else {
    if (v > lo) out.i = 0;
    else if (v <= hi) out.i = n + 1;
    else out.i = static_cast<int64_t>(n * ((lo - v) / (lo - hi))) + 1;
  }
  if (out.i > n + 1) out.i = n + 1;
  if (out.i > INT32_MAX) ThrowIntOutOfRange(kI4);
}

}  // namespace

void AddMathExtraBuiltins(std::vector<FuncDef>& f) {
  f.push_back({"exp", {kF8}, kF8, Exp});
  f.push_back({"ln", {kF8}, kF8, Log, true, false, 0});
  f.push_back({"log", {kF8}, kF8, Log, true, false, 1});
  f.push_back({"log10", {kF8}, kF8, Log, true, false, 1});
  f.push_back({"cbrt", {kF8}, kF8, Cbrt});
  f.push_back({"pi", {}, kF8, Pi});
  f.push_back({"degrees", {kF8}, kF8, Degrees, true, false, 0});
  f.push_back({"radians", {kF8}, kF8, Degrees, true, false, 1});
  f.push_back({"sign", {kF8}, kF8, SignFloat});
  f.push_back({"gcd", {kI4, kI4}, kI4, GcdLcm, true, false, 0});
  f.push_back({"gcd", {kI8, kI8}, kI8, GcdLcm, true, false, 0});
  f.push_back({"lcm", {kI4, kI4}, kI4, GcdLcm, true, false, 1});
  f.push_back({"lcm", {kI8, kI8}, kI8, GcdLcm, true, false, 1});
  f.push_back({"width_bucket", {kF8, kF8, kF8, kI4}, kI4, WidthBucket});
}

}  // namespace tusk::sql
