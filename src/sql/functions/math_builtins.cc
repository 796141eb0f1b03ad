// Builtin math functions (abs, round, trunc, floor, ceil, mod, power, sqrt,
// div, sign, random) for the numeric, float and integer types.
#include <algorithm>
#include <cmath>
#include <random>

#include "sql/functions/registry.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr uint32_t kI2 = oid::kInt2, kI4 = oid::kInt4, kI8 = oid::kInt8, kF8 = oid::kFloat8, kNum = oid::kNumeric;

void AbsInt(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  int64_t v = a[0]->i;
  int64_t lo = st.type_a == kI2 ? INT16_MIN : st.type_a == kI4 ? INT32_MIN : INT64_MIN;
  if (v == lo) ThrowIntOutOfRange(st.type_a);
  out.i = v < 0 ? -v : v;
}
void AbsFloat(const Step&, const Datum* const* a, Datum& out, ExecContext&) { out.f = std::fabs(a[0]->f); }
void AbsNum(const Step&, const Datum* const* a, Datum& out, ExecContext&) { out.n = a[0]->n.Abs(); }

// aux: 0 round, 1 trunc, 2 floor, 3 ceil
void NumRound(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  int scale = st.args.size() > 1 ? static_cast<int>(std::clamp<int64_t>(a[1]->i, -1000, 1000)) : 0;
  switch (st.aux) {
    case 0: out.n = a[0]->n.Round(scale); break;
    case 1: out.n = a[0]->n.Trunc(scale); break;
    case 2: out.n = a[0]->n.Floor(); break;
    case 3: out.n = a[0]->n.Ceil(); break;
  }
}

void FloatRound(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  double v = a[0]->f;
  switch (st.aux) {
    case 0: out.f = std::nearbyint(v); break;  // banker's rounding like rint()
    case 1: out.f = std::trunc(v); break;
    case 2: out.f = std::floor(v); break;
    case 3: out.f = std::ceil(v); break;
  }
}

void ModInt(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  if (a[1]->i == 0) ThrowDivisionByZero();
  out.i = a[1]->i == -1 ? 0 : a[0]->i % a[1]->i;
}
void ModNum(const Step&, const Datum* const* a, Datum& out, ExecContext&) { out.n = a[0]->n.Mod(a[1]->n); }
void DivNum(const Step&, const Datum* const* a, Datum& out, ExecContext&) { out.n = a[0]->n.DivTrunc(a[1]->n); }

void PowFloat(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  double x = a[0]->f, y = a[1]->f;
  if (x == 0 && y < 0) throw PgError("2201F", "zero raised to a negative power is undefined");
  if (x < 0 && std::floor(y) != y) {
    throw PgError("2201F", "a negative number raised to a non-integer power yields a complex result");
  }
  out.f = std::pow(x, y);
  if (std::isinf(out.f) && !std::isinf(x) && !std::isinf(y)) {
    throw PgError(sqlstate::kNumericValueOutOfRange, "value out of range: overflow");
  }
}
void PowNum(const Step&, const Datum* const* a, Datum& out, ExecContext&) { out.n = a[0]->n.Pow(a[1]->n); }

void SqrtFloat(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  if (a[0]->f < 0) throw PgError("2201F", "cannot take square root of a negative number");
  out.f = std::sqrt(a[0]->f);
}
void SqrtNum(const Step&, const Datum* const* a, Datum& out, ExecContext&) { out.n = a[0]->n.Sqrt(); }

// aux: 0 ln, 1 exp, 2 log10 (log(x) is log(10, x)), 3 log(base, x).
void LnExpNum(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  static const Numeric kTen = Numeric::FromInt(10);
  switch (st.aux) {
    case 0: out.n = a[0]->n.Ln(); break;
    case 1: out.n = a[0]->n.Exp(); break;
    case 2: out.n = Numeric::Log(kTen, a[0]->n); break;
    default: out.n = Numeric::Log(a[0]->n, a[1]->n); break;
  }
}

void SignNum(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  out.n = Numeric::FromInt(a[0]->n.is_zero() ? 0 : a[0]->n.negative() ? -1 : 1);
}

void Random(const Step&, const Datum* const*, Datum& out, ExecContext&) {
  static std::mt19937_64 rng{std::random_device{}()};
  out.f = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

void AddMathBuiltins(std::vector<FuncDef>& f) {
  for (uint32_t t : {kI2, kI4, kI8}) f.push_back({"abs", {t}, t, AbsInt});
  f.push_back({"abs", {oid::kFloat4}, oid::kFloat4, AbsFloat});
  f.push_back({"abs", {kF8}, kF8, AbsFloat});
  f.push_back({"abs", {kNum}, kNum, AbsNum});
  const char* names[] = {"round", "trunc", "floor", "ceil", "ceiling"};
  for (int i = 0; i < 5; ++i) {
    int aux = i == 4 ? 3 : i;
    f.push_back({names[i], {kNum}, kNum, NumRound, true, false, aux});
    f.push_back({names[i], {kF8}, kF8, FloatRound, true, false, aux});
  }
  f.push_back({"round", {kNum, kI4}, kNum, NumRound, true, false, 0});
  f.push_back({"trunc", {kNum, kI4}, kNum, NumRound, true, false, 1});
  for (uint32_t t : {kI2, kI4, kI8}) f.push_back({"mod", {t, t}, t, ModInt});
  f.push_back({"mod", {kNum, kNum}, kNum, ModNum});
  f.push_back({"div", {kNum, kNum}, kNum, DivNum});
  f.push_back({"power", {kF8, kF8}, kF8, PowFloat});
  f.push_back({"power", {kNum, kNum}, kNum, PowNum});
  f.push_back({"pow", {kF8, kF8}, kF8, PowFloat});
  f.push_back({"pow", {kNum, kNum}, kNum, PowNum});
  f.push_back({"sqrt", {kF8}, kF8, SqrtFloat});
  f.push_back({"sqrt", {kNum}, kNum, SqrtNum});
  f.push_back({"sign", {kNum}, kNum, SignNum});
  f.push_back({"ln", {kNum}, kNum, LnExpNum, true, false, 0});
  f.push_back({"exp", {kNum}, kNum, LnExpNum, true, false, 1});
  f.push_back({"log", {kNum}, kNum, LnExpNum, true, false, 2});
  f.push_back({"log10", {kNum}, kNum, LnExpNum, true, false, 2});
  f.push_back({"log", {kNum, kNum}, kNum, LnExpNum, true, false, 3});
  f.push_back({"random", {}, kF8, Random});
}

}  // namespace tusk::sql
