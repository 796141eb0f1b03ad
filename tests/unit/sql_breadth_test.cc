// Pieces behind breadth.test that are easier to pin down directly: numeric
// sqrt/ln/exp/power/log and infinities, the ARE-to-POSIX regex translation
// and SIMILAR TO escaping, Unicode case mapping, and numeric typmods.
// Expected values are PostgreSQL 15's.
#include <gtest/gtest.h>

#include "sql/functions/regex.h"
#include "sql/functions/text_locale.h"
#include "sql/types/numeric.h"
#include "sql/types/type_io.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

using namespace tusk::sql;

namespace {

Numeric N(const char* s) { return Numeric::Parse(s); }

std::string Sub(const char* pattern, const char* text, bool icase = false) {
  std::vector<RegexSpan> spans;
  if (!Regex::Get(pattern, icase)->Search(text, &spans)) return "<none>";
  const RegexSpan& s = spans.size() > 1 ? spans[1] : spans[0];
  if (s.so < 0) return "<null>";
  return std::string(text).substr(static_cast<size_t>(s.so), static_cast<size_t>(s.eo - s.so));
}

std::string RegexError(const char* pattern) {
  try {
    Regex::Get(pattern, false);
  } catch (const tusk::PgError& e) {
    return e.data().sqlstate + std::string(" ") + e.data().message;
  }
  return "<ok>";
}

}  // namespace

TEST(SqlBreadth, NumericSqrtIsCorrectlyRounded) {
  EXPECT_EQ(N("12345678901234567890").Sqrt().ToString(), "3513641828.8201443");
  EXPECT_EQ(N("2").Sqrt().ToString(), "1.414213562373095");
  EXPECT_EQ(N("0.000000000001").Sqrt().ToString(), "0.000001000000000000000");
  EXPECT_EQ(N("99999999999999999999999999999999.5").Sqrt().ToString(), "10000000000000000.0");
  EXPECT_EQ(N("1.21").Sqrt().ToString(), "1.100000000000000");
  EXPECT_EQ(N("0").Sqrt().ToString(), "0.000000000000000");
}

TEST(SqlBreadth, NumericLnExpLogPower) {
  EXPECT_EQ(N("2.0").Ln().ToString(), "0.6931471805599453");
  EXPECT_EQ(N("1.05").Ln().ToString(), "0.048790164169432003");
  EXPECT_EQ(N("0.95").Ln().ToString(), "-0.051293294387550533");
  EXPECT_EQ(N("1e100").Ln().ToString(), "230.25850929940457");
  EXPECT_EQ(N("1.0").Exp().ToString(), "2.7182818284590452");
  EXPECT_EQ(N("10.0").Exp().ToString(), "22026.465794806717");
  EXPECT_EQ(N("-100.0").Exp().ToString(), "0.00000000000000000000000000000000000000000003720075976020836");
  EXPECT_EQ(Numeric::Log(N("10"), N("100.0")).ToString(), "2.0000000000000000");
  EXPECT_EQ(Numeric::Log(N("2.0"), N("8.0")).ToString(), "3.0000000000000000");
  EXPECT_EQ(N("1.5").Pow(N("2.5")).ToString(), "2.7556759606310754");
  EXPECT_EQ(N("2").Pow(N("0.5")).ToString(), "1.4142135623730950");
  EXPECT_EQ(N("1.1").Pow(N("1.1")).ToString(), "1.1105342410545757");
  EXPECT_EQ(N("-2.0").Pow(N("-3")).ToString(), "-0.1250000000000000");
  EXPECT_EQ(N("1.000001").Pow(N("1000000.5")).ToString(), "2.7182818284592718");
}

TEST(SqlBreadth, NumericErrorsUsePostgresCodes) {
  auto code = [](auto fn) {
    try {
      fn();
    } catch (const tusk::PgError& e) {
      return e.data().sqlstate + std::string(" ") + e.data().message;
    }
    return std::string("<ok>");
  };
  EXPECT_EQ(code([] { N("0").Pow(N("-1")); }), "2201F zero raised to a negative power is undefined");
  EXPECT_EQ(code([] { N("-2").Pow(N("0.5")); }),
            "2201F a negative number raised to a non-integer power yields a complex result");
  EXPECT_EQ(code([] { N("0").Ln(); }), "2201E cannot take logarithm of zero");
  EXPECT_EQ(code([] { N("10000.0").Exp(); }), "22003 value overflows numeric format");
  EXPECT_EQ(code([] { Numeric::Log(N("1"), N("10")); }), "22012 division by zero");
}

TEST(SqlBreadth, NumericInfinity) {
  Numeric inf = N("Infinity"), ninf = N("-inf");
  EXPECT_EQ(inf.ToString(), "Infinity");
  EXPECT_EQ(ninf.ToString(), "-Infinity");
  EXPECT_TRUE(inf.Sub(inf).is_nan());
  EXPECT_TRUE(inf.Mul(N("0")).is_nan());
  EXPECT_EQ(inf.Mul(N("-2")).ToString(), "-Infinity");
  EXPECT_EQ(N("1").Div(inf).ToString(), "0");
  EXPECT_TRUE(inf.Mod(N("3")).is_nan());
  EXPECT_EQ(N("5").Mod(inf).ToString(), "5");
  EXPECT_LT(ninf.Compare(N("-1e100")), 0);
  EXPECT_LT(inf.Compare(Numeric::NaN()), 0);
  EXPECT_EQ(Numeric::FromBinary(inf.ToBinary()).ToString(), "Infinity");
  EXPECT_EQ(Numeric::FromBinary(ninf.ToBinary()).ToString(), "-Infinity");
  EXPECT_THROW(inf.Div(N("0")), tusk::PgError);
}

