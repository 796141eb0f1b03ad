// Numeric arithmetic on unscaled decimal digit strings. Schoolbook
// algorithms are adequate for the few dozen digits typical queries use.
// Square roots are exact (integer square root, then rounded); ln, exp and
// non-integral powers use series with guard digits and are rounded to
// PostgreSQL's result scales, chosen by PostgreSQL's rules.
#include "sql/types/numeric.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <cmath>
#include <cstdio>
#include <vector>

#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr int kMinSigDigits = 16;   // PostgreSQL's NUMERIC_MIN_SIG_DIGITS
constexpr int kMaxDisplayScale = 1000;
constexpr int kMaxResultScale = 2000;  // NUMERIC_MAX_RESULT_SCALE
constexpr int kDscaleMax = 16383;      // NUMERIC_DSCALE_MAX

std::string Strip(std::string s) {
  size_t i = 0;
  while (i < s.size() && s[i] == '0') ++i;
  return s.substr(i);
}

int CmpMag(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

std::string AddMag(const std::string& a, const std::string& b) {
  std::string r;
  int carry = 0;
  for (int i = static_cast<int>(a.size()) - 1, j = static_cast<int>(b.size()) - 1; i >= 0 || j >= 0 || carry;
       --i, --j) {
    int s = carry + (i >= 0 ? a[i] - '0' : 0) + (j >= 0 ? b[j] - '0' : 0);
    r.push_back(static_cast<char>('0' + s % 10));
    carry = s / 10;
  }
  std::reverse(r.begin(), r.end());
  return Strip(r);
}

// a - b with a >= b.
std::string SubMag(const std::string& a, const std::string& b) {
  std::string r;
  int borrow = 0;
  for (int i = static_cast<int>(a.size()) - 1, j = static_cast<int>(b.size()) - 1; i >= 0; --i, --j) {
    int s = (a[i] - '0') - borrow - (j >= 0 ? b[j] - '0' : 0);
    borrow = s < 0;
    if (s < 0) s += 10;
    r.push_back(static_cast<char>('0' + s));
  }
  std::reverse(r.begin(), r.end());
  return Strip(r);
}

std::string MulMag(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return "";
  std::vector<int> acc(a.size() + b.size(), 0);
  for (int i = static_cast<int>(a.size()) - 1; i >= 0; --i) {
    for (int j = static_cast<int>(b.size()) - 1; j >= 0; --j) acc[i + j + 1] += (a[i] - '0') * (b[j] - '0');
  }
  for (int k = static_cast<int>(acc.size()) - 1; k > 0; --k) {
    acc[k - 1] += acc[k] / 10;
    acc[k] %= 10;
  }
  std::string r;
  for (int d : acc) r.push_back(static_cast<char>('0' + d));
  return Strip(r);
}

// Long division of magnitudes; returns the quotient, leaves the remainder.
std::string DivMag(const std::string& a, const std::string& b, std::string* rem) {
  std::string q, r;
  for (char d : a) {
    r.push_back(d);
    r = Strip(r);
    int n = 0;
    while (CmpMag(r, b) >= 0) {
      r = SubMag(r, b);
      ++n;
    }
    q.push_back(static_cast<char>('0' + n));
  }
  if (rem) *rem = r;
  return Strip(q);
}

// floor(sqrt(n)) by Newton's iteration, started near the root from the
// leading digits. One step from any start lands at or above the root; from
// there the iteration decreases to it.
std::string ISqrtMag(const std::string& n) {
  if (n.empty()) return "";
  size_t lead = std::min<size_t>(n.size(), 18);
  if ((n.size() - lead) % 2) --lead;
  long double r = std::sqrt(std::strtold(n.substr(0, lead).c_str(), nullptr));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0Lf", std::floor(r) + 1);
  std::string x = buf;
  x.append((n.size() - lead) / 2, '0');
  auto step = [&](const std::string& v) { return DivMag(AddMag(v, DivMag(n, v, nullptr)), "2", nullptr); };
  x = step(x);
  for (;;) {
    std::string y = step(x);
    if (CmpMag(y, x) >= 0) return x;
    x = y;
  }
}

[[noreturn]] void Overflow() {
  throw PgError(sqlstate::kNumericValueOutOfRange, "value overflows numeric format");
}

[[noreturn]] void BadInput(std::string_view text) {
  throw PgError(sqlstate::kInvalidTextRepresentation,
                "invalid input syntax for type numeric: \"" + std::string(text) + "\"");
}

}  // namespace

void Numeric::Normalize() {
  digits_.erase(0, std::min(digits_.find_first_not_of('0'), digits_.size()));
  if (digits_.empty()) neg_ = false;
}

Numeric Numeric::NaN() {
  Numeric n;
  n.nan_ = true;
  return n;
}

Numeric Numeric::Infinity(bool negative) {
  Numeric n;
  n.inf_ = true;
  n.neg_ = negative;
  return n;
}

