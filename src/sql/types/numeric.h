// Arbitrary-precision decimal (PostgreSQL's numeric). Stored as a decimal
// digit string plus a display scale so that output, trailing zeros and the
// base-10000 binary wire format all derive from one exact representation.
// Besides finite values there are NaN, Infinity and -Infinity with
// PostgreSQL's arithmetic (Inf - Inf is NaN, x / Inf is 0, ...).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tusk::sql {

class Numeric {
 public:
  Numeric() = default;
  // Copies skip the digit string when both sides have none (zero, or the
  // unused numeric of a Datum of another type): executors copy rows of
  // Datums column by column, and most columns are not numeric.
  Numeric(const Numeric& o) : neg_(o.neg_), nan_(o.nan_), inf_(o.inf_), scale_(o.scale_) {
    if (!o.digits_.empty()) digits_ = o.digits_;
  }
  Numeric(Numeric&&) noexcept = default;
  Numeric& operator=(const Numeric& o) {
    neg_ = o.neg_;
    nan_ = o.nan_;
    inf_ = o.inf_;
    scale_ = o.scale_;
    if (!o.digits_.empty() || !digits_.empty()) digits_ = o.digits_;
    return *this;
  }
  Numeric& operator=(Numeric&&) noexcept = default;
  static Numeric FromInt(int64_t v);
  // Throws 22P02 "invalid input syntax for type numeric" on bad text.
  static Numeric Parse(std::string_view text);
  // float -> numeric keeps 15 significant digits, as PostgreSQL does.
  static Numeric FromDouble(double v);
  static Numeric NaN();
  static Numeric Infinity(bool negative = false);

  std::string ToString() const;
  double ToDouble() const;
  // Rounds to an integer; throws 22003 with the given type name on overflow.
  int64_t ToInt64(int64_t lo, int64_t hi, const char* type_name) const;

  bool is_nan() const { return nan_; }
  bool is_inf() const { return inf_; }
  bool is_special() const { return nan_ || inf_; }
  bool is_zero() const { return digits_.empty() && !nan_ && !inf_; }
  bool negative() const { return neg_ && !is_zero(); }
  int scale() const { return scale_; }

  // Exact arithmetic; result scales follow PostgreSQL's rules.
  Numeric Add(const Numeric& o) const;
  Numeric Sub(const Numeric& o) const;
  Numeric Mul(const Numeric& o) const;
  Numeric Div(const Numeric& o) const;               // 22012 on zero divisor
  Numeric DivScale(const Numeric& o, int rscale) const;  // rounded to rscale
  Numeric DivTrunc(const Numeric& o) const;          // integer quotient
  Numeric Mod(const Numeric& o) const;
  // power, sqrt, ln, exp and log(base, x) with PostgreSQL's result scales,
  // computed exactly (sqrt) or with guard digits and rounded.
  Numeric Pow(const Numeric& o) const;
  Numeric Sqrt() const;
  Numeric Ln() const;
  Numeric Exp() const;
  static Numeric Log(const Numeric& base, const Numeric& x);
  Numeric Neg() const;
  Numeric Abs() const;
  Numeric Round(int scale) const;  // half away from zero; negative scale rounds left of the point
  Numeric Trunc(int scale) const;
  Numeric Floor() const;
  Numeric Ceil() const;
  // Total order with NaN greatest, like PostgreSQL's btree ordering.
  int Compare(const Numeric& o) const;
  // Decimal exponent of the leading digit (0 for 1..9, -1 for 0.1..0.9).
  int LeadingExponent() const;

  // A finite value as an integer count of 10^-scale units (scale >= this
  // value's scale): false if it is special or the count would pass 10^36.
  // Sums of many values add these exactly, without a decimal string each.
  bool ToScaledInt128(int scale, __int128* out) const;
  static Numeric FromScaledInt128(__int128 units, int scale);

  // PostgreSQL binary format: ndigits, weight, sign, dscale, base-10000 digits.
  std::string ToBinary() const;
  static Numeric FromBinary(std::string_view data);  // throws 22P03
  void AssignBinary(std::string_view data);          // the same, into this value

 private:
  void Normalize();  // strips leading zeros of the unscaled integer
  // Base-10000 view used by the division scale rule and the wire format.
  void Base10000(int* weight, int* first_digit) const;
  // All base-10000 digits (no trailing zero groups) and the weight of the first.
  std::vector<int> Groups(int* weight) const;
  // PostgreSQL's estimate_ln_dweight: decimal weight of ln(this), this > 0.
  int EstimateLnWeight() const;
  // Finite positive arguments; results rounded to rscale.
  Numeric SqrtScale(int rscale) const;
 public:
  // Square root rounded to rscale decimals (finite, non-negative input).
  Numeric Sqrt(int rscale) const;

 private:
  Numeric LnScale(int rscale) const;
  Numeric ExpScale(int rscale) const;
  Numeric PowInt(int64_t e, int rscale) const;

  bool neg_ = false;
  bool nan_ = false;
  bool inf_ = false;    // +/-Infinity (sign in neg_)
  std::string digits_;  // unscaled absolute value, no leading zeros ("" = 0)
  int scale_ = 0;       // digits after the decimal point
};

}  // namespace tusk::sql