TEST(SqlBreadth, NumericTypmodWithNegativeScale) {
  int32_t t = NumericTypmod(3, -1);
  EXPECT_EQ(NumericTypmodPrecision(t), 3);
  EXPECT_EQ(NumericTypmodScale(t), -1);
  EXPECT_EQ(NumericTypmodScale(NumericTypmod(1000, 1000)), 1000);
  EXPECT_EQ(NumericTypmodScale(NumericTypmod(5, -1000)), -1000);
  Datum d = Datum::Num(N("25"));
  ApplyTypmod(oid::kNumeric, t, d);
  EXPECT_EQ(d.n.ToString(), "30");
}

TEST(SqlBreadth, RegexMatchesLikePostgres) {
  EXPECT_EQ(Sub("a|ab", "abcd"), "ab");            // whole match is the longest
  EXPECT_EQ(Sub("(a|ab)(c|bcd)", "abcd"), "a");
  EXPECT_EQ(Sub("a*?y", "xaaay"), "aaay");         // non-greedy: shortest
  EXPECT_EQ(Sub("a+?", "aaa"), "a");
  EXPECT_EQ(Sub("a*?", "aaa"), "");
  EXPECT_EQ(Sub("(?:a)(b)", "ab"), "b");           // non-capturing group
  EXPECT_EQ(Sub("(?:x)(a)\\1", "xaa"), "a");      // back reference in ARE numbering
  EXPECT_EQ(Sub("(x)?b", "foobar"), "<null>");
  EXPECT_EQ(Sub("\\d+$", "foo123"), "123");
  EXPECT_EQ(Sub("[\\d]+", "ab12"), "12");
  EXPECT_EQ(Sub("[]a]+", "x]a]y"), "]a]");
  EXPECT_EQ(Sub("h.l", "héllo"), "hél");          // . is one character
  EXPECT_EQ(Sub("école", "ÉCOLE", true), "ÉCOLE");
  EXPECT_EQ(Sub("***=a.", "xa.y"), "a.");
  EXPECT_EQ(Sub("(?i)B", "abc"), "b");
}

TEST(SqlBreadth, RegexErrorsUsePostgresMessages) {
  EXPECT_EQ(RegexError("("), "2201B invalid regular expression: parentheses () not balanced");
  EXPECT_EQ(RegexError(")"), "2201B invalid regular expression: parentheses () not balanced");
  EXPECT_EQ(RegexError("["), "2201B invalid regular expression: brackets [] not balanced");
  EXPECT_EQ(RegexError("*"), "2201B invalid regular expression: quantifier operand invalid");
  EXPECT_EQ(RegexError("a**"), "2201B invalid regular expression: quantifier operand invalid");
  EXPECT_EQ(RegexError("a{2,1}"), "2201B invalid regular expression: invalid repetition count(s)");
  EXPECT_EQ(RegexError("\\q"), "2201B invalid regular expression: invalid escape \\ sequence");
  EXPECT_EQ(RegexError("\\1"), "2201B invalid regular expression: invalid backreference number");
  EXPECT_EQ(RegexError("[b-a]"), "2201B invalid regular expression: invalid character range");
  EXPECT_EQ(RegexError("[[:foo:]]"), "2201B invalid regular expression: invalid character class");
  EXPECT_EQ(RegexError("a{"), "<ok>");  // a literal brace
}

TEST(SqlBreadth, SimilarToEscapesLikePostgres) {
  EXPECT_EQ(SimilarToRegex("%#\"o_b#\"%", true, "#"), "^(?:.*){1,1}?(o.b){1,1}(?:.*)$");
  EXPECT_EQ(SimilarToRegex("a.(b|c)[x-z]%", true, "\\"), "^(?:a\\.(?:b|c)[x-z].*)$");
  EXPECT_EQ(SimilarToRegex("[]a]_\\d", true, ""), "^(?:[]a].\\\\d)$");
  std::string out;
  ASSERT_TRUE(SimilarSubstring("aXbXc", "%#\"X_#\"%", true, "#", &out));
  EXPECT_EQ(out, "Xb");  // shortest prefix, then the longest middle
  EXPECT_FALSE(SimilarSubstring("foobar", "#\"o_b#\"%", true, "#", &out));
  EXPECT_THROW(SimilarToRegex("a#\"b#\"c#\"", true, "#"), tusk::PgError);
}

TEST(SqlBreadth, UnicodeCaseMapping) {
  EXPECT_EQ(Utf8Lower("ÀBC"), "àbc");
  EXPECT_EQ(Utf8Upper("àéîõü"), "ÀÉÎÕÜ");
  EXPECT_EQ(Utf8Upper("straße"), "STRAßE");  // simple mappings only
  EXPECT_EQ(Utf8Lower("ΑΒΓ"), "αβγ");
  EXPECT_EQ(Utf8Initcap("élan vital ÉCOLE"), "Élan Vital École");
  EXPECT_EQ(Utf8Initcap("hello-world foo_bar x1y"), "Hello-World Foo_Bar X1y");
  EXPECT_EQ(Utf8Lower(std::string("a\xff" "B")), std::string("a\xff" "b"));  // invalid bytes pass through
}