Numeric Numeric::FromInt(int64_t v) {
  Numeric n;
  n.neg_ = v < 0;
  uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  n.digits_ = mag == 0 ? "" : std::to_string(mag);
  return n;
}

Numeric Numeric::Parse(std::string_view text) {
  size_t i = 0, n = text.size();
  while (i < n && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  while (n > i && std::isspace(static_cast<unsigned char>(text[n - 1]))) --n;
  std::string_view t = text.substr(i, n - i);
  auto ieq = [](std::string_view a, const char* b) {
    if (a.size() != std::strlen(b)) return false;
    for (size_t k = 0; k < a.size(); ++k) {
      if (std::tolower(static_cast<unsigned char>(a[k])) != b[k]) return false;
    }
    return true;
  };
  if (ieq(t, "nan")) return NaN();
  if (ieq(t, "infinity") || ieq(t, "+infinity") || ieq(t, "inf") || ieq(t, "+inf")) return Infinity(false);
  if (ieq(t, "-infinity") || ieq(t, "-inf")) return Infinity(true);
  Numeric r;
  size_t p = 0;
  if (p < t.size() && (t[p] == '+' || t[p] == '-')) r.neg_ = t[p++] == '-';
  bool any = false;
  std::string digits;
  int scale = 0;
  while (p < t.size() && std::isdigit(static_cast<unsigned char>(t[p]))) digits.push_back(t[p++]), any = true;
  if (p < t.size() && t[p] == '.') {
    ++p;
    while (p < t.size() && std::isdigit(static_cast<unsigned char>(t[p]))) {
      digits.push_back(t[p++]);
      ++scale;
      any = true;
    }
  }
  if (!any) BadInput(text);
  if (p < t.size() && (t[p] == 'e' || t[p] == 'E')) {
    ++p;
    bool eneg = false;
    if (p < t.size() && (t[p] == '+' || t[p] == '-')) eneg = t[p++] == '-';
    if (p >= t.size() || !std::isdigit(static_cast<unsigned char>(t[p]))) BadInput(text);
    long e = 0;
    while (p < t.size() && std::isdigit(static_cast<unsigned char>(t[p]))) {
      e = e * 10 + (t[p++] - '0');
      if (e > 100000) BadInput(text);
    }
    if (eneg) e = -e;
    scale -= static_cast<int>(e);
    if (scale < 0) {
      digits.append(static_cast<size_t>(-scale), '0');
      scale = 0;
    }
  }
  if (p != t.size()) BadInput(text);
  // Normalize() in place: leading zeros go, zero has no sign.
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.empty()) r.neg_ = false;
  r.digits_ = std::move(digits);
  r.scale_ = scale;
  return r;
}

