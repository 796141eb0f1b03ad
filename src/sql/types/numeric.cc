// Numeric arithmetic on unscaled decimal digit strings. Schoolbook
// algorithms are adequate for the few dozen digits typical queries use;
// non-integral powers and square roots go through long double and are
// rounded to PostgreSQL's result scale.
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

[[noreturn]] void BadInput(std::string_view text) {
  throw PgError(sqlstate::kInvalidTextRepresentation,
                "invalid input syntax for type numeric: \"" + std::string(text) + "\"");
}

}  // namespace

void Numeric::Normalize() {
  digits_ = Strip(digits_);
  if (digits_.empty()) neg_ = false;
}

Numeric Numeric::NaN() {
  Numeric n;
  n.nan_ = true;
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
  r.digits_ = digits;
  r.scale_ = scale;
  r.Normalize();
  return r;
}

Numeric Numeric::FromDouble(double v) {
  if (std::isnan(v)) return NaN();
  if (std::isinf(v)) {
    throw PgError(sqlstate::kFeatureNotSupported, "cannot convert infinity to numeric");
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return Parse(buf);
}

std::string Numeric::ToString() const {
  if (nan_) return "NaN";
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
  return std::strtod(ToString().c_str(), nullptr);
}

int64_t Numeric::ToInt64(int64_t lo, int64_t hi, const char* type_name) const {
  if (nan_) {
    throw PgError(sqlstate::kFeatureNotSupported, std::string("cannot convert NaN to ") + type_name);
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
  if (!r.is_zero()) r.neg_ = !r.neg_;
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
  Numeric r;
  r.digits_ = MulMag(digits_, o.digits_);
  r.scale_ = scale_ + o.scale_;
  r.neg_ = neg_ != o.neg_;
  r.Normalize();
  if (r.scale_ > kMaxDisplayScale) r = r.Round(kMaxDisplayScale);
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
  if (nan_ || o.nan_) return NaN();
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
  if (nan_ || o.nan_) return NaN();
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
  if (nan_) return *this;
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
  if (nan_) return *this;
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
  Numeric t = Trunc(0);
  if (negative() && t.Compare(*this) != 0) t = t.Sub(FromInt(1));
  return t;
}

Numeric Numeric::Ceil() const {
  Numeric t = Trunc(0);
  if (!negative() && t.Compare(*this) != 0) t = t.Add(FromInt(1));
  return t;
}

int Numeric::Compare(const Numeric& o) const {
  if (nan_ || o.nan_) return nan_ == o.nan_ ? 0 : (nan_ ? 1 : -1);
  if (negative() != o.negative()) return negative() ? -1 : 1;
  int s = std::max(scale_, o.scale_);
  int c = CmpMag(Scaled(digits_, scale_, s), Scaled(o.digits_, o.scale_, s));
  return negative() ? -c : c;
}

Numeric Numeric::Pow(const Numeric& o) const {
  if (nan_ || o.nan_) return NaN();
  if (is_zero() && o.negative()) {
    throw PgError(sqlstate::kDivisionByZero, "zero raised to a negative power is undefined");
  }
  bool integral = o.Trunc(0).Compare(o) == 0;
  if (negative() && !integral) {
    throw PgError("2201F", "a negative number raised to a non-integer power yields a complex result");
  }
  if (integral && o.Abs().Compare(FromInt(1000000)) <= 0) {
    // Exact repeated squaring; PostgreSQL shows at least 16 decimals here.
    int rscale = std::max({kMinSigDigits, scale_, o.scale_});
    int64_t e = o.ToInt64(INT64_MIN, INT64_MAX, "bigint");
    uint64_t n = e < 0 ? -static_cast<uint64_t>(e) : e;
    Numeric result = FromInt(1), base = *this;
    while (n) {
      if (n & 1) result = result.Mul(base);
      n >>= 1;
      if (n) base = base.Mul(base);
    }
    if (e < 0) return FromInt(1).DivScale(result, rscale);
    return result.Round(rscale);
  }
  long double v = std::pow(static_cast<long double>(ToDouble()), static_cast<long double>(o.ToDouble()));
  if (std::isinf(v)) throw PgError(sqlstate::kNumericValueOutOfRange, "value overflows numeric format");
  int exp10 = v == 0 ? 0 : static_cast<int>(std::floor(std::log10(v)));
  int rscale = std::clamp(std::max({kMinSigDigits - exp10, scale_, o.scale_}), 0, kMaxDisplayScale);
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.*Lf", std::min(rscale, 60), v);
  return Parse(buf).Round(rscale);
}

Numeric Numeric::Sqrt() const {
  if (nan_) return NaN();
  if (negative()) {
    throw PgError("2201F", "cannot take square root of a negative number");
  }
  // Result scale per PostgreSQL: about 16 significant digits, at least the
  // input's scale.
  int w, f;
  Base10000(&w, &f);
  int sweight = (w + 1) * 4 / 2 - 1;
  int rscale = std::clamp(std::max({kMinSigDigits - sweight, scale_, 0}), 0, kMaxDisplayScale);
  long double v = std::sqrt(static_cast<long double>(ToDouble()));
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.*Lf", std::min(rscale, 60), v);
  return Parse(buf).Round(rscale);
}

std::string Numeric::ToBinary() const {
  std::vector<int16_t> groups;
  int weight = 0;
  uint16_t sign = nan_ ? 0xC000 : (negative() ? 0x4000 : 0x0000);
  if (!nan_ && !digits_.empty()) {
    int w, f;
    Base10000(&w, &f);
    weight = w;
    int lowest_power = -scale_;  // power of ten of the last digit
    int last_group = lowest_power >= 0 ? lowest_power / 4 : -((-lowest_power + 3) / 4);
    for (int g = w; g >= last_group; --g) {
      int v = 0;
      for (int p = 4 * g + 3; p >= 4 * g; --p) {
        int idx = static_cast<int>(digits_.size()) - scale_ - 1 - p;
        v = v * 10 + ((idx >= 0 && idx < static_cast<int>(digits_.size())) ? digits_[idx] - '0' : 0);
      }
      groups.push_back(static_cast<int16_t>(v));
    }
    while (!groups.empty() && groups.back() == 0) groups.pop_back();
  }
  std::string out;
  auto put16 = [&](uint16_t v) {
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v & 0xFF));
  };
  put16(static_cast<uint16_t>(groups.size()));
  put16(static_cast<uint16_t>(static_cast<int16_t>(weight)));
  put16(sign);
  put16(static_cast<uint16_t>(nan_ ? 0 : scale_));
  for (int16_t g : groups) put16(static_cast<uint16_t>(g));
  return out;
}

Numeric Numeric::FromBinary(std::string_view d) {
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
  if (sign == 0xC000) return NaN();
  if (sign != 0 && sign != 0x4000) throw bad();
  std::string text = sign == 0x4000 ? "-" : "";
  // Build "0.<groups>e<exp>" text and reuse the parser for exactness.
  std::string mant;
  for (int i = 0; i < ndigits; ++i) {
    int g = get16(8 + 2 * i);
    if (g > 9999) throw bad();
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04d", g);
    mant += buf;
  }
  if (mant.empty()) mant = "0";
  text += "0." + mant + "e" + std::to_string((weight + 1) * 4);
  Numeric n = Parse(text);
  return n.Round(dscale).Trunc(dscale);
}

}  // namespace tusk::sql