Numeric Numeric::FromDouble(double v) {
  if (std::isnan(v)) return NaN();
  if (std::isinf(v)) return Infinity(v < 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return Parse(buf);
}

std::string Numeric::ToString() const {
  if (nan_) return "NaN";
  if (inf_) return neg_ ? "-Infinity" : "Infinity";
  std::string d = digits_;
  if (static_cast<int>(d.size()) <= scale_) d.insert(0, scale_ - d.size() + 1, '0');
  std::string out = negative() ? "-" : "";
  size_t int_len = d.size() - scale_;
  out.append(d, 0, int_len);
  if (scale_ > 0) {
    out.push_back('.');
    out.append(d, int_len, std::string::npos);
  }
  return out;
}

double Numeric::ToDouble() const {
  if (nan_) return std::nan("");
  if (inf_) return neg_ ? -HUGE_VAL : HUGE_VAL;
  return std::strtod(ToString().c_str(), nullptr);
}

int64_t Numeric::ToInt64(int64_t lo, int64_t hi, const char* type_name) const {
  if (nan_) {
    throw PgError(sqlstate::kFeatureNotSupported, std::string("cannot convert NaN to ") + type_name);
  }
  if (inf_) {
    throw PgError(sqlstate::kFeatureNotSupported, std::string("cannot convert infinity to ") + type_name);
  }
  Numeric r = Round(0);
  std::string out_of_range = std::string(type_name) + " out of range";
  if (r.digits_.size() > 19) throw PgError(sqlstate::kNumericValueOutOfRange, out_of_range);
  unsigned __int128 mag = 0;
  for (char c : r.digits_) mag = mag * 10 + (c - '0');
  __int128 v = r.neg_ ? -static_cast<__int128>(mag) : static_cast<__int128>(mag);
  if (v < lo || v > hi) throw PgError(sqlstate::kNumericValueOutOfRange, out_of_range);
  return static_cast<int64_t>(v);
}

static std::string Scaled(const std::string& digits, int from, int to) {
  return digits.empty() ? digits : digits + std::string(static_cast<size_t>(to - from), '0');
}

Numeric Numeric::Add(const Numeric& o) const {
  if (nan_ || o.nan_) return NaN();
  if (inf_ || o.inf_) {
    if (inf_ && o.inf_) return neg_ == o.neg_ ? *this : NaN();  // Inf - Inf
    return inf_ ? *this : o;
  }
  Numeric r;
  r.scale_ = std::max(scale_, o.scale_);
  std::string a = Scaled(digits_, scale_, r.scale_), b = Scaled(o.digits_, o.scale_, r.scale_);
  if (neg_ == o.neg_) {
    r.digits_ = AddMag(a, b);
    r.neg_ = neg_;
  } else if (CmpMag(a, b) >= 0) {
    r.digits_ = SubMag(a, b);
    r.neg_ = neg_;
  } else {
    r.digits_ = SubMag(b, a);
    r.neg_ = o.neg_;
  }
  r.Normalize();
  return r;
}

Numeric Numeric::Neg() const {
  Numeric r = *this;
  if (!r.is_zero() && !r.nan_) r.neg_ = !r.neg_;
  return r;
}

Numeric Numeric::Abs() const {
  Numeric r = *this;
  r.neg_ = false;
  return r;
}

Numeric Numeric::Sub(const Numeric& o) const { return Add(o.Neg()); }

Numeric Numeric::Mul(const Numeric& o) const {
  if (nan_ || o.nan_) return NaN();
  if (inf_ || o.inf_) {
    if (is_zero() || o.is_zero()) return NaN();  // Inf * 0
    bool na = inf_ ? neg_ : negative(), nb = o.inf_ ? o.neg_ : o.negative();
    return Infinity(na != nb);
  }
  Numeric r;
  r.digits_ = MulMag(digits_, o.digits_);
  r.scale_ = scale_ + o.scale_;
  r.neg_ = neg_ != o.neg_;
  r.Normalize();
  if (r.scale_ > kDscaleMax) r = r.Round(kDscaleMax);
  return r;
}

void Numeric::Base10000(int* weight, int* first_digit) const {
  if (digits_.empty()) {
    *weight = 0;
    *first_digit = 0;
    return;
  }
  // Position of the leading digit as a power of ten, then grouped by 4.
  int lead = static_cast<int>(digits_.size()) - scale_ - 1;
  int w = lead >= 0 ? lead / 4 : -((-lead + 3) / 4);
  *weight = w;
  // Digits of the leading base-10000 group: powers 4w+3 .. 4w.
  int v = 0;
  for (int p = 4 * w + 3; p >= 4 * w; --p) {
    int idx = static_cast<int>(digits_.size()) - scale_ - 1 - p;
    v = v * 10 + ((idx >= 0 && idx < static_cast<int>(digits_.size())) ? digits_[idx] - '0' : 0);
  }
  *first_digit = v;
}

int Numeric::LeadingExponent() const {
  return digits_.empty() ? 0 : static_cast<int>(digits_.size()) - scale_ - 1;
}

Numeric Numeric::Div(const Numeric& o) const {
  if (is_special() || o.is_special()) return DivScale(o, 0);
  if (o.is_zero()) throw PgError(sqlstate::kDivisionByZero, "division by zero");
  // PostgreSQL's select_div_scale: about 16 significant digits, but never
  // fewer decimals than either input shows.
  int w1, f1, w2, f2;
  Base10000(&w1, &f1);
  o.Base10000(&w2, &f2);
  int qweight = w1 - w2;
  if (f1 <= f2) --qweight;
  int rscale = kMinSigDigits - qweight * 4;
  rscale = std::max({rscale, scale_, o.scale_, 0});
  rscale = std::min(rscale, kMaxDisplayScale);
  return DivScale(o, rscale);
}

Numeric Numeric::DivScale(const Numeric& o, int rscale) const {
  if (nan_ || o.nan_) return NaN();
  if (inf_) {
    if (o.inf_) return NaN();  // Inf / Inf
    if (o.is_zero()) throw PgError(sqlstate::kDivisionByZero, "division by zero");
    return Infinity(neg_ != o.negative());
  }
  if (o.inf_) return FromInt(0);  // finite / Inf
  if (o.is_zero()) throw PgError(sqlstate::kDivisionByZero, "division by zero");
  // (a / 10^sa) / (b / 10^sb) scaled by 10^(rscale+1): compute
  // a * 10^(rscale + 1 + sb - sa) / b, then round off the guard digit.
  int shift = rscale + 1 + o.scale_ - scale_;
  std::string a = digits_, b = o.digits_;
  if (shift >= 0) {
    if (!a.empty()) a.append(static_cast<size_t>(shift), '0');
  } else {
    b.append(static_cast<size_t>(-shift), '0');
  }
  Numeric q;
  q.digits_ = DivMag(a, b, nullptr);
  q.scale_ = rscale + 1;
  q.neg_ = neg_ != o.neg_;
  q.Normalize();
  return q.Round(rscale);
}

Numeric Numeric::DivTrunc(const Numeric& o) const {
  if (is_special() || o.is_special()) return DivScale(o, 0);
  if (o.is_zero()) throw PgError(sqlstate::kDivisionByZero, "division by zero");
  int s = std::max(scale_, o.scale_);
  Numeric q;
  q.digits_ = DivMag(Scaled(digits_, scale_, s), Scaled(o.digits_, o.scale_, s), nullptr);
  q.neg_ = neg_ != o.neg_;
  q.Normalize();
  return q;
}

Numeric Numeric::Mod(const Numeric& o) const {
  if (nan_ || o.nan_) return NaN();
  if (inf_) {
    if (o.is_zero()) throw PgError(sqlstate::kDivisionByZero, "division by zero");
    return NaN();  // Inf % x
  }
  if (o.inf_) return *this;  // x % Inf
  if (o.is_zero()) throw PgError(sqlstate::kDivisionByZero, "division by zero");
  // a - trunc(a/b) * b, computed exactly on aligned integers.
  int s = std::max(scale_, o.scale_);
  std::string a = Scaled(digits_, scale_, s), b = Scaled(o.digits_, o.scale_, s);
  std::string rem;
  DivMag(a, b, &rem);
  Numeric r;
  r.digits_ = rem;
  r.scale_ = s;
  r.neg_ = neg_;
  r.Normalize();
  return r;
}

Numeric Numeric::Round(int s) const {
  if (nan_ || inf_) return *this;
  Numeric r = *this;
  if (s >= scale_) {
    if (!r.digits_.empty()) r.digits_.append(static_cast<size_t>(s - scale_), '0');
    r.scale_ = s;
    return r;
  }
  int drop = scale_ - s;
  std::string d = digits_;
  if (static_cast<int>(d.size()) < drop + 1) d.insert(0, drop + 1 - d.size(), '0');
  bool up = d[d.size() - drop] >= '5';
  d.resize(d.size() - drop);
  if (up) d = AddMag(d, "1");
  if (s < 0 && !Strip(d).empty()) d.append(static_cast<size_t>(-s), '0');
  r.digits_ = d;
  r.scale_ = std::max(s, 0);
  r.Normalize();
  return r;
}

Numeric Numeric::Trunc(int s) const {
  if (nan_ || inf_) return *this;
  Numeric r = *this;
  if (s >= scale_) return Round(s);
  int drop = scale_ - s;
  std::string d = digits_;
  d.resize(d.size() > static_cast<size_t>(drop) ? d.size() - drop : 0);
  if (s < 0 && !Strip(d).empty()) d.append(static_cast<size_t>(-s), '0');
  r.digits_ = d;
  r.scale_ = std::max(s, 0);
  r.Normalize();
  return r;
}

Numeric Numeric::Floor() const {
  if (nan_ || inf_) return *this;
  Numeric t = Trunc(0);
  if (negative() && t.Compare(*this) != 0) t = t.Sub(FromInt(1));
  return t;
}

Numeric Numeric::Ceil() const {
  if (nan_ || inf_) return *this;
  Numeric t = Trunc(0);
  if (!negative() && t.Compare(*this) != 0) t = t.Add(FromInt(1));
  return t;
}

int Numeric::Compare(const Numeric& o) const {
  if (is_special() || o.is_special()) {
    // -Inf < finite < +Inf < NaN
    auto rank = [](const Numeric& x) { return x.nan_ ? 3 : x.inf_ ? (x.neg_ ? 0 : 2) : 1; };
    int a = rank(*this), b = rank(o);
    if (a != b) return a < b ? -1 : 1;
    if (a != 1) return 0;
  }
  if (negative() != o.negative()) return negative() ? -1 : 1;
  int s = std::max(scale_, o.scale_);
  int c = CmpMag(Scaled(digits_, scale_, s), Scaled(o.digits_, o.scale_, s));
  return negative() ? -c : c;
}

std::vector<int> Numeric::Groups(int* weight) const {
  std::vector<int> groups;
  *weight = 0;
  if (digits_.empty() || is_special()) return groups;
  int w, f;
  Base10000(&w, &f);
  *weight = w;
  int lowest_power = -scale_;  // power of ten of the last digit
  int last_group = lowest_power >= 0 ? lowest_power / 4 : -((-lowest_power + 3) / 4);
  for (int g = w; g >= last_group; --g) {
    int v = 0;
    for (int p = 4 * g + 3; p >= 4 * g; --p) {
      int idx = static_cast<int>(digits_.size()) - scale_ - 1 - p;
      v = v * 10 + ((idx >= 0 && idx < static_cast<int>(digits_.size())) ? digits_[idx] - '0' : 0);
    }
    groups.push_back(v);
  }
  while (!groups.empty() && groups.back() == 0) groups.pop_back();
  return groups;
}

int Numeric::EstimateLnWeight() const {
  // As PostgreSQL estimates it: near 1 from ln(1 + x) ~ x, otherwise from
  // the leading base-10000 digits.
  static const Numeric kPointNine = Parse("0.9"), kOnePointOne = Parse("1.1");
  if (negative() || is_zero()) return 0;
  if (Compare(kPointNine) >= 0 && Compare(kOnePointOne) <= 0) {
    Numeric x = Sub(FromInt(1));
    return x.is_zero() ? 0 : x.LeadingExponent();
  }
  int weight;
  std::vector<int> g = Groups(&weight);
  if (g.empty()) return 0;
  double digits = g[0];
  int dweight = weight * 4;
  if (g.size() > 1) {
    digits = digits * 10000 + g[1];
    dweight -= 4;
  }
  double ln_var = std::log(digits) + dweight * 2.302585092994046;
  return static_cast<int>(std::log10(std::fabs(ln_var)));
}

Numeric Numeric::SqrtScale(int rscale) const {
  // floor(sqrt(x) * 10^(rscale+1)) exactly, then rounded half up: the
  // correctly rounded square root.
  Numeric r;
  int shift = 2 * (rscale + 1) - scale_;
  std::string n = digits_;
  if (shift >= 0) {
    if (!n.empty()) n.append(static_cast<size_t>(shift), '0');
  } else {
    n.resize(n.size() > static_cast<size_t>(-shift) ? n.size() - static_cast<size_t>(-shift) : 0);
    n = Strip(n);
  }
  r.digits_ = ISqrtMag(n);
  r.scale_ = rscale + 1;
  r.Normalize();
  return r.Round(rscale);
}

namespace {

// x * 10^k, exactly.
Numeric ShiftPow10(const Numeric& x, int k) {
  std::string s = x.ToString();
  return Numeric::Parse(s + "e" + std::to_string(k));
}

int DecimalDigits(int64_t v) { return static_cast<int>(std::to_string(v < 0 ? -v : v).size()); }

// ln(y) for y > 0 (best near [1, 10]) to `scale` decimals plus error well
// below one unit of the last: square roots bring y into [0.9, 1.1], then
// ln(y) = 2 atanh((y - 1) / (y + 1)) by its series, times 2^roots.
Numeric LnNear(const Numeric& y, int scale) {
  static const Numeric kHigh = Numeric::Parse("1.1"), kLow = Numeric::Parse("0.9");
  int w = scale + 12;
  Numeric v = y;
  int roots = 0;
  while (v.Compare(kHigh) > 0 || v.Compare(kLow) < 0) {
    v = v.Sqrt(w);
    ++roots;
  }
  Numeric one = Numeric::FromInt(1);
  Numeric z = v.Sub(one).DivScale(v.Add(one), w);
  Numeric z2 = z.Mul(z).Round(w);
  Numeric sum = z, term = z;
  for (int64_t k = 3;; k += 2) {
    term = term.Mul(z2).Round(w);
    if (term.is_zero()) break;
    Numeric t = term.DivScale(Numeric::FromInt(k), w);
    if (t.is_zero()) break;
    sum = sum.Add(t);
  }
  return sum.Mul(Numeric::FromInt(int64_t{2} << roots));
}

// e^y for y >= 0 with absolute error well below 10^-scale: halve y until it
// is below 0.01, sum the Taylor series, then square back.
Numeric ExpPositive(const Numeric& y, int scale) {
  static const Numeric kSmall = Numeric::Parse("0.01");
  int halvings = 0;
  Numeric r = y;
  double v = y.ToDouble();
  while (v > 0.01) {
    v /= 2;
    ++halvings;
  }
  // Absolute error grows with the result's size and with each squaring.
  int w = scale + 10 + static_cast<int>(y.ToDouble() * 0.434294481903252) + halvings;
  if (halvings) r = y.DivScale(Numeric::FromInt(int64_t{1} << halvings), w);
  Numeric sum = Numeric::FromInt(1), term = Numeric::FromInt(1);
  for (int64_t k = 1;; ++k) {
    term = term.Mul(r).DivScale(Numeric::FromInt(k), w);
    if (term.is_zero()) break;
    sum = sum.Add(term);
  }
  for (int i = 0; i < halvings; ++i) sum = sum.Mul(sum).Round(w);
  return sum;
}

}  // namespace

Numeric Numeric::Sqrt(int rscale) const { return is_zero() ? FromInt(0).Round(rscale) : SqrtScale(rscale); }

Numeric Numeric::LnScale(int rscale) const {
  if (Compare(FromInt(1)) == 0) return FromInt(0).Round(rscale);
  // x = m * 10^k with m in [1, 10): ln x = ln m + k ln 10.
  int k = LeadingExponent();
  Numeric m = ShiftPow10(*this, -k);
  Numeric result = LnNear(m, rscale + 2);
  if (k != 0) {
    Numeric ln10 = LnNear(FromInt(10), rscale + 2 + DecimalDigits(k));
    result = result.Add(ln10.Mul(FromInt(k)));
  }
  return result.Round(rscale);
}

Numeric Numeric::ExpScale(int rscale) const {
  double val = ToDouble();
  if (std::fabs(val) >= kMaxResultScale * 3) {
    if (val > 0) Overflow();
    return FromInt(0).Round(rscale);
  }
  if (is_zero()) return FromInt(1).Round(rscale);
  if (negative()) {
    // e^-y = 1 / e^y; far below the last digit it is just 0.
    double dweight = val * 0.434294481903252;
    if (dweight + rscale + 2 < 0) return FromInt(0).Round(rscale);
    Numeric e = ExpPositive(Neg(), rscale + 2);
    return FromInt(1).DivScale(e, rscale);
  }
  return ExpPositive(*this, rscale + 2).Round(rscale);
}

Numeric Numeric::PowInt(int64_t e, int rscale) const {
  // PostgreSQL's power_var_int: exact for small exponents, otherwise
  // repeated squaring keeping enough significant digits.
  switch (e) {
    case 0: return FromInt(1).Round(rscale);
    case 1: return Round(rscale);
    case -1: return FromInt(1).DivScale(*this, rscale);
    case 2: return Mul(*this).Round(rscale);
    default: break;
  }
  if (is_zero()) {
    if (e < 0) throw PgError(sqlstate::kDivisionByZero, "division by zero");
    return FromInt(0).Round(rscale);
  }
  int weight;
  std::vector<int> g = Groups(&weight);
  double f = g[0];
  int p = weight * 4;
  for (size_t i = 1; i < g.size() && i * 4 < 16; ++i) {
    f = f * 10000 + g[i];
    p -= 4;
  }
  f = static_cast<double>(e) * (std::log10(f) + p);
  if (f > 3 * 32767 * 4) Overflow();
  if (f + 1 < -rscale || f + 1 < -kMaxDisplayScale) return FromInt(0).Round(rscale);
  int sig = 1 + rscale + static_cast<int>(f) + static_cast<int>(std::log(std::fabs(static_cast<double>(e)))) + 8;
  bool neg = e < 0;
  uint64_t mask = neg ? -static_cast<uint64_t>(e) : static_cast<uint64_t>(e);
  Numeric base = *this;
  Numeric result = (mask & 1) ? *this : FromInt(1);
  while ((mask >>= 1) > 0) {
    int local = std::clamp(sig - 2 * base.LeadingExponent(), 0, 2 * base.scale_);
    base = base.Mul(base).Round(local);
    if (mask & 1) {
      local = std::clamp(sig - (base.LeadingExponent() + result.LeadingExponent()), 0, base.scale_ + result.scale_);
      result = base.Mul(result).Round(local);
    }
    if (base.LeadingExponent() > 32767 * 4 || result.LeadingExponent() > 32767 * 4) {
      if (!neg) Overflow();
      return FromInt(0).Round(rscale);
    }
  }
  if (neg) return FromInt(1).DivScale(result, rscale);
  return result.Round(rscale);
}

Numeric Numeric::Pow(const Numeric& o) const {
  Numeric one = FromInt(1);
  // NaN ^ 0 = 1 and 1 ^ NaN = 1 (POSIX pow); other NaN inputs give NaN.
  if (nan_) return !o.is_special() && o.is_zero() ? one : NaN();
  if (o.nan_) return !is_special() && Compare(one) == 0 ? one : NaN();
  bool o_integral = !o.is_special() && o.Trunc(0).Compare(o) == 0;
  if (inf_ || o.inf_) {
    if (!inf_ && Compare(one) == 0) return one;
    if (!o.inf_ && o.is_zero()) return one;
    if (o.inf_) {
      if (is_zero() && o.neg_) throw PgError("2201F", "zero raised to a negative power is undefined");
      int c = Abs().Compare(one);
      if (c == 0) return one;  // -1 ^ +-Inf
      bool big = c > 0;
      return big != o.neg_ ? Infinity(false) : FromInt(0);
    }
    // x is +-Inf, y finite and nonzero.
    if (o.negative()) return FromInt(0);
    bool odd = o_integral && o.Mod(FromInt(2)).Compare(FromInt(0)) != 0;
    return Infinity(neg_ && odd);
  }
  if (is_zero() && o.negative()) throw PgError("2201F", "zero raised to a negative power is undefined");
  if (o_integral && o.Compare(FromInt(INT32_MIN)) >= 0 && o.Compare(FromInt(INT32_MAX)) <= 0) {
    int rscale = std::clamp(std::max(kMinSigDigits, scale_), 0, kMaxDisplayScale);
    return PowInt(o.ToInt64(INT32_MIN, INT32_MAX, "integer"), rscale);
  }
  if (is_zero()) return FromInt(0).Round(kMinSigDigits);
  bool result_neg = false;
  Numeric base = *this;
  if (negative()) {
    if (!o_integral) {
      throw PgError("2201F", "a negative number raised to a non-integer power yields a complex result");
    }
    result_neg = o.Mod(FromInt(2)).Compare(FromInt(0)) != 0;
    base = Abs();
  }
  // PostgreSQL's power_var: a low-precision exp * ln(base) fixes the result
  // scale, then the real one is done with enough digits.
  int ln_dweight = base.EstimateLnWeight();
  int local = std::max(8 - ln_dweight, 0);
  double val = base.LnScale(local).Mul(o).Round(local).ToDouble();
  if (std::fabs(val) > kMaxResultScale * 3.01) {
    if (val > 0) Overflow();
    return FromInt(0).Round(kMaxDisplayScale);
  }
  val *= 0.434294481903252;
  int rscale = std::clamp(std::max({kMinSigDigits - static_cast<int>(val), base.scale_, o.scale_}), 0, kMaxDisplayScale);
  int sig = std::max(rscale + static_cast<int>(val), 0);
  local = std::max(sig - ln_dweight + 8, 0);
  Numeric ln_num = base.LnScale(local).Mul(o).Round(local);
  Numeric r = ln_num.ExpScale(rscale);
  return result_neg ? r.Neg() : r;
}

Numeric Numeric::Sqrt() const {
  if (nan_) return NaN();
  if (negative() || (inf_ && neg_)) {
    throw PgError("2201F", "cannot take square root of a negative number");
  }
  if (inf_) return *this;
  // Result scale per PostgreSQL: about 16 significant digits, at least the
  // input's scale.
  int w, f;
  Base10000(&w, &f);
  int sweight = (w + 1) * 4 / 2 - 1;
  int rscale = std::clamp(std::max({kMinSigDigits - sweight, scale_, 0}), 0, kMaxDisplayScale);
  return Sqrt(rscale);
}

Numeric Numeric::Ln() const {
  if (nan_) return NaN();
  if (is_zero()) throw PgError("2201E", "cannot take logarithm of zero");
  if (negative() || (inf_ && neg_)) throw PgError("2201E", "cannot take logarithm of a negative number");
  if (inf_) return *this;
  int rscale = std::clamp(std::max({kMinSigDigits - EstimateLnWeight(), scale_, 0}), 0, kMaxDisplayScale);
  return LnScale(rscale);
}

Numeric Numeric::Exp() const {
  if (nan_) return NaN();
  if (inf_) return neg_ ? FromInt(0) : *this;
  double val = std::clamp(ToDouble() * 0.434294481903252, -double{kMaxResultScale}, double{kMaxResultScale});
  int rscale = std::clamp(std::max(kMinSigDigits - static_cast<int>(val), scale_), 0, kMaxDisplayScale);
  return ExpScale(rscale);
}

Numeric Numeric::Log(const Numeric& base, const Numeric& x) {
  if (base.nan_ || x.nan_) return NaN();
  auto sign = [](const Numeric& n) { return n.inf_ ? (n.neg_ ? -1 : 1) : n.is_zero() ? 0 : n.negative() ? -1 : 1; };
  if (sign(base) < 0 || sign(x) < 0) throw PgError("2201E", "cannot take logarithm of a negative number");
  if (sign(base) == 0 || sign(x) == 0) throw PgError("2201E", "cannot take logarithm of zero");
  if (base.inf_) return x.inf_ ? NaN() : FromInt(0);
  if (x.inf_) return x;
  // PostgreSQL's log_var: scales from the estimated weights of both logs.
  int ln_base_dweight = base.EstimateLnWeight(), ln_num_dweight = x.EstimateLnWeight();
  int result_dweight = ln_num_dweight - ln_base_dweight;
  int rscale = std::clamp(std::max({kMinSigDigits - result_dweight, base.scale_, x.scale_, 0}), 0, kMaxDisplayScale);
  int ln_base_rscale = std::max(rscale + result_dweight - ln_base_dweight + 8, 0);
  int ln_num_rscale = std::max(rscale + result_dweight - ln_num_dweight + 8, 0);
  Numeric ln_base = base.LnScale(ln_base_rscale);
  Numeric ln_num = x.LnScale(ln_num_rscale);
  return ln_num.DivScale(ln_base, rscale);
}

std::string Numeric::ToBinary() const {
  // Straight from the decimal digits, four to a base-10000 digit, into the
  // result: every stored numeric value passes here (COPY, INSERT), so no
  // intermediate vectors.
  const uint16_t sign = nan_ ? 0xC000 : inf_ ? (neg_ ? 0xF000 : 0xD000) : (negative() ? 0x4000 : 0x0000);
  std::string out(8, '\0');
  auto put16 = [&](size_t at, uint16_t v) {
    out[at] = static_cast<char>(v >> 8);
    out[at + 1] = static_cast<char>(v & 0xFF);
  };
  int weight = 0;
  size_t ngroups = 0;
  if (!is_special() && !digits_.empty()) {
    // The leading digit's power of ten, and the base-10000 digit holding it.
    const int lead = static_cast<int>(digits_.size()) - scale_ - 1;
    weight = lead >= 0 ? lead / 4 : -((-lead + 3) / 4);
    out.reserve(8 + 2 * (digits_.size() / 4 + 2));
    int v = 0;
    int k = 4 * weight + 3 - lead;  // digits already in the group: the zeros above the leading one
    for (char c : digits_) {
      v = v * 10 + (c - '0');
      if (++k == 4) {
        out.append(2, '\0');
        put16(out.size() - 2, static_cast<uint16_t>(v));
        v = 0;
        k = 0;
      }
    }
    if (k > 0) {  // the last group, filled with zeros below the last digit
      for (; k < 4; ++k) v *= 10;
      out.append(2, '\0');
      put16(out.size() - 2, static_cast<uint16_t>(v));
    }
    ngroups = (out.size() - 8) / 2;
    while (ngroups > 0 && out[8 + 2 * ngroups - 2] == 0 && out[8 + 2 * ngroups - 1] == 0) --ngroups;
    out.resize(8 + 2 * ngroups);
  }
  put16(0, static_cast<uint16_t>(ngroups));
  put16(2, static_cast<uint16_t>(static_cast<int16_t>(weight)));
  put16(4, sign);
  put16(6, static_cast<uint16_t>(is_special() ? 0 : scale_));
  return out;
}

Numeric Numeric::FromBinary(std::string_view d) {
  Numeric r;
  r.AssignBinary(d);
  return r;
}

void Numeric::AssignBinary(std::string_view d) {
  auto bad = [] {
    return PgError(sqlstate::kInvalidBinaryRepresentation, "invalid numeric data in binary format");
  };
  if (d.size() < 8) throw bad();
  auto get16 = [&](size_t i) {
    return static_cast<uint16_t>((static_cast<unsigned char>(d[i]) << 8) | static_cast<unsigned char>(d[i + 1]));
  };
  int ndigits = get16(0);
  int weight = static_cast<int16_t>(get16(2));
  uint16_t sign = get16(4);
  int dscale = get16(6);
  if (d.size() != 8 + 2 * static_cast<size_t>(ndigits)) throw bad();
  if (sign == 0xC000) {
    *this = NaN();
    return;
  }
  if (sign == 0xD000 || sign == 0xF000) {
    *this = Infinity(sign == 0xF000);
    return;
  }
  if (sign != 0 && sign != 0x4000) throw bad();
  // The groups' decimal digits are the unscaled value; the last one stands
  // for 10^(4 * (weight + 1 - ndigits)).
  Numeric& r = *this;  // reuses the digit buffer: scans decode a column into the same Datum row after row
  r.nan_ = r.inf_ = false;
  r.neg_ = sign == 0x4000;
  r.digits_.resize(4 * static_cast<size_t>(ndigits));
  for (int i = 0; i < ndigits; ++i) {
    int g = get16(8 + 2 * i);
    if (g > 9999) throw bad();
    for (int k = 3; k >= 0; --k, g /= 10) r.digits_[4 * static_cast<size_t>(i) + static_cast<size_t>(k)] = static_cast<char>('0' + g % 10);
  }
  const int exp10 = 4 * (weight + 1 - ndigits);
  if (exp10 >= 0) {
    r.digits_.append(static_cast<size_t>(exp10), '0');
    r.scale_ = 0;
  } else {
    r.scale_ = -exp10;
  }
  if (r.scale_ < dscale) {
    r.digits_.append(static_cast<size_t>(dscale - r.scale_), '0');
    r.scale_ = dscale;
  } else if (r.scale_ > dscale) {
    // Digits past dscale (zeros, in what PostgreSQL sends) are cut off, as
    // PostgreSQL's numeric_recv truncates them.
    const size_t extra = static_cast<size_t>(r.scale_ - dscale);
    r.digits_.resize(r.digits_.size() > extra ? r.digits_.size() - extra : 0);
    r.scale_ = dscale;
  }
  r.Normalize();
}

bool Numeric::ToScaledInt128(int scale, __int128* out) const {
  if (is_special() || scale < scale_) return false;
  const size_t ndigits = digits_.size() + static_cast<size_t>(scale - scale_);
  if (ndigits > 36) return false;
  // The first 18 digits in 64 bits (most values have fewer), the rest in 128.
  const size_t head = std::min<size_t>(digits_.size(), 18);
  uint64_t h = 0;
  for (size_t i = 0; i < head; ++i) h = h * 10 + static_cast<uint64_t>(digits_[i] - '0');
  __int128 v = h;
  for (size_t i = head; i < digits_.size(); ++i) v = v * 10 + (digits_[i] - '0');
  for (int k = scale_; k < scale; ++k) v *= 10;
  *out = neg_ ? -v : v;
  return true;
}

Numeric Numeric::FromScaledInt128(__int128 units, int scale) {
  Numeric r;
  r.neg_ = units < 0;
  unsigned __int128 m = r.neg_ ? -static_cast<unsigned __int128>(units) : static_cast<unsigned __int128>(units);
  char buf[48];
  size_t n = sizeof buf;
  while (m) {
    buf[--n] = static_cast<char>('0' + static_cast<int>(m % 10));
    m /= 10;
  }
  r.digits_.assign(buf + n, sizeof buf - n);
  r.scale_ = scale;
  if (r.digits_.empty()) r.neg_ = false;
  return r;
}

}  // namespace tusk::sql
